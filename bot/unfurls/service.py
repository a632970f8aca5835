"""Unfurling one ``link_shared`` event (after the ack): which links, whether to, and what.

Nothing is unfurled when the level is ``off``, for a link that is not one of the connected
org's record pages, into a Slack Connect channel unless ``unfurls_external`` is on, for a
sharer who may not look records up, or while typing in the composer (the channel is not
known there; Slack sends the event again once the message is posted). Guests never get
here: ``bot.access_middleware`` refuses their events.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from actions.errors import ActionError, NotConnected
from actions.lookup_record import LookupRecordInput, RecordSummary, lookup_record
from bot.blocks.unfurl import record_unfurl
from bot.unfurls.links import RecordLink, org_hosts, record_link
from bot.unfurls.records import RecordCache

if TYPE_CHECKING:
    from bot.services import Services, SlackOrigin

logger = logging.getLogger(__name__)

CHANNEL_CACHE_SECONDS = 300.0
COMPOSER = "COMPOSER"


@dataclass
class Unfurler:
    records: RecordCache = field(default_factory=RecordCache)
    _external: dict[str, tuple[float, bool]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, services: Services, client: WebClient, body: dict[str, Any]) -> None:
        from bot.services import SlackOrigin

        event = body.get("event") or {}
        settings = services.settings_store.get()
        if settings.unfurls == "off":
            return
        links = self._links(services, event)
        if not links:
            return
        channel = str(event.get("channel") or "")
        if channel == COMPOSER or event.get("source") == "composer":
            return  # sent again with the channel once the message is posted
        origin = SlackOrigin(
            user_id=str(event.get("user")),
            team_id=body.get("team_id"),
            channel_id=channel,
        )
        if not settings.unfurls_external and self.is_external(client, channel, body):
            logger.info("not unfurling in %s: externally shared (or not known)", channel)
            return
        if not services.access.allowed(client, origin.user_id, "lookup_record"):
            logger.info("not unfurling for %s: not on the lookup_record list", origin.user_id)
            return
        unfurls = {}
        for link in links:
            record = self._record(services, origin, link)
            if record is not None:
                unfurls[link.url] = record_unfurl(record, settings.unfurls)
        if unfurls:
            self._send(client, event, unfurls)

    @staticmethod
    def _links(services: Services, event: dict[str, Any]) -> list[RecordLink]:
        try:
            hosts = org_hosts(services.actions.connection.current().instance_url)
        except NotConnected:
            return []
        found: dict[str, RecordLink] = {}
        for item in event.get("links") or []:
            link = record_link(str(item.get("url") or ""), hosts)
            if link is not None:
                found.setdefault(link.url, link)
        return list(found.values())

    def _record(
        self, services: Services, origin: SlackOrigin, link: RecordLink
    ) -> RecordSummary | None:
        def fetch(record_id: str) -> RecordSummary | None:
            inp = LookupRecordInput(id=record_id, object=link.spec.key, limit=1)
            found = services.run_audited(
                origin,
                "unfurl_record",
                lambda: lookup_record(services.actions, inp),
                object_name=link.spec.key,
                record_ids=[record_id],
            )
            return found.records[0] if found.records else None

        try:
            return self.records.get(link.record_id, fetch)
        except ActionError as exc:
            logger.info("no unfurl for %s: %s", link.record_id, exc.code)
            return None

    def is_external(self, client: WebClient, channel: str, body: dict[str, Any]) -> bool:
        """Slack Connect: the envelope's ``is_ext_shared_channel``, else conversations.info
        (``is_ext_shared`` / ``is_shared``), cached a few minutes. Unknown counts as shared."""
        if body.get("is_ext_shared_channel"):
            return True
        now = time.monotonic()
        with self._lock:
            hit = self._external.get(channel)
            if hit and now - hit[0] < CHANNEL_CACHE_SECONDS:
                return hit[1]
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except (SlackApiError, OSError) as exc:
            if channel.startswith("D"):
                return False  # a DM the bot cannot read (no im:read): the envelope said
            logger.warning("conversations.info failed for %s: %s", channel, exc)
            return True
        external = bool(info.get("is_ext_shared") or info.get("is_shared"))
        with self._lock:
            self._external[channel] = (now, external)
        return external

    @staticmethod
    def _send(client: WebClient, event: dict[str, Any], unfurls: dict[str, Any]) -> None:
        """``chat.unfurl`` keyed by the exact URLs shared: channel + ts for a posted message
        (https://docs.slack.dev/reference/methods/chat.unfurl)."""
        try:
            client.chat_unfurl(
                channel=event["channel"], ts=str(event["message_ts"]), unfurls=unfurls
            )
        except (SlackApiError, OSError) as exc:
            logger.warning("chat.unfurl failed: %s", exc)
