"""Is a signed body a Slack payload that Bolt and sfbot can route? ``payload_problem`` says.

Run by ``bot.request_guard`` only after the signature is checked. It parses the body exactly
as Bolt will (``BoltRequest``: JSON when the content type is application/json or the body
starts with ``{``, otherwise a form whose ``payload`` field holds JSON), then checks the
envelope fields Bolt's matchers and sfbot's listeners read, by payload type, against Slack's
documented shapes:

* slash commands (form fields):
  https://docs.slack.dev/interactivity/implementing-slash-commands#app_command_handling
* interaction payloads (block_actions, view_submission, view_closed, shortcut,
  message_action, block_suggestion):
  https://docs.slack.dev/reference/interaction-payloads
* Events API envelopes (event_callback, url_verification, app_rate_limited):
  https://docs.slack.dev/apis/events-api#callback-field
"""

from __future__ import annotations

from typing import Any

from slack_bolt.request import BoltRequest

Checks = list[tuple[str, tuple[type, ...], bool]]  # (field, allowed types, required)

OBJ, STR, LIST, NONE = (dict,), (str,), (list,), (type(None),)

# type -> fields of the payload Bolt's matchers or sfbot's listeners read
INTERACTION_FIELDS: dict[str, Checks] = {
    "block_actions": [
        ("user", OBJ, True),
        ("actions", LIST, True),
        ("trigger_id", STR, False),
        ("response_url", STR, False),
        ("view", OBJ + NONE, False),
        ("container", OBJ + NONE, False),
        ("channel", OBJ + NONE, False),
        ("message", OBJ + NONE, False),
        ("state", OBJ + NONE, False),
    ],
    "view_submission": [
        ("user", OBJ, True),
        ("view", OBJ, True),
        ("trigger_id", STR, False),
        ("response_urls", LIST, False),
    ],
    "view_closed": [("user", OBJ, True), ("view", OBJ, True)],
    "shortcut": [("user", OBJ, True), ("callback_id", STR, True), ("trigger_id", STR, True)],
    "message_action": [
        ("user", OBJ, True),
        ("callback_id", STR, True),
        ("trigger_id", STR, True),
        ("message", OBJ, True),
        ("channel", OBJ, True),
        ("response_url", STR, False),
    ],
    "block_suggestion": [
        ("user", OBJ, True),
        ("action_id", STR, True),
        ("block_id", STR, True),
        ("value", STR, True),
        ("view", OBJ + NONE, False),
    ],
}
COMMON_FIELDS: Checks = [
    ("team", OBJ + NONE, False),
    ("enterprise", OBJ + STR + NONE, False),
    ("api_app_id", STR, False),
    ("authorizations", LIST + NONE, False),
]
VIEW_FIELDS: Checks = [
    ("id", STR, True),
    ("type", STR, False),
    ("callback_id", STR, False),
    ("private_metadata", STR, False),
    ("state", OBJ, False),
    ("hash", STR, False),
    ("external_id", STR, False),
    ("root_view_id", STR + NONE, False),
    ("previous_view_id", STR + NONE, False),
    ("app_installed_team_id", STR + NONE, False),
    ("team_id", STR + NONE, False),
]
ACTION_FIELDS: Checks = [
    ("action_id", STR, True),
    ("block_id", STR, True),
    ("type", STR, False),
    ("value", STR, False),
    ("selected_option", OBJ + NONE, False),
    ("selected_options", LIST, False),
]
COMMAND_FIELDS = ("command", "user_id", "team_id", "channel_id", "trigger_id", "response_url")


def payload_problem(body: bytes, content_type: str | None) -> str | None:
    """What makes ``body`` unroutable, or None when it is a well-formed Slack payload."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    try:
        request = BoltRequest(body=text, headers={"content-type": content_type or ""})
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        return f"body does not parse ({type(exc).__name__})"
    payload: Any = request.body
    if not isinstance(payload, dict):
        return f"payload is {type(payload).__name__}, not an object"
    if not payload:
        return "empty payload"
    kind = payload.get("type")
    if kind is None and "command" in payload:
        missing = [f for f in COMMAND_FIELDS if not isinstance(payload.get(f), str)]
        return f"slash command without {', '.join(missing)}" if missing else None
    if not isinstance(kind, str):
        return "payload has no string type"
    problem = _fields_problem(payload, COMMON_FIELDS, "")
    if problem:
        return problem
    if kind in INTERACTION_FIELDS:
        return _interaction_problem(kind, payload)
    if kind == "event_callback":
        return _event_problem(payload)
    if kind == "url_verification" and not isinstance(payload.get("challenge"), str):
        return "url_verification without a string challenge"
    return None


def _interaction_problem(kind: str, payload: dict[str, Any]) -> str | None:
    problem = _fields_problem(payload, INTERACTION_FIELDS[kind], "")
    if problem:
        return problem
    if not isinstance(payload["user"].get("id"), str):
        return "user.id is not a string"
    view = payload.get("view")
    if isinstance(view, dict):
        problem = _fields_problem(view, VIEW_FIELDS, "view.") or _state_problem(view)
        if problem:
            return problem
    for i, action in enumerate(payload.get("actions") or []):
        if not isinstance(action, dict):
            return f"actions[{i}] is not an object"
        problem = _fields_problem(action, ACTION_FIELDS, f"actions[{i}].")
        if problem:
            return problem
    if kind == "block_actions" and not payload["actions"]:
        return "block_actions without actions"
    for i, entry in enumerate(payload.get("response_urls") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("response_url"), str):
            return f"response_urls[{i}] has no string response_url"
    return None


def _state_problem(view: dict[str, Any]) -> str | None:
    values = (view.get("state") or {}).get("values", {})
    if not isinstance(values, dict):
        return "view.state.values is not an object"
    for block_id, block in values.items():
        if not isinstance(block, dict) or not all(isinstance(v, dict) for v in block.values()):
            return f"view.state.values.{block_id} is not an object of objects"
    return None


def _event_problem(payload: dict[str, Any]) -> str | None:
    event = payload.get("event")
    if not isinstance(event, dict):
        return "event_callback without an event object"
    if not isinstance(event.get("type"), str):
        return "event.type is not a string"
    return None


def _fields_problem(obj: dict[str, Any], checks: Checks, where: str) -> str | None:
    for name, allowed, required in checks:
        if name not in obj:
            if required:
                return f"{where}{name} is missing"
            continue
        if not isinstance(obj[name], allowed):
            return f"{where}{name} is {type(obj[name]).__name__}"
    return None
