"""The kinds of scheduled digest: each a small named query with typed parameters.

Adding a kind is adding one ``DigestKind`` to ``KINDS``: a pydantic model of its parameters, a
function that builds its one SOQL query (every value through ``format_soql``), and one that
turns the rows into items. Slack-agnostic: the bot renders the items. What an admin-written
query (the ``custom`` kind) must be is checked in ``digest_custom_soql``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from actions.context import ActionContext
from actions.digest_custom_soql import MAX_ROWS, check_read_only_soql, with_row_limit
from actions.digest_duplicates import DUPLICATES_KEY, duplicate_group_items, fetch_duplicate_groups
from actions.digest_item import DigestItem
from actions.errors import InvalidInput, invalid_input_from
from actions.escaping import format_soql
from actions.objects import BY_PREFIX, record_url

PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Window:
    """The period a run covers: since the previous run up to its scheduled time."""

    start: datetime
    end: datetime
    today: date  # in the digest's time zone, at the scheduled time


class KindParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoParams(KindParams):
    pass


class DaysParams(KindParams):
    days: int = Field(default=7, ge=1, le=365, description="Days")


class HotLeadParams(KindParams):
    score_field: str = Field(default="Lead_Score__c", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
    threshold: float = Field(default=80, description="Minimum score")


class CustomParams(KindParams):
    soql: str = Field(min_length=10, max_length=4000, description="A SOQL SELECT")

    @field_validator("soql")
    @classmethod
    def _read_only(cls, value: str) -> str:
        return check_read_only_soql(value)


def _dt(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _name(row: dict[str, Any]) -> str:
    return str(row.get("Name") or row.get("CaseNumber") or row.get("Id") or "(no name)")


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _rel(row: dict[str, Any], rel: str, key: str = "Name") -> str | None:
    value = row.get(rel)
    return value.get(key) if isinstance(value, dict) else None


def _item(row: dict[str, Any], instance_url: str, pairs: list[tuple[str, Any]]) -> DigestItem:
    record_id = row.get("Id")
    spec = BY_PREFIX.get(str(record_id)[:3]) if record_id else None
    api = spec.api_name if spec else (row.get("attributes") or {}).get("type")
    url = record_url(instance_url, api, record_id) if record_id and api else None
    return DigestItem(
        title=_name(row),
        url=url,
        fields=[(k, _fmt(v)) for k, v in pairs if v not in (None, "")],
        record_id=record_id,
    )


# -- the kinds ------------------------------------------------------------------------------


def _new_leads_query(p: NoParams, w: Window) -> str:
    return format_soql(
        "SELECT Id, Name, Company, LeadSource, Owner.Name, CreatedDate FROM Lead "
        "WHERE CreatedDate > {:literal} AND CreatedDate <= {:literal} "
        "ORDER BY CreatedDate DESC LIMIT {:literal}",
        _dt(w.start),
        _dt(w.end),
        str(MAX_ROWS),
    )


def _new_leads_items(rows: list[dict[str, Any]], url: str, p: NoParams) -> list[DigestItem]:
    return [
        _item(
            r,
            url,
            [
                ("Owner", _rel(r, "Owner")),
                ("Company", r.get("Company")),
                ("Source", r.get("LeadSource")),
                ("Created", r.get("CreatedDate")),
            ],
        )
        for r in rows
    ]


def _open_cases_query(p: NoParams, w: Window) -> str:
    return format_soql(
        "SELECT Id, CaseNumber, Subject, Priority, Status, CreatedDate, Account.Name FROM Case "
        "WHERE IsClosed = false ORDER BY CreatedDate ASC LIMIT {:literal}",
        str(MAX_ROWS),
    )


def _open_cases_items(rows: list[dict[str, Any]], url: str, p: NoParams) -> list[DigestItem]:
    # Highest priority first, oldest first within a priority (sorted here: SOQL sorts a
    # picklist by its definition order, which differs between orgs).
    ordered = sorted(rows, key=lambda r: PRIORITY_RANK.get(str(r.get("Priority") or "").lower(), 9))
    return [
        _item(
            {**r, "Name": f"{r.get('CaseNumber', '')} {r.get('Subject') or ''}".strip()},
            url,
            [
                ("Priority", r.get("Priority")),
                ("Status", r.get("Status")),
                ("Account", _rel(r, "Account")),
                ("Opened", r.get("CreatedDate")),
            ],
        )
        for r in ordered
    ]


def _closing_query(p: DaysParams, w: Window) -> str:
    return format_soql(
        "SELECT Id, Name, Amount, StageName, CloseDate, Account.Name FROM Opportunity "
        "WHERE IsClosed = false AND CloseDate >= {} AND CloseDate <= {} "
        "ORDER BY CloseDate ASC LIMIT {:literal}",
        w.today,
        w.today + timedelta(days=p.days),
        str(MAX_ROWS),
    )


def _closing_items(rows: list[dict[str, Any]], url: str, p: DaysParams) -> list[DigestItem]:
    return [
        _item(
            r,
            url,
            [
                ("Amount", r.get("Amount")),
                ("Stage", r.get("StageName")),
                ("Close date", r.get("CloseDate")),
                ("Account", _rel(r, "Account")),
            ],
        )
        for r in rows
    ]


def _stale_query(p: DaysParams, w: Window) -> str:
    return format_soql(
        "SELECT Id, Name, Company, Status, Owner.Name, LastModifiedDate FROM Lead "
        "WHERE IsConverted = false AND LastModifiedDate < {:literal} "
        "ORDER BY LastModifiedDate ASC LIMIT {:literal}",
        _dt(w.end - timedelta(days=p.days)),
        str(MAX_ROWS),
    )


def _stale_items(rows: list[dict[str, Any]], url: str, p: DaysParams) -> list[DigestItem]:
    return [
        _item(
            r,
            url,
            [
                ("Company", r.get("Company")),
                ("Status", r.get("Status")),
                ("Owner", _rel(r, "Owner")),
                ("Last touched", r.get("LastModifiedDate")),
            ],
        )
        for r in rows
    ]


def _hot_query(p: HotLeadParams, w: Window) -> str:
    return format_soql(
        "SELECT Id, Name, Company, Status, {:literal} FROM Lead "
        "WHERE IsConverted = false AND {:literal} >= {} "
        "ORDER BY {:literal} DESC LIMIT {:literal}",
        p.score_field,
        p.score_field,
        p.threshold,
        p.score_field,
        str(MAX_ROWS),
    )


def _hot_items(rows: list[dict[str, Any]], url: str, p: HotLeadParams) -> list[DigestItem]:
    items = []
    for r in rows:
        item = _item(
            r,
            url,
            [
                ("Score", r.get(p.score_field)),
                ("Company", r.get("Company")),
                ("Status", r.get("Status")),
            ],
        )
        items.append(
            DigestItem(item.title, item.url, item.fields, item.record_id, convertible_lead=True)
        )
    return items


def _custom_query(p: CustomParams, w: Window) -> str:
    return with_row_limit(p.soql)


def _custom_items(rows: list[dict[str, Any]], url: str, p: CustomParams) -> list[DigestItem]:
    items = []
    for r in rows:
        pairs = [
            (k, v)
            for k, v in r.items()
            if k not in ("attributes", "Id", "Name") and not isinstance(v, dict | list)
        ]
        items.append(_item(r, url, pairs[:6]))
    return items


@dataclass(frozen=True)
class DigestKind:
    name: str
    label: str
    description: str
    params: type[KindParams]
    query: Callable[[Any, Window], str]
    items: Callable[[list[dict[str, Any]], str, Any], list[DigestItem]]
    # How the rows are fetched when it is not one SOQL query (``query`` is then the key
    # under which digests due at the same time share the call).
    fetch: Callable[[ActionContext, str], list[dict[str, Any]]] | None = None


KINDS: dict[str, DigestKind] = {
    k.name: k
    for k in (
        DigestKind(
            "new_leads",
            "New leads",
            "Leads created since the previous digest.",
            NoParams,
            _new_leads_query,
            _new_leads_items,
        ),
        DigestKind(
            "open_cases",
            "Open cases",
            "Open cases, highest priority and oldest first.",
            NoParams,
            _open_cases_query,
            _open_cases_items,
        ),
        DigestKind(
            "closing_opportunities",
            "Opportunities closing soon",
            "Open opportunities closing in the next N days.",
            DaysParams,
            _closing_query,
            _closing_items,
        ),
        DigestKind(
            "stale_leads",
            "Stale leads",
            "Open leads not touched for N days.",
            DaysParams,
            _stale_query,
            _stale_items,
        ),
        DigestKind(
            "duplicates",
            "Possible duplicates",
            "Leads and contacts that share an email address, across both objects.",
            NoParams,
            lambda p, w: DUPLICATES_KEY,
            lambda rows, url, p: duplicate_group_items(rows, url),
            fetch=fetch_duplicate_groups,
        ),
        DigestKind(
            "hot_leads",
            "Hot leads",
            "Open leads whose score is at least a threshold.",
            HotLeadParams,
            _hot_query,
            _hot_items,
        ),
        DigestKind(
            "custom",
            "Custom query",
            "An admin-written SOQL SELECT.",
            CustomParams,
            _custom_query,
            _custom_items,
        ),
    )
}


# -- running ---------------------------------------------------------------------------------


def parse_params(kind: str, raw: dict[str, Any]) -> KindParams:
    spec = KINDS.get(kind)
    if spec is None:
        raise InvalidInput(f"unknown digest kind {kind!r}", code="UNKNOWN_KIND", fields=["kind"])
    try:
        return spec.params.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input_from(exc) from exc


def build_query(kind: str, params: dict[str, Any], window: Window) -> str:
    return KINDS[kind].query(parse_params(kind, params), window)


def fetch_rows(ctx: ActionContext, soql: str) -> list[dict[str, Any]]:
    """The rows of one query: one API call (the row limit keeps it to one page)."""
    result = ctx.connection.call(lambda sf: sf.query(soql))
    return list(result.get("records") or [])


def fetch_kind_rows(ctx: ActionContext, kind: str, query: str) -> list[dict[str, Any]]:
    """The rows of one run of ``kind``: one API call (its own fetch, else one SOQL query)."""
    fetch = KINDS[kind].fetch
    return fetch(ctx, query) if fetch else fetch_rows(ctx, query)


def to_items(
    ctx: ActionContext, kind: str, params: dict[str, Any], rows: list[dict[str, Any]]
) -> list[DigestItem]:
    return KINDS[kind].items(rows, ctx.instance_url(), parse_params(kind, params))


def check_custom_query(ctx: ActionContext, soql: str) -> None:
    """Run the query once with LIMIT 1 so Salesforce checks it when the digest is saved."""
    fetch_rows(ctx, with_row_limit(soql, 1))
