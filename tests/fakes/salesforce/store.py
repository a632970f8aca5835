"""Record storage and the save-time checks Salesforce applies to REST create/update.

Error codes and messages (REST API Developer Guide "Status Codes and Error Responses";
SOAP API Developer Guide "StatusCode" enum): REQUIRED_FIELD_MISSING
"Required fields are missing: [LastName]", INVALID_FIELD "No such column 'Foo' on sobject of
type Lead", INVALID_FIELD_FOR_INSERT_UPDATE "Unable to create/update fields: ...",
INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST "<label>: bad value for restricted picklist field: v",
INVALID_EMAIL_ADDRESS "<label>: invalid email address: v", STRING_TOO_LONG
"<label>: data value too large: v (max length=n)", MALFORMED_ID / FIELD_INTEGRITY_EXCEPTION
"<label>: id value of incorrect type: v", INVALID_CROSS_REFERENCE_KEY, ENTITY_IS_DELETED,
CANNOT_UPDATE_CONVERTED_LEAD "cannot reference converted lead", JSON_PARSER_ERROR.
DUPLICATES_DETECTED body: REST API "Duplicate Rule Header" + DuplicateResult/MatchResult/
MatchRecord types (SOAP API Developer Guide): duplicateResult{allowSave, duplicateRule,
duplicateRuleEntityType, errorMessage "Use one of these records?", matchResults[{entityType,
matchEngine, matchRecords[{record, matchConfidence, ...}], rule, size, success}]}.
"""

from __future__ import annotations

import datetime as dt
import re

from .catalog import OPPORTUNITY_STAGES, TASK_STATUSES
from .duplicates import DuplicateRule, check_rules, duplicates_error
from .errors import SFError
from .ids import IdFactory, to18
from .schema import NUMBER_TYPES, FieldDef, ObjectDef

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"
)
_STAGES = {s[0]: s for s in OPPORTUNITY_STAGES}
_CLOSED_TASK_STATUSES = {api_name for api_name, _, closed in TASK_STATUSES if closed}


def utcnow() -> dt.datetime:
    """Now, to the second: Salesforce keeps audit datetimes (CreatedDate, SystemModstamp) to
    the second, the API shows them as ``...T12:00:05.000+0000``, and SOQL compares datetimes
    ignoring milliseconds, so several records changed in one second tie on SystemModstamp
    (https://salesforce.stackexchange.com/questions/234824)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def parse_datetime(text: str) -> dt.datetime | None:
    m = _DATETIME_RE.match(text)
    if not m:
        return None
    tz = m.group(6) or "Z"
    if tz != "Z" and ":" not in tz:
        tz = tz[:3] + ":" + tz[3:]
    frac = (m.group(5) or ".0")[:7]
    iso = f"{m.group(1)}T{m.group(2)}:{m.group(3)}:{m.group(4)}{frac}"
    try:
        base = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    offset = dt.timedelta(0)
    if tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        offset = sign * dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return (base - offset).replace(tzinfo=dt.UTC)


def fmt_datetime(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def serialize(fd: FieldDef, value: object) -> object:
    if value is None:
        return None
    if fd.type == "datetime" and isinstance(value, dt.datetime):
        return fmt_datetime(value)
    if fd.type == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return value


def _parser_error(kind: str, value: object) -> SFError:
    return SFError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} "
        "or request may be missing a required field",
    )


def coerce(fd: FieldDef, value: object) -> object:
    """Turn a JSON value into the stored python value, as the REST deserializer does."""
    if value is None:
        return None
    t = fd.type
    if t == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise _parser_error("boolean", value)
    if t in NUMBER_TYPES:
        if isinstance(value, bool):
            raise _parser_error("double", value)
        if isinstance(value, int | float):
            return int(value) if t == "int" else float(value)
        if isinstance(value, str):
            try:
                return int(value) if t == "int" else float(value)
            except ValueError:
                raise _parser_error("int" if t == "int" else "double", value) from None
        raise _parser_error("double", value)
    if t == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and _DATE_RE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise _parser_error("date", value)
    if t == "datetime":
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise _parser_error("datetime", value)
        return parsed
    if t == "reference" and isinstance(value, str):
        return to18(value) or value  # ids are stored and returned in 18-char form
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise _parser_error("String", value)
    return value


class Store:
    """All records of the org. Callers hold the emulator lock."""

    def __init__(self, catalog: dict[str, ObjectDef], ids: IdFactory) -> None:
        self.catalog = catalog
        self.ids = ids
        self.records: dict[str, dict] = {}
        self.order: dict[str, list[str]] = {name: [] for name in catalog}
        self.dup_rules: list[tuple[str, str]] = []
        self.active_rules: list[DuplicateRule] = []  # duplicates.SEEDED_RULES activated
        # The request's Sforce-Duplicate-Rule-Header (allowSave, includeRecordDetails).
        self.rule_header: dict[str, bool] = {}
        self.case_seq = 1000
        self.current_user = ""
        self.version = "62.0"

    # -- lookup ---------------------------------------------------------------------------
    def obj(self, name: str) -> ObjectDef | None:
        return self.catalog.get(name.lower())

    def obj_for_id(self, record_id: str) -> ObjectDef | None:
        return next((o for o in self.catalog.values() if o.prefix == record_id[:3]), None)

    def raw(self, record_id: object) -> dict | None:
        rid = to18(record_id)
        return self.records.get(rid) if rid else None

    def live(self, obj_name: str) -> list[dict]:
        recs = (self.records[i] for i in self.order[obj_name.lower()])
        return [r for r in recs if not r["IsDeleted"]]

    def display_name(self, rec: dict | None) -> str | None:
        if rec is None:
            return None
        obj = self.catalog[rec["_type"].lower()]
        for name in ("Name", "CaseNumber", "Subject", "MasterLabel"):
            if obj.field(name):
                return rec.get(name)
        return None

    def to_json(self, rec: dict, version: str, fields: list[FieldDef] | None = None) -> dict:
        obj = self.catalog[rec["_type"].lower()]
        out: dict = {"attributes": attributes(rec, version)}
        for fd in fields if fields is not None else obj.fields.values():
            out[fd.name] = serialize(fd, rec.get(fd.name))
        return out

    # -- writes ---------------------------------------------------------------------------
    def create(self, obj: ObjectDef, data: dict, strict: bool = True) -> str:
        values = self._prepare(obj, data, strict, creating=True)
        rec: dict = {"_type": obj.name}
        for fd in obj.fields.values():
            rec[fd.name] = fd.default if fd.type in {"boolean", "picklist"} else None
        if obj.field("OwnerId"):
            rec["OwnerId"] = self.current_user
        rec.update(values)
        now = utcnow()
        rec.update(
            IsDeleted=False,
            CreatedDate=values.get("CreatedDate", now),
            LastModifiedDate=values.get("LastModifiedDate", now),
            SystemModstamp=now,
            CreatedById=self.current_user,
            LastModifiedById=self.current_user,
        )
        if obj.name == "Case" and not rec.get("CaseNumber"):
            self.case_seq += 1
            rec["CaseNumber"] = f"{self.case_seq:08d}"
        self._derive(obj, rec, values)
        if strict:
            self._check_required(obj, rec)
            self._check_duplicates(obj, rec, values)
        rec["Id"] = self.ids.new(obj.prefix)
        self.records[rec["Id"]] = rec
        self.order[obj.name.lower()].append(rec["Id"])
        return rec["Id"]

    def update(
        self,
        obj: ObjectDef,
        rec: dict,
        data: dict,
        strict: bool = True,
        check_duplicates: bool = True,
    ) -> None:
        if obj.name == "Lead" and rec.get("IsConverted") and strict:
            raise SFError(
                400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", []
            )
        values = self._prepare(obj, data, strict, creating=False)
        merged = {**rec, **values}
        self._derive(obj, merged, values)
        if strict:
            self._check_required(obj, merged)
            if check_duplicates:
                self._check_duplicates(obj, merged, values)
        now = utcnow()
        merged.update(LastModifiedDate=now, SystemModstamp=now, LastModifiedById=self.current_user)
        rec.update(merged)

    def delete(self, rec: dict) -> None:
        rec["IsDeleted"] = True
        rec["SystemModstamp"] = utcnow()

    # -- checks ---------------------------------------------------------------------------
    def _prepare(self, obj: ObjectDef, data: dict, strict: bool, creating: bool) -> dict:
        if not isinstance(data, dict):
            raise SFError(
                400,
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of sObject from START_ARRAY value",
            )
        resolved: list[tuple[FieldDef, object]] = []
        for key, value in data.items():
            if key == "attributes":
                continue
            fd = obj.field(key)
            if fd is None:
                if strict:
                    raise SFError(
                        400,
                        "INVALID_FIELD",
                        f"No such column '{key}' on sobject of type {obj.name}",
                    )
                raise ValueError(f"{obj.name} has no field {key!r}")
            resolved.append((fd, value))
        if strict:
            bad = [
                fd.name for fd, _ in resolved if not (fd.createable if creating else fd.updateable)
            ]
            if bad:
                raise SFError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {', '.join(bad)}. Please check the security "
                    "settings of this field and verify that it is read/write for your profile "
                    "or permission set.",
                    bad,
                )
        values = {fd.name: coerce(fd, v) for fd, v in resolved}
        if strict:
            for fd, _ in resolved:
                self._check_value(obj, fd, values[fd.name])
        return values

    def _check_value(self, obj: ObjectDef, fd: FieldDef, value: object) -> None:
        if value is None or value == "":
            return
        label = fd.label
        if (
            isinstance(value, str)
            and fd.length
            and fd.type != "reference"
            and len(value) > fd.length
        ):
            raise SFError(
                400,
                "STRING_TOO_LONG",
                f"{label}: data value too large: {value} (max length={fd.length})",
                [fd.name],
            )
        if fd.type == "email" and not _EMAIL_RE.match(str(value)):
            raise SFError(
                400, "INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {value}", [fd.name]
            )
        if fd.type == "picklist" and fd.restricted and value not in fd.picklist:
            raise SFError(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}: bad value for restricted picklist field: {value}",
                [fd.name],
            )
        if fd.type == "reference":
            self._check_reference(fd, value)

    def _check_reference(self, fd: FieldDef, value: object) -> None:
        rid = to18(value)
        if rid is None:
            raise SFError(
                400, "MALFORMED_ID", f"{fd.label}: id value of incorrect type: {value}", [fd.name]
            )
        target = self.obj_for_id(rid)
        if target is None or target.name not in fd.ref:
            raise SFError(
                400,
                "FIELD_INTEGRITY_EXCEPTION",
                f"{fd.label}: id value of incorrect type: {value}",
                [fd.name],
            )
        rec = self.records.get(rid)
        if rec is None:
            raise SFError(
                400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [fd.name]
            )
        if rec["IsDeleted"]:
            raise SFError(400, "ENTITY_IS_DELETED", "entity is deleted", [fd.name])

    def _check_required(self, obj: ObjectDef, rec: dict) -> None:
        missing = [
            fd.name for fd in obj.fields.values() if fd.required and rec.get(fd.name) in (None, "")
        ]
        if missing:
            raise SFError(
                400,
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )

    def _check_duplicates(self, obj: ObjectDef, rec: dict, changed: dict) -> None:
        for obj_name, field_name in self.dup_rules:
            if obj_name != obj.name or field_name not in changed:
                continue
            value = rec.get(field_name)
            if value in (None, ""):
                continue
            key = str(value).casefold()
            matches = [
                r
                for r in self.live(obj.name)
                if r["Id"] != rec.get("Id") and str(r.get(field_name) or "").casefold() == key
            ]
            if matches:
                raise duplicates_error(obj.name, field_name, matches, self.version)
        check_rules(self, obj.name, rec)

    def _derive(self, obj: ObjectDef, rec: dict, changed: dict) -> None:
        if obj.name in {"Lead", "Contact", "User"}:
            rec["Name"] = " ".join(p for p in (rec.get("FirstName"), rec.get("LastName")) if p)
        if obj.name == "Opportunity" and rec.get("StageName") in _STAGES:
            _, prob, closed, won = _STAGES[rec["StageName"]]
            rec["IsClosed"], rec["IsWon"] = closed, won
            if "Probability" not in changed and (
                "StageName" in changed or rec["Probability"] is None
            ):
                rec["Probability"] = float(prob)
        if obj.name == "Case":
            rec["IsClosed"] = rec.get("Status") == "Closed"
        if obj.name == "Task":
            rec["IsClosed"] = rec.get("Status") in _CLOSED_TASK_STATUSES


def attributes(rec: dict, version: str) -> dict:
    t = rec["_type"]
    return {"type": t, "url": f"/services/data/v{version}/sobjects/{t}/{rec['Id']}"}
