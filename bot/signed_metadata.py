"""Signed ``private_metadata``: what a modal keeps for its submission, sealed with an HMAC.

Slack hands a view's ``private_metadata`` back with every submission and block action. A
request can be signed (it came through Slack) and still carry edited metadata, so sfbot
trusts only what it sealed itself: ``seal`` writes ``<mac>.<json>`` and ``unseal`` returns
the JSON object or raises ``ForgedMetadata`` (bad mac, not JSON, not an object).

The key is derived from the Slack signing secret (HMAC-SHA256 with a fixed label), so every
replica sharing the secret agrees; until ``install_key`` runs (unit tests) a random key of
this process is used. Every modal goes through these two functions; a modal whose metadata
is a pydantic model subclasses ``SignedMeta``, which seals ``dumps`` and checks the shape in
``loads`` (a sealed object of the wrong shape is forged metadata too).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any, Self

from pydantic import BaseModel, ValidationError

from actions.errors import InvalidInput

LABEL = b"sfbot private_metadata v1"
MAC_CHARS = 32  # 24 bytes of HMAC-SHA256, base64url

_key = hashlib.sha256(secrets.token_bytes(32)).digest()


class ForgedMetadata(InvalidInput):
    """private_metadata that sfbot did not write (edited, truncated or of the wrong shape)."""

    default_code = "FORGED_METADATA"


FORGED_TEXT = (
    ":warning: This form came back changed on the way, so sfbot did not trust it and sent "
    "nothing to Salesforce. Close it and open it again."
)


def install_key(signing_secret: str) -> None:
    """Derive the key from the Slack signing secret (called once by ``create_app``)."""
    global _key
    _key = hmac.new(signing_secret.encode(), LABEL, hashlib.sha256).digest()


def _mac(body: str) -> str:
    digest = hmac.new(_key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def seal(data: dict[str, Any]) -> str:
    """``data`` as signed private_metadata."""
    body = json.dumps(data, separators=(",", ":"), sort_keys=True, default=str)
    return f"{_mac(body)}.{body}"


def unseal(text: object) -> dict[str, Any]:
    """The object ``seal`` wrote; ``{}`` for a view without metadata (e.g. still loading)."""
    if text in (None, ""):
        return {}
    if not isinstance(text, str):
        raise ForgedMetadata("private_metadata is not a string")
    mac, dot, body = text.partition(".")
    if not dot or not hmac.compare_digest(mac.encode(), _mac(body).encode()):
        raise ForgedMetadata("private_metadata does not carry sfbot's signature")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ForgedMetadata("private_metadata is not JSON") from exc
    if not isinstance(data, dict):
        raise ForgedMetadata("private_metadata is not a JSON object")
    return data


class SignedMeta(BaseModel):
    """A modal's ``private_metadata`` as a model: sealed by ``dumps``, checked by ``loads``."""

    def dumps(self) -> str:
        """The fields that differ from their defaults, sealed."""
        return seal(self.model_dump(mode="json", exclude_defaults=True))

    @classmethod
    def loads(cls, text: str | None) -> Self:
        """Raises ForgedMetadata unless sfbot wrote ``text`` and it has this model's shape."""
        try:
            return cls.model_validate(unseal(text))
        except ValidationError as exc:
            raise ForgedMetadata("private_metadata has the wrong shape") from exc
