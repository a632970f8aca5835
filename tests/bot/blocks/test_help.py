"""`/sf help` lists only what the user may run: everything for admins (tagged), the member
commands on their allow lists for anyone else, then a line saying some are for admins."""

from __future__ import annotations

import json

from bot.blocks.help import ADMINS_NOTE, NOT_ON_LIST, help_blocks, help_text, offered_commands
from bot.listeners.commands.sf import SUBCOMMANDS
from bot.permissions import ACCESS_ACTIONS, UserAccess
from tests.fakes.slack.blockkit import validate_blocks

ENTRIES = list(SUBCOMMANDS.values())
EVERY_ACTION = frozenset(ACCESS_ACTIONS)
ADMIN_COMMANDS = ("digest", "flow", "connect", "disconnect", "settings", "access")
MEMBER_COMMANDS = ("help", "lookup", "create", "update", "delete", "convert", "status")


def names(access: UserAccess) -> list[str]:
    return [c.entry.name for c in offered_commands(ENTRIES, access)]


def rendered(access: UserAccess) -> tuple[list[dict], str]:
    blocks = [b.to_dict() for b in help_blocks(ENTRIES, access)]
    assert validate_blocks(blocks) == []
    return blocks, json.dumps(blocks)


def test_a_member_sees_the_member_commands_and_a_closing_line_about_admins():
    member = UserAccess(is_admin=False, actions=EVERY_ACTION)
    assert names(member) == list(MEMBER_COMMANDS)
    blocks, text = rendered(member)
    for name in ADMIN_COMMANDS:
        assert f"/sf {name}" not in text
    assert "(admins)" not in text
    assert blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": ADMINS_NOTE}]}


def test_a_member_not_on_a_list_does_not_see_its_command():
    member = UserAccess(is_admin=False, actions=EVERY_ACTION - {"delete_record", "lookup_record"})
    assert names(member) == ["help", "create", "update", "convert", "status"]
    _, text = rendered(member)
    assert "/sf delete" not in text and "/sf lookup" not in text
    assert "/sf delete" not in help_text(ENTRIES, member)
    assert "/sf create" in help_text(ENTRIES, member)


def test_an_admin_sees_everything_with_the_admin_commands_tagged_and_no_note():
    admin = UserAccess(is_admin=True, actions=EVERY_ACTION)
    assert names(admin) == list(SUBCOMMANDS)
    blocks, text = rendered(admin)
    assert ADMINS_NOTE not in text and NOT_ON_LIST not in text
    tagged = [b["text"]["text"] for b in blocks if "_(admins)_" in json.dumps(b)]
    assert len(tagged) == len(ADMIN_COMMANDS)
    assert all(f"/sf {name}" in text for name in ADMIN_COMMANDS)


def test_an_admin_left_off_a_list_still_sees_its_command_marked():
    admin = UserAccess(is_admin=True, actions=EVERY_ACTION - {"delete_record"})
    assert names(admin) == list(SUBCOMMANDS)
    delete = next(c for c in offered_commands(ENTRIES, admin) if c.entry.name == "delete")
    assert delete.tag == NOT_ON_LIST
    _, text = rendered(admin)
    assert f"_({NOT_ON_LIST})_" in text
