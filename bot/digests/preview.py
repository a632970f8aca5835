"""Run now: a digest as it would post, sent to one user only (a DM), with no run recorded."""

from __future__ import annotations

from actions.digest_kinds import build_query, fetch_kind_rows, to_items
from bot.blocks.digest import digest_fallback_text, digest_message
from bot.digests.batch import RunOutcome, window_for
from bot.digests.engine import DigestEngine
from storage.digest_store import Digest


def preview_digest(engine: DigestEngine, digest: Digest, user_id: str) -> RunOutcome:
    """Run now: the digest as it would post, sent to ``user_id`` only (a DM)."""
    now = engine.clock.now()
    window = window_for(digest, now, engine.store.last_posted_many([digest.id]).get(digest.id))
    soql = build_query(digest.kind, digest.params, window)
    rows = fetch_kind_rows(engine.actions, digest.kind, soql)
    items = to_items(engine.actions, digest.kind, digest.params, rows)
    blocks = digest_message(digest, window, items, now, engine.next_run(digest, now), preview=True)
    resp = engine.client.chat_postMessage(
        channel=user_id,
        text="Preview: " + digest_fallback_text(digest.name, len(items)),
        blocks=blocks,
        unfurl_links=False,
    )
    return RunOutcome(digest.id, now, "preview", str(resp["ts"]))
