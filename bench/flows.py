"""Flows under load, through the real app over HTTP (the production path).

20 flows applied with `sfbot flow apply` (two per channel: a lead and a contact from the email
address a message names, each first step a Salesforce write, then a reply in the thread);
1,000 people's messages in 10 channels, delivered by the fake Slack's Events API (signed
event_callbacks, Slack's retries on a slow or failed answer) to `sfbot run --http`; the
Salesforce emulator answers every API call after ``--sf-delay`` (100 ms).

    python -m bench.flows [--messages 1000] [--channels 10] [--rate 10] [--sf-delay 0.1]

``--rate`` is messages per second over all channels (10: Slack's ~1 message a second in each
of 10 channels; 0: all at once, for the most runs per second). The per-flow limit is raised for the bench (SFBOT_FLOW_RUNS_PER_MINUTE=10000)
since each flow here gets more than the default 30 runs a minute.

Prints message-to-first-write p50/p95 (from the message sent to Salesforce's answer to the
run's first write, which includes one ``--sf-delay``), runs per second, Slack retries and the
duplicates (a message written twice); exits 1 on a duplicate or a message never written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.ack_latency import percentile
from bot.cli.flow_cmd import MAX_RUNS
from tests.e2e.harness import SIGNING_SECRET, new_app, start_emulator, start_fake_slack
from tests.fakes.salesforce import SalesforceEmulator

EMAIL = re.compile(r'"Email":\s*"([^"]+)"')
FLOW = """name: {kind}-{n}
trigger:
  slack_message:
    channel: "#bench-{n}"
    match: '{kind} (?P<email>[\\w.+-]+@[\\w-]+\\.[\\w.-]+)'
steps:
  - id: made
    create_record:
      object: {kind}
      name: "{{{{ trigger.user_name }}}}"
      email: "{{{{ trigger.match.email }}}}"
      fields: {fields}
  - post_message: {{thread: true, text: "{kind} {{{{ steps.made.id }}}}"}}
"""


class WriteClock:
    """Records when the emulator answered each record creation (by the email it carried)."""

    def __init__(self, sf: SalesforceEmulator) -> None:
        self.written: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        original = sf._dispatch

        def timed(req: Any) -> Any:
            resp = original(req)
            if req.method == "POST" and "/sobjects/" in req.path:
                found = EMAIL.search(req.body.decode("utf-8", "replace"))
                if found:
                    with self._lock:
                        self.written.setdefault(found.group(1), []).append(time.monotonic())
            return resp

        sf._dispatch = timed  # type: ignore[method-assign]


def flow_files(workdir: Path, channels: int) -> list[Path]:
    files = []
    for n in range(channels):
        for kind, fields in (("lead", "{Company: Bench}"), ("contact", "{}")):
            path = workdir / f"{kind}-{n}.yml"
            path.write_text(FLOW.format(kind=kind, n=n, fields=fields))
            files.append(path)
    return files


def run(messages: int, channels: int, rate: float, sf_delay: float) -> int:
    sf, slack = start_emulator(), start_fake_slack()
    workdir = Path(tempfile.mkdtemp(prefix="sfbot-bench-flows-"))
    app = new_app(workdir, sf, slack)
    app.env["SFBOT_FLOW_RUNS_PER_MINUTE"] = "10000"
    users = [f"U0BENCH{u:03d}" for u in range(10)]
    for u in users:
        slack.add_user(u, f"bench.{u.lower()}", real_name=f"Bench {u}")
    for n in range(channels):
        slack.add_channel(f"C0BENCH{n:03d}", f"bench-{n}")
    try:
        app.connect()
        applied = app.cli(
            "flow", "apply", *map(str, flow_files(workdir, channels)), "--owner", users[0]
        )
        if applied.returncode != 0:
            print(applied.stdout, applied.stderr, file=sys.stderr)
            return 2
        app.start()
        sub = slack.subscribe_events(f"{app.url}/slack/events", SIGNING_SECRET)
        writes = WriteClock(sf)
        sf.delay = sf_delay
        sent: dict[str, float] = {}
        started = time.monotonic()
        for i in range(messages):
            kind = "lead" if i % 2 == 0 else "contact"
            email = f"{kind}{i}@bench.test"
            if rate > 0:
                time.sleep(max(0.0, started + i / rate - time.monotonic()))
            sent[email] = time.monotonic()
            slack.user_posts(f"C0BENCH{i % channels:03d}", users[i % len(users)], f"{kind} {email}")
        sub.wait_idle(timeout=600)
        deadline = time.monotonic() + 600
        while len(writes.written) < messages and time.monotonic() < deadline:
            time.sleep(0.2)
        done = time.monotonic()
        time.sleep(1.0)  # late duplicates would show here
        return report(app, sub, writes, sent, started, done, sf_delay)
    finally:
        app.stop()
        sf.stop()
        slack.stop()


def report(
    app, sub, writes: WriteClock, sent: dict, started: float, done: float, delay: float
) -> int:
    latencies = [(writes.written[e][0] - t) * 1000 for e, t in sent.items() if e in writes.written]
    duplicates = sum(len(v) - 1 for v in writes.written.values())
    missing = len(sent) - len(latencies)
    statuses: dict[str, int] = {}
    runs = []
    for flow in json.loads(app.cli("flow", "list", "--json").stdout)["flows"]:
        listed = app.cli("flow", "runs", flow["name"], "--json", "--limit", str(MAX_RUNS))
        runs += json.loads(listed.stdout)["runs"]
    for r in runs:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    retries = sum(1 for d in sub.deliveries if d.retry_num)
    print(f"messages: {len(sent)}")
    print(f"runs: {len(runs)} {statuses}")
    if latencies:
        print(
            f"message-to-first-write: p50 {percentile(latencies, 50):.0f} ms, "
            f"p95 {percentile(latencies, 95):.0f} ms, max {max(latencies):.0f} ms "
            f"(Salesforce answers after {delay * 1000:.0f} ms; target p95 <= "
            f"{300 + delay * 1000:.0f} ms)"
        )
    print(
        f"runs per second: {len(latencies) / max(done - started, 1e-9):.1f} over {done - started:.1f} s"
    )
    print(f"Slack retries: {retries}; duplicates: {duplicates}; never written: {missing}")
    return 1 if duplicates or missing else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second in all")
    parser.add_argument("--sf-delay", type=float, default=0.1)
    args = parser.parse_args()
    sys.exit(run(args.messages, args.channels, args.rate, args.sf_delay))


if __name__ == "__main__":
    main()
