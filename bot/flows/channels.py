"""Channels for `sfbot flow apply`: ``#name`` resolved and membership checked over Slack's Web API
(conversations.info, conversations.list), with the bot token from the settings."""

from __future__ import annotations

import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from actions.flows.ports import FlowSlackError

CHANNEL_ID_RE = re.compile(r"^[CG][A-Z0-9]{2,}$")


class WebApiChannels:
    """The ``ChannelDirectory`` of ``actions.flows.apply`` over the Web API."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._by_name: dict[str, str] | None = None

    def resolve_channel(self, ref: str) -> str:
        ref = ref.strip()
        if CHANNEL_ID_RE.match(ref):
            self._info(ref)  # it exists and the bot can see it
            return ref
        name = ref.lstrip("#").lower()
        if not ref.startswith("#") or not name:
            raise FlowSlackError(
                f"{ref!r} is neither a channel id (C0123...) nor #name", "invalid_channel"
            )
        found = self._names().get(name)
        if found is None:
            raise FlowSlackError(
                f"there is no channel #{name} that sfbot can see", "channel_not_found"
            )
        return found

    def is_member(self, channel_id: str) -> bool:
        return bool(self._info(channel_id).get("is_member"))

    def _info(self, channel_id: str) -> dict[str, object]:
        try:
            return dict(self.client.conversations_info(channel=channel_id)["channel"])
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            raise FlowSlackError(f"Slack says {error}", error) from exc
        except (SlackClientError, OSError) as exc:
            raise FlowSlackError(
                f"Slack could not be reached: {type(exc).__name__}", "unreachable"
            ) from exc

    def _names(self) -> dict[str, str]:
        if self._by_name is None:
            names: dict[str, str] = {}
            cursor = None
            try:
                while True:
                    resp = self.client.conversations_list(
                        types="public_channel,private_channel",
                        exclude_archived=True,
                        limit=1000,
                        cursor=cursor,
                    )
                    for channel in resp.get("channels") or []:
                        names[str(channel["name"]).lower()] = str(channel["id"])
                    cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                    if not cursor:
                        break
            except SlackApiError as exc:
                error = str(exc.response.get("error"))
                raise FlowSlackError(f"Slack says {error}", error) from exc
            except (SlackClientError, OSError) as exc:
                raise FlowSlackError(
                    f"Slack could not be reached: {type(exc).__name__}", "unreachable"
                ) from exc
            self._by_name = names
        return self._by_name
