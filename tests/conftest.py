"""Shared fixtures: a real embedded broker, a throwaway PostgreSQL database, a local portal site."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
PG_ADMIN_URL = os.environ.get("NEWSINGEST_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_configure(config):
    os.environ.setdefault("NEWSINGEST_METRICS_PORT", "0")
    os.environ.setdefault("NEWSINGEST_CRAWLER_METRICS_PORT", "0")
    os.environ.setdefault("NEWSINGEST_ALLOW_LOCAL_HOSTS", "true")  # registries of the local portal simulators


@pytest.fixture(scope="session")
def broker():
    from deploy.broker import EmbeddedBroker

    with EmbeddedBroker() as running:
        yield running


def _pg_available() -> str | None:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return str(exc).splitlines()[0]


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database per test. In CI a missing server fails the test instead of skipping."""
    import sqlalchemy

    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"newsingest_t_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def process_stage(sqlite_url):
    """The process stage over a new SQLite store."""
    from consumers.adapters.near_index import NearDuplicateIndex
    from consumers.adapters.store import Store
    from consumers.stages.process import ProcessStage

    store = Store(sqlite_url)
    store.create_schema()
    yield ProcessStage(store=store, reports_topic="reports", events_topic="events",
                       near_index=NearDuplicateIndex(threshold=0.7))
    store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def demo_site():
    from deploy.demo import SiteServer, demo_site_root

    with SiteServer(demo_site_root()) as site:
        yield site
