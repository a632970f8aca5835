"""Every listener module sfbot registers, by kind. To add a listener, add its module here.

The `/sf` subcommands are listed in ``bot.listeners.commands.sf.SUBCOMMANDS``.
"""

from __future__ import annotations

from types import ModuleType

from slack_bolt import App

from bot.listeners.block_actions import (
    card_buttons,
    connection,
    duplicates,
    flow_admin,
    flow_ask,
    suggestions,
)
from bot.listeners.block_actions import digest as digest_actions
from bot.listeners.block_actions import record_modal as record_modal_actions
from bot.listeners.commands import sf
from bot.listeners.events import app_home, flow_triggers, link_shared
from bot.listeners.shortcuts import add_to_record as add_to_record_shortcut
from bot.listeners.shortcuts import create_record as create_record_shortcut
from bot.listeners.shortcuts import run_flow as run_flow_shortcut
from bot.listeners.views import add_to_record, connect, convert, merge, record_modal, record_update
from bot.listeners.views import digest as digest_views
from bot.listeners.views import run_flow as run_flow_views

COMMANDS: tuple[ModuleType, ...] = (sf,)
VIEWS: tuple[ModuleType, ...] = (
    add_to_record,
    connect,
    convert,
    digest_views,
    merge,
    record_modal,
    record_update,
    run_flow_views,
)
BLOCK_ACTIONS: tuple[ModuleType, ...] = (
    card_buttons,
    connection,
    digest_actions,
    duplicates,
    flow_admin,
    flow_ask,
    record_modal_actions,
    suggestions,
)
SHORTCUTS: tuple[ModuleType, ...] = (
    add_to_record_shortcut,
    create_record_shortcut,
    run_flow_shortcut,
)
EVENTS: tuple[ModuleType, ...] = (app_home, flow_triggers, link_shared)


def register_all(app: App) -> None:
    for module in (*COMMANDS, *VIEWS, *BLOCK_ACTIONS, *SHORTCUTS, *EVENTS):
        module.register(app)
