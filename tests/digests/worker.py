"""One sfbot process for ``test_multiprocess_postgres``: a digest engine on the given database,
the fake Slack and the Salesforce emulator (both living in the test process), on a time the
test gives it.

    python -m tests.digests.worker --database-url URL --slack-url URL --owner NAME
        [--crash-after-posts N]

Environment: SFBOT_SECRET_KEY (the test's, to read the stored connection) and
REQUESTS_CA_BUNDLE (the emulator's CA).

Protocol, one line each way: the test writes an ISO datetime; the worker sets its clock to it,
runs one ``tick`` and answers ``done <posted>`` (or ``error <what>``). ``quit`` ends it. With
``--crash-after-posts N`` the process dies (exit 17) right after its N-th digest is posted,
before that post is recorded.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from actions.config import ActionsSettings
from actions.context import ActionContext
from bot.digests.engine import ChannelPacer, DigestEngine
from storage.digest_store import POSTED, DigestStore
from tests.e2e.harness import BOT_TOKEN

CRASH_EXIT = 17


class SteppedClock:
    """The time the test last gave (the engine's ``now``)."""

    def __init__(self) -> None:
        self._now = datetime.now(UTC)
        self._lock = threading.Lock()

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when

    def now(self) -> datetime:
        with self._lock:
            return self._now


def crash_after(client: WebClient, posts: int) -> None:
    original = client.chat_postMessage
    done = 0

    def post(**kwargs: Any) -> Any:
        nonlocal done
        resp = original(**kwargs)
        if kwargs.get("metadata"):
            done += 1
            if done == posts:
                sys.stdout.flush()
                os._exit(CRASH_EXIT)  # killed: the post is out, its record is not
        return resp

    client.chat_postMessage = post  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--slack-url", required=True)
    parser.add_argument("--owner", required=True)
    parser.add_argument("--crash-after-posts", type=int, default=0)
    args = parser.parse_args(argv)

    settings = ActionsSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=args.database_url,
        secret_key=SecretStr(os.environ["SFBOT_SECRET_KEY"]),
    )
    ctx = ActionContext.build(settings)
    client = WebClient(token=BOT_TOKEN, base_url=args.slack_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    if args.crash_after_posts:
        crash_after(client, args.crash_after_posts)
    clock = SteppedClock()
    engine = DigestEngine(
        DigestStore(ctx.db), ctx, client, clock=clock, owner=args.owner, pacer=ChannelPacer(0)
    )
    engine.store.all_digests()  # connect (and check the schema) before saying ready
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        try:
            clock.set(datetime.fromisoformat(command))
            outcomes = engine.tick()
        except Exception as exc:
            print(f"error {exc!r}", flush=True)
            continue
        print(f"done {sum(o.state == POSTED for o in outcomes)}", flush=True)
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
