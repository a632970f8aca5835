"""``salesforce_record`` triggers: flows started by records that newly match a SOQL condition.

Every ``tick`` (the flow scheduler's reconcile job), for each object that enabled flows watch,
whose shortest ``every`` has passed since this process last polled it:

1. take the object's lease (one replica polls an object at a time; another takes over when the
   holder stops renewing it);
2. ask the change source for the records changed since the cursor, re-reading ``overlap``
   before it (ties on one second, late commits), and keep the changes not handed over yet:
   **one API call when nothing changed**, whatever the number of flows on the object;
3. only if there are some: which of them match any flow on the object (``Id IN changed AND
   ((where1) OR (where2) ...)``, one query per 200 ids), then for those only one query per flow
   (``Id IN hits AND (where)``), and a run per matching record, keyed ``salesforce:{Id}:{SystemModstamp}``: a record that changes again and
   still matches starts the flow again; the same change never twice (the run claim);
4. move the cursor and remember the changes handed over.

Changes older than the flow's ``active_since`` (apply or enable) are not counted, unless the
flow says ``backfill: true``: then the records matching when it is first seen start it once.
Calls count against the flows' daily API budget; when it is used up, polling pauses too.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from actions.errors import ActionError
from actions.flows.engine import FlowEngine
from actions.flows.flows_cache import Flow
from actions.flows.model import SalesforceRecordTrigger
from actions.flows.ports import SALESFORCE_RECORD, TriggerEvent
from actions.record_changes import (
    ChangeSource,
    RecordChange,
    SoqlPollingSource,
    fields_in_where,
    parse_stamp,
)
from storage.record_cursor_store import RecordCursorStore, SeenChange

logger = logging.getLogger(__name__)

OVERLAP = timedelta(seconds=60)
MATCH_THREADS = 4
BACKFILL_MARK = "#backfill:"


class RecordQueries(ChangeSource, Protocol):
    calls: int

    def matching_records(
        self, api_name: str, where: str, fields: Iterable[str], ids: list[str]
    ) -> list[dict[str, Any]]: ...

    def all_matching(
        self, api_name: str, where: str, fields: Iterable[str]
    ) -> list[dict[str, Any]]: ...


class Engine(Protocol):
    """What the poller needs of ``actions.flows.engine.FlowEngine``."""

    process: str
    now: Callable[[], datetime]

    def flows_for(self, kind: str) -> list[Flow]: ...

    def start(self, flow: Flow, event: TriggerEvent) -> int | None: ...

    def spend_api_calls(self, calls: int) -> bool: ...


@dataclass
class PollResult:
    object: str
    changes: int = 0
    runs: int = 0
    calls: int = 0


def record_key(record_id: str, stamp: datetime) -> str:
    return f"salesforce:{record_id}:{stamp.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def trigger_of(flow: Flow) -> SalesforceRecordTrigger:
    trigger = flow.definition.trigger
    assert isinstance(trigger, SalesforceRecordTrigger)
    return trigger


class RecordPoller:
    def __init__(
        self,
        engine: Engine,
        source: RecordQueries,
        cursors: RecordCursorStore,
        field_names: Callable[[str], list[str]],
        *,
        overlap: timedelta = OVERLAP,
    ) -> None:
        self.engine = engine
        self.source = source
        self.cursors = cursors
        self.field_names = field_names  # every field of an object (from the cached describe)
        self.overlap = overlap
        self._last_poll: dict[str, datetime] = {}

    def watched(self) -> dict[str, list[Flow]]:
        """Enabled flows by the object they watch."""
        by_object: dict[str, list[Flow]] = defaultdict(list)
        for flow in self.engine.flows_for(SALESFORCE_RECORD):
            by_object[trigger_of(flow).object].append(flow)
        return dict(by_object)

    def tick(self, now: datetime | None = None) -> list[PollResult]:
        now = now or self.engine.now()
        results = []
        for api_name, flows in sorted(self.watched().items()):
            every = timedelta(seconds=min(trigger_of(f).every for f in flows))
            last = self._last_poll.get(api_name)
            if last is not None and now - last < every - timedelta(seconds=1):
                continue
            try:
                result = self.poll(api_name, flows, now, every)
            except ActionError as exc:
                logger.warning("polling %s for flows failed: %s", api_name, exc.message)
                continue
            if result is not None:
                self._last_poll[api_name] = now
                results.append(result)
        return results

    def poll(
        self, api_name: str, flows: list[Flow], now: datetime, every: timedelta
    ) -> PollResult | None:
        """One poll of one object; None when another replica holds it or the budget is spent."""
        owner = self.engine.process
        # a new cursor starts when the first of these flows was applied (or enabled)
        start = min((f.active_since for f in flows if f.active_since), default=now)
        hold = 2 * every + OVERLAP
        cursor = self.cursors.lease(api_name, owner, now=now, start=start, hold=hold)
        if cursor is None:
            return None
        if not self.engine.spend_api_calls(0):
            return None
        result = PollResult(api_name)
        before = self.source.calls
        try:
            for flow in flows:
                if trigger_of(flow).backfill:
                    result.runs += self._backfill(api_name, flow, now)
            changes = list(self.source.changes_since(api_name, cursor - self.overlap))
            fresh = self._unseen(api_name, changes)
            result.changes = len(fresh)
            if fresh:
                result.runs += self._dispatch(api_name, flows, fresh)
            newest = max((c.stamp for c in changes), default=cursor)
            self.cursors.advance(
                api_name,
                owner,
                stamp=newest,
                seen=[SeenChange(c.record_id, c.stamp) for c in fresh],
                forget_before=newest - 3 * self.overlap,
                now=now,
            )
        finally:
            result.calls = self.source.calls - before
            self.engine.spend_api_calls(result.calls)
        return result

    def release(self) -> None:
        """Hand the leases back (a clean stop): the next process polls at once."""
        for api_name in list(self._last_poll):
            self.cursors.release(api_name, self.engine.process)

    def _unseen(self, api_name: str, changes: list[RecordChange]) -> list[RecordChange]:
        keep = {
            (s.record_id, s.stamp)
            for s in self.cursors.unseen(
                api_name, [SeenChange(c.record_id, c.stamp) for c in changes]
            )
        }
        return [c for c in changes if (c.record_id, c.stamp) in keep]

    def fields_for(self, api_name: str, trigger: SalesforceRecordTrigger) -> list[str]:
        known = self.field_names(api_name)
        return list(dict.fromkeys([*fields_in_where(trigger.where, known), *trigger.fields]))

    def _dispatch(self, api_name: str, flows: list[Flow], fresh: list[RecordChange]) -> int:
        """Each flow's check of the changed ids, a few at a time (Salesforce serves concurrent
        requests; one flow after another would make a burst wait on every round trip)."""
        wheres = list(dict.fromkeys(trigger_of(f).where for f in flows))
        if len(wheres) > 1:
            # changes that match no flow (most of a burst) cost one query per 200 ids, not
            # one per flow: ask which match any, then each flow about those only
            either = " OR ".join(f"({where})" for where in wheres)
            ids = list(dict.fromkeys(c.record_id for c in fresh))
            hits = {r["Id"] for r in self.source.matching_records(api_name, either, [], ids)}
            fresh = [c for c in fresh if c.record_id in hits]
            if not fresh:
                return 0
        with ThreadPoolExecutor(MATCH_THREADS, thread_name_prefix="sfbot-match") as pool:
            counts = pool.map(lambda flow: self._match_flow(api_name, flow, fresh), flows)
            return sum(counts)

    def _match_flow(self, api_name: str, flow: Flow, fresh: list[RecordChange]) -> int:
        trigger = trigger_of(flow)
        since = (flow.active_since or datetime.min.replace(tzinfo=UTC)).replace(microsecond=0)
        ids = list(dict.fromkeys(c.record_id for c in fresh if c.stamp >= since))
        if not ids:
            return 0
        rows = self.source.matching_records(
            api_name, trigger.where, self.fields_for(api_name, trigger), ids
        )
        return sum(self._start(flow, api_name, row) for row in rows)

    def _backfill(self, api_name: str, flow: Flow, now: datetime) -> int:
        """Once per flow: the records that match already (``backfill: true``)."""
        mark = f"{api_name}{BACKFILL_MARK}{flow.id}"
        if self.cursors.stamp(mark) is not None:
            return 0
        trigger = trigger_of(flow)
        rows = self.source.all_matching(api_name, trigger.where, self.fields_for(api_name, trigger))
        started = sum(self._start(flow, api_name, row) for row in rows)
        self.cursors.lease(mark, self.engine.process, now=now, start=now, hold=timedelta(0))
        return started

    def _start(self, flow: Flow, api_name: str, row: dict[str, Any]) -> bool:
        stamp = parse_stamp(str(row["SystemModstamp"]))
        event = TriggerEvent(
            kind=SALESFORCE_RECORD,
            key=record_key(str(row["Id"]), stamp),
            variables={"record": row, "object": api_name},
            flow=flow.name,
        )
        return self.engine.start(flow, event) is not None


def record_poller(engine: FlowEngine) -> RecordPoller:
    """The poller of a running sfbot: REST queries through the engine's connection."""
    ctx = engine.ctx
    return RecordPoller(
        engine,
        SoqlPollingSource(ctx),
        RecordCursorStore(ctx.db),
        lambda api_name: list(ctx.metadata.describe(api_name).fields),
    )
