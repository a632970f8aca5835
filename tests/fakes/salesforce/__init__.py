"""A Salesforce emulator for tests: OAuth login server + REST/SOAP instance server over HTTPS.

Usage::

    from tests.fakes.salesforce import SalesforceEmulator

    with SalesforceEmulator(api_version="62.0") as emu:
        emu.add_connected_app("cid", client_secret="secret")
        ...  # point the code under test at emu.login_url / emu.instance_url, trust emu.ca_bundle
"""

from .emulator import SalesforceEmulator

__all__ = ["SalesforceEmulator"]
