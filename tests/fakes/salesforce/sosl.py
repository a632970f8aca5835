"""SOSL for the REST Search resource (REST API Developer Guide "Search", resources_search.htm;
SOQL and SOSL Reference "SOSL Syntax", "FIND {SearchQuery}", "IN SearchGroup",
"RETURNING FieldSpec").

FIND {SearchQuery} [IN ALL|NAME|EMAIL|PHONE|SIDEBAR FIELDS]
[RETURNING ObjectType[(FieldList [WHERE ...] [ORDER BY ...] [LIMIT n])][, ...]] [LIMIT n]

* The search query sits in braces. Reserved characters ? & | ! { } [ ] ( ) ^ ~ * : \\ " ' + -
  "must be escaped (preceded by the backslash \\ character)"; * and ? unescaped are wildcards,
  "..." is a phrase, AND / OR / AND NOT operators and parentheses group. Any other unescaped
  reserved character makes the search malformed; Salesforce answers MALFORMED_SEARCH
  "line 1:N mismatched character 'c' expecting '}'". Searches are case-insensitive.
* "search term must be longer than one character" for a one-character term.
* Response: {"searchRecords": [{"attributes": {"type", "url"}, ...fields}]}; without a field
  list only Id is returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import SFError, positional
from .schema import ObjectDef
from .soql import FieldPath, Parser, Query
from .soql_eval import matches, project, sort_rows, value_of
from .soql_lexer import Lexer
from .store import Store

_RESERVED = set("?&|!{}[]()^~*:\\\"'+-")
_GROUPS = {"ALL", "NAME", "EMAIL", "PHONE", "SIDEBAR"}
_DEFAULT_OBJECTS = ("Account", "Contact", "Lead", "Opportunity", "Case", "Campaign")
_WORD = re.compile(r"[0-9A-Za-z\u00C0-\uFFFF]+")


@dataclass
class Atom:
    words: list[str]  # regex per token (a phrase when more than one)
    digits: str


@dataclass
class Spec:
    term: object
    group: str = "ALL"
    returning: list[Query] = field(default_factory=list)
    limit: int | None = None


def _malformed(text: str, pos: int, message: str) -> SFError:
    return SFError(400, "MALFORMED_SEARCH", positional(text, pos, message, zero_based=True))


def _scan_term(text: str, start: int) -> tuple[list, int, str]:
    """Split the braced search query into items; return (items, index after '}', raw)."""
    items: list = []  # ("word", [(char, escaped)]), ("op", AND/OR/NOT), ("(",), (")",)
    word: list[tuple[str, bool]] = []
    phrase: list | None = None
    i, n = start, len(text)

    def flush() -> None:
        nonlocal word
        if word:
            plain = "".join(c for c, _ in word)
            target = phrase if phrase is not None else items
            if (
                phrase is None
                and all(not e for _, e in word)
                and plain.upper() in {"AND", "OR", "NOT"}
            ):
                target.append(("op", plain.upper()))
            else:
                target.append(("word", word))
            word = []

    while True:
        if i >= n:
            raise _malformed(text, n, f"line 1:{n} mismatched character '<EOF>' expecting '}}'")
        ch = text[i]
        if ch == "\\":
            if i + 1 >= n:
                raise _malformed(text, i, f"line 1:{i} mismatched character '<EOF>' expecting '}}'")
            word.append((text[i + 1], True))
            i += 2
            continue
        if ch == "}" and phrase is None:
            flush()
            return items, i + 1, text[start:i]
        if ch.isspace():
            flush()
        elif ch == '"':
            flush()
            if phrase is None:
                phrase = []
            else:
                items.append(("phrase", phrase))
                phrase = None
        elif ch in "*?":
            word.append((ch, False))
        elif ch in "()" and phrase is None:
            flush()
            items.append((ch,))
        elif ch in _RESERVED:
            raise _malformed(text, i, f"line 1:{i} mismatched character '{ch}' expecting '}}'")
        else:
            word.append((ch, False))
        i += 1


def _atom(parts: list[list[tuple[str, bool]]]) -> Atom:
    regexes: list[str] = []
    digits = ""
    for word in parts:
        current = ""
        for ch, escaped in [*word, (" ", True)]:
            if not escaped and ch == "*":
                current += r"\w*"
            elif not escaped and ch == "?":
                current += r"\w"
            elif _WORD.fullmatch(ch):
                current += re.escape(ch.casefold())
                digits += ch if ch.isdigit() else ""
            else:  # punctuation splits tokens, like the search index does
                if current:
                    regexes.append(current)
                current = ""
    return Atom(regexes, digits)


def _build(items: list, text: str, pos: int):
    """items -> boolean tree of Atoms; implicit AND between terms (left to right)."""

    def parse_seq(k: int) -> tuple[object, int]:
        node: object = None
        pending = "AND"
        while k < len(items):
            it = items[k]
            if it[0] == ")":
                return node, k
            if it[0] == "op":
                pending = "AND NOT" if pending == "AND" and it[1] == "NOT" else it[1]
                k += 1
                continue
            if it[0] == "(":
                sub, k = parse_seq(k + 1)
                if k >= len(items):
                    raise _malformed(text, pos, "line 1:0 mismatched input expecting ')'")
            elif it[0] == "word":
                sub = _atom([it[1]])
            else:
                sub = _atom([w[1] for w in it[1] if w[0] == "word"])
            node = sub if node is None else (pending, node, sub)
            pending = "AND"
            k += 1
        return node, k

    tree, k = parse_seq(0)
    if k != len(items) or tree is None:
        raise _malformed(text, pos, "line 1:0 no viable alternative at input '}'")
    return tree


def parse(text: str, catalog: dict[str, ObjectDef]) -> Spec:
    m = re.match(r"\s*FIND\s*\{", text, re.IGNORECASE)
    if not m:
        bad = re.match(r"\s*\S*", text).end() if text.strip() else 0
        raise _malformed(text, bad, "line 1:0 mismatched input expecting FIND '{'")
    items, end, raw = _scan_term(text, m.end())
    spec = Spec(term=_build(items, text, m.end()))
    toks = Lexer(text[end:], "MALFORMED_SEARCH", offset=end, full_text=text).tokens()
    p = Parser(text, catalog, "MALFORMED_SEARCH", tokens=toks, full_text=text)
    if p.accept_kw("IN"):
        g = p.expect("IDENT")
        if str(g.value).upper() not in _GROUPS:
            raise p.unexpected(g)
        spec.group = str(g.value).upper()
        p.expect_kw("FIELDS")
    if p.accept_kw("RETURNING"):
        while True:
            spec.returning.append(_returning(p))
            if p.tok.kind != "COMMA":
                break
            p.next()
    else:
        spec.returning = [Query(obj=catalog[o.lower()], select=[]) for o in _DEFAULT_OBJECTS]
    if p.accept_kw("LIMIT"):
        spec.limit = p.expect_int()
    if p.tok.kind != "EOF":
        raise p.unexpected()
    letters = re.sub(r"[*?\s\"\\]", "", raw)
    if len(letters) < 2:
        raise SFError(
            400, "INVALID_SEARCH", f"search term must be longer than one character: {raw}"
        )
    for q in spec.returning:
        if not q.select:
            q.select = [p.resolve_path(q.obj, FieldPath(["Id"], 0))]
    return spec


def _returning(p: Parser) -> Query:
    obj = p.parse_object()
    q = Query(obj=obj, select=[])
    if p.tok.kind != "LPAREN":
        return q
    p.next()
    q.select = [p.resolve_path(obj, p.parse_path())]
    while p.tok.kind == "COMMA":
        p.next()
        q.select.append(p.resolve_path(obj, p.parse_path()))
    if p.accept_kw("WHERE"):
        q.where = p.parse_cond(obj)
    if p.accept_kw("ORDER"):
        q.order = p.parse_order(obj)
    if p.accept_kw("LIMIT"):
        q.limit = p.expect_int()
    p.expect("RPAREN")
    return q


def _fields_for(obj: ObjectDef, group: str) -> list[str]:
    text_types = {"string", "email", "phone", "textarea", "url", "combobox"}
    if group == "NAME":
        return [f for f in obj.name_fields if obj.field(f)]
    if group == "EMAIL":
        return [f.name for f in obj.fields.values() if f.type == "email"]
    if group == "PHONE":
        return [f.name for f in obj.fields.values() if f.type == "phone"]
    return [f.name for f in obj.fields.values() if f.type in text_types]


def _atom_hits(atom: Atom, rec: dict, obj: ObjectDef, names: list[str]) -> bool:
    for name in names:
        value = rec.get(name)
        if not value:
            continue
        fd = obj.field(name)
        if fd is not None and fd.type == "phone" and len(atom.digits) >= 7:
            digits = re.sub(r"\D", "", str(value))
            if (
                digits == atom.digits
                or digits.endswith(atom.digits)
                or atom.digits.endswith(digits)
            ):
                return True
        tokens = [t.casefold() for t in _WORD.findall(str(value))]
        width = len(atom.words)
        for k in range(len(tokens) - width + 1):
            if all(re.fullmatch(w, tokens[k + j]) for j, w in enumerate(atom.words)):
                return True
    return False


def _hits(node, rec: dict, obj: ObjectDef, names: list[str]) -> bool:
    if isinstance(node, Atom):
        return bool(node.words) and _atom_hits(node, rec, obj, names)
    op, left, right = node
    a = _hits(left, rec, obj, names)
    if op == "OR":
        return a or _hits(right, rec, obj, names)
    b = _hits(right, rec, obj, names)
    return a and (not b if op == "AND NOT" else b)


def search(store: Store, text: str, version: str) -> dict:

    spec = parse(text, store.catalog)
    out: list[dict] = []
    for q in spec.returning:
        names = _fields_for(q.obj, spec.group)
        rows = [
            r
            for r in store.live(q.obj.name)
            if _hits(spec.term, r, q.obj, names) and (q.where is None or matches(store, q.where, r))
        ]
        rows = sort_rows(rows, q.order, lambda r, it: value_of(store, r, it.expr))
        if q.limit is not None:
            rows = rows[: q.limit]
        out.extend(project(store, r, q, version) for r in rows)
    if spec.limit is not None:
        out = out[: spec.limit]
    return {"searchRecords": out}
