"""POST /services/data/vXX.X/composite ("Send Multiple Requests Using Composite", REST API
Developer Guide, https://developer.salesforce.com/docs/platform/api-rest/guide/
resources-composite-composite-post.html).

* Body {"allOrNone"?: bool, "compositeRequest": [{"method", "url", "referenceId", "body"?}]}.
  "The entire series of requests counts as a single call toward your API limits."
* At most 25 subrequests, of which at most 5 query operations; every url must use the same
  API version as the composite request.
* Answer {"compositeResponse": [{"body", "httpHeaders", "httpStatusCode", "referenceId"}]},
  in order; a failing subrequest's body is the usual error array.

Emulated subset: GET subrequests to the Query resource and to sObject rows. References
(``@{ref.field}``) are not emulated: a url holding one is refused, so a client relying on them
is caught here rather than in production.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from .errors import SFError

MAX_SUBREQUESTS = 25
MAX_QUERIES = 5
_REF_ID = re.compile(r"^[A-Za-z0-9_]+$")


def _bad(message: str) -> SFError:
    return SFError(400, "INVALID_INPUT", message)


def run(rest, version: str, body: object) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise SFError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    subs = body["compositeRequest"]
    if not subs or len(subs) > MAX_SUBREQUESTS:
        raise _bad(f"A composite request takes 1 to {MAX_SUBREQUESTS} subrequests")
    prefix = f"/services/data/v{version}/"
    queries = 0
    for sub in subs:
        url = str(sub.get("url") or "")
        if not _REF_ID.match(str(sub.get("referenceId") or "")):
            raise _bad("Every subrequest needs a referenceId of letters, digits and _")
        if not url.startswith(prefix):
            raise _bad(f"Subrequest urls must start with {prefix}")
        if "@{" in url:
            raise _bad("References between subrequests are not emulated")
        queries += url[len(prefix) :].startswith(("query", "queryAll"))
    if queries > MAX_QUERIES:
        raise _bad(f"A composite request may contain at most {MAX_QUERIES} query operations")
    out = []
    for sub in subs:
        method = str(sub.get("method") or "GET").upper()
        parts_url = urlsplit(str(sub["url"]))
        parts = [p for p in parts_url.path[len(prefix) :].split("/") if p]
        query = {k: v[0] for k, v in parse_qs(parts_url.query).items()}
        try:
            if method != "GET" or not parts or parts[0] not in ("query", "sobjects"):
                raise _bad(f"{method} {sub['url']} is not emulated in a composite request")
            status, result = rest.handle(method, version, parts, query, b"")
        except SFError as err:
            status, result = err.status, err.body()
        out.append(
            {
                "body": result,
                "httpHeaders": {},
                "httpStatusCode": status,
                "referenceId": sub["referenceId"],
            }
        )
    return {"compositeResponse": out}
