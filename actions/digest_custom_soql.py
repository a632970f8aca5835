"""The ``custom`` digest kind's admin-written SOQL: one read-only SELECT, held to a row limit.

The query is checked when the digest is saved (``CustomParams``) and again on every run, where
its ``LIMIT`` is added, or lowered to ``MAX_ROWS`` (the limit of every digest kind's query).
String literals are blanked before looking for DML or locking clauses, so a value such as
``'Update needed'`` is not mistaken for one.
"""

from __future__ import annotations

import re

from actions.errors import InvalidInput

MAX_ROWS = 200  # the LIMIT of every digest kind's query

_FORBIDDEN = re.compile(
    r"\b(INSERT|UPDATE|DELETE|UPSERT|MERGE|UNDELETE|FOR\s+UPDATE|FOR\s+VIEW|FOR\s+REFERENCE)\b",
    re.I,
)
_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*(OFFSET\s+\d+\s*)?$", re.I)


def check_read_only_soql(soql: str) -> str:
    """A single SELECT statement, nothing that writes or locks: else InvalidInput."""
    text = " ".join(soql.split())
    if not re.match(r"^SELECT\s", text, re.I):
        raise InvalidInput(
            "a custom digest must be a SOQL SELECT", code="NOT_A_SELECT", fields=["soql"]
        )
    if ";" in text or _FORBIDDEN.search(_strip_literals(text)):
        raise InvalidInput(
            "a custom digest query may only read: no ';', FOR UPDATE/VIEW/REFERENCE or DML",
            code="NOT_READ_ONLY",
            fields=["soql"],
        )
    return text


def _strip_literals(text: str) -> str:
    return re.sub(r"'(?:\\.|[^'\\])*'", "''", text)


def with_row_limit(soql: str, limit: int = MAX_ROWS) -> str:
    """Enforce ``LIMIT <= limit`` on a custom query."""
    text = check_read_only_soql(soql)
    match = _LIMIT.search(_strip_literals(text))
    if match is None:
        return f"{text} LIMIT {limit}"
    if int(match.group(1)) <= limit:
        return text
    return text[: match.start(1)] + str(limit) + text[match.end(1) :]
