"""WHERE / HAVING condition parsing (SOQL and SOSL Reference, "WHERE" conditionExpression,
"Comparison Operators", "Logical Operators", "Date Formats and Date Literals").

* Operators = != <> < <= > >= LIKE IN NOT IN INCLUDES EXCLUDES; AND, OR, NOT; parentheses.
  AND and OR may not be mixed at one level without parentheses: the second operator is an
  "unexpected token" (MALFORMED_QUERY).
* A string value must be quoted; numbers, booleans, dates and date literals must not be:
  "value of filter criterion for field 'X' must be of type T and should not be enclosed in
  quotes" (or "... must be of type string and should be enclosed in quotes").
* ID-typed fields need a well-formed 15/18-char id: INVALID_QUERY_FILTER_OPERATOR
  "invalid ID field: v".
* \\% and \\_ escapes are only legal in a LIKE pattern.
"""

from __future__ import annotations

import datetime as dt

from .dates import date_literal_range, is_date_literal, needs_n
from .errors import SFError
from .ids import to18
from .schema import NUMBER_TYPES, TEXT_TYPES, FieldDef, ObjectDef
from .soql_ast import AGG_FUNCS, Agg, BoolOp, Cmp, FieldPath, Not
from .soql_lexer import StrLit, Token
from .store import parse_datetime


class ConditionsMixin:
    """Mixed into Parser; relies on its token helpers and resolve_* methods."""

    # -- conditions -----------------------------------------------------------------------
    def parse_cond(self, obj: ObjectDef, allow_agg: bool = False):
        items = [self.parse_unary(obj, allow_agg)]
        op: str | None = None
        while self.tok.is_kw("AND", "OR"):
            t = self.next()
            word = str(t.value).upper()
            if op is not None and word != op:
                raise self.unexpected(t)  # AND/OR mixed without parentheses
            op = word
            items.append(self.parse_unary(obj, allow_agg))
        return items[0] if op is None else BoolOp(op, items)

    def parse_unary(self, obj: ObjectDef, allow_agg: bool):
        if self.accept_kw("NOT"):
            return Not(self.parse_unary(obj, allow_agg))
        if self.tok.kind == "LPAREN":
            self.next()
            inner = self.parse_cond(obj, allow_agg)
            self.expect("RPAREN")
            return inner
        return self.parse_comparison(obj, allow_agg)

    def parse_comparison(self, obj: ObjectDef, allow_agg: bool) -> Cmp:
        start = self.tok
        left: FieldPath | Agg
        if allow_agg and start.is_kw(*AGG_FUNCS) and self.toks[self.i + 1].kind == "LPAREN":
            left = self.resolve_item(obj, self.parse_agg())
        else:
            left = self.resolve_path(obj, self.parse_path())
        t = self.tok
        if t.kind == "OP":
            self.next()
            return Cmp(left, str(t.value), [self.parse_value(left)], t.pos)
        if t.is_kw("LIKE"):
            self.next()
            value = self.parse_value(left, like=True)
            return Cmp(left, "LIKE", [value], t.pos)
        negate = False
        if t.is_kw("NOT") and self.toks[self.i + 1].is_kw("IN"):
            self.next()
            negate = True
        if self.tok.is_kw("IN", "INCLUDES", "EXCLUDES"):
            op = str(self.next().value).upper()
            self.expect("LPAREN")
            if self.tok.is_kw("SELECT"):
                raise self.err(
                    self.tok.pos, "semi-join sub-selects are not supported by this emulator"
                )
            values = [self.parse_value(left)]
            while self.tok.kind == "COMMA":
                self.next()
                values.append(self.parse_value(left))
            self.expect("RPAREN")
            return Cmp(left, f"NOT {op}" if negate else op, values, t.pos)
        raise self.unexpected()

    def parse_value(self, left: FieldPath | Agg, like: bool = False) -> tuple:
        t = self.next()
        if isinstance(left, Agg):
            if t.kind != "NUMBER":
                raise self.unexpected(t)
            return ("num", float(str(t.value)))
        fd = left.target
        assert fd is not None
        ftype = fd.type
        if t.kind == "STRING":
            lit: StrLit = t.value  # type: ignore[assignment]
            if lit.like_escape_pos is not None and not like:
                raise self.err(
                    t.pos,
                    f"Invalid string literal {t.text}. Illegal character "
                    "sequence in string literal.",
                )
            if ftype in TEXT_TYPES or (like and ftype in {"id", "reference"}):
                return ("str", lit)
            if ftype in {"id", "reference"}:
                rid = to18(lit.text)
                if rid is None:
                    raise self.err(
                        t.pos, f"invalid ID field: {lit.text}", "INVALID_QUERY_FILTER_OPERATOR"
                    )
                return ("id", rid)
            raise self.type_error(t, fd, quoted=True)
        if like:
            raise self.unexpected(t)
        if t.is_kw("NULL"):
            return ("null",)
        if ftype == "boolean" and t.is_kw("TRUE", "FALSE"):
            return ("bool", str(t.value).upper() == "TRUE")
        if ftype in NUMBER_TYPES and t.kind == "NUMBER":
            return ("num", float(str(t.value)))
        if ftype == "date" and t.kind == "DATE":
            return ("date", dt.date.fromisoformat(str(t.value)))
        if ftype == "datetime" and t.kind == "DATETIME":
            # SOQL compares datetimes to the second: milliseconds in a literal are ignored
            parsed = parse_datetime(str(t.value))
            return ("datetime", parsed.replace(microsecond=0) if parsed else None)
        if ftype in {"date", "datetime"} and t.kind == "IDENT" and is_date_literal(str(t.value)):
            n = None
            if needs_n(str(t.value)):
                self.expect("COLON")
                n = self.expect_int()
            rng = date_literal_range(str(t.value), n)
            if rng is None:
                raise self.unexpected(t)
            return ("range", *rng)
        raise self.type_error(t, fd, quoted=False)

    def type_error(self, t: Token, fd: FieldDef, quoted: bool) -> SFError:
        kind = {"datetime": "dateTime", "reference": "id"}.get(fd.type, fd.type)
        if fd.type in TEXT_TYPES:
            kind = "string"
        if fd.type in NUMBER_TYPES:
            kind = "number"
        if kind == "string":
            msg = (
                f"value of filter criterion for field '{fd.name}' must be of type string "
                "and should be enclosed in quotes"
            )
        else:
            msg = (
                f"value of filter criterion for field '{fd.name}' must be of type {kind} "
                "and should not be enclosed in quotes"
            )
        if t.kind == "EOF" or (
            t.kind in {"IDENT", "OP", "RPAREN", "COMMA"}
            and not quoted
            and not t.is_kw("TRUE", "FALSE")
        ):
            return self.unexpected(t)
        return self.err(t.pos, msg)
