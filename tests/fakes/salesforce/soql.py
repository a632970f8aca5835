"""SOQL parser for the subset the project uses (SOQL and SOSL Reference, "SOQL SELECT Syntax").

SELECT fieldList FROM objectType [WHERE conditionExpression] [WITH ...]
[GROUP BY fieldList [HAVING havingConditionExpression]] [ORDER BY field [ASC|DESC]
[NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]

* conditionExpression ("WHERE", sforce_api_calls_soql_select_conditionexpression.htm):
  comparison operators = != <> < <= > >= LIKE IN NOT IN; logical AND OR NOT; "use parentheses
  to define the order in which fieldExpressions are evaluated" - mixing AND and OR at one level
  without parentheses is rejected (MALFORMED_QUERY "unexpected token").
* "Comparison Operators": string comparisons (=, !=, LIKE) are case-insensitive; LIKE supports
  % and _ wildcards; a string value must be in quotes, numbers/booleans/dates must not
  ("value of filter criterion for field 'X' must be of type ... and should not be enclosed in
  quotes"); an ID filter value must be a valid 15/18-char id (INVALID_QUERY_FILTER_OPERATOR
  "invalid ID field: v").
* Aggregate functions ("Aggregate Functions"): COUNT() / COUNT(f) / COUNT_DISTINCT / SUM / AVG /
  MIN / MAX, optional alias; unaliased aggregates are named expr0, expr1...; non-aggregated
  selected fields must be grouped ("Field must be grouped or aggregated: f").
* Unknown object -> INVALID_TYPE "sObject type 'X' is not supported. ..."; unknown field ->
  INVALID_FIELD "No such column 'X' on entity 'Y'. ..."; unknown relationship ->
  INVALID_FIELD "Didn't understand relationship 'X' in field path. ..."; OFFSET > 2000 ->
  NUMBER_OUTSIDE_VALID_RANGE "Maximum SOQL offset allowed is 2000".
"""

from __future__ import annotations

from .errors import SFError, positional
from .schema import ObjectDef
from .soql_ast import (
    AGG_FUNCS,
    POLY_FIELDS,
    RESERVED,
    Agg,
    FieldPath,
    OrderItem,
    Query,
)
from .soql_cond import ConditionsMixin
from .soql_lexer import Lexer, Token

__all__ = ["Agg", "FieldPath", "Parser", "Query", "parse"]


class Parser(ConditionsMixin):
    def __init__(
        self,
        text: str,
        catalog: dict[str, ObjectDef],
        code: str = "MALFORMED_QUERY",
        tokens: list[Token] | None = None,
        full_text: str | None = None,
    ) -> None:
        self.text = full_text if full_text is not None else text
        self.catalog = catalog
        self.code = code
        self.toks = tokens if tokens is not None else Lexer(text, code).tokens()
        self.i = 0

    # -- token helpers --------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def err(self, pos: int, message: str, code: str | None = None) -> SFError:
        return SFError(400, code or self.code, positional(self.text, pos, message))

    def unexpected(self, t: Token | None = None) -> SFError:
        t = t or self.tok
        return self.err(t.pos, f"unexpected token: '{t.text}'")

    def accept_kw(self, *words: str) -> Token | None:
        return self.next() if self.tok.is_kw(*words) else None

    def expect_kw(self, word: str) -> Token:
        if not self.tok.is_kw(word):
            raise self.unexpected()
        return self.next()

    def expect(self, kind: str) -> Token:
        if self.tok.kind != kind:
            raise self.unexpected()
        return self.next()

    def expect_int(self) -> int:
        t = self.expect("NUMBER")
        if not str(t.value).isdigit():
            raise self.unexpected(t)
        return int(str(t.value))

    # -- query ----------------------------------------------------------------------------
    def parse_query(self) -> Query:
        self.expect_kw("SELECT")
        raw_items = self.parse_select_raw()
        self.expect_kw("FROM")
        obj = self.parse_object()
        q = Query(obj=obj, select=[self.resolve_item(obj, it) for it in raw_items])
        self.finish_select(q, raw_items)
        if self.accept_kw("WHERE"):
            q.where = self.parse_cond(obj)
        if self.accept_kw("WITH"):
            self.expect("IDENT")
        if self.accept_kw("GROUP"):
            self.expect_kw("BY")
            q.group_by = [self.resolve_path(obj, self.parse_path())]
            while self.tok.kind == "COMMA":
                self.next()
                q.group_by.append(self.resolve_path(obj, self.parse_path()))
            q.is_aggregate = True
        if q.group_by and self.accept_kw("HAVING"):
            q.having = self.parse_cond(obj, allow_agg=True)
        if q.is_aggregate:
            self.check_grouping(q)
        if self.accept_kw("ORDER"):
            q.order = self.parse_order(obj, allow_agg=q.is_aggregate)
        if self.accept_kw("LIMIT"):
            q.limit = self.expect_int()
        if self.tok.is_kw("OFFSET"):
            t = self.next()
            q.offset = self.expect_int()
            if q.offset > 2000:
                raise SFError(
                    400,
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    positional(self.text, t.pos, "Maximum SOQL offset allowed is 2000"),
                )
        if self.accept_kw("FOR"):
            self.expect("IDENT")
        if self.tok.kind != "EOF":
            raise self.unexpected()
        return q

    def parse_object(self) -> ObjectDef:
        t = self.expect("IDENT")
        obj = self.catalog.get(str(t.value).lower())
        if obj is None:
            raise self.err(
                t.pos,
                f"sObject type '{t.value}' is not supported. If you are "
                "attempting to use a custom object, be sure to append the '__c' after "
                "the entity name. Please reference your WSDL or the describe call for "
                "the appropriate names.",
                "INVALID_TYPE",
            )
        return obj

    def parse_select_raw(self) -> list:
        items = [self.parse_select_item()]
        while self.tok.kind == "COMMA":
            self.next()
            items.append(self.parse_select_item())
        return items

    def parse_select_item(self):
        t = self.tok
        if t.is_kw(*AGG_FUNCS) and self.toks[self.i + 1].kind == "LPAREN":
            agg = self.parse_agg()
            if self.tok.kind == "IDENT" and str(self.tok.value).upper() not in RESERVED:
                agg.alias = str(self.next().value)
            return agg
        if t.kind != "IDENT" or str(t.value).upper() in RESERVED - {"FIRST", "LAST"}:
            raise self.unexpected()
        return self.parse_path()

    def parse_agg(self) -> Agg:
        t = self.next()
        self.expect("LPAREN")
        arg = None
        if self.tok.kind != "RPAREN":
            arg = self.parse_path()
        elif str(t.value).upper() != "COUNT":
            raise self.unexpected()
        self.expect("RPAREN")
        return Agg(str(t.value).upper(), arg, t.pos)

    def parse_path(self) -> FieldPath:
        t = self.expect("IDENT")
        parts = [str(t.value)]
        while self.tok.kind == "DOT":
            self.next()
            parts.append(str(self.expect("IDENT").value))
        return FieldPath(parts, t.pos)

    def finish_select(self, q: Query, raw_items: list) -> None:
        n = 0
        for item in q.select:
            if isinstance(item, Agg):
                q.is_aggregate = True
                if item.alias is None:
                    item.key = f"expr{n}"
                    n += 1
                else:
                    item.key = item.alias
        bare_count = [
            it for it in q.select if isinstance(it, Agg) and it.func == "COUNT" and it.arg is None
        ]
        if bare_count:
            if len(q.select) > 1:
                raise self.err(
                    bare_count[0].pos,
                    "COUNT() and COUNT(fieldName) can't be used "
                    "with other fields in the SELECT clause",
                )
            q.count_only, q.is_aggregate = True, False

    def check_grouping(self, q: Query) -> None:
        grouped = {tuple(p.lower() for p in g.parts) for g in q.group_by}
        for item in q.select:
            if isinstance(item, FieldPath) and tuple(p.lower() for p in item.parts) not in grouped:
                raise self.err(
                    item.pos, f"Field must be grouped or aggregated: {'.'.join(item.parts)}"
                )

    # -- resolution -----------------------------------------------------------------------
    def resolve_item(self, obj: ObjectDef, item):
        if isinstance(item, Agg):
            if item.arg is not None:
                self.resolve_path(obj, item.arg)
            return item
        return self.resolve_path(obj, item)

    def resolve_path(self, obj: ObjectDef, path: FieldPath) -> FieldPath:
        current: ObjectDef | None = obj
        for depth, part in enumerate(path.parts):
            last = depth == len(path.parts) - 1
            if current is None:  # polymorphic relationship: only Id, Name, Type
                fd = POLY_FIELDS.get(part.lower()) if last else None
                if fd is None:
                    raise self.no_column(path, part, "Name")
                path.target = fd
                return path
            if last:
                fd = current.field(part)
                if fd is None:
                    raise self.no_column(path, part, current.name)
                path.target = fd
                return path
            ref = next(
                (f for f in current.fields.values() if f.rel and f.rel.lower() == part.lower()),
                None,
            )
            if ref is None:
                raise self.err(
                    path.pos,
                    f"Didn't understand relationship '{part}' in field path. "
                    "If you are attempting to use a custom relationship, be sure to "
                    "append the '__r' after the custom relationship name. Please "
                    "reference your WSDL or the describe call for the appropriate "
                    "names.",
                    "INVALID_FIELD",
                )
            path.hops.append(ref)
            current = self.catalog[ref.ref[0].lower()] if len(ref.ref) == 1 else None
        return path

    def no_column(self, path: FieldPath, part: str, entity: str) -> SFError:
        return self.err(
            path.pos,
            f"No such column '{part}' on entity '{entity}'. If you are "
            "attempting to use a custom field, be sure to append the '__c' after the "
            "custom field name. Please reference your WSDL or the describe call for "
            "the appropriate names.",
            "INVALID_FIELD",
        )

    # -- order ----------------------------------------------------------------------------
    def parse_order(self, obj: ObjectDef, allow_agg: bool = False) -> list[OrderItem]:
        self.expect_kw("BY")
        items = []
        while True:
            if allow_agg and self.tok.is_kw(*AGG_FUNCS) and self.toks[self.i + 1].kind == "LPAREN":
                expr = self.resolve_item(obj, self.parse_agg())
            else:
                expr = self.resolve_path(obj, self.parse_path())
            desc = False
            if self.tok.is_kw("ASC", "DESC"):
                desc = str(self.next().value).upper() == "DESC"
            nulls_last = desc
            if self.accept_kw("NULLS"):
                if not self.tok.is_kw("FIRST", "LAST"):
                    raise self.unexpected()
                nulls_last = str(self.next().value).upper() == "LAST"
            items.append(OrderItem(expr, desc, nulls_last))
            if self.tok.kind != "COMMA":
                return items
            self.next()


def parse(text: str, catalog: dict[str, ObjectDef]) -> Query:
    return Parser(text, catalog).parse_query()
