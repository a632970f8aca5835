"""SlackDriver: deliver ``link_shared`` events the way Slack does for app unfurling.

https://docs.slack.dev/reference/events/link_shared -- event fields: channel,
is_bot_user_member, user, message_ts, unfurl_id, source, links[{domain, url}] (and
thread_ts in threads); sent in a signed Events API ``event_callback`` envelope.
"""

from __future__ import annotations

from typing import Any

import requests


class LinkSharing:
    fake: Any

    def event(self, event: dict, **kwargs: Any) -> requests.Response:  # pragma: no cover
        raise NotImplementedError

    def link_shared(
        self,
        urls: list[str],
        *,
        user_id: str,
        channel_id: str,
        source: str = "conversations_history",
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> requests.Response | None:
        """Post ``urls`` as ``user_id`` in ``channel_id`` (or type them in the composer) and
        send the ``link_shared`` event; None when no URL is under an unfurl domain (Slack
        sends nothing then)."""
        if user_id not in self.fake.users:
            raise ValueError(f"unknown user {user_id!r}: FakeSlack.add_user() it first")
        ev = self.fake.share_links(user_id, channel_id, urls, source)
        if ev is None:
            return None
        return self.event(ev, event_id=event_id, retry_num=retry_num)
