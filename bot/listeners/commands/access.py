"""`/sf access` (admins; checked by ``bot.access_middleware``): who may use each action, as
`sfbot access`."""

from __future__ import annotations

import re

from bot.admin_settings import access_lines, set_access
from bot.ids import COMMAND
from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.listeners.commands.settings import audit, reply
from storage.settings_store import SettingError

# Slack's escaped forms, if a client sends them: <@U123|ada>, <!subteam^S123|@support>
MENTION = re.compile(r"<[@!](?:subteam\^)?([A-Z0-9]+)(?:\|[^>]*)?>")
ACCESS_USAGE = "access set <action> everyone|<user or group ids, comma separated>"


def handle_access(req: CommandRequest) -> None:
    text = MENTION.sub(r"\1", req.args)
    words = text.split(None, 2)
    store = req.services.settings_store
    if not words or words[0].lower() == "show":
        lines = "\n".join(f"• {line}" for line in access_lines(store, slack=True))
        reply(req, f"*Who may use each action*\n{lines}\nChange one: `{COMMAND} {ACCESS_USAGE}`")
        return
    if words[0].lower() != "set" or len(words) != 3:
        reply(req, f"Usage: `{COMMAND} {ACCESS_USAGE}`")
        return
    who = words[2].replace(" ", ",")
    try:
        principals = set_access(store, words[1], who, f"slack:{req.user_id}")
    except SettingError as exc:
        reply(req, f":warning: {exc}. Usage: `{COMMAND} {ACCESS_USAGE}`")
        return
    audit(req, "access_set", words[1].lower())
    shown = "everyone" if principals is None else ", ".join(principals)
    reply(req, f":white_check_mark: `{words[1].lower()}` may now be used by: {shown}.")


SUBCOMMAND = Subcommand(
    name="access",
    usage=ACCESS_USAGE,
    summary="Who may use each action (user ids and user group ids, or everyone).",
    handler=handle_access,
    examples=("/sf access", "/sf access set delete_record U012AB3CD,S0SUPPORT"),
    runs_in_background=False,
)
