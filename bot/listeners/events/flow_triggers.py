"""Events that start flows: ``message`` (slack_message triggers) and ``reaction_added``
(reaction triggers).

Bolt acknowledges an event at once; these listeners only look at the cached flow definitions,
and everything that calls Slack (the reacted message, the author's name, the permalink) or
starts runs happens after, on the background pool. Each event's key is ``slack:{event_id}``:
Slack's retries carry the same event_id, and the engine claims (flow, key) in the database,
so a retry runs nothing twice.

Every message event is handled here (Bolt answers 404 to an event nobody listens to, which
Slack would retry): bots' and apps' messages (sfbot's own included), edits, deletions and
other subtypes start nothing.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from actions.flows.ports import REACTION, SLACK_MESSAGE
from bot.flows.starting import after_ack, start_matching
from bot.flows.triggers import fetch_message, is_person_message, message_event
from bot.services import services_of


def on_message(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if not is_person_message(event) or not event.get("channel"):
        return
    services = services_of(context)
    channel = str(event["channel"])
    candidates = services.flows.flows_for(SLACK_MESSAGE, channel=channel)
    if not candidates:
        return
    trigger = message_event(SLACK_MESSAGE, f"slack:{body['event_id']}", channel, event)
    after_ack(services, "message trigger", lambda: start_matching(services, trigger, candidates))


def on_reaction_added(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
        return
    services = services_of(context)
    # "thumbsup::skin-tone-2" is a thumbsup
    channel, emoji = str(item["channel"]), str(event.get("reaction") or "").split("::")[0]
    candidates = services.flows.flows_for(REACTION, channel=channel, emoji=emoji)
    if not candidates:
        return
    key = f"slack:{body['event_id']}"

    def run() -> object:
        message = fetch_message(client, channel, str(item["ts"]))
        if message is None:  # deleted meanwhile
            return None
        trigger = message_event(REACTION, key, channel, message).with_variables(
            reaction=emoji, reactor=event.get("user")
        )
        return start_matching(services, trigger, candidates)

    after_ack(services, "reaction trigger", run)


def register(app: App) -> None:
    app.event("message")(on_message)
    app.event("reaction_added")(on_reaction_added)
