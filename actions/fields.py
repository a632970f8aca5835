"""Turning the actions' inputs into Salesforce field values, checked against the describe.

Everything here runs before any write is sent, so bad input never reaches Salesforce.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from actions.errors import InvalidInput
from actions.metadata import FieldInfo, ObjectDescribe
from actions.objects import ObjectSpec, a_or_an, normalize_id

FieldValue = str | int | float | bool | None

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
PHONE_RE = re.compile(r"^[0-9+().\-\s/x#*]{3,40}$")
_NUMERIC = {"double", "currency", "percent", "int", "long"}


def check_email(value: str, field: str = "email") -> str:
    text = value.strip()
    if len(text) > 80 or not EMAIL_RE.match(text):
        raise InvalidInput(
            f"{value!r} is not a valid email address", code="INVALID_EMAIL", fields=[field]
        )
    return text


def check_phone(value: str, field: str = "phone") -> str:
    text = value.strip()
    if not PHONE_RE.match(text) or not any(ch.isdigit() for ch in text):
        raise InvalidInput(f"{value!r} is not a phone number", code="INVALID_PHONE", fields=[field])
    return text


def split_person_name(name: str) -> dict[str, str]:
    """'Ada King Lovelace' -> FirstName 'Ada King', LastName 'Lovelace' (last word is last name)."""
    words = name.split()
    if not words:
        raise InvalidInput("the name is empty", code="REQUIRED_FIELD_MISSING", fields=["name"])
    out = {"LastName": words[-1]}
    if len(words) > 1:
        out["FirstName"] = " ".join(words[:-1])
    return out


def coerce_value(info: FieldInfo, value: FieldValue, input_name: str) -> FieldValue:
    """Check one value against its field's type, length and picklist."""
    where = [input_name]
    if value is None:
        return None
    kind = info.type
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidInput(
                f"{info.label} must be true or false", code="INVALID_TYPE", fields=where
            )
        return value
    if kind in _NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                value = float(str(value)) if kind not in ("int", "long") else int(str(value))
            except ValueError as exc:
                raise InvalidInput(
                    f"{info.label} must be a number", code="INVALID_TYPE", fields=where
                ) from exc
        return value
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise InvalidInput(
                f"{info.label} must be a date like 2026-12-31", code="INVALID_TYPE", fields=where
            ) from exc
    if kind == "datetime":
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidInput(
                f"{info.label} must be a date and time like 2026-12-31T09:00:00Z",
                code="INVALID_TYPE",
                fields=where,
            ) from exc
        return str(value)
    if kind == "reference":
        return normalize_id(str(value), input_name)
    text = str(value)
    if kind == "email":
        text = check_email(text, input_name)
    if info.length and len(text) > info.length:
        raise InvalidInput(
            f"{info.label} is too long ({len(text)} characters, at most {info.length})",
            code="STRING_TOO_LONG",
            fields=where,
        )
    if kind == "picklist" and info.restricted_picklist and text and text not in info.picklist:
        raise InvalidInput(
            f"{text!r} is not a {info.label} value; choose one of: {', '.join(info.picklist)}",
            code="INVALID_PICKLIST_VALUE",
            fields=where,
        )
    return text


def check_seed_inputs(spec: ObjectSpec, *, phone: str | None, email: str | None) -> None:
    """Refuse a phone or email the object has no field for, before any call (even describe)."""
    for input_name, value, target in (
        ("phone", phone, spec.phone_field),
        ("email", email, spec.email_field),
    ):
        if value is not None and target is None:
            raise InvalidInput(
                f"{a_or_an(spec.label.lower())} has no {input_name} field",
                code="FIELD_NOT_AVAILABLE",
                fields=[input_name],
            )


def build_fields(
    spec: ObjectSpec,
    describe: ObjectDescribe,
    *,
    name: str | None,
    phone: str | None,
    email: str | None,
    description: str | None,
    extra: dict[str, FieldValue],
    for_create: bool,
) -> dict[str, FieldValue]:
    """Map the seed inputs and ``fields`` to API field names, checked against the describe."""
    check_seed_inputs(spec, phone=phone, email=email)
    mapped: dict[str, tuple[str, FieldValue]] = {}  # api name -> (input name, value)

    def put(api_name: str, input_name: str, value: FieldValue) -> None:
        info = describe.field(api_name)
        allowed = info is not None and (info.createable if for_create else info.updateable)
        if info is None or not allowed:
            raise InvalidInput(
                f"{a_or_an(spec.label.lower())} has no {input_name} field sfbot can set",
                code="FIELD_NOT_AVAILABLE",
                fields=[input_name],
            )
        mapped[info.name] = (input_name, coerce_value(info, value, input_name))

    if name is not None:
        if spec.name_fields == ("FirstName", "LastName"):
            parts = split_person_name(name)
            put("LastName", "name", parts["LastName"])
            if "FirstName" in parts or not for_create:
                put("FirstName", "name", parts.get("FirstName"))
        else:
            put(spec.name_fields[0], "name", name.strip())
    for input_name, given, target in (
        ("phone", phone, spec.phone_field),
        ("email", email, spec.email_field),
    ):
        if given is None or target is None:
            continue
        put(target, input_name, check_email(given) if input_name == "email" else check_phone(given))
    if description is not None:
        put("Description", "description", description)

    for key, value in extra.items():
        info = describe.field(key)
        label = f"fields.{key}"
        if info is None:
            raise InvalidInput(
                f"{a_or_an(spec.label.lower())} has no field {key!r}",
                code="UNKNOWN_FIELD",
                fields=[label],
            )
        if info.name in mapped:
            raise InvalidInput(
                f"{info.name} is already set by {mapped[info.name][0]}; set it once",
                code="DUPLICATE_FIELD",
                fields=[label],
            )
        allowed = info.createable if for_create else info.updateable
        if not allowed:
            verb = "set on a new" if for_create else "changed on"
            raise InvalidInput(
                f"{info.label} ({info.name}) cannot be {verb} {spec.label.lower() if for_create else a_or_an(spec.label.lower())}",
                code="FIELD_NOT_WRITABLE",
                fields=[label],
            )
        mapped[info.name] = (label, coerce_value(info, value, label))
    return {api: value for api, (_src, value) in mapped.items()}


def missing_required(describe: ObjectDescribe, values: dict[str, Any]) -> list[FieldInfo]:
    return [f for f in describe.required_on_create() if values.get(f.name) in (None, "")]
