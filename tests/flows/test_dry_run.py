"""``sfbot flow test``: lookups for real, writes shown with their resolved input, nothing sent."""

from __future__ import annotations

import textwrap

from actions.flows.dry_run import dry_run, event_from_json
from actions.flows.loader import parse_text
from tests.flows.test_engine import INBOUND


def test_a_dry_run_looks_up_for_real_and_sends_nothing(ctx, emu, slack):
    existing = emu.insert(
        "Lead", {"LastName": "Known", "Company": "K", "Email": "known@example.org"}
    )
    definition = parse_text(textwrap.dedent(INBOUND).replace('"#inbound"', "C0INBOUND1"), "f.yml")
    before = len(emu.records("Lead"))

    new = event_from_json(
        definition,
        {
            "text": "mail new@example.org",
            "channel": "C0INBOUND1",
            "ts": "1.000001",
            "user_name": "Ada Lovelace",
        },
    )
    result = dry_run(definition, new, ctx, slack)
    assert result["matched"] and result["status"] == "succeeded", result
    kinds = [(s["kind"], s["status"]) for s in result["steps"]]
    assert kinds == [
        ("lookup_record", "succeeded"),
        ("if", "succeeded"),
        ("create_record", "not_sent"),
        ("post_message", "not_sent"),
    ]
    assert result["steps"][2]["input"]["email"] == "new@example.org"
    assert result["steps"][3]["input"]["text"].startswith("Created lead 00Q")

    known = event_from_json(
        definition, {"text": "known@example.org", "channel": "C0INBOUND1", "ts": "1.2"}
    )
    result = dry_run(definition, known, ctx, slack)
    assert result["steps"][-1]["input"]["text"] == f"Already in Salesforce: {existing}"

    nomatch = event_from_json(definition, {"text": "no address", "channel": "C0INBOUND1"})
    assert dry_run(definition, nomatch, ctx, slack)["matched"] is False
    assert len(emu.records("Lead")) == before and slack.posts == []
