"""A FlowSlack that records what the engine asked of Slack, and refuses what Slack refuses
(unknown channels, a channel the bot is not in), so the engine's tests need no Slack."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from actions.flows.ports import Destination, FlowSlackError, PostedMessage


@dataclass
class FakeFlowSlack:
    # channel id -> (name, bot is a member)
    channels: dict[str, tuple[str, bool]] = field(
        default_factory=lambda: {
            "C0INBOUND1": ("inbound", True),
            "C0SALES001": ("sales", True),
            "C0OUTSIDE1": ("outside", False),
        }
    )
    posts: list[dict[str, Any]] = field(default_factory=list)
    asks: list[dict[str, Any]] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)
    dms: list[tuple[str, str]] = field(default_factory=list)
    admin_notices: list[str] = field(default_factory=list)
    refuse_posts: str | None = None  # a Slack error code every post gets
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _channel_of(self, to: Destination) -> str:
        if to.user:
            return "D" + to.user[1:]
        assert to.channel
        if to.channel not in self.channels:
            raise FlowSlackError("Slack says channel_not_found", "channel_not_found")
        if not self.channels[to.channel][1]:
            raise FlowSlackError("Slack says not_in_channel", "not_in_channel")
        return to.channel

    def _posted(self, to: Destination) -> PostedMessage:
        if self.refuse_posts:
            raise FlowSlackError(f"Slack says {self.refuse_posts}", self.refuse_posts)
        channel = self._channel_of(to)
        with self._lock:
            return PostedMessage(channel, f"1700000000.{next(self._ts):06d}")

    def post_message(
        self, to: Destination, text: str, record: dict[str, Any] | None = None
    ) -> PostedMessage:
        posted = self._posted(to)
        with self._lock:
            self.posts.append(
                {
                    "to": to,
                    "text": text,
                    "record": record,
                    "channel": posted.channel,
                    "ts": posted.ts,
                }
            )
        return posted

    def post_ask(
        self, ask_id: str, to: Destination, text: str, choices: list[str]
    ) -> PostedMessage:
        posted = self._posted(to)
        with self._lock:
            self.asks.append(
                {"ask_id": ask_id, "to": to, "text": text, "choices": choices, "ts": posted.ts}
            )
        return posted

    def close_ask(self, posted: PostedMessage, text: str, choice: str, user: str | None) -> None:
        with self._lock:
            self.closed.append({"ts": posted.ts, "choice": choice, "user": user})

    def dm(self, user_id: str, text: str) -> None:
        with self._lock:
            self.dms.append((user_id, text))

    def tell_admins(self, text: str) -> None:
        with self._lock:
            self.admin_notices.append(text)

    def resolve_channel(self, ref: str) -> str:
        if ref.startswith("#"):
            for channel_id, (name, _member) in self.channels.items():
                if name == ref[1:]:
                    return channel_id
            raise FlowSlackError(f"there is no channel {ref}", "channel_not_found")
        if ref not in self.channels:
            raise FlowSlackError("Slack says channel_not_found", "channel_not_found")
        return ref

    def is_member(self, channel_id: str) -> bool:
        return self.channels[channel_id][1]
