"""``GET /healthz`` (the process answers) and ``GET /readyz`` (it can do its work now).

Ready means: the database answers, its schema is at the migrations' head, the Salesforce
connection is usable as far as this process knows without calling Salesforce (the stored
connection exists and no call has found its token refused or the org unreachable; a probe never
costs an API call), and the process is not shutting down. Otherwise 503 with the reasons, so a
load balancer or orchestrator stops sending it work. Both are unauthenticated: states and
reason codes only, never an org id, a username or an error's text.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from actions.connect import connection_status
from bot.services import Services
from storage.db import Database


@functools.cache
def head_revision() -> str | None:
    """The migrations' head, read once (the scripts do not change while sfbot runs)."""
    return Database.head_revision()


@dataclass
class Readiness:
    ready: bool
    checks: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"ready": self.ready, "reasons": self.reasons, "checks": self.checks}


def readiness(services: Services, draining: threading.Event | None = None) -> Readiness:
    result = Readiness(ready=True)

    def refuse(reason: str) -> None:
        result.ready = False
        result.reasons.append(reason)

    if draining is not None and draining.is_set():
        refuse("shutting_down")
    try:
        current = services.actions.db.current_revision()
    except SQLAlchemyError:
        result.checks["database"] = "unreachable"
        refuse("database_unreachable")
    else:
        result.checks["database"] = "ok"
        result.checks["migrations"] = {"current": current, "head": head_revision()}
        if current != head_revision():
            refuse("migrations_pending")
    if result.checks["database"] == "ok":
        try:
            status = connection_status(services.actions, live=False)
        except SQLAlchemyError:
            refuse("database_unreachable")
            return result
        result.checks["salesforce"] = {"connected": status.connected, "reason": status.reason}
        if not status.connected:
            refuse(f"salesforce_{status.reason or 'not_connected'}")
    return result
