"""Soak: mixed commands and modal submissions against ONE real ``sfbot run --http`` process.

    python -m bench.soak [--count 10000] [--minutes 10] [--threads 16] [--warmup 0.1]

Sends ``--count`` signed requests spread evenly over ``--minutes`` (open loop, as Slack sends
them) to one ``sfbot run --http`` connected to the Salesforce emulator, with the fake Slack
taking its Web API calls and response_url replies. The mix, per 10 requests: 5 ``/sf lookup``
(each reply must reach its response_url), 3 ``/sf help``, and 1 ``/sf create case`` whose modal
is then filled and submitted (2 requests; each submission must create its Case).

Prints the errors (target 0: a non-200 ack, a refused submission, a reply or a Case missing, a
Web API call the fake Slack found invalid), the sfbot process's RSS (VmRSS) after the warm-up
(the first ``--warmup`` of the requests) and at the end (target growth < 10 MB), and the p99 ack
per minute as a curve. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.load import Ack, lookup, paced, percentile, rss_mb, undelivered
from tests.e2e.harness import AGENT, CHANNEL, new_app, start_emulator, start_fake_slack
from tests.e2e.test_create_update import DESCRIPTION, EMAIL, NAME, create_values, filled
from tests.fakes.slack import FakeSlack, SlackDriver

MAX_RSS_GROWTH_MB = 10.0
CYCLE = ("lookup",) * 5 + ("help",) * 3 + ("create",)  # 10 requests: create is 2


def help_op(driver: SlackDriver) -> list[Ack]:
    r = driver.slash_command("/sf", "help", user_id=AGENT, channel_id=CHANNEL)
    return [Ack("help", 0.0, r.elapsed.total_seconds() * 1000, r.status_code)]


def create_op(driver: SlackDriver, slack: FakeSlack, i: int) -> list[Ack]:
    """``/sf create case``, wait for the modal to be filled, submit it."""
    n = len(slack.calls)
    r = driver.slash_command("/sf", "create case", user_id=AGENT, channel_id=CHANNEL)
    acks = [Ack("create", 0.0, r.elapsed.total_seconds() * 1000, r.status_code)]
    trigger = r.payload["trigger_id"]  # type: ignore[attr-defined]
    opened = slack.wait_for(
        "views.open",
        lambda c: c["args"].get("trigger_id") == trigger and c["response"].get("ok"),
        after=n,
        timeout=30,
    )
    view = filled(slack, opened["response"]["view"]["id"], n)
    values = {NAME: f"Soak {i}", EMAIL: f"soak{i}@example.com", DESCRIPTION: f"soak-{i} subject"}
    s = driver.view_submission(view, create_values("case", **values), user_id=AGENT)
    acks.append(Ack("submission", 0.0, s.elapsed.total_seconds() * 1000, s.status_code))
    body = s.json() if s.content else {}
    if isinstance(body, dict) and body.get("response_action") == "errors":
        raise RuntimeError(f"submission {i} refused: {body}")
    return acks


def build_ops(
    count: int, driver: SlackDriver, slack: FakeSlack
) -> tuple[list[Callable[[], list[Ack]]], int]:
    """Ops making up ``count`` requests in the mix; also the number of creates."""
    ops: list[Callable[[], list[Ack]]] = []
    requests_made = creates = 0
    while requests_made < count:
        kind = CYCLE[len(ops) % len(CYCLE)]
        i = len(ops)
        if kind == "lookup":
            ops.append(partial(lambda j: [lookup(driver, j)], i))
            requests_made += 1
        elif kind == "help":
            ops.append(partial(help_op, driver))
            requests_made += 1
        else:
            ops.append(partial(create_op, driver, slack, i))
            requests_made += 2
            creates += 1
    return ops, creates


def print_curve(acks: list[Ack]) -> list[float]:
    """p99 ack per minute, as a bar per minute; returns the p99s."""
    minutes = int(max(a.sent_at for a in acks) // 60) + 1
    p99s = []
    print("p99 ack per minute (ms):")
    for m in range(minutes):
        ms = [a.ms for a in acks if m * 60 <= a.sent_at < (m + 1) * 60]
        p99, p50 = percentile(ms, 99), percentile(ms, 50)
        p99s.append(p99)
        bar = "#" * max(1, round(p99 / 10))
        print(f"  min {m + 1:>3}  n={len(ms):>5}  p50 {p50:7.1f}  p99 {p99:7.1f}  {bar}")
    return p99s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="requests in all")
    parser.add_argument("--minutes", type=float, default=10.0, help="spread over this long")
    parser.add_argument("--threads", type=int, default=16, help="sender threads")
    parser.add_argument("--warmup", type=float, default=0.1, help="share of requests first")
    args = parser.parse_args()

    sf, slack = start_emulator(), start_fake_slack()
    app = new_app(Path(tempfile.mkdtemp(prefix="sfbot-soak-")), sf, slack)
    rss: dict[str, float] = {}
    try:
        app.connect()
        app.start()
        assert app.process is not None
        pid = app.process.pid
        ops, creates = build_ops(args.count, app.driver(), slack)
        warm_index = max(1, int(len(ops) * args.warmup))
        rate = len(ops) / (args.minutes * 60)
        print(
            f"soak: {args.count} requests ({len(ops)} ops, {creates} creates) over "
            f"{args.minutes} min to one sfbot process (pid {pid})"
        )

        def on_sent(i: int) -> None:
            if i == warm_index:
                rss["after warm-up"] = rss_mb(pid)

        began = time.monotonic()
        run = paced(ops, rate, args.threads, on_sent)
        missing = undelivered(slack, run.reply_urls())
        run.errors += [f"lookup reply never reached {url}" for url in sorted(missing)]
        made = sum(1 for c in sf.records("Case") if str(c.get("Subject", "")).startswith("soak-"))
        if made != creates:
            run.errors.append(f"{made} Cases created for {creates} submissions")
        run.errors += [f"invalid Web API call: {c['method']}" for c in slack.invalid_calls]
        rss["end"] = rss_mb(pid)
        took = time.monotonic() - began
    finally:
        app.stop()
        sf.stop()
        slack.stop()

    p99s = print_curve(run.acks)
    growth = rss["end"] - rss["after warm-up"]
    print(
        f"requests acked: {len(run.acks)} in {took:.0f} s; overall p50 "
        f"{percentile([a.ms for a in run.acks], 50):.1f} ms, p99 "
        f"{percentile([a.ms for a in run.acks], 99):.1f} ms; p99 per minute "
        f"{min(p99s):.0f}-{max(p99s):.0f} ms"
    )
    print(f"errors: {len(run.errors)} (target 0)")
    for e in run.errors[:20]:
        print(f"  {e}")
    print(
        f"RSS after warm-up {rss['after warm-up']:.1f} MB, at the end {rss['end']:.1f} MB: "
        f"growth {growth:+.1f} MB (target < {MAX_RSS_GROWTH_MB:.0f} MB)"
    )
    return 0 if not run.errors and growth < MAX_RSS_GROWTH_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
