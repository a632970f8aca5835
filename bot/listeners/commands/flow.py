"""`/sf flow list | runs NAME` (admins): the flows with Enable/Disable and Last runs buttons,
and one flow's last runs with their steps. Reads only the database."""

from __future__ import annotations

from bot.blocks.flows import flow_list_message, flow_runs_message, usage_text
from bot.blocks.text import escape_mrkdwn
from bot.ids import COMMAND
from bot.listeners.commands.registry import CommandRequest, Subcommand


def handle_flow(req: CommandRequest) -> None:
    action, _, rest = req.args.partition(" ")
    action, name = action.lower(), rest.strip()
    engine = req.services.flows
    if action in ("list", ""):
        req.respond(
            response_type="ephemeral", text="Flows", blocks=flow_list_message(engine.list_flows())
        )
    elif action == "runs" and name:
        if engine.flow(name) is None:
            req.respond(
                response_type="ephemeral",
                text=f":grey_question: There is no flow *{escape_mrkdwn(name)}*. "
                f"`{COMMAND} flow list` shows them.",
            )
            return
        runs = engine.runs(name, limit=10)
        req.respond(
            response_type="ephemeral",
            text=f"Last runs of {name}",
            blocks=flow_runs_message(name, runs),
        )
    else:
        req.respond(response_type="ephemeral", text=usage_text())


SUBCOMMAND = Subcommand(
    name="flow",
    usage="flow list | runs NAME",
    summary="The action flows admins applied: enable or disable them, see their last runs.",
    handler=handle_flow,
    examples=(f"{COMMAND} flow list", f"{COMMAND} flow runs inbound-leads"),
)
