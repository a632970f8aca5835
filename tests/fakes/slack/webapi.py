"""Web API method handlers (auth/users/conversations/chat) for FakeSlack.

Each handler takes ``(fs, args, call)`` and returns the documented JSON body. The
``views.*`` handlers live in ``webapi_views.py``. ``fs`` is the FakeSlack; its lock is held.
"""

from __future__ import annotations

import copy
from typing import Any

from . import blockkit
from .util import public, truthy, with_block_ids
from .webapi_links import LINK_METHODS
from .webapi_reads import READ_METHODS, is_reply
from .webapi_views import VIEW_METHODS

MAX_TEXT = 40000  # chat.postMessage: text over 40,000 chars -> msg_too_long


def resolve_channel(fs, channel: Any) -> str | None:
    """Channel arg: an ID, ``#name``, or a user ID (posts to the app's DM with that user):
    https://docs.slack.dev/reference/methods/chat.postMessage#channels"""
    if not isinstance(channel, str) or not channel:
        return None
    if channel in fs.channels:
        return channel
    if channel.startswith("#"):
        return next((c for c, v in fs.channels.items() if v["name"] == channel[1:]), None)
    if channel[0] in "UW" and channel in fs.users:
        dm = "D" + channel[1:]
        if dm not in fs.channels:
            fs.add_channel(dm, channel, members=[fs.bot_user_id, channel])
            fs.channels[dm]["user"] = channel
        return dm
    return None


def check_content(fs, args: dict, call: dict, *, required: bool = True) -> dict | None:
    """Shared message-content checks for chat.postMessage/postEphemeral/update.
    https://docs.slack.dev/reference/methods/chat.postMessage (no_text, msg_too_long,
    invalid_blocks, invalid_metadata_format) and https://docs.slack.dev/messaging/message-metadata"""
    text, blocks, attachments = args.get("text"), args.get("blocks"), args.get("attachments")
    if required and not text and not blocks and not attachments:
        return fs.invalid(call, "no_text", ["[ERROR] one of text, blocks, attachments is required"])
    if isinstance(text, str) and len(text) > MAX_TEXT:
        return fs.invalid(call, "msg_too_long", [f"[ERROR] text longer than {MAX_TEXT} characters"])
    if blocks is not None:
        problems = blockkit.validate_blocks(blocks, "message")
        if problems:
            return fs.invalid(call, "invalid_blocks", problems)
    meta = args.get("metadata")
    if meta is not None and (
        not isinstance(meta, dict)
        or not isinstance(meta.get("event_type"), str)
        or not isinstance(meta.get("event_payload"), dict)
    ):
        return fs.invalid(
            call, "invalid_metadata_format", ["[ERROR] metadata needs event_type and event_payload"]
        )
    return None


def _bot_message(fs, args: dict, ts: str) -> dict:
    """Message object: https://docs.slack.dev/reference/objects/message-object"""
    msg: dict[str, Any] = {
        "type": "message",
        "user": fs.bot_user_id,
        "bot_id": fs.bot_id,
        "app_id": fs.app_id,
        "text": args.get("text") or "",
        "ts": ts,
        "team": fs.team_id,
    }
    if args.get("blocks"):
        msg["blocks"] = with_block_ids(args["blocks"])
    if args.get("attachments"):
        msg["attachments"] = copy.deepcopy(args["attachments"])
    if args.get("metadata"):
        msg["metadata"] = copy.deepcopy(args["metadata"])
    if args.get("thread_ts"):
        msg["thread_ts"] = str(args["thread_ts"])
    return msg


def find_message(fs, channel_id: str, ts: str) -> dict | None:
    return next((m for m in fs.channel_messages.get(channel_id, []) if m["ts"] == ts), None)


# --------------------------------------------------------------------------- methods
def auth_test(fs, args, call):
    """https://docs.slack.dev/reference/methods/auth.test"""
    return {
        "ok": True,
        "url": f"https://{fs.team_domain}.slack.com/",
        "team": fs.team_name,
        "user": fs.bot_name,
        "team_id": fs.team_id,
        "user_id": fs.bot_user_id,
        "bot_id": fs.bot_id,
        "is_enterprise_install": False,
    }


def users_info(fs, args, call):
    """https://docs.slack.dev/reference/methods/users.info (errors: user_not_found)"""
    user = fs.users.get(args.get("user") or "")
    if user is None:
        return {"ok": False, "error": "user_not_found"}
    return {"ok": True, "user": public(user)}


def conversations_info(fs, args, call):
    """https://docs.slack.dev/reference/methods/conversations.info (channel_not_found)"""
    chan = fs.channels.get(args.get("channel") or "")
    if chan is None:
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "channel": public(chan)}


def conversations_history(fs, args, call):
    """https://docs.slack.dev/reference/methods/conversations.history -- newest first;
    ``metadata`` only with include_all_metadata; cursor pagination; limit default 100."""
    cid = args.get("channel") or ""
    chan = fs.channels.get(cid)
    if chan is None:
        return {"ok": False, "error": "channel_not_found"}
    if not chan["is_member"] and not chan["is_im"]:
        return {"ok": False, "error": "not_in_channel"}
    inclusive = truthy(args.get("inclusive"))
    oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or 9e12)

    def in_range(m: dict) -> bool:
        t = float(m["ts"])
        lo = t >= oldest if inclusive else t > oldest
        hi = t <= latest if inclusive else t < latest
        return lo and hi

    # only top-level messages: thread replies are read with conversations.replies
    msgs = [
        m for m in reversed(fs.channel_messages.get(cid, [])) if in_range(m) and not is_reply(m)
    ]
    start = int(args.get("cursor") or 0)
    limit = max(1, min(int(args.get("limit") or 100), 999))
    page = msgs[start : start + limit]
    out = []
    for m in page:
        m = public(m)
        if not truthy(args.get("include_all_metadata")):
            m.pop("metadata", None)
        out.append(m)
    more = start + limit < len(msgs)
    return {
        "ok": True,
        "messages": out,
        "has_more": more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def chat_post_message(fs, args, call):
    """https://docs.slack.dev/reference/methods/chat.postMessage -> {ok, channel, ts, message}"""
    cid = resolve_channel(fs, args.get("channel"))
    if cid is None:
        return {"ok": False, "error": "channel_not_found"}
    chan = fs.channels[cid]
    if not chan["is_member"] and not chan["is_im"]:
        return {"ok": False, "error": "not_in_channel"}
    if chan["is_archived"]:
        return {"ok": False, "error": "is_archived"}
    err = check_content(fs, args, call)
    if err:
        return err
    msg = _bot_message(fs, args, fs.next_ts())
    if msg.get("thread_ts"):
        parent = find_message(fs, cid, msg["thread_ts"])
        if parent is not None and not is_reply(parent):
            fs._count_reply(parent, fs.bot_user_id, msg["ts"])
    fs.channel_messages[cid].append(msg)
    return {"ok": True, "channel": cid, "ts": msg["ts"], "message": public(msg)}


def chat_post_ephemeral(fs, args, call):
    """https://docs.slack.dev/reference/methods/chat.postEphemeral -> {ok, message_ts};
    errors channel_not_found, user_not_in_channel."""
    cid = resolve_channel(fs, args.get("channel"))
    if cid is None:
        return {"ok": False, "error": "channel_not_found"}
    user = args.get("user")
    if user not in fs.users or not fs.is_channel_member(cid, user):
        return {"ok": False, "error": "user_not_in_channel"}
    err = check_content(fs, args, call)
    if err:
        return err
    msg = _bot_message(fs, args, fs.next_ts())
    fs.ephemerals.append(
        {"channel": cid, "user": user, "source": "chat.postEphemeral", "message": msg}
    )
    return {"ok": True, "message_ts": msg["ts"]}


def chat_update(fs, args, call):
    """https://docs.slack.dev/reference/methods/chat.update -> {ok, channel, ts, text, message};
    errors message_not_found, cant_update_message. Omitted blocks are kept."""
    cid = resolve_channel(fs, args.get("channel"))
    if cid is None:
        return {"ok": False, "error": "channel_not_found"}
    msg = find_message(fs, cid, str(args.get("ts") or ""))
    if msg is None:
        return {"ok": False, "error": "message_not_found"}
    if msg.get("user") != fs.bot_user_id:
        return {"ok": False, "error": "cant_update_message"}
    err = check_content(fs, args, call)
    if err:
        return err
    if "text" in args:
        msg["text"] = args.get("text") or ""
    if "blocks" in args:
        msg["blocks"] = with_block_ids(args["blocks"] or [])
    if args.get("metadata"):
        msg["metadata"] = copy.deepcopy(args["metadata"])
    msg["edited"] = {"user": fs.bot_user_id, "ts": fs.next_ts()}
    return {
        "ok": True,
        "channel": cid,
        "ts": msg["ts"],
        "text": msg["text"],
        "message": public(msg),
    }


def chat_get_permalink(fs, args, call):
    """https://docs.slack.dev/reference/methods/chat.getPermalink -> {ok, channel, permalink}"""
    cid = args.get("channel") or ""
    if cid not in fs.channels:
        return {"ok": False, "error": "channel_not_found"}
    ts = str(args.get("message_ts") or "")
    if find_message(fs, cid, ts) is None:
        return {"ok": False, "error": "message_not_found"}
    link = f"https://{fs.team_domain}.slack.com/archives/{cid}/p{ts.replace('.', '')}"
    return {"ok": True, "channel": cid, "permalink": link}


METHODS = {
    "auth.test": auth_test,
    "users.info": users_info,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.getPermalink": chat_get_permalink,
    **VIEW_METHODS,
    **LINK_METHODS,
    **READ_METHODS,
}


def call_method(fs, method: str, args: dict, call: dict) -> dict:
    """Run a known method's handler; an argument of the wrong type or shape (e.g.
    ``limit="ten"``) that breaks it is refused as Slack refuses it, and recorded."""
    try:
        return METHODS[method](fs, args, call)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return fs.invalid(call, "invalid_arguments", [f"[ERROR] {exc!r}"])


def apply_response_url(fs, entry: dict, msg: dict) -> None:
    """What a response_url POST does to what users see.
    https://docs.slack.dev/interactivity/handling-user-interaction#message_responses:
    delete_original / replace_original act on the source message; otherwise
    response_type in_channel posts to the channel and ephemeral (default) to the user."""
    cid, uid, src_ts = entry["channel_id"], entry["user_id"], entry["message_ts"]
    if cid is None:
        return
    if msg.get("delete_original") or msg.get("replace_original"):
        orig = find_message(fs, cid, src_ts) if src_ts else None
        eph = next(
            (e for e in fs.ephemerals if e["message"]["ts"] == src_ts and e["channel"] == cid), None
        )
        if msg.get("delete_original"):
            if orig is not None:
                fs.channel_messages[cid].remove(orig)
            elif eph is not None:
                fs.ephemerals.remove(eph)
            return
        target = orig if orig is not None else (eph["message"] if eph else None)
        if target is not None:
            target["text"] = msg.get("text") or ""
            target.pop("blocks", None)
            if msg.get("blocks"):
                target["blocks"] = with_block_ids(msg["blocks"])
            return
    new = _bot_message(fs, msg, fs.next_ts())
    if msg.get("response_type") == "in_channel":
        fs.channel_messages.setdefault(cid, []).append(new)
    else:
        fs.ephemerals.append(
            {"channel": cid, "user": uid, "source": "response_url", "message": new}
        )
