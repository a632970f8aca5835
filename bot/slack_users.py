"""Who a Slack user is (``users.info``), cached a few minutes: admin or owner, guest or not.

https://docs.slack.dev/reference/objects/user-object -- ``is_restricted``: a guest;
``is_ultra_restricted``: a single-channel guest; ``is_admin`` / ``is_owner``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

USER_CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class SlackUser:
    id: str
    is_admin: bool  # a workspace admin or owner
    is_guest: bool  # a multi- or single-channel guest


@dataclass
class UserDirectory:
    ttl: float = USER_CACHE_SECONDS
    _cache: dict[str, tuple[float, SlackUser]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, client: WebClient, user_id: str) -> SlackUser | None:
        """The user, or None when Slack could not say (not cached: asked again next time)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(user_id)
            if hit and now - hit[0] < self.ttl:
                return hit[1]
        try:
            raw = client.users_info(user=user_id)["user"]
        except (SlackApiError, OSError) as exc:
            logger.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
            return None
        user = SlackUser(
            id=user_id,
            is_admin=bool(raw.get("is_admin") or raw.get("is_owner")),
            is_guest=bool(raw.get("is_restricted") or raw.get("is_ultra_restricted")),
        )
        with self._lock:
            self._cache[user_id] = (now, user)
        return user
