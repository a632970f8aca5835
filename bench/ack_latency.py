"""Slash-command ack latency: the real sfbot beside a bare Bolt app that only acks.

    python -m bench.ack_latency [--requests 200] [--concurrency 10] [--sf-delay 0]
                                [--profile FILE]

Both run as in production (Bolt's WSGI adapter on waitress, in their own processes); sfbot is
`sfbot run --http` connected to the Salesforce emulator. Two measurements:

* ``/sf help``: ``--requests`` signed requests to each app, ``--concurrency`` at a time,
  interleaved (request i to sfbot, then request i to the bare app, in the same pool), so both
  see the same machine load; the work sfbot does after the ack (the reply to the
  response_url) runs while its next acks are measured, as under sustained load.
* ``/sf lookup``: ``--requests`` lookups to sfbot (Salesforce taking ``--sf-delay`` s),
  interleaved with as many to the bare app (which only acks) in the same pool; every sfbot
  lookup's reply must reach its response_url. The fakes answering sfbot's searches and
  replies run in this (the measuring) process, so both apps' client-side times include the
  fakes' share of the CPU; interleaving makes them see the same.
* sfbot's own ack times, from its log (``acked slash_command (200) in X ms``: the request
  reaching Bolt to its ack), for each phase: what sfbot's work costs the ack, without the
  client or the network.

Prints p50/p95/p99 in ms and sfbot/bare ratios; the target is sfbot's p99 within 1.2x the
bare app's. Exits 1 when a lookup reply did not arrive or a request was not acked with 200.
``--profile FILE`` records sfbot with py-spy (raw collapsed stacks) during both runs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.e2e.harness import (
    AGENT,
    CHANNEL,
    SIGNING_SECRET,
    TEAM_ID,
    free_port,
    new_app,
    start_emulator,
    start_fake_slack,
)
from tests.fakes.slack import FakeSlack, SlackDriver

TARGET_P99_RATIO = 1.2
REPLY_TIMEOUT = 120.0  # seconds for every lookup reply to arrive


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


Ack = tuple[str, float, str]  # the app, its ack time in ms, the command's response_url


def send_interleaved(
    drivers: dict[str, SlackDriver], text_of: Callable[[int], str], n: int, concurrency: int
) -> list[Ack]:
    """``n`` commands (`/sf text_of(i)`) to each driver, alternating, ``concurrency`` at a time."""

    def one(item: tuple[str, int]) -> Ack:
        name, i = item
        r = drivers[name].slash_command("/sf", text_of(i), user_id=AGENT, channel_id=CHANNEL)
        if r.status_code != 200:
            raise RuntimeError(f"ack failed: HTTP {r.status_code}")
        return name, r.elapsed.total_seconds() * 1000, r.payload["response_url"]  # type: ignore[attr-defined]

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, [(name, i) for i in range(n) for name in drivers]))


def by_app(drivers: dict[str, SlackDriver], acks: list[Ack]) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {name: [] for name in drivers}
    for name, ms, _url in acks:
        results[name].append(ms)
    return results


def interleaved(
    drivers: dict[str, SlackDriver], text: str, n: int, concurrency: int
) -> dict[str, list[float]]:
    """``n`` requests to each driver, alternating, ``concurrency`` at a time."""
    send_interleaved(drivers, lambda _i: text, 5, concurrency)  # warm-up
    return by_app(drivers, send_interleaved(drivers, lambda _i: text, n, concurrency))


def lookups(
    drivers: dict[str, SlackDriver], slack: FakeSlack, n: int, concurrency: int
) -> dict[str, list[float]]:
    """``n`` lookups to each driver, alternating, ``concurrency`` at a time; returns the ack
    times once every sfbot reply has reached its response_url (the bare app sends none)."""
    acks = send_interleaved(drivers, lambda i: f"lookup bench{i}@example.com", n, concurrency)
    waiting = {url for name, _ms, url in acks if name == "sfbot"}
    deadline = time.monotonic() + REPLY_TIMEOUT
    while waiting and time.monotonic() < deadline:
        with slack._lock:
            waiting -= {r["url"] for r in slack.responses if r.get("status") == 200}
        time.sleep(0.1)
    if waiting:
        raise RuntimeError(f"{len(waiting)} of {n} lookup replies never reached their response_url")
    return by_app(drivers, acks)


ACKED = re.compile(r"acked slash_command \(200\) in ([0-9.]+) ms")


def logged_acks(log: str) -> list[float]:
    """sfbot's own ack times (ms), in the order they were logged."""
    return [float(m.group(1)) for m in ACKED.finditer(log)]


def start_bare(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.bare_bolt_app", str(port)], env=env)
    url = f"http://127.0.0.1:{port}/slack/events"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.post(url, data=b"", timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("the bare Bolt app did not start")


def show(title: str, results: dict[str, list[float]]) -> float:
    """Print a table; returns sfbot's p99 over the bare app's."""
    print(title)
    print(f"  {'app':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, values in results.items():
        print(
            f"  {name:<10} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
            f"{percentile(values, 99):8.1f} {statistics.fmean(values):8.1f}"
        )
    ours, bare = results["sfbot"], results["bare Bolt"]
    ratios = [percentile(ours, p) / percentile(bare, p) for p in (50, 95, 99)]
    print(f"  {'ratio':<10} {ratios[0]:7.2f}x {ratios[1]:7.2f}x {ratios[2]:7.2f}x")
    return ratios[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--sf-delay", type=float, default=0.0, help="seconds Salesforce takes")
    parser.add_argument("--profile", type=Path, help="py-spy output for sfbot")
    args = parser.parse_args()

    sf, slack = start_emulator(), start_fake_slack()
    app = new_app(Path(tempfile.mkdtemp(prefix="sfbot-bench-")), sf, slack)
    bare = None
    profiler = None
    try:
        app.connect()
        app.start()
        bare, bare_url = start_bare(app.env)
        drivers = {
            "sfbot": app.driver(),
            "bare Bolt": SlackDriver(
                app_url=bare_url, signing_secret=SIGNING_SECRET, fake=slack, team_id=TEAM_ID
            ),
        }
        if args.profile:
            assert app.process is not None
            exe = shutil.which("py-spy") or sys.exit("--profile needs py-spy")
            command = [exe, "record", "--pid", str(app.process.pid), "--threads", "--idle"]
            profiler = subprocess.Popen(
                [*command, "--nonblocking", "-f", "raw", "-o", str(args.profile)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        warm = len(logged_acks(app.log()))
        help_run = interleaved(drivers, "help", args.requests, args.concurrency)
        time.sleep(0.5)  # the log is written by another process
        after_help = logged_acks(app.log())
        sf.delay = args.sf_delay
        lookup_run = lookups(drivers, slack, args.requests, args.concurrency)
        time.sleep(0.5)
        after_lookups = logged_acks(app.log())
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
            profiler = None
        own = {
            "help": after_help[warm + 5 :],  # after the warm-up
            "lookup": after_lookups[len(after_help) :],
        }
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        app.stop()
        if bare is not None:
            bare.terminate()
            bare.wait()
        sf.stop()
        slack.stop()

    print(f"slash-command acks, {args.requests} requests per app, {args.concurrency} at a time")
    help_ratio = show("/sf help, interleaved with the bare app:", help_run)
    show(
        f"/sf lookup (Salesforce delay {args.sf_delay}s; every reply reached its response_url), "
        "interleaved with the bare app:",
        lookup_run,
    )
    print("sfbot's own ack times (its log: request reaching Bolt to ack):")
    print(f"  {'phase':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'n':>5}")
    for phase, values in own.items():
        if values:
            print(
                f"  {phase:<10} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
                f"{percentile(values, 99):8.1f} {statistics.fmean(values):8.1f} {len(values):5d}"
            )
    met = help_ratio <= TARGET_P99_RATIO
    print(f"target p99 <= {TARGET_P99_RATIO}x the bare app's (help): {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
