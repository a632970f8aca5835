"""`sfbot run`: start the Slack app (Socket Mode by default, or HTTP)."""

from __future__ import annotations

import logging
import os

import click
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from actions.flows.record_poller import record_poller
from actions.flows.scheduler import FlowScheduler
from bot.abandoned import schedule_abandoned_check
from bot.app import build_services, create_app, make_client
from bot.cli.common import fail, handle_errors, plain_errors
from bot.config import Settings
from bot.logs import register_settings_secrets
from bot.pools import start_all_threads
from bot.server import serve_http
from bot.shutdown import Shutdown

logger = logging.getLogger(__name__)

# Where each setting `sfbot run` needs comes from (README.md, "The Slack app").
WHERE_TO_GET = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...): your app's page at "
    "https://api.slack.com/apps > OAuth & Permissions, after Install App",
    "SLACK_SIGNING_SECRET": "your app's page > Basic Information > App Credentials > "
    "Signing Secret",
}


def missing_settings_text(missing: list[str]) -> str:
    """What is missing and where to get it, for the person who ran `sfbot run`."""
    width = max(len(name) for name in missing)
    lines = [f"cannot start: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set."]
    lines += ["", *(f"  {name:<{width}}  {WHERE_TO_GET.get(name, '')}" for name in missing)]
    lines += [
        "",
        "No Slack app yet? Create one from manifest.yml (https://api.slack.com/apps > Create New",
        "App > From a manifest), install it to the workspace, then put these values in a .env",
        "file where you run sfbot, or in the environment. For Socket Mode also set",
        "SLACK_APP_TOKEN (Basic Information > App-Level Tokens, scope connections:write).",
        'Step by step: "The Slack app" in README.md.',
    ]
    return "\n".join(lines)


@click.command("run")
@click.option("--http", "use_http", is_flag=True, help="Serve HTTP instead of Socket Mode")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="HTTP port (PORT)")
@click.option("--host", default=None, help="HTTP address to bind (SFBOT_HOST)")
@click.option("--json", "as_json", is_flag=True, help="Report a failure to start as JSON")
@handle_errors
def run(use_http: bool, port: int | None, host: str | None, as_json: bool) -> None:
    """Start sfbot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on /slack/events."""
    plain_errors(not as_json)
    settings = Settings()
    register_settings_secrets(settings)  # never in a log line, whatever logs them
    missing = settings.missing_for_run()
    if missing:
        text = missing_settings_text(missing) if not as_json else None
        fail("CONFIGURATION", text or f"missing configuration: {', '.join(missing)}", 2, missing)
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
    for pool in (
        app.listener_runner.listener_executor,
        services.background,
        services.submissions,
        services.searches,
    ):
        start_all_threads(pool)
    shutdown = Shutdown(settings.shutdown_seconds)
    shutdown.install_signals()
    assert services.scheduler is not None
    schedule_abandoned_check(
        services.scheduler.scheduler,
        services.actions.db,
        client,
        settings.abandoned_submission_seconds,
    )
    services.scheduler.start()
    shutdown.digest_scheduler = services.scheduler
    # Flow schedules, ask timeouts, runs whose process died and the salesforce_record poll
    # (see actions.flows.scheduler).
    flow_scheduler = FlowScheduler(services.flows, poller=record_poller(services.flows))
    flow_scheduler.start()
    shutdown.flow_scheduler = flow_scheduler
    if "SFBOT_LOG_LEVEL" not in os.environ:  # a running service logs INFO by default
        logging.getLogger().setLevel(logging.INFO)
    logger.info("sfbot is %s in team %s", auth.get("user_id"), auth.get("team_id"))
    if settings.slack_app_token is not None and not use_http:
        from bot.socket_mode import SfbotSocketModeHandler

        logger.info("starting in Socket Mode")
        if port is not None or "port" in settings.model_fields_set:  # PORT given
            # health, readiness and flow webhooks stay reachable (the README: expose only those)
            serve_http(None, services, host or settings.host, port or settings.port, 4, shutdown)
        handler = SfbotSocketModeHandler(app, settings.slack_app_token.get_secret_value())
        try:
            handler.connect()
        except SlackApiError as exc:
            fail(
                "SLACK_APP_TOKEN",
                f"Slack refused SLACK_APP_TOKEN for Socket Mode: {exc.response.get('error')} "
                "(an app-level token with the connections:write scope is needed)",
                2,
                ["SLACK_APP_TOKEN"],
            )
        shutdown.on_stop_accepting(handler.close)
        shutdown.wait_then_exit()
        return
    serve_http(
        app,
        services,
        host or settings.host,
        port or settings.port,
        threads=settings.listener_threads,
        shutdown=shutdown,
    )
    shutdown.wait_then_exit()
