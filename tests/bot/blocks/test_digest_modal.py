"""The digest modal: inputs per kind and schedule type, reading a view back, result views."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.views import View

from actions.digest_kinds import KINDS
from bot.blocks.digest_form import DigestForm, DigestMeta, form_from_view
from bot.blocks.digest_modal import (
    closed_view,
    digest_modal,
    input_block_ids,
    saved_view,
    working_view,
)
from tests.fakes.slack.blockkit import validate_view

PARAM_INPUTS = {
    "new_leads": [],
    "open_cases": [],
    "duplicates": [],
    "closing_opportunities": ["sf_digest_days"],
    "stale_leads": ["sf_digest_days"],
    "hot_leads": ["sf_digest_score_field", "sf_digest_threshold"],
    "custom": ["sf_digest_soql"],
}
SCHEDULE_INPUTS = {
    "daily": ["sf_digest_time"],
    "weekdays": ["sf_digest_weekdays", "sf_digest_time"],
    "cron": ["sf_digest_cron"],
}


def valid(view: View) -> dict:
    d = view.to_dict()
    View(**d).validate_json()
    assert validate_view(d) == []
    return d


def block(d: dict, block_id: str) -> dict:
    return next(b for b in d["blocks"] if b.get("block_id") == block_id)


def input_ids(d: dict) -> list[str]:
    return [b["block_id"] for b in d["blocks"] if b["type"] == "input"]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("schedule_type", ["daily", "weekdays", "cron"])
def test_each_kind_and_schedule_shows_its_inputs(kind, schedule_type):
    d = valid(digest_modal(DigestForm(kind=kind, schedule_type=schedule_type)))
    assert d["callback_id"] == "sf_digest_modal"
    assert d["title"]["text"] == "New digest"
    assert input_ids(d) == [
        "sf_digest_name",
        "sf_digest_channel",
        "sf_digest_kind",
        *PARAM_INPUTS[kind],
        "sf_digest_schedule_type",
        *SCHEDULE_INPUTS[schedule_type],
        "sf_digest_timezone",
        "sf_digest_options",
    ]
    assert block(d, "sf_digest_kind")["hint"]["text"] == KINDS[kind].description
    meta = DigestMeta.loads(d["private_metadata"])
    assert (meta.kind, meta.schedule_type, meta.digest_id) == (kind, schedule_type, None)


def test_switches_dispatch_and_channel_defaults_to_the_current_conversation():
    d = valid(digest_modal(DigestForm()))
    for block_id in ("sf_digest_kind", "sf_digest_schedule_type"):
        assert block(d, block_id)["dispatch_action"] is True
        assert block(d, block_id)["element"]["action_id"] == block_id
    channel = block(d, "sf_digest_channel")["element"]
    assert channel["type"] == "conversations_select"
    assert channel["default_to_current_conversation"] is True
    assert "initial_conversation" not in channel
    assert channel["filter"] == {"include": ["public", "private"], "exclude_bot_users": True}
    tz = block(d, "sf_digest_timezone")["element"]
    assert tz["type"] == "external_select" and "initial_option" not in tz
    assert block(d, "sf_digest_options")["optional"] is True
    assert block(d, "sf_digest_time")["element"]["initial_time"] == "09:00"


def test_edit_form_is_prefilled():
    form = DigestForm(
        kind="hot_leads",
        schedule_type="weekdays",
        name="Hot <leads>",
        channel_id="C0SALES01",
        params={"score_field": "Rating__c", "threshold": 90.0},
        time="07:30",
        days=("mon", "thu"),
        timezone="Europe/Paris",
        post_when_empty=True,
        digest_id=12,
        response_url="https://hooks.slack.com/actions/T/1/x",
    )
    d = valid(digest_modal(form))
    assert d["title"]["text"] == "Edit digest"
    assert block(d, "sf_digest_name")["element"]["initial_value"] == "Hot <leads>"
    channel = block(d, "sf_digest_channel")["element"]
    assert channel["initial_conversation"] == "C0SALES01"
    assert "default_to_current_conversation" not in channel
    assert block(d, "sf_digest_score_field")["element"]["initial_value"] == "Rating__c"
    assert block(d, "sf_digest_threshold")["element"]["initial_value"] == "90"
    days = block(d, "sf_digest_weekdays")["element"]["initial_options"]
    assert [o["value"] for o in days] == ["mon", "thu"]
    assert block(d, "sf_digest_time")["element"]["initial_time"] == "07:30"
    assert block(d, "sf_digest_timezone")["element"]["initial_option"]["value"] == "Europe/Paris"
    assert block(d, "sf_digest_options")["element"]["initial_options"][0]["value"]
    meta = DigestMeta.loads(d["private_metadata"])
    assert meta.digest_id == 12 and meta.response_url.endswith("/x")


def test_kind_defaults_and_error_on_top():
    d = valid(digest_modal(DigestForm(kind="stale_leads", error=":warning: *Nope*")))
    assert d["blocks"][0]["block_id"] == "sf_error"
    assert d["blocks"][0]["text"]["text"] == ":warning: *Nope*"
    days = block(d, "sf_digest_days")
    assert days["label"]["text"] == "Untouched for how many days"
    assert days["element"]["initial_value"] == "7"
    assert days["element"]["is_decimal_allowed"] is False
    soql = block(valid(digest_modal(DigestForm(kind="custom"))), "sf_digest_soql")["element"]
    assert soql["multiline"] is True and soql["max_length"] == 3000
    assert "initial_value" not in soql


def submitted(view: View, values: dict) -> dict:
    d = view.to_dict()
    d["state"] = {"values": values}
    return d


def test_form_from_view_reads_the_state_over_the_metadata():
    view = digest_modal(DigestForm(kind="custom", schedule_type="cron", timezone="UTC"))
    form = form_from_view(
        submitted(
            view,
            {
                "sf_digest_name": {"sf_field_input": {"value": "  Big deals "}},
                "sf_digest_channel": {"sf_field_input": {"selected_conversation": "C0SUPPORT1"}},
                "sf_digest_kind": {"sf_digest_kind": {"selected_option": {"value": "custom"}}},
                "sf_digest_soql": {"sf_field_input": {"value": "SELECT Id FROM Lead"}},
                "sf_digest_schedule_type": {
                    "sf_digest_schedule_type": {"selected_option": {"value": "cron"}}
                },
                "sf_digest_cron": {"sf_field_input": {"value": " 0 9 * * 1-5 "}},
                "sf_digest_timezone": {
                    "sf_digest_timezone": {"selected_option": {"value": "Asia/Tokyo"}}
                },
                "sf_digest_options": {
                    "sf_field_input": {"selected_options": [{"value": "post_when_empty"}]}
                },
            },
        )
    )
    assert form.name == "Big deals"
    assert form.channel_id == "C0SUPPORT1"
    assert (form.kind, form.schedule_type) == ("custom", "cron")
    assert form.params == {"soql": "SELECT Id FROM Lead"}
    assert form.cron == "0 9 * * 1-5"
    assert form.timezone == "Asia/Tokyo"
    assert form.post_when_empty is True


def test_form_from_view_falls_back_to_the_metadata_and_switches():
    view = digest_modal(DigestForm(kind="closing_opportunities", timezone="Europe/Berlin"))
    form = form_from_view(submitted(view, {}))
    assert form.kind == "closing_opportunities" and form.timezone == "Europe/Berlin"
    assert form.params == {} and form.post_when_empty is False
    switched = form.switched(kind="custom", schedule_type="weekdays")
    assert (switched.kind, switched.schedule_type) == ("custom", "weekdays")
    assert form.switched(kind="nonsense").kind == "closing_opportunities"
    assert "sf_digest_soql" in input_block_ids(digest_modal(switched))


def test_result_views():
    d = valid(saved_view(name="A & B", channel_id="C1", edited=False, next_run="Mon 09:00 CET"))
    text = d["blocks"][0]["text"]["text"]
    assert "A &amp; B" in text and "<#C1>" in text and "Mon 09:00 CET" in text
    assert "scheduled" in text and "submit" not in d
    edited = valid(saved_view(name="x", channel_id="C1", edited=True, next_run=None))
    assert "updated" in json.dumps(edited) and "never fires" in json.dumps(edited)
    for view in (working_view(), closed_view()):
        valid(view)
