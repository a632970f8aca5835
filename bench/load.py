"""Paced load against one real ``sfbot run --http``: the helpers bench.soak and bench.capacity share.

A request is sent at its scheduled moment (``start + i / rate``) from a thread pool, so a slow
ack does not slow the senders down (open loop, as Slack sends); every ack is timed; replies to
response_urls are checked once the run is over; the sfbot process's RSS is read from
/proc/PID/status (VmRSS).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.harness import AGENT, CHANNEL
from tests.fakes.slack import FakeSlack, SlackDriver

REPLY_TIMEOUT = 60.0  # seconds for every reply to reach its response_url after the last ack


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB (VmRSS in /proc/PID/status, which is in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Ack:
    kind: str
    sent_at: float  # seconds since the run began
    ms: float
    status: int
    response_url: str | None = None


@dataclass
class Run:
    """What a paced run recorded: acks, errors (with what went wrong) and response_urls."""

    acks: list[Ack] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def reply_urls(self) -> set[str]:
        return {a.response_url for a in self.acks if a.response_url}


def lookup(driver: SlackDriver, i: int) -> Ack:
    r = driver.slash_command(
        "/sf", f"lookup load{i}@example.com", user_id=AGENT, channel_id=CHANNEL
    )
    url = r.payload["response_url"]  # type: ignore[attr-defined]
    return Ack("lookup", 0.0, r.elapsed.total_seconds() * 1000, r.status_code, url)


def paced(
    ops: list[Callable[[], list[Ack]]], rate: float, threads: int, on_sent: Callable[[int], None]
) -> Run:
    """Runs ``ops[i]`` at ``i / rate`` seconds; each op returns the acks it got."""
    run = Run()
    start = time.monotonic()

    def timed(op: Callable[[], list[Ack]]) -> None:
        sent = time.monotonic() - start
        try:
            for ack in op():
                ack.sent_at = sent
                run.acks.append(ack)
                if ack.status != 200:
                    run.errors.append(f"{ack.kind}: HTTP {ack.status}")
        except Exception as exc:  # a bench counts every failure as an error
            run.errors.append(f"{type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(threads) as pool:
        pending: list[Future[None]] = []
        for i, op in enumerate(ops):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pending.append(pool.submit(timed, op))
            on_sent(i)
        for f in pending:
            f.result()
    return run


def undelivered(slack: FakeSlack, urls: set[str], timeout: float = REPLY_TIMEOUT) -> set[str]:
    """The response_urls among ``urls`` that got no accepted (200) reply within ``timeout``."""
    waiting = set(urls)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        with slack._lock:
            waiting -= {r["url"] for r in slack.responses if r.get("status") == 200}
        if waiting:
            time.sleep(0.2)
    return waiting
