"""Input errors are said as a person would (issue 7.7), and objects have their plural labels."""

from __future__ import annotations

import pytest

from actions.create_record import CreateRecordInput
from actions.errors import InvalidInput
from actions.lookup_record import LookupRecordInput
from actions.objects import OBJECTS, spec_for_id


@pytest.mark.parametrize(
    ("model", "raw", "expected"),
    [
        (LookupRecordInput, {"name": "a"}, "name needs at least 2 characters"),
        (CreateRecordInput, {"object": "lead"}, "name is required"),
        (LookupRecordInput, {"name": "ab", "limit": 0}, "limit must be at least 1"),
        (CreateRecordInput, {"object": "planet", "name": "x"}, "object: should be 'lead'"),
    ],
)
def test_input_errors_read_as_sentences(model, raw, expected):
    with pytest.raises(InvalidInput) as caught:
        model.parse(raw)
    message = caught.value.message
    assert expected in message
    assert "String should" not in message and "Input should" not in message
    assert "Field required" not in message


def test_plural_labels():
    assert OBJECTS["opportunity"].plural == "Opportunities"
    assert OBJECTS["lead"].plural == "Leads"
    with pytest.raises(InvalidInput) as caught:
        spec_for_id("005000000000001")
    assert "opportunities" in caught.value.message and "opportunitys" not in caught.value.message
