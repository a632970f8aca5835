"""Which Slack Web API calls the WebClient may repeat, and when.

* 429 (rate limited): always retried after ``Retry-After``; Slack did not process the call.
  https://docs.slack.dev/apis/web-api/rate-limits
* 5xx, a connection reset or a dropped connection: Slack may already have done the call, so
  only methods that are safe to repeat are retried (reads, and writes that set a state, such as
  ``views.update``). ``chat.postMessage``, ``chat.postEphemeral``, ``views.push`` and every other
  write are not: a repeat would show the user a second card or DM.
* Connection refused or an unknown host: nothing reached Slack, so every method is retried.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest

from bot.observability import CountingRateLimitHandler

# the last part of a method name that only reads (auth.test, users.info, conversations.history...)
READ_VERBS = frozenset(
    {"test", "info", "list", "history", "replies", "members", "lookupByEmail", "getPermalink"}
)
# writes that set a state: doing them twice leaves what doing them once does
IDEMPOTENT_WRITES = frozenset({"views.update", "views.publish", "chat.update"})


def slack_method(url: str) -> str:
    """``https://slack.com/api/chat.postMessage?x=1`` -> ``chat.postMessage``."""
    return urlsplit(url).path.rsplit("/", 1)[-1]


def safe_to_repeat(method: str) -> bool:
    return method in IDEMPOTENT_WRITES or method.rsplit(".", 1)[-1] in READ_VERBS


def nothing_was_sent(error: Exception | None) -> bool:
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


class IdempotentServerErrorRetryHandler(ServerErrorRetryHandler):
    """Retries 500/503 only for methods that are safe to repeat."""

    def _can_retry(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        return safe_to_repeat(slack_method(request.url)) and super()._can_retry(
            request=request, **kwargs
        )


class SafeConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """Retries a refused connection always; a reset or dropped one only when safe to repeat."""

    def _can_retry(
        self, *, request: HttpRequest, error: Exception | None = None, **kwargs: Any
    ) -> bool:
        if not super()._can_retry(request=request, error=error, **kwargs):
            return False
        return nothing_was_sent(error) or safe_to_repeat(slack_method(request.url))


def slack_retry_handlers() -> list[RetryHandler]:
    return [
        CountingRateLimitHandler(max_retry_count=3),  # each 429 retry counted in the metrics
        IdempotentServerErrorRetryHandler(max_retry_count=2),
        SafeConnectionErrorRetryHandler(max_retry_count=2),
    ]
