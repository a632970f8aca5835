"""Encryption at rest: key file creation, key requirement for PostgreSQL, rotation."""

from __future__ import annotations

import stat

import pytest
from pydantic import SecretStr

from storage.config import StorageSettings
from storage.crypto import Cipher, SecretKeyError, key_file_for, load_cipher, new_key


def settings(url: str, key: str | None = None) -> StorageSettings:
    return StorageSettings(database_url=url, secret_key=SecretStr(key) if key else None)


def test_key_file_created_beside_sqlite_with_mode_0600(tmp_path, caplog):
    url = f"sqlite:///{tmp_path}/data/sfbot.db"
    cipher = load_cipher(settings(url))
    path = key_file_for(url)
    assert path == tmp_path / "data" / "sfbot.db.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "SFBOT_SECRET_KEY is not set" in caplog.text
    token = cipher.encrypt("s3cret")
    # the same key file is reused by the next process
    assert load_cipher(settings(url)).decrypt(token) == "s3cret"


def test_postgres_requires_a_key():
    with pytest.raises(SecretKeyError, match="SFBOT_SECRET_KEY is required"):
        load_cipher(settings("postgresql+psycopg://u@127.0.0.1:1/db"))


def test_malformed_key_is_a_clear_error():
    with pytest.raises(SecretKeyError, match="not a valid Fernet key"):
        load_cipher(settings("sqlite:///x.db", "not-a-key"))


def test_rotation_old_key_still_decrypts_and_rotate_moves_to_new():
    old, new = new_key(), new_key()
    token = Cipher([old.encode()]).encrypt("value")
    both = Cipher([new.encode(), old.encode()])
    assert both.decrypt(token) == "value"
    rotated = both.rotate(token)
    assert Cipher([new.encode()]).decrypt(rotated) == "value"
    with pytest.raises(SecretKeyError):
        Cipher([old.encode()]).decrypt(rotated)


def test_wrong_key_is_a_clear_error():
    token = Cipher([new_key().encode()]).encrypt("value")
    with pytest.raises(SecretKeyError, match="cannot be decrypted"):
        Cipher([new_key().encode()]).decrypt(token)
