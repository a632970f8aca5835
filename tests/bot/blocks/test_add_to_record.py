"""The "Add to Salesforce record" modal, its record options and the confirmation."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Option
from slack_sdk.models.views import View

from actions.lookup_record import RecordSummary
from bot.blocks.add_to_record import (
    LogForm,
    LoggedTask,
    default_subject,
    log_form_view,
    log_loading_view,
    log_notice_view,
    log_working_view,
    logged_blocks,
    logged_view,
    record_options,
)
from bot.ids import ActionId, BlockId, CallbackId
from tests.fakes.slack.blockkit import validate_blocks, validate_view

URL = "https://acme.my.salesforce.com/lightning/r/Contact/003000000000001AAA/view"


def dumped(view: View) -> dict:
    view.validate_json()
    out = view.to_dict()
    assert validate_view(out) == []
    return out


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def test_form_has_record_search_subject_and_message():
    form = LogForm(subject=default_subject("sam.agent"), text="Customer wants a refund")
    view = dumped(log_form_view(form, '{"permalink": "https://x"}'))
    assert view["callback_id"] == CallbackId.ADD_TO_RECORD_MODAL
    assert view["private_metadata"] == '{"permalink": "https://x"}'
    record = block(view, BlockId.RECORD)["element"]
    assert record["type"] == "external_select"
    assert record["action_id"] == ActionId.RECORD_SEARCH
    assert record["min_query_length"] == 2
    subject = block(view, BlockId.SUBJECT)["element"]
    assert subject["initial_value"] == "Slack message from sam.agent"
    message = block(view, BlockId.DESCRIPTION)
    assert message["optional"] is True
    assert message["element"]["multiline"] is True
    assert message["element"]["initial_value"] == "Customer wants a refund"


def test_long_messages_and_subjects_fit_the_inputs():
    form = LogForm(subject=default_subject("x" * 400), text="y" * 5000)
    view = dumped(log_form_view(form, ""))
    assert len(block(view, BlockId.SUBJECT)["element"]["initial_value"]) == 255
    assert len(block(view, BlockId.DESCRIPTION)["element"]["initial_value"]) == 3000


def test_an_empty_message_has_no_initial_value():
    view = dumped(log_form_view(LogForm(subject="s", text=""), ""))
    assert "initial_value" not in block(view, BlockId.DESCRIPTION)["element"]


def test_a_picked_record_and_an_error_survive_a_rerender():
    picked = Option(value="003000000000001AAA", text="Contact: Ada")
    view = dumped(log_form_view(LogForm("s", "t", picked, error=":no_entry: refused"), ""))
    assert view["blocks"][0]["block_id"] == BlockId.ERROR
    initial = block(view, BlockId.RECORD)["element"]["initial_option"]
    assert initial["value"] == "003000000000001AAA"


def test_record_options_name_the_object_and_fit_slack_limits():
    records = [
        RecordSummary(
            object="contact", id="003000000000001AAA", name="Ada", company="Acme", url=URL
        ),
        RecordSummary(object="lead", id="00Q000000000001AAA", name="L" * 100, url=URL),
    ]
    options = [o.to_dict() for o in record_options(records)]
    assert options[0]["text"]["text"] == "Contact: Ada (Acme)"
    assert options[0]["value"] == "003000000000001AAA"
    assert len(options[1]["text"]["text"]) == 75


def test_confirmation_links_the_record_and_escapes_the_subject():
    task = LoggedTask(record_title="Contact: Ada", record_url=URL, subject="<b> & co")
    blocks = [b.to_dict() for b in logged_blocks(task)]
    assert validate_blocks(blocks, "message") == []
    text = json.dumps(blocks)
    assert f"<{URL}|Contact: Ada>" in text
    assert "&lt;b&gt; &amp; co" in text
    assert "submit" not in dumped(logged_view(task))


def test_waiting_views_have_no_submit():
    for view in (log_loading_view(), log_working_view(), log_notice_view("done")):
        assert "submit" not in dumped(view)
