"""Options for the type-ahead menus: accounts (convert modal) and records (add to record).

Each query is one Salesforce search, answered within Slack's 3 s. They are read-only and sent
on every pause in typing, so they are not written to the audit log. When Salesforce fails the
menu shows no options (Slack's "No results") and the failure is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.blocks import Option

from actions.errors import ActionError
from actions.lookup_record import LookupRecordInput, LookupRecordOutput, lookup_record
from actions.registry import ACTIONS, parse_input
from bot.blocks.add_to_record import record_options
from bot.blocks.convert_modal import account_options
from bot.ids import ActionId
from bot.listeners.commands.lookup import parse_lookup
from bot.services import services_of

logger = logging.getLogger(__name__)

MIN_QUERY = 2
MAX_QUERY = 100
MAX_OPTIONS = 20


def _search(context: BoltContext, raw: dict[str, Any]) -> LookupRecordOutput | None:
    services = services_of(context)
    try:
        inp = parse_input(ACTIONS["lookup_record"], {**raw, "limit": MAX_OPTIONS})
        assert isinstance(inp, LookupRecordInput)
        return lookup_record(services.actions, inp)
    except ActionError as exc:
        logger.warning("type-ahead search failed: %s", exc.code)
        return None


def _query(payload: dict[str, Any]) -> str | None:
    query = " ".join(str(payload.get("value") or "").split())[:MAX_QUERY]
    return query if len(query) >= MIN_QUERY else None


def on_account_search(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    """Accounts by name (a SOSL name search)."""
    query = _query(payload)
    found = _search(context, {"object": "account", "name": query}) if query else None
    options: list[Option] = account_options(found.records) if found else []
    ack(options=options)


def on_record_search(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    """Contacts, leads and accounts by name, email or phone; any record by its id."""
    query = _query(payload)
    found = _search(context, parse_lookup(query)) if query else None
    options: list[Option] = record_options(found.records) if found else []
    ack(options=options)


def register(app: App) -> None:
    app.options(ActionId.ACCOUNT_SEARCH)(on_account_search)
    app.options(ActionId.RECORD_SEARCH)(on_record_search)
