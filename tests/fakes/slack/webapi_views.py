"""views.* handlers and the modal stack for FakeSlack.

* views.open  https://docs.slack.dev/reference/methods/views.open  (errors: expired_trigger_id,
  exchanged_trigger_id, invalid_trigger_id, duplicate_external_id, invalid_arguments)
* views.push  https://docs.slack.dev/reference/methods/views.push  (+ push_limit_reached: 3)
* views.update https://docs.slack.dev/reference/methods/views.update (view_id XOR external_id;
  hash_conflict, not_found, also for a modal that was closed)
* views.publish https://docs.slack.dev/reference/methods/views.publish (user_id, hash_conflict)
* View object returned: https://docs.slack.dev/reference/views/modal-views (id, team_id, hash,
  state, root_view_id, previous_view_id, app_id, bot_id, ...)
"""

from __future__ import annotations

import copy
import re
import secrets
from typing import Any

from . import blockkit, payloads
from .util import public, with_block_ids

TRIGGER_RE = re.compile(r"\d+\.\d+\.[0-9a-f]+")  # documented shape "12345.98765.abcd2358fdea"
PUSH_LIMIT = 3  # "Currently the limit is 3." (views.push push_limit_reached)
TRIGGER_TTL = 3.0  # https://api.slack.com/docs/triggers


def _new_hash(fs) -> str:
    return f"{int(fs.clock())}.{secrets.token_hex(4)}"


def _keep_state(old: dict | None, new_blocks: list) -> dict:
    """Input entered by the user survives views.update when block_id/action_id are unchanged
    ("Preserving input entry", views.update usage info); every other input element reports
    its initial value (or null), as Slack's view state does."""
    values = (old or {}).get("state", {}).get("values", {})
    kept: dict[str, Any] = {}
    for b in new_blocks:
        bid = b.get("block_id") if isinstance(b, dict) else None
        if bid in values:
            ids = {e.get("action_id") for e in _elements(b)}
            kept[bid] = {a: v for a, v in values[bid].items() if a in ids}
        if isinstance(b, dict) and b.get("type") == "input" and bid:
            el = b.get("element") or {}
            entry = payloads.initial_entry(el)
            if entry is not None and el.get("action_id") not in kept.get(bid, {}):
                kept.setdefault(bid, {})[el["action_id"]] = entry
    return {"values": kept}


def _elements(block: dict) -> list[dict]:
    els = list(block.get("elements") or [])
    for key in ("element", "accessory"):
        if isinstance(block.get(key), dict):
            els.append(block[key])
    return [e for e in els if isinstance(e, dict)]


def _store(fs, view: dict, vid: str, *, root: str, prev: str | None, old: dict | None) -> dict:
    blocks = with_block_ids(view.get("blocks") or [])
    stored = {
        **copy.deepcopy(view),
        "id": vid,
        "team_id": fs.team_id,
        "blocks": blocks,
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id") or (old or {}).get("external_id", ""),
        "state": _keep_state(old, blocks),
        "hash": _new_hash(fs),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": root,
        "previous_view_id": prev,
        "app_id": fs.app_id,
        "app_installed_team_id": fs.team_id,
        "bot_id": fs.bot_id,
    }
    if old and old.get("external_id") and old["external_id"] != stored["external_id"]:
        fs.external_ids.pop(old["external_id"], None)
    if stored["external_id"]:
        fs.external_ids[stored["external_id"]] = vid
    fs.views[vid] = stored
    return stored


def _check_view(fs, args: dict, call: dict, *, want: str, current_id: str | None = None):
    view = args.get("view")
    problems = blockkit.validate_view(view)
    if not problems and view.get("type") != want:
        problems = [f"[ERROR] must be {want} [json-pointer:/view/type]"]
    if problems:
        return fs.invalid(call, "invalid_arguments", problems)
    ext = view.get("external_id")
    if ext and fs.external_ids.get(ext) not in (None, current_id):
        return {"ok": False, "error": "duplicate_external_id"}
    return None


def _take_trigger(fs, args: dict, call: dict):
    tid = args.get("trigger_id") or args.get("interactivity_pointer")
    if not tid:
        return None, fs.invalid(call, "invalid_arguments", ["invalid `trigger_id`"])
    if not isinstance(tid, str) or not TRIGGER_RE.fullmatch(tid):
        return None, {"ok": False, "error": "invalid_trigger_id"}
    trig = fs.triggers.get(tid)
    if trig is None or fs.clock() - trig["issued"] > TRIGGER_TTL:
        return None, {"ok": False, "error": "expired_trigger_id"}
    if trig["used"]:
        return None, {"ok": False, "error": "exchanged_trigger_id"}
    trig["used"] = True
    return trig, None


def views_open(fs, args, call):
    err = _check_view(fs, args, call, want="modal")
    if err:
        return err
    trig, err = _take_trigger(fs, args, call)
    if err:
        return err
    vid = fs.new_id("V")
    stored = _store(fs, args["view"], vid, root=vid, prev=None, old=None)
    fs.view_stacks[vid] = [vid]
    fs.view_owner[vid] = trig["user_id"]
    return {"ok": True, "view": public(stored)}


def views_push(fs, args, call):
    err = _check_view(fs, args, call, want="modal")
    if err:
        return err
    trig, err = _take_trigger(fs, args, call)
    if err:
        return err
    root = fs.views.get(trig.get("view_id") or "", {}).get("root_view_id")
    stack = fs.view_stacks.get(root or "")
    if not stack:  # the trigger did not come from an open modal
        return {"ok": False, "error": "not_found"}
    if len(stack) >= PUSH_LIMIT:
        return {"ok": False, "error": "push_limit_reached"}
    return {"ok": True, "view": public(push_view(fs, root, args["view"]))}


def push_view(fs, root: str, view: dict) -> dict:
    stack = fs.view_stacks[root]
    vid = fs.new_id("V")
    stored = _store(fs, view, vid, root=root, prev=stack[-1], old=None)
    stack.append(vid)
    fs.view_owner[vid] = fs.view_owner.get(root)
    return stored


def views_update(fs, args, call):
    vid, ext = args.get("view_id"), args.get("external_id")
    if bool(vid) == bool(ext):
        return fs.invalid(
            call, "invalid_arguments", ["exactly one of `view_id` or `external_id` is required"]
        )
    vid = vid or fs.external_ids.get(ext)
    old = fs.views.get(vid or "")
    if old is None or (old["type"] == "modal" and open_stack(fs, vid) is None):
        # A modal the user closed (or that a submission closed) is gone: Slack answers
        # not_found ("The view_id or external_id has not been found"), never ok.
        return {"ok": False, "error": "not_found"}
    if args.get("hash") and args["hash"] != old["hash"]:
        return {"ok": False, "error": "hash_conflict"}
    err = _check_view(fs, args, call, want=old["type"], current_id=vid)
    if err:
        return err
    stored = _store(
        fs, args["view"], vid, root=old["root_view_id"], prev=old["previous_view_id"], old=old
    )
    return {"ok": True, "view": public(stored)}


def update_view(fs, vid: str, view: dict) -> dict:
    old = fs.views[vid]
    return _store(fs, view, vid, root=old["root_view_id"], prev=old["previous_view_id"], old=old)


def views_publish(fs, args, call):
    uid = args.get("user_id")
    if uid not in fs.users:
        return {"ok": False, "error": "user_not_found"}
    current = fs.home_views.get(uid)
    old = fs.views.get(current or "")
    if old and args.get("hash") and args["hash"] != old["hash"]:
        return {"ok": False, "error": "hash_conflict"}
    err = _check_view(fs, args, call, want="home", current_id=current)
    if err:
        return err
    vid = current or fs.new_id("V")
    stored = _store(fs, args["view"], vid, root=vid, prev=None, old=old)
    fs.home_views[uid] = vid
    fs.view_owner[vid] = uid
    return {"ok": True, "view": public(stored)}


def open_stack(fs, view_id: str) -> list[str] | None:
    root = fs.views.get(view_id, {}).get("root_view_id")
    stack = fs.view_stacks.get(root or "")
    return stack if stack and view_id in stack else None


def close_view(fs, view_id: str, *, clear: bool = False) -> None:
    """Close the top view (back to the previous one) or, with ``clear``, the whole modal."""
    root = fs.views.get(view_id, {}).get("root_view_id")
    stack = fs.view_stacks.get(root or "")
    if not stack:
        return
    if clear or len(stack) == 1:
        del fs.view_stacks[root]
    elif stack[-1] == view_id:
        stack.pop()


VIEW_METHODS = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
