"""A short cache of looked-up records, so a link pasted in ten channels costs one lookup.

At most one Salesforce call per distinct record per ``ttl`` (a minute): concurrent misses
for the same record wait for the first caller's answer instead of asking again. A record
that does not exist (or that the integration user cannot see) is remembered as None; a
failed lookup is not remembered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from actions.lookup_record import RecordSummary

RECORD_CACHE_SECONDS = 60.0
MAX_ENTRIES = 5000


@dataclass
class RecordCache:
    ttl: float = RECORD_CACHE_SECONDS
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, tuple[float, RecordSummary | None]] = field(default_factory=dict)
    _inflight: dict[str, threading.Lock] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _fresh(self, record_id: str) -> tuple[bool, RecordSummary | None]:
        with self._lock:
            hit = self._entries.get(record_id)
            if hit is not None and self.clock() - hit[0] < self.ttl:
                return True, hit[1]
            return False, None

    def get(
        self, record_id: str, fetch: Callable[[str], RecordSummary | None]
    ) -> RecordSummary | None:
        found, record = self._fresh(record_id)
        if found:
            return record
        with self._lock:
            gate = self._inflight.setdefault(record_id, threading.Lock())
        with gate:
            found, record = self._fresh(record_id)  # another caller may have just fetched it
            if found:
                return record
            record = fetch(record_id)
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._drop_stale()
                self._entries[record_id] = (self.clock(), record)
                self._inflight.pop(record_id, None)
            return record

    def _drop_stale(self) -> None:
        now = self.clock()
        for key in [k for k, (at, _r) in self._entries.items() if now - at >= self.ttl]:
            del self._entries[key]
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
