"""The `sfbot` command line."""

from __future__ import annotations

import click

from bot.cli.action_cmds import list_actions, run_action_cmd
from bot.cli.audit_cmd import audit_cmd
from bot.cli.connect_cmds import connect_group, disconnect_cmd, status
from bot.cli.db_cmds import db_group, rotate_key
from bot.cli.digest_cmd import digest_group
from bot.cli.flow_cmd import flow_group
from bot.cli.manifest_cmd import manifest_cmd
from bot.cli.run_cmd import run
from bot.cli.settings_cmds import access_group, settings_group
from bot.logs import configure_logging


@click.group()
@click.version_option(package_name="sfbot")
def cli() -> None:
    """sfbot: Salesforce actions for agents, inside Slack."""
    configure_logging()


for command in (
    connect_group,
    status,
    disconnect_cmd,
    list_actions,
    run_action_cmd,
    audit_cmd,
    digest_group,
    flow_group,
    settings_group,
    access_group,
    manifest_cmd,
    db_group,
    rotate_key,
    run,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="sfbot")
