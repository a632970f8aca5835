"""Pytest fixtures for running storage tests on SQLite and on a real PostgreSQL server.

Enable with ``pytest_plugins = ["tests.plugins.postgres_fixtures"]`` in tests/conftest.py.

Fixtures:

``postgres_server`` (session)
    A started `tests.postgres.PostgresServer`, created lazily on first use and stopped
    (and its temp dir removed) at the end of the session.
``postgres_url`` (function)
    URL of a fresh, empty database on that server; dropped after the test.
``database_url`` (function, parametrized ``sqlite`` / ``postgresql``)
    ``sqlite:///<tmp_path>/sfbot.db`` or a `postgres_url`; the ``postgresql`` case
    carries the ``postgres`` marker, so ``-m "not postgres"`` runs SQLite only.

When no PostgreSQL binaries are installed, tests needing the server are skipped with the
reason, except when ``CI`` is set (or ``SFBOT_REQUIRE_POSTGRES=1``): then they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.postgres import PostgresNotAvailable, PostgresServer

_FALSY = {"", "0", "false", "no", "off"}


def postgres_required() -> bool:
    """Whether a missing PostgreSQL must fail the run instead of skipping tests."""
    return any(
        os.environ.get(var, "").strip().lower() not in _FALSY
        for var in ("CI", "SFBOT_REQUIRE_POSTGRES")
    )


def handle_missing_postgres(exc: PostgresNotAvailable) -> None:
    """Skip the current test (local run) or fail it (CI) because PostgreSQL is missing."""
    if postgres_required():
        pytest.fail(f"PostgreSQL is required when CI is set: {exc}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {exc}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # Started lazily: a run that only touches SQLite never starts PostgreSQL. pytest
    # caches a session fixture's skip/failure, so a missing server is reported on every
    # test that needs it.
    server = PostgresServer()
    missing: PostgresNotAvailable | None = None
    try:
        server.start()
    except PostgresNotAvailable as exc:
        missing = exc
    if missing is not None:
        handle_missing_postgres(missing)  # outside `except`: no chained traceback
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.create_database()
    try:
        yield url
    finally:
        # WITH (FORCE): connections a test forgot to close do not block the drop.
        postgres_server.drop_database(str(make_url(url).database))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sfbot.db'}"
    return str(request.getfixturevalue("postgres_url"))
