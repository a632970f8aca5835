"""Tests of the five Salesforce actions and the token lifecycle, against the emulator.

Helpers shared by the modules live here (fixtures are in ``conftest.py``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from actions.context import ActionContext
from actions.registry import run_action
from tests.fakes.salesforce import SalesforceEmulator


def run(ctx: ActionContext, action: str, /, **raw: Any) -> dict[str, Any]:
    """Run an action from raw input (validated like the CLI and Slack do); output as a dict."""
    return run_action(ctx, action, raw).model_dump(mode="json")


def api_requests(
    emu: SalesforceEmulator, method: str | None = None, path_contains: str = ""
) -> list[dict[str, Any]]:
    """Requests the instance server received (REST and SOAP), oldest first."""
    return [
        r
        for r in emu.request_log
        if r["server"] == "instance"
        and (method is None or r["method"] == method)
        and path_contains in r["path"]
    ]


def queries_sent(emu: SalesforceEmulator, kind: str) -> list[str]:
    """The ``q`` parameter of every ``query`` or ``search`` request, decoded."""
    out = []
    for r in api_requests(emu, "GET", f"/{kind}/"):
        out.extend(parse_qs(r["query"]).get("q", []))
    return out


def writes(emu: SalesforceEmulator) -> list[dict[str, Any]]:
    return [r for r in api_requests(emu) if r["method"] in ("POST", "PATCH", "DELETE")]


def rsa_key_pair() -> tuple[str, str]:
    """A new RSA private key (PKCS#8 PEM) and its public key (PEM) for a JWT connected app."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def authorize(emu: SalesforceEmulator, url: str) -> dict[str, str]:
    """Play the admin's browser: open the authorize URL, return the callback's query."""
    resp = requests.get(url, verify=emu.ca_bundle, allow_redirects=False, timeout=10)
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    return {k: v[0] for k, v in parse_qs(location.partition("?")[2]).items()}
