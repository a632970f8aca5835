"""FakeSlack: usergroups.users.list and chat.unfurl (their scopes are checked in scopes.py).

* usergroups.users.list https://docs.slack.dev/reference/methods/usergroups.users.list --
  scope ``usergroups:read``; ``usergroup`` required; returns ``{"ok": true, "users": [...]}``;
  errors ``no_such_subteam`` (no group with that id), ``invalid_arguments``.
  ``include_disabled`` "allow[s] results that involve disabled User Groups": without it a
  disabled group is refused here.
* chat.unfurl https://docs.slack.dev/reference/methods/chat.unfurl -- scope ``links:write``;
  "Both channel and ts must be provided together, or unfurl_id and source must be provided
  together"; ``unfurls`` is a JSON map "with keys set to URLs featured in the message,
  pointing to their unfurl blocks or message attachments". Errors used here:
  missing_channel, missing_ts, missing_unfurls, cannot_find_channel, cannot_find_message,
  invalid_unfurls_format, cannot_parse_attachment, cannot_unfurl_url ("if you haven't
  acknowledged a link_shared event tied to the same URL"), cannot_unfurl_message ("the URL
  provided does not appear in the message"), invalid_blocks. Calling again for the same
  message "will modify the same attachments, rather than adding more"
  (https://docs.slack.dev/messaging/unfurling-links-in-messages).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from . import blockkit
from .util import truthy


def usergroups_users_list(fs, args, call):
    group_id = args.get("usergroup")
    if not group_id:
        return {"ok": False, "error": "invalid_arguments"}
    group = fs.usergroups.get(group_id)
    if group is None or (group["date_delete"] and not truthy(args.get("include_disabled"))):
        return {"ok": False, "error": "no_such_subteam"}
    return {"ok": True, "users": list(group["users"])}


def _find_share(fs, args: dict) -> tuple[dict | None, dict | None]:
    """(the link share, None) or (None, the error body)."""
    channel, ts = args.get("channel"), args.get("ts")
    unfurl_id, source = args.get("unfurl_id"), args.get("source")
    if unfurl_id or source:
        if not (unfurl_id and source) or source not in ("composer", "conversations_history"):
            return None, {"ok": False, "error": "invalid_arguments"}
        share = fs.link_shares.get(unfurl_id)
        if share is None or share["source"] != source:
            return None, {"ok": False, "error": "cannot_find_message"}
        return share, None
    if not channel:
        return None, {"ok": False, "error": "missing_channel"}
    if not ts:
        return None, {"ok": False, "error": "missing_ts"}
    if channel not in fs.channels:
        return None, {"ok": False, "error": "cannot_find_channel"}
    ts = str(ts)
    message = next((m for m in fs.channel_messages.get(channel, []) if m["ts"] == ts), None)
    if message is None:
        return None, {"ok": False, "error": "cannot_find_message"}
    shares = [
        s
        for s in fs.link_shares.values()
        if s["channel"] == channel and s["ts"] == ts and s["source"] == "conversations_history"
    ]
    urls = [u for s in shares for u in s["urls"]]
    return {"channel": channel, "ts": ts, "urls": urls, "text": message.get("text", "")}, None


def _parse_unfurls(raw: Any) -> dict | None:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return None
    return raw if isinstance(raw, dict) else None


def chat_unfurl(fs, args, call):
    share, error = _find_share(fs, args)
    if error is not None:
        return error
    assert share is not None
    if args.get("unfurls") in (None, ""):
        return {"ok": False, "error": "missing_unfurls"}
    unfurls = _parse_unfurls(args.get("unfurls"))
    if unfurls is None or not unfurls:
        return fs.invalid(call, "invalid_unfurls_format", ["[ERROR] unfurls must be a URL map"])
    for url, unfurl in unfurls.items():
        if url not in share["urls"]:
            in_text = url in share.get("text", url)
            error = "cannot_unfurl_url" if in_text else "cannot_unfurl_message"
            return fs.invalid(call, error, [f"[ERROR] no link_shared for {url!r} here"])
        if not isinstance(unfurl, dict) or not (
            unfurl.get("blocks") or unfurl.get("text") or unfurl.get("fallback")
        ):
            return fs.invalid(call, "cannot_parse_attachment", [f"[ERROR] unfurl of {url!r}"])
        if "blocks" in unfurl:
            problems = blockkit.validate_blocks(unfurl["blocks"], "message")
            if problems:
                return fs.invalid(call, "invalid_blocks", problems)
    for url, unfurl in unfurls.items():
        fs.unfurls[:] = [u for u in fs.unfurls if not (u["url"] == url and u["ts"] == share["ts"])]
        fs.unfurls.append(
            {
                "url": url,
                "channel": share.get("real_channel", share["channel"]),
                "ts": share["ts"],
                "unfurl": copy.deepcopy(unfurl),
            }
        )
    return {"ok": True}


LINK_METHODS = {
    "usergroups.users.list": usergroups_users_list,
    "chat.unfurl": chat_unfurl,
}
