"""Connecting (client credentials, JWT bearer, web server + PKCE), status and disconnecting.

The flows run once through the library (refusals, status, disconnect) and once through the
real `sfbot connect ...` subprocess (what an admin sees, and what never gets printed).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from actions import oauth
from actions.connect import (
    ATTRIBUTION_REMINDER,
    connect_client_credentials,
    connect_jwt,
    connect_web,
    connection_status,
    disconnect,
)
from actions.errors import AuthorizationFailed, InvalidInput, NotConnected
from tests.actions import authorize, rsa_key_pair, run
from tests.cli import Cli, output
from tests.e2e.harness import CC_CLIENT_ID, CC_CLIENT_SECRET, free_port, sfbot_executable

REDIRECT = "http://localhost:8717/callback"


def database_bytes(ctx) -> bytes:
    path = Path(ctx.db.engine.url.database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def test_pinned_api_version_is_used(emu, make_ctx):
    ctx = make_ctx(sf_api_version="60.0")
    conn = connect_client_credentials(ctx, emu.login_url, CC_CLIENT_ID, CC_CLIENT_SECRET, "t")
    assert conn.api_version == "60.0"
    run(ctx, "lookup_record", name="Anyone")
    assert emu.request_log[-1]["path"] == "/services/data/v60.0/search/"


@pytest.mark.parametrize(
    ("client_id", "secret", "code"),
    [
        (CC_CLIENT_ID, "wrong-secret", "invalid_client"),
        ("unknown-app", CC_CLIENT_SECRET, "invalid_client_id"),
    ],
)
def test_refused_client_credentials_store_nothing(emu, make_ctx, client_id, secret, code):
    ctx = make_ctx()
    with pytest.raises(AuthorizationFailed) as info:
        connect_client_credentials(ctx, emu.login_url, client_id, secret, "t")
    assert info.value.code == code and info.value.exit_code == 1
    assert secret not in info.value.message
    assert ctx.store.load() is None


@pytest.mark.parametrize(
    "login_url", ["http://login.example.com", "https://login.example.com/services", "login.x.com"]
)
def test_login_url_must_be_a_bare_https_url(emu, make_ctx, login_url):
    with pytest.raises(InvalidInput) as info:
        connect_client_credentials(make_ctx(), login_url, CC_CLIENT_ID, CC_CLIENT_SECRET, "t")
    assert info.value.code == "INVALID_LOGIN_URL" and info.value.fields == ["login_url"]
    assert emu.request_log == []


def test_jwt_with_the_wrong_key_or_user_is_refused(emu, make_ctx):
    _, public = rsa_key_pair()
    other_private, _ = rsa_key_pair()
    emu.add_connected_app("jwt-app", public_key_pem=public)
    emu.experience_sites.add(emu.login_url)
    ctx = make_ctx()
    with pytest.raises(AuthorizationFailed) as info:
        connect_jwt(ctx, emu.login_url, "jwt-app", emu.username, other_private, "t")
    assert info.value.code == "invalid_grant"
    with pytest.raises(AuthorizationFailed):
        connect_jwt(ctx, emu.login_url, "jwt-app", "nobody@example.com", other_private, "t")
    assert ctx.store.load() is None


def test_jwt_needs_an_unencrypted_rsa_key(emu, make_ctx):
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for pem in ("not a key", ec_key.decode()):
        with pytest.raises(InvalidInput) as info:
            connect_jwt(make_ctx(), emu.login_url, "jwt-app", emu.username, pem, "t")
        assert info.value.code == "INVALID_PRIVATE_KEY"
    assert emu.token_requests == 0


def test_web_server_flow_refusals(emu, make_ctx):
    emu.add_connected_app("web-app", "web-secret", redirect_uris=(REDIRECT,))
    emu.add_connected_app("no-refresh", redirect_uris=(REDIRECT,), scopes=("api", "id"))
    ctx = make_ctx()
    _verifier, challenge = oauth.pkce_pair()
    code = authorize(emu, oauth.authorize_url(emu.login_url, "web-app", REDIRECT, challenge, "s"))
    with pytest.raises(AuthorizationFailed) as info:
        connect_web(
            ctx,
            emu.login_url,
            "web-app",
            "web-secret",
            code["code"],
            "wrong-verifier",
            REDIRECT,
            "t",
        )
    assert info.value.code == "invalid_grant"
    url = oauth.authorize_url(emu.login_url, "no-refresh", REDIRECT, challenge, "s")
    assert authorize(emu, url)["error"] == "invalid_scope"
    assert ctx.store.load() is None


def test_status_of_a_live_connection(ctx, emu):
    status = connection_status(ctx)
    assert status.connected and status.reason is None
    assert (status.org_id, status.user_id, status.username) == (
        emu.org_id,
        emu.user_id,
        emu.username,
    )
    assert status.api_usage == {"used": emu.api_usage[0], "max": 100_000}
    assert [a["name"] for a in status.actions] == [
        "create_record",
        "update_record",
        "delete_record",
        "lookup_record",
        "convert_lead",
        "find_duplicates",
        "merge_records",
    ]
    assert emu.api_calls == 1  # one call to /limits


@pytest.mark.parametrize("flow", ["client_credentials", "web"])
def test_disconnect_revokes_and_deletes_the_secrets(ctx, emu, flow):
    if flow == "web":
        emu.add_connected_app("web-app", "web-secret", redirect_uris=(REDIRECT,))
        verifier, challenge = oauth.pkce_pair()
        url = oauth.authorize_url(emu.login_url, "web-app", REDIRECT, challenge, "s")
        code = authorize(emu, url)["code"]
        connect_web(ctx, emu.login_url, "web-app", "web-secret", code, verifier, REDIRECT, "t")
    conn = ctx.store.load()
    assert emu.oauth.lookup(conn.access_token) is not None
    assert disconnect(ctx) == {"was_connected": True, "revoked": True}
    assert emu.oauth.lookup(conn.access_token) is None
    if conn.refresh_token:
        assert emu.oauth.refresh[conn.refresh_token].revoked
    assert ctx.store.load() is None
    assert conn.access_token.encode() not in database_bytes(ctx)
    with pytest.raises(NotConnected):
        run(ctx, "lookup_record", name="Anyone")
    assert disconnect(ctx) == {"was_connected": False, "revoked": False}


# -- through the CLI ---------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, emu) -> Cli:
    return Cli(tmp_path, emu)


def test_connect_client_credentials_never_shows_or_stores_the_secret_in_clear(cli, emu):
    result = cli.connect()
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.index("sfbot asks Salesforce for these OAuth scopes:") < out.index("  - api: ")
    assert out.index("  - id: ") < out.index("Scopes Salesforce granted: api")
    assert f"as {emu.username}" in out and "API version: 62.0" in out
    assert ATTRIBUTION_REMINDER.format(username=emu.username) in out
    assert CC_CLIENT_SECRET not in out + result.stderr
    stored = cli.stored()
    assert stored.client_secret == CC_CLIENT_SECRET and stored.flow == "client_credentials"
    on_disk = cli.db_bytes()
    assert CC_CLIENT_SECRET.encode() not in on_disk
    assert stored.access_token.encode() not in on_disk
    status = cli("status", "--json")
    assert CC_CLIENT_SECRET not in status.stdout and stored.access_token not in status.stdout


def test_replacing_a_connection_needs_yes(cli, emu):
    assert cli.connect().returncode == 0
    connected, before = cli, cli.stored()
    emu.reset_counters()
    refused = connected.connect()
    assert refused.returncode != 0
    assert "This replaces the current connection" in refused.stdout
    assert emu.token_requests == 0
    assert connected.stored().access_token == before.access_token
    replaced = connected.connect("--yes")
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert connected.stored().access_token != before.access_token


def test_connect_jwt_and_a_wrong_key(cli, emu, tmp_path):
    private, public = rsa_key_pair()
    emu.add_connected_app("jwt-app", public_key_pem=public)
    emu.experience_sites.add(emu.login_url)  # the aud sfbot sends for a host it does not know
    key_file, wrong_file = tmp_path / "key.pem", tmp_path / "wrong.pem"
    key_file.write_text(private)
    wrong_file.write_text(rsa_key_pair()[0])
    args = ("connect", "jwt", "--login-url", emu.login_url, "--client-id", "jwt-app")
    args += ("--username", emu.username, "--private-key")
    wrong = cli(*args, str(wrong_file))
    assert wrong.returncode == 1
    assert output(wrong)["error"]["code"] == "invalid_grant"
    assert cli.stored() is None
    ok = cli(*args, str(key_file))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Scopes Salesforce granted: api id" in ok.stdout
    assert cli.stored().flow == "jwt" and "PRIVATE KEY" not in ok.stdout + ok.stderr


def start_web_connect(cli, emu) -> tuple[subprocess.Popen[str], str]:
    """Start `sfbot connect web`; return the process and the authorize URL it printed."""
    port = free_port()
    emu.add_connected_app(
        "web-app", "web-secret", redirect_uris=(f"http://localhost:{port}/callback",)
    )
    args = ["connect", "web", "--login-url", emu.login_url, "--client-id", "web-app"]
    args += ["--client-secret", "web-secret"]
    proc = subprocess.Popen(
        [sfbot_executable(), *args, "--redirect-port", str(port), "--timeout", "30"],
        env=cli.env,
        cwd=str(cli.workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(f"{emu.login_url}/services/oauth2/authorize?"):
            return proc, line.strip()
    raise AssertionError(f"no authorize URL: {proc.communicate()}")


def browser(emu, url: str, tamper: bool = False) -> requests.Response:
    """The admin's browser: log in at Salesforce, follow the redirect to the local callback."""
    redirect = requests.get(url, verify=emu.ca_bundle, allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["Location"])
    query = dict(parse_qsl(location.query))
    if tamper:
        query["state"] = "forged-" + query["state"]
    callback = location._replace(query=urlencode(query)).geturl()
    return requests.get(callback, timeout=10)


def test_connect_web_with_pkce(cli, emu):
    proc, url = start_web_connect(cli, emu)
    assert "code_challenge_method=S256" in url
    assert browser(emu, url).status_code == 200
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stdout + stderr
    assert "Scopes Salesforce granted:" in stdout and "refresh_token" in stdout
    assert ATTRIBUTION_REMINDER.format(username=emu.username) in stdout
    stored = cli.stored()
    assert stored.flow == "web" and stored.refresh_token
    assert stored.refresh_token not in stdout + stderr
    assert emu.token_requests_by_grant == {"authorization_code": 1}


def test_connect_web_refuses_a_wrong_state(cli, emu):
    proc, url = start_web_connect(cli, emu)
    assert browser(emu, url, tamper=True).status_code == 400
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert json.loads(stdout[stdout.index("{") :])["error"]["code"] == "CALLBACK_FAILED"
    assert cli.stored() is None and emu.token_requests == 0


def test_revoking_a_token_salesforce_no_longer_knows_counts_as_revoked(ctx, emu):
    # Salesforce answers 400 unsupported_token_type for a token it does not know (or that
    # was revoked already): for `sfbot disconnect` the token is gone either way.
    assert oauth.revoke(ctx.connection.http, emu.login_url, "00Dunknown!token") is True
    conn = ctx.store.load()
    assert oauth.revoke(ctx.connection.http, emu.login_url, conn.access_token) is True
    assert oauth.revoke(ctx.connection.http, emu.login_url, conn.access_token) is True
    answers = [r for r in emu.request_log if r["path"].endswith("/revoke")]
    assert len(answers) == 3
