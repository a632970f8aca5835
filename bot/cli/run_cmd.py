"""`sfbot run`: start the Slack app (Socket Mode by default, or HTTP)."""

from __future__ import annotations

import logging
import os
import threading

import click
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from actions.flows.record_poller import record_poller
from actions.flows.scheduler import FlowScheduler
from bot.app import build_services, create_app, make_client
from bot.cli.common import fail, handle_errors
from bot.config import Settings
from bot.server import serve_http

logger = logging.getLogger(__name__)


@click.command("run")
@click.option("--http", "use_http", is_flag=True, help="Serve HTTP instead of Socket Mode")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="HTTP port (PORT)")
@click.option("--host", default=None, help="HTTP address to bind (SFBOT_HOST)")
@handle_errors
def run(use_http: bool, port: int | None, host: str | None) -> None:
    """Start sfbot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on /slack/events."""
    settings = Settings()
    missing = settings.missing_for_run()
    if missing:
        fail("CONFIGURATION", f"missing configuration: {', '.join(missing)}", 2, missing)
    client = make_client(settings)
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        fail(
            "SLACK_AUTH",
            f"Slack refused SLACK_BOT_TOKEN: {exc.response.get('error')}",
            2,
            ["SLACK_BOT_TOKEN"],
        )
    except (SlackClientError, OSError) as exc:
        fail(
            "SLACK_UNREACHABLE",
            f"could not reach Slack at {settings.slack_api_url}: {type(exc).__name__}",
            1,
            ["SLACK_API_URL"],
        )
    services = build_services(settings, client, schedule_digests=True)
    services.actions.db.ensure_schema()
    try:
        services.actions.db.check_writable()
    except SQLAlchemyError as exc:
        fail(
            "DATABASE_READ_ONLY",
            "sfbot cannot write to its database (a read-only file, directory or replica, or a "
            f"full disk): {type(exc).__name__}: {str(exc).splitlines()[0][:200]}. Every action "
            "records who asked for it there, so sfbot does not start without it.",
            2,
            ["DATABASE_URL"],
        )
    app = create_app(settings, client=client, services=services)
    assert services.scheduler is not None
    services.scheduler.start()
    # Flow schedules, ask timeouts, runs whose process died and the salesforce_record poll
    # (see actions.flows.scheduler).
    FlowScheduler(services.flows, poller=record_poller(services.flows)).start()
    if "SFBOT_LOG_LEVEL" not in os.environ:  # a running service logs INFO by default
        logging.getLogger().setLevel(logging.INFO)
    logger.info("sfbot is %s in team %s", auth.get("user_id"), auth.get("team_id"))
    if settings.slack_app_token is not None and not use_http:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("starting in Socket Mode")
        if port is not None or "PORT" in settings.model_fields_set:
            # health and flow webhooks stay reachable (the README: expose only those paths)
            threading.Thread(
                target=serve_http,
                args=(None, services, host or settings.host, port or settings.port, 4),
                name="sfbot-http",
                daemon=True,
            ).start()
        try:
            SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        except SlackApiError as exc:
            fail(
                "SLACK_APP_TOKEN",
                f"Slack refused SLACK_APP_TOKEN for Socket Mode: {exc.response.get('error')} "
                "(an app-level token with the connections:write scope is needed)",
                2,
                ["SLACK_APP_TOKEN"],
            )
        return
    serve_http(
        app,
        services,
        host or settings.host,
        port or settings.port,
        threads=settings.listener_threads,
    )
