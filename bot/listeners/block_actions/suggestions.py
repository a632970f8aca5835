"""Options for the type-ahead menus: accounts (convert modal) and records (add to record).

Each query is one Salesforce search, run on the submission pool and waited for at most
``SEARCH_WAIT_SECONDS`` so the request is always answered within Slack's 3 s. They are
read-only and sent on every pause in typing, so they are not written to the audit log. When
Salesforce fails or is slow the menu shows no options (Slack's "No results"; the next
keystroke searches again) and the failure is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.blocks import Option

from actions.errors import ActionError
from actions.lookup_record import (
    LookupRecordInput,
    LookupRecordOutput,
    RecordSummary,
    lookup_record,
)
from bot.blocks.add_to_record import record_options
from bot.blocks.convert_modal import account_options
from bot.ids import ActionId
from bot.listeners.commands.lookup import parse_lookup
from bot.services import services_of

logger = logging.getLogger(__name__)

MIN_QUERY = 2
MAX_QUERY = 100
MAX_OPTIONS = 20
SEARCH_WAIT_SECONDS = 2.0


def _search(context: BoltContext, raw: dict[str, Any]) -> LookupRecordOutput | None:
    """The search's result, or None if it failed or did not end in time."""
    services = services_of(context)
    try:
        inp = LookupRecordInput.parse({**raw, "limit": MAX_OPTIONS})
    except ActionError as exc:
        logger.info("type-ahead query not searched: %s", exc.code)
        return None
    future = services.searches.submit(lookup_record, services.actions, inp)
    try:
        return future.result(timeout=SEARCH_WAIT_SECONDS)
    except TimeoutError:
        future.cancel()  # if it has not started; else it ends on its own, unused
        logger.info("type-ahead search took over %.1f s; no options", SEARCH_WAIT_SECONDS)
        return None
    except ActionError as exc:
        logger.warning("type-ahead search failed: %s", exc.code)
        return None


def _query(payload: dict[str, Any]) -> str | None:
    query = " ".join(str(payload.get("value") or "").split())[:MAX_QUERY]
    return query if len(query) >= MIN_QUERY else None


def _answer(
    ack: Ack,
    search: Callable[[], LookupRecordOutput | None],
    to_options: Callable[[list[RecordSummary]], list[Option]],
) -> None:
    """Ack with the options found; with none if anything unexpected fails (it is then raised,
    for ``@app.error`` to log): the request is never left unanswered."""
    options: list[Option] = []
    try:
        found = search()
        options = to_options(found.records) if found else []
    finally:
        ack(options=options)


def on_account_search(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    """Accounts by name (a SOSL name search)."""
    query = _query(payload)
    _answer(
        ack,
        lambda: _search(context, {"object": "account", "name": query}) if query else None,
        account_options,
    )


def on_record_search(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    """Contacts, leads and accounts by name, email or phone; any record by its id."""
    query = _query(payload)
    _answer(ack, lambda: _search(context, parse_lookup(query)) if query else None, record_options)


def register(app: App) -> None:
    app.options(ActionId.ACCOUNT_SEARCH)(on_account_search)
    app.options(ActionId.RECORD_SEARCH)(on_record_search)
