"""Record links unfurled at the admin's sharing level; never when off, in Slack Connect
channels (unless allowed), for guests or while typing; one lookup per record a minute."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.e2e.access_helpers import (
    EXTERNAL,
    GUEST,
    OTHER_CHANNEL,
    audit_entries,
    cli_json,
    printed_manifest,
    schema_path,
    start_access_slack,
)
from tests.e2e.harness import AGENT, CHANNEL


@pytest.fixture(scope="module")
def slack():
    fake = start_access_slack()
    yield fake
    fake.stop()


@pytest.fixture(scope="module", autouse=True)
def installed(sfbot, slack):
    """The app installed from the manifest sfbot prints for this org (scopes + domains)."""
    slack.install_manifest(printed_manifest(sfbot))


@pytest.fixture(autouse=True)
def default_level(sfbot):
    yield
    sfbot.cli("settings", "set", "unfurls", "names")
    sfbot.cli("settings", "set", "unfurls_external", "off")


def new_lead(sf, last: str) -> str:
    return sf.insert(
        "Lead",
        {
            "FirstName": "Ada",
            "LastName": last,
            "Company": "Analytical Engines",
            "Email": f"{last.lower()}@engines.example",
            "Phone": "+1 415 555 0100",
        },
    )


def urls(sf, record_id: str) -> tuple[str, str]:
    """The Lightning and the Classic (15-character) URL of a record on the org's host."""
    return (
        f"{sf.instance_url}/lightning/r/Lead/{record_id}/view",
        f"{sf.instance_url}/{record_id[:15]}",
    )


def unfurled(slack, url: str, timeout: float = 10) -> dict:
    call = slack.wait_for(
        "chat.unfurl", lambda c: url in (c["args"].get("unfurls") or {}), timeout=timeout
    )
    assert call["response"]["ok"], call["response"]
    return call


def not_unfurled(slack, url: str) -> None:
    with pytest.raises(TimeoutError):
        slack.wait_for(
            "chat.unfurl", lambda c: url in json.dumps(c["args"].get("unfurls")), timeout=3
        )


def test_printed_manifest_validates_and_names_the_orgs_domains(sfbot, sf):
    manifest = printed_manifest(sfbot)
    schema = json.loads(schema_path(manifest["_metadata"]["major_version"]).read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(manifest))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert manifest["features"]["unfurl_domains"] == ["127.0.0.1"]
    assert {"links:read", "links:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert "link_shared" in manifest["settings"]["event_subscriptions"]["bot_events"]


@pytest.mark.parametrize("form", [0, 1], ids=["lightning", "classic"])
def test_names_level_shows_type_and_name_only(driver, slack, sf, form):
    record_id = new_lead(sf, f"Names{form}")
    url = urls(sf, record_id)[form]
    r = driver.link_shared([url], user_id=AGENT, channel_id=CHANNEL)
    assert r is not None and r.status_code == 200
    call = unfurled(slack, url)
    assert (
        call["args"]["channel"] == CHANNEL
        and call["args"]["ts"] == r.payload["event"]["message_ts"]
    )
    assert list(call["args"]["unfurls"]) == [url]  # keyed by the exact URL shared
    shown = json.dumps(call["args"]["unfurls"])
    assert f"Names{form}" in shown and "lead" in shown.lower()
    for detail in ("engines.example", "555 0100", "Analytical Engines"):
        assert detail not in shown
    slack.assert_no_invalid_calls()


@pytest.mark.parametrize("form", [0, 1], ids=["lightning", "classic"])
def test_cards_level_shows_the_card_with_an_open_button(driver, slack, sf, sfbot, form):
    cli_json(sfbot, "settings", "set", "unfurls", "cards")
    record_id = new_lead(sf, f"Cards{form}")
    url = urls(sf, record_id)[form]
    driver.link_shared([url], user_id=AGENT, channel_id=CHANNEL)
    shown = json.dumps(unfurled(slack, url)["args"]["unfurls"][url])
    assert f"cards{form}@engines.example" in shown and "Analytical Engines" in shown
    assert "sf_record_open" in shown
    for button in ("sf_record_update", "sf_record_delete", "sf_record_convert", "sf_record_merge"):
        assert button not in shown
    slack.assert_no_invalid_calls()


def test_off_unfurls_nothing(driver, slack, sf, sfbot):
    cli_json(sfbot, "settings", "set", "unfurls", "off")
    url = urls(sf, new_lead(sf, "Off"))[0]
    calls = sf.api_calls
    driver.link_shared([url], user_id=AGENT, channel_id=CHANNEL)
    not_unfurled(slack, url)
    assert sf.api_calls == calls


def test_slack_connect_channels_only_when_allowed(driver, slack, sf, sfbot):
    url = urls(sf, new_lead(sf, "Partner"))[0]
    driver.link_shared([url], user_id=AGENT, channel_id=EXTERNAL)
    not_unfurled(slack, url)
    cli_json(sfbot, "settings", "set", "unfurls_external", "on")
    driver.link_shared([url], user_id=AGENT, channel_id=EXTERNAL)
    assert unfurled(slack, url)["args"]["channel"] == EXTERNAL


def test_never_for_a_guest(driver, slack, sf, sfbot):
    url = urls(sf, new_lead(sf, "Guest"))[0]
    requests = len(sf.request_log)
    driver.link_shared([url], user_id=GUEST, channel_id=CHANNEL)
    not_unfurled(slack, url)
    assert len(sf.request_log) == requests
    refusal = next(e for e in audit_entries(sfbot) if e["slack_user_id"] == GUEST)
    assert refusal["outcome"] == "refused" and refusal["error_code"] == "guest"


def test_not_while_typing_in_the_composer(driver, slack, sf):
    url = urls(sf, new_lead(sf, "Composer"))[0]
    driver.link_shared([url], user_id=AGENT, channel_id=CHANNEL, source="composer")
    not_unfurled(slack, url)


def test_one_lookup_per_record_however_often_it_is_pasted(driver, slack, sf):
    record_id = new_lead(sf, "Popular")
    lightning, classic = urls(sf, record_id)
    calls = sf.api_calls
    for channel in (CHANNEL, OTHER_CHANNEL, CHANNEL):
        driver.link_shared([lightning], user_id=AGENT, channel_id=channel)
    driver.link_shared([classic], user_id=AGENT, channel_id=OTHER_CHANNEL)
    for _ in range(4):
        slack.wait_for(
            "chat.unfurl",
            lambda c: (
                len(
                    [
                        x
                        for x in slack.calls_to("chat.unfurl")
                        if record_id[:15] in x["args"].get("unfurls", {}).__repr__()
                    ]
                )
                >= 4
            ),
            timeout=10,
        )
    assert sf.api_calls == calls + 1
