"""The lead conversion modal, its account options and the conversion result."""

from __future__ import annotations

import json

from slack_sdk.models.views import View

from actions.lookup_record import RecordSummary
from bot.blocks.convert_modal import (
    EXISTING_ACCOUNT,
    NEW_ACCOUNT,
    AccountPick,
    ConvertedLinks,
    ConvertForm,
    LeadInfo,
    account_options,
    convert_form_view,
    convert_loading_view,
    convert_notice_view,
    convert_result_view,
    convert_working_view,
    default_opportunity_name,
    lead_info,
)
from bot.ids import ActionId, BlockId, CallbackId
from tests.fakes.slack.blockkit import validate_view

URL = "https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001AAA/view"
LEAD = LeadInfo(id="00Q000000000001AAA", name="Ada <Lovelace>", url=URL, company="Acme & Co")


def dumped(view: View) -> dict:
    view.validate_json()
    out = view.to_dict()
    assert validate_view(out) == []
    return out


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def test_new_account_is_the_default_without_an_account():
    view = dumped(convert_form_view(ConvertForm(lead=LEAD), '{"x": 1}'))
    assert view["callback_id"] == CallbackId.CONVERT_MODAL
    assert view["private_metadata"] == '{"x": 1}'
    choice = block(view, BlockId.ACCOUNT_CHOICE)["element"]
    assert choice["action_id"] == ActionId.ACCOUNT_CHOICE
    assert choice["initial_option"]["value"] == NEW_ACCOUNT
    account = block(view, BlockId.ACCOUNT)
    assert account["optional"] is True
    assert account["element"]["type"] == "external_select"
    assert account["element"]["action_id"] == ActionId.ACCOUNT_SEARCH
    assert account["element"]["min_query_length"] == 2
    assert "initial_option" not in account["element"]
    name = block(view, BlockId.OPPORTUNITY_NAME)["element"]
    assert name["initial_value"] == "Acme & Co"
    assert name["max_length"] == 120


def test_lead_text_is_escaped():
    text = json.dumps(dumped(convert_form_view(ConvertForm(lead=LEAD), "")))
    assert "Ada &lt;Lovelace&gt;" in text
    assert "Acme &amp; Co" in text


def test_a_given_account_is_preselected():
    form = ConvertForm(lead=LEAD, account=AccountPick(id="001000000000001AAA", name="Globex"))
    view = dumped(convert_form_view(form, ""))
    choice = block(view, BlockId.ACCOUNT_CHOICE)["element"]
    assert choice["initial_option"]["value"] == EXISTING_ACCOUNT
    initial = block(view, BlockId.ACCOUNT)["element"]["initial_option"]
    assert (initial["value"], initial["text"]["text"]) == ("001000000000001AAA", "Globex")


def test_an_error_is_shown_at_the_top():
    view = dumped(convert_form_view(ConvertForm(lead=LEAD, error=":warning: no"), ""))
    assert view["blocks"][0]["block_id"] == BlockId.ERROR
    assert view["blocks"][0]["text"]["text"] == ":warning: no"


def test_default_opportunity_name_falls_back_to_the_lead_name():
    assert default_opportunity_name(LeadInfo("00Q", "Ada", URL)) == "Ada"
    assert len(default_opportunity_name(LeadInfo("00Q", "A", URL, "x" * 300))) == 120


def test_the_company_placeholder_is_not_a_company():
    summary = RecordSummary(
        object="lead", id=LEAD.id, name="Ada", company="[not provided]", url=URL
    )
    assert lead_info(summary).company is None


def test_account_options_fit_slack_limits():
    records = [
        RecordSummary(object="account", id=f"001{i:015d}", name="N" * 200, url=URL)
        for i in range(3)
    ]
    options = [o.to_dict() for o in account_options(records)]
    assert [o["value"] for o in options] == [r.id for r in records]
    assert all(len(o["text"]["text"]) <= 75 for o in options)


def test_other_views_have_no_submit():
    for view in (
        convert_loading_view("00Q000000000001AAA"),
        convert_working_view(),
        convert_notice_view("The lead is already converted."),
    ):
        out = dumped(view)
        assert "submit" not in out
        assert out["callback_id"] == CallbackId.RESULT_MODAL


def test_result_links_every_record():
    links = ConvertedLinks(
        lead_name="Ada",
        account_name="Acme",
        account_url="https://x/lightning/r/Account/001/view",
        contact_url="https://x/lightning/r/Contact/003/view",
        opportunity_name="Acme - 50 seats",
        opportunity_url="https://x/lightning/r/Opportunity/006/view",
    )
    text = json.dumps(dumped(convert_result_view(links)))
    for part in (
        "<https://x/lightning/r/Account/001/view|Acme>",
        "<https://x/lightning/r/Contact/003/view|Ada>",
        "<https://x/lightning/r/Opportunity/006/view|Acme - 50 seats>",
    ):
        assert part in text
    no_opportunity = ConvertedLinks("Ada", "Acme", "https://a", "https://c")
    assert "Opportunity" not in json.dumps(dumped(convert_result_view(no_opportunity)))
