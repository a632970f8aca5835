"""A click on a flow's ask button: the waiting run goes on with that choice.

The first click wins (the engine closes the ask once, in the database, and replaces the
buttons with the answer); a later click, or one after the timeout, is told so. Anyone who can
see the question may answer it; the run records who did (``steps.ID.user``).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.flows.slack_port import parse_ask_value
from bot.ids import ActionId
from bot.services import services_of

ASK_BUTTON = re.compile(rf"^{ActionId.FLOW_ASK}:\d+$")
ALREADY = ":information_source: This question was already answered, or it timed out."


def on_ask_clicked(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    parsed = parse_ask_value(str(action.get("value") or ""))
    if parsed is None:
        return
    ask_id, choice = parsed
    if not services_of(context).flows.resume(ask_id, choice, body["user"]["id"]):
        respond(response_type="ephemeral", replace_original=False, text=ALREADY)


def register(app: App) -> None:
    app.action(ASK_BUTTON)(on_ask_clicked)
