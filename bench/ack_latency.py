"""Slash-command ack latency: sfbot beside a bare Bolt app that only acks, in the same run.

50 signed `/sf lookup` requests, 10 at a time, against the real sfbot (HTTP mode, connected to
the Salesforce emulator) and against bench/bare_bolt_app.py. Prints p50/p95/p99 in ms.

    python -m bench.ack_latency [--requests 50] [--concurrency 10] [--sf-delay 0]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
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
from tests.fakes.slack import SlackDriver


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure(driver: SlackDriver, n: int, concurrency: int) -> list[float]:
    def one(i: int) -> float:
        r = driver.slash_command(
            "/sf", f"lookup bench{i}@example.com", user_id=AGENT, channel_id=CHANNEL
        )
        if r.status_code != 200:
            raise RuntimeError(f"ack failed: HTTP {r.status_code}")
        return r.elapsed.total_seconds() * 1000

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(5)))  # warm-up
        return list(pool.map(one, range(n)))


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--sf-delay", type=float, default=0.0, help="seconds Salesforce takes")
    args = parser.parse_args()

    sf, slack = start_emulator(), start_fake_slack()
    app = new_app(Path(tempfile.mkdtemp(prefix="sfbot-bench-")), sf, slack)
    bare = None
    try:
        app.connect()
        app.start()
        sf.delay = args.sf_delay
        results = {"sfbot": measure(app.driver(), args.requests, args.concurrency)}
        bare, bare_url = start_bare(app.env)
        results["bare Bolt"] = measure(
            SlackDriver(
                app_url=bare_url, signing_secret=SIGNING_SECRET, fake=slack, team_id=TEAM_ID
            ),
            args.requests,
            args.concurrency,
        )
    finally:
        app.stop()
        if bare is not None:
            bare.terminate()
            bare.wait()
        sf.stop()
        slack.stop()

    print(
        f"slash-command ack latency, {args.requests} requests, {args.concurrency} at a time, Salesforce delay {args.sf_delay}s"
    )
    print(f"{'app':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, values in results.items():
        print(
            f"{name:<10} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
            f"{percentile(values, 99):8.1f} {statistics.fmean(values):8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
