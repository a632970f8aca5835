"""SlackDriver: sends the app exactly what Slack sends, signed as Slack signs it.

* Signing: ``v0=`` + hex HMAC-SHA256(signing_secret, ``v0:{timestamp}:{raw body}``), headers
  ``X-Slack-Request-Timestamp`` / ``X-Slack-Signature``:
  https://api.slack.com/authentication/verifying-requests-from-slack
* Slash commands: form body (token, team_id, team_domain, channel_id, channel_name, user_id,
  user_name, command, text, api_app_id, is_enterprise_install, response_url, trigger_id):
  https://docs.slack.dev/interactivity/implementing-slash-commands#app_command_handling
* Interactivity: form body with one ``payload`` field holding JSON:
  https://docs.slack.dev/interactivity/handling-user-interaction#payloads
* Events API: JSON ``event_callback`` envelope / ``url_verification``:
  https://docs.slack.dev/apis/events-api#callback-field and
  https://docs.slack.dev/reference/events/url_verification
* Apps must ack within 3 seconds: https://docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import requests

from . import payloads, responses, webapi, webapi_views
from .driver_links import LinkSharing
from .driver_modals import ModalInteractions

ACK_DEADLINE = 3.0


def sign(signing_secret: str, timestamp: str | int, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver(ModalInteractions, LinkSharing):
    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        fake: Any,
        team_id: str | None = None,
        *,
        verification_token: str = "fake-verification-token",
        api_app_id: str | None = None,
        timeout: float = 10.0,
    ):
        self.app_url, self.signing_secret, self.fake = app_url, signing_secret, fake
        self.team_id = team_id or fake.team_id
        self.team_domain = fake.team_domain
        self.api_app_id = api_app_id or fake.app_id
        self.token = verification_token  # deprecated verification token, still sent by Slack
        self.timeout = timeout
        self.session = requests.Session()
        self.acks: list[dict] = []

    # ------------------------------------------------------------------ transport
    def send(
        self,
        raw_body: bytes,
        content_type: str,
        timestamp: int | str | None = None,
        signature: str | None = None,
        headers: dict | None = None,
    ) -> requests.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        hdrs = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(self.signing_secret, ts, raw_body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **(headers or {}),
        }
        r = self.session.post(self.app_url, data=raw_body, headers=hdrs, timeout=self.timeout)
        r.ack_in_time = r.status_code == 200 and r.elapsed.total_seconds() < ACK_DEADLINE  # type: ignore[attr-defined]
        return r

    def _form(self, fields: dict) -> requests.Response:
        return self.send(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def _interactive(self, payload: dict) -> requests.Response:
        r = self._form({"payload": json.dumps(payload)})
        r.payload = payload  # type: ignore[attr-defined]
        return r

    # ------------------------------------------------------------------ identity
    def _user(self, user_id: str) -> dict:
        u = self.fake.users.get(user_id)
        if u is None:
            raise ValueError(f"unknown user {user_id!r}: FakeSlack.add_user() it first")
        return {"id": user_id, "username": u["name"], "name": u["name"], "team_id": self.team_id}

    def _team(self) -> dict:
        return {"id": self.team_id, "domain": self.team_domain}

    def _channel(self, channel_id: str) -> dict:
        chan = self.fake.channels.get(channel_id)
        if chan is None and not channel_id.startswith("D"):
            raise ValueError(f"unknown channel {channel_id!r}: FakeSlack.add_channel() it first")
        return {"id": channel_id, "name": chan["name"] if chan else "directmessage"}

    def _common(self, kind: str, user_id: str) -> dict:
        return {
            "type": kind,
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.token,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _visible_view(self, view: dict) -> dict:
        vid = view.get("id") if isinstance(view, dict) else None
        current = self.fake.views.get(vid or "")
        if current is None:
            raise ValueError(f"view {vid!r} was never opened/published through FakeSlack")
        visible = current["type"] == "home" or webapi_views.open_stack(self.fake, vid) is not None
        if not visible:
            raise ValueError(f"view {vid!r} is closed; the user cannot interact with it")
        return current

    # ---------------------------------------------------------------- ack checks
    def _record_ack(self, kind: str, r: requests.Response, problems: list[str]) -> None:
        entry = {
            "kind": kind,
            "status": r.status_code,
            "body": r.text,
            "elapsed": r.elapsed.total_seconds(),
            "invalid": problems,
        }
        self.acks.append(entry)
        r.ack = entry  # type: ignore[attr-defined]
        if problems:
            with self.fake._lock:
                self.fake.invalid_calls.append(
                    {"method": f"ack:{kind}", "args": r.text, "invalid": problems}
                )

    @staticmethod
    def _json(r: requests.Response) -> Any:
        if not r.content:
            return None
        try:
            return r.json()
        except ValueError:
            return r.text

    def _message_ack(
        self, kind: str, r: requests.Response, channel_id: str | None, user_id: str
    ) -> None:
        """A non-empty 200 body on a command/action ack is shown as a message."""
        body, problems = self._json(r), []
        if isinstance(body, dict) and body:
            problems = responses.check_body(body)
            if not problems and channel_id:
                entry = {"channel_id": channel_id, "user_id": user_id, "message_ts": None}
                with self.fake._lock:
                    webapi.apply_response_url(self.fake, entry, body)
        self._record_ack(kind, r, problems)

    # ---------------------------------------------------------------- requests
    def slash_command(
        self, command: str, text: str = "", *, user_id: str, channel_id: str
    ) -> requests.Response:
        user, chan = self._user(user_id), self._channel(channel_id)
        fields = {
            "token": self.token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": chan["name"],
            "user_id": user_id,
            "user_name": user["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.new_response_url(channel_id, user_id),
            "trigger_id": self.fake.issue_trigger_id(user_id),
        }
        r = self._form(fields)
        r.payload = fields  # type: ignore[attr-defined]
        self._message_ack("slash_command", r, channel_id, user_id)
        return r

    def block_actions(
        self,
        actions: list[dict],
        *,
        user_id: str,
        view: dict | None = None,
        channel_id: str | None = None,
        message: dict | None = None,
        ephemeral: bool = False,
        container: dict | None = None,
        state: dict | None = None,
        trigger_id: str | None = None,
    ) -> requests.Response:
        p = self._common("block_actions", user_id)
        if view is not None:
            current = self._visible_view(view)
            if state:
                with self.fake._lock:
                    current["state"] = payloads.fill_state(current, state)
            blocks = current["blocks"]
            p["container"] = container or {"type": "view", "view_id": current["id"]}
            p["view"] = json.loads(json.dumps(current))
            p["state"] = p["view"]["state"]
        else:
            if not channel_id or message is None:
                raise ValueError("block_actions needs view=... or channel_id=+message=")
            blocks = message.get("blocks") or []
            p["container"] = container or {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            }
            p["channel"] = self._channel(channel_id)
            if not ephemeral:  # ephemeral sources carry no ``message`` field
                p["message"] = message
            p["state"] = {"values": {}}
            p["response_url"] = self.fake.new_response_url(channel_id, user_id, message["ts"])
        resolved = []
        for a in actions:
            blk, el = payloads.find_element(blocks, a["action_id"], a.get("block_id"))
            if el["type"] == "button" and "value" in a and a["value"] != el.get("value"):
                raise ValueError(f"button {a['action_id']!r} carries value {el.get('value')!r}")
            sel = a.get("selected", a.get("value") if el["type"] != "button" else None)
            built = payloads.build_action(blk, el, sel)
            extra = {
                k: v for k, v in a.items() if k not in built and k not in ("selected", "value")
            }
            resolved.append({**extra, **built})
        p["actions"] = resolved
        vid = p["view"]["id"] if view is not None else None
        p["trigger_id"] = trigger_id or self.fake.issue_trigger_id(user_id, view_id=vid)
        r = self._interactive(p)
        self._message_ack("block_actions", r, channel_id, user_id)
        return r

    def click(
        self,
        action_id: str,
        *,
        user_id: str,
        block_id: str | None = None,
        selected: Any = None,
        **where: Any,
    ) -> requests.Response:
        """One action on the element with ``action_id`` (view=... or channel_id=+message=)."""
        act = {"action_id": action_id, **({"block_id": block_id} if block_id else {})}
        if selected is not None:
            act["selected"] = selected
        return self.block_actions([act], user_id=user_id, **where)

    def shortcut(self, callback_id: str, *, user_id: str) -> requests.Response:
        """Global shortcut: https://docs.slack.dev/reference/interaction-payloads/shortcuts-interaction-payload"""
        p = self._common("shortcut", user_id)
        p.update(
            {
                "callback_id": callback_id,
                "trigger_id": self.fake.issue_trigger_id(user_id),
                "action_ts": payloads.action_ts(),
            }
        )
        r = self._interactive(p)
        self._record_ack("shortcut", r, [])
        return r

    def message_action(
        self, callback_id: str, *, message: dict, channel_id: str, user_id: str
    ) -> requests.Response:
        """Message shortcut (type ``message_action``), same reference page as ``shortcut``."""
        p = self._common("message_action", user_id)
        msg = {"type": "message", **message}
        p.update(
            {
                "callback_id": callback_id,
                "trigger_id": self.fake.issue_trigger_id(user_id),
                "action_ts": payloads.action_ts(),
                "message_ts": msg["ts"],
                "message": msg,
                "channel": self._channel(channel_id),
                "response_url": self.fake.new_response_url(channel_id, user_id, msg["ts"]),
            }
        )
        r = self._interactive(p)
        self._message_ack("message_action", r, channel_id, user_id)
        return r

    def event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> requests.Response:
        """Events API ``event_callback`` envelope (retries add X-Slack-Retry-Num/-Reason)."""
        ev = {**event}
        ev.setdefault("event_ts", payloads.action_ts())
        body = {
            "token": self.token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": ev,
            "type": "event_callback",
            "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": bool(
                self.fake.channels.get(ev.get("channel") or "", {}).get("is_ext_shared")
            ),
            "event_context": "4-" + secrets.token_hex(16),
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        r = self.send(json.dumps(body).encode(), "application/json", headers=headers)
        r.payload = body  # type: ignore[attr-defined]
        return r

    def app_home_opened(self, user_id: str, tab: str = "home") -> requests.Response:
        """https://docs.slack.dev/reference/events/app_home_opened -- ``view`` included once
        a Home view has been published."""
        self._user(user_id)
        ev: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id[1:],
            "tab": tab,
        }
        vid = self.fake.home_views.get(user_id)
        if tab == "home" and vid:
            ev["view"] = json.loads(json.dumps(self.fake.views[vid]))
        return self.event(ev)

    def url_verification(self, challenge: str | None = None) -> requests.Response:
        body = {
            "token": self.token,
            "challenge": challenge or secrets.token_urlsafe(24),
            "type": "url_verification",
        }
        r = self.send(json.dumps(body).encode(), "application/json")
        r.payload = body  # type: ignore[attr-defined]
        return r
