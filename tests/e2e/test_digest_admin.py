"""`/sf digest add | list` and the list's buttons, against the real app over HTTP.

The app runs the real scheduler on the system clock, so every digest here is scheduled about
twelve hours away (or on 29 February): nothing posts by itself during the test. Definitions
are checked through `sfbot digest list --json`.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.harness import ADMIN, AGENT, CHANNEL

FAR_CRON = "0 3 29 2 *"  # 29 February only
FAR_TIME = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:00")
NOT_MEMBER = "C0NOTMEMB1"


def tz_option(name: str) -> dict:
    return {"selected_option": {"text": {"type": "plain_text", "text": name}, "value": name}}


def values(
    name: str,
    kind: str = "new_leads",
    *,
    params: dict | None = None,
    schedule: str = "daily",
    time: str = FAR_TIME,
    days: list[str] | None = None,
    cron: str = FAR_CRON,
    tz: str = "UTC",
    channel: str = CHANNEL,
    post_when_empty: bool = False,
) -> dict:
    """What the admin fills in (the fake Slack sends only what a test sets)."""
    state = {
        "sf_digest_name": {"sf_field_input": name},
        "sf_digest_channel": {"sf_field_input": channel},
        "sf_digest_kind": {"sf_digest_kind": kind},
        "sf_digest_schedule_type": {"sf_digest_schedule_type": schedule},
        "sf_digest_timezone": {"sf_digest_timezone": tz_option(tz)},
        "sf_digest_options": {"sf_field_input": ["post_when_empty"] if post_when_empty else []},
    }
    for block, value in (params or {}).items():
        state[f"sf_digest_{block}"] = {"sf_field_input": value}
    if schedule == "cron":
        state["sf_digest_cron"] = {"sf_field_input": cron}
    else:
        state["sf_digest_time"] = {"sf_field_input": time}
    if schedule == "weekdays":
        state["sf_digest_weekdays"] = {"sf_field_input": days or ["mon", "wed"]}
    return state


def open_add(driver, slack, user: str = ADMIN) -> dict:
    """`/sf digest add`: the modal, once the admin's time zone is filled in."""
    after = len(slack.calls)
    r = driver.slash_command("/sf", "digest add", user_id=user, channel_id=CHANNEL)
    assert r.status_code == 200 and r.ack_in_time
    opened = slack.wait_for("views.open", after=after)
    assert opened["response"]["ok"], opened["response"]
    vid = opened["response"]["view"]["id"]
    slack.wait_for("views.update", lambda c: c["args"].get("view_id") == vid, after=after)
    return slack.views[vid]


def switch(driver, slack, view: dict, action_id: str, value: str) -> dict:
    after = len(slack.calls)
    r = driver.click(action_id, user_id=ADMIN, view=view, selected=value)
    assert r.status_code == 200 and r.ack_in_time
    call = slack.wait_for("views.update", lambda c: c["args"]["view_id"] == view["id"], after=after)
    assert call["response"]["ok"], call["response"]
    return slack.views[view["id"]]


def save(driver, view: dict, state: dict) -> dict:
    """Submit; the ack body ({} when it closed)."""
    r = driver.view_submission(view, state, user_id=ADMIN)
    assert r.status_code == 200 and r.ack_in_time
    return r.json() if r.content else {}


def add(driver, slack, sfbot, state: dict, kind: str = "new_leads") -> int:
    """Add a digest through the modal; its id."""
    view = open_add(driver, slack)
    if kind != "new_leads":
        view = switch(driver, slack, view, "sf_digest_kind", kind)
    ack = save(driver, view, state)
    assert ack.get("response_action") == "update", ack
    return int(digests(sfbot)[state["sf_digest_name"]["sf_field_input"]]["id"])


def digests(sfbot) -> dict[str, dict]:
    result = sfbot.cli("digest", "list", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return {d["name"]: d for d in json.loads(result.stdout)["digests"]}


def input_ids(view: dict) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def show_list(driver, slack, user: str = ADMIN) -> tuple[dict, dict]:
    """`/sf digest list`: (the reply, the ephemeral message to click on)."""
    r = driver.slash_command("/sf", "digest list", user_id=user, channel_id=CHANNEL)
    assert r.status_code == 200 and r.ack_in_time
    url = r.payload["response_url"]
    body = slack.wait_for_response(lambda resp: resp["url"] == url, timeout=10)["body"]
    shown = next(e for e in reversed(slack.ephemerals) if e["user"] == user)
    return body, copy.deepcopy(shown["message"])


def click_row(driver, slack, action_id: str, digest_id: int, message: dict, user: str = ADMIN):
    r = driver.click(
        action_id,
        user_id=user,
        block_id=f"sf_digest_row:{digest_id}",
        channel_id=CHANNEL,
        message=message,
        ephemeral=True,
    )
    assert r.status_code == 200 and r.ack_in_time
    return r


def reply_to(slack, r) -> dict:
    url = r.payload["response_url"]
    return slack.wait_for_response(lambda resp: resp["url"] == url, timeout=10)["body"]


def audited(sfbot, action: str) -> dict:
    result = sfbot.cli("audit", "--json", "--limit", "50")
    assert result.returncode == 0, result.stdout + result.stderr
    return next(e for e in json.loads(result.stdout)["entries"] if e["action"] == action)


# --------------------------------------------------------------------------- adding
def test_add_opens_at_once_with_the_admins_time_zone(driver, slack):
    view = open_add(driver, slack)
    tz = next(b for b in view["blocks"] if b["block_id"] == "sf_digest_timezone")
    assert tz["element"]["initial_option"]["value"] == "America/New_York"  # users.info tz
    channel = next(b for b in view["blocks"] if b["block_id"] == "sf_digest_channel")
    assert channel["element"]["default_to_current_conversation"] is True
    r = driver.block_suggestion(
        "sf_digest_timezone", "sf_digest_timezone", "new york", user_id=ADMIN, view=view
    )
    assert [o["value"] for o in r.json()["options"]] == ["America/New_York"]
    slack.assert_no_invalid_calls()


@pytest.mark.parametrize(
    ("kind", "params", "stored"),
    [
        ("new_leads", {}, {}),
        ("open_cases", {}, {}),
        ("duplicates", {}, {}),
        ("closing_opportunities", {"days": "14"}, {"days": 14}),
        ("stale_leads", {"days": "30"}, {"days": 30}),
        (
            "hot_leads",
            {"score_field": "Lead_Score__c", "threshold": "75.5"},
            {"score_field": "Lead_Score__c", "threshold": 75.5},
        ),
        (
            "custom",
            {"soql": "SELECT Id, Name FROM Lead\nWHERE Status = 'Open'"},
            {"soql": "SELECT Id, Name FROM Lead WHERE Status = 'Open'"},
        ),
    ],
)
def test_add_each_kind(driver, slack, sfbot, kind, params, stored):
    view = open_add(driver, slack)
    if kind != "new_leads":
        view = switch(driver, slack, view, "sf_digest_kind", kind)
    expected = {f"sf_digest_{p}" for p in params}
    assert expected <= set(input_ids(view))
    name = f"Kind {kind}"
    ack = save(driver, view, values(name, kind, params=params, post_when_empty=True))
    assert ack["response_action"] == "update", ack
    text = ack["view"]["blocks"][0]["text"]["text"]
    assert f"*{name}*" in text and f"<#{CHANNEL}>" in text and "next run is" in text
    saved = digests(sfbot)[name]
    assert (saved["kind"], saved["params"], saved["channel_id"]) == (kind, stored, CHANNEL)
    assert saved["owner_user_id"] == ADMIN and saved["post_when_empty"] is True
    assert saved["next_run"] is not None
    entry = audited(sfbot, "digest_add")
    assert (entry["slack_user_id"], entry["object"], entry["record_ids"]) == (ADMIN, kind, [])
    slack.assert_no_invalid_calls()


@pytest.mark.parametrize(
    ("schedule", "extra", "description"),
    [
        ("daily", {}, f"daily at {FAR_TIME}"),
        ("weekdays", {"days": ["mon", "fri"]}, f"Mon, Fri at {FAR_TIME}"),
        ("cron", {"cron": FAR_CRON}, f"cron `{FAR_CRON}`"),
    ],
)
def test_schedule_types(driver, slack, sfbot, schedule, extra, description):
    view = open_add(driver, slack)
    if schedule != "daily":
        view = switch(driver, slack, view, "sf_digest_schedule_type", schedule)
    shown = {"daily": "sf_digest_time", "weekdays": "sf_digest_weekdays", "cron": "sf_digest_cron"}
    assert shown[schedule] in input_ids(view)
    name = f"Schedule {schedule}"
    ack = save(driver, view, values(name, schedule=schedule, tz="Asia/Tokyo", **extra))
    assert ack["response_action"] == "update", ack
    saved = digests(sfbot)[name]
    assert saved["schedule_description"] == description
    assert saved["timezone"] == "Asia/Tokyo"
    slack.assert_no_invalid_calls()


# --------------------------------------------------------------------------- field errors
@pytest.mark.parametrize(
    ("kind", "change", "block", "message"),
    [
        ("new_leads", {"schedule": "cron", "cron": "61 * * * *"}, "sf_digest_cron", "cron"),
        ("new_leads", {"schedule": "cron", "cron": "0 9 * *"}, "sf_digest_cron", "5 fields"),
        ("new_leads", {"tz": "Mars/Olympus_Mons"}, "sf_digest_timezone", "time zone"),
        ("new_leads", {"channel": NOT_MEMBER}, "sf_digest_channel", "Invite @sfbot to #"),
        ("stale_leads", {"params": {"days": "0"}}, "sf_digest_days", "days"),
        (
            "custom",
            {"params": {"soql": "DELETE FROM Lead WHERE Id != null"}},
            "sf_digest_soql",
            "SELECT",
        ),
        (
            "custom",
            {"params": {"soql": "SELECT Id FROM Lead FOR UPDATE"}},
            "sf_digest_soql",
            "only read",
        ),
        (
            "custom",
            {"params": {"soql": "SELECT Id, No_Such_Field__c FROM Lead"}},
            "sf_digest_soql",
            "Salesforce refused it",
        ),
        (
            "hot_leads",
            {"params": {"score_field": "Company", "threshold": "10"}},
            "sf_digest_score_field",
            "not a number",
        ),
    ],
)
def test_bad_input_is_a_field_error_and_saves_nothing(
    driver, slack, sfbot, kind, change, block, message
):
    slack.add_channel(NOT_MEMBER, "private-sales", is_member=False)
    view = open_add(driver, slack)
    if kind != "new_leads":
        view = switch(driver, slack, view, "sf_digest_kind", kind)
    if change.get("schedule") == "cron":
        view = switch(driver, slack, view, "sf_digest_schedule_type", "cron")
    before = digests(sfbot)
    ack = save(driver, view, values("Refused", kind, **change))
    assert ack.get("response_action") == "errors", ack
    assert list(ack["errors"]) == [block]
    assert message in ack["errors"][block]
    after = digests(sfbot)
    assert after == before, [
        (n, before.get(n), after.get(n)) for n in after if after[n] != before.get(n)
    ]
    slack.assert_no_invalid_calls()


def test_a_failed_channel_check_is_a_field_error(driver, slack, sfbot):
    view = open_add(driver, slack)
    slack.fail_next("conversations.info", error="missing_scope", status=200)
    ack = save(driver, view, values("Unchecked"))
    assert ack == {
        "response_action": "errors",
        "errors": {
            "sf_digest_channel": "sfbot could not check the channel: missing_scope. Try again."
        },
    }
    assert "Unchecked" not in digests(sfbot)
    slack.assert_no_invalid_calls()


# --------------------------------------------------------------------------- the list
def test_list_shows_each_digest_with_next_run(driver, slack, sfbot):
    digest_id = add(driver, slack, sfbot, values("Listed digest", tz="Europe/Paris"))
    body, _message = show_list(driver, slack)
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"])
    assert "*Listed digest*" in text and f"daily at {FAR_TIME} (Europe/Paris)" in text
    assert "*Next run:*" in text and "*Last run:* never" in text
    assert f"sf_digest_row:{digest_id}" in text
    slack.assert_no_invalid_calls()


def test_run_now_sends_a_preview_to_the_admin_only(driver, slack, sf, sfbot):
    sf.insert("Lead", {"LastName": "Preview", "Company": "Digest Co"})
    digest_id = add(driver, slack, sfbot, values("Preview me", "open_cases"), "open_cases")
    _body, message = show_list(driver, slack)
    after = len(slack.calls)
    r = click_row(driver, slack, "sf_digest_run_now", digest_id, message)
    reply = reply_to(slack, r)
    assert "Sent you a preview" in reply["text"] and reply["replace_original"] is False
    posts = [c for c in slack.calls_to("chat.postMessage") if slack.calls.index(c) >= after]
    assert [c["args"]["channel"] for c in posts] == [ADMIN]
    assert posts[0]["args"]["text"].startswith("Preview: ")
    assert not any(m for m in slack.messages(CHANNEL) if "Preview me" in json.dumps(m))
    assert audited(sfbot, "digest_run_now")["object"] == "open_cases"
    slack.assert_no_invalid_calls()


def test_pause_resume_edit_and_delete_change_the_definition(driver, slack, sfbot):
    state = values("Changing", "closing_opportunities", params={"days": "7"})
    digest_id = add(driver, slack, sfbot, state, "closing_opportunities")

    _body, message = show_list(driver, slack)
    reply = reply_to(slack, click_row(driver, slack, "sf_digest_toggle", digest_id, message))
    assert reply["replace_original"] is True and "Paused *Changing*" in reply["text"] + json.dumps(
        reply["blocks"]
    )
    assert digests(sfbot)["Changing"]["paused"] is True
    assert digests(sfbot)["Changing"]["next_run"] is None

    _body, message = show_list(driver, slack)
    click_row(driver, slack, "sf_digest_toggle", digest_id, message)
    reply = slack.wait_for_response(lambda r: "Resumed" in json.dumps(r["body"]), timeout=10)
    assert reply["body"]["replace_original"] is True
    assert digests(sfbot)["Changing"]["paused"] is False

    _body, message = show_list(driver, slack)
    after = len(slack.calls)
    r = click_row(driver, slack, "sf_digest_edit", digest_id, message)
    opened = slack.wait_for("views.open", after=after)["response"]["view"]
    days = next(b for b in opened["blocks"] if b["block_id"] == "sf_digest_days")
    assert days["element"]["initial_value"] == "7"
    assert opened["title"]["text"] == "Edit digest"
    ack = save(
        driver,
        opened,
        values("Changed", "closing_opportunities", params={"days": "21"}, tz="Europe/Paris"),
    )
    assert "updated" in ack["view"]["blocks"][0]["text"]["text"]
    changed = digests(sfbot)["Changed"]
    assert (changed["id"], changed["params"], changed["timezone"]) == (
        digest_id,
        {"days": 21},
        "Europe/Paris",
    )
    assert "Changing" not in digests(sfbot)
    refreshed = reply_to(slack, r)  # the list the Edit was clicked in
    assert refreshed["replace_original"] is True and "*Changed*" in json.dumps(refreshed)
    assert audited(sfbot, "digest_edit")["object"] == "closing_opportunities"

    _body, message = show_list(driver, slack)
    reply = reply_to(slack, click_row(driver, slack, "sf_digest_delete", digest_id, message))
    assert "Deleted *Changed*" in json.dumps(reply)
    assert "Changed" not in digests(sfbot)
    assert audited(sfbot, "digest_delete")["slack_user_id"] == ADMIN
    slack.assert_no_invalid_calls()


# --------------------------------------------------------------------------- non-admins
def test_non_admins_are_refused(driver, slack, sfbot):
    after = len(slack.calls)
    r = driver.slash_command("/sf", "digest add", user_id=AGENT, channel_id=CHANNEL)
    refusal = reply_to(slack, r)
    assert "admins only" in refusal["text"]
    assert not [c for c in slack.calls_to("views.open") if slack.calls.index(c) >= after]

    digest_id = add(driver, slack, sfbot, values("Admins only"))
    _body, message = show_list(driver, slack)
    for action_id in (
        "sf_digest_run_now",
        "sf_digest_toggle",
        "sf_digest_edit",
        "sf_digest_delete",
    ):
        reply = reply_to(slack, click_row(driver, slack, action_id, digest_id, message, AGENT))
        assert "admins only" in reply["text"] and reply["replace_original"] is False
    saved = digests(sfbot)["Admins only"]
    assert saved["paused"] is False and saved["version"] == 1

    view = open_add(driver, slack)
    r = driver.view_submission(view, values("Sneaky"), user_id=AGENT)
    assert "admins only" in json.dumps(r.json())
    assert "Sneaky" not in digests(sfbot)
    slack.assert_no_invalid_calls()
