"""Socket Mode envelopes and acks, and Events API deliveries over Socket Mode, for the fake
Slack's Socket Mode server (socket_mode.py cites the protocol)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import events_api, scopes

if TYPE_CHECKING:
    from .socket_mode import SocketModeServer


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: dict
    accepts_response_payload: bool
    retry_attempt: int = 0
    retry_reason: str = ""
    connection: int | None = None  # which socket it was last sent on

    def frame(self) -> dict:
        body: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            body.update(retry_attempt=self.retry_attempt, retry_reason=self.retry_reason)
        return body


@dataclass
class Ack:
    envelope_id: str
    connection: int
    payload: dict | None
    elapsed: float  # since the attempt was sent; -1 when no attempt was waiting for it
    in_time: bool
    received_at: float  # time.monotonic()
    problems: list[str] = field(default_factory=list)


def subscribe(fs: Any, **options: Any) -> SocketEventSubscription:
    """Events API over Socket Mode (default subscriptions: manifest.yml's bot_events)."""
    assert fs.socket_mode is not None, "FakeSlack.enable_socket_mode() first"
    if fs.events is not None:
        fs.events.stop()
    sub = SocketEventSubscription(
        fs=fs,
        url="socket-mode",
        signing_secret="",
        bot_events=options.pop("bot_events", None) or scopes.manifest_bot_events(),
        **options,
    )
    sub.server = fs.socket_mode
    fs.events = sub.start()
    return sub


class SocketEventSubscription(events_api.EventSubscription):
    """Events API deliveries over Socket Mode: each attempt is an ``events_api`` envelope on
    one socket; one not acked in time is retried on Slack's schedule (events_api.py) with the
    same envelope_id, ``retry_attempt`` + 1 and ``retry_reason: "timeout"``."""

    server: SocketModeServer | None = None
    _by_event: dict[str, Envelope] | None = None

    def _post(self, envelope: dict, retry_num: int, reason: str | None) -> str | None:
        assert self.server is not None
        if self._by_event is None:
            self._by_event = {}
        env = self._by_event.get(envelope["event_id"])
        if env is None:
            env = self._by_event[envelope["event_id"]] = self.server.new_envelope(
                "events_api", envelope
            )
        env.retry_attempt, env.retry_reason = retry_num, ("timeout" if retry_num else "")
        started = time.monotonic()
        ack = self.server.deliver(env, self.timeout)
        delivery = events_api.Delivery(
            event_id=envelope["event_id"],
            event_type=envelope["event"]["type"],
            retry_num=retry_num,
            status=200 if ack is not None else None,
            elapsed=time.monotonic() - started,
            reason=None if ack is not None else "timeout",
        )
        with self._cond:
            self.deliveries.append(delivery)
            self._cond.notify_all()
        return delivery.reason
