"""One sfbot process for ``test_flows_postgres``: a flow engine on the given database with the
Salesforce emulator (in the test process) and a fake Slack port that prints what it posts.

    python -m tests.flows.worker --database-url URL --name NAME

Environment: SFBOT_SECRET_KEY (the test's, to read the stored connection) and
REQUESTS_CA_BUNDLE (the emulator's CA).

Protocol: the test writes ``EVENT_ID TEXT`` lines; the worker starts every matching flow for
that Slack message and answers ``started N``. ``poll SECONDS`` runs the ``salesforce_record``
poller as if SECONDS had passed and answers ``polled N`` (runs started). ``wait`` answers ``idle`` when its runs are
done; ``quit`` ends it. Every post is printed as ``post TEXT`` before the answer that follows.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from datetime import timedelta

from pydantic import SecretStr

from actions.config import ActionsSettings
from actions.context import ActionContext
from actions.flows.engine import FlowEngine
from actions.flows.record_poller import RecordPoller, record_poller
from storage.times import utcnow
from tests.flows.conftest import message
from tests.flows.fake_port import FakeFlowSlack

_print_lock = threading.Lock()


def say(line: str) -> None:
    with _print_lock:
        print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    settings = ActionsSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=args.database_url,
        secret_key=SecretStr(os.environ["SFBOT_SECRET_KEY"]),
    )
    ctx = ActionContext.build(settings)
    port = FakeFlowSlack()
    engine = FlowEngine(ctx, port, process=args.name, refresh_seconds=0)
    engine.flows_for("slack_message")  # connect (and check the schema) before saying ready
    poller: RecordPoller | None = None
    say("ready")
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command == "wait":
            engine.wait_idle(120)
            for post in port.posts:
                say(f"post {post['text']}")
            port.posts.clear()
            say("idle")
            continue
        if command.startswith("poll "):
            poller = poller or record_poller(engine)
            results = poller.tick(utcnow() + timedelta(seconds=float(command.split()[1])))
            say(f"polled {sum(r.runs for r in results)}")
            continue
        event_id, _, text = command.partition(" ")
        event = message(text, channel="C0INBOUND1", event_id=event_id)
        started = [
            engine.start(flow, event)
            for flow in engine.flows_for(event.kind, channel=event.channel)
            if engine.matches(flow, event)
        ]
        say(f"started {sum(r is not None for r in started)}")
    engine.wait_idle(120)
    engine.shutdown()
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
