"""The connection card (`/sf status`, App Home) and the `/sf disconnect` messages."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from actions.connect import ConnectionStatus
from bot.blocks.text import SECTION_TEXT_MAX, escape_mrkdwn, truncate
from bot.ids import COMMAND, ActionId

FIELD_TEXT_MAX = 2000  # a section's fields: at most 10, 2000 characters each

REASON_LABEL = {
    "never_connected": "never connected",
    "token_refused": "token refused",
    "org_unreachable": "org unreachable",
}


def indicator(status: ConnectionStatus) -> str:
    """One mrkdwn line: connected or not, and why not."""
    if status.connected:
        return ":large_green_circle: *Connected to Salesforce*"
    reason = REASON_LABEL.get(status.reason or "", "not connected")
    detail = f": {escape_mrkdwn(status.detail)}" if status.detail else ""
    return f":red_circle: *Not connected to Salesforce* ({reason}){detail}"


def status_text(status: ConnectionStatus) -> str:
    """The notification text of a status message (no markup)."""
    if status.connected:
        return f"Salesforce: connected to org {status.org_id} as {status.username}"
    return f"Salesforce: not connected ({REASON_LABEL.get(status.reason or '', 'unknown')})"


def _field(name: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=truncate(f"*{name}*\n{value}", FIELD_TEXT_MAX))


def connection_fields(status: ConnectionStatus) -> list[MarkdownTextObject]:
    """Instance, org, user, API version, scopes, API usage and who connected it."""
    if not status.instance_url:
        return []
    user = escape_mrkdwn(status.username or "(unknown)")
    scopes = " ".join(f"`{escape_mrkdwn(s)}`" for s in status.scopes) or "(none listed)"
    usage = "(not known yet)"
    if status.api_usage:
        used, most = status.api_usage["used"], status.api_usage["max"]
        usage = f"{used:,} / {most:,} requests today"
    connected = escape_mrkdwn(status.connected_by or "(unknown)")
    if status.connected_at:
        connected += f" on {status.connected_at[:10]}"
    return [
        _field("Instance", escape_mrkdwn(status.instance_url)),
        _field("Org id", f"`{escape_mrkdwn(status.org_id or '')}`"),
        _field("Connected user", f"{user} (`{escape_mrkdwn(status.user_id or '')}`)"),
        _field("API version", escape_mrkdwn(status.api_version or "")),
        _field("Granted scopes", scopes),
        _field("API usage", usage),
        _field("Connected by", connected),
    ]


def connection_card(status: ConnectionStatus) -> list[Block]:
    """The indicator and, when a connection is stored, its details."""
    fields = connection_fields(status)
    if not fields:
        return [SectionBlock(text=MarkdownTextObject(text=indicator(status)))]
    return [SectionBlock(text=MarkdownTextObject(text=indicator(status)), fields=fields)]


def _names(schema: dict[str, Any], mark_optional: bool) -> str:
    required = set(schema.get("required") or [])
    names = schema.get("properties") or {}
    return ", ".join(n + ("?" if mark_optional and n not in required else "") for n in names)


def action_line(action: dict[str, Any]) -> str:
    """``name(a, b?) → {x, y}`` and the description, e.g. from ``Action.describe()``."""
    inputs = _names(action.get("inputs") or {}, mark_optional=True)
    outputs = _names(action.get("outputs") or {}, mark_optional=False)
    return (
        f"• `{escape_mrkdwn(action['name'])}({escape_mrkdwn(inputs)})` → "
        f"`{{{escape_mrkdwn(outputs)}}}`\n      {escape_mrkdwn(action.get('description', ''))}"
    )


def actions_section(actions: list[dict[str, Any]]) -> list[Block]:
    if not actions:
        return []
    lines = ["*Available actions* (`?` = optional input)"]
    lines.extend(action_line(a) for a in actions)
    return [
        SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), SECTION_TEXT_MAX)))
    ]


def status_blocks(status: ConnectionStatus) -> list[Block]:
    """The answer to `/sf status`."""
    blocks: list[Block] = [HeaderBlock(text="sfbot's Salesforce connection")]
    blocks.extend(connection_card(status))
    blocks.extend(actions_section(status.actions))
    if not status.connected:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"An sfbot admin (re)connects with `{COMMAND} connect` or "
                        "`sfbot connect` on the server."
                    )
                ]
            )
        )
    return blocks


def disconnect_prompt(status: ConnectionStatus) -> list[Block]:
    """`/sf disconnect`: what will happen, and a button behind a confirmation dialog."""
    if not status.org_id:
        return [
            SectionBlock(
                text=MarkdownTextObject(
                    text=":information_source: sfbot is not connected to Salesforce; "
                    "there is nothing to disconnect."
                )
            )
        ]
    who = escape_mrkdwn(status.username or "(unknown user)")
    text = (
        f"sfbot is connected to org `{escape_mrkdwn(status.org_id)}` as *{who}*.\n"
        "Disconnecting revokes the tokens at Salesforce and deletes every stored secret. "
        "Nobody can use sfbot until an admin connects again."
    )
    confirm = ConfirmObject(
        title="Disconnect sfbot?",
        text=truncate(
            f"sfbot stops working for everyone until an admin runs `{COMMAND} connect` again.",
            300,
        ),
        confirm="Disconnect",
        deny="Cancel",
        style="danger",
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX))),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Disconnect",
                    action_id=ActionId.DISCONNECT,
                    value="disconnect",
                    style="danger",
                    confirm=confirm,
                )
            ]
        ),
    ]


def disconnect_outcome_text(result: dict[str, bool], user_id: str) -> str:
    """What `actions.connect.disconnect` did, for the message that replaces the prompt."""
    if not result.get("was_connected"):
        return ":information_source: sfbot was not connected to Salesforce; nothing to do."
    if result.get("revoked"):
        revoked = "the tokens were revoked at Salesforce"
    else:
        revoked = (
            "Salesforce did not confirm revoking the tokens (revoke them in Setup, "
            "Connected Apps OAuth Usage)"
        )
    return (
        f":electric_plug: <@{user_id}> disconnected sfbot from Salesforce: {revoked}, and the "
        f"stored secrets were deleted. An admin reconnects with `{COMMAND} connect`."
    )


def disconnect_outcome(result: dict[str, bool], user_id: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=disconnect_outcome_text(result, user_id)))]
