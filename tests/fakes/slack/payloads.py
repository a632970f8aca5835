"""Builders for what Slack sends to the app (interaction payload pieces).

* block_actions: https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
  (``actions[]`` items carry action_id, block_id, type, action_ts and the element's value:
  ``value``/``text`` for buttons, ``selected_option(s)`` for menus, ``selected_date`` ...)
* view state values (``view.state.values[block_id][action_id]``):
  https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_submission
  and https://docs.slack.dev/changelog/2020-09-full-state-on-view-submisson-and-block-actions
"""

from __future__ import annotations

import copy
import time
from typing import Any

SELECTED_KEY = {
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
}
SINGLE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}


def action_ts() -> str:
    return f"{time.time():.6f}"


def iter_elements(blocks: list) -> list[tuple[dict, dict]]:
    """(block, element) pairs for every interactive element in a surface."""
    out = []
    for b in blocks or []:
        if not isinstance(b, dict):
            continue
        els = [e for e in b.get("elements") or [] if isinstance(e, dict) and "action_id" in e]
        els += [b[k] for k in ("element", "accessory") if isinstance(b.get(k), dict)]
        out += [(b, e) for e in els]
    return out


def find_element(blocks: list, action_id: str, block_id: str | None = None) -> tuple[dict, dict]:
    for b, e in iter_elements(blocks):
        if e.get("action_id") == action_id and (block_id is None or b.get("block_id") == block_id):
            return b, e
    raise ValueError(
        f"no element with action_id={action_id!r} block_id={block_id!r} on this surface; "
        "a user can only interact with what the app actually rendered"
    )


def _options(element: dict) -> list[dict]:
    opts = list(element.get("options") or [])
    for g in element.get("option_groups") or []:
        opts += g.get("options") or []
    return opts


def _pick(element: dict, value: Any) -> dict:
    if isinstance(value, dict):
        return copy.deepcopy(value)
    if element["type"] in ("external_select", "multi_external_select"):
        raise ValueError("external_select values must be full option objects the app returned")
    for o in _options(element):
        if o.get("value") == value:
            return copy.deepcopy(o)
    raise ValueError(f"{value!r} is not one of the options of {element.get('action_id')!r}")


def typed_value(element: dict, value: Any) -> dict:
    """Turn a plain value (or a partial dict) into Slack's typed state/action value."""
    etype = element["type"]
    if isinstance(value, dict) and (
        "type" in value or any(k.startswith("selected") or k == "value" for k in value)
    ):
        return {"type": etype, **copy.deepcopy(value)}
    if etype in SINGLE_OPTION:
        return {
            "type": etype,
            "selected_option": _pick(element, value) if value is not None else None,
        }
    if etype in MULTI_OPTION:
        return {"type": etype, "selected_options": [_pick(element, v) for v in value or []]}
    if etype in SELECTED_KEY:
        return {"type": etype, SELECTED_KEY[etype]: value}
    raise ValueError(f"element type {etype!r} carries no value")


def build_action(block: dict, element: dict, value: Any = None) -> dict:
    """One ``actions[]`` entry as Slack sends it for ``element`` in ``block``."""
    act: dict[str, Any] = {
        "action_id": element["action_id"],
        "block_id": block.get("block_id"),
        "type": element["type"],
        "action_ts": action_ts(),
    }
    if element["type"] == "button":
        act["text"] = copy.deepcopy(element.get("text"))
        if "value" in element:
            act["value"] = element["value"]
        if "style" in element:
            act["style"] = element["style"]
        return act
    typed = typed_value(element, value)
    typed.pop("type", None)
    act.update(typed)
    if "placeholder" in element:
        act["placeholder"] = copy.deepcopy(element["placeholder"])
    return act


def check_state_value(element: dict, entry: dict, where: str) -> None:
    """What the Slack client itself enforces before sending (e.g. input lengths)."""
    if element["type"] == "plain_text_input":
        v = entry.get("value") or ""
        if element.get("max_length") is not None and len(v) > element["max_length"]:
            raise ValueError(f"{where}: Slack's client refuses input longer than max_length")
        if v and element.get("min_length") is not None and len(v) < element["min_length"]:
            raise ValueError(f"{where}: Slack's client refuses input shorter than min_length")


INITIAL_KEY = {
    "users_select": "initial_user",
    "multi_users_select": "initial_users",
    "conversations_select": "initial_conversation",
    "multi_conversations_select": "initial_conversations",
    "channels_select": "initial_channel",
    "multi_channels_select": "initial_channels",
    "datepicker": "initial_date",
    "timepicker": "initial_time",
    "datetimepicker": "initial_date_time",
    "plain_text_input": "initial_value",
    "email_text_input": "initial_value",
    "url_text_input": "initial_value",
    "number_input": "initial_value",
}


def initial_entry(element: dict) -> dict | None:
    """The state entry Slack reports for an element the user has not touched: its initial
    value, or null ("view.state.values" in the view object reference lists every stateful
    element of input blocks)."""
    etype = element.get("type")
    if etype in SINGLE_OPTION and etype != "overflow":
        return {"type": etype, "selected_option": copy.deepcopy(element.get("initial_option"))}
    if etype in MULTI_OPTION:
        return {
            "type": etype,
            "selected_options": copy.deepcopy(element.get("initial_options") or []),
        }
    if etype in SELECTED_KEY:
        return {"type": etype, SELECTED_KEY[etype]: copy.deepcopy(element.get(INITIAL_KEY[etype]))}
    return None


def has_value(entry: dict | None) -> bool:
    if not entry:
        return False
    return any(v not in (None, "", []) for k, v in entry.items() if k != "type")


def fill_state(view: dict, values: dict[str, dict[str, Any]]) -> dict:
    """Merge ``values`` into the view's state, checking every id exists on the view."""
    state = copy.deepcopy(view.get("state") or {"values": {}})
    state.setdefault("values", {})
    for bid, per_action in (values or {}).items():
        for aid, val in per_action.items():
            _block, el = find_element(view.get("blocks") or [], aid, bid)
            entry = typed_value(el, val)
            check_state_value(el, entry, f"{bid}/{aid}")
            state["values"].setdefault(bid, {})[aid] = entry
    return state


def missing_required_inputs(view: dict, state: dict) -> list[str]:
    """Input blocks are required unless ``optional: true``; Slack's client won't submit
    without them (https://docs.slack.dev/reference/block-kit/blocks/input-block)."""
    missing = []
    for b in view.get("blocks") or []:
        if isinstance(b, dict) and b.get("type") == "input" and not b.get("optional", False):
            el = b.get("element") or {}
            entry = state["values"].get(b.get("block_id"), {}).get(el.get("action_id"))
            if not has_value(entry):
                missing.append(b.get("block_id"))
    return missing


def response_url_inputs(view: dict) -> list[tuple[str, str]]:
    """(block_id, action_id) of input elements with response_url_enabled (view_submission
    ``response_urls``)."""
    out = []
    for b in view.get("blocks") or []:
        el = b.get("element") if isinstance(b, dict) and b.get("type") == "input" else None
        if isinstance(el, dict) and el.get("response_url_enabled"):
            out.append((b.get("block_id"), el.get("action_id")))
    return out
