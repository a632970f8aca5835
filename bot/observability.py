"""The Slack side of metrics: the ack-latency middleware, Slack's 429s counted, ``/metrics``.

The metrics themselves are defined in actions.metrics (one registry per process).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from actions.metrics import ACK_SECONDS, SLACK_RATE_LIMITED

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


def ack_timer(req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Global Bolt middleware (registered first): the time until the listener's ack is the
    time until ``next()`` returns (sfbot runs Bolt with process_before_response=False)."""
    started = time.perf_counter()
    try:
        return next()
    finally:
        ACK_SECONDS.labels(request_kind(req.body)).observe(time.perf_counter() - started)


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
