"""Escaping user text for SOQL and SOSL, so that it can never alter a query.

SOQL literals go through simple-salesforce's ``format_soql`` (``{}`` and ``{:like}``). SOSL has
no such helper: its reserved characters are backslash-escaped as documented in "FIND
Clause" of the SOQL and SOSL Reference: ? & | ! { } [ ] ( ) ^ ~ * : \\ " ' + -
"""

from __future__ import annotations

from simple_salesforce.format import format_soql

__all__ = ["escape_sosl", "format_soql"]

SOSL_RESERVED = frozenset("?&|!{}[]()^~*:\\\"'+-")


def escape_sosl(term: str) -> str:
    """Escape a search term for ``FIND {...}`` (reserved characters, control characters)."""
    cleaned = " ".join(term.split())  # newlines and tabs become plain spaces
    return "".join("\\" + ch if ch in SOSL_RESERVED else ch for ch in cleaned)
