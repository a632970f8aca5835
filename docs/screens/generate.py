"""Write the Block Kit JSON of sfbot's main screens to docs/screens/, from the real builders.

    python docs/screens/generate.py          # rewrite the files
    python docs/screens/generate.py --check  # exit 1 if a file is out of date (used by a test)

Each file is what the app sends for that screen, with sample data, ready to paste into Slack's
Block Kit Builder (https://app.slack.com/block-kit-builder).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from actions.connect import ConnectionStatus
from actions.lookup_record import RecordSummary
from actions.metadata import ObjectDescribe
from actions.objects import OBJECTS
from actions.registry import ACTIONS
from bot.blocks.cards import lookup_results, record_card
from bot.blocks.help import help_blocks
from bot.blocks.record_modal import RecordForm, initial_values, record_fields, record_form_view
from bot.blocks.status import status_blocks
from bot.ids import CallbackId
from bot.listeners.commands.sf import SUBCOMMANDS
from bot.permissions import ACCESS_ACTIONS, UserAccess

HERE = Path(__file__).resolve().parent
INSTANCE = "https://acme.my.salesforce.com"
EVERYTHING = UserAccess(is_admin=True, actions=frozenset(ACCESS_ACTIONS))  # help as admins see it

ADA = RecordSummary(
    object="lead",
    id="00Q5e00000AbCdEEA1",
    name="Ada Lovelace",
    email="ada@analytical.example",
    phone="+44 20 7946 0000",
    company="Analytical Engines Ltd",
    status="Open - Not Contacted",
    is_converted=False,
    url=f"{INSTANCE}/lightning/r/Lead/00Q5e00000AbCdEEA1/view",
)
GRACE = RecordSummary(
    object="contact",
    id="0035e00000XyZaBAAZ",
    name="Grace Hopper",
    email="grace@navy.example",
    phone="+1 202 555 0199",
    company="US Navy",
    url=f"{INSTANCE}/lightning/r/Contact/0035e00000XyZaBAAZ/view",
)


def _field(name: str, label: str, type_: str = "string", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": type_,
        "length": extra.get("length", 80),
        "createable": True,
        "updateable": True,
        "required_on_create": extra.get("required", False),
        "picklist": extra.get("picklist", []),
        "restricted_picklist": False,
    }


LEAD_DESCRIBE = ObjectDescribe(
    {
        "name": "Lead",
        "label": "Lead",
        "fields": [
            _field("FirstName", "First Name", length=40),
            _field("LastName", "Last Name", required=True),
            _field("Company", "Company", required=True, length=255),
            _field("Email", "Email", "email"),
            _field("Phone", "Phone", "phone", length=40),
            _field("Description", "Description", "textarea", length=32000),
        ],
    }
)


def screens() -> dict[str, Any]:
    spec = OBJECTS["lead"]
    defaults = {"Company": "[not provided]"}
    fields = record_fields(spec, LEAD_DESCRIBE, for_create=True, defaults=defaults)
    create = RecordForm(
        CallbackId.CREATE_MODAL,
        "lead",
        fields,
        json.dumps({"object": "lead", "channel": "C0SUPPORT1"}),
        initial_values(fields, defaults),
        picker=True,
    )
    status = ConnectionStatus(
        connected=True,
        flow="client_credentials",
        instance_url=INSTANCE,
        org_id="00D5e000000AbCdEAK",
        user_id="0055e000001XyZaAAK",
        username="sfbot-integration@acme.example",
        api_version="62.0",
        scopes=["api", "id"],
        api_usage={"used": 4322, "max": 50000},
        connected_by="slack:U012ABCDEF",
        connected_at="2026-11-25T09:00:00+00:00",
        actions=[a.describe() for a in ACTIONS.values()],
    )

    def blocks(items: list[Any]) -> dict[str, Any]:
        return {"blocks": [b.to_dict() for b in items]}

    return {
        "help.json": blocks(help_blocks(SUBCOMMANDS.values(), EVERYTHING)),
        "lookup_results.json": blocks(lookup_results("ada", [ADA, GRACE], 2)),
        "record_card.json": blocks(record_card(ADA)),
        "create_modal.json": record_form_view(create).to_dict(),
        "status.json": blocks(status_blocks(status)),
    }


def render(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="Write docs/screens/*.json from the builders")
    parser.add_argument("--check", action="store_true", help="only report out-of-date files")
    args = parser.parse_args()
    stale = []
    for name, value in screens().items():
        path = HERE / name
        text = render(value)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text)
    if args.check and stale:
        print("out of date (run python docs/screens/generate.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
