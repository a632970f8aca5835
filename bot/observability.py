"""The Slack side of metrics: the ack-latency middleware, Slack's 429s counted, ``/metrics``.

The metrics themselves are defined in actions.metrics (one registry per process).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from actions.log_context import REQUEST_ID, new_request_id
from actions.metrics import ACK_SECONDS, SLACK_RATE_LIMITED

logger = logging.getLogger("sfbot.requests")

# Payload types as Slack names them (the histogram's ``kind``); anything else is "other", so a
# forged body cannot add label values.
KINDS = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "event_callback",
        "url_verification",
    }
)


def request_kind(body: Any) -> str:
    if not isinstance(body, dict):
        return "other"
    if "command" in body:
        return "slash_command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind in KINDS else "other"


def time_acks(app: App) -> None:
    """Wrap ``app.dispatch``, which both transports call (the WSGI adapter per HTTP request,
    the Socket Mode handler per envelope) and which returns once the listener has acked (sfbot
    runs Bolt with process_before_response=False): its duration is the ack latency. (A Bolt
    middleware cannot time it: Bolt runs middleware one after the other, not nested.) It also
    gives a Socket Mode envelope its request id (an HTTP request has one from bot.server)."""
    dispatch = app.dispatch

    def timed_dispatch(req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        token = REQUEST_ID.set(REQUEST_ID.get() or new_request_id())
        kind = request_kind(req.body)
        try:
            response = dispatch(req)
            logger.info("acked %s (%s) in %.1f ms", kind, response.status, _ms(started))
            return response
        finally:
            ACK_SECONDS.labels(kind).observe(time.perf_counter() - started)
            REQUEST_ID.reset(token)

    app.dispatch = timed_dispatch  # type: ignore[method-assign]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After), each retry counted."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        SLACK_RATE_LIMITED.inc()
        super().prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )


def metrics_response() -> tuple[bytes, str]:
    """The registry in Prometheus's text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
