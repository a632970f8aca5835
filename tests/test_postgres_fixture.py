"""The SQLite/PostgreSQL fixtures themselves: both backends work, databases are fresh."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    inspect,
    select,
)

from tests.plugins import postgres_fixtures
from tests.postgres import PostgresNotAvailable

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
)


def test_roundtrip_on_each_backend(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert inspect(engine).get_table_names() == []  # a fresh database per test
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(items), [{"name": "alpha"}, {"name": "beta"}])
        with engine.connect() as conn:
            names = conn.execute(select(items.c.name).order_by(items.c.id)).scalars().all()
        assert names == ["alpha", "beta"]
        expected = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        assert engine.dialect.name == expected
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_concurrent_connections_see_committed_rows(postgres_url: str) -> None:
    writer_engine = create_engine(postgres_url)
    reader_engine = create_engine(postgres_url)
    try:
        metadata.create_all(writer_engine)
        with writer_engine.connect() as writer, reader_engine.connect() as reader:
            writer.execute(insert(items).values(name="pending"))
            # Uncommitted: invisible to the other connection (no dirty reads).
            assert reader.execute(select(items.c.name)).scalars().all() == []
            reader.rollback()
            writer.commit()
            assert reader.execute(select(items.c.name)).scalars().all() == ["pending"]
            reader.rollback()

            reader.execute(insert(items).values(name="from-reader"))
            reader.commit()
            names = writer.execute(select(items.c.name).order_by(items.c.id)).scalars().all()
            assert names == ["pending", "from-reader"]
            # Two distinct server sessions, not one shared connection.
            writer_pid = writer.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            reader_pid = reader.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            assert writer_pid != reader_pid
    finally:
        writer_engine.dispose()
        reader_engine.dispose()


@pytest.mark.parametrize(
    ("env", "outcome"),
    [
        ({}, pytest.skip.Exception),
        ({"CI": "true"}, pytest.fail.Exception),
        ({"CI": "false"}, pytest.skip.Exception),
        ({"SFBOT_REQUIRE_POSTGRES": "1"}, pytest.fail.Exception),
    ],
)
def test_missing_postgres_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], outcome: type[BaseException]
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("SFBOT_REQUIRE_POSTGRES", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(outcome):
        postgres_fixtures.handle_missing_postgres(PostgresNotAvailable("no initdb"))
