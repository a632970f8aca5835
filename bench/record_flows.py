"""Flows that Salesforce starts: `python -m bench.record_flows [--changes 500] [--latency 0.1]`.

Runs what ``sfbot run`` runs: the flow engine with its worker pool and the ``salesforce_record``
poller driven by the flow scheduler's ``tick``, against the Salesforce emulator over HTTPS (every
call answered after ``--latency`` seconds), on SQLite.

1. Idle: 50 ``salesforce_record`` flows on two objects (Lead, Contact), 10 intervals with no
   change: API calls per interval (target 2: one per object, whatever the number of flows).
2. Burst: ``--changes`` leads change at once, a tenth of them hot: the time from the poll to
   the last matching run finished (each run writes one update), runs and duplicates (must be 0).
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet

from actions.config import ActionsSettings
from actions.connect import connect_client_credentials
from actions.context import ActionContext
from actions.flows.apply import apply_files
from actions.flows.engine import FlowEngine
from actions.flows.record_poller import record_poller
from storage.flow_store import FlowStore
from tests.e2e.harness import CC_CLIENT_ID, CC_CLIENT_SECRET, start_emulator
from tests.fakes.salesforce import SalesforceEmulator
from tests.flows.fake_port import FakeFlowSlack

FLOWS = 50


def watcher(obj: str, i: int) -> str:
    # every condition differs, as real flows' do (no two share a query)
    if obj == "Contact":
        where = f"Email = 'watch{i}@example.com'"
    else:
        where = "Lead_Score__c >= 80" if i == 0 else f"Lead_Score__c >= {1000 + i}"
    return textwrap.dedent(
        f"""
        name: watch-{obj.lower()}-{i}
        trigger:
          salesforce_record: {{object: {obj}, where: "{where}", every: 60}}
        steps:
          - update_record:
              id: "{{{{ trigger.record.Id }}}}"
              description: "seen by watch-{obj.lower()}-{i}"
        """
    )


def api_calls(emu: SalesforceEmulator) -> int:
    """Requests the org's API answered (REST and SOAP) since the counters were reset."""
    return sum(1 for r in emu.request_log if r["server"] == "instance")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    emu = start_emulator()
    os.environ["REQUESTS_CA_BUNDLE"] = emu.ca_bundle
    tmp = tempfile.mkdtemp(prefix="sfbot-bench-")
    settings = ActionsSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp}/sfbot.db",
        secret_key=Fernet.generate_key().decode(),
        # the default guard rail (30 runs per flow per minute) would skip most of a burst
        flow_runs_per_minute=10_000,
    )
    ctx = ActionContext.build(settings)
    connect_client_credentials(ctx, emu.login_url, CC_CLIENT_ID, CC_CLIENT_SECRET, connected_by="b")
    slack = FakeFlowSlack()
    now = datetime.now(UTC)
    # one flow on Lead matches hot leads (a tenth); the others watch but never match
    files = [
        (f"f{i}.yml", watcher("Lead" if i < FLOWS // 2 else "Contact", i)) for i in range(FLOWS)
    ]
    problems = apply_files(files, FlowStore(ctx.db), slack, "U0OWNER01", now=now).problems
    assert not problems, problems
    clock = {"now": now}
    engine = FlowEngine(ctx, slack, clock=lambda: clock["now"], refresh_seconds=0)
    poller = record_poller(engine)

    def tick() -> None:
        clock["now"] += timedelta(seconds=61)
        poller.tick(clock["now"])

    tick()  # the seeded records, once
    engine.wait_idle(600)
    emu.delay = args.latency
    emu.reset_counters()
    for _ in range(10):
        tick()
    idle_calls = api_calls(emu) / 10
    hot = [
        emu.insert(
            "Lead", {"LastName": f"L{i}", "Company": "C", "Lead_Score__c": 90 if i % 10 == 0 else 5}
        )
        for i in range(args.changes)
    ]
    emu.reset_counters()
    started = time.perf_counter()
    tick()
    polled = time.perf_counter() - started
    engine.wait_idle(600)
    burst = time.perf_counter() - started
    burst_calls = api_calls(emu)
    runs = engine.runs("watch-lead-0", limit=10_000)
    keys = [r["trigger_key"] for r in runs]
    done = sum(1 for h in hot if str((emu.get(h) or {}).get("Description")).startswith("seen by"))
    duplicates = len(keys) - len(set(keys))

    print(f"flows: {FLOWS} salesforce_record flows on Lead and Contact; latency {args.latency}s")
    print(f"idle: {idle_calls:.1f} API calls per interval (target 2)")
    print(
        f"burst: {args.changes} changed leads, {len(runs)} runs ({done} written) in {burst:.2f} s;"
        f" (the poll and checks: {polled:.2f} s); {burst_calls} API calls; duplicates {duplicates}"
    )
    engine.shutdown()
    ctx.close()
    emu.stop()
    ok = idle_calls <= 2 and duplicates == 0 and done == len(hot) // 10 == len(runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
