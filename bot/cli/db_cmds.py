"""`sfbot db ...` and `sfbot rotate-key`: the schema and the encryption key."""

from __future__ import annotations

import click

from bot.cli.common import handle_errors, load_settings, print_json
from storage.connection_store import ConnectionStore
from storage.crypto import load_cipher, new_key
from storage.db import Database


@click.group("db")
def db_group() -> None:
    """The database: schema migrations and keys."""


@db_group.command("upgrade")
@handle_errors
def upgrade() -> None:
    """Create or migrate the schema to the newest version (Alembic)."""
    settings = load_settings()
    db = Database(settings.database_url, auto_upgrade=False)
    before = db.current_revision()
    db.upgrade()
    print_json({"from": before, "to": db.current_revision()})


@db_group.command("new-key")
def new_key_cmd() -> None:
    """Print a new Fernet key for SFBOT_SECRET_KEY."""
    click.echo(new_key())


@click.command("rotate-key")
@handle_errors
def rotate_key() -> None:
    """Re-encrypt every stored secret with the newest key.

    Put the new key first in SFBOT_SECRET_KEY, keep the old one after it
    (SFBOT_SECRET_KEY=new,old), run this, then drop the old key.
    """
    settings = load_settings()
    store = ConnectionStore(Database(settings.database_url), load_cipher(settings))
    print_json({"reencrypted": store.rotate_key()})
