"""Asks waiting for a click, and the flows' daily Salesforce API usage.

Closing an ask is one UPDATE that checks it is still waiting: exactly one process resumes the
run, whether by a click or by the timeout sweep.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import FlowApiUsageRow, FlowAskRow, FlowRunRow, FlowRunStepRow
from storage.times import as_utc, utcnow

ASK_WAITING, ASK_ANSWERED, ASK_TIMED_OUT = "waiting", "answered", "timed_out"
ASK_CANCELLED = "cancelled"  # its message could not be posted


@dataclass(frozen=True)
class StoredAsk:
    id: str
    run_id: int
    step_path: str
    status: str
    text: str
    choices: list[str]
    channel_id: str | None
    message_ts: str | None
    expires_at: datetime
    choice: str | None
    answered_by: str | None


def _ask(row: FlowAskRow) -> StoredAsk:
    return StoredAsk(
        id=row.id,
        run_id=row.run_id,
        step_path=row.step_path,
        status=row.status,
        text=row.text,
        choices=json.loads(row.choices),
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        expires_at=as_utc(row.expires_at) or utcnow(),
        choice=row.choice,
        answered_by=row.answered_by,
    )


def count_api_calls(s: Session, day: str, calls: int) -> int:
    """Add ``calls`` to ``day``'s count inside the caller's transaction; the new total."""
    done = s.execute(
        update(FlowApiUsageRow)
        .where(FlowApiUsageRow.day == day)
        .values(calls=FlowApiUsageRow.calls + calls)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        try:
            with s.begin_nested():
                s.add(FlowApiUsageRow(day=day, calls=calls, told=False))
        except IntegrityError:  # another process added the day just now
            s.execute(
                update(FlowApiUsageRow)
                .where(FlowApiUsageRow.day == day)
                .values(calls=FlowApiUsageRow.calls + calls)
                .execution_options(synchronize_session=False)
            )
    total = s.execute(select(FlowApiUsageRow.calls).where(FlowApiUsageRow.day == day)).scalar_one()
    return int(total)


class _RunNotWaiting(Exception):
    """Rolls the ask back: its run was not waiting (ended meanwhile)."""


class FlowAskStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- asks ------------------------------------------------------------------------------

    def pause(
        self,
        run_id: int,
        step_path: str,
        *,
        text: str,
        choices: list[str],
        expires_at: datetime,
        state: dict[str, Any],
        steps_executed: int,
        now: datetime,
        step_row: int | None = None,
        step_input: Any = None,
    ) -> str:
        """Create the ask and set its run (and its step's record) ``waiting`` with the run's
        state, in one transaction."""
        ask_id = secrets.token_hex(12)
        with self.db.session() as s:
            s.add(
                FlowAskRow(
                    id=ask_id,
                    run_id=run_id,
                    step_path=step_path,
                    status=ASK_WAITING,
                    text=text,
                    choices=json.dumps(choices),
                    created_at=now,
                    expires_at=expires_at.astimezone(UTC),
                )
            )
            s.execute(
                update(FlowRunRow)
                .where(FlowRunRow.id == run_id)
                .values(
                    status="waiting",
                    state=json.dumps(state, default=str),
                    steps_executed=steps_executed,
                    heartbeat_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if step_row is not None:
                s.execute(
                    update(FlowRunStepRow)
                    .where(FlowRunStepRow.id == step_row)
                    .values(status="waiting", input=json.dumps(step_input, default=str))
                    .execution_options(synchronize_session=False)
                )
        return ask_id

    def close(
        self,
        ask_id: str,
        status: str,
        *,
        choice: str,
        user: str | None,
        claimed_by: str,
        now: datetime,
    ) -> StoredAsk | None:
        """Answer, time out or cancel a waiting ask and set its run ``running`` again, in one
        transaction; None unless this caller did it (it then continues the run)."""
        try:
            with self.db.session() as s:
                closed = s.execute(
                    update(FlowAskRow)
                    .where(FlowAskRow.id == ask_id, FlowAskRow.status == ASK_WAITING)
                    .values(status=status, choice=choice, answered_by=user, answered_at=now)
                    .execution_options(synchronize_session=False)
                )
                if getattr(closed, "rowcount", 0) != 1:
                    return None
                row = s.get(FlowAskRow, ask_id)
                assert row is not None
                moved = s.execute(
                    update(FlowRunRow)
                    .where(FlowRunRow.id == row.run_id, FlowRunRow.status == "waiting")
                    .values(status="running", claimed_by=claimed_by, heartbeat_at=now)
                    .execution_options(synchronize_session=False)
                )
                if getattr(moved, "rowcount", 0) != 1:
                    raise _RunNotWaiting
                s.refresh(row)
                return _ask(row)
        except _RunNotWaiting:
            return None

    def ask_posted(self, ask_id: str, channel_id: str, message_ts: str) -> None:
        with self.db.session() as s:
            row = s.get(FlowAskRow, ask_id)
            if row is not None:
                row.channel_id, row.message_ts = channel_id, message_ts

    def get_ask(self, ask_id: str) -> StoredAsk | None:
        with self.db.session() as s:
            row = s.get(FlowAskRow, ask_id)
            return None if row is None else _ask(row)

    def expired_asks(self, now: datetime) -> list[StoredAsk]:
        with self.db.session() as s:
            rows = s.execute(
                select(FlowAskRow).where(
                    FlowAskRow.status == ASK_WAITING, FlowAskRow.expires_at <= now.astimezone(UTC)
                )
            ).scalars()
            return [_ask(r) for r in rows]

    # -- the daily API budget --------------------------------------------------------------

    def add_api_calls(self, day: str, calls: int) -> int:
        """Count ``calls`` more for ``day`` (YYYY-MM-DD, UTC); the day's new total."""
        with self.db.session() as s:
            return count_api_calls(s, day, calls)

    def api_calls(self, day: str) -> int:
        with self.db.session() as s:
            value = s.execute(
                select(FlowApiUsageRow.calls).where(FlowApiUsageRow.day == day)
            ).scalar_one_or_none()
            return int(value or 0)

    def mark_budget_told(self, day: str) -> bool:
        """True for the one caller that gets to tell the admins the budget ran out today."""
        with self.db.session() as s:
            done = s.execute(
                update(FlowApiUsageRow)
                .where(FlowApiUsageRow.day == day, FlowApiUsageRow.told.is_(False))
                .values(told=True)
                .execution_options(synchronize_session=False)
            )
            return getattr(done, "rowcount", 0) == 1
