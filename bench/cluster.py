"""N ``sfbot run --http`` replicas on one throwaway PostgreSQL behind nginx (deploy/nginx.conf),
started as tests/e2e/test_replicas_nginx.py starts them; for benches that compare one process
with several."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.flows_fixtures import wait_until
from tests.e2e.harness import SIGNING_SECRET, TEAM_ID, SfbotApp, free_port, new_app
from tests.e2e.test_replicas_nginx import _healthy, nginx_binary, nginx_config
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack, SlackDriver
from tests.postgres import PostgresServer


@dataclass
class Cluster:
    sf: SalesforceEmulator
    slack: FakeSlack
    replicas: int
    apps: list[SfbotApp] = field(default_factory=list)
    url: str = ""
    _postgres: PostgresServer | None = None
    _nginx: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """One process on SQLite when ``replicas`` is 1, else PostgreSQL and nginx in front."""
        root = Path(tempfile.mkdtemp(prefix="sfbot-cluster-"))
        if self.replicas == 1:
            app = new_app(root, self.sf, self.slack)
            app.connect()
            app.start()
            self.apps, self.url = [app], app.url
            return
        nginx = nginx_binary()
        if nginx is None:
            raise SystemExit("--replicas needs nginx (Debian: apt-get install nginx)")
        self._postgres = PostgresServer()
        db = self._postgres.start()
        for n in range(self.replicas):
            (root / f"r{n}").mkdir()
            if n == 0:
                self.apps.append(new_app(root / "r0", self.sf, self.slack, database_url=db))
                self.apps[0].connect()
            else:
                env = dict(self.apps[0].env)
                self.apps.append(SfbotApp(self.sf, self.slack, env, root / f"r{n}"))
        for app in self.apps:
            app.start()
        prefix = root / "nginx"
        prefix.mkdir()
        conf = prefix / "nginx.conf"
        listen = f"127.0.0.1:{free_port()}"
        conf.write_text(nginx_config(prefix, listen, [a.url[7:] for a in self.apps]))
        self._nginx = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off; master_process off;"],
            stdout=subprocess.DEVNULL,
            stderr=(prefix / "stderr.log").open("wb"),
        )
        self.url = f"http://{listen}"
        wait_until(lambda: _healthy(self.url), timeout=30, what="nginx")

    def driver(self) -> SlackDriver:
        return SlackDriver(
            app_url=f"{self.url}/slack/events",
            signing_secret=SIGNING_SECRET,
            fake=self.slack,
            team_id=TEAM_ID,
        )

    def stop(self) -> None:
        if self._nginx is not None:
            self._nginx.terminate()
            self._nginx.wait(timeout=30)
        for app in self.apps:
            app.stop()
        if self._postgres is not None:
            self._postgres.stop()
