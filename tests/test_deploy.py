"""deploy/: the files run the commands the tested setup runs (no docker daemon here), and the
nginx config is valid nginx once its placeholders are filled (as the compose file fills them)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.test_replicas_nginx import nginx_binary, nginx_config

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_dockerfile_upgrades_then_runs_http_as_a_non_root_user():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert re.search(r"^USER sfbot$", text, re.M)
    assert 'CMD ["sh", "-c", "sfbot db upgrade && exec sfbot run --http"]' in text


def test_compose_has_postgres_two_replicas_and_nginx():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "sfbot1", "sfbot2", "nginx"}
    for name in ("sfbot1", "sfbot2"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    command = " ".join(services["nginx"]["command"])
    assert "server sfbot1:3000" in command and "server sfbot2:3000" in command


def test_nginx_config_is_valid(tmp_path):
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed")
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(tmp_path, "127.0.0.1:8080", ["127.0.0.1:3000", "127.0.0.1:3001"]))
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-g", "master_process off;"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
