"""`sfbot connect ...`, `sfbot status`, `sfbot disconnect`: the service-account connection."""

from __future__ import annotations

from pathlib import Path

import click

from actions import oauth
from actions.connect import (
    ATTRIBUTION_REMINDER,
    connect_client_credentials,
    connect_jwt,
    connect_web,
    connection_status,
    disconnect,
    scope_review,
)
from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.web_flow import CallbackServer, new_state, redirect_uri
from bot.cli.common import action_context, cli_identity, handle_errors, print_json
from storage.connection_store import StoredConnection

LOGIN_URL_HELP = "https://login.salesforce.com, https://test.salesforce.com or your My Domain URL"


def _before_connect(ctx: ActionContext, flow: str, yes: bool) -> None:
    click.echo("sfbot asks Salesforce for these OAuth scopes:")
    for item in scope_review(flow):
        click.echo(f"  - {item['scope']}: {item['allows']}")
    existing = ctx.store.load()
    if existing is not None:
        click.echo(
            f"This replaces the current connection (org {existing.org_id}, user "
            f"{existing.username}, connected by {existing.connected_by})."
        )
        if not yes:
            click.confirm("Replace it?", abort=True)


def _after_connect(conn: StoredConnection) -> None:
    click.echo(f"Connected to {conn.instance_url} (org {conn.org_id}) as {conn.username}.")
    click.echo(f"Scopes Salesforce granted: {' '.join(conn.scopes) or '(none listed)'}")
    click.echo(f"API version: {conn.api_version}")
    click.echo(ATTRIBUTION_REMINDER.format(username=conn.username))


@click.group("connect")
def connect_group() -> None:
    """Connect sfbot to Salesforce through a service account (once per installation)."""


@connect_group.command("client-credentials")
@click.option("--login-url", required=True, help=LOGIN_URL_HELP)
@click.option("--client-id", required=True, help="The connected app's consumer key")
@click.option(
    "--client-secret",
    envvar="SFBOT_CLIENT_SECRET",
    prompt=True,
    hide_input=True,
    help="The consumer secret (or SFBOT_CLIENT_SECRET, or a hidden prompt)",
)
@click.option("--yes", is_flag=True, help="Replace an existing connection without asking")
@handle_errors
def client_credentials(login_url: str, client_id: str, client_secret: str, yes: bool) -> None:
    """OAuth 2.0 client credentials flow (the connected app's run-as user)."""
    ctx = action_context()
    _before_connect(ctx, "client_credentials", yes)
    conn = connect_client_credentials(ctx, login_url, client_id, client_secret, cli_identity())
    _after_connect(conn)


@connect_group.command("jwt")
@click.option("--login-url", required=True, help=LOGIN_URL_HELP)
@click.option("--client-id", required=True, help="The connected app's consumer key")
@click.option("--username", required=True, help="The integration user's username")
@click.option(
    "--private-key",
    "private_key_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM file of the RSA key whose certificate is on the connected app",
)
@click.option("--yes", is_flag=True, help="Replace an existing connection without asking")
@handle_errors
def jwt_cmd(
    login_url: str, client_id: str, username: str, private_key_file: Path, yes: bool
) -> None:
    """OAuth 2.0 JWT bearer flow (RS256 assertion signed with your private key)."""
    try:
        pem = private_key_file.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"cannot read the private key file {private_key_file}: {exc}",
            code="INVALID_PRIVATE_KEY",
            fields=["private_key"],
        ) from exc
    ctx = action_context()
    _before_connect(ctx, "jwt", yes)
    conn = connect_jwt(ctx, login_url, client_id, username, pem, cli_identity())
    _after_connect(conn)


@connect_group.command("web")
@click.option("--login-url", required=True, help=LOGIN_URL_HELP)
@click.option("--client-id", required=True, help="The connected app's consumer key")
@click.option(
    "--client-secret",
    envvar="SFBOT_CLIENT_SECRET",
    default=None,
    help="The consumer secret, if the connected app requires one (or SFBOT_CLIENT_SECRET)",
)
@click.option("--redirect-port", default=8717, show_default=True, type=click.IntRange(1, 65535))
@click.option("--timeout", default=300, show_default=True, type=click.IntRange(5, 3600))
@click.option("--yes", is_flag=True, help="Replace an existing connection without asking")
@handle_errors
def web(
    login_url: str,
    client_id: str,
    client_secret: str | None,
    redirect_port: int,
    timeout: int,
    yes: bool,
) -> None:
    """OAuth 2.0 web server flow with PKCE; stores a refresh token.

    Log in as the integration user in the browser.
    """
    login_url = oauth.normalize_login_url(login_url)
    ctx = action_context()
    _before_connect(ctx, "web", yes)
    verifier, challenge = oauth.pkce_pair()
    state = new_state()
    callback = redirect_uri(redirect_port)
    with CallbackServer(redirect_port, state) as server:
        click.echo("Open this URL in a browser and log in as the integration user:")
        click.echo(oauth.authorize_url(login_url, client_id, callback, challenge, state))
        code = server.wait(timeout)
    conn = connect_web(
        ctx, login_url, client_id, client_secret, code, verifier, callback, cli_identity()
    )
    _after_connect(conn)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts and monitors")
@click.option("--offline", is_flag=True, help="Do not check the connection with Salesforce")
@handle_errors
def status(as_json: bool, offline: bool) -> None:
    """Is sfbot connected, to which org, as whom, and how much API quota is used."""
    st = connection_status(action_context(), live=not offline)
    if as_json:
        print_json(
            st.model_dump(exclude_none=False, exclude={"detail", "flow"}) | {"detail": st.detail}
        )
        return
    mark = "connected" if st.connected else f"NOT connected ({st.reason}: {st.detail})"
    click.echo(f"Salesforce: {mark}")
    if st.instance_url:
        click.echo(f"  instance:    {st.instance_url}")
        click.echo(f"  org:         {st.org_id}")
        click.echo(f"  user:        {st.username} ({st.user_id})")
        click.echo(f"  API version: {st.api_version}")
        click.echo(f"  scopes:      {' '.join(st.scopes) or '-'}")
        if st.api_usage:
            click.echo(f"  API usage:   {st.api_usage['used']}/{st.api_usage['max']} today")
        click.echo(f"  connected by {st.connected_by} at {st.connected_at}")
    click.echo("Actions: " + ", ".join(a["name"] for a in st.actions))


@click.command("disconnect")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@handle_errors
def disconnect_cmd(yes: bool) -> None:
    """Revoke the token at Salesforce and delete the stored secrets."""
    ctx = action_context()
    conn = ctx.store.load()
    if conn is None:
        click.echo("sfbot is not connected; nothing to do.")
        return
    if not yes:
        click.confirm(f"Disconnect from org {conn.org_id} ({conn.username})?", abort=True)
    result = disconnect(ctx)
    revoked = "revoked at Salesforce" if result["revoked"] else "could not be revoked at Salesforce"
    click.echo(f"Disconnected: the token {revoked}; stored secrets deleted.")
