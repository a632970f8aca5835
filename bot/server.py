"""HTTP mode: Bolt's WSGI adapter served by waitress, plus ``GET /healthz``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from actions.connect import connection_status
from bot.services import Services

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def make_wsgi_app(app: App, services: Services) -> Callable[..., Iterable[bytes]]:
    slack_handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            status = connection_status(services.actions, live=False)
            # Unauthenticated: the state only, no org id or username.
            body = json.dumps(
                {
                    "ok": True,
                    "salesforce": {"connected": status.connected, "reason": status.reason},
                }
            ).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack_handler(environ, start_response)

    return wsgi


def serve_http(app: App, services: Services, host: str, port: int, threads: int) -> None:
    logger.info("sfbot listening on http://%s:%d%s", host, port, EVENTS_PATH)
    waitress.serve(
        make_wsgi_app(app, services),
        host=host,
        port=port,
        threads=threads,
        ident="sfbot",
        clear_untrusted_proxy_headers=True,
    )
