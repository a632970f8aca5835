"""What people (and other integrations) do in the workspace, and the events Slack sends for it.

Mixed into FakeSlack. Each action changes what the Web API then shows (conversations.history /
conversations.replies) and queues the Events API event(s) the app is subscribed to.

* message event (new message, thread reply with ``thread_ts`` + ``parent_user_id``):
  https://docs.slack.dev/reference/events/message and
  https://docs.slack.dev/messaging/retrieving-messages#finding_threads (a parent carries
  reply_count, reply_users, latest_reply)
* bot_message subtype (integrations, webhooks): https://docs.slack.dev/reference/events/message/bot_message
* message_changed (``hidden``, ``message`` with ``edited``, ``previous_message``):
  https://docs.slack.dev/reference/events/message/message_changed
* message_deleted (``hidden``, ``deleted_ts``, ``previous_message``):
  https://docs.slack.dev/reference/events/message/message_deleted
* reaction_added (``user``, ``reaction`` without colons, ``item_user``, ``item`` {type,
  channel, ts}): https://docs.slack.dev/reference/events/reaction_added
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from . import events_api, scopes
from .util import public

INTEGRATION_BOT_ID = "B0INTEGRAT"
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\bhttps?://[^\s<>|]+")


def as_sent(typed: str) -> str:
    """What a Slack client sends for what a person typed: ``&``, ``<``, ``>`` escaped, and
    email addresses and URLs turned into links (``<mailto:a@b.co|a@b.co>``, ``<https://x>``):
    https://docs.slack.dev/messaging/formatting-message-text#escaping and
    https://docs.slack.dev/messaging/formatting-message-text#linking-urls"""
    text = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    parts = []
    for chunk in re.split(r"(\s+)", text):
        if URL.fullmatch(chunk):
            chunk = f"<{chunk}>"
        else:
            chunk = EMAIL.sub(lambda m: f"<mailto:{m.group(0)}|{m.group(0)}>", chunk)
        parts.append(chunk)
    return "".join(parts)


def rich_text(text: str) -> list[dict]:
    """The rich_text block Slack's clients attach to a typed message."""
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]


class PeopleActions:
    """FakeSlack mixin: people post, reply, edit, delete and react; Slack tells the app."""

    events: events_api.EventSubscription | None = None
    _lock: Any
    _cond: Any
    channels: dict[str, dict]
    channel_messages: dict[str, list[dict]]
    users: dict[str, dict]
    team_id: str
    scopes: frozenset[str]

    def next_ts(self) -> str:  # provided by FakeSlack
        raise NotImplementedError

    # ------------------------------------------------------------ subscription
    def subscribe_events(
        self,
        url: str,
        signing_secret: str,
        *,
        bot_events: frozenset[str] | None = None,
        retry_delays: tuple[float, ...] = events_api.SLACK_RETRY_DELAYS,
        timeout: float = events_api.ACK_TIMEOUT,
    ) -> events_api.EventSubscription:
        """Set the app's Request URL (default subscriptions: manifest.yml's bot_events)."""
        if self.events is not None:
            self.events.stop()
        self.events = events_api.EventSubscription(
            fs=self,
            url=url,
            signing_secret=signing_secret,
            bot_events=bot_events if bot_events is not None else scopes.manifest_bot_events(),
            retry_delays=retry_delays,
            timeout=timeout,
        ).start()
        return self.events

    def _emit(self, event: dict, cid: str) -> None:
        events_api.deliver_all(self.events, [(event, self.channels.get(cid))])

    def _base_event(self, cid: str, ts: str) -> dict[str, Any]:
        chan = self.channels[cid]
        return {"channel": cid, "event_ts": ts, "channel_type": events_api.channel_type(chan)}

    def _find(self, cid: str, ts: str) -> dict:
        for m in self.channel_messages.get(cid, []):
            if m["ts"] == ts:
                return m
        raise ValueError(f"no message {ts} in {cid}")

    # ---------------------------------------------------------------- messages
    def user_posts(
        self, channel_id: str, user_id: str, typed: str, *, thread_ts: str | None = None
    ) -> dict:
        """A person types and sends a message (a thread reply with ``thread_ts``); returns the
        message as Slack stores it (its text formatted by the client, see ``as_sent``)."""
        text = as_sent(typed)
        if user_id not in self.users:
            raise ValueError(f"unknown user {user_id!r}")
        with self._cond:
            if channel_id not in self.channels:
                raise ValueError(f"unknown channel {channel_id!r}")
            ts = self.next_ts()
            msg: dict[str, Any] = {
                "type": "message",
                "user": user_id,
                "text": text,
                "ts": ts,
                "team": self.team_id,
                "client_msg_id": str(uuid.uuid4()),
                "blocks": rich_text(typed),
            }
            if thread_ts:
                parent = self._find(channel_id, thread_ts)
                msg["thread_ts"] = thread_ts
                msg["parent_user_id"] = parent.get("user")
                self._count_reply(parent, user_id, ts)
            self.channel_messages[channel_id].append(msg)
            self._cond.notify_all()
            event = {**public(msg), **self._base_event(channel_id, ts)}
        self._emit(event, channel_id)
        return public(msg)

    @staticmethod
    def _count_reply(parent: dict, user_id: str, ts: str) -> None:
        parent.setdefault("thread_ts", parent["ts"])
        parent["reply_count"] = parent.get("reply_count", 0) + 1
        users = parent.setdefault("reply_users", [])
        if user_id not in users:
            users.append(user_id)
        parent["reply_users_count"] = len(users)
        parent["latest_reply"] = ts

    def integration_posts(
        self,
        channel_id: str,
        text: str,
        *,
        username: str = "Zapier",
        bot_id: str = INTEGRATION_BOT_ID,
    ) -> dict:
        """An integration or incoming webhook posts: a ``bot_message`` with no ``user``."""
        with self._cond:
            ts = self.next_ts()
            msg = {
                "type": "message",
                "subtype": "bot_message",
                "text": text,
                "ts": ts,
                "username": username,
                "bot_id": bot_id,
            }
            self.channel_messages[channel_id].append(msg)
            event = {**copy.deepcopy(msg), **self._base_event(channel_id, ts)}
        self._emit(event, channel_id)
        return copy.deepcopy(msg)

    def user_edits(self, channel_id: str, ts: str, typed: str) -> dict:
        """The author edits a message: ``message_changed``."""
        with self._cond:
            msg = self._find(channel_id, ts)
            previous = public(msg)
            edit_ts = self.next_ts()
            msg["text"] = as_sent(typed)
            msg["blocks"] = rich_text(typed)
            msg["edited"] = {"user": msg.get("user"), "ts": edit_ts}
            event = {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "message": public(msg),
                "previous_message": previous,
                **self._base_event(channel_id, edit_ts),
                "ts": edit_ts,
            }
        self._emit(event, channel_id)
        return event

    def user_deletes(self, channel_id: str, ts: str) -> dict:
        """The author deletes a message: ``message_deleted``."""
        with self._cond:
            msg = self._find(channel_id, ts)
            self.channel_messages[channel_id].remove(msg)
            del_ts = self.next_ts()
            event = {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "deleted_ts": ts,
                "previous_message": public(msg),
                **self._base_event(channel_id, del_ts),
                "ts": del_ts,
            }
        self._emit(event, channel_id)
        return event

    # --------------------------------------------------------------- reactions
    def user_reacts(self, channel_id: str, ts: str, user_id: str, emoji: str) -> dict:
        """A person adds ``emoji`` (a name, no colons) to a message: ``reaction_added``."""
        with self._cond:
            msg = self._find(channel_id, ts)
            reactions = msg.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == emoji), None)
            if entry is None:
                entry = {"name": emoji, "users": [], "count": 0}
                reactions.append(entry)
            if user_id in entry["users"]:
                raise ValueError("Slack refuses the same reaction twice (already_reacted)")
            entry["users"].append(user_id)
            entry["count"] += 1
            chan = self.channels[channel_id]
            event: dict[str, Any] = {
                "type": "reaction_added",
                "user": user_id,
                "reaction": emoji,
                "item": {
                    "type": "message",
                    "channel": channel_id,
                    "ts": ts,
                    "channel_type": events_api.channel_type(chan),
                },
                "event_ts": self.next_ts(),
            }
            if msg.get("user"):
                event["item_user"] = msg["user"]
        self._emit(event, channel_id)
        return event

    # ------------------------------------------------------------ app's own posts
    def app_posted(self, channel_id: str, message: dict) -> None:
        """Slack sends the app's own messages to its subscription too (bot_id, app_id, user)."""
        chan = self.channels.get(channel_id)
        if chan is None:
            return
        event = {**public(message), **self._base_event(channel_id, message["ts"])}
        event.setdefault("bot_profile", {"id": event.get("bot_id"), "app_id": event.get("app_id")})
        self._emit(event, channel_id)
