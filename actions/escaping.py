"""Escaping user text for SOQL and SOSL, so that it can never alter a query.

SOQL literals go through simple-salesforce's ``format_soql`` (``{}`` and ``{:like}``). SOSL has
no such helper: its reserved characters are backslash-escaped as documented in "FIND
Clause" of the SOQL and SOSL Reference: ? & | ! { } [ ] ( ) ^ ~ * : \\ " ' + -
and the words AND, OR and NOT, which are operators inside the braces, are quoted as one-word
phrases so that they are searched for literally.
"""

from __future__ import annotations

from simple_salesforce.format import format_soql

__all__ = ["escape_sosl", "format_soql", "searchable_characters"]

SOSL_RESERVED = frozenset("?&|!{}[]()^~*:\\\"'+-")
SOSL_OPERATORS = frozenset({"AND", "OR", "NOT"})


def escape_sosl(term: str) -> str:
    """Escape a search term for ``FIND {...}`` (reserved characters, operators, newlines)."""
    words = []
    for word in term.split():  # newlines and tabs become plain spaces
        escaped = "".join("\\" + ch if ch in SOSL_RESERVED else ch for ch in word)
        words.append(f'"{escaped}"' if word.upper() in SOSL_OPERATORS else escaped)
    return " ".join(words)


def searchable_characters(term: str) -> int:
    """How many letters and digits a term has (SOSL needs at least two besides wildcards)."""
    return sum(ch.isalnum() for ch in term)
