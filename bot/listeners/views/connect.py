"""Submitting the `/sf connect` modal: verify the credentials with Salesforce, then store them.

The typed secret goes to Salesforce and into the encrypted store, nowhere else: it is not
logged, not stored with the idempotency key and never sent back to Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from actions.connect import (
    ATTRIBUTION_REMINDER,
    connect_client_credentials,
    connect_jwt,
    connection_status,
    scope_review,
)
from actions.errors import (
    ActionError,
    AuthorizationFailed,
    InvalidInput,
    OutcomeUnknown,
    SalesforceUnavailable,
)
from bot.blocks.connect_modal import (
    FLOWS,
    closed_view,
    connect_modal,
    connected_view,
    flow_blocks,
    working_view,
)
from bot.blocks.view_state import ViewState
from bot.errors import user_message
from bot.ids import BlockId, CallbackId
from bot.listeners.commands.connect import replacing_text
from bot.modal_submit import (
    Submission,
    SubmitOutcome,
    invalid_to_errors,
    refuses_forged_metadata,
    submit,
)
from bot.services import Services, SlackOrigin, services_of
from bot.signed_metadata import unseal
from storage.connection_store import StoredConnection

FIELD_BLOCKS = {
    "login_url": BlockId.LOGIN_URL,
    "client_id": BlockId.CLIENT_ID,
    "client_secret": BlockId.CLIENT_SECRET,
    "username": BlockId.USERNAME,
    "private_key": BlockId.PRIVATE_KEY,
}
# OAuth ``error`` codes that point at one input
OAUTH_ERROR_FIELD = {"invalid_client_id": "client_id", "invalid_client": "client_secret"}


def field_errors(exc: ActionError, flow: str) -> dict[str, str] | None:
    """The inputs ``exc`` is about, limited to the blocks of ``flow``'s form."""
    shown = set(flow_blocks(flow))
    errors: dict[str, str] | None = None
    if isinstance(exc, InvalidInput):
        errors = invalid_to_errors(exc, FIELD_BLOCKS.get)
    elif isinstance(exc, AuthorizationFailed) and exc.code in OAUTH_ERROR_FIELD:
        errors = {FIELD_BLOCKS[OAUTH_ERROR_FIELD[exc.code]]: exc.message[:150]}
    elif isinstance(exc, SalesforceUnavailable) and not isinstance(exc, OutcomeUnknown):
        errors = {BlockId.LOGIN_URL: exc.message[:150]}
    errors = {k: v for k, v in (errors or {}).items() if k in shown}
    return errors or None


def connect_work(
    services: Services, origin: SlackOrigin, flow: str, view: dict[str, Any]
) -> Callable[[], StoredConnection]:
    """The verification and storing, read from the submitted inputs (run on a worker)."""
    login_url, client_id = (
        ViewState(view).text(BlockId.LOGIN_URL),
        ViewState(view).text(BlockId.CLIENT_ID),
    )
    connected_by = f"slack:{origin.user_id}"
    ctx = services.actions
    if flow == "jwt":
        username, pem = (
            ViewState(view).text(BlockId.USERNAME),
            ViewState(view).text(BlockId.PRIVATE_KEY),
        )

        def run() -> StoredConnection:
            return connect_jwt(ctx, login_url, client_id, username, pem, connected_by)

    else:
        secret = ViewState(view).text(BlockId.CLIENT_SECRET)

        def run() -> StoredConnection:
            return connect_client_credentials(ctx, login_url, client_id, secret, connected_by)

    return lambda: services.run_audited(origin, "connect", run)


def to_store(conn: StoredConnection) -> dict[str, Any]:
    """What the idempotency record keeps to show the result again: no secrets."""
    return {
        "instance_url": conn.instance_url,
        "org_id": conn.org_id,
        "username": conn.username or conn.user_id,
        "scopes": list(conn.scopes),
    }


def result_view(stored: dict[str, Any]) -> View:
    return connected_view(
        instance_url=stored["instance_url"],
        org_id=stored["org_id"],
        username=stored["username"],
        scopes=stored["scopes"],
        reminder=ATTRIBUTION_REMINDER.format(username=stored["username"]),
    )


@refuses_forged_metadata
def handle_connect_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    flow = unseal(view.get("private_metadata")).get("flow")
    flow = flow if isinstance(flow, str) and flow in FLOWS else "client_credentials"
    origin = SlackOrigin.of(body)

    def on_error(exc: ActionError) -> SubmitOutcome:
        replacing = replacing_text(connection_status(services.actions, live=False))
        modal = connect_modal(
            flow, scope_review(flow), replacing=replacing, error=user_message(exc)
        )
        return SubmitOutcome(view=modal, errors=field_errors(exc, flow))

    submit(
        ack,
        client,
        view["id"],
        services,
        Submission(
            key=f"connect:{view['id']}",
            work=connect_work(services, origin, flow, view),
            on_success=lambda conn: result_view(to_store(conn)),
            on_error=on_error,
            working_view=working_view,
            closed_view=closed_view,
            replay=result_view,
            to_store=to_store,
        ),
    )


def register(app: App) -> None:
    app.view(CallbackId.CONNECT_MODAL)(handle_connect_submission)
