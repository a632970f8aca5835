"""The create modal's duplicate check: before creating a lead, contact or account, ask
Salesforce's duplicate rules (find_duplicates, one call) and, when they find matches, show them
instead of creating.

The check is advisory: when Salesforce cannot run it (no active duplicate rule for the object,
a refusal, unavailable) the record is created as before, and the rules that apply on save
still decide. A DUPLICATES_DETECTED refusal on save (a rule the check did not see, or a record
created meanwhile) is shown the same way, from the error's details.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from actions.create_record import CreateRecordInput
from actions.errors import ActionError
from actions.find_duplicates import Duplicate, FindDuplicatesInput, find_duplicates
from actions.objects import BY_API_NAME, record_url
from actions.record_names import record_names
from bot.blocks.duplicates import MatchCard
from bot.services import Services, SlackOrigin

logger = logging.getLogger(__name__)

CHECKED_OBJECTS = ("lead", "contact", "account")


@dataclass(frozen=True)
class Duplicates:
    """The rules found matches: nothing was created."""

    rule: str | None
    blocked: bool  # a rule that blocks: allowSave cannot get the record saved
    matches: list[MatchCard]


def input_digest(inp: CreateRecordInput) -> str:
    """Which values the agent saw the matches for: "Create anyway" applies to those only."""
    data = inp.model_dump_json(exclude={"allow_save"})
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def check_duplicates(
    services: Services, origin: SlackOrigin, inp: CreateRecordInput
) -> Duplicates | None:
    """The matches of the org's rules for the values to create, or None (none, or no check)."""
    if inp.object not in CHECKED_OBJECTS:
        return None
    ctx = services.actions
    query = FindDuplicatesInput.model_validate(
        {
            "object": inp.object,
            "name": inp.name,
            "email": inp.email,
            "phone": inp.phone,
            "fields": dict(inp.fields),
        }
    )
    try:
        out = services.run_audited(
            origin,
            "find_duplicates",
            lambda: find_duplicates(ctx, query),
            object_name=inp.object,
            result_ids=lambda o: [d.id for d in o.duplicates],
        )
    except ActionError as exc:
        logger.info("duplicate check skipped: %s (%s)", exc.message, exc.code)
        return None
    if not out.duplicates:
        return None
    return Duplicates(
        rule=out.duplicates[0].rule,
        blocked=any(not d.allow_save for d in out.duplicates),
        matches=cards_of_duplicates(services, out.duplicates),
    )


def cards_of_duplicates(services: Services, dups: list[Duplicate]) -> list[MatchCard]:
    names = _names(services, [i for d in dups for i in (d.owner_id, d.account_id) if i])
    return [
        MatchCard(
            id=d.id,
            object=d.object,
            name=d.name or d.id,
            url=d.url,
            company=d.company or names.get(d.account_id or ""),
            email=d.email,
            owner=names.get(d.owner_id or ""),
        )
        for d in dups
    ]


def duplicates_of_refusal(services: Services, exc: ActionError) -> Duplicates | None:
    """The matches a DUPLICATES_DETECTED refusal names (record details were asked for)."""
    if exc.code != "DUPLICATES_DETECTED":
        return None
    details: dict[str, Any] = exc.details or {}
    raw = details.get("matches") or [{"Id": i} for i in details.get("duplicates") or []]
    names = _names(services, [r.get(k) for r in raw for k in ("OwnerId", "AccountId") if r.get(k)])
    instance = services.actions.instance_url()
    cards = []
    for r in raw:
        spec = BY_API_NAME.get(str(r.get("object") or ""))
        record_id = str(r.get("Id"))
        cards.append(
            MatchCard(
                id=record_id,
                object=spec.key if spec else str(r.get("object") or "record"),
                name=str(r.get("Name") or record_id),
                url=record_url(instance, spec.api_name if spec else "", record_id),
                company=r.get("Company") or names.get(str(r.get("AccountId") or "")),
                email=r.get("Email"),
                owner=names.get(str(r.get("OwnerId") or "")),
            )
        )
    return Duplicates(
        rule=details.get("duplicate_rule"),
        blocked=not details.get("allow_save", False),
        matches=cards,
    )


def _names(services: Services, ids: list[str]) -> dict[str, str]:
    try:
        return record_names(services.actions, ids)
    except ActionError as exc:  # names are a nicety: the matches are shown without them
        logger.info("could not read owner/account names: %s", exc.message)
        return {}
