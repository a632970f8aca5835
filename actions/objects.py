"""The Salesforce objects sfbot works with, and record ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from actions.errors import InvalidInput

ObjectName = Literal["lead", "contact", "account", "opportunity", "case", "campaign"]


@dataclass(frozen=True)
class ObjectSpec:
    key: ObjectName
    api_name: str
    label: str
    key_prefix: str
    # SOQL fields shown on a record card, in this order.
    card_fields: tuple[str, ...]
    # Where the action's seed inputs go (None: the object has no such field).
    name_fields: tuple[str, ...]
    phone_field: str | None
    email_field: str | None
    deletable: bool = False
    plural_label: str = ""  # Salesforce's labelPlural, where it is not label + "s"

    @property
    def plural(self) -> str:
        """The plural label for people ("Opportunities", never "Opportunitys")."""
        return self.plural_label or self.label + "s"


OBJECTS: dict[str, ObjectSpec] = {
    spec.key: spec
    for spec in (
        ObjectSpec(
            "lead",
            "Lead",
            "Lead",
            "00Q",
            ("Id", "Name", "Email", "Phone", "Company", "Status", "IsConverted"),
            ("FirstName", "LastName"),
            "Phone",
            "Email",
            deletable=True,
        ),
        ObjectSpec(
            "contact",
            "Contact",
            "Contact",
            "003",
            ("Id", "Name", "Email", "Phone", "Account.Name", "Title"),
            ("FirstName", "LastName"),
            "Phone",
            "Email",
        ),
        ObjectSpec(
            "account",
            "Account",
            "Account",
            "001",
            ("Id", "Name", "Phone", "Industry", "Type"),
            ("Name",),
            "Phone",
            None,
        ),
        ObjectSpec(
            "opportunity",
            "Opportunity",
            "Opportunity",
            "006",
            ("Id", "Name", "StageName", "Amount", "CloseDate", "Account.Name"),
            ("Name",),
            None,
            None,
            plural_label="Opportunities",
        ),
        ObjectSpec(
            "case",
            "Case",
            "Case",
            "500",
            (
                "Id",
                "CaseNumber",
                "Subject",
                "SuppliedName",
                "SuppliedEmail",
                "SuppliedPhone",
                "Status",
                "Priority",
                "Account.Name",
            ),
            ("SuppliedName",),
            "SuppliedPhone",
            "SuppliedEmail",
            deletable=True,
        ),
        ObjectSpec(
            "campaign",
            "Campaign",
            "Campaign",
            "701",
            ("Id", "Name", "Status", "Type", "IsActive"),
            ("Name",),
            None,
            None,
        ),
    )
}

BY_PREFIX = {spec.key_prefix: spec for spec in OBJECTS.values()}
BY_API_NAME = {spec.api_name: spec for spec in OBJECTS.values()}

_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _checksum(id15: str) -> str:
    """The 3-character case-safe suffix of a 15-character Salesforce id."""
    out = []
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out.append(_CHECKSUM_ALPHABET[bits])
    return "".join(out)


def normalize_id(value: str, field: str = "id") -> str:
    """Validate a 15- or 18-character record id and return its 18-character form."""
    text = value.strip()
    if not _ID_RE.match(text):
        raise InvalidInput(
            f"{value!r} is not a Salesforce record id (15 or 18 letters and digits)",
            code="MALFORMED_ID",
            fields=[field],
        )
    if len(text) == 15:
        return text + _checksum(text)
    body, suffix = text[:15], text[15:]
    if _checksum(body) == suffix.upper():
        return body + _checksum(body)
    restored = _case_from_suffix(body, suffix) if body in (body.lower(), body.upper()) else None
    if restored is None:
        raise InvalidInput(
            f"{value!r} is not a valid Salesforce record id (its checksum does not match)",
            code="MALFORMED_ID",
            fields=[field],
        )
    return restored + _checksum(restored)


def _case_from_suffix(body: str, suffix: str) -> str | None:
    """An 18-character id whose case was lost (lowercased or uppercased by some tool): its
    suffix says which of the first 15 characters are capitals. None if it cannot."""
    chars = list(body.lower())
    for chunk, code in enumerate(suffix.upper()):
        bits = _CHECKSUM_ALPHABET.find(code)
        if bits < 0:
            return None
        for i in range(5):
            if bits >> i & 1:
                pos = chunk * 5 + i
                if not chars[pos].isalpha():
                    return None
                chars[pos] = chars[pos].upper()
    return "".join(chars)


def spec_for_id(record_id: str, field: str = "id") -> ObjectSpec:
    spec = BY_PREFIX.get(record_id[:3])
    if spec is None:
        raise InvalidInput(
            f"{record_id} is not a record sfbot works with "
            f"({', '.join(s.plural.lower() for s in OBJECTS.values())})",
            code="UNSUPPORTED_OBJECT",
            fields=[field],
        )
    return spec


def object_spec(name: str, field: str = "object") -> ObjectSpec:
    spec = OBJECTS.get(name.strip().lower())
    if spec is None:
        raise InvalidInput(
            f"unknown object {name!r}: use one of {', '.join(OBJECTS)}",
            code="UNSUPPORTED_OBJECT",
            fields=[field],
        )
    return spec


def a_or_an(noun: str) -> str:
    """'a lead', 'an account', 'an opportunity'."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def expect_object(value: str, key: str, field: str) -> str:
    """The 18-character id of a record of object ``key``, checked without any call."""
    record_id = normalize_id(value, field)
    spec = spec_for_id(record_id, field)
    if spec.key != key:
        raise InvalidInput(
            f"{record_id} is {a_or_an(spec.label.lower())}, not {a_or_an(key)}",
            code="OBJECT_MISMATCH",
            fields=[field],
        )
    return record_id


def record_url(instance_url: str, api_name: str, record_id: str) -> str:
    """The record's page in Lightning Experience."""
    return f"{instance_url}/lightning/r/{api_name}/{record_id}/view"
