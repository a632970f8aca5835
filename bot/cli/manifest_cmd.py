"""`sfbot manifest`: manifest.yml for the connected org, with its unfurl domains."""

from __future__ import annotations

import click
import yaml

from actions.errors import NotConnected
from bot.cli.common import action_context, fail, handle_errors
from bot.manifest import render, template_path, with_unfurls
from bot.unfurls.links import org_hosts


@click.command("manifest")
@click.option("--template", help="The manifest to start from (default: ./manifest.yml)")
@click.option(
    "--domain",
    "domains",
    multiple=True,
    help="An unfurl domain (repeatable); default: the connected org's hosts",
)
@handle_errors
def manifest_cmd(template: str | None, domains: tuple[str, ...]) -> None:
    """Print the Slack app manifest with the connected org's unfurl domains filled in."""
    path = template_path(template)
    if path is None:
        fail("NO_MANIFEST", "manifest.yml not found; give --template PATH", 2, ["template"])
        return
    try:
        base = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        fail("BAD_MANIFEST", f"{path} is not valid YAML: {exc}", 2, ["template"])
        return
    hosts = [d.strip().lower() for d in domains if d.strip()]
    note = "the given domains"
    if not hosts:
        try:
            conn = action_context().connection.current()
        except NotConnected:
            fail(
                "NOT_CONNECTED",
                "sfbot is not connected to Salesforce: connect first (`sfbot connect`), "
                "or give the domains with --domain",
                2,
                ["domain"],
            )
            return
        hosts, note = org_hosts(conn.instance_url), f"org {conn.org_id}"
    click.echo(render(with_unfurls(base, hosts), note), nl=False)
