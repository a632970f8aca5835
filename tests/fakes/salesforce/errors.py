"""Error shapes.

REST: "Status Codes and Error Responses" (REST API Developer Guide, errorcodes.htm): the body
is a JSON array of {"message", "errorCode"[, "fields"]}.
SOQL/SOSL parse errors carry the query, a caret line and "ERROR at Row:r:Column:c" before the
message, as Salesforce returns them (e.g. INVALID_FIELD "No such column 'X' on entity 'Lead'..."
and MALFORMED_SEARCH "line 1:10 mismatched character '|' expecting '}'").
OAuth: "OAuth 2.0 Authorization Errors" (Salesforce Help, remoteaccess_oauth_flow_errors.htm):
{"error": ..., "error_description": ...} with HTTP 400.
"""

from __future__ import annotations


class SFError(Exception):
    """A REST-style error: HTTP status + [{"message", "errorCode", "fields"?}]."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: list[str] | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.extra = extra or {}

    def body(self) -> list[dict]:
        item: dict = dict(self.extra)
        item["message"] = self.message
        item["errorCode"] = self.code
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def positional(text: str, pos: int, message: str, zero_based: bool = False) -> str:
    """Format a parse error the way the query/search endpoints do."""
    pos = max(0, min(pos, len(text)))
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    if line_end < 0:
        line_end = len(text)
    row = text.count("\n", 0, pos) + 1
    col = pos - line_start + (0 if zero_based else 1)
    caret = " " * (pos - line_start) + "^"
    return f"\n{text[line_start:line_end]}\n{caret}\nERROR at Row:{row}:Column:{col}\n{message}"


def not_found() -> SFError:
    return SFError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> SFError:
    return SFError(401, "INVALID_SESSION_ID", "Session expired or invalid")
