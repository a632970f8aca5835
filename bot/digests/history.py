"""Finding a digest run's message in its channel: whoever takes over a run whose holder died
looks here before posting, so a run posted but not recorded is never posted twice.

Each digest message carries Slack message metadata (``event_type`` ``sfbot_digest_run``,
``event_payload.run_id``); ``conversations.history`` with ``include_all_metadata`` returns it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from storage.digest_runs import DigestRun

METADATA_EVENT = "sfbot_digest_run"
PAGES = 10  # 2,000 messages since the run's time: a busy channel, far more than a lease


def find_posted(client: WebClient, channel_id: str, run: DigestRun) -> str | None:
    """The ts of the message already posted for ``run``, from its metadata, if any."""
    # Whoever posted it claimed the run at or after its scheduled time (``claimed_at`` is
    # the taker's own claim by now); 5 minutes of margin for clocks that disagree.
    oldest = run.scheduled_for - timedelta(minutes=5)
    cursor = None
    for _page in range(PAGES):
        resp = client.conversations_history(
            channel=channel_id,
            oldest=f"{oldest.timestamp():.6f}",
            include_all_metadata=True,
            limit=200,
            cursor=cursor,
        )
        for message in resp.get("messages") or []:
            meta: dict[str, Any] = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == METADATA_EVENT and payload.get("run_id") == run.id:
                return str(message["ts"])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None
