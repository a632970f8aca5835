"""Slack Web API calls the listeners share: filling an open modal, reporting in it."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

logger = logging.getLogger(__name__)


def update_view(client: WebClient, view: dict[str, Any], new: View) -> None:
    """views.update guarded by ``view``'s hash; a newer update winning is not an error."""
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=new)
    except SlackApiError as exc:
        if exc.response.get("error") != "hash_conflict":
            raise
        logger.info("view %s changed meanwhile; not overwriting it", view["id"])


def show_in_view(client: WebClient, view_id: str, new: View) -> None:
    """Replace an open modal with an outcome (unguarded). Used to report, so a modal that is
    gone or a Slack failure is logged, never raised."""
    try:
        client.views_update(view_id=view_id, view=new)
    except (SlackApiError, OSError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc)
        logger.warning("could not show the outcome in view %s: %s", view_id, reason)
