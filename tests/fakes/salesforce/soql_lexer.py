"""Tokenizer shared by the SOQL parser and the RETURNING part of SOSL.

String literals follow "Quoted String Escape Sequences" (SOQL and SOSL Reference,
sforce_api_calls_soql_select_quotedstringescapes.htm): \\n \\N \\r \\R \\t \\T \\b \\B \\f \\F
\\" \\' \\\\ and \\uXXXX anywhere; \\_ and \\% only inside a LIKE expression; "If you use a
backslash character in any other context, an error occurs." Reserved characters ' and \\ must be
escaped ("Reserved Characters"). An unescaped quote ends the literal, so whatever follows is
parsed as SOQL (the injection case). Date/dateTime literal formats: "Date Formats and Date
Literals" (sforce_api_calls_soql_select_dateformats.htm): YYYY-MM-DD and
YYYY-MM-DDThh:mm:ss[.sss](Z|+hh:mm|-hh:mm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SFError, positional

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\dT])")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIMPLE_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}


@dataclass
class StrLit:
    text: str  # value for =, IN, <, ... (\% and \_ become % and _)
    like_regex: str  # compiled form for LIKE (% -> .*, _ -> ., escaped ones literal)
    like_escape_pos: int | None  # position of a LIKE-only escape, if any


@dataclass
class Token:
    kind: str  # IDENT STRING NUMBER DATE DATETIME OP LPAREN RPAREN COMMA DOT COLON EOF
    value: object
    pos: int
    text: str

    def is_kw(self, *words: str) -> bool:
        return self.kind == "IDENT" and str(self.value).upper() in words


class Lexer:
    def __init__(
        self,
        text: str,
        syntax_code: str = "MALFORMED_QUERY",
        offset: int = 0,
        full_text: str | None = None,
    ) -> None:
        self.text = text
        self.code = syntax_code
        self.offset = offset
        self.full = full_text if full_text is not None else text

    def error(self, pos: int, message: str) -> SFError:
        return SFError(400, self.code, positional(self.full, pos + self.offset, message))

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            ch = text[i]
            if ch.isspace():
                i += 1
                continue
            start = i
            if ch == "'":
                lit, i = self._string(i)
                out.append(Token("STRING", lit, start + self.offset, text[start:i]))
                continue
            m = _DATETIME.match(text, i)
            if m:
                out.append(Token("DATETIME", m.group(0), start + self.offset, m.group(0)))
                i = m.end()
                continue
            m = _DATE.match(text, i)
            if m:
                out.append(Token("DATE", m.group(0), start + self.offset, m.group(0)))
                i = m.end()
                continue
            prev_is_value = out and out[-1].kind in {"IDENT", "NUMBER", "STRING", "RPAREN"}
            m = _NUMBER.match(text, i)
            if m and (ch.isdigit() or not prev_is_value):
                out.append(Token("NUMBER", m.group(0), start + self.offset, m.group(0)))
                i = m.end()
                continue
            m = _IDENT.match(text, i)
            if m:
                out.append(Token("IDENT", m.group(0), start + self.offset, m.group(0)))
                i = m.end()
                continue
            two = text[i : i + 2]
            if two in {"!=", "<>", "<=", ">="}:
                out.append(Token("OP", "!=" if two == "<>" else two, start + self.offset, two))
                i += 2
                continue
            single = {
                "=": "OP",
                "<": "OP",
                ">": "OP",
                "(": "LPAREN",
                ")": "RPAREN",
                ",": "COMMA",
                ".": "DOT",
                ":": "COLON",
            }
            if ch in single:
                out.append(Token(single[ch], ch, start + self.offset, ch))
                i += 1
                continue
            raise self.error(
                i, f"line 1:{i + self.offset} no viable alternative at character '{ch}'"
            )
        out.append(Token("EOF", None, n + self.offset, "<EOF>"))
        return out

    def _string(self, start: int) -> tuple[StrLit, int]:
        text, i, n = self.text, start + 1, len(self.text)
        chars: list[str] = []
        regex: list[str] = []
        like_pos: int | None = None
        while True:
            if i >= n:
                raise self.error(
                    n, f"line 1:{n + self.offset} mismatched character '<EOF>' expecting '''"
                )
            ch = text[i]
            if ch == "'":
                return StrLit("".join(chars), "".join(regex), like_pos), i + 1
            if ch != "\\":
                chars.append(ch)
                regex.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
                i += 1
                continue
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt and nxt.lower() in _SIMPLE_ESCAPES:
                value = _SIMPLE_ESCAPES[nxt.lower()]
                chars.append(value)
                regex.append(re.escape(value))
                i += 2
                continue
            if nxt in {"%", "_"}:
                like_pos = like_pos if like_pos is not None else i
                chars.append(nxt)
                regex.append(re.escape(nxt))
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2 : i + 6]):
                value = chr(int(text[i + 2 : i + 6], 16))
                chars.append(value)
                regex.append(re.escape(value))
                i += 6
                continue
            literal = text[start : i + 2]
            raise self.error(
                start,
                f"Invalid string literal '{literal}'. Illegal character "
                f"sequence '\\{nxt}' in string literal.",
            )
