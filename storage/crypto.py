"""Encryption of secrets at rest with Fernet (MultiFernet for key rotation).

Keys come from ``SFBOT_SECRET_KEY`` (comma-separated, newest first). Without it, and only with
SQLite, a key file is created beside the database file with mode 0600.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import make_url

from storage.config import StorageSettings

logger = logging.getLogger(__name__)


class SecretKeyError(Exception):
    """The encryption key is missing, malformed or does not match the stored secrets."""


class Cipher:
    """Encrypts and decrypts text secrets; the first key encrypts, every key decrypts."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise SecretKeyError("no encryption key given")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except (ValueError, TypeError) as exc:
            raise SecretKeyError(
                "SFBOT_SECRET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes; "
                "create one with `sfbot db new-key`)"
            ) from exc

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyError(
                "stored secrets cannot be decrypted with the configured SFBOT_SECRET_KEY"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the newest key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyError("a stored secret matches none of the configured keys") from exc


def new_key() -> str:
    return Fernet.generate_key().decode()


def key_file_for(database_url: str) -> Path | None:
    """The key file beside a SQLite database file, or None for other databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:"):
        return Path("sfbot.key").resolve()
    return Path(database).resolve().with_name(Path(database).name + ".key")


def load_cipher(settings: StorageSettings) -> Cipher:
    """Build the cipher from settings, creating a key file for SQLite when no key is set."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value().strip():
        raw = settings.secret_key.get_secret_value()
        return Cipher([k.strip().encode() for k in raw.split(",") if k.strip()])
    path = key_file_for(settings.database_url)
    if path is None:
        raise SecretKeyError(
            "SFBOT_SECRET_KEY is required with a non-SQLite database; "
            "create one with `sfbot db new-key` and set it in the environment or .env"
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(new_key() + "\n")
        logger.warning(
            "SFBOT_SECRET_KEY is not set: created the key file %s (mode 0600). "
            "Back it up: without it the stored Salesforce secrets cannot be read.",
            path,
        )
    keys = [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]
    return Cipher(keys)
