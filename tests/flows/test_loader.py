"""Flow files: every problem with its line, templates checked when applied and sandboxed when
run, a single expression keeps its type, channels resolved through the port."""

from __future__ import annotations

import textwrap

import pytest

from actions.flows import templates
from actions.flows.loader import FlowFileError, parse_text
from storage.flow_store import FlowStore


def problems(text: str) -> list[str]:
    with pytest.raises(FlowFileError) as info:
        parse_text(textwrap.dedent(text), "f.yml")
    return info.value.lines()


def test_every_problem_is_reported_with_its_line():
    assert problems(
        """\
        name: Bad_Name
        trigger:
          schedule: {cron: "0 9 * * 1-5", timezone: Mars/Base}
        steps:
          - id: find
            lookup_record: {email: "{{ trigger.text }}", colour: red}
          - create_record: {object: planet, name: x}
          - post_message: {thread: true, text: "{{ steps.nope.id }} {{ os }}"}
          - if: "steps.find.count =="
            then: []
          - ask: {user: U1, text: hi, choices: [yes, yes]}
          - bogus: 1
          - id: find
            stop: {}
        extra: 1
        """
    ) == [
        "f.yml:15: unknown key 'extra': use name, description, enabled, trigger, steps",
        "f.yml:1: name is required: lowercase letters, digits and dashes (at most 64)",
        "f.yml:3: schedule: unknown time zone 'Mars/Base'",
        "f.yml:6: lookup_record: colour: Extra inputs are not permitted",
        "f.yml:7: create_record: object: Input should be 'lead', 'contact', 'account', "
        "'opportunity', 'case' or 'campaign'",
        "f.yml:8: unknown name 'os': use trigger, steps, flow, run",
        "f.yml:8: steps.nope is not the id of an earlier step",
        "f.yml:8: a schedule trigger has no thread",
        "f.yml:9: template syntax error: unexpected 'end of print statement'",
        "f.yml:10: steps must be a non-empty list",
        "f.yml:11: ask: choices must be different",
        "f.yml:12: unknown step key 'bogus': a step is one of create_record, update_record, "
        "delete_record, lookup_record, convert_lead, find_duplicates, merge_records, "
        "log_activity, post_message, ask, stop, if",
        "f.yml:13: step id 'find' is used twice",
    ]


def test_yaml_errors_and_duplicate_keys_have_lines():
    assert problems("name: x\nsteps: [\n")[0].startswith("f.yml:3: not valid YAML")
    assert problems("name: x\nname: y\n") == ["f.yml:2: duplicate key 'name'"]
    assert problems("- a\n") == ["f.yml:1: a flow file is a mapping with name, trigger and steps"]


def test_templates_cannot_reach_python_internals():
    escapes = [
        "{{ ''.__class__ }}",
        "{{ trigger.text.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ trigger|attr('__class__') }}",
        "{{ 'a' * 100000000 }}",
        "{{ 9 ** 999999 }}",
        "{% for x in range(10**9) %}{% endfor %}",
    ]
    variables = {"trigger": {"text": "hi"}, "steps": {}, "flow": {"name": "f"}, "run": {"id": 1}}
    for text in escapes:
        with pytest.raises(templates.TemplateProblem):
            templates.render(text, variables)
    with pytest.raises(templates.TemplateProblem, match="undefined"):
        templates.render("{{ trigger.missing }}", variables)


def test_a_single_expression_keeps_the_type():
    variables = {"trigger": {"n": 3, "l": [1, 2]}, "steps": {"a": {"count": 0}}}
    assert templates.render("{{ trigger.n }}", variables) == 3
    assert templates.render(" {{ trigger.l }} ", variables) == [1, 2]
    assert templates.render("n={{ trigger.n }}", variables) == "n=3"
    assert templates.render({"x": ["{{ trigger.n + 1 }}"]}, variables) == {"x": [4]}
    assert templates.evaluate("steps.a.count == 0", variables) is True


def test_channel_names_are_resolved_and_membership_checked_at_apply(apply, ctx):
    flow = """
    name: named
    trigger:
      slack_message: {channel: "#inbound"}
    steps:
      - post_message: {channel: "#sales", text: hi}
      - post_message: {channel: "#outside", text: hi}
      - post_message: {channel: "#nowhere", text: hi}
    """
    assert apply(flow) == [
        "flow0.yml:7: sfbot is not a member of #outside: /invite it there first",
        "flow0.yml:8: channel #nowhere: there is no channel #nowhere",
    ]
    assert FlowStore(ctx.db).get("named") is None  # nothing stored from that file
    assert apply(flow.replace("#outside", "#sales").replace("#nowhere", "C0SALES001")) == []
    doc = FlowStore(ctx.db).get("named").document
    assert doc["trigger"]["slack_message"]["channel"] == "C0INBOUND1"
    assert doc["steps"][0]["post_message"]["channel"] == "C0SALES001"


def test_a_new_flow_needs_an_owner(apply):
    text = "name: lonely\ntrigger:\n  shortcut: {title: Look up}\nsteps:\n  - stop: {}\n"
    assert apply(text, owner=None) == [
        "flow0.yml: a new flow needs an owner: --owner U0123ABCD (who is told when runs fail)"
    ]
    assert apply(text) == []
    assert apply(text, owner=None) == []  # re-applied: the owner is kept
