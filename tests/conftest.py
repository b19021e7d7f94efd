"""Every CLI test gets its own database through OUTREACH_DB and an 80-column terminal. Every fixture the tests share
is registered here (none is imported by name); the helpers they share are in tests/support/helpers.py."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import UTC

import pytest

from tests.support.delivery_helpers import Certificates, SmtpServer
from tests.support.helpers import EMAILS, SENDER, START, Cli

# The holiday calendars' cache (services/placement.py) goes to a directory of this run's own, never the user's
# ~/.cache; the processes the tests start inherit it.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="outreach-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_DB", str(tmp_path / "outreach.db"))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def real_time(monkeypatch):
    """The real time of the commands a test runs in-process, chosen by the test: `real_time("2026-12-01T12:00")`.
    SystemClock reads `clock.wall_now`, the one place the wall clock is read, so a test never depends on today's
    date (the suite passes under faketime on any day)."""
    from datetime import datetime

    def set_to(text: str):
        at = datetime.fromisoformat(text).replace(tzinfo=UTC)
        monkeypatch.setattr("outreach_cli.clock.wall_now", lambda: at)
        # on PostgreSQL the real time is the server's (P4); the test's choice stands for it
        monkeypatch.setattr("outreach_cli.clock.SystemClock.follow", lambda self, server_now: None)
        return at

    return set_to


# P2: the same rule tests run on both engines. These modules' tests that use `cli` run twice, on SQLite and on
# a database of a real throw-away PostgreSQL cluster (tests/support/postgres.py); the others run on SQLite only.
BOTH_ENGINES = {
    "test_credits",
    "test_scheduling",
    "test_followups",
    "test_tick",
    "test_races",
    "test_concurrency",
    "test_delivery_crash",
    "test_postgres",
    "test_grant_and_pool",
    "test_candidates",
    "test_responses",
    "test_stats_by",
    "test_folders",
    "test_agenda",
    "test_templates",
    "test_delivery_tick",
    "test_bulk",
    "test_transports",
    "test_reclassify",
}


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_ENGINES:
        # a test that reaches into the SQLite file itself says so with @pytest.mark.sqlite_only
        only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("engine", ["sqlite"] if only else ["sqlite", "postgres"], indirect=True)


_CLUSTER = {}


def pytest_report_header(config):
    from tests.support.postgres import BIN, why_unavailable

    reason = why_unavailable()
    return reason if reason else f"PostgreSQL tests: a throw-away cluster from {BIN}"


@pytest.fixture(scope="session")
def pg_cluster():
    """The session's PostgreSQL cluster (skipped, with the one-line reason, where it cannot run)."""
    from tests.support.postgres import Cluster, why_unavailable

    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    if "cluster" not in _CLUSTER:
        _CLUSTER["cluster"] = Cluster().start()
    yield _CLUSTER["cluster"]


def pytest_sessionfinish(session, exitstatus):
    cluster = _CLUSTER.pop("cluster", None)
    if cluster is not None:
        cluster.stop()


@pytest.fixture
def engine(request, tmp_path, monkeypatch):
    """Where this test's database lives: a SQLite file (the default), or a fresh PostgreSQL database."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        return tmp_path / "outreach.db"
    uri = request.getfixturevalue("pg_cluster").fresh_uri()
    monkeypatch.setenv("OUTREACH_DB", uri)
    return uri


@pytest.fixture
def cli(engine):
    return Cli(engine)


def build_world(cli):
    """A recruiter seat in London on a simulated clock, three candidates in three situations:
    New York (north, DST), Sydney (south, DST), and one with no zone."""
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", START)
    cli(
        "candidates",
        "add",
        "grace",
        "--first-name",
        "Grace",
        "--last-name",
        "Hopper",
        "--company",
        "Navy",
        "--title",
        "Admiral",
        "--tz",
        "America/New_York",
    )
    cli("candidates", "add", "alan", "--first-name", "Alan", "--last-name", "Turing", "--tz", "Australia/Sydney")
    cli("candidates", "add", "kat", "--first-name", "Katherine", "--last-name", "Johnson")


def _built_once(target):
    """`build_world` run once into `target` (a path or a URI), in the environment every test starts with."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTREACH_DB", str(target))
        patch.setenv("COLUMNS", "80")
        patch.setenv("TZ", "UTC")
        build_world(Cli(target))
    return target


@pytest.fixture(scope="session")
def _world_file(tmp_path_factory):
    """The SQLite `world`, built once per session; each test gets a copy of it."""
    return _built_once(tmp_path_factory.mktemp("world") / "outreach.db")


@pytest.fixture(scope="session")
def _world_template(pg_cluster):
    """The PostgreSQL `world`, built once per session into a database that the tests' databases are made from
    (CREATE DATABASE ... TEMPLATE)."""
    from tests.support.postgres import database_of

    return database_of(_built_once(pg_cluster.fresh_uri()))


def copy_sqlite(source, target) -> None:
    """A copy of a SQLite database made with SQLite's backup API, private (0600) and in WAL mode as `init` leaves
    a database."""
    import sqlite3

    assert not os.path.exists(target), f"{target} exists already"
    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
        assert dst.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    finally:
        dst.close()
        src.close()


@pytest.fixture
def world(request, cli):
    """`build_world`'s database (above), copied for this test from the one the session built (SQLite's backup API;
    on PostgreSQL a database made from the session's template): the same rows, ids and file as if built here."""
    if isinstance(cli.db_path, str):
        request.getfixturevalue("pg_cluster").recreate(cli.db_path, template=request.getfixturevalue("_world_template"))
    else:
        copy_sqlite(request.getfixturevalue("_world_file"), cli.db_path)
    return cli


@pytest.fixture
def people(world):
    """The world's three candidates with the addresses the mail fixtures of tests/support/mail write to."""
    for handle, email in EMAILS.items():
        world("candidates", "set", handle, "--email", email)
    return world


@pytest.fixture
def ada(world):
    """The world with a sender address for ada and an address for each candidate."""
    world("seats", "set", "ada", "--from", SENDER)
    for handle in ("grace", "alan", "kat"):
        world("candidates", "set", handle, "--email", f"{handle}@example.org")
    return world


@pytest.fixture
def certificates(tmp_path_factory):
    return Certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def smtp_server(tmp_path_factory, certificates):
    """A factory: `smtp_server(tls="starttls", answer="451", user="ada", password="pw")`; every server
    it starts is stopped at the end of the test."""
    started = []

    def start(**options) -> SmtpServer:
        server = SmtpServer(tmp_path_factory.mktemp("smtp"), certificates, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
