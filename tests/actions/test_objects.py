"""Record ids and objects: 15/18-character ids, lost case, key prefixes; the JWT audience."""

from __future__ import annotations

import pytest
import requests

from actions.errors import InvalidInput
from actions.oauth import jwt_assertion
from actions.objects import a_or_an, expect_object, normalize_id
from tests.actions import rsa_key_pair


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


ORG_KINDS = ("production", "sandbox")


def token_answer(emu, assertion: str) -> dict:
    """What the emulator's token endpoint answers to sfbot's JWT assertion."""
    r = requests.post(
        f"{emu.login_url}/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        timeout=30,
    )
    return r.json()


@pytest.mark.parametrize(
    ("login_url", "kind"),
    [
        ("https://login.salesforce.com", "production"),
        ("https://acme.my.salesforce.com", "production"),
        ("https://test.salesforce.com", "sandbox"),
        ("https://acme--uat.sandbox.my.salesforce.com", "sandbox"),
    ],
)
def test_jwt_audience_is_what_the_org_accepts(emu, login_url, kind):
    # The emulator checks aud as Salesforce does for an org of that kind; sfbot's assertion
    # for the admin's login URL must be accepted there, and refused by the other kind.
    private, public = rsa_key_pair()
    emu.add_connected_app("jwt-app", public_key_pem=public)
    assertion = jwt_assertion(login_url, "jwt-app", emu.username, private)
    for org_kind in ORG_KINDS:
        emu.org_kind = org_kind
        answer = token_answer(emu, assertion)
        if org_kind == kind:
            assert "access_token" in answer, answer
        else:
            assert answer == {
                "error": "invalid_grant",
                "error_description": "Audience validation failed",
            }


def test_jwt_audience_of_an_experience_cloud_site_is_the_site(emu):
    private, public = rsa_key_pair()
    emu.add_connected_app("jwt-app", public_key_pem=public)
    assertion = jwt_assertion("https://help.acme.example", "jwt-app", emu.username, private)
    assert token_answer(emu, assertion)["error"] == "invalid_grant"  # not one of its sites
    emu.experience_sites.add("https://help.acme.example")
    assert "access_token" in token_answer(emu, assertion)
