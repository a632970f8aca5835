"""SOQL syntax tree (shared by the SOQL parser, its evaluator and SOSL RETURNING clauses)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .schema import FieldDef, ObjectDef

AGG_FUNCS = {"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"}
RESERVED = {
    "FROM",
    "WHERE",
    "GROUP",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "HAVING",
    "WITH",
    "FOR",
    "AND",
    "OR",
    "NOT",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "IN",
    "LIKE",
    "NULL",
    "TRUE",
    "FALSE",
    "SELECT",
    "BY",
    "USING",
    "INCLUDES",
    "EXCLUDES",
    "RETURNING",
}
POLY_FIELDS = {
    "id": FieldDef("Id", "id"),
    "name": FieldDef("Name", "string"),
    "type": FieldDef("Type", "string"),
}


@dataclass
class FieldPath:
    parts: list[str]
    pos: int
    hops: list[FieldDef] = field(default_factory=list)  # reference fields traversed
    target: FieldDef | None = None

    @property
    def key(self) -> str:
        return self.target.name if self.target else self.parts[-1]


@dataclass
class Agg:
    func: str
    arg: FieldPath | None
    pos: int
    alias: str | None = None
    key: str = ""


@dataclass
class Cmp:
    left: FieldPath | Agg
    op: str
    values: list[tuple]
    pos: int


@dataclass
class BoolOp:
    op: str
    items: list


@dataclass
class Not:
    item: object


@dataclass
class OrderItem:
    expr: FieldPath | Agg
    desc: bool
    nulls_last: bool


@dataclass
class Query:
    obj: ObjectDef
    select: list
    where: object = None
    group_by: list = field(default_factory=list)
    having: object = None
    order: list = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    count_only: bool = False
    is_aggregate: bool = False
