"""Guard rails: runs per flow per minute, and the flows' daily Salesforce API budget.

The budget is a share (default 20%) of the org's daily API limit, which Salesforce reports in
every response (``Sforce-Limit-Info``, kept by the connection) and in ``/limits``. Flows count
the calls their steps make per UTC day in the database, so every replica shares one count.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from actions.context import ActionContext
from actions.errors import ActionError
from storage.flow_ask_store import FlowAskStore

logger = logging.getLogger(__name__)
LIMIT_TTL_SECONDS = 3600.0


class RateLimit:
    """At most ``per_minute`` runs of one flow in any 60 seconds (across processes)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute

    def over_limit_text(self) -> str:
        """A skipped run's error (the claim checks the limit: ``FlowRunStore.claim``)."""
        return f"more than {self.per_minute} runs of this flow in a minute"


class ApiBudget:
    """How many Salesforce calls flows may still make today."""

    def __init__(self, ctx: ActionContext, usage: FlowAskStore, percent: float) -> None:
        self.ctx = ctx
        self.usage = usage
        self.percent = percent
        self._daily_max: tuple[float, int] | None = None
        self._lock = threading.Lock()

    @staticmethod
    def day(now: datetime) -> str:
        return now.astimezone(UTC).date().isoformat()

    def daily_max(self) -> int | None:
        """The org's daily API limit: from the last response, else one call to /limits."""
        try:
            known = self.ctx.connection.current().api_usage_max
        except ActionError:
            known = None
        if known:
            return int(known)
        with self._lock:
            if self._daily_max and time.monotonic() - self._daily_max[0] < LIMIT_TTL_SECONDS:
                return self._daily_max[1]
        try:
            limits = self.ctx.connection.call(lambda sf: sf.limits())
            value = int(((limits or {}).get("DailyApiRequests") or {}).get("Max") or 0) or None
        except ActionError as exc:
            logger.warning("could not read the org's API limits: %s", exc.message)
            return None
        if value:
            with self._lock:
                self._daily_max = (time.monotonic(), value)
        return value

    def allowance(self) -> int | None:
        """Calls flows may make per day; None when the org's limit is unknown (no limit)."""
        daily = self.daily_max()
        return None if daily is None else max(1, int(daily * self.percent / 100))

    def used(self, day: str) -> int:
        return self.usage.api_calls(day)

    def exhausted(self, day: str) -> bool:
        allowance = self.allowance()
        return allowance is not None and self.used(day) >= allowance
