"""`/sf settings` (admins; checked by ``bot.access_middleware``): the same settings as
`sfbot settings`."""

from __future__ import annotations

from bot.admin_settings import set_setting, settings_lines
from bot.ids import COMMAND
from bot.listeners.commands.registry import CommandRequest, Subcommand
from storage.audit_store import AuditEntry
from storage.settings_store import SettingError

SETTINGS_USAGE = "settings [set] unfurls off|names|cards  ·  settings [set] unfurls_external on|off"


def reply(req: CommandRequest, text: str) -> None:
    req.respond(response_type="ephemeral", text=text)


def audit(req: CommandRequest, action: str, what: str) -> None:
    origin = req.origin
    req.services.audit.record(
        AuditEntry(
            action=action,
            outcome="ok",
            slack_team_id=origin.team_id,
            slack_user_id=origin.user_id,
            channel_id=origin.channel_id,
            object=what[:32],
        )
    )


def handle_settings(req: CommandRequest) -> None:
    words = req.args.split()
    if words and words[0].lower() == "set":
        words = words[1:]
    store = req.services.settings_store
    if not words or words[0].lower() == "show":
        lines = "\n".join(f"• `{line}`" for line in settings_lines(store.get()))
        reply(req, f"*sfbot settings*\n{lines}\nChange one: `{COMMAND} {SETTINGS_USAGE}`")
        return
    if len(words) != 2:
        reply(req, f"Usage: `{COMMAND} {SETTINGS_USAGE}`")
        return
    try:
        settings = set_setting(store, words[0], words[1], f"slack:{req.user_id}")
    except SettingError as exc:
        reply(req, f":warning: {exc}. Usage: `{COMMAND} {SETTINGS_USAGE}`")
        return
    audit(req, "settings_set", words[0].lower())
    name = words[0].lower()
    reply(req, f":white_check_mark: `{name}` is now `{settings.to_dict()[name]}`.")


SUBCOMMAND = Subcommand(
    name="settings",
    usage=SETTINGS_USAGE,
    summary="How much pasted Salesforce links unfurl (off, names, cards), and whether in "
    "Slack Connect channels.",
    handler=handle_settings,
    examples=("/sf settings", "/sf settings set unfurls cards"),
    runs_in_background=False,
)
