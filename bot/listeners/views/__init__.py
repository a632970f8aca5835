"""Listeners for views: every module here with a ``register(app)`` function."""

from __future__ import annotations

import sys

from slack_bolt import App

from bot.listeners.discovery import modules_of


def register(app: App) -> None:
    for module in modules_of(sys.modules[__name__]):
        if hasattr(module, "register"):
            module.register(app)
