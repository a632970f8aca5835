"""response_url endpoint of FakeSlack.

https://docs.slack.dev/interactivity/handling-user-interaction#message_responses -- JSON
message payload plus ``response_type`` (ephemeral|in_channel), ``replace_original``,
``delete_original``; a response_url may be used up to 5 times within 30 minutes.
"""

from __future__ import annotations

import json
from typing import Any

from . import blockkit, webapi

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL = 30 * 60


def handle_post(fs, rid: str, body: bytes):
    def text(status: int, msg: str):
        return status, {"Content-Type": "text/html"}, msg.encode()

    with fs._cond:
        entry = fs.response_urls.get(rid)
        record: dict[str, Any] = {"url": f"{fs.base_url}/response/{rid}", "ts": fs.clock()}
        try:
            record["body"] = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            record["body"] = body.decode("utf-8", "replace")
        fs.responses.append(record)
        fs._cond.notify_all()
        if entry is None:
            record["status"] = 404
            return text(404, "no_service")
        if fs._fail.get("response_url"):  # fail_next("response_url", status=500): not applied
            failure = fs._fail["response_url"].pop(0)
            record["status"] = failure["status"]
            return text(failure["status"], failure["error"])
        entry["uses"] += 1
        if fs.clock() - entry["issued"] > RESPONSE_URL_TTL:
            record["status"] = 404
            return text(404, "expired_url")
        if entry["uses"] > RESPONSE_URL_MAX_USES:
            record["status"] = 404
            return text(404, "used_url")
        msg = record["body"]
        problems = check_body(msg)
        if problems:
            record["status"] = 400
            record["invalid"] = problems
            fs.invalid_calls.append({"method": "response_url", "args": msg, "invalid": problems})
            return text(400, "invalid_blocks" if "blocks" in str(problems) else "invalid_payload")
        record["status"] = 200
        webapi.apply_response_url(fs, entry, msg)
        return text(200, "ok")


def check_body(msg: Any) -> list[str]:
    """response_url payload = message payload + response_type/replace_original/delete_original.
    https://docs.slack.dev/interactivity/handling-user-interaction#message_responses"""
    if not isinstance(msg, dict):
        return ["[ERROR] body must be a JSON object [json-pointer:]"]
    problems: list[str] = []
    if msg.get("response_type") not in (None, "ephemeral", "in_channel"):
        problems.append(
            "[ERROR] must be one of [ephemeral in_channel] [json-pointer:/response_type]"
        )
    if msg.get("delete_original"):
        return problems
    if not msg.get("text") and not msg.get("blocks") and not msg.get("attachments"):
        problems.append("[ERROR] no_text [json-pointer:/text]")
    if "blocks" in msg:
        problems += blockkit.validate_blocks(msg["blocks"], "message")
    return problems
