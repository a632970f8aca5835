"""The polling cursor per object: one lease holder, never backwards, seen changes skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.db import Database
from storage.record_cursor_store import RecordCursorStore, SeenChange

T0 = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)
HOLD = timedelta(seconds=120)


@pytest.fixture
def store(tmp_path: Path) -> RecordCursorStore:
    return RecordCursorStore(Database(f"sqlite:///{tmp_path}/c.db"))


def test_one_replica_holds_the_lease_until_it_lapses(store: RecordCursorStore) -> None:
    assert store.lease("Lead", "a", now=T0, start=T0, hold=HOLD) == T0
    assert store.lease("Lead", "b", now=T0 + timedelta(seconds=5), start=T0, hold=HOLD) is None
    assert store.lease("Lead", "a", now=T0 + timedelta(seconds=5), start=T0, hold=HOLD) == T0
    late = T0 + timedelta(seconds=500)
    assert store.lease("Lead", "b", now=late, start=late, hold=HOLD) == T0  # took over


def test_advance_moves_forward_only_for_the_holder(store: RecordCursorStore) -> None:
    store.lease("Lead", "a", now=T0, start=T0, hold=HOLD)
    later = T0 + timedelta(seconds=30)
    kw = {"seen": [], "forget_before": T0, "now": later}
    assert not store.advance("Lead", "b", stamp=later, **kw)  # type: ignore[arg-type]
    assert store.advance("Lead", "a", stamp=later, **kw)  # type: ignore[arg-type]
    assert store.advance("Lead", "a", stamp=T0, **kw)  # type: ignore[arg-type]
    assert store.stamp("Lead") == later


def test_unseen_skips_what_was_handed_over_and_forgets_old_ones(
    store: RecordCursorStore,
) -> None:
    store.lease("Lead", "a", now=T0, start=T0, hold=HOLD)
    first = [SeenChange("00Q1", T0), SeenChange("00Q2", T0)]
    store.advance("Lead", "a", stamp=T0, seen=first, forget_before=T0, now=T0)
    again = [*first, SeenChange("00Q3", T0), SeenChange("00Q1", T0 + timedelta(seconds=1))]
    assert store.unseen("Lead", again) == again[2:]
    store.advance("Lead", "a", stamp=T0, seen=[], forget_before=T0 + timedelta(seconds=1), now=T0)
    assert store.unseen("Lead", first) == first
