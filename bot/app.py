"""The composition root: ``build_services`` builds what listeners need (pools, stores, the
digest engine and scheduler) and ``create_app`` builds the Bolt app around them.

Nothing is built at import time. ``auth.test`` is not called here (Bolt would on every build);
`sfbot run` checks the token once at startup instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from actions.context import ActionContext
from actions.flows.engine import FlowEngine
from actions.pools import TrackedPool
from bot.access import AccessPolicy, AdminPolicy
from bot.access_middleware import access_middleware
from bot.config import Settings
from bot.digests.engine import DigestEngine
from bot.digests.scheduler import DigestScheduler
from bot.errors import slack_rate_limited, unexpected_failure_message
from bot.flows.slack_port import SlackFlowPort
from bot.flows.triggers import PeopleDirectory
from bot.listeners.registration import register_all
from bot.middleware import services_middleware
from bot.observability import time_acks
from bot.request_guard import signature_problem
from bot.services import Services
from bot.signed_metadata import install_key
from bot.slack_retry import slack_retry_handlers
from bot.slack_urls import is_slack_response_url, slack_reply_hosts
from bot.slack_users import UserDirectory
from storage.audit_store import AuditStore, IdempotencyStore
from storage.digest_store import DigestStore
from storage.settings_store import SettingsStore

logger = logging.getLogger(__name__)


def make_client(settings: Settings) -> WebClient:
    """A WebClient that retries Slack's 429s after Retry-After, and transient failures of
    calls that are safe to repeat (``bot.slack_retry``)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=slack_retry_handlers(),  # replaces slack_sdk's default handler
    )


def build_services(
    settings: Settings,
    client: WebClient,
    *,
    actions: ActionContext | None = None,
    schedule_digests: bool = False,
) -> Services:
    """Everything listeners need. ``schedule_digests``: also the digest scheduler (built, not
    started: `sfbot run` starts it once the app is up)."""
    ctx = actions or ActionContext.build(settings)
    users = UserDirectory()
    settings_store = SettingsStore(ctx.db)
    services = Services(
        settings=settings,
        actions=ctx,
        audit=AuditStore(ctx.db),
        idempotency=IdempotencyStore(ctx.db),
        access=AccessPolicy(users, AdminPolicy(list(settings.admins), users), settings_store),
        settings_store=settings_store,
        submissions=TrackedPool("submit", settings.listener_threads),
        background=TrackedPool("work", settings.listener_threads * 2),
        searches=TrackedPool("search", 4),
        digests=DigestEngine(
            DigestStore(ctx.db),
            ctx,
            client,
            grace=timedelta(minutes=settings.digest_grace_minutes),
        ),
        flows=FlowEngine(ctx, SlackFlowPort(client, list(settings.admins))),
        people=PeopleDirectory(client),
    )
    if schedule_digests:
        services.scheduler = DigestScheduler(services.digests, idempotency=services.idempotency)
    return services


def create_app(
    settings: Settings,
    *,
    client: WebClient | None = None,
    services: Services | None = None,
) -> App:
    missing = settings.missing_for_run()
    if missing:
        raise ValueError(f"missing configuration: {', '.join(missing)}")
    assert settings.slack_signing_secret is not None
    install_key(settings.slack_signing_secret.get_secret_value())  # private_metadata's HMAC
    client = client or make_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=False,
        listener_executor=TrackedPool("listener", settings.listener_threads),
    )
    app.use(services_middleware(services or build_services(settings, client)))
    app.use(access_middleware())
    register_all(app)
    time_acks(app)  # sfbot_ack_seconds and the "acked" log line
    app.error(make_error_handler(settings))
    return app


def make_error_handler(settings: Settings) -> Callable[..., BoltResponse | None]:
    """Bolt's error handler: unexpected failures are logged with the stack, and the user is
    told briefly, but only for a request Slack sent (signed, or over Socket Mode) and only
    at a Slack response_url: nothing from an unverified body is ever acted on."""
    assert settings.slack_signing_secret is not None
    secret = settings.slack_signing_secret.get_secret_value().encode()
    reply_hosts = slack_reply_hosts(settings.slack_api_url)

    def on_error(error: Exception, request: BoltRequest, body: Any) -> BoltResponse | None:
        if slack_rate_limited(error):
            logger.warning("listener stopped: Slack is rate limiting sfbot")
        else:
            logger.error("listener failed: %s", type(error).__name__, exc_info=error)
        if not _sent_by_slack(request, secret):
            logger.warning("not replying to a request that was not verified")
            return None
        url = _response_url(body)
        if url is None:
            return None
        if not is_slack_response_url(url, reply_hosts):
            logger.warning("not replying to a response_url outside Slack")
            return None
        try:
            WebhookClient(url, timeout=5).send(
                text=unexpected_failure_message(error),
                response_type="ephemeral",
                replace_original=False,
            )
        except (SlackApiError, OSError):
            logger.warning("could not tell the user about the failure")
        return None

    return on_error


def _sent_by_slack(request: BoltRequest, secret: bytes) -> bool:
    if request.mode == "socket_mode":  # the socket itself is authenticated by the app token
        return True
    problem = signature_problem(
        secret,
        _header(request, "x-slack-request-timestamp"),
        _header(request, "x-slack-signature"),
        request.raw_body.encode("utf-8"),
        time.time(),
    )
    return problem is None


def _header(request: BoltRequest, name: str) -> str | None:
    values = request.headers.get(name) or []
    return values[0] if values else None


def _response_url(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    url = body.get("response_url")
    if url is None and isinstance(body.get("response_urls"), list):
        url = next(
            (r.get("response_url") for r in body["response_urls"] if isinstance(r, dict)), None
        )
    return url if isinstance(url, str) else None
