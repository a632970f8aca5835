"""OAuth scopes of FakeSlack's bot token, and the scope each Web API method needs.

* Every method's reference page lists its "Required scopes" (bot token), e.g.
  https://docs.slack.dev/reference/methods/chat.postMessage (chat:write),
  https://docs.slack.dev/reference/methods/users.info (users:read),
  https://docs.slack.dev/reference/methods/conversations.info (channels:read, groups:read,
  im:read, mpim:read: the one for the conversation's type),
  https://docs.slack.dev/reference/methods/conversations.history (channels:history,
  groups:history, im:history, mpim:history), chat.getPermalink, auth.test and views.* (none).
* A token without the scope gets ``{"ok": false, "error": "missing_scope", "needed": "...",
  "provided": "..."}``: https://docs.slack.dev/apis/web-api#responses and
  https://docs.slack.dev/authentication/tokens#scopes
By default the fake's bot token has exactly the bot scopes that ``manifest.yml`` (the app
users install) declares, so a call that would fail in a real workspace fails here too.
"""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[3] / "manifest.yml"

# method -> required scope; a dict value picks the scope by conversation type.
FIXED: dict[str, str | None] = {
    "auth.test": None,
    "chat.getPermalink": None,
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "users.info": "users:read",
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
}
BY_CONVERSATION = {
    "conversations.info": "read",
    "conversations.history": "history",
}


def manifest_bot_scopes() -> tuple[str, ...]:
    data = yaml.safe_load(MANIFEST.read_text())
    return tuple(data["oauth_config"]["scopes"]["bot"])


def conversation_prefix(chan: dict) -> str:
    if chan.get("is_im"):
        return "im"
    if chan.get("is_mpim"):
        return "mpim"
    return "groups" if chan.get("is_private") else "channels"


def needed_scope(fs, method: str, args: dict) -> str | None:
    """The scope ``method`` needs for these arguments (None: no scope, or unknown here)."""
    if method in BY_CONVERSATION:
        chan = fs.channels.get(args.get("channel") or "")
        if chan is None:
            return None  # the handler answers channel_not_found
        return f"{conversation_prefix(chan)}:{BY_CONVERSATION[method]}"
    return FIXED.get(method)


def missing_scope(fs, method: str, args: dict) -> dict | None:
    needed = needed_scope(fs, method, args)
    if needed is None or needed in fs.scopes:
        return None
    return {
        "ok": False,
        "error": "missing_scope",
        "needed": needed,
        "provided": ",".join(fs.scopes),
    }
