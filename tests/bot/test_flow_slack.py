"""The Slack side of flows without a network: readable message text, which messages are a
person's, the ask buttons and list messages as valid Block Kit, and the port's Slack calls
against the fake (refusals become FlowSlackError with Slack's code)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from actions.flows.ports import Destination, FlowSlackError
from bot.blocks.flows import flow_list_message, flow_picker_view, flow_runs_message
from bot.flows.slack_port import SlackFlowPort, ask_blocks, closed_ask_blocks, parse_ask_value
from bot.flows.triggers import PeopleDirectory, is_person_message, message_event, readable_text
from tests.fakes.slack import FakeSlack, blockkit


def test_readable_text_resolves_links_mentions_and_escapes():
    sent = "Hi <@U1|ann>, mail <mailto:a@b.co|a@b.co> in <#C1|sales> &amp; see <https://x.io> &lt;3"
    assert readable_text(sent) == "Hi @ann, mail a@b.co in #sales & see https://x.io <3"
    assert readable_text("<!here> <@U2>") == "@here @U2"


@pytest.mark.parametrize(
    ("event", "person"),
    [
        ({"user": "U1", "text": "hi"}, True),
        ({"user": "U1", "text": "hi", "subtype": "file_share"}, True),
        ({"user": "U1", "text": "hi", "bot_id": "B1"}, False),  # an app's message, ours too
        ({"subtype": "bot_message", "bot_id": "B1", "text": "hi"}, False),
        ({"subtype": "message_changed", "hidden": True, "message": {"user": "U1"}}, False),
        ({"subtype": "message_deleted", "hidden": True, "deleted_ts": "1.2"}, False),
        ({"subtype": "channel_join", "user": "U1"}, False),
    ],
)
def test_only_a_persons_new_message_counts(event, person):
    assert is_person_message(event) is person


def test_ask_buttons_carry_the_ask_and_the_choice_and_are_valid_block_kit():
    blocks = [b.to_dict() for b in ask_blocks("ask-1", "Approve?", ["Approve", "Reject"])]
    assert blockkit.validate_blocks(blocks, "message") == []
    values = [parse_ask_value(e["value"]) for e in blocks[1]["elements"]]
    assert values == [("ask-1", "Approve"), ("ask-1", "Reject")]
    assert parse_ask_value("not json") is None
    for closed in (
        closed_ask_blocks("Q", "Approve", "U1"),
        closed_ask_blocks("Q", "timed_out", None),
    ):
        assert blockkit.validate_blocks([b.to_dict() for b in closed], "message") == []


def test_admin_messages_and_the_picker_are_valid_block_kit():
    run = {"id": 3, "status": "failed", "started_at": "2026-12-02T10:00:00", "error": "x" * 900}
    run["steps"] = [{"id": "find", "kind": "lookup_record", "status": "failed", "error": "no"}]
    flows = [
        {"name": f"f{i}", "enabled": i % 2 == 0, "trigger": "reaction", "last_run": run}
        for i in range(40)
    ]
    for blocks in (flow_list_message(flows, "notice"), flow_runs_message("f1", [run] * 12)):
        assert blockkit.validate_blocks([b.to_dict() for b in blocks], "message") == []
    view = flow_picker_view([("a", "Look it up"), ("b", "")], '{"channel": "C1"}').to_dict()
    assert blockkit.validate_view(view) == []


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fs = FakeSlack(bot_token="xoxb-t").start()
    fs.add_user("U1", "ann", real_name="Ann Smith", email="ann@example.com")
    fs.add_user("U9", "boss", is_admin=True)
    fs.add_channel("C1", "sales")
    fs.add_channel("C2", "elsewhere", is_member=False)
    yield fs
    fs.stop()


def test_the_port_posts_in_threads_dms_and_refuses_what_slack_refuses(fake):
    client = WebClient(token="xoxb-t", base_url=fake.api_url)
    port = SlackFlowPort(client, admins=[])
    parent = fake.user_posts("C1", "U1", "hello")
    posted = port.post_message(Destination(channel="C1", thread_ts=parent["ts"]), "in thread")
    assert fake.messages("C1")[-1]["thread_ts"] == parent["ts"] and posted.channel == "C1"
    with pytest.raises(FlowSlackError) as err:
        port.post_message(Destination(channel="C2"), "not a member")
    assert err.value.code == "not_in_channel"
    port.tell_admins("budget used up")  # no SFBOT_ADMINS: the workspace's admins (users.list)
    assert fake.messages("D9")[-1]["text"] == "budget used up"
    assert port.resolve_channel("#sales") == "C1" and port.is_member("C2") is False
    fake.assert_no_invalid_calls()


def test_the_author_details_are_fetched_once_something_matched(fake):
    client = WebClient(token="xoxb-t", base_url=fake.api_url)
    msg = fake.user_posts("C1", "U1", "write to <b>")
    event = message_event("slack_message", "slack:Ev1", "C1", msg)
    assert event.variables["text"] == "write to <b>"
    detailed = PeopleDirectory(client).with_details(event)
    assert detailed.variables["user_name"] == "Ann Smith"
    assert detailed.variables["user_email"] == "ann@example.com"
    assert detailed.variables["permalink"].endswith(msg["ts"].replace(".", ""))
