"""Modal submissions whose process died mid-write (SIGKILL, a crash, the power): another
process tells the user the outcome is unknown.

A submission claims its key (``ACTION:VIEW_ID[:attempt]``, see bot.modal_submit) before it sends
anything, and finishes it when it ends. A claim still pending after
``SFBOT_ABANDONED_SUBMISSION_SECONDS`` (longer than any Salesforce call may take) belongs to a
process that is gone: the write may or may not have reached Salesforce, so it is never sent
again. One process (a guarded UPDATE) marks the claim finished as outcome unknown, so a
resubmission of that view shows the same, and turns the modal into the outcome-unknown view
with ``views.update``.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update

from bot.modal_submit import UNKNOWN, outcome_unknown_view
from storage.db import Database
from storage.models import IdempotencyKeyRow
from storage.times import utcnow

logger = logging.getLogger(__name__)

MESSAGE = "sfbot stopped while this was being saved"


def view_id_of(key: str) -> str | None:
    parts = key.split(":")
    return parts[1] if len(parts) >= 2 and parts[1].startswith("V") else None


def tell_abandoned_submissions(db: Database, client: WebClient, older_than: timedelta) -> int:
    """Mark and tell every abandoned submission; returns how many this process told."""
    cutoff = utcnow() - older_than
    with db.session() as s:
        keys = s.scalars(
            select(IdempotencyKeyRow.key).where(
                IdempotencyKeyRow.state == "pending", IdempotencyKeyRow.created_at < cutoff
            )
        ).all()
    told = 0
    for key in keys:
        view_id = view_id_of(key)
        if view_id is None:
            continue
        with db.session() as s:
            result = s.execute(
                update(IdempotencyKeyRow)
                .where(
                    IdempotencyKeyRow.key == key,
                    IdempotencyKeyRow.state == "pending",
                    IdempotencyKeyRow.created_at < cutoff,
                )
                .values(state="done", result=json.dumps({UNKNOWN: MESSAGE}))
            )
            taken = getattr(result, "rowcount", 0)
        if taken != 1:
            continue  # another process took it, or it finished meanwhile
        logger.warning("submission %s was cut off mid-write: telling the user", key)
        try:
            client.views_update(view_id=view_id, view=outcome_unknown_view(MESSAGE))
            told += 1
        except SlackApiError as exc:  # the modal was closed: nothing to show it in
            logger.info("could not show %s its outcome: %s", key, exc.response.get("error"))
    return told


def schedule_abandoned_check(
    scheduler: BackgroundScheduler, db: Database, client: WebClient, seconds: float
) -> None:
    """Check every ``seconds / 2`` (at most every 30 s) on the digest scheduler's clock."""
    scheduler.add_job(
        tell_abandoned_submissions,
        IntervalTrigger(seconds=max(1.0, min(30.0, seconds / 2))),
        args=[db, client, timedelta(seconds=seconds)],
        id="sfbot:abandoned-submissions",
        replace_existing=True,
    )
