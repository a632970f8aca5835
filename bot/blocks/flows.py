"""Flows in Slack: the "Run a Salesforce flow" picker modal and the admins' `/sf flow list`
and `/sf flow runs NAME` messages (pure builders)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.text import SECTION_TEXT_MAX, escape_mrkdwn, truncate
from bot.ids import COMMAND, ActionId, BlockId, CallbackId

MAX_OPTIONS = 100  # a static_select shows at most 100 options
MAX_LIST_ROWS = 45  # a message holds at most 50 blocks
STATUS_EMOJI = {
    "running": ":arrows_counterclockwise:",
    "waiting": ":hourglass_flowing_sand:",
    "succeeded": ":white_check_mark:",
    "failed": ":x:",
    "outcome_unknown": ":warning:",
    "skipped": ":fast_forward:",
}


def _text(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)))


def _modal(title: str, blocks: list[Block], **extra: Any) -> View:
    return View(type="modal", title=title, close="Close", blocks=blocks, **extra)


# --------------------------------------------------------------------------- the shortcut
def flow_picker_view(flows: list[tuple[str, str]], metadata: str) -> View:
    """Pick one of ``flows`` ((name, title) pairs) to run on the message."""
    options = [
        Option(value=name, text=truncate(title or name, 75)) for name, title in flows[:MAX_OPTIONS]
    ]
    return View(
        type="modal",
        callback_id=CallbackId.FLOW_PICK_MODAL,
        title="Run a Salesforce flow",
        submit="Run",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            InputBlock(
                block_id=BlockId.FLOW_PICK,
                label="Flow",
                element=StaticSelectElement(
                    action_id=ActionId.FLOW_PICK, placeholder="Pick a flow", options=options
                ),
            ),
            ContextBlock(
                elements=[MarkdownTextObject(text="The flow runs on the message you picked.")]
            ),
        ],
    )


def no_shortcut_flows_view() -> View:
    return _modal(
        "Run a Salesforce flow",
        [
            _text(
                ":information_source: No flow can be run from a message yet. Admins add one "
                "with a `shortcut` trigger (`sfbot flow apply FILE`)."
            )
        ],
    )


def flow_started_view(title: str) -> View:
    return _modal(
        "Run a Salesforce flow",
        [
            _text(
                f":rocket: *{escape_mrkdwn(title)}* is running on that message. "
                "Its messages appear where the flow posts them."
            )
        ],
    )


# --------------------------------------------------------------------------- admins' list
def _run_line(run: dict[str, Any] | None) -> str:
    if run is None:
        return "never run"
    emoji = STATUS_EMOJI.get(str(run.get("status")), "")
    when = str(run.get("started_at") or "")[:16].replace("T", " ")
    line = f"{emoji} {run.get('status')} · run {run.get('id')} · {when} UTC"
    if run.get("error"):
        line += f"\n> {escape_mrkdwn(truncate(str(run['error']), 300))}"
    return line


def flow_row(flow: dict[str, Any]) -> list[Block]:
    name = str(flow["name"])
    state = "enabled" if flow["enabled"] else ":double_vertical_bar: disabled"
    section = _text(
        f"*{escape_mrkdwn(name)}* · {flow['trigger']} · {state}\nLast run: "
        + _run_line(flow.get("last_run"))
    )
    buttons = ActionsBlock(
        block_id=f"{BlockId.FLOW_ROW}:{name}",
        elements=[
            ButtonElement(
                text="Disable" if flow["enabled"] else "Enable",
                action_id=ActionId.FLOW_TOGGLE,
                value=name,
                style=None if flow["enabled"] else "primary",
            ),
            ButtonElement(text="Last runs", action_id=ActionId.FLOW_RUNS, value=name),
        ],
    )
    return [section, buttons]


def flow_list_message(flows: list[dict[str, Any]], notice: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    if notice:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=notice)]))
    if not flows:
        blocks.append(_text(":information_source: No flows yet: `sfbot flow apply FILE`."))
        return blocks
    for flow in flows[: MAX_LIST_ROWS // 2]:
        blocks.extend(flow_row(flow))
    if len(flows) > MAX_LIST_ROWS // 2:
        more = len(flows) - MAX_LIST_ROWS // 2
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"…and {more} more: `sfbot flow list`.")]
            )
        )
    return blocks


def _step_line(step: dict[str, Any]) -> str:
    emoji = STATUS_EMOJI.get(str(step.get("status")), "")
    line = f"{emoji} `{step.get('id') or '-'}` {step.get('kind')}: {step.get('status')}"
    if step.get("error"):
        line += f", {escape_mrkdwn(truncate(str(step['error']), 200))}"
    return line


def flow_runs_message(name: str, runs: list[dict[str, Any]]) -> list[Block]:
    head = f"*Last runs of {escape_mrkdwn(name)}*"
    if not runs:
        return [_text(f"{head}\nNo runs yet.")]
    blocks: list[Block] = [_text(head)]
    for run in runs[:10]:
        steps = "\n".join(_step_line(s) for s in run.get("steps") or [])
        blocks.append(_text(_run_line(run) + (f"\n{steps}" if steps else "")))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Every step's input and output: `sfbot flow runs {name} --json`."
                )
            ]
        )
    )
    return blocks


def usage_text() -> str:
    return f"Usage: `{COMMAND} flow list` or `{COMMAND} flow runs NAME`"
