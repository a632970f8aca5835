"""OAuth scopes: what the bot token was granted, what each Web API method needs, and which
Events API subscriptions the app has. By default the fake grants exactly what manifest.yml
asks for, so code that calls a method the manifest gives no scope for fails here as it would
in a workspace where the app was installed from that manifest.

* A method called without its scope answers ``{"ok": false, "error": "missing_scope",
  "needed": ..., "provided": ...}``: https://docs.slack.dev/authentication/tokens (and the
  ``missing_scope`` error of every method page).
* conversations.history / conversations.replies need channels:history (public), groups:history
  (private), im:history, mpim:history by conversation type:
  https://docs.slack.dev/reference/methods/conversations.history and
  https://docs.slack.dev/reference/methods/conversations.replies
* conversations.info / conversations.list: channels:read, groups:read, im:read, mpim:read:
  https://docs.slack.dev/reference/methods/conversations.list
* users.info: users:read; the ``email`` field of a profile only with users:read.email
  ("users:read.email ... is required to access the email field in user objects"):
  https://docs.slack.dev/reference/scopes/users.read.email
* chat.postMessage / postEphemeral / update / delete: chat:write:
  https://docs.slack.dev/reference/methods/chat.postMessage
* reactions.get: reactions:read; the reaction_added event needs reactions:read:
  https://docs.slack.dev/reference/events/reaction_added
* message events: message.channels needs channels:history, message.groups groups:history:
  https://docs.slack.dev/reference/events/message.channels
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

MANIFEST = Path(__file__).resolve().parents[3] / "manifest.yml"

HISTORY = {"public": "channels:history", "private": "groups:history", "im": "im:history"}
HISTORY["mpim"] = "mpim:history"
READ = {"public": "channels:read", "private": "groups:read", "im": "im:read", "mpim": "mpim:read"}
LIST_TYPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}
FIXED = {
    "users.info": "users:read",
    "users.list": "users:read",
    "users.lookupByEmail": "users:read.email",
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "reactions.get": "reactions:read",
    "reactions.add": "reactions:write",
    # https://docs.slack.dev/reference/methods/chat.unfurl and
    # https://docs.slack.dev/reference/methods/usergroups.users.list
    "chat.unfurl": "links:write",
    "usergroups.users.list": "usergroups:read",
}
# Events API subscription -> the scope Slack requires for it
EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
}


@cache
def _manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def manifest_scopes() -> frozenset[str]:
    return frozenset(_manifest()["oauth_config"]["scopes"]["bot"])


def manifest_bot_events() -> frozenset[str]:
    subs = (_manifest().get("settings") or {}).get("event_subscriptions") or {}
    return frozenset(subs.get("bot_events") or [])


def conversation_kind(chan: dict) -> str:
    if chan.get("is_im"):
        return "im"
    if chan.get("is_mpim"):
        return "mpim"
    return "private" if chan.get("is_private") else "public"


def needed(fs, method: str, args: dict) -> list[str]:
    """The scopes ``method`` needs for these arguments (all of them)."""
    if method in FIXED:
        return [FIXED[method]]
    chan = fs.channels.get(args.get("channel") or "")
    if method in ("conversations.history", "conversations.replies") and chan is not None:
        return [HISTORY[conversation_kind(chan)]]
    if method == "conversations.info" and chan is not None:
        return [READ[conversation_kind(chan)]]
    if method == "conversations.list":
        types = str(args.get("types") or "public_channel").split(",")
        return [LIST_TYPES[t.strip()] for t in types if t.strip() in LIST_TYPES]
    return []


def refuse(fs, method: str, args: dict) -> dict | None:
    """The missing_scope answer when the token lacks a scope ``method`` needs, else None."""
    missing = [s for s in needed(fs, method, args) if s not in fs.scopes]
    if not missing:
        return None
    return {
        "ok": False,
        "error": "missing_scope",
        "needed": ",".join(missing),
        "provided": ",".join(sorted(fs.scopes)),
    }


def redact(fs, method: str, resp: dict) -> dict:
    """What a successful answer leaves out for lack of a scope (profile emails)."""
    if "users:read.email" in fs.scopes or not resp.get("ok"):
        return resp
    users = [resp["user"]] if isinstance(resp.get("user"), dict) else []
    users += [u for u in resp.get("members") or [] if isinstance(u, dict)]
    for user in users:
        (user.get("profile") or {}).pop("email", None)
    return resp
