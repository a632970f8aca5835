"""From what Slack sent to the engine's ``TriggerEvent``: which messages are people's, the
``trigger.*`` variables of a message, the reacted message fetched from Slack, and the author's
name, email and the permalink (fetched only once some flow matched).

Variables every Slack trigger has (``None`` when Slack does not say): ``text`` (readable:
Slack's ``<mailto:a@b.co|a@b.co>`` links become ``a@b.co``, ``&amp;`` becomes ``&``), ``ts``,
``channel``, ``user``, ``user_name``, ``user_email``, ``permalink``, ``thread_ts``; a reaction
adds ``reaction`` and ``reactor``, a shortcut ``runner``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from actions.flows.ports import TriggerEvent
from bot.blocks.text import unescape_message_text

logger = logging.getLogger(__name__)

# A person's new message: no subtype, or one of these (a file with a comment, a reply also
# sent to the channel): https://docs.slack.dev/reference/events/message#subtypes
PERSON_SUBTYPES = (None, "file_share", "thread_broadcast")
LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
USER_CACHE_SECONDS = 300.0


def readable_text(text: str) -> str:
    """A message's text as people read it: links, mentions and escapes resolved
    (https://docs.slack.dev/messaging/formatting-message-text)."""

    def one(found: re.Match[str]) -> str:
        target, label = found.group(1), found.group(2)
        if target[:1] in "#@":
            return target[0] + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return label or target.removeprefix("mailto:")

    return unescape_message_text(LINK.sub(one, text or ""))


def is_person_message(event: dict[str, Any]) -> bool:
    """A person's new message: not a bot's or an app's (ours included), not an edit, a
    deletion or a join notice."""
    return (
        event.get("subtype") in PERSON_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and not event.get("hidden")
    )


def message_variables(channel: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": readable_text(str(message.get("text") or "")),
        "ts": message.get("ts"),
        "channel": channel,
        "user": message.get("user"),
        "thread_ts": message.get("thread_ts"),
        "user_name": None,
        "user_email": None,
        "permalink": None,
    }


def message_event(
    kind: str, key: str, channel: str, message: dict[str, Any], *, flow: str | None = None
) -> TriggerEvent:
    """The event for ``message`` (``flow``: the one flow a shortcut runs)."""
    return TriggerEvent(
        flow=flow,
        kind=kind,
        key=key,
        variables=message_variables(channel, message),
        channel=channel,
        ts=message.get("ts"),
        thread_ts=message.get("thread_ts"),
    )


def fetch_message(client: WebClient, channel: str, ts: str) -> dict[str, Any] | None:
    """One message by its ts: conversations.history (``latest`` = ``oldest`` = ts, inclusive,
    limit 1: https://docs.slack.dev/messaging/retrieving-messages#individual_messages); a
    thread reply is not in the history, so then conversations.replies (its own ts answers
    that one message)."""
    found = client.conversations_history(
        channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
    )
    for message in found.get("messages") or []:
        if message.get("ts") == ts:
            return dict(message)
    try:
        replies = client.conversations_replies(channel=channel, ts=ts, limit=1)
    except SlackApiError as exc:
        if exc.response.get("error") == "thread_not_found":
            return None
        raise
    return next((dict(m) for m in replies.get("messages") or [] if m.get("ts") == ts), None)


class PeopleDirectory:
    """users.info per author (cached a few minutes: one message per second in a busy channel
    must not cost one users.info each) and chat.getPermalink, for the variables above."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._users: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def with_details(self, event: TriggerEvent) -> TriggerEvent:
        """``event`` with user_name, user_email and permalink (None where Slack refuses)."""
        user_id = event.variables.get("user")
        profile = self._profile(str(user_id)) if user_id else {}
        return event.with_variables(
            user_name=profile.get("name"),
            user_email=profile.get("email"),
            permalink=self._permalink(event.channel, event.ts),
        )

    def _profile(self, user_id: str) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            hit = self._users.get(user_id)
        if hit and now - hit[0] < USER_CACHE_SECONDS:
            return hit[1]
        try:
            user = self.client.users_info(user=user_id)["user"]
        except (SlackApiError, SlackClientError, OSError) as exc:
            logger.warning("users.info failed for %s: %s", user_id, _reason(exc))
            return {}
        prof = user.get("profile") or {}
        found = {
            "name": prof.get("real_name") or prof.get("display_name") or user.get("name"),
            "email": prof.get("email"),
        }
        with self._lock:
            self._users[user_id] = (now, found)
        return found

    def _permalink(self, channel: str | None, ts: str | None) -> str | None:
        if not channel or not ts:
            return None
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except (SlackApiError, SlackClientError, OSError) as exc:
            logger.warning("chat.getPermalink failed: %s", _reason(exc))
            return None


def _reason(exc: Exception) -> object:
    return exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
