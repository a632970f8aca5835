"""Bolt middleware: services for every listener, and the admin check for admin-only ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from bot.services import Services


def services_middleware(services: Services) -> Callable[..., Any]:
    """Global middleware putting ``services`` into ``context["services"]``."""

    def inject_services(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context["services"] = services
        return next()

    return inject_services


def is_admin(context: BoltContext, client: WebClient, user_id: str) -> bool:
    services: Services = context["services"]
    return services.admins.is_admin(client, user_id)
