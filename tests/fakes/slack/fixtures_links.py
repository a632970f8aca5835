"""FakeSlack fixtures for user groups, granted scopes and shared links (app unfurling).

* User group object: https://docs.slack.dev/reference/objects/usergroup-object
* App unfurling: https://docs.slack.dev/messaging/unfurling-links-in-messages -- Slack sends
  ``link_shared`` only for links whose host is one of the app's registered
  ``app_unfurl_domains`` (or a subdomain of one), and ``links[].domain`` is the registered
  domain that matched, not the full host (the event reference's example pairs
  ``"domain": "another-example.com"`` with ``https://yet.another-example.com/v/abcde``):
  https://docs.slack.dev/reference/events/link_shared
* Links are sent both while typed in the composer (``source: composer``, channel
  ``COMPOSER``, no message yet) and once posted (``source: conversations_history``).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit


class LinkFixtures:
    """Mixed into FakeSlack (whose ``_lock``, ``channels``, ``channel_messages`` it uses)."""

    _lock: Any
    scopes: frozenset[str]
    channels: dict[str, dict]
    channel_messages: dict[str, list[dict]]
    team_id: str

    def init_link_fixtures(self) -> None:
        self.usergroups: dict[str, dict] = {}
        self.unfurl_domains: list[str] = []
        self.link_shares: dict[str, dict] = {}  # unfurl_id -> the share Slack told the app
        self.unfurls: list[dict] = []  # accepted chat.unfurl calls, one entry per URL

    def grant_scopes(self, scopes: list[str] | set[str] | frozenset[str]) -> None:
        self.scopes = frozenset(scopes)

    def install_manifest(self, manifest: dict) -> None:
        """The bot scopes and unfurl domains of an app manifest, as if installed from it."""
        self.grant_scopes(manifest["oauth_config"]["scopes"]["bot"])
        self.unfurl_domains = list((manifest.get("features") or {}).get("unfurl_domains") or [])

    def add_usergroup(
        self, group_id: str, handle: str, users: list[str], *, disabled: bool = False
    ) -> dict:
        if not group_id.startswith("S"):
            raise ValueError("user group ids start with S")
        group = {
            "id": group_id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "name": handle.title(),
            "description": "",
            "handle": handle,
            "is_external": False,
            "date_delete": 1 if disabled else 0,
            "auto_type": None,
            "users": list(users),
            "user_count": len(users),
        }
        with self._lock:
            self.usergroups[group_id] = group
        return group

    def matching_domain(self, url: str) -> str | None:
        """The registered unfurl domain ``url`` falls under, if any."""
        host = (urlsplit(url).hostname or "").lower()
        for domain in self.unfurl_domains:
            d = domain.lower()
            if host == d or host.endswith("." + d):
                return domain
        return None

    def post_user_message(self, channel_id: str, user_id: str, text: str) -> dict:
        """A message a person posted (the app did not send it)."""
        with self._lock:
            ts = self.next_ts()  # type: ignore[attr-defined]
            msg = {"type": "message", "user": user_id, "text": text, "ts": ts, "team": self.team_id}
            self.channel_messages.setdefault(channel_id, []).append(msg)
        return msg

    def share_links(
        self, user_id: str, channel_id: str, urls: list[str], source: str = "conversations_history"
    ) -> dict | None:
        """Post ``urls`` (or type them in the composer) and return the ``link_shared`` event
        Slack would send, or None when no URL is under a registered unfurl domain."""
        if source not in ("conversations_history", "composer"):
            raise ValueError("source is conversations_history or composer")
        links = [
            {"domain": d, "url": u} for u in urls if (d := self.matching_domain(u)) is not None
        ]
        chan = self.channels.get(channel_id)
        if chan is None:
            raise ValueError(f"unknown channel {channel_id!r}")
        if source == "composer":
            channel, ts = "COMPOSER", f"{user_id}-{uuid.uuid4()}"
            unfurl_id = ts
        else:
            msg = self.post_user_message(channel_id, user_id, " ".join(f"<{u}>" for u in urls))
            channel, ts = channel_id, msg["ts"]
            unfurl_id = f"{channel_id}.{ts}.{secrets.token_hex(32)}"
        if not links:
            return None
        with self._lock:
            self.link_shares[unfurl_id] = {
                "channel": channel,
                "real_channel": channel_id,
                "ts": ts,
                "source": source,
                "user": user_id,
                "urls": [link["url"] for link in links],
            }
        return {
            "type": "link_shared",
            "channel": channel,
            "is_bot_user_member": bool(chan.get("is_member")),
            "user": user_id,
            "message_ts": ts,
            "unfurl_id": unfurl_id,
            "source": source,
            "links": links,
        }

    def unfurls_of(self, url: str) -> list[dict]:
        with self._lock:
            return [u for u in self.unfurls if u["url"] == url]
