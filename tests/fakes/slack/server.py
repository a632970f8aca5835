"""FakeSlack: an in-process HTTP stand-in for the Slack Web API and response_urls.

Wire facts used here (see also the per-method citations in ``webapi.py``, and how a Web API
request is read and refused in ``api_requests.py``):
* What Slack refuses because the app is wrong (unknown method, bad token or JSON, missing
  scope, bad arguments or blocks) is answered as Slack does AND kept in ``invalid_calls``,
  which fails any end-to-end test (tests/e2e/conftest.py).
* Triggers expire in three seconds and may be used once: https://api.slack.com/docs/triggers
* response_url: up to 5 uses within 30 minutes:
  https://docs.slack.dev/interactivity/handling-user-interaction#message_responses
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import api_requests, objects, responses, scopes, socket_mode
from .fixtures_links import LinkFixtures
from .people import PeopleActions


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries Content-Length
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.fake._dispatch(
            self.command, self.path, self.headers, body
        )
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve


STARTED: list[FakeSlack] = []  # every FakeSlack started in this process (tests/e2e/conftest.py)


class FakeSlack(PeopleActions, LinkFixtures):
    def __init__(
        self,
        bot_token: str = "xoxb-test",
        team_id: str = "T0001",
        bot_user_id: str = "U0BOT",
        *,
        team_name: str = "Fake Team",
        team_domain: str = "fake-team",
        bot_id: str = "B0BOT",
        app_id: str = "A0FAKEAPP",
        bot_name: str = "sfbot",
        clock: Callable[[], float] | None = None,
        granted_scopes: Iterable[str] | None = None,
    ):
        self.bot_token, self.team_id, self.bot_user_id = bot_token, team_id, bot_user_id
        self.team_name, self.team_domain = team_name, team_domain
        self.bot_id, self.app_id, self.bot_name = bot_id, app_id, bot_name
        self.clock = clock or time.time
        # the bot token's scopes: manifest.yml's unless given (see scopes.py)
        self.scopes = frozenset(
            scopes.manifest_scopes() if granted_scopes is None else granted_scopes
        )
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self.calls: list[dict] = []
        self.invalid_calls: list[dict] = []
        self.responses: list[dict] = []
        self.response_urls: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.channels: dict[str, dict] = {}
        self.channel_messages: dict[str, list[dict]] = {}
        self.ephemerals: list[dict] = []
        self.views: dict[str, dict] = {}
        self.view_stacks: dict[str, list[str]] = {}  # root view id -> stack of view ids
        self.home_views: dict[str, str] = {}  # user id -> view id
        self.external_ids: dict[str, str] = {}
        self.view_owner: dict[str, str] = {}  # view id -> user id
        self.triggers: dict[str, dict] = {}
        self._rate: dict[tuple[str, str | None], dict] = {}
        self._fail: dict[str, list[dict]] = {}
        self._seq = 0
        self._httpd: ThreadingHTTPServer | None = None
        self.init_link_fixtures()
        self.socket_mode: socket_mode.SocketModeServer | None = None
        self.add_user(bot_user_id, bot_name)
        self.users[bot_user_id]["is_bot"] = True

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> FakeSlack:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.fake = self  # type: ignore[attr-defined]
        threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="fake-slack", daemon=True
        ).start()
        self._httpd = httpd
        STARTED.append(self)
        return self

    def stop(self) -> None:
        if self.events is not None:
            self.events.stop()
        if self.socket_mode is not None:
            self.socket_mode.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "FakeSlack.start() first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------------ fixtures
    def add_user(
        self,
        user_id: str,
        name: str,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "America/New_York",
        tz_offset: int = -18000,
        *,
        real_name: str | None = None,
        email: str | None = None,
        tz_label: str = "Eastern Standard Time",
        guest: str | None = None,
    ) -> dict:
        """User object as in https://docs.slack.dev/reference/objects/user-object"""
        user = objects.user_object(
            self.team_id,
            user_id,
            name,
            is_admin,
            is_owner,
            tz,
            tz_offset,
            tz_label,
            real_name or name,
            email or f"{name}@example.com",
            int(self.clock()),
            guest,
        )
        with self._lock:
            self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        is_member: bool = True,
        *,
        is_private: bool = False,
        members: list[str] | None = None,
        external: bool = False,
    ) -> dict:
        """Conversation object: https://docs.slack.dev/reference/objects/conversation-object
        ``members=None`` means every known user is a member; ``external``: Slack Connect."""
        chan = objects.channel_object(
            channel_id, name, is_member, is_private, self.bot_user_id, int(self.clock()), external
        )
        with self._lock:
            self.channels[channel_id] = chan
            chan["_members"] = members
            self.channel_messages.setdefault(channel_id, [])
        return chan

    def enable_socket_mode(
        self, app_token: str, scopes: Iterable[str] = (socket_mode.APP_TOKEN_SCOPE,)
    ) -> socket_mode.SocketModeServer:
        """Turn Socket Mode on with this app-level token (see socket_mode.py)."""
        return socket_mode.enable(self, app_token, frozenset(scopes))

    def is_channel_member(self, channel_id: str, user_id: str) -> bool:
        members = self.channels.get(channel_id, {}).get("_members")
        return members is None or user_id in members

    # --------------------------------------------------------------- inspection
    def calls_to(self, method: str) -> list[dict]:
        with self._lock:
            return [c for c in self.calls if c["method"] == method]

    def messages(self, channel_id: str) -> list[dict]:
        """Messages now visible in a channel, oldest first."""
        with self._lock:
            return list(self.channel_messages.get(channel_id, []))

    def wait_for(
        self,
        method: str,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 5.0,
        after: int = 0,
    ) -> dict:
        """Block until a call to ``method`` (with index >= ``after``) matches ``predicate``."""
        return self._wait(
            self.calls, lambda c: c["method"] == method, predicate, timeout, after, method
        )

    def wait_for_response(
        self, predicate: Callable[[dict], bool] | None = None, timeout: float = 5.0, after: int = 0
    ) -> dict:
        """Block until a POST to a response_url matches ``predicate``."""
        return self._wait(self.responses, lambda r: True, predicate, timeout, after, "response_url")

    def _wait(self, items, base, predicate, timeout, after, label) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for item in items[after:]:
                    if base(item) and (predicate is None or predicate(item)):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching {label} within {timeout}s")
                self._cond.wait(left)

    def assert_no_invalid_calls(self) -> None:
        with self._lock:
            if self.invalid_calls:
                lines = [f"{c['method']}: {c.get('invalid')}" for c in self.invalid_calls]
                raise AssertionError("invalid payloads sent to Slack:\n" + "\n".join(lines))

    # ------------------------------------------------------------ test controls
    def issue_trigger_id(self, user_id: str | None = None, view_id: str | None = None) -> str:
        """A trigger_id in Slack's documented shape (``12345.98765.abcd2358fdea``)."""
        tid = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        with self._lock:
            self.triggers[tid] = {
                "issued": self.clock(),
                "user_id": user_id,
                "view_id": view_id,
                "used": False,
            }
        return tid

    def rate_limit(self, method: str, channel: str | None = None, per_second: float = 1.0) -> None:
        with self._lock:
            self._rate[(method, channel)] = {"interval": 1.0 / per_second, "last": None}

    def fail_next(
        self, method: str, error: str = "ratelimited", status: int = 429, retry_after: int = 1
    ) -> None:
        """The next call to ``method`` fails; ``"response_url"`` fails the next POST to any
        response_url (e.g. status=500: Slack's hooks do answer 5xx at times)."""
        with self._lock:
            self._fail.setdefault(method, []).append(
                {"error": error, "status": status, "retry_after": retry_after}
            )

    def new_response_url(
        self,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        rid = secrets.token_hex(12)
        with self._lock:
            self.response_urls[rid] = {
                "channel_id": channel_id,
                "user_id": user_id,
                "message_ts": message_ts,
                "issued": self.clock(),
                "uses": 0,
            }
        return f"{self.base_url}/response/{rid}"

    # ------------------------------------------------------------------ helpers
    def next_ts(self) -> str:
        with self._lock:
            self._seq += 1
            return f"{int(self.clock())}.{self._seq:06d}"

    def new_id(self, prefix: str) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return prefix + "".join(secrets.choice(alphabet) for _ in range(10))

    def invalid(self, call: dict, error: str, messages: list[str], **extra: Any) -> dict:
        """Record a payload Slack would reject and build the documented error body."""
        call["invalid"] = messages
        self.invalid_calls.append(call)
        body: dict[str, Any] = {"ok": False, "error": error, **extra}
        if error == "invalid_blocks":
            body["errors"] = [m.removeprefix("[ERROR] ") for m in messages]
        body["response_metadata"] = {"messages": messages}
        return body

    # ----------------------------------------------------------------- dispatch
    def _dispatch(self, verb: str, path: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        parts = urlsplit(path)
        if parts.path.startswith("/api/"):
            return api_requests.handle_call(
                self, parts.path[len("/api/") :], verb, parts.query, headers, body
            )
        if parts.path.startswith("/response/") and verb == "POST":
            return self._response_post(parts.path[len("/response/") :], headers, body)
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def _response_post(self, rid: str, headers: Any, body: bytes):
        return responses.handle_post(self, rid, body)
