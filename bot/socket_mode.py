"""`sfbot run`'s Socket Mode transport: Bolt's built-in handler (slack_sdk's SocketModeClient,
no extra dependency) with one change and plain log lines for operators.

Slack refreshes a socket by sending ``{"type": "disconnect", "reason": "warning"}`` (the socket
closes in about 10 s) and then ``"reason": "refresh_requested"``
(https://api.slack.com/apis/connections/socket-implement#disconnect). slack_sdk's client opens a
new socket on EVERY disconnect message, so a refresh made it reconnect twice: the second
reconnect closed the socket opened a moment before, and an envelope Slack had just sent on it
was lost (a slash command or a modal submission is not re-sent: the user saw an error). Here a
``warning`` is only logged; the new socket is opened once, on ``refresh_requested`` or when the
old socket closes, whichever comes first.

slack_sdk's client does not treat the end of the stream as a closed socket: it noticed a socket
closed without a close frame only by its pings (a pong missing for 4 intervals, or 5 failed
pings in a row), 40-50 s at Bolt's 10 s interval, spinning on the dead socket meanwhile. Here
the session monitor (every ping interval, 3 s) also peeks at the socket: the end of the stream
or a reset closes it and sfbot reconnects at once. A connection that goes silent without even
that (a dead network path) is still found by the pings, within 12-15 s at 3 s.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient

logger = logging.getLogger(__name__)

PING_INTERVAL = 3.0  # seconds (Bolt's SocketModeHandler: 10): see above
CONCURRENCY = 10  # threads handling envelopes, as Bolt's SocketModeHandler


def disconnect_reason(message: str) -> str | None:
    """The reason of a ``disconnect`` message, None for any other message."""
    if '"disconnect"' not in message:
        return None
    try:
        body = json.loads(message)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("type") != "disconnect":
        return None
    return str(body.get("reason") or "unknown")


def peer_closed(sock: socket.socket) -> bool:
    """Has the other end closed this socket (end of stream, reset)? Peeks at the TCP stream
    without reading it (under TLS too), so the client's reader thread loses nothing."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return socket.socket.recv(sock, 1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError, TimeoutError, ValueError):
        return False  # nothing to read after all, or the socket was just replaced
    except OSError:
        return True


class SfbotSocketModeClient(SocketModeClient):
    """slack_sdk's client, reconnecting once per refresh and saying so in the log."""

    def enqueue_message(self, message: str) -> None:
        reason = disconnect_reason(message)
        if reason == "warning":
            logger.info("Slack will close this Socket Mode connection soon (disconnect warning)")
            return
        if reason is not None:
            logger.info("Slack asked for a new Socket Mode connection (%s); reconnecting", reason)
        super().enqueue_message(message)

    def connect(self) -> None:
        super().connect()
        if self.is_connected():
            logger.info("Socket Mode connected (session %s)", self.session_id())

    def _monitor_current_session(self) -> None:
        session = self.current_session
        sock = getattr(session, "sock", None)
        if session is not None and sock is not None and peer_closed(sock):
            logger.info("the Socket Mode connection was closed without a goodbye; reconnecting")
            session.disconnect()
        super()._monitor_current_session()

    def close(self) -> None:
        """A clean stop: cut the socket first, so the reader thread blocked in ``recv`` returns
        now rather than at its receive timeout (seconds), then let slack_sdk close the rest.
        Slack sends new envelopes to the app's other connections and retries an Events API
        envelope left unacked; a command or interaction received in the last milliseconds and
        not yet acked is not retried by Slack (its user sees Slack's timeout message)."""
        self.closed = True
        self.auto_reconnect_enabled = False  # the monitor must not open a new one meanwhile
        sock = getattr(self.current_session, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        super().close()

    def log_close(self, code: int, reason: str | None) -> None:
        """on_close listener: Slack or the network closed a socket."""
        if not self.closed:
            logger.info("a Socket Mode connection closed (code %s); sfbot reconnects", code)


class SfbotSocketModeHandler(SocketModeHandler):
    """Bolt's built-in SocketModeHandler with ``SfbotSocketModeClient``."""

    def __init__(self, app: App, app_token: str, **_: Any):
        self.app = app
        self.app_token = app_token
        self.client = SfbotSocketModeClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=PING_INTERVAL,
            concurrency=CONCURRENCY,
        )
        self.client.on_close_listeners.append(self.client.log_close)
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
