"""The composition root of the Salesforce side: one connection, its metadata cache."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from actions.config import ActionsSettings
from actions.connection import SalesforceConnection
from actions.metadata import Metadata
from storage.connection_store import ConnectionStore
from storage.crypto import load_cipher
from storage.db import Database


@dataclass
class ActionContext:
    """What every action runs with. Build one per process and share it between threads."""

    settings: ActionsSettings
    db: Database
    store: ConnectionStore
    connection: SalesforceConnection
    metadata: Metadata

    @classmethod
    def build(
        cls, settings: ActionsSettings, *, http: requests.Session | None = None
    ) -> ActionContext:
        db = Database(settings.database_url)
        store = ConnectionStore(db, load_cipher(settings))
        connection = SalesforceConnection(store, settings, http=http)
        return cls(
            settings=settings,
            db=db,
            store=store,
            connection=connection,
            metadata=Metadata(connection, settings.metadata_ttl_hours),
        )

    def instance_url(self) -> str:
        return self.connection.current().instance_url

    def close(self) -> None:
        self.connection.http.close()
        self.db.dispose()
