"""`/sf connect` (admins): open the connect modal at once, from stored state only."""

from __future__ import annotations

from actions.connect import ConnectionStatus, connection_status, scope_review
from bot.blocks.connect_modal import DEFAULT_FLOW, connect_modal
from bot.listeners.commands.registry import CommandRequest, Subcommand


def replacing_text(status: ConnectionStatus) -> str | None:
    """How to name the stored connection that connecting would replace."""
    if not status.org_id:
        return None
    return f"org {status.org_id} as {status.username or status.user_id}"


def handle_connect(req: CommandRequest) -> None:
    status = connection_status(req.services.actions, live=False)
    req.client.views_open(
        trigger_id=req.trigger_id,
        view=connect_modal(
            DEFAULT_FLOW, scope_review(DEFAULT_FLOW), replacing=replacing_text(status)
        ),
    )


SUBCOMMAND = Subcommand(
    name="connect",
    usage="connect",
    summary="Connect sfbot to Salesforce through a service account "
    "(client credentials or JWT bearer).",
    handler=handle_connect,
    examples=("/sf connect",),
    runs_in_background=False,  # the trigger_id lives 3 s: open the modal at once
)
