"""Which hosts are the connected org's, and which of their URLs are record links.

A My Domain org serves records at ``https://ACME.my.salesforce.com`` (the instance URL,
Classic and API) and ``https://ACME.lightning.force.com`` (Lightning Experience); sandboxes
add ``.sandbox``: ``ACME--DEV.sandbox.my.salesforce.com`` and
``ACME--DEV.sandbox.lightning.force.com`` (Salesforce Help, "My Domain URL formats":
https://help.salesforce.com/s/articleView?id=sf.domain_name_url_formats.htm). Record pages:
Lightning ``/lightning/r/OBJECT/ID/view``, Classic ``/ID`` (15 or 18 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from actions.errors import InvalidInput
from actions.objects import BY_API_NAME, ObjectSpec, normalize_id, spec_for_id

MY_DOMAIN = ".my.salesforce.com"
LIGHTNING = ".lightning.force.com"
_ID = r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?"
LIGHTNING_PATH = re.compile(rf"^/lightning/r/(?P<object>[A-Za-z0-9_]+)/(?P<id>{_ID})/view/?$")
CLASSIC_PATH = re.compile(rf"^/(?P<id>{_ID})/?$")


def org_hosts(instance_url: str) -> list[str]:
    """The hosts whose record links are this org's: the instance host and its twin."""
    host = (urlsplit(instance_url).hostname or "").lower()
    if not host:
        return []
    if host.endswith(MY_DOMAIN):
        return [host, host[: -len(MY_DOMAIN)] + LIGHTNING]
    if host.endswith(LIGHTNING):
        return [host[: -len(LIGHTNING)] + MY_DOMAIN, host]
    return [host]


@dataclass(frozen=True)
class RecordLink:
    url: str  # exactly as shared (chat.unfurl is keyed by it)
    spec: ObjectSpec
    record_id: str  # 18 characters


def record_link(url: str, hosts: list[str]) -> RecordLink | None:
    """The record a URL on one of ``hosts`` points at, if it is one sfbot works with."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or (parts.hostname or "").lower() not in hosts:
        return None
    match = LIGHTNING_PATH.match(parts.path) or CLASSIC_PATH.match(parts.path)
    if match is None:
        return None
    try:
        record_id = normalize_id(match.group("id"))
        spec = spec_for_id(record_id)
    except InvalidInput:
        return None
    named = match.groupdict().get("object")
    if named is not None and BY_API_NAME.get(named) is not spec:
        return None  # /lightning/r/Account/00Q.../view: not a real record page
    return RecordLink(url=url, spec=spec, record_id=record_id)
