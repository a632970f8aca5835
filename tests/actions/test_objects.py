"""Record ids and objects: 15/18-character ids, lost case, key prefixes; the JWT audience."""

from __future__ import annotations

import pytest

from actions.errors import InvalidInput
from actions.oauth import jwt_audience
from actions.objects import a_or_an, expect_object, normalize_id


def test_15_character_ids_get_their_case_safe_suffix():
    assert normalize_id("001D000000IqhSL") == "001D000000IqhSLIAZ"


@pytest.mark.parametrize(
    "text", ["001d000000iqhsliaz", "001D000000IQHSLIAZ", " 001D000000IqhSLIAZ "]
)
def test_18_character_ids_whose_case_was_lost_are_restored(text):
    assert normalize_id(text) == "001D000000IqhSLIAZ"


@pytest.mark.parametrize(
    "text", ["001D000000IqhSLIAA", "00Q000000000000XYZ", "001D000000IqhS", "001D000000IqhSL'--", ""]
)
def test_malformed_ids_are_refused_before_any_call(text):
    with pytest.raises(InvalidInput) as info:
        normalize_id(text)
    assert info.value.code == "MALFORMED_ID"


def test_expect_object_names_both_objects_with_articles():
    with pytest.raises(InvalidInput, match="is a contact, not an account"):
        expect_object("0035e00000XyZaBAAZ"[:15], "account", "account_id")
    assert a_or_an("opportunity") == "an opportunity"


@pytest.mark.parametrize(
    ("login_url", "aud"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://help.acme.example", "https://help.acme.example"),
    ],
)
def test_jwt_audience_is_the_documented_one(login_url, aud):
    assert jwt_audience(login_url) == aud
