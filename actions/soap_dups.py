"""The SOAP partner API calls ``findDuplicates()`` and ``merge()`` (no REST endpoint for them).

findDuplicates(): https://developer.salesforce.com/docs/platform/api/guide/
sforce-api-calls-findduplicates.html. The request is an array of sObjects (at most 50, of one
type); Salesforce applies the active duplicate rules of that type, each with its matching rules
(a lead rule may compare with contacts too), and answers per sObject a FindDuplicatesResult:
duplicateResults[] of DuplicateResult{allowSave, duplicateRule, duplicateRuleEntityType,
errorMessage, matchResults[MatchResult{entityType, matchEngine, matchRecords[MatchRecord{
matchConfidence, record}], rule, size, success}]}, errors[], success. The DuplicateRuleHeader
with includeRecordDetails=true asks for the duplicates' fields, not only their ids.

merge(): https://developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-merge.html.
A MergeRequest is masterRecord (an sObject: type, Id and the field values that supersede the
master's) and recordToMergeIds (one or two: "up to three records ... including the master");
the MergeResult is errors[], id, mergedRecordIds[], success, updatedRelatedIds[].
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from actions.soap import PARTNER, SOBJECT, envelope, result_errors, text_of

_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def sobject_xml(tag: str, api_name: str, record_id: str | None, values: dict[str, Any]) -> str:
    """A partner sObject: type and Id in the sObject namespace, then the fields; a None value
    goes to fieldsToNull (which must come before the fields)."""
    parts = [f"<urn1:type>{escape(api_name)}</urn1:type>"]
    parts += [
        f"<urn1:fieldsToNull>{escape(k)}</urn1:fieldsToNull>"
        for k, v in values.items()
        if v is None
    ]
    if record_id:
        parts.append(f"<urn1:Id>{escape(record_id)}</urn1:Id>")
    parts += [f"<urn1:{k}>{_value(v)}</urn1:{k}>" for k, v in values.items() if v is not None]
    return f"<urn:{tag}>{''.join(parts)}</urn:{tag}>"


# --------------------------------------------------------------------------- findDuplicates
DETAILS_HEADER = (
    "<urn:DuplicateRuleHeader><urn:allowSave>false</urn:allowSave>"
    "<urn:includeRecordDetails>true</urn:includeRecordDetails>"
    "<urn:runAsCurrentUser>false</urn:runAsCurrentUser></urn:DuplicateRuleHeader>"
)


def find_duplicates_envelope(
    session_id: str, api_name: str, record_id: str | None, values: dict[str, Any]
) -> bytes:
    body = (
        "<urn:findDuplicates>"
        + sobject_xml("sObjects", api_name, record_id, values)
        + "</urn:findDuplicates>"
    )
    return envelope(session_id, body, DETAILS_HEADER)


@dataclass(frozen=True)
class Match:
    """One record a duplicate rule found."""

    record_id: str
    entity_type: str
    fields: dict[str, str | None]
    rule: str  # the duplicate rule's developer name
    matching_rule: str
    allow_save: bool
    confidence: float | None


def _record_fields(record: ET.Element | None) -> tuple[str | None, str | None, dict]:
    if record is None:
        return None, None, {}
    values: dict[str, str | None] = {}
    for child in record:
        name = child.tag.rsplit("}", 1)[-1]
        if name not in values or values[name] is None:  # the partner API repeats Id
            values[name] = None if child.get(_XSI_NIL) == "true" else (child.text or "").strip()
    return values.pop("type", None), values.get("Id"), values


def parse_matches(result: ET.Element) -> list[Match]:
    """Every record of every DuplicateResult of one FindDuplicatesResult, in Salesforce's order."""
    found: list[Match] = []
    for dup in result.findall(f"{{{PARTNER}}}duplicateResults"):
        rule = text_of(dup, "duplicateRule") or ""
        allow = (text_of(dup, "allowSave") or "").lower() == "true"
        for match in dup.findall(f"{{{PARTNER}}}matchResults"):
            entity = text_of(match, "entityType") or ""
            matching = text_of(match, "rule") or ""
            for rec in match.findall(f"{{{PARTNER}}}matchRecords"):
                sobject_type, record_id, values = _record_fields(rec.find(f"{{{PARTNER}}}record"))
                confidence = text_of(rec, "matchConfidence")
                if record_id:
                    found.append(
                        Match(
                            record_id,
                            sobject_type or entity,
                            values,
                            rule,
                            matching,
                            allow,
                            float(confidence) if confidence else None,
                        )
                    )
    return found


# --------------------------------------------------------------------------- merge
def merge_envelope(
    session_id: str, api_name: str, master_id: str, duplicate_ids: list[str], values: dict[str, Any]
) -> bytes:
    ids = "".join(
        f"<urn:recordToMergeIds>{escape(i)}</urn:recordToMergeIds>" for i in duplicate_ids
    )
    body = (
        "<urn:merge><urn:request>"
        + sobject_xml("masterRecord", api_name, master_id, values)
        + ids
        + "</urn:request></urn:merge>"
    )
    return envelope(session_id, body)


@dataclass(frozen=True)
class MergeResult:
    id: str
    merged_ids: list[str] = field(default_factory=list)
    updated_related_ids: list[str] = field(default_factory=list)


def parse_merge_result(result: ET.Element) -> MergeResult | list[dict[str, Any]]:
    """The MergeResult, or its errors (REST-style dicts) when it did not succeed."""
    if (text_of(result, "success") or "").lower() != "true":
        return result_errors(result)

    def ids(tag: str) -> list[str]:
        return [(e.text or "").strip() for e in result.findall(f"{{{PARTNER}}}{tag}") if e.text]

    return MergeResult(
        id=text_of(result, "id") or "",
        merged_ids=ids("mergedRecordIds"),
        updated_related_ids=ids("updatedRelatedIds"),
    )


__all__ = ["SOBJECT", "Match", "MergeResult"]
