"""Bolt middleware: the services every listener needs (access is checked after it, in
``bot.access_middleware``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.response import BoltResponse

from bot.services import Services


def services_middleware(services: Services) -> Callable[..., Any]:
    """Global middleware putting ``services`` into ``context["services"]``."""

    def inject_services(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context["services"] = services
        return next()

    return inject_services
