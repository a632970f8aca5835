"""Listeners for events: every module here with a ``register(app)`` function."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.discovery import register_package


def register(app: App) -> None:
    register_package(app, __name__)
