"""SOAP partner API findDuplicates() and merge().

findDuplicates() (SOAP API Developer Guide, https://developer.salesforce.com/docs/platform/api/
guide/sforce-api-calls-findduplicates.html):
* Request: <findDuplicates><sObjects><type>Lead</type>[<Id>..</Id>]<Email>..</Email>...
  </sObjects>...</findDuplicates>; type and Id are in urn:sobject.partner.soap.sforce.com,
  field elements in any namespace. At most 50 sObjects, all of one type that supports
  duplicate rules; else a fault (LIMIT_EXCEEDED "Configuration error: The number of records to
  check is greater than the permitted batch size.").
* Response: <findDuplicatesResponse><result> per sObject: duplicateResults[] (DuplicateResult,
  see duplicates.py), errors[], success. The DuplicateRuleHeader's includeRecordDetails=true
  returns the duplicates' fields in MatchRecord.record, else only type and Id.
* No active rule for the type: the Apex twin (Datacloud.FindDuplicates) raises "No active
  duplicate rules are defined for the Lead object type."; the emulator answers that as the
  result's error (statusCode INVALID_OPERATION; the SOAP status code is not documented).

merge() (https://developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-merge.html;
MergeRequest/MergeResult):
* Request: <merge><request><masterRecord><type>Lead</type><Id>..</Id>[field values that
  supersede the master's]</masterRecord><recordToMergeIds>..</recordToMergeIds>{1,2}
  </request>...</merge>; each request is its own transaction.
* Response: <mergeResponse><result> errors[], id (the master), mergedRecordIds[], success,
  updatedRelatedIds[] (related records re-parented to the master).
* "Up to three records can be merged in a single request, including the master record";
  "You can only merge objects of the same type"; supported types Lead, Contact, Account (and
  Person Account, Individual) and, since Summer '22, Case. The merged ("victim") records are
  deleted with MasterRecordId set to the master (queryAll shows them); their related records
  (tasks' WhoId/WhatId, an account's contacts, opportunities and cases, a contact's cases...)
  move to the master. Status codes used: INVALID_ID_FIELD (not an id, not found, another object,
  the master merged into itself), ENTITY_IS_DELETED, CANNOT_UPDATE_CONVERTED_LEAD,
  INVALID_TYPE_FOR_OPERATION, LIMIT_EXCEEDED, and the update checks' codes for bad field values.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from .duplicates import RULE_OBJECTS, RuleHit, run_rules
from .errors import SFError
from .ids import to18
from .store import serialize

PARTNER = "urn:partner.soap.sforce.com"
SOBJECT = "urn:sobject.partner.soap.sforce.com"
MERGEABLE = {"Lead", "Contact", "Account", "Case"}
FIND_LIMIT = 50
# Reference fields that are bookkeeping, not a parent-child relationship merge() moves.
_NOT_RELATED = {"OwnerId", "CreatedById", "LastModifiedById", "MasterRecordId"}


class Fault(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sobject_values(el: ET.Element) -> tuple[str | None, str | None, dict]:
    """(type, Id, {field: value}) of a partner sObject element (fieldsToNull -> None)."""
    sobject_type = raw_id = None
    values: dict = {}
    for child in el:
        name, text = _local(child.tag), (child.text or "").strip()
        if name == "type":
            sobject_type = text or None
        elif name == "Id":
            raw_id = text or None
        elif name == "fieldsToNull":
            if text:
                values[text] = None  # set to null, as in update()
        else:
            nil = child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
            values[name] = None if nil else text
    return sobject_type, raw_id, values


def _v(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def errors_xml(code: str, message: str, fields: list[str] | None = None) -> str:
    f = "".join(f"<fields>{escape(x)}</fields>" for x in fields or [])
    return (
        f"<errors>{f}<message>{escape(message)}</message><statusCode>{code}</statusCode></errors>"
    )


# --------------------------------------------------------------------------- findDuplicates
def _record_xml(store, rec: dict, details: bool) -> str:
    parts = [f"<sf:type>{rec['_type']}</sf:type><sf:Id>{rec['Id']}</sf:Id>"]
    if details:
        obj = store.catalog[rec["_type"].lower()]
        for fd in obj.fields.values():
            if fd.name == "Id":
                continue
            value = serialize(fd, rec.get(fd.name))
            if value is None:
                parts.append(f'<sf:{fd.name} xsi:nil="true"/>')
            else:
                parts.append(f"<sf:{fd.name}>{_v(value)}</sf:{fd.name}>")
    return f'<record xsi:type="sf:sObject">{"".join(parts)}</record>'


def _duplicate_result_xml(store, hit: RuleHit, details: bool) -> str:
    matches = []
    for m, recs in hit.found:
        records = "".join(
            f"<matchRecords><fieldDiffs/><matchConfidence>100.0</matchConfidence>"
            f"{_record_xml(store, r, details)}</matchRecords>"
            for r in recs
        )
        matches.append(
            f"<matchResults><entityType>{m.sobject}</entityType>"
            f"<matchEngine>ExactMatchEngine</matchEngine>{records}"
            f"<rule>{m.developer_name}</rule><size>{len(recs)}</size>"
            "<success>true</success></matchResults>"
        )
    r = hit.rule
    return (
        f"<duplicateResults><allowSave>{_v(r.allow_save)}</allowSave>"
        f"<duplicateRule>{r.developer_name}</duplicateRule>"
        f"<duplicateRuleEntityType>{r.sobject}</duplicateRuleEntityType>"
        f"<errorMessage>{escape(r.message)}</errorMessage>{''.join(matches)}</duplicateResults>"
    )


def find_duplicates(emu, op: ET.Element, details: bool) -> str:
    store = emu.store
    items = [sobject_values(el) for el in op if _local(el.tag) == "sObjects"]
    if len(items) > FIND_LIMIT:
        raise Fault(
            "LIMIT_EXCEEDED",
            "Configuration error: The number of records to check is greater than the "
            "permitted batch size.",
        )
    types = {t for t, _, _ in items}
    if len(types) > 1:
        raise Fault("INVALID_TYPE", "All sObjects must be of the same type")
    results = []
    for sobject_type, raw_id, values in items:
        obj = store.obj(sobject_type or "")
        if obj is None or obj.name not in RULE_OBJECTS:
            raise Fault("INVALID_TYPE", f"sObject type '{sobject_type}' is not supported.")
        active = [r for r in store.active_rules if r.sobject == obj.name]
        if not active:
            msg = f"No active duplicate rules are defined for the {obj.name} object type."
            results.append(
                f"<result>{errors_xml('INVALID_OPERATION', msg)}<success>false</success></result>"
            )
            continue
        own = None
        if raw_id:
            own = store.raw(raw_id)
            if own is None or own["_type"] != obj.name or own["IsDeleted"]:
                code = (
                    "ENTITY_IS_DELETED"
                    if own is not None and own["IsDeleted"]
                    else "INVALID_ID_FIELD"
                )
                msg = "entity is deleted" if code == "ENTITY_IS_DELETED" else "invalid record id"
                results.append(
                    f"<result>{errors_xml(code, msg, ['Id'])}<success>false</success></result>"
                )
                continue
        merged = {**(own or {}), **values}
        hits = run_rules(store, active, obj.name, merged, own["Id"] if own else None)
        body = "".join(_duplicate_result_xml(store, h, details) for h in hits if h.any)
        results.append(f"<result>{body}<success>true</success></result>")
    return f"<findDuplicatesResponse>{''.join(results)}</findDuplicatesResponse>"


# --------------------------------------------------------------------------- merge
class MergeError(Exception):
    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields or []


def _record_of(store, raw_id: str | None, obj_name: str | None) -> dict:
    rid = to18(raw_id) if raw_id else None
    rec = store.records.get(rid) if rid else None
    if rec is None or (obj_name and rec["_type"] != obj_name):
        raise MergeError("INVALID_ID_FIELD", f"invalid record id: {raw_id}", ["Id"])
    if rec["IsDeleted"]:
        raise MergeError("ENTITY_IS_DELETED", "entity is deleted")
    if rec.get("IsConverted"):
        raise MergeError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
    return rec


def merge_one(emu, request: ET.Element) -> tuple[str, list[str], list[str]]:
    store = emu.store
    master_el = next((c for c in request if _local(c.tag) == "masterRecord"), None)
    victim_ids = [(c.text or "").strip() for c in request if _local(c.tag) == "recordToMergeIds"]
    if master_el is None:
        raise MergeError("REQUIRED_FIELD_MISSING", "Required field is missing: masterRecord")
    sobject_type, master_id, values = sobject_values(master_el)
    obj = store.obj(sobject_type or "")
    if obj is None or obj.name not in MERGEABLE:
        raise MergeError(
            "INVALID_TYPE_FOR_OPERATION", f"Cannot merge records of type {sobject_type}"
        )
    if not victim_ids:
        raise MergeError("REQUIRED_FIELD_MISSING", "Required field is missing: recordToMergeIds")
    if len(victim_ids) > 2:
        raise MergeError(
            "LIMIT_EXCEEDED", "A merge request can merge at most 2 records into the master"
        )
    master = _record_of(store, master_id, obj.name)
    victims = [_record_of(store, v, obj.name) for v in victim_ids]
    if master["Id"] in {v["Id"] for v in victims} or len({v["Id"] for v in victims}) < len(victims):
        raise MergeError(
            "INVALID_ID_FIELD", "Cannot merge a record with itself", ["recordToMergeIds"]
        )
    try:  # the same checks as an update (duplicate rules do not run on a merge)
        store.update(obj, master, values, check_duplicates=False)
    except SFError as err:
        raise MergeError(err.code, err.message, err.fields) from None
    victim_set = {v["Id"] for v in victims}
    related = _reparent(store, victim_set, master["Id"])
    for v in victims:
        store.delete(v)
        v["MasterRecordId"] = master["Id"]
    return master["Id"], [v["Id"] for v in victims], related


def _reparent(store, victims: set[str], master_id: str) -> list[str]:
    moved = []
    for rec in store.records.values():
        if rec["IsDeleted"] or rec["Id"] in victims or rec["Id"] == master_id:
            continue
        obj = store.catalog[rec["_type"].lower()]
        changed = False
        for fd in obj.fields.values():
            if fd.type != "reference" or fd.name in _NOT_RELATED or fd.name.startswith("Converted"):
                continue
            if rec.get(fd.name) in victims:
                rec[fd.name] = master_id
                changed = True
        if changed:
            moved.append(rec["Id"])
    return moved


def merge(emu, op: ET.Element) -> str:
    results = []
    for request in (c for c in op if _local(c.tag) == "request"):
        try:
            master_id, merged, related = merge_one(emu, request)
        except MergeError as err:
            results.append(
                f"<result>{errors_xml(err.code, err.message, err.fields)}"
                '<id xsi:nil="true"/><success>false</success></result>'
            )
            continue
        results.append(
            f"<result><id>{master_id}</id>"
            + "".join(f"<mergedRecordIds>{i}</mergedRecordIds>" for i in merged)
            + "<success>true</success>"
            + "".join(f"<updatedRelatedIds>{i}</updatedRelatedIds>" for i in related)
            + "</result>"
        )
    return f"<mergeResponse>{''.join(results)}</mergeResponse>"
