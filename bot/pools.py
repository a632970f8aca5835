"""Thread pools started whole before sfbot serves.

ThreadPoolExecutor starts its threads lazily, one in ``submit`` until it has max_workers, and
it does so holding a lock that every ``submit`` in the process takes, Bolt's hand-off of each
request to its listener included. Under load, acks waited there behind thread starts of the
background pools (py-spy over bench/ack_latency.py), so `sfbot run` starts them all first.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor, ThreadPoolExecutor

START_TIMEOUT = 30.0


def start_all_threads(pool: Executor) -> None:
    """Start every thread of ``pool`` now (each waits at a barrier until all have started)."""
    if not isinstance(pool, ThreadPoolExecutor):
        return
    workers = pool._max_workers  # no public accessor
    gate = threading.Barrier(workers + 1, timeout=START_TIMEOUT)
    for _ in range(workers):
        pool.submit(gate.wait)
    gate.wait()
