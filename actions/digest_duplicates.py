"""The duplicates digest: leads and contacts that share an email, across both objects.

SOQL cannot group across two objects, and a semi-join (``WHERE Email IN (SELECT Email FROM
Contact)``) only compares id fields. So one run sends ONE API call: a REST Composite request
("The entire series of requests counts as a single call toward your API limits", REST API
Developer Guide, "Send Multiple Requests Using Composite") holding two aggregate queries, the
emails of open leads and of contacts, each grouped with its count and lowest and highest id.
The two are joined here: an email held by more than one record in all is a group.

An aggregate answer is one batch (no queryMore), so each query is limited to MAX_GROUPS
distinct emails, in email order; when an object has more, the digest says so in a last item
instead of silently missing groups. Converted leads (they became contacts) are left out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from actions.context import ActionContext
from actions.digest_item import DigestItem
from actions.errors import SalesforceUnavailable
from actions.objects import record_url
from actions.sf_errors import refusal_from_errors

MAX_GROUPS = 2000  # the LIMIT of both queries: one batch of an aggregate answer
MAX_ITEMS = 200

GROUP_QUERIES = {
    "Lead": (
        "SELECT Email, COUNT(Id) n, MIN(Id) first_id, MAX(Id) last_id FROM Lead "
        "WHERE IsConverted = false AND Email != null GROUP BY Email ORDER BY Email LIMIT 2000"
    ),
    "Contact": (
        "SELECT Email, COUNT(Id) n, MIN(Id) first_id, MAX(Id) last_id FROM Contact "
        "WHERE Email != null GROUP BY Email ORDER BY Email LIMIT 2000"
    ),
}
# The key under which digests due at the same time share the one call (bot.digests.engine).
DUPLICATES_KEY = "composite: " + " | ".join(GROUP_QUERIES.values())


def composite_body(api_version: str) -> dict[str, Any]:
    return {
        "allOrNone": False,
        "compositeRequest": [
            {
                "method": "GET",
                "url": f"/services/data/v{api_version}/query/?q={quote(soql)}",
                "referenceId": api_name,
            }
            for api_name, soql in GROUP_QUERIES.items()
        ],
    }


def fetch_duplicate_groups(ctx: ActionContext, _key: str) -> list[dict[str, Any]]:
    """One Composite call; the rows are the joined groups, largest first."""
    version = ctx.connection.current().api_version
    answer = ctx.connection.rest("composite", method="POST", json=composite_body(version))
    per_object: dict[str, list[dict[str, Any]]] = {}
    for sub in (answer or {}).get("compositeResponse") or []:
        status, body = int(sub.get("httpStatusCode") or 0), sub.get("body")
        if status >= 300:
            errors = body if isinstance(body, list) else [{"message": str(body)[:300]}]
            raise refusal_from_errors(status, errors, write=False)
        per_object[str(sub.get("referenceId"))] = list((body or {}).get("records") or [])
    if set(per_object) != set(GROUP_QUERIES):
        raise SalesforceUnavailable("Salesforce's composite answer lacked a query result")
    return join_groups(per_object)


def join_groups(per_object: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for api_name, rows in per_object.items():
        for r in rows:
            email = str(r.get("Email") or "")
            g = groups.setdefault(email.casefold(), {"Email": email, "counts": {}, "ids": {}})
            g["counts"][api_name] = int(r.get("n") or 0)
            g["ids"][api_name] = list(
                dict.fromkeys(i for i in (r.get("first_id"), r.get("last_id")) if i)
            )
    found = [g for g in groups.values() if sum(g["counts"].values()) > 1]
    found.sort(key=lambda g: (-sum(g["counts"].values()), g["Email"].casefold()))
    truncated = [name for name, rows in per_object.items() if len(rows) >= MAX_GROUPS]
    rows = found[:MAX_ITEMS]
    if truncated:
        rows.append({"truncated": truncated})
    return rows


def duplicate_group_items(rows: list[dict[str, Any]], instance_url: str) -> list[DigestItem]:
    items = []
    for r in rows:
        if "truncated" in r:
            items.append(
                DigestItem(
                    title=f"Only the first {MAX_GROUPS:,} distinct emails of each object were "
                    "compared",
                    url=None,
                    fields=[("Objects with more", ", ".join(r["truncated"]))],
                )
            )
            continue
        counts, ids = r["counts"], r["ids"]
        links = [
            f"<{record_url(instance_url, api_name, i)}|{i}>"
            for api_name, group_ids in ids.items()
            for i in group_ids
        ]
        fields = [(f"{name}s", f"{n:,}") for name, n in counts.items() if n]
        fields.append(("Records", " ".join(links)))
        all_ids = tuple(i for group_ids in ids.values() for i in group_ids)
        items.append(DigestItem(title=r["Email"], url=None, fields=fields, merge_ids=all_ids))
    return items
