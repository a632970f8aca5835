"""The create/update record modal: inputs per object, the view, reading it back, the card."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from actions.metadata import ObjectDescribe
from actions.objects import OBJECTS
from bot.blocks.record_modal import (
    RecordForm,
    common_fields,
    error_text,
    initial_values,
    input_block_ids,
    message_view,
    record_fields,
    record_form_view,
    shown_value,
    view_values,
)
from bot.blocks.record_result import done_text, record_summary, result_message
from bot.ids import ActionId, BlockId, CallbackId, field_block_id
from tests.fakes.slack.blockkit import validate_blocks, validate_view


def field(name: str, label: str, type_: str = "string", **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": type_,
        "length": kw.get("length", 255),
        "createable": kw.get("createable", True),
        "updateable": kw.get("updateable", True),
        "required_on_create": kw.get("required", False),
        "picklist": kw.get("picklist", []),
        "restricted_picklist": bool(kw.get("picklist")),
    }


LEAD = ObjectDescribe(
    {
        "name": "Lead",
        "fields": [
            field("FirstName", "First Name"),
            field("LastName", "Last Name", required=True),
            field("Company", "Company", required=True),
            field("Email", "Email", "email", length=80),
            field("Phone", "Phone", "phone", length=40),
            field("Description", "Description", "textarea", length=32000),
            field("Rating__c", "Rating", "picklist", required=True, picklist=["Hot", "Cold"]),
        ],
    }
)
OPPORTUNITY = ObjectDescribe(
    {
        "name": "Opportunity",
        "fields": [
            field("Name", "Name", required=True),
            field("StageName", "Stage", "picklist", required=True, picklist=["Prospecting", "Won"]),
            field("CloseDate", "Close Date", "date", length=0, required=True),
            field("Description", "Description", "textarea", length=32000),
        ],
    }
)


def dumped(view: View) -> dict:
    view.validate_json()
    out = view.to_dict()
    assert validate_view(out) == [], validate_view(out)
    return out


def blocks_by_id(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def test_lead_inputs_company_defaults_by_placeholder_and_required_fields_follow():
    fields = record_fields(
        OBJECTS["lead"], LEAD, for_create=True, defaults={"Company": "[not provided]"}
    )
    ids = [f.block_id for f in fields]
    assert ids == [
        BlockId.NAME,
        BlockId.PHONE,
        BlockId.EMAIL,
        BlockId.DESCRIPTION,
        field_block_id("Company"),
        field_block_id("Rating__c"),
    ]
    by_id = {f.block_id: f for f in fields}
    company = by_id[field_block_id("Company")]
    assert company.optional and company.placeholder == "[not provided]"
    rating = by_id[field_block_id("Rating__c")]
    assert not rating.optional and rating.kind == "select"
    assert initial_values(fields, {"Company": "[not provided]"}) == {}

    view = dumped(
        record_form_view(
            RecordForm(CallbackId.CREATE_MODAL, "lead", fields, '{"object":"lead"}', picker=True)
        )
    )
    assert view["title"]["text"] == "Create Lead"
    assert view["submit"]["text"] == "Create"
    shown = blocks_by_id(view)
    picker = shown[BlockId.OBJECT]
    assert picker["dispatch_action"] is True
    assert picker["element"]["action_id"] == ActionId.OBJECT_PICKER
    assert picker["element"]["initial_option"]["value"] == "lead"
    assert shown[field_block_id("Company")]["element"]["placeholder"]["text"] == "[not provided]"
    assert shown[BlockId.NAME].get("optional") is None
    assert all(
        b["element"]["action_id"] == ActionId.FIELD_INPUT
        for bid, b in shown.items()
        if bid != BlockId.OBJECT
    )


def test_opportunity_stage_and_close_date_prefilled_and_no_phone_or_email():
    defaults = {"StageName": "Prospecting", "CloseDate": "2030-01-31"}
    fields = record_fields(OBJECTS["opportunity"], OPPORTUNITY, for_create=True, defaults=defaults)
    values = initial_values(fields, defaults)
    view = dumped(
        record_form_view(RecordForm(CallbackId.CREATE_MODAL, "opportunity", fields, "{}", values))
    )
    shown = blocks_by_id(view)
    assert BlockId.PHONE not in shown and BlockId.EMAIL not in shown
    stage = shown[field_block_id("StageName")]
    assert stage["label"]["text"] == "Stage"
    assert stage["element"]["type"] == "static_select"
    assert stage["element"]["initial_option"]["value"] == "Prospecting"
    close = shown[field_block_id("CloseDate")]
    assert close["element"]["type"] == "datepicker"
    assert close["element"]["initial_date"] == "2030-01-31"
    assert view["title"]["text"] == "Create Opportunity"


def test_update_form_has_every_required_field_required_and_values_read_back():
    fields = record_fields(OBJECTS["lead"], LEAD, for_create=False)
    values = {
        BlockId.NAME: "Ada Lovelace",
        BlockId.EMAIL: "ada@example.com",
        field_block_id("Company"): "Analytical",
        field_block_id("Rating__c"): "Hot",
    }
    view = dumped(
        record_form_view(RecordForm(CallbackId.UPDATE_MODAL, "lead", fields, "{}", values))
    )
    assert view["title"]["text"] == "Update Lead" and view["submit"]["text"] == "Save"
    assert not blocks_by_id(view)[field_block_id("Company")].get("optional")
    # Slack sends what the user typed in state; untouched inputs read as their initial values.
    view["state"] = {
        "values": {
            BlockId.EMAIL: {
                ActionId.FIELD_INPUT: {"type": "plain_text_input", "value": "new@x.io"}
            },
            BlockId.PHONE: {ActionId.FIELD_INPUT: {"type": "plain_text_input", "value": None}},
            field_block_id("Rating__c"): {
                ActionId.FIELD_INPUT: {
                    "type": "static_select",
                    "selected_option": {
                        "value": "Cold",
                        "text": {"type": "plain_text", "text": "Cold"},
                    },
                }
            },
        }
    }
    read = view_values(view)
    assert read[BlockId.NAME] == "Ada Lovelace"
    assert read[BlockId.EMAIL] == "new@x.io"
    assert read[BlockId.PHONE] is None
    assert read[field_block_id("Rating__c")] == "Cold"
    assert read[field_block_id("Company")] == "Analytical"
    assert input_block_ids(view) == set(read)


def test_a_value_the_select_does_not_offer_is_shown_and_read_back_untouched():
    many = [f"Stage {i:03}" for i in range(150)]
    describe = ObjectDescribe(
        {
            "name": "Opportunity",
            "fields": [
                field("Name", "Name", required=True),
                field("StageName", "Stage", "picklist", required=True, picklist=many),
                field("CloseDate", "Close Date", "date", length=0, required=True),
            ],
        }
    )
    fields = record_fields(OBJECTS["opportunity"], describe, for_create=False)
    stage_id = field_block_id("StageName")
    for stage in ("Inactive stage", "Stage 120", "Stage 005", "S" * 200):
        values = {
            BlockId.NAME: "Deal " + "n" * 300,
            BlockId.DESCRIPTION: "d" * 5000,
            stage_id: stage,
            field_block_id("CloseDate"): "2030-01-31",
        }
        view = dumped(
            record_form_view(
                RecordForm(CallbackId.UPDATE_MODAL, "opportunity", fields, "{}", values)
            )
        )
        options = blocks_by_id(view)[stage_id]["element"]["options"]
        assert len(options) == 100
        # What an untouched input reads back is what shown_value says it shows.
        expected = {f.block_id: shown_value(f, values.get(f.block_id)) for f in fields}
        assert view_values(view) == expected
        assert expected[stage_id] == stage[:150]


def test_picker_only_form_error_at_top_and_long_values_fit_slack_limits():
    long_text = "x" * 5000
    form = RecordForm(
        CallbackId.CREATE_MODAL,
        None,
        common_fields(),
        "{}",
        {BlockId.DESCRIPTION: long_text},
        picker=True,
        error=error_text(":warning: <@U123> & friends"),
        note="Loading…",
    )
    view = dumped(record_form_view(form))
    assert view["title"]["text"] == "Create record"
    assert view["blocks"][0]["block_id"] == BlockId.ERROR
    assert "&lt;@U123&gt; &amp; friends" in view["blocks"][0]["text"]["text"]
    description = blocks_by_id(view)[BlockId.DESCRIPTION]["element"]
    assert len(description["initial_value"]) == 3000
    assert "initial_option" not in blocks_by_id(view)[BlockId.OBJECT]["element"]


def test_message_views_and_the_result_card():
    dumped(message_view("A very long title that does not fit", "Working…"))
    spec = OBJECTS["case"]
    url = "https://acme.my.salesforce.com/lightning/r/Case/500000000000001AAA/view"
    record = record_summary(
        spec,
        "500000000000001AAA",
        url,
        {BlockId.NAME: "Ada", field_block_id("Subject"): "Printer <on> fire", BlockId.EMAIL: ""},
    )
    assert record.name == "Printer <on> fire" and record.email is None
    text, blocks = result_message("Created", record)
    assert text == "Created Printer &lt;on&gt; fire"  # the fallback text is escaped too
    dicts = [b.to_dict() for b in blocks]
    assert validate_blocks(dicts, "message") == []
    assert "Printer &lt;on&gt; fire" in dicts[0]["elements"][0]["text"]
    assert any(b["type"] == "actions" for b in dicts)
    assert "<#C0123>" in done_text("Created", "Case", "C0123")
    assert "direct messages" in done_text("Updated", "Lead", None)
