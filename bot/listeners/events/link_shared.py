"""``link_shared``: a Salesforce record link was pasted; unfurl it after the ack
(``bot.unfurls.service``). https://docs.slack.dev/reference/events/link_shared"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services import services_of


def on_link_shared(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    services = services_of(context)
    services.later(
        lambda: services.unfurler.handle(services, client, body), tell_user=lambda _text: None
    )


def register(app: App) -> None:
    app.event("link_shared")(on_link_shared)
