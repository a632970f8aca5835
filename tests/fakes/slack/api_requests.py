"""The ``/api/<method>`` endpoint of FakeSlack: reading a request and what Slack refuses
before the method runs (bad body, token, injected failure, rate limit, unknown method, scope).

* Arguments arrive as querystring, ``application/x-www-form-urlencoded`` or ``application/json``;
  JSON bodies require the token in ``Authorization: Bearer`` (no ``token`` field):
  https://docs.slack.dev/apis/web-api and
  https://docs.slack.dev/changelog/2017-10-keeping-up-with-the-jsons
* Every answer is JSON with a top-level ``ok``; failures carry ``error``:
  https://docs.slack.dev/apis/web-api#responses
* Rate limiting answers HTTP 429 with a ``Retry-After`` header (seconds) and
  ``{"ok": false, "error": "ratelimited"}``: https://docs.slack.dev/apis/web-api/rate-limits
* ``apps.connections.open`` takes an app-level token (socket_mode.py); every other method
  refuses one with ``not_allowed_token_type``.
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any
from urllib.parse import parse_qs

from . import scopes, socket_mode, webapi

JSON_FIELDS = ("view", "blocks", "attachments", "metadata")


def read_args(query: str, ctype: str, body: bytes) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """``(args, raw_args, bad_body)``: the querystring and body merged, JSON fields decoded."""
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    bad_body = False
    if body and ctype.startswith("application/json"):
        try:
            loaded = json.loads(body.decode("utf-8"))
            args.update(loaded if isinstance(loaded, dict) else {})
            bad_body = not isinstance(loaded, dict)
        except (UnicodeDecodeError, json.JSONDecodeError):
            bad_body = True
    elif body:
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        args.update({k: v[0] for k, v in form.items()})
    raw_args = dict(args)
    for key in JSON_FIELDS:  # form bodies carry these as JSON-encoded strings
        if isinstance(args.get(key), str) and args[key]:
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(args[key])
    return args, raw_args, bad_body


def token_of(headers: Any, args: dict[str, Any], is_json: bool) -> str | None:
    """The bearer token, else (form and query only) the ``token`` argument, which is removed."""
    auth = headers.get("Authorization") or ""
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    if token is None and not is_json:
        token = args.get("token")
    args.pop("token", None)
    return token


def handle_call(fs, method: str, verb: str, query: str, headers: Any, body: bytes):
    """Record the call in ``fs.calls`` and answer it as Slack would: ``(status, headers, body)``."""
    ctype = (headers.get("Content-Type") or "").lower()
    is_json = ctype.startswith("application/json")
    args, raw_args, bad_body = read_args(query, ctype, body)
    token = token_of(headers, args, is_json)
    call = {
        "method": method,
        "args": args,
        "raw_args": raw_args,
        "token": token,
        "ts": fs.clock(),
        "http_method": verb,
        "content_type": ctype,
    }
    status, extra_headers = 200, {}
    with fs._cond:
        fs.calls.append(call)
        if bad_body:
            resp = fs.invalid(call, "invalid_json", ["[ERROR] the JSON body is malformed"])
        elif not token:
            resp = fs.invalid(call, "not_authed", ["[ERROR] no token was sent"])
        elif method == "apps.connections.open":  # app-level token only: socket_mode.py
            resp = socket_mode.connections_open(fs, token)
        elif token.startswith("xapp-"):
            resp = fs.invalid(
                call,
                "not_allowed_token_type",
                ["[ERROR] an app-level token for a Web API method"],
            )
        elif token != fs.bot_token:
            resp = fs.invalid(call, "invalid_auth", ["[ERROR] the token is not valid"])
        elif fs._fail.get(method):
            f = fs._fail[method].pop(0)
            status, resp = f["status"], {"ok": False, "error": f["error"]}
            if status == 429:
                extra_headers["Retry-After"] = str(f["retry_after"])
        elif (wait := rate_wait(fs, method, args.get("channel"))) is not None:
            status, resp = 429, {"ok": False, "error": "ratelimited"}
            extra_headers["Retry-After"] = str(wait)
        elif method not in webapi.METHODS:
            resp = fs.invalid(
                call, "unknown_method", [f"[ERROR] unknown method {method}"], req_method=method
            )
        elif (refused := scopes.refuse(fs, method, args)) is not None:
            resp = fs.invalid(
                call, "missing_scope", [f"[ERROR] the token lacks {refused['needed']}"]
            )
            resp.update(needed=refused["needed"], provided=refused["provided"])
        else:
            resp = scopes.redact(fs, method, webapi.call_method(fs, method, args, call))
            if method == "chat.postMessage" and resp.get("ok"):
                fs.app_posted(resp["channel"], resp["message"])
        call["status"], call["response"] = status, resp
        fs._cond.notify_all()
    payload = json.dumps(resp).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8", **extra_headers}, payload


def rate_wait(fs, method: str, channel: str | None) -> int | None:
    """Seconds to wait under a ``FakeSlack.rate_limit`` rule, or None (the call counts)."""
    now = fs.clock()
    for key in ((method, channel), (method, None)):
        rule = fs._rate.get(key)
        if rule is None or (key[1] is not None and key[1] != channel):
            continue
        if rule["last"] is not None and now - rule["last"] < rule["interval"]:
            return max(1, math.ceil(rule["interval"] - (now - rule["last"])))
        rule["last"] = now
        return None
    return None
