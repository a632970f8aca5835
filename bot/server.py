"""HTTP mode: Bolt's WSGI adapter served by waitress, plus ``GET /healthz``, ``GET /readyz``
(bot.health) and the flows' webhooks (``POST /flows/NAME/webhook``). In Socket Mode with
``PORT`` set, the same server runs without ``/slack/events`` (``app=None``): health, readiness
and webhooks only. bot.shutdown stops it cleanly on SIGTERM."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import BaseWSGIServer
from waitress.wasyncore import dispatcher

from actions.connect import connection_status
from actions.log_context import REQUEST_ID, safe_request_id
from bot.health import readiness
from bot.observability import metrics_response
from bot.request_guard import MAX_BODY_BYTES, RequestGuard
from bot.services import Services
from bot.shutdown import Shutdown
from bot.webhook_http import serve_webhook, webhook_name

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


def make_wsgi_app(
    app: App | None, services: Services, draining: threading.Event | None = None
) -> Callable[..., Iterable[bytes]]:
    signing_secret = services.settings.slack_signing_secret
    assert signing_secret is not None, "create_app refuses to build without a signing secret"
    slack_handler = (
        RequestGuard(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret.get_secret_value())
        if app is not None
        else None
    )

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # The id of this request's log lines (the load balancer's X-Request-Id if it sent one)
        token = REQUEST_ID.set(safe_request_id(environ.get("HTTP_X_REQUEST_ID")))
        try:
            return route(environ, start_response)
        finally:
            REQUEST_ID.reset(token)

    def route(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
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
        path = str(environ.get("PATH_INFO") or "")
        if path == METRICS_PATH and environ.get("REQUEST_METHOD") == "GET":
            data, content_type = metrics_response()
            start_response(
                "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(data)))]
            )
            return [data]
        if path == READY_PATH and environ.get("REQUEST_METHOD") == "GET":
            ready = readiness(services, draining)
            return _json(200 if ready.ready else 503, ready.body(), start_response)
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST" and slack_handler:
            return slack_handler(environ, start_response)
        flow_name = webhook_name(path)
        if flow_name is not None:
            engine = getattr(services, "flows", None)
            return serve_webhook(engine, flow_name, environ, start_response)
        return _not_found(start_response)

    return wsgi


def _json(status: int, value: Any, start_response: Callable[..., Any]) -> list[bytes]:
    body = json.dumps(value).encode()
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


def _not_found(start_response: Callable[..., Any]) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"Not Found"]


def serve_http(
    app: App | None,
    services: Services,
    host: str,
    port: int,
    threads: int,
    shutdown: Shutdown | None = None,
) -> BaseWSGIServer:
    """Start waitress on a thread and return its server. With ``shutdown``: requests are
    counted, ``/readyz`` turns 503 when it drains, and it closes the listening socket first."""
    if app is None:
        logger.info(
            "sfbot serving %s, %s and flow webhooks on http://%s:%d",
            HEALTH_PATH,
            READY_PATH,
            host,
            port,
        )
    else:
        logger.info("sfbot listening on http://%s:%d%s", host, port, EVENTS_PATH)
    wsgi = make_wsgi_app(app, services, shutdown.draining if shutdown else None)
    server = waitress.create_server(
        shutdown.track(wsgi) if shutdown else wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="sfbot",
        clear_untrusted_proxy_headers=True,
        max_request_body_size=MAX_BODY_BYTES,  # 413 before the body is buffered
    )
    assert isinstance(server, BaseWSGIServer)  # one address: not a MultiSocketServer
    if shutdown is not None:
        shutdown.on_stop_accepting(lambda: _close_listener(server))
    threading.Thread(target=server.run, name="sfbot-http", daemon=True).start()
    return server


def _close_listener(server: BaseWSGIServer) -> None:
    """Close the listening socket on waitress's own loop thread: connections already accepted
    are served to the end; new ones are refused (the load balancer tries another replica)."""
    server.trigger.pull_trigger(lambda: dispatcher.close(server))
