"""The composition root: ``create_app(settings, client=...)`` builds the Bolt app.

Nothing is built at import time. ``auth.test`` is not called here (Bolt would on every build);
`sfbot run` checks the token once at startup instead.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.access_middleware import access_middleware
from bot.config import Settings
from bot.listeners import register_all
from bot.middleware import services_middleware
from bot.services import Services

logger = logging.getLogger(__name__)


def make_client(settings: Settings) -> WebClient:
    """A WebClient that retries Slack's 429s after Retry-After, and transient failures."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ]
    )
    return client


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
    client = client or make_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(
            max_workers=settings.listener_threads, thread_name_prefix="sfbot-listener"
        ),
    )
    app.use(services_middleware(services or Services.build(settings, client)))
    app.use(access_middleware())
    register_all(app)
    app.error(on_error)
    return app


def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """Unexpected failures: logged with the stack, and the user told briefly where possible."""
    logger.error("listener failed: %s", type(error).__name__, exc_info=error)
    response_url = body.get("response_url") or next(
        (r.get("response_url") for r in body.get("response_urls") or []), None
    )
    if response_url:
        try:
            WebhookClient(response_url, timeout=5).send(
                text=":boom: Something went wrong in sfbot; the error was logged for the admins.",
                response_type="ephemeral",
                replace_original=False,
            )
        except (SlackApiError, OSError):
            logger.warning("could not tell the user about the failure")
    return None
