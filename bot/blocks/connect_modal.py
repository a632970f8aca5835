"""The `/sf connect` modal and the views it turns into.

Secrets typed by the admin are never part of a view built here: no initial values for them,
nothing in ``private_metadata`` but the chosen flow (signed: ``bot.signed_metadata``).
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.text import SECTION_TEXT_MAX, escape_mrkdwn, truncate
from bot.ids import COMMAND, ActionId, BlockId, CallbackId
from bot.signed_metadata import seal

FLOWS: dict[str, tuple[str, str]] = {
    "client_credentials": (
        "Client credentials",
        "The connected app's run-as user: consumer key and secret",
    ),
    "jwt": ("JWT bearer", "A certificate on the connected app: username and private key"),
}
DEFAULT_FLOW = "client_credentials"
LOGIN_URL_PLACEHOLDER = "https://login.salesforce.com"  # a placeholder only: never a default
LOGIN_URL_HINTS = {
    "client_credentials": "Your org's My Domain URL, e.g. https://yourcompany.my.salesforce.com: "
    "the client credentials flow does not work with login.salesforce.com or test.salesforce.com.",
    "jwt": "https://login.salesforce.com, https://test.salesforce.com (a sandbox) or your "
    "My Domain URL.",
}
# Slack's plain_text_input takes at most 3,000 characters: a 2048-bit RSA key in PEM (about
# 1,700) fits, a 4096-bit one (about 3,250) does not.
PRIVATE_KEY_MAX = 3000


def flow_blocks(flow: str) -> tuple[str, ...]:
    """The input blocks each flow asks for (also where field errors may go)."""
    common = (BlockId.LOGIN_URL, BlockId.CLIENT_ID)
    if flow == "jwt":
        return (*common, BlockId.USERNAME, BlockId.PRIVATE_KEY)
    return (*common, BlockId.CLIENT_SECRET)


def _option(flow: str) -> Option:
    label, description = FLOWS[flow]
    return Option(value=flow, text=PlainTextObject(text=label), description=description)


def _input(
    block_id: str,
    label: str,
    hint: str,
    *,
    placeholder: str | None = None,
    multiline: bool = False,
    max_length: int | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        element=PlainTextInputElement(
            action_id=ActionId.FIELD_INPUT,
            placeholder=placeholder,
            multiline=multiline or None,
            max_length=max_length,
        ),
    )


def credential_inputs(flow: str) -> list[Block]:
    blocks: list[Block] = [
        _input(
            BlockId.LOGIN_URL,
            "Login URL",
            LOGIN_URL_HINTS.get(flow, LOGIN_URL_HINTS["jwt"]),
            placeholder=LOGIN_URL_PLACEHOLDER,
        ),
        _input(
            BlockId.CLIENT_ID,
            "Consumer key (client id)",
            "From the connected app (or external client app) in Salesforce Setup.",
        ),
    ]
    if flow == "jwt":
        blocks += [
            _input(
                BlockId.USERNAME,
                "Integration user's username",
                "The Salesforce user every action is attributed to.",
                placeholder="integration@yourcompany.com",
            ),
            _input(
                BlockId.PRIVATE_KEY,
                "Private key (PEM)",
                "The unencrypted RSA key whose certificate is on the connected app: a 2048-bit "
                "RSA key in PEM (4096-bit keys do not fit; use `sfbot connect jwt` for those). "
                "Stored encrypted; never shown again.",
                placeholder="-----BEGIN PRIVATE KEY-----",
                multiline=True,
                max_length=PRIVATE_KEY_MAX,
            ),
        ]
    else:
        blocks.append(
            _input(
                BlockId.CLIENT_SECRET,
                "Consumer secret",
                "Stored encrypted; never shown again.",
            )
        )
    return blocks


def scopes_text(scopes: list[dict[str, str]]) -> str:
    lines = ["sfbot asks Salesforce for these OAuth scopes:"]
    lines += [f"• `{escape_mrkdwn(s['scope'])}`: {escape_mrkdwn(s['allows'])}" for s in scopes]
    return truncate("\n".join(lines), SECTION_TEXT_MAX)


def connect_modal(
    flow: str,
    scopes: list[dict[str, str]],
    *,
    replacing: str | None = None,
    error: str | None = None,
) -> View:
    """The form: scope review, flow choice, the flow's inputs.

    ``replacing`` describes the current connection (it will be replaced); ``error`` is shown
    at the top (mrkdwn, already user-facing).
    """
    flow = flow if flow in FLOWS else DEFAULT_FLOW
    blocks: list[Block] = []
    if error:
        blocks.append(
            SectionBlock(
                block_id=BlockId.ERROR, text=MarkdownTextObject(text=truncate(error, 3000))
            )
        )
    blocks.append(SectionBlock(text=MarkdownTextObject(text=scopes_text(scopes))))
    if replacing:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(
                        f":warning: sfbot is already connected ({escape_mrkdwn(replacing)}). "
                        "Connecting replaces that connection.",
                        SECTION_TEXT_MAX,
                    )
                )
            )
        )
    blocks.append(
        ActionsBlock(
            block_id=BlockId.CONNECT_FLOW,
            elements=[
                RadioButtonsElement(
                    action_id=ActionId.CONNECT_FLOW,
                    options=[_option(f) for f in FLOWS],
                    initial_option=_option(flow),
                )
            ],
        )
    )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="The web flow (log in as the integration user in a browser, with "
                    "PKCE) is only available on the server: `sfbot connect web`."
                )
            ]
        )
    )
    blocks += credential_inputs(flow)
    return View(
        type="modal",
        callback_id=CallbackId.CONNECT_MODAL,
        title="Connect Salesforce",
        submit="Connect",
        close="Cancel",
        private_metadata=seal({"flow": flow}),
        blocks=blocks,
    )


def _message_view(title: str, text: str, *, close: str = "Close") -> View:
    return View(
        type="modal",
        callback_id=CallbackId.RESULT_MODAL,
        title=title,
        close=close,
        blocks=[SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)))],
    )


def connected_view(
    *, instance_url: str, org_id: str, username: str, scopes: list[str], reminder: str
) -> View:
    """Shown after a successful connect: where, as whom, which scopes, and who is accountable."""
    granted = " ".join(f"`{escape_mrkdwn(s)}`" for s in scopes) or "(none listed)"
    text = (
        f":white_check_mark: *Connected to Salesforce*\n"
        f"*Instance:* {escape_mrkdwn(instance_url)}\n"
        f"*Org id:* `{escape_mrkdwn(org_id)}`\n"
        f"*User:* {escape_mrkdwn(username)}\n"
        f"*Granted scopes:* {granted}\n\n"
        f":bust_in_silhouette: {escape_mrkdwn(reminder)}"
    )
    return _message_view("Salesforce connected", text, close="Done")


def working_view() -> View:
    return _message_view(
        "Connecting…",
        ":hourglass_flowing_sand: Checking the credentials with Salesforce… "
        "This view updates when it is done.",
    )


def closed_view() -> View:
    return _message_view("Connect Salesforce", f"Done. `{COMMAND} status` shows the connection.")
