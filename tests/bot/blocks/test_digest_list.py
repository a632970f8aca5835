"""`/sf digest list`: one section and one row of buttons per digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_sdk.models.blocks import Block

from bot.blocks.digest_list import (
    MAX_SHOWN,
    DigestEntry,
    digest_list_blocks,
    digest_list_text,
    format_when,
)
from storage.digest_store import Digest, DigestRun
from tests.fakes.slack.blockkit import validate_blocks

NOW = datetime(2024, 5, 6, 7, 0, tzinfo=UTC)


def digest(digest_id: int = 1, **changes) -> Digest:
    fields = {
        "id": digest_id,
        "name": "Morning <leads>",
        "kind": "new_leads",
        "params": {},
        "channel_id": "C0SALES01",
        "schedule": {"type": "daily", "time": "09:00"},
        "timezone": "Europe/Paris",
        "post_when_empty": False,
        "paused": False,
        "owner_user_id": "U0ADMIN01",
        "created_at": NOW,
        "updated_at": NOW,
        "active_since": NOW,
        "version": 1,
    }
    return Digest(**{**fields, **changes})


def run(state: str, error: str | None = None, late: bool = False) -> DigestRun:
    return DigestRun(
        id=5,
        digest_id=1,
        scheduled_for=NOW,
        state=state,
        late=late,
        preview=False,
        claimed_by="host:1",
        claimed_at=NOW,
        finished_at=NOW,
        channel_id="C0SALES01",
        message_ts="1714978800.000100",
        record_count=3,
        error=error,
    )


def dicts(blocks: list[Block]) -> list[dict]:
    out = [b.to_dict() for b in blocks]
    assert validate_blocks(out, "message") == []
    return out


def buttons(blocks: list[dict], digest_id: int) -> dict[str, dict]:
    row = next(b for b in blocks if b.get("block_id") == f"sf_digest_row:{digest_id}")
    return {e["action_id"]: e for e in row["elements"]}


def test_a_digest_shows_schedule_next_and_last_run_and_buttons():
    entry = DigestEntry(digest(), datetime(2024, 5, 7, 7, 0, tzinfo=UTC), run("posted"))
    blocks = dicts(digest_list_blocks([entry]))
    text = blocks[2]["text"]["text"]
    assert "*Morning &lt;leads&gt;*" in text and "New leads" in text and "<#C0SALES01>" in text
    assert "daily at 09:00 (Europe/Paris)" in text
    assert "*Next run:* Tue 07 May 2024 09:00 CEST" in text
    assert "*Last run:* posted for Mon 06 May 2024 09:00 CEST" in text
    found = buttons(blocks, 1)
    assert list(found) == [
        "sf_digest_run_now",
        "sf_digest_toggle",
        "sf_digest_edit",
        "sf_digest_delete",
    ]
    assert found["sf_digest_toggle"]["text"]["text"] == "Pause"
    assert found["sf_digest_toggle"]["value"] == "1:pause"
    assert found["sf_digest_delete"]["style"] == "danger"
    assert found["sf_digest_delete"]["confirm"]["confirm"]["text"] == "Delete"
    assert digest_list_text([entry]) == "1 scheduled digest(s)"


def test_paused_and_failed_digests():
    entry = DigestEntry(
        digest(2, paused=True, schedule={"type": "cron", "cron": "0 9 * * 1-5"}),
        None,
        run("failed", error="Salesforce: No such column <x> (INVALID_FIELD)", late=True),
    )
    blocks = dicts(digest_list_blocks([entry], notice=":white_check_mark: Paused *x*."))
    assert blocks[1]["elements"][0]["text"].startswith(":white_check_mark: Paused")
    text = blocks[2]["text"]["text"]
    assert "*Paused*" in text and "Next run" not in text
    assert "cron `0 9 * * 1-5`" in text
    assert (
        "failed for Mon 06 May 2024 09:00 CEST (late): Salesforce: No such column &lt;x&gt;" in text
    )
    toggle = buttons(blocks, 2)["sf_digest_toggle"]
    assert (toggle["text"]["text"], toggle["value"]) == ("Resume", "2:resume")


def test_never_run_and_empty_list():
    blocks = dicts(digest_list_blocks([DigestEntry(digest(), None, None)]))
    assert "*Last run:* never" in blocks[2]["text"]["text"]
    assert "never fires again" in blocks[2]["text"]["text"]
    empty = dicts(digest_list_blocks([]))
    assert "/sf digest add" in json.dumps(empty)


def test_many_digests_stay_within_the_message_block_limit():
    entries = [DigestEntry(digest(i), NOW, None) for i in range(1, 40)]
    blocks = dicts(digest_list_blocks(entries))
    assert len(blocks) <= 50
    assert f"…and {39 - MAX_SHOWN} more" in blocks[-1]["elements"][0]["text"]


def test_format_when_uses_the_digest_time_zone():
    assert format_when(NOW, "America/New_York") == "Mon 06 May 2024 03:00 EDT"
