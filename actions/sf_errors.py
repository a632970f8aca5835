"""Salesforce's error bodies mapped to sfbot's typed errors.

REST errors are a JSON array of ``{"message", "errorCode", "fields"}`` ("Status Codes and Error
Responses", REST API Developer Guide); duplicate-rule blocks carry ``duplicateResult`` with the
matching records ("DuplicateResult", Apex/REST reference).
"""

from __future__ import annotations

from typing import Any

from simple_salesforce.exceptions import SalesforceError

from actions.errors import (
    ActionError,
    NotFound,
    OutcomeUnknown,
    SalesforceRefused,
    SalesforceUnavailable,
)


def duplicate_ids(error: dict[str, Any]) -> list[str]:
    """Ids of the records a DUPLICATES_DETECTED error says the new one matches."""
    result = error.get("duplicateResult") or {}
    ids: list[str] = []
    for match in result.get("matchResults") or []:
        for record in match.get("matchRecords") or []:
            rec = record.get("record") or {}
            if rec.get("Id"):
                ids.append(rec["Id"])
    return ids


def duplicate_rule_details(error: dict[str, Any]) -> dict[str, Any]:
    """What a DUPLICATES_DETECTED error says about the rule: its name, whether allowSave=true
    would let the save through (an alert, not a block), and the matches' fields when
    Salesforce included them (includeRecordDetails=true)."""
    result = error.get("duplicateResult") or {}
    if not result:
        return {}
    matches = []
    for match in result.get("matchResults") or []:
        for record in match.get("matchRecords") or []:
            rec = record.get("record") or {}
            if rec.get("Id"):
                kind = (rec.get("attributes") or {}).get("type") or match.get("entityType")
                matches.append(
                    {"object": kind, **{k: v for k, v in rec.items() if k != "attributes"}}
                )
    return {
        "duplicate_rule": result.get("duplicateRule"),
        "allow_save": bool(result.get("allowSave")),
        "matches": matches,
    }


def refusal_from_errors(status: int, errors: list[dict[str, Any]], *, write: bool) -> ActionError:
    """Build the typed error for a list of Salesforce error objects."""
    if status >= 500:
        message = "; ".join(str(e.get("message", "")) for e in errors) or f"HTTP {status}"
        failed = f"Salesforce failed (HTTP {status}): {message}"
        return OutcomeUnknown(failed) if write else SalesforceUnavailable(failed)
    first = errors[0] if errors else {}
    code = str(first.get("errorCode") or first.get("statusCode") or "SALESFORCE_ERROR")
    message = "; ".join(str(e.get("message", "")).strip() for e in errors if e.get("message"))
    fields = sorted({f for e in errors for f in (e.get("fields") or [])})
    details: dict[str, Any] = {}
    dups = [i for e in errors for i in duplicate_ids(e)]
    if dups:
        details["duplicates"] = dups
        details.update(duplicate_rule_details(next(e for e in errors if duplicate_ids(e))))
    not_found = status == 404 or code in ("NOT_FOUND", "ENTITY_IS_DELETED")
    cls: type[SalesforceRefused] = NotFound if not_found else SalesforceRefused
    return cls(
        message or f"Salesforce refused the request (HTTP {status})",
        code=code,
        fields=fields,
        details=details,
    )


def map_salesforce_error(exc: SalesforceError, *, write: bool) -> ActionError:
    content: Any = exc.content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        content = [{"message": str(content)[:300]}]
    errors: list[dict[str, Any]] = [e for e in content if isinstance(e, dict)]
    return refusal_from_errors(exc.status, errors, write=write)
