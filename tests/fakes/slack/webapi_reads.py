"""conversations.replies, conversations.list and users.list for FakeSlack (handlers
``(fs, args, call)``).

* conversations.replies: ``channel`` and ``ts`` always required and ``ts`` "must be the
  timestamp of an existing message"; a thread parent's ts returns the parent then its replies,
  oldest first; the ts of a message with no replies returns that single message; cursor
  pagination, ``has_more``; errors channel_not_found, thread_not_found, not_in_channel:
  https://docs.slack.dev/reference/methods/conversations.replies
* conversations.list: ``types`` (public_channel default, private_channel, mpim, im),
  ``exclude_archived``, ``limit`` (default 100, at most 1000), cursor pagination; a bot sees
  only the private channels it is in:
  https://docs.slack.dev/reference/methods/conversations.list
* users.list: ``members`` (user objects), ``limit`` (recommended at most 200), cursor
  pagination, ``cache_ts``: https://docs.slack.dev/reference/methods/users.list
"""

from __future__ import annotations

from .util import public, truthy

LIST_MAX = 1000


def _page(items: list, args: dict, default_limit: int, max_limit: int) -> tuple[list, str]:
    start = int(args.get("cursor") or 0)
    limit = max(1, min(int(args.get("limit") or default_limit), max_limit))
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, str(start + limit) if more else ""


def is_reply(msg: dict) -> bool:
    """A thread reply (not its parent): ``thread_ts`` set and different from ``ts``."""
    return bool(msg.get("thread_ts")) and msg.get("thread_ts") != msg.get("ts")


def conversations_replies(fs, args, call):
    cid, ts = args.get("channel") or "", str(args.get("ts") or "")
    chan = fs.channels.get(cid)
    if chan is None or (chan["is_private"] and not chan["is_member"]):
        return {"ok": False, "error": "channel_not_found"}
    if not chan["is_member"] and not chan["is_im"]:
        return {"ok": False, "error": "not_in_channel"}
    msgs = fs.channel_messages.get(cid, [])
    target = next((m for m in msgs if m["ts"] == ts), None)
    if target is None:
        return {"ok": False, "error": "thread_not_found"}
    if is_reply(target) or not target.get("reply_count"):
        thread = [target]
    else:
        thread = [target] + [m for m in msgs if m.get("thread_ts") == ts and m is not target]
    page, cursor = _page(thread, args, 1000, 1000)
    return {
        "ok": True,
        "messages": [public(m) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def _listed(fs, chan: dict, types: set[str], exclude_archived: bool) -> bool:
    if exclude_archived and chan["is_archived"]:
        return False
    if chan["is_im"]:
        return "im" in types
    if chan["is_private"]:
        return "private_channel" in types and chan["is_member"]
    return "public_channel" in types


def conversations_list(fs, args, call):
    types = {t.strip() for t in str(args.get("types") or "public_channel").split(",")}
    unknown = types - {"public_channel", "private_channel", "mpim", "im"}
    if unknown:
        return {"ok": False, "error": "invalid_types"}
    exclude = truthy(args.get("exclude_archived"))
    chans = [public(c) for c in fs.channels.values() if _listed(fs, c, types, exclude)]
    page, cursor = _page(chans, args, 100, LIST_MAX)
    return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}


def users_list(fs, args, call):
    members = [public(u) for u in fs.users.values()]
    page, cursor = _page(members, args, 1000, 1000)
    return {
        "ok": True,
        "members": page,
        "cache_ts": int(fs.clock()),
        "response_metadata": {"next_cursor": cursor},
    }


READ_METHODS = {
    "conversations.replies": conversations_replies,
    "conversations.list": conversations_list,
    "users.list": users_list,
}
