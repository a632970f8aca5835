"""Duplicate management: matching rules, duplicate rules, and what they answer.

Documentation followed:
* DuplicateResult / MatchResult / MatchRecord (SOAP API Developer Guide,
  https://developer.salesforce.com/docs/platform/api/guide/sforce-api-objects-matchresult.html
  and sforce-api-objects-matchrecord.html): DuplicateResult{allowSave, duplicateRule,
  duplicateRuleEntityType, errorMessage, matchResults[]}; MatchResult{entityType, errors,
  matchEngine, matchRecords[], rule (the matching rule's developer name), size, success};
  MatchRecord{additionalInformation, fieldDiffs, matchConfidence, record}.
* DuplicateRuleHeader (SOAP) / "Duplicate Rule Header" (REST, API 52.0+,
  https://developer.salesforce.com/docs/platform/api-rest/guide/headers-duplicaterules.html):
  ``Sforce-Duplicate-Rule-Header: allowSave=true; includeRecordDetails=true;
  runAsCurrentUser=true``, every field false by default. allowSave only bypasses a rule whose
  action is Allow with an alert; a Block rule refuses whatever the header says.
  includeRecordDetails returns the duplicates' fields, else only their ids.
* findDuplicates() (https://developer.salesforce.com/docs/platform/api/guide/
  sforce-api-calls-findduplicates.html): applies the duplicate rules of the sObject's type; all
  sObjects of one type, at most 50 (else fault LIMIT_EXCEEDED "Configuration error: The number
  of records to check is greater than the permitted batch size."); an sObject with an Id reads
  the stored record and overlays the given values.

A duplicate rule may use several matching rules, one per object compared: the standard lead
rule compares a lead with leads and with contacts, so one call finds both. Converted and
deleted records never match. The emulator's matching is exact and case-insensitive on every
field of one criteria group (Salesforce's fuzzy matching is not emulated).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SFError

BLOCK_MESSAGE = (
    "You're creating a duplicate record. We recommend you use an existing record instead."
)
ALERT_MESSAGE = "Use one of these records?"


@dataclass(frozen=True)
class MatchingRule:
    developer_name: str
    sobject: str  # the object whose records are compared
    criteria: tuple[tuple[str, ...], ...]  # OR of groups; every field of a group must be equal


@dataclass(frozen=True)
class DuplicateRule:
    developer_name: str
    sobject: str  # the object being saved / checked
    action: str  # "Allow" (with an alert) or "Block"
    matching: tuple[MatchingRule, ...]

    @property
    def allow_save(self) -> bool:
        return self.action == "Allow"

    @property
    def message(self) -> str:
        return ALERT_MESSAGE if self.allow_save else BLOCK_MESSAGE


LEAD_MATCHING = MatchingRule(
    "Standard_Lead_Match_Rule_v1_0", "Lead", (("Email",), ("FirstName", "LastName", "Company"))
)
CONTACT_MATCHING = MatchingRule(
    "Standard_Contact_Match_Rule_v1_1", "Contact", (("Email",), ("FirstName", "LastName", "Phone"))
)
ACCOUNT_MATCHING = MatchingRule("Standard_Account_Match_Rule_v1_0", "Account", (("Name",),))

# The rules an org starts with (Setup > Duplicate Rules), inactive until a test activates them
# with SalesforceEmulator.activate_duplicate_rules(): leads and contacts alert and compare across
# both objects; accounts block.
SEEDED_RULES: dict[str, DuplicateRule] = {
    r.developer_name: r
    for r in (
        DuplicateRule(
            "Standard_Rule_for_Leads_with_Duplicate_Contacts_and_Leads",
            "Lead",
            "Allow",
            (LEAD_MATCHING, CONTACT_MATCHING),
        ),
        DuplicateRule(
            "Standard_Rule_for_Contacts_with_Duplicate_Leads_and_Contacts",
            "Contact",
            "Allow",
            (CONTACT_MATCHING, LEAD_MATCHING),
        ),
        DuplicateRule("Block_Duplicate_Accounts", "Account", "Block", (ACCOUNT_MATCHING,)),
    )
}
RULE_OBJECTS = {"Lead", "Contact", "Account"}


def _norm(value: object) -> str:
    return str(value or "").strip().casefold()


def matches(store, rule: MatchingRule, values: dict, own_id: str | None) -> list[dict]:
    """The live records of ``rule.sobject`` that ``values`` matches (never ``own_id``)."""
    found = []
    for rec in store.live(rule.sobject):
        if rec["Id"] == own_id or rec.get("IsConverted"):
            continue
        for group in rule.criteria:
            wanted = [_norm(values.get(f)) for f in group]
            if all(wanted) and wanted == [_norm(rec.get(f)) for f in group]:
                found.append(rec)
                break
    return found


@dataclass
class RuleHit:
    rule: DuplicateRule
    found: list[tuple[MatchingRule, list[dict]]]

    @property
    def any(self) -> bool:
        return any(recs for _, recs in self.found)


def run_rules(store, active: list[DuplicateRule], obj_name: str, values: dict, own_id: str | None):
    """Every active rule of ``obj_name`` applied to ``values``."""
    return [
        RuleHit(rule, [(m, matches(store, m, values, own_id)) for m in rule.matching])
        for rule in active
        if rule.sobject == obj_name
    ]


def record_json(store, rec: dict, version: str, details: bool) -> dict:
    from .store import attributes, serialize

    out: dict = {"attributes": attributes(rec, version), "Id": rec["Id"]}
    if details:
        obj = store.catalog[rec["_type"].lower()]
        out.update({fd.name: serialize(fd, rec.get(fd.name)) for fd in obj.fields.values()})
    return out


def duplicate_result_json(store, hit: RuleHit, version: str, details: bool) -> dict:
    """A DuplicateResult as REST returns it in a DUPLICATES_DETECTED error."""
    return {
        "allowSave": hit.rule.allow_save,
        "duplicateRule": hit.rule.developer_name,
        "duplicateRuleEntityType": hit.rule.sobject,
        "errorMessage": hit.rule.message,
        "matchResults": [
            {
                "entityType": m.sobject,
                "errors": [],
                "matchEngine": "ExactMatchEngine",
                "matchRecords": [
                    {
                        "additionalInformation": [],
                        "fieldDiffs": [],
                        "matchConfidence": 100.0,
                        "record": record_json(store, r, version, details),
                    }
                    for r in recs
                ],
                "rule": m.developer_name,
                "size": len(recs),
                "success": True,
            }
            for m, recs in hit.found
            if recs
        ],
    }


def check_rules(store, obj_name: str, rec: dict) -> None:
    """On save: a Block rule refuses; an Allow (alert) rule refuses unless the request's
    Sforce-Duplicate-Rule-Header says allowSave=true. Raises DUPLICATES_DETECTED."""
    if obj_name == "Lead" and rec.get("IsConverted"):
        return
    hits = [h for h in run_rules(store, store.active_rules, obj_name, rec, rec.get("Id")) if h.any]
    blocking = [h for h in hits if not h.rule.allow_save]
    if blocking or (hits and not store.rule_header.get("allowSave")):
        hit = (blocking or hits)[0]
        details = store.rule_header.get("includeRecordDetails", False)
        result = duplicate_result_json(store, hit, store.version, details)
        raise SFError(
            400, "DUPLICATES_DETECTED", hit.rule.message, [], extra={"duplicateResult": result}
        )


def rule_header(value: str) -> dict[str, bool]:
    """``allowSave=true; includeRecordDetails=true`` -> {"allowSave": True, ...} (REST
    "Duplicate Rule Header": every field defaults to false)."""
    out = {}
    for part in value.split(";"):
        key, _, val = part.partition("=")
        if key.strip():
            out[key.strip()] = val.strip().lower() == "true"
    return out


def _attributes(rec: dict, version: str) -> dict:
    from .store import attributes

    return attributes(rec, version)


def duplicates_error(obj_name: str, field_name: str, matches: list[dict], version: str) -> SFError:
    message = "Use one of these records?"
    match_records = [
        {
            "additionalInformation": [],
            "fieldDiffs": [],
            "matchConfidence": 100.0,
            "record": {"attributes": _attributes(m, version), "Id": m["Id"]},
        }
        for m in matches
    ]
    result = {
        "allowSave": False,
        "duplicateRule": f"Emulator_{obj_name}_{field_name}_Rule",
        "duplicateRuleEntityType": obj_name,
        "errorMessage": message,
        "matchResults": [
            {
                "entityType": obj_name,
                "errorMessage": None,
                "matchEngine": "ExactMatchEngine",
                "matchRecords": match_records,
                "rule": f"Emulator_{obj_name}_{field_name}_Match",
                "size": len(match_records),
                "success": True,
            }
        ],
    }
    return SFError(400, "DUPLICATES_DETECTED", message, [], extra={"duplicateResult": result})
