"""``TrackedPool``: the thread pools of background work (submissions, work after an ack,
searches, flow steps, Bolt's listeners).

A ``ThreadPoolExecutor`` that
* runs each task in a copy of the submitter's ``contextvars`` (the request id of the JSON logs
  follows the work into the pool), and
* counts its queued and running tasks: ``/metrics`` shows the queue depths, and a clean shutdown
  waits until every pool is idle (``wait_idle``).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

POOLS: dict[str, TrackedPool] = {}  # by name, for /metrics and shutdown
_POOLS_LOCK = threading.Lock()


class TrackedPool(ThreadPoolExecutor):
    def __init__(self, name: str, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=f"sfbot-{name}")
        self.name = name
        self.queued = 0
        self.running = 0
        self._counts = threading.Condition()
        with _POOLS_LOCK:
            POOLS[name] = self  # the newest pool of a name (a process builds each once)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        context = contextvars.copy_context()

        def tracked() -> T:
            with self._counts:
                self.queued -= 1
                self.running += 1
            try:
                return context.run(fn, *args, **kwargs)
            finally:
                with self._counts:
                    self.running -= 1
                    self._counts.notify_all()

        with self._counts:
            self.queued += 1
        try:
            return super().submit(tracked)
        except RuntimeError:  # shut down: nothing was queued
            with self._counts:
                self.queued -= 1
                self._counts.notify_all()
            raise

    def idle(self) -> bool:
        with self._counts:
            return self.queued == 0 and self.running == 0

    def wait_idle(self, timeout: float) -> bool:
        with self._counts:
            return self._counts.wait_for(lambda: self.queued == 0 and self.running == 0, timeout)


def wait_all_idle(deadline: float) -> bool:
    """Wait (until ``time.monotonic()`` reaches ``deadline``) for every pool to be idle at once:
    work in one pool may queue work in another, so they are checked again after each wait."""
    while True:
        pools = list(POOLS.values())
        if all(p.idle() for p in pools):
            return True
        for pool in pools:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            pool.wait_idle(remaining)
