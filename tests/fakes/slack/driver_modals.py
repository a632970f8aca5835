"""Modal-side interactions of SlackDriver (mixin): view_submission, view_closed and
block_suggestion, and what Slack does with the app's acknowledgement.

* view_submission / view_closed payloads:
  https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload
* response_action (errors | update | push | clear; empty 200 closes the view):
  https://docs.slack.dev/surfaces/modals#updating_response
* block_suggestion payload / options ack (max 100 options):
  https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload
"""

from __future__ import annotations

import json
from typing import Any

import requests

from . import blockkit, payloads, webapi_views


class ModalInteractions:
    """Needs the SlackDriver helpers: fake, _common, _visible_view, _interactive, _json,
    _record_ack, _channel."""

    fake: Any
    _common: Any
    _visible_view: Any
    _interactive: Any
    _json: Any
    _record_ack: Any
    _channel: Any

    def view_submission(
        self, view: dict, values: dict | None = None, *, user_id: str
    ) -> requests.Response:
        current = self._visible_view(view)
        stack = webapi_views.open_stack(self.fake, current["id"])
        if current["type"] != "modal" or not stack or stack[-1] != current["id"]:
            raise ValueError("only the top view of an open modal can be submitted")
        state = payloads.fill_state(current, values or {})
        missing = payloads.missing_required_inputs(current, state)
        if missing:
            raise ValueError(f"Slack's client will not submit: required inputs empty: {missing}")
        with self.fake._lock:
            current["state"] = state
        p = self._common("view_submission", user_id)
        p["view"] = json.loads(json.dumps(current))
        p["trigger_id"] = self.fake.issue_trigger_id(user_id, view_id=current["id"])
        urls = []
        for bid, aid in payloads.response_url_inputs(current):
            chan = (state["values"].get(bid, {}).get(aid) or {}).get("selected_conversation") or (
                state["values"].get(bid, {}).get(aid) or {}
            ).get("selected_channel")
            if chan:
                urls.append(
                    {
                        "block_id": bid,
                        "action_id": aid,
                        "channel_id": chan,
                        "response_url": self.fake.new_response_url(chan, user_id),
                    }
                )
        p["response_urls"] = urls
        r = self._interactive(p)
        self._apply_submission_ack(r, current)
        return r

    def _apply_submission_ack(self, r: requests.Response, current: dict) -> None:
        """response_action handling: https://docs.slack.dev/surfaces/modals#updating_response
        (errors | update | push | clear; an empty 200 closes the view)."""
        body, problems, fs = self._json(r), [], self.fake
        if r.status_code != 200:
            self._record_ack("view_submission", r, problems)
            return
        with fs._lock:
            action = body.get("response_action") if isinstance(body, dict) else None
            if body in (None, "", {}):
                webapi_views.close_view(fs, current["id"])
            elif action == "errors":
                inputs = {b.get("block_id") for b in current["blocks"] if b.get("type") == "input"}
                errs = body.get("errors")
                if not isinstance(errs, dict) or not errs:
                    problems = ["[ERROR] errors must be a non-empty object [json-pointer:/errors]"]
                else:
                    problems = [
                        f"[ERROR] '{k}' is not an input block_id [json-pointer:/errors/{k}]"
                        for k in errs
                        if k not in inputs
                    ]
            elif action in ("update", "push"):
                problems = blockkit.validate_view(body.get("view"))
                if not problems and body["view"].get("type") != "modal":
                    problems = ["[ERROR] must be modal [json-pointer:/view/type]"]
                if not problems and action == "update":
                    webapi_views.update_view(fs, current["id"], body["view"])
                elif not problems:
                    stack = webapi_views.open_stack(fs, current["id"]) or []
                    if len(stack) >= webapi_views.PUSH_LIMIT:
                        problems = ["[ERROR] push_limit_reached [json-pointer:/response_action]"]
                    else:
                        webapi_views.push_view(fs, current["root_view_id"], body["view"])
            elif action == "clear":
                webapi_views.close_view(fs, current["id"], clear=True)
            else:
                problems = [
                    f"[ERROR] unsupported ack body {body!r} [json-pointer:/response_action]"
                ]
        self._record_ack("view_submission", r, problems)

    def view_closed(
        self, view: dict, *, user_id: str, is_cleared: bool = False
    ) -> requests.Response | None:
        """https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_closed
        -- only sent when the view has ``notify_on_close: true``; returns None otherwise."""
        current = self._visible_view(view)
        with self.fake._lock:
            webapi_views.close_view(
                self.fake, current["id"], clear=is_cleared or current["clear_on_close"]
            )
        if not current.get("notify_on_close"):
            return None
        p = self._common("view_closed", user_id)
        p["view"] = json.loads(json.dumps(current))
        p["is_cleared"] = is_cleared
        r = self._interactive(p)
        self._record_ack("view_closed", r, [])
        return r

    def block_suggestion(
        self,
        action_id: str,
        block_id: str,
        value: str,
        *,
        user_id: str,
        view: dict | None = None,
        channel_id: str | None = None,
        message: dict | None = None,
    ) -> requests.Response:
        """https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload"""
        p = self._common("block_suggestion", user_id)
        if view is not None:
            current = self._visible_view(view)
            blocks = current["blocks"]
            p["container"] = {"type": "view", "view_id": current["id"]}
            p["view"] = json.loads(json.dumps(current))
        else:
            if not channel_id or message is None:
                raise ValueError("block_suggestion needs view=... or channel_id=+message=")
            blocks = message.get("blocks") or []
            p["container"] = {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            p["channel"], p["message"] = self._channel(channel_id), message
        _b, el = payloads.find_element(blocks, action_id, block_id)
        if el["type"] not in ("external_select", "multi_external_select"):
            raise ValueError("block_suggestion only happens for external select menus")
        p.update(
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": payloads.action_ts(),
            }
        )
        r = self._interactive(p)
        body = self._json(r)
        problems = blockkit.validate_options_response(body) if r.status_code == 200 else []
        self._record_ack("block_suggestion", r, problems)
        return r
