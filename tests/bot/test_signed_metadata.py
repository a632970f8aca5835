"""private_metadata sealed with an HMAC from the signing secret (issue 7.6)."""

from __future__ import annotations

import pytest

from bot.signed_metadata import ForgedMetadata, SignedMeta, install_key, seal, unseal


def test_round_trip_and_shared_key_across_replicas():
    install_key("secret-a")
    sealed = seal({"object": "lead", "record_id": "00Q000000000001AAA"})
    install_key("secret-a")  # another process with the same signing secret
    assert unseal(sealed) == {"object": "lead", "record_id": "00Q000000000001AAA"}
    install_key("secret-b")
    with pytest.raises(ForgedMetadata):
        unseal(sealed)


@pytest.mark.parametrize("forged", ["{x", "null", "[]", '{"a": 1}', "x.{}", ".{}", 5, ["a"]])
def test_anything_sfbot_did_not_seal_is_refused(forged):
    install_key("secret-a")
    with pytest.raises(ForgedMetadata):
        unseal(forged)


def test_an_edited_body_under_a_real_mac_is_refused():
    install_key("secret-a")
    mac, _, body = seal({"record_id": "00Q000000000001AAA"}).partition(".")
    with pytest.raises(ForgedMetadata):
        unseal(f"{mac}.{body.replace('001', '002')}")


def test_a_signed_non_object_is_refused():
    install_key("secret-a")
    mac, _, _ = seal({}).partition(".")
    with pytest.raises(ForgedMetadata):
        unseal(seal([]) if False else f"{mac}.[]")  # wrong mac for "[]" as well


def test_empty_metadata_is_an_empty_object():
    assert unseal("") == {} and unseal(None) == {}


class _Meta(SignedMeta):
    object: str
    channel: str | None = None
    attempt: int = 0


def test_signed_meta_seals_only_what_differs_from_the_defaults():
    install_key("secret-a")
    sealed = _Meta(object="lead", attempt=2).dumps()
    assert unseal(sealed) == {"object": "lead", "attempt": 2}
    loaded = _Meta.loads(sealed)
    assert isinstance(loaded, _Meta) and loaded == _Meta(object="lead", attempt=2)


@pytest.mark.parametrize("data", [{}, {"object": "lead", "attempt": "many"}])
def test_signed_meta_of_the_wrong_shape_is_forged(data):
    install_key("secret-a")
    with pytest.raises(ForgedMetadata, match="wrong shape"):
        _Meta.loads(seal(data))
