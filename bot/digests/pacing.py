"""What the threads and runs of one sfbot process share: the pace of each channel, and the
rows of a Salesforce query that several digests run at the same scheduled time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any


class ChannelPacer:
    """At most one post per channel per ``interval`` from this process (Slack's limit for
    chat.postMessage is about one message per second per channel)."""

    def __init__(self, interval: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(channel, 0.0))
            self._next[channel] = at + self.interval
        if at > now:
            self._sleep(at - now)

    def sent(self, channel: str) -> None:
        """A post to ``channel`` has just been answered: the next one waits a whole interval
        from now (a post that left late must not bring the next one closer than that)."""
        with self._lock:
            until = time.monotonic() + self.interval
            self._next[channel] = max(self._next.get(channel, 0.0), until)


class SharedQueries:
    """Digests with the same query and scheduled time share one Salesforce call."""

    def __init__(self, ttl: float = 120.0) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, datetime], tuple[float, Future[list[dict[str, Any]]]]] = {}
        self._lock = threading.Lock()

    def rows(
        self, key: tuple[str, datetime], fetch: Callable[[], list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        with self._lock:
            now = time.monotonic()
            for k in [k for k, (t, _f) in self._entries.items() if now - t > self.ttl]:
                del self._entries[k]
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                future: Future[list[dict[str, Any]]] = Future()
                self._entries[key] = (now, future)
            else:
                future = entry[1]
        if owner:
            try:
                future.set_result(fetch())
            except BaseException as exc:  # whatever it is, the digests sharing it get it too
                future.set_exception(exc)
                with self._lock:
                    self._entries.pop(key, None)
                raise
        return future.result()
