"""Slack's side of Socket Mode for FakeSlack: apps.connections.open and the WebSocket server.

Wire facts (https://api.slack.com/apis/socket-mode,
https://api.slack.com/apis/connections/socket-implement,
https://api.slack.com/methods/apps.connections.open, and slack_sdk's client:
slack_sdk/socket_mode/client.py, request.py, response.py):
* ``apps.connections.open`` takes an app-level token (``xapp-``) with ``connections:write``;
  any other token type is refused (``not_allowed_token_type``), an unknown one is
  ``invalid_auth``, one without the scope ``missing_scope``. It answers ``{"ok": true, "url":
  "wss://wss-primary.slack.com/link/?ticket=...&app_id=..."}``; here ``ws://127.0.0.1:PORT/link/
  ?ticket=...&app_id=...`` on loopback. A ticket opens one socket (a reconnect asks for a new URL).
* On connect Slack sends ``{"type": "hello", "num_connections": N, "debug_info": {"host",
  "build_number", "approximate_connection_time"}, "connection_info": {"app_id"}}``.
* Then envelopes ``{"envelope_id", "type": "slash_commands" | "interactive" | "events_api",
  "payload", "accepts_response_payload"}``; ``events_api`` ones also carry ``retry_attempt``
  and ``retry_reason`` (``"timeout"`` when retried). The app acks on the socket within 3 s with
  ``{"envelope_id": ..., "payload"?: ...}``; a payload only where ``accepts_response_payload``
  (slash commands: the message; view_submission: ``response_action``; block_suggestion: the
  options). Slack's own SDKs send an ack on whichever socket is current after a reconnect, so
  an ack is accepted on any of the app's open sockets.
* An app may hold up to 10 sockets; Slack sends each envelope to ONE of them.
* Slack refreshes sockets every few hours: ``{"type": "disconnect", "reason": "warning", ...}``
  about 10 s before, then ``{"type": "disconnect", "reason": "refresh_requested", ...}``, and
  closes the socket; the app opens a new one (apps.connections.open again).

What is retried: an ``events_api`` envelope that is not acked in 3 s is re-sent (same
envelope_id, ``retry_attempt`` + 1, ``retry_reason: "timeout"``) on Slack's Events API schedule
by ``SocketEventSubscription`` (socket_envelopes.py; the schedule lives in events_api.py). Slash commands and
interactions are not retried: the user sees an error after 3 s and may try again (the driver
reports ``ack_in_time = False``).

This module holds the sockets, a single delivery attempt and the test controls (refresh, drop,
lose an ack or an envelope); driver_socket.py turns SlackDriver's requests into envelopes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from . import socket_envelopes
from .socket_envelopes import Ack, Envelope

ACK_TIMEOUT = 3.0
MAX_CONNECTIONS = 10
APP_TOKEN_SCOPE = "connections:write"
# interaction types whose ack may carry a payload (the HTTP ack body's equivalents)
RESPONSE_PAYLOAD_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


@dataclass
class Socket:
    number: int
    conn: ServerConnection
    opened: float
    refreshing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: list[str] = field(default_factory=list)  # envelope ids sent on this socket

    def send(self, message: dict) -> bool:
        try:
            with self.lock:
                self.conn.send(json.dumps(message))
            return True
        except (ConnectionClosed, OSError):
            return False

    def drop(self) -> None:
        """The network goes away: no close frame, the TCP connection is cut."""
        with contextlib.suppress(OSError):
            self.conn.socket.shutdown(socket.SHUT_RDWR)


class SocketModeServer:
    """The app's Socket Mode endpoint. ``FakeSlack.enable_socket_mode`` creates and starts it."""

    def __init__(self, fs: Any, app_token: str, scopes: frozenset[str]):
        self.fs, self.app_token, self.scopes = fs, app_token, scopes
        self.ack_timeout = ACK_TIMEOUT
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._sockets: dict[int, Socket] = {}
        self._numbers = itertools.count(1)
        self._next = 0  # round robin over open sockets
        self.opened: list[int] = []  # socket numbers, in the order they connected
        self.envelopes: dict[str, Envelope] = {}
        self.acks: list[Ack] = []
        self.invalid: list[dict] = []
        self._waiting: dict[str, float] = {}  # envelope id -> when its attempt was sent
        self._lose_acks = 0
        self._lose_envelopes = 0
        self._server: Server | None = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> SocketModeServer:
        self._server = serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,
            ping_interval=None,  # the client pings (slack_sdk every 10 s); pongs are automatic
        )
        threading.Thread(
            target=self._server.serve_forever, name="fake-slack-socket-mode", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        for sock in self.open_sockets():
            sock.drop()
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.socket.getsockname()[1])

    # ------------------------------------------------------ apps.connections.open
    def connections_open(self, token: str | None) -> dict:
        """https://api.slack.com/methods/apps.connections.open"""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        if APP_TOKEN_SCOPE not in self.scopes:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": APP_TOKEN_SCOPE,
                "provided": ",".join(sorted(self.scopes)),
            }
        ticket = str(uuid.uuid4())
        with self._cond:
            self._tickets.add(ticket)
        url = f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.fs.app_id}"
        return {"ok": True, "url": url}

    def _check_ticket(self, conn: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._cond:
            if parts.path != "/link/" or ticket not in self._tickets:
                return conn.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
            self._tickets.discard(ticket)
            if len(self.open_sockets()) >= MAX_CONNECTIONS:
                return conn.respond(HTTPStatus.TOO_MANY_REQUESTS, "too many websockets\n")
        return None

    # ------------------------------------------------------------------ sockets
    def _handle(self, conn: ServerConnection) -> None:
        with self._cond:
            sock = Socket(next(self._numbers), conn, time.monotonic())
            self._sockets[sock.number] = sock
            self.opened.append(sock.number)
            count = len(self.open_sockets())
            self._cond.notify_all()
        sock.send(
            {
                "type": "hello",
                "num_connections": count,
                "debug_info": {
                    "host": f"applink-fake-{sock.number}",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.fs.app_id},
            }
        )
        try:
            for message in conn:
                self._on_message(sock, message)
        except (ConnectionClosed, OSError):
            pass
        finally:
            with self._cond:
                self._sockets.pop(sock.number, None)
                self._cond.notify_all()

    def open_sockets(self) -> list[Socket]:
        with self._cond:
            return [s for s in self._sockets.values() if not s.refreshing]

    def wait_connections(self, count: int, timeout: float = 30.0, opened: int = 0) -> None:
        """Block until ``count`` sockets are open (and at least ``opened`` were ever opened)."""
        self._wait(
            lambda: len(self.open_sockets()) >= count and len(self.opened) >= opened,
            timeout,
            f"{count} open sockets",
        )

    def _wait(self, check: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not check():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {what} within {timeout}s")
                self._cond.wait(min(left, 0.2))

    # ------------------------------------------------------------- test controls
    def refresh(self, grace: float = 1.0) -> None:
        """What Slack does every few hours: warn, ask for a refresh, close after ``grace``."""
        socks = self.open_sockets()
        for sock in socks:
            sock.send(self._disconnect(sock, "warning"))
        with self._cond:
            for sock in socks:
                sock.refreshing = True  # no new envelopes go to it
        for sock in socks:
            sock.send(self._disconnect(sock, "refresh_requested"))

        def close_later() -> None:
            time.sleep(grace)
            for sock in socks:
                with contextlib.suppress(Exception):
                    sock.conn.close()

        threading.Thread(target=close_later, daemon=True).start()

    @staticmethod
    def _disconnect(sock: Socket, reason: str) -> dict:
        return {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": f"applink-fake-{sock.number}"},
        }

    def drop(self) -> None:
        """Every socket is cut without a close frame (a network failure)."""
        socks = self.open_sockets()
        with self._cond:
            for sock in socks:
                sock.refreshing = True
        for sock in socks:
            sock.drop()

    def lose_next_acks(self, count: int = 1) -> None:
        """The next acks never reach Slack: each is ignored and its socket cut."""
        with self._cond:
            self._lose_acks += count

    def lose_next_envelopes(self, count: int = 1) -> None:
        """The next envelopes are lost on the way: each one's socket is cut instead."""
        with self._cond:
            self._lose_envelopes += count

    # ----------------------------------------------------------------- delivery
    def new_envelope(self, kind: str, payload: dict) -> Envelope:
        accepts = kind == "slash_commands" or (
            kind == "interactive" and payload.get("type") in RESPONSE_PAYLOAD_INTERACTIONS
        )
        env = Envelope(str(uuid.uuid4()), kind, payload, accepts)
        with self._cond:
            self.envelopes[env.envelope_id] = env
        return env

    def deliver(
        self, env: Envelope, timeout: float | None = None, *, avoid: int | None = None
    ) -> Ack | None:
        """One attempt: send the envelope on one open socket (waiting up to ``timeout`` for
        one) and wait up to ``timeout`` for its ack (``Ack.in_time``: within Slack's 3 s);
        None when none came. ``avoid``: not on this socket if another one is open."""
        timeout = self.ack_timeout if timeout is None else timeout
        started = time.monotonic()
        with self._cond:
            self._waiting[env.envelope_id] = started
        try:
            sock = self._pick(started + timeout, avoid)
            if sock is None:
                return None
            env.connection = sock.number
            with self._cond:
                sock.received.append(env.envelope_id)
                lose = self._lose_envelopes > 0
                self._lose_envelopes -= 1 if lose else 0
            if lose or not sock.send(env.frame()):
                sock.drop()
                return self._ack_for(env, started, 0.0)
            return self._ack_for(env, started, started + timeout - time.monotonic())
        finally:
            with self._cond:
                self._waiting.pop(env.envelope_id, None)

    def _pick(self, deadline: float, avoid: int | None = None) -> Socket | None:
        with self._cond:
            while True:
                socks = sorted(self.open_sockets(), key=lambda s: s.number)
                socks = [s for s in socks if s.number != avoid] or socks
                if socks:
                    self._next += 1
                    return socks[self._next % len(socks)]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 0.2))

    def _ack_for(self, env: Envelope, started: float, wait: float) -> Ack | None:
        deadline = time.monotonic() + max(wait, 0.0)
        with self._cond:
            while True:
                for ack in self.acks:
                    if ack.envelope_id == env.envelope_id and ack.received_at >= started:
                        return ack
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 0.2))

    def _on_message(self, sock: Socket, message: str | bytes) -> None:
        try:
            body = json.loads(message)
        except (ValueError, UnicodeDecodeError):
            self._invalid(sock, message, "not JSON")
            return
        if not isinstance(body, dict) or not isinstance(body.get("envelope_id"), str):
            self._invalid(sock, message, "an ack needs an envelope_id")
            return
        now = time.monotonic()
        with self._cond:
            env = self.envelopes.get(body["envelope_id"])
            if env is None:
                self._invalid(sock, message, "unknown envelope_id")
                return
            if self._lose_acks > 0:
                self._lose_acks -= 1
                sock.drop()
                return
            sent = self._waiting.get(env.envelope_id)
            problems = self._ack_problems(env, body)
            ack = Ack(
                envelope_id=env.envelope_id,
                connection=sock.number,
                payload=body.get("payload"),
                elapsed=(now - sent) if sent is not None else -1.0,
                in_time=sent is not None and now - sent <= self.ack_timeout,
                received_at=now,
                problems=problems,
            )
            self.acks.append(ack)
            if problems:
                self._invalid(sock, message, "; ".join(problems))
            self._cond.notify_all()

    @staticmethod
    def _ack_problems(env: Envelope, body: dict) -> list[str]:
        problems = [f"unexpected field {k!r}" for k in body if k not in ("envelope_id", "payload")]
        if "payload" in body and not env.accepts_response_payload:
            problems.append(f"{env.type} envelope does not accept a response payload")
        if "payload" in body and not isinstance(body["payload"], dict):
            problems.append("payload must be an object")
        return problems

    def _invalid(self, sock: Socket, message: Any, problem: str) -> None:
        entry = {"method": "socket_mode:ack", "args": str(message)[:500], "invalid": [problem]}
        with self._cond:
            self.invalid.append(entry)
        with self.fs._lock:
            self.fs.invalid_calls.append(entry)

    def subscribe_events(self, **options: Any) -> socket_envelopes.SocketEventSubscription:
        """Events API deliveries over these sockets (options as EventSubscription's)."""
        return socket_envelopes.subscribe(self.fs, **options)

    # --------------------------------------------------------------- inspection
    def acks_of(self, envelope_id: str) -> list[Ack]:
        with self._cond:
            return [a for a in self.acks if a.envelope_id == envelope_id]


def connections_open(fs: Any, token: str | None) -> dict:
    """FakeSlack's apps.connections.open (refused as Slack does when Socket Mode is off)."""
    server: SocketModeServer | None = fs.socket_mode
    if server is None:
        return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
    return server.connections_open(token)


def enable(fs: Any, app_token: str, scopes: frozenset[str]) -> SocketModeServer:
    if fs.socket_mode is not None:
        fs.socket_mode.stop()
    fs.socket_mode = SocketModeServer(fs, app_token, scopes).start()
    return fs.socket_mode
