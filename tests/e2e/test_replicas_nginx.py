"""Three `sfbot run --http` replicas on one PostgreSQL database behind nginx (Debian's package,
run with deploy/nginx.conf): commands, a digest, a flow and modal submissions go through nginx;
one replica is killed (SIGKILL) in the middle of a submission. No write is lost or doubled, the
user is told the outcome is unknown, and the other replicas carry on (issue 13)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.e2e.flows_fixtures import EXAMPLES, apply_files, wait_until
from tests.e2e.harness import (
    ADMIN,
    AGENT,
    SIGNING_SECRET,
    TEAM_ID,
    SfbotApp,
    free_port,
    new_app,
    start_emulator,
    start_fake_slack,
)
from tests.e2e.test_commands import command
from tests.e2e.test_create_update import NAME, create_values, ids_of, open_create, unique
from tests.e2e.test_digest_admin import add, click_row, reply_to, show_list, values
from tests.fakes.slack import SlackDriver

pytestmark = pytest.mark.postgres
REPO = Path(__file__).resolve().parents[2]
INBOUND = "C0INBOUND1"
ABANDONED_SECONDS = 6  # a claim pending this long belongs to a dead process


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


def nginx_config(prefix: Path, listen: str, upstreams: list[str]) -> str:
    """deploy/nginx.conf with its three placeholders filled in."""
    servers = "\n        ".join(f"server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    text = (REPO / "deploy" / "nginx.conf").read_text()
    return (
        text.replace("@PREFIX@", str(prefix))
        .replace("@LISTEN@", listen)
        .replace("@SERVERS@", servers)
    )


@dataclass
class Cluster:
    sf: object
    slack: object
    replicas: list[SfbotApp]
    url: str

    def driver(self) -> SlackDriver:
        return SlackDriver(
            app_url=f"{self.url}/slack/events",
            signing_secret=SIGNING_SECRET,
            fake=self.slack,
            team_id=TEAM_ID,
        )

    def acks(self, kind: str) -> list[int]:
        return [r.log().count(f"acked {kind}") for r in self.replicas]


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str) -> Iterator[Cluster]:
    nginx = nginx_binary()
    if nginx is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed: .ci/run installs Debian's package")
        pytest.skip("nginx is not installed (.ci/run installs Debian's package)")
    sf, slack = start_emulator(), start_fake_slack()
    slack.add_channel(INBOUND, "inbound")
    replicas: list[SfbotApp] = []
    for n in range(3):
        (tmp_path / f"r{n}").mkdir()
        if n == 0:
            first = new_app(tmp_path / "r0", sf, slack, database_url=postgres_url)
            first.env["SFBOT_ADMINS"] = ADMIN
            first.env["SFBOT_ABANDONED_SUBMISSION_SECONDS"] = str(ABANDONED_SECONDS)
            replicas.append(first)
        else:
            replicas.append(
                SfbotApp(sf=sf, slack=slack, env=dict(first.env), workdir=tmp_path / f"r{n}")
            )
    first.connect()
    apply_files(first, EXAMPLES / "inbound-leads.yml")
    for replica in replicas:
        replica.start()
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(prefix, f"127.0.0.1:{port}", [r.url[7:] for r in replicas]))
    proc = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off; master_process off;"],
        stdout=subprocess.DEVNULL,
        stderr=(prefix / "stderr.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _healthy(url), timeout=30, what="nginx")
    slack.subscribe_events(f"{url}/slack/events", SIGNING_SECRET)
    try:
        yield Cluster(sf, slack, replicas, url)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        for replica in replicas:
            replica.stop()
        sf.stop()
        slack.stop()


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_replicas_behind_nginx_share_the_work_and_survive_a_kill(cluster: Cluster):
    sf, slack, driver = cluster.sf, cluster.slack, cluster.driver()
    # Commands: nginx spreads them; every reply arrives.
    sf.insert("Lead", {"LastName": "Nginx", "Company": "Spread", "Email": "lb.e2e@example.com"})
    for _ in range(6):
        _, body = command(driver, slack, "lookup lb.e2e@example.com")
        assert "Nginx" in json.dumps(body)
    assert all(n >= 1 for n in cluster.acks("slash_command")), cluster.acks("slash_command")
    # Not public through nginx: per-replica endpoints.
    assert requests.get(f"{cluster.url}/metrics", timeout=10).status_code == 404

    # A digest, added and run from Slack through nginx: one preview, sent once.
    digest_id = add(
        driver, slack, cluster.replicas[0], values("Via nginx", "open_cases"), "open_cases"
    )
    _body, message = show_list(driver, slack)
    after = len(slack.calls)
    reply = reply_to(slack, click_row(driver, slack, "sf_digest_run_now", digest_id, message))
    assert "Sent you a preview" in reply["text"]
    previews = [c for c in slack.calls_to("chat.postMessage")[-5:] if slack.calls.index(c) >= after]
    assert len(previews) == 1

    # A flow started by a message (Slack's Events API through nginx): the lead, once.
    slack.user_posts(INBOUND, AGENT, "flow.lb@acme.test")
    wait_until(lambda: [r for r in sf.records("Lead") if r.get("Email") == "flow.lb@acme.test"])

    # A modal submission whose replica is killed while Salesforce holds the write.
    view = open_create(driver, slack, "create account")
    accounts, acks = ids_of(sf, "Account"), cluster.acks("view_submission")
    name = unique("Killed Ltd ")
    sf.hang_next("sobjects/Account", 4.0)
    r = driver.view_submission(view, create_values("account", **{NAME: name}), user_id=AGENT)
    assert r.ack_in_time and "Creating" in json.dumps(r.json()["view"])
    holder = next(
        rep
        for rep, before, now in zip(
            cluster.replicas, acks, cluster.acks("view_submission"), strict=True
        )
        if now > before
    )
    assert holder.process is not None
    holder.process.kill()  # SIGKILL: no clean stop
    holder.process.wait(timeout=30)
    # Salesforce got the write once; another replica tells the user the outcome is unknown.
    told = slack.wait_for(
        "views.update",
        lambda c: (
            c["args"].get("view_id") == view["id"]
            and "The outcome is unknown" in json.dumps(c["args"]["view"])
        ),
        timeout=90,
    )
    assert not told["args"]["view"].get("submit")
    wait_until(lambda: [a for a in sf.records("Account") if a.get("Name") == name])
    # The same submission again (Slack's retry, a second click) reaches a live replica: shown
    # as unknown, never sent again.
    again = driver._interactive(r.payload)
    assert again.status_code == 200 and "The outcome is unknown" in again.text
    assert [a.get("Name") for a in sf.records("Account")].count(name) == 1

    # The others carry on: a new submission and commands through nginx.
    view = open_create(driver, slack, "create account")
    after_name = unique("After Ltd ")
    r = driver.view_submission(view, create_values("account", **{NAME: after_name}), user_id=AGENT)
    assert r.ack_in_time
    wait_until(lambda: [a for a in sf.records("Account") if a.get("Name") == after_name])
    for _ in range(4):
        _, body = command(driver, slack, "lookup lb.e2e@example.com")
        assert "Nginx" in json.dumps(body)
    assert len(ids_of(sf, "Account") - accounts) == 2
