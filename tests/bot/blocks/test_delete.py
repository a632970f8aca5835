"""The `/sf delete` confirmation message."""

from __future__ import annotations

import json

from actions.lookup_record import RecordSummary
from bot.blocks.delete import delete_confirmation, delete_question
from bot.ids import ActionId
from tests.fakes.slack.blockkit import validate_blocks

URL = "https://acme.my.salesforce.com/lightning/r/Case/500000000000001AAA/view"


def test_confirmation_names_the_record_and_confirms_the_delete():
    case = RecordSummary(object="case", id="500000000000001AAA", name="00001001 <Spam>", url=URL)
    blocks = [b.to_dict() for b in delete_confirmation(case)]
    assert validate_blocks(blocks, "message") == []
    assert delete_question(case) == "Delete this case?"
    text = json.dumps(blocks)
    assert "00001001 &lt;Spam&gt;" in text
    buttons = blocks[-1]["elements"]
    assert [b["action_id"] for b in buttons] == [ActionId.DELETE_RECORD, ActionId.DELETE_CANCEL]
    delete = buttons[0]
    assert delete["value"] == case.id
    assert delete["style"] == "danger"
    assert delete["confirm"]["confirm"]["text"] == "Delete"
    # only the confirmation carries buttons: the card itself is shown without its own
    assert sum(1 for b in blocks if b["type"] == "actions") == 1
