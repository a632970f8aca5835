"""All listeners, registered by kind (commands, views, actions, shortcuts, events)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, shortcuts, views


def register_all(app: App) -> None:
    for kind in (commands, views, actions, shortcuts, events):
        kind.register(app)
