"""Events API deliveries from FakeSlack to the app, as Slack makes them.

* Envelope: ``event_callback`` with token, team_id, api_app_id, event, event_id, event_time,
  authorizations, is_ext_shared_channel, event_context:
  https://docs.slack.dev/apis/events-api#callback-field
* Signed like every request: https://api.slack.com/authentication/verifying-requests-from-slack
* Retries (https://docs.slack.dev/apis/events-api#retries): an answer that is not 2xx, or none
  within 3 seconds, is retried with the SAME event_id up to 3 times, "nearly immediately", then
  after 1 minute, then after 5 minutes, with ``X-Slack-Retry-Num`` (1..3) and
  ``X-Slack-Retry-Reason`` (http_timeout, http_error, connection_failed, ...). A timed-out
  request is retried without waiting for it to finish. An error answer carrying
  ``X-Slack-No-Retry: 1`` is not retried. The delays are configurable so tests stay short.
* Which events are sent: the app's ``bot_events`` subscriptions (default: manifest.yml) with
  their scope granted (scopes.EVENT_SCOPES), for conversations the bot is a member of:
  https://docs.slack.dev/reference/events/message.channels ("A message was posted to a
  channel" the app is in), https://docs.slack.dev/reference/events/reaction_added
* Messages the app itself posts with chat.postMessage are delivered too (they carry the bot's
  ``bot_id``, ``app_id`` and ``user``); the app must ignore them itself.
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

from . import scopes
from .driver import sign

SLACK_RETRY_DELAYS = (0.0, 60.0, 300.0)
ACK_TIMEOUT = 3.0
CHANNEL_TYPE = {"public": "channel", "private": "group", "im": "im", "mpim": "mpim"}
MESSAGE_SUBSCRIPTION = {
    "public": "message.channels",
    "private": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}


@dataclass
class Delivery:
    """One HTTP request Slack made to the app."""

    event_id: str
    event_type: str
    retry_num: int
    status: int | None  # None: no answer in time / no connection
    elapsed: float
    reason: str | None = None  # why it will be retried


@dataclass
class EventSubscription:
    """The app's Request URL and signing secret, and what Slack delivered to it."""

    fs: Any
    url: str
    signing_secret: str
    bot_events: frozenset[str]
    retry_delays: tuple[float, ...] = SLACK_RETRY_DELAYS
    timeout: float = ACK_TIMEOUT
    workers: int = 8
    deliveries: list[Delivery] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)  # envelopes, one per event_id
    _queue: queue.Queue = field(default_factory=queue.Queue)
    _pending: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _stopped: bool = False

    def start(self) -> EventSubscription:
        for n in range(self.workers):
            threading.Thread(target=self._work, name=f"fake-slack-events-{n}", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped = True
        for _ in range(self.workers):
            self._queue.put(None)

    # ----------------------------------------------------------------- sending
    def wants(self, event: dict, chan: dict | None) -> bool:
        """Is the app subscribed to this event (and given the scope it needs)?"""
        if chan is not None and not (chan.get("is_member") or chan.get("is_im")):
            return False
        if event["type"] == "message":
            kind = scopes.conversation_kind(chan or {})
            sub = MESSAGE_SUBSCRIPTION[kind]
        else:
            sub = event["type"]
        scope = scopes.EVENT_SCOPES.get(sub)
        return sub in self.bot_events and (scope is None or scope in self.fs.scopes)

    def send(self, event: dict, *, event_id: str | None = None) -> str:
        """Queue one event for delivery (with Slack's retries); returns its event_id."""
        envelope = self._envelope(event, event_id or "Ev" + secrets.token_hex(6).upper())
        with self._cond:
            self.events.append(envelope)
            self._pending += 1
        self._queue.put((envelope, 0, None))
        return str(envelope["event_id"])

    def _envelope(self, event: dict, event_id: str) -> dict:
        fs = self.fs
        return {
            "token": "fake-verification-token",
            "team_id": fs.team_id,
            "api_app_id": fs.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(float(event.get("event_ts") or time.time())),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": fs.team_id,
                    "user_id": fs.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_hex(16),
        }

    def _work(self) -> None:
        while not self._stopped:
            item = self._queue.get()
            if item is None:
                return
            envelope, retry_num, reason = item
            retry = self._post(envelope, retry_num, reason)
            if retry is not None and retry_num < len(self.retry_delays):
                delay = self.retry_delays[retry_num]
                timer = threading.Timer(
                    delay, self._queue.put, args=((envelope, retry_num + 1, retry),)
                )
                timer.daemon = True
                timer.start()
                continue
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def _post(self, envelope: dict, retry_num: int, reason: str | None) -> str | None:
        """POST one attempt; the retry reason if Slack would retry, else None."""
        body = json.dumps(envelope).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(self.signing_secret, ts, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if retry_num:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason})
        started = time.monotonic()
        status, again = None, None
        try:
            r = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
            status = r.status_code
            if not 200 <= status < 300 and r.headers.get("X-Slack-No-Retry") != "1":
                again = "http_error"
        except requests.Timeout:
            again = "http_timeout"
        except requests.ConnectionError:
            again = "connection_failed"
        delivery = Delivery(
            event_id=envelope["event_id"],
            event_type=envelope["event"]["type"],
            retry_num=retry_num,
            status=status,
            elapsed=time.monotonic() - started,
            reason=again,
        )
        with self._cond:
            self.deliveries.append(delivery)
            self._cond.notify_all()
        return again

    # -------------------------------------------------------------- inspection
    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until every queued event was delivered or gave up retrying."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self._pending} events still being delivered")
                self._cond.wait(left)

    def attempts(self, event_id: str) -> list[Delivery]:
        with self._cond:
            return [d for d in self.deliveries if d.event_id == event_id]


def deliver_all(
    subscription: EventSubscription | None, events: Iterable[tuple[dict, dict]]
) -> None:
    """Queue ``(event, channel)`` pairs the app is subscribed to (none when unsubscribed)."""
    if subscription is None:
        return
    for event, chan in events:
        if subscription.wants(event, chan):
            subscription.send(event)


def channel_type(chan: dict) -> str:
    return CHANNEL_TYPE[scopes.conversation_kind(chan)]
