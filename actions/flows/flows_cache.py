"""The applied flows, parsed once and kept in memory; re-read when any process changes one."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from actions.flows.loader import FlowFileError, parse_document
from actions.flows.model import FlowDefinition
from storage.flow_store import FlowStore, StoredFlow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Flow:
    """A stored flow: its definition plus what the database keeps about it."""

    id: int
    name: str
    owner: str
    enabled: bool
    version: int
    definition: FlowDefinition
    # scheduled times count from here (apply, enable): no backlog is replayed
    active_since: datetime | None = None

    @property
    def trigger_kind(self) -> str:
        return self.definition.trigger_kind

    @classmethod
    def of(cls, stored: StoredFlow) -> Flow:
        return cls(
            id=stored.id,
            name=stored.name,
            owner=stored.owner_user_id,
            enabled=stored.enabled,
            version=stored.version,
            definition=parse_document(stored.document, stored.name),
            active_since=stored.active_since,
        )


class FlowsCache:
    """``flows()`` costs one small query every ``refresh_seconds`` at most (ids and versions);
    definitions are re-parsed only when their version changed."""

    def __init__(self, store: FlowStore, refresh_seconds: float = 2.0) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._flows: dict[int, Flow] = {}
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._checked = float("-inf")

    def flows(self) -> list[Flow]:
        with self._lock:
            if time.monotonic() - self._checked >= self.refresh_seconds:
                self._refresh()
            return list(self._flows.values())

    def _refresh(self) -> None:
        versions = self.store.versions()
        stale = {
            i for i, v in versions.items() if i not in self._flows or self._flows[i].version != v
        }
        for flow_id in list(self._flows):
            if flow_id not in versions:
                del self._flows[flow_id]
        for flow_id in stale:
            stored = self.store.get_by_id(flow_id)
            if stored is None:
                self._flows.pop(flow_id, None)
                continue
            try:
                self._flows[flow_id] = Flow.of(stored)
            except FlowFileError as exc:  # applied by an older sfbot: it stays off
                logger.warning("flow %s cannot be loaded: %s", stored.name, "; ".join(exc.lines()))
                self._flows.pop(flow_id, None)
        self._checked = time.monotonic()
