"""Runs a parsed SOQL query against the store and shapes rows like the REST Query resource.

Result shape (REST API Developer Guide, "Query" resources_query.htm and "Execute a SOQL
Query"): records carry "attributes": {"type", "url"}; a relationship field is a nested object
with its own attributes, or null when the lookup is empty. Aggregate rows carry
"attributes": {"type": "AggregateResult"} and keys named by alias, by exprN, or by the grouped
field's name ("Aggregate Functions", "GROUP BY"). Text comparisons are case-insensitive;
ORDER BY defaults to ASC NULLS FIRST, DESC defaults to NULLS LAST ("ORDER BY").
"""

from __future__ import annotations

import datetime as dt
import re

from .soql_ast import Agg, BoolOp, Cmp, FieldPath, Not, Query
from .store import Store, attributes, serialize


def value_of(store: Store, rec: dict | None, path: FieldPath) -> object:
    for hop in path.hops:
        if rec is None:
            return None
        rec = store.records.get(rec.get(hop.name) or "")
    if rec is None:
        return None
    target = path.target
    assert target is not None
    if path.hops and len(path.hops[-1].ref) > 1:  # polymorphic: Id, Name, Type
        return {"Id": rec["Id"], "Name": store.display_name(rec), "Type": rec["_type"]}[target.name]
    return rec.get(target.name)


def _norm(v: object) -> object:
    return v.casefold() if isinstance(v, str) else v


def _compare(value: object, op: str, lit: tuple) -> bool:
    kind = lit[0]
    if kind == "null":
        return (
            value is None
            if op in {"=", "IN"}
            else value is not None
            if op in {"!=", "NOT IN"}
            else False
        )
    if value is None:
        return op in {"!=", "NOT IN", "EXCLUDES"}
    if kind == "range":
        start, end = lit[1], lit[2]
        day = value.date() if isinstance(value, dt.datetime) else value
        return {
            "=": start <= day < end,
            "IN": start <= day < end,
            "!=": not start <= day < end,
            "NOT IN": not start <= day < end,
            "<": day < start,
            "<=": day < end,
            ">": day >= end,
            ">=": day >= start,
        }.get(op, False)
    if op == "LIKE":
        return re.fullmatch(lit[1].like_regex, str(value), re.IGNORECASE | re.DOTALL) is not None
    if kind == "str":
        other: object = lit[1].text.casefold()
        value = str(value).casefold()
    elif kind == "num":
        other, value = lit[1], float(value)  # type: ignore[arg-type]
    else:
        other = lit[1]
    if op in {"INCLUDES", "EXCLUDES"}:
        parts = {p.strip() for p in str(value).split(";")}
        hit = str(other) in parts
        return hit if op == "INCLUDES" else not hit
    try:
        return {
            "=": value == other,
            "IN": value == other,
            "!=": value != other,
            "NOT IN": value != other,
            "<": value < other,
            "<=": value <= other,  # type: ignore
            ">": value > other,
            ">=": value >= other,  # type: ignore[operator]
        }[op]
    except TypeError:
        return False


def matches(store: Store, cond: object, rec: dict, group: list[dict] | None = None) -> bool:
    if isinstance(cond, BoolOp):
        results = (matches(store, c, rec, group) for c in cond.items)
        return all(results) if cond.op == "AND" else any(results)
    if isinstance(cond, Not):
        return not matches(store, cond.item, rec, group)
    assert isinstance(cond, Cmp)
    if isinstance(cond.left, Agg):
        value = aggregate(store, cond.left, group or [])
    else:
        value = value_of(store, rec, cond.left)
    if cond.op in {"IN", "INCLUDES"}:
        return any(_compare(value, cond.op, v) for v in cond.values)
    if cond.op in {"NOT IN", "EXCLUDES"}:
        return all(_compare(value, cond.op, v) for v in cond.values)
    return _compare(value, cond.op, cond.values[0])


def aggregate(store: Store, agg: Agg, rows: list[dict]) -> object:
    if agg.arg is None:
        return len(rows)
    values = [value_of(store, r, agg.arg) for r in rows]
    values = [v for v in values if v is not None]
    if agg.func == "COUNT":
        return len(values)
    if agg.func == "COUNT_DISTINCT":
        return len({_norm(v) for v in values})
    if not values:
        return None
    if agg.func == "SUM":
        return float(sum(values))  # type: ignore[arg-type]
    if agg.func == "AVG":
        return float(sum(values)) / len(values)  # type: ignore[arg-type]
    return (min if agg.func == "MIN" else max)(values, key=_norm)  # type: ignore[arg-type]


def sort_rows(rows: list, order: list, key_of) -> list:
    for item in reversed(order):
        present = [r for r in rows if key_of(r, item) is not None]
        missing = [r for r in rows if key_of(r, item) is None]
        present.sort(key=lambda r, it=item: _norm(key_of(r, it)), reverse=item.desc)
        rows = present + missing if item.nulls_last else missing + present
    return rows


def execute(store: Store, q: Query, version: str) -> tuple[int, list[dict]]:
    """Return (totalSize, records) for the whole result (pagination is the caller's job)."""
    rows = [r for r in store.live(q.obj.name) if q.where is None or matches(store, q.where, r)]
    if q.count_only:
        return len(rows), []
    if not q.is_aggregate:
        rows = sort_rows(rows, q.order, lambda r, it: value_of(store, r, it.expr))
        rows = rows[q.offset :]
        if q.limit is not None:
            rows = rows[: q.limit]
        return len(rows), [project(store, r, q, version) for r in rows]
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        key = tuple(_norm(value_of(store, r, g)) for g in q.group_by)
        groups.setdefault(key, []).append(r)
    if not q.group_by and not groups:
        groups[()] = []
    result = []
    for members in groups.values():
        if q.having is not None and not matches(store, q.having, members[0], members):
            continue
        result.append(members)

    def key_of(members: list[dict], item) -> object:
        if isinstance(item.expr, Agg):
            return aggregate(store, item.expr, members)
        return value_of(store, members[0], item.expr) if members else None

    result = sort_rows(result, q.order, key_of)[q.offset :]
    if q.limit is not None:
        result = result[: q.limit]
    out = []
    for members in result:
        row: dict = {"attributes": {"type": "AggregateResult"}}
        for item in q.select:
            if isinstance(item, Agg):
                row[item.key] = aggregate(store, item, members)
            else:
                row[item.key] = serialize(item.target, value_of(store, members[0], item))
        out.append(row)
    return len(out), out


def project(store: Store, rec: dict, q: Query, version: str) -> dict:
    out: dict = {"attributes": attributes(rec, version)}
    for path in q.select:
        target, current = out, rec
        for hop in path.hops:
            nxt = store.records.get(current.get(hop.name) or "") if current else None
            if nxt is None:
                target[hop.rel] = None
                current = None
                break
            if not isinstance(target.get(hop.rel), dict):
                target[hop.rel] = {"attributes": attributes(nxt, version)}
            target, current = target[hop.rel], nxt
        if current is None and path.hops:
            continue
        target[path.target.name] = serialize(path.target, value_of(store, rec, path))
    return out
