"""Salesforce record ids: 15-char case-sensitive form and 18-char case-insensitive form.

Format facts (SOAP API Developer Guide, "Field Types" > "ID Field Type"): an ID is a
15-character case-sensitive base-62 string; the 18-character form appends a 3-character
suffix that encodes the case of the first 15 characters (one suffix char per 5-char chunk,
bit i set when char i of the chunk is an upper-case letter, mapped into
"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"). The first 3 characters are the object's key prefix.
"""

from __future__ import annotations

import itertools
import threading

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def checksum(id15: str) -> str:
    out = []
    for chunk in range(3):
        flags = 0
        for j, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                flags |= 1 << j
        out.append(_SUFFIX_ALPHABET[flags])
    return "".join(out)


def to18(value: object) -> str | None:
    """Return the canonical 18-char id for a 15- or 18-char id, or None if malformed.

    An 18-char id is case-insensitive: its suffix restores the case of the first 15 chars.
    """
    if not isinstance(value, str) or not value.isascii() or not value.isalnum():
        return None
    if len(value) == 15:
        return value + checksum(value)
    if len(value) != 18:
        return None
    body = list(value[:15])
    for chunk in range(3):
        flag_char = value[15 + chunk].upper()
        if flag_char not in _SUFFIX_ALPHABET:
            return None
        flags = _SUFFIX_ALPHABET.index(flag_char)
        for j in range(5):
            k = chunk * 5 + j
            if body[k].isalpha():
                body[k] = body[k].upper() if flags & (1 << j) else body[k].lower()
    id15 = "".join(body)
    return id15 + checksum(id15)


class IdFactory:
    """Makes new ids: key prefix + 2-char pod marker + 10-char base-62 counter + checksum."""

    def __init__(self, start: int = 0x2A3F41) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            n = next(self._counter)
        digits = []
        for _ in range(10):
            n, r = divmod(n, 62)
            digits.append(_BASE62[r])
        id15 = prefix + "Hs" + "".join(reversed(digits))
        return id15 + checksum(id15)
