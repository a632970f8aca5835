"""The log redactor masks secrets by value and by shape, in messages and tracebacks."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from bot.config import Settings
from bot.log_redaction import MASK, SecretRedactor


def test_shapes_and_values_are_masked():
    r = SecretRedactor()
    r.add("configured-signing-secret")
    text = (
        "token xoxb-123-456-abc app xapp-1-A1-2-ff Authorization: Bearer abc.def "
        "sf 00D5e000000abcd!AQ4AQ.x_y-z "
        'form client_secret=s3cr3t&x=1 json {"refresh_token": "5Aep861abc"} '
        "password=hunter2 sig configured-signing-secret"
    )
    out = r.redact(text)
    for secret in (
        "xoxb-123",
        "xapp-1",
        "abc.def",
        "AQ4AQ",
        "s3cr3t",
        "5Aep861abc",
        "hunter2",
        "configured-signing-secret",
    ):
        assert secret not in out, (secret, out)
    assert out.count(MASK) == 8


def test_settings_secrets_are_registered():
    r = SecretRedactor()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_SIGNING_SECRET="signing-secret-1234",
        SLACK_BOT_TOKEN="plain-looking-token-99",
        SFBOT_SECRET_KEY="key-one-0000000,key-two-1111111",
    )
    assert isinstance(settings.slack_signing_secret, SecretStr)
    r.add_secrets_of(settings)
    out = r.redact("signing-secret-1234 plain-looking-token-99 key-two-1111111")
    assert out == f"{MASK} {MASK} {MASK}"


def test_tracebacks_are_masked(caplog):
    r = SecretRedactor()
    try:
        raise ValueError("bad token xoxb-999-888-secret")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
        import sys

        record.exc_info = sys.exc_info()
    r.filter(record)
    assert "xoxb-999" not in (record.exc_text or "")
    assert MASK in (record.exc_text or "")
