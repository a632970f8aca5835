"""Capacity: the highest sustained rate of ``/sf lookup`` one sfbot process serves.

    python -m bench.capacity [--rates 5,10,20,40,80,160,320] [--seconds 20] [--sf-delay 0.2]
                             [--max-p99 300] [--max-backlog 5] [--threads 64]
                             [--replicas 1]

One real ``sfbot run --http`` (as in production: Bolt's WSGI adapter on waitress) connected to
the Salesforce emulator answering every API call in ``--sf-delay`` seconds, with the fake Slack
taking the response_url replies. For each rate in ``--rates`` (lookups per second, in order),
sends ``rate x --seconds`` signed ``/sf lookup`` requests at that rate (open loop, as Slack
sends them), then waits for every reply. A rate is met when every lookup was acked with 200,
the p99 ack is under ``--max-p99`` ms and every reply reached its response_url, the last one
within ``--max-backlog`` s of the step's last ack (replies keep up: the rate is sustained).
Stepping stops at the first rate missed. ``--replicas 3`` runs three replicas on a
throwaway PostgreSQL behind nginx with deploy/nginx.conf (bench/cluster.py), to see how it scales.

Prints per step the rate actually sent (sends over the time to the last ack), the p50/p99 ack,
the replies delivered and the time from the step's last ack to its last reply (the backlog),
then the last rate that met every target. The sender shares the machine with sfbot and the
fakes: on a small machine the highest rate measured is a floor, not sfbot's ceiling.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

from bench.cluster import Cluster
from bench.load import lookup, paced, percentile, undelivered
from tests.e2e.harness import start_emulator, start_fake_slack


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rates", default="5,10,20,40,80,160,320", help="lookups/s, comma-separated"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each step")
    parser.add_argument("--sf-delay", type=float, default=0.2, help="seconds Salesforce takes")
    parser.add_argument("--max-p99", type=float, default=300.0, help="p99 ack target, ms")
    parser.add_argument(
        "--max-backlog", type=float, default=5.0, help="s from last ack to last reply"
    )
    parser.add_argument(
        "--replicas", type=int, default=1, help="more than 1: PostgreSQL and nginx in front"
    )
    parser.add_argument("--threads", type=int, default=64, help="sender threads")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]

    sf, slack = start_emulator(), start_fake_slack()
    cluster = Cluster(sf, slack, args.replicas)
    best: float | None = None
    print(
        f"capacity: /sf lookup to {args.replicas} sfbot process(es), Salesforce answering in {args.sf_delay}s, "
        f"steps of {args.seconds:.0f} s; met = p99 ack < {args.max_p99:.0f} ms, every reply, "
        f"backlog < {args.max_backlog:.0f} s"
    )
    print(
        f"  {'rate/s':>7} {'actual/s':>8} {'sent':>5} {'p50 ms':>7} {'p99 ms':>7} {'replies':>9} "
        f"{'backlog s':>9}  verdict"
    )
    try:
        cluster.start()
        driver = cluster.driver()
        sf.delay = args.sf_delay
        offset = 0
        for rate in rates:
            n = round(rate * args.seconds)
            ops = [partial(lambda j: [lookup(driver, j)], offset + i) for i in range(n)]
            offset += n
            began = time.monotonic()
            run = paced(ops, rate, args.threads, lambda _i: None)
            acked = time.monotonic()
            missing = undelivered(slack, run.reply_urls())
            backlog = time.monotonic() - acked
            achieved = n / (acked - began)
            ms = [a.ms for a in run.acks]
            p50, p99 = percentile(ms, 50), percentile(ms, 99)
            met = not run.errors and not missing and len(ms) == n and p99 < args.max_p99
            met = met and backlog < args.max_backlog
            delivered = len(run.reply_urls()) - len(missing)
            print(
                f"  {rate:7.1f} {achieved:8.1f} {n:5d} {p50:7.1f} {p99:7.1f} {delivered:>4}/{n:<4} "
                f"{backlog:9.1f}  {'met' if met else 'MISSED'}"
                + (f" ({len(run.errors)} errors: {run.errors[0]})" if run.errors else "")
            )
            if not met:
                break
            best = rate
    finally:
        cluster.stop()
        sf.stop()
        slack.stop()
    print(f"highest sustained rate met: {best if best is not None else 'none'} lookups/s")
    return 0 if best is not None else 1


if __name__ == "__main__":
    raise SystemExit(main())
