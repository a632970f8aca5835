"""REST API resources under /services/data (REST API Developer Guide, "Reference > Resources").

* Versions: GET /services/data/ -> [{"label", "url", "version"}] ("Versions", resources_versions).
* Resources by version: GET /services/data/vXX.X/ ("Resources by Version").
* Describe Global GET /sobjects/ -> {"encoding", "maxBatchSize", "sobjects"}; sObject Basic
  Information GET /sobjects/{Obj}/ -> {"objectDescribe", "recentItems"}; POST creates and answers
  201 {"id", "success": true, "errors": []} ("sObject Basic Information", "Create a Record").
* sObject Rows GET/PATCH/DELETE /sobjects/{Obj}/{id}[?fields=a,b]: PATCH and DELETE answer
  204; unknown id -> 404 NOT_FOUND "The requested resource does not exist"; a value that is not
  an id is taken as an external id and answers 404 NOT_FOUND "Provided external ID field does
  not exist or is not accessible: v"; a deleted record -> 404 ENTITY_IS_DELETED "entity is
  deleted" ("sObject Rows", "Status Codes and Error Responses").
* Query / Query More Results: GET /query/?q= -> {"totalSize", "done", "records",
  "nextRecordsUrl"?}; GET /query/{queryLocator}; batches up to 2000 records; an invalid SOQL ->
  MALFORMED_QUERY ("Query", resources_query.htm; "Query More Results").
* Search: GET /search/?q=SOSL -> {"searchRecords": [...]} (resources_search.htm).
* Composite: POST /composite (composite.py), one API call for up to 25 subrequests.
* Limits: GET /limits/ -> {"DailyApiRequests": {"Max", "Remaining"}, ...} (resources_limits).
* Methods an object does not allow answer 405 METHOD_NOT_ALLOWED "HTTP Method 'X' not allowed.
  Allowed are ..." (HTTP 405 in "Status Codes and Error Responses").
"""

from __future__ import annotations

import json
import secrets

from . import composite, soql, soql_eval, sosl
from .errors import SFError, not_found
from .ids import to18
from .schema import ObjectDef

MIN_VERSION = 31.0


def release_label(version: float) -> str:
    k = round(version) - 59  # 59.0 = Winter '24; three releases a year
    return f"{('Winter', 'Spring', 'Summer')[k % 3]} '{24 + k // 3:02d}"


def versions(max_version: str) -> list[dict]:
    out = []
    v = MIN_VERSION
    while v <= float(max_version):
        out.append(
            {"label": release_label(v), "url": f"/services/data/v{v:.1f}", "version": f"{v:.1f}"}
        )
        v += 1.0
    return out


def _method_not_allowed(method: str, allowed: list[str]) -> SFError:
    return SFError(
        405,
        "METHOD_NOT_ALLOWED",
        f"HTTP Method '{method}' not allowed. Allowed are {','.join(allowed)}",
    )


def _json_body(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        col = getattr(exc, "colno", 1)
        line = getattr(exc, "lineno", 1)
        raise SFError(
            400,
            "JSON_PARSER_ERROR",
            f"Unexpected character: was expecting a JSON value at [line:{line}, column:{col}]",
        ) from None


class Rest:
    def __init__(self, emu) -> None:
        self.emu = emu
        self.locators: dict[str, list[dict]] = {}

    @property
    def store(self):
        return self.emu.store

    def handle(
        self, method: str, version: str, parts: list[str], query: dict[str, str], body: bytes
    ) -> tuple[int, object]:
        if method == "HEAD":  # same answer as GET; the server drops the body
            method = "GET"
        if not parts:
            if method != "GET":
                raise _method_not_allowed(method, ["GET", "HEAD"])
            base = f"/services/data/v{version}"
            return 200, {
                k: f"{base}/{k}"
                for k in (
                    "tooling",
                    "metadata",
                    "eclair",
                    "folders",
                    "prechatForms",
                    "chatter",
                    "tabs",
                    "appMenu",
                    "quickActions",
                    "queryAll",
                    "commerce",
                    "wave",
                    "iot",
                    "analytics",
                    "search",
                    "identity",
                    "composite",
                    "parameterizedSearch",
                    "theme",
                    "nouns",
                    "recent",
                    "licensing",
                    "limits",
                    "async-queries",
                    "query",
                    "sobjects",
                )
            }
        head, rest = parts[0], parts[1:]
        if head == "sobjects":
            return self.sobjects(method, version, rest, query, body)
        if head == "query" and method == "GET":
            return 200, self.query(version, rest, query)
        if head == "search" and method == "GET" and not rest:
            q = query.get("q")
            if not q:
                raise SFError(400, "MALFORMED_SEARCH", "A search string has to be specified")
            return 200, sosl.search(self.store, q, version)
        if head == "limits" and method == "GET" and not rest:
            return 200, self.limits()
        if head == "composite" and method == "POST" and not rest:
            return 200, composite.run(self, version, _json_body(body))
        if head in {"query", "search", "limits"}:
            raise _method_not_allowed(method, ["GET", "HEAD"])
        raise not_found()

    # -- sobjects -------------------------------------------------------------------------
    def sobjects(
        self, method: str, version: str, parts: list[str], query: dict[str, str], body: bytes
    ) -> tuple[int, object]:
        if not parts:
            if method != "GET":
                raise _method_not_allowed(method, ["GET", "HEAD"])
            return 200, {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [o.summary(version) for o in self.store.catalog.values()],
            }
        obj = self.store.obj(parts[0])
        if obj is None:
            raise not_found()
        if len(parts) == 1:
            if method == "GET":
                return 200, {"objectDescribe": obj.summary(version), "recentItems": []}
            if method == "POST" and obj.createable:
                data = _json_body(body)
                new_id = self.store.create(obj, data if data is not None else {})
                return 201, {"id": new_id, "success": True, "errors": []}
            raise _method_not_allowed(method, ["GET", "POST"] if obj.createable else ["GET"])
        if len(parts) == 2 and parts[1] == "describe":
            if method != "GET":
                raise _method_not_allowed(method, ["GET", "HEAD"])
            return 200, obj.describe(version)
        if len(parts) == 2:
            return self.row(method, version, obj, parts[1], query, body)
        raise not_found()

    def row(
        self,
        method: str,
        version: str,
        obj: ObjectDef,
        raw_id: str,
        query: dict[str, str],
        body: bytes,
    ) -> tuple[int, object]:
        allowed = (
            ["GET", "HEAD"]
            + (["PATCH"] if obj.updateable else [])
            + (["DELETE"] if obj.deletable else [])
        )
        if method not in allowed:
            raise _method_not_allowed(method, allowed)
        rid = to18(raw_id)
        if rid is None:
            raise SFError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {raw_id}",
            )
        rec = self.store.records.get(rid)
        if rec is None or rec["_type"] != obj.name:
            raise not_found()
        if rec["IsDeleted"]:
            if method == "GET":
                raise not_found()
            raise SFError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        if method == "GET":
            fields = None
            if query.get("fields"):
                fields = []
                for name in query["fields"].split(","):
                    fd = obj.field(name.strip())
                    if fd is None:
                        raise SFError(
                            400,
                            "INVALID_FIELD",
                            f"No such column '{name.strip()}' on "
                            f"entity '{obj.name}'. If you are attempting to use a "
                            "custom field, be sure to append the '__c' after the "
                            "custom field name. Please reference your WSDL or the "
                            "describe call for the appropriate names.",
                        )
                    fields.append(fd)
            return 200, self.store.to_json(rec, version, fields)
        if method == "PATCH":
            data = _json_body(body)
            self.store.update(obj, rec, data if data is not None else {})
            return 204, None
        self.store.delete(rec)
        return 204, None

    # -- query ----------------------------------------------------------------------------
    def query(self, version: str, parts: list[str], query: dict[str, str]) -> dict:
        if parts:
            loc, _, offset = parts[0].rpartition("-")
            rows = self.locators.get(loc)
            if rows is None or not offset.isdigit() or len(parts) > 1:
                raise SFError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            return self._page(version, loc, rows, int(offset))
        q = query.get("q")
        if not q:
            raise SFError(400, "MALFORMED_QUERY", "A query string has to be specified")
        parsed = soql.parse(q, self.store.catalog)
        total, rows = soql_eval.execute(self.store, parsed, version)
        if parsed.count_only or parsed.is_aggregate:
            return {"totalSize": total, "done": True, "records": rows}
        loc = "01g" + secrets.token_hex(8)[:15].upper()
        self.locators[loc] = rows
        return self._page(version, loc, rows, 0)

    def _page(self, version: str, loc: str, rows: list[dict], offset: int) -> dict:
        size = max(1, int(self.emu.query_batch_size))
        batch = rows[offset : offset + size]
        out: dict = {"totalSize": len(rows), "done": offset + size >= len(rows)}
        if not out["done"]:
            out["nextRecordsUrl"] = f"/services/data/v{version}/query/{loc}-{offset + size}"
        else:
            self.locators.pop(loc, None)
        out["records"] = batch
        return out

    def limits(self) -> dict:
        used, limit = self.emu.api_usage

        def lim(mx: int, remaining: int | None = None) -> dict:
            return {"Max": mx, "Remaining": mx if remaining is None else remaining}

        return {
            "ConcurrentAsyncGetReportInstances": lim(200),
            "ConcurrentSyncReportRuns": lim(20),
            "DailyApiRequests": lim(limit, max(0, limit - used)),
            "DailyAsyncApexExecutions": lim(250000),
            "DailyBulkApiBatches": lim(15000),
            "DailyBulkV2QueryJobs": lim(10000),
            "DailyStreamingApiEvents": lim(1000000),
            "DataStorageMB": lim(5, 5),
            "FileStorageMB": lim(20, 20),
            "HourlyTimeBasedWorkflow": lim(1000),
            "SingleEmail": lim(5000),
        }
