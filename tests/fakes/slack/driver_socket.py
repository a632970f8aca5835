"""SocketModeDriver: SlackDriver's requests sent as Socket Mode envelopes instead of HTTP.

What Slack would POST (a slash command's form, an interaction's ``payload`` field, an Events
API ``event_callback``) becomes the ``payload`` of a ``slash_commands``, ``interactive`` or
``events_api`` envelope on one of the app's sockets (socket_mode.py cites the protocol). The
app's ack on the socket stands in for the HTTP answer: a ``requests.Response`` with status 200
and the ack's ``payload`` as its JSON body, so every check SlackDriver makes of an ack (the
message a command answers with, a view submission's ``response_action``, options) applies
unchanged. No ack within the driver's timeout is status 504; ``ack_in_time`` is the 3 s rule.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import requests

from .driver import ACK_DEADLINE, SlackDriver
from .socket_envelopes import Envelope
from .socket_mode import SocketModeServer

NO_ACK = 504


class SocketModeDriver(SlackDriver):
    def __init__(self, fake: Any, *, timeout: float = 10.0):
        assert fake.socket_mode is not None, "FakeSlack.enable_socket_mode() first"
        super().__init__("socket-mode", "", fake, timeout=timeout)
        self.server: SocketModeServer = fake.socket_mode
        self.envelopes: list[Envelope] = []

    def send(
        self,
        raw_body: bytes,
        content_type: str,
        timestamp: int | str | None = None,
        signature: str | None = None,
        headers: dict | None = None,
    ) -> requests.Response:
        env = self._envelope(raw_body, content_type, headers or {})
        return self.deliver(env)

    def deliver(self, env: Envelope, avoid: int | None = None) -> requests.Response:
        """Send ``env`` (a new one, or one sent before: Slack re-sending it) and wait for
        its ack (``avoid``: another socket than this one, if there is one)."""
        self.envelopes.append(env)
        ack = self.server.deliver(env, self.timeout, avoid=avoid)
        r = requests.Response()
        r.status_code = NO_ACK if ack is None else 200
        r._content = b"" if ack is None or ack.payload is None else json.dumps(ack.payload).encode()
        r.headers["Content-Type"] = "application/json"
        r.elapsed = timedelta(seconds=self.timeout if ack is None else ack.elapsed)
        r.ack_in_time = ack is not None and ack.in_time and ack.elapsed < ACK_DEADLINE  # type: ignore[attr-defined]
        r.envelope = env  # type: ignore[attr-defined]
        r.socket_ack = ack  # type: ignore[attr-defined]
        return r

    def resend(
        self, env: Envelope, reason: str = "timeout", *, other_socket: bool = False
    ) -> requests.Response:
        """Slack sending an envelope again (``retry_attempt`` + 1), on another socket than
        the last one if ``other_socket``."""
        env.retry_attempt += 1
        env.retry_reason = reason
        return self.deliver(env, avoid=env.connection if other_socket else None)

    def _envelope(self, raw_body: bytes, content_type: str, headers: dict) -> Envelope:
        if content_type.startswith("application/json"):
            body = json.loads(raw_body)
            if body.get("type") != "event_callback":
                raise ValueError(f"Socket Mode carries no {body.get('type')!r} requests")
            env = self.server.new_envelope("events_api", body)
            if "X-Slack-Retry-Num" in headers:
                env.retry_attempt = int(headers["X-Slack-Retry-Num"])
                env.retry_reason = "timeout"
            return env
        form = {k: v[0] for k, v in parse_qs(raw_body.decode(), keep_blank_values=True).items()}
        if "payload" in form:
            return self.server.new_envelope("interactive", json.loads(form["payload"]))
        return self.server.new_envelope("slash_commands", form)
