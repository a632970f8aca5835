"""App Home: the stored connection state, the user's recent actions and the commands they may
use (no Salesforce call)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from actions.connect import connection_status
from bot.blocks.home import home_view
from bot.listeners.commands.sf import SUBCOMMANDS
from bot.services import services_of

RECENT_ACTIONS = 10


def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    services = services_of(context)
    user_id = event["user"]
    status = connection_status(services.actions, live=False)
    entries = services.audit.entries(user_id=user_id, limit=RECENT_ACTIONS)
    # one read of the allow lists; admin status from the users.info the middleware cached
    access = services.access.user_access(client, user_id)
    view = home_view(status, entries, SUBCOMMANDS.values(), access)
    client.views_publish(user_id=user_id, view=view)


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
