"""A team on one database (P1-P5): PostgreSQL URIs, its migrations and refusals, several processes on one
contract pool, server time, and `db copy` both ways. The cluster is real and throw-away (tests/support/postgres.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.helpers import Cli, compose


@pytest.fixture
def pg(pg_cluster, monkeypatch):
    """A fresh, empty PostgreSQL database, named by $OUTREACH_DB."""
    uri = pg_cluster.fresh_uri()
    monkeypatch.setenv("OUTREACH_DB", uri)
    return Cli(uri)


def _outreach(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "outreach_cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=120,
    )


@pytest.mark.parametrize(
    "uri",
    [
        "postgresql://ada:secret@localhost/team",
        "postgres://ada:@db.example/team",
        "postgresql://ada@localhost/team?password=secret",
    ],
)
def test_P1_a_uri_with_a_password_is_refused_pointing_to_pgpass(cli, uri, monkeypatch):
    message = cli.refused("--db", uri, "credits", code="invalid_input")
    assert ".pgpass" in message and "PGPASSFILE" in message and "secret" not in message
    monkeypatch.setenv("OUTREACH_DB", uri)
    assert ".pgpass" in cli.refused("init", "--seat", "ada", code="invalid_input")


def test_P1_sqlite_never_imports_psycopg(tmp_path):
    """SQLite needs nothing more installed: an idle tick on a file does not load psycopg."""
    db = tmp_path / "solo.db"
    assert _outreach("--db", db, "init", "--seat", "ada", "--tz", "UTC").returncode == 0
    probe = textwrap.dedent(f"""
        import sys
        from outreach_cli.cli import app
        try:
            app(["--db", {str(db)!r}, "tick", "--quiet"], prog_name="outreach")
        except SystemExit:
            pass
        print(sorted(m for m in sys.modules if m.startswith("psycopg")))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


def test_P1_libpq_variables_name_the_server(pg_cluster, monkeypatch):
    """`postgresql:///NAME` takes the host, port and user from PGHOST, PGPORT and PGUSER (libpq's own)."""
    uri = pg_cluster.fresh_uri()
    name = uri.split("/")[3].split("?")[0]
    monkeypatch.setenv("PGHOST", str(pg_cluster.dir))
    monkeypatch.setenv("PGPORT", str(pg_cluster.port))
    monkeypatch.setenv("PGUSER", "postgres")
    short = f"postgresql:///{name}"
    monkeypatch.setenv("OUTREACH_DB", short)
    cli = Cli(short)
    assert cli.json("init", "--seat", "ada", "--tz", "UTC", "--credits", "7")["db"] == short
    assert cli.json("credits")["seat"]["balance"] == 7
    assert Cli(uri).json("--db", uri, "credits")["seat"]["balance"] == 7  # the same database by its full URI


def test_P1_a_server_that_cannot_be_reached_is_a_database_error(cli, pg_cluster):
    uri = f"postgresql://postgres@/nosuchdb?host={pg_cluster.dir}&port={pg_cluster.port}"
    assert "nosuchdb" in cli.refused("--db", uri, "credits", code="database_error")


def test_P1_a_refused_connection_is_one_plain_sentence(cli):
    """libpq's message is two lines, the second tab-indented; the refusal is one sentence without either."""
    message = cli.refused("--db", "postgresql://u@127.0.0.1:1/db", "clock", code="database_error")
    assert "\t" not in message and "\n" not in message.strip() and "(" not in message
    assert message.startswith(
        "Cannot connect to the PostgreSQL database postgresql://u@127.0.0.1:1/db: Connection refused"
    )
    assert message.endswith("accepting TCP/IP connections?")


def test_P2_init_on_an_empty_database_and_its_refusals(pg, pg_cluster):
    pg.refused("credits", code="not_initialized")
    doc = pg.json("init", "--seat", "ada", "--tz", "Europe/London", "--credits", "20")
    assert doc["seat"]["name"] == "ada" and doc["seat"]["balance"] == 20
    pg.refused("init", "--seat", "bo", code="already_initialized")
    assert pg.json("doctor") == {"ok": True, "findings": []}
    applied = [r[0] for r in pg.db().all("SELECT name FROM _outreach_migrations ORDER BY name")]
    from outreach_cli.schema import MIGRATIONS

    assert applied == [name for name, _ in MIGRATIONS]


def test_P2_a_database_not_made_by_outreach_is_refused_unchanged(pg_cluster, monkeypatch):
    import psycopg

    uri = pg_cluster.fresh_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("CREATE TABLE payroll (id int PRIMARY KEY, amount int)")
        conn.execute("INSERT INTO payroll VALUES (1, 100)")
    monkeypatch.setenv("OUTREACH_DB", uri)
    cli = Cli(uri)
    assert "not made by outreach" in cli.refused("init", "--seat", "ada", code="database_error")
    assert "not an outreach database" in cli.refused("credits", code="database_error")
    assert list(cli.snapshot()) == ["payroll"]


def test_P2_every_migration_has_its_postgresql_form():
    from outreach_cli.engines.postgres_schema import MIGRATIONS as POSTGRES
    from outreach_cli.schema import MIGRATIONS

    assert list(POSTGRES) == [name for name, _ in MIGRATIONS]


def test_P2_a_failed_init_leaves_the_database_empty(pg, monkeypatch):
    """L4 on PostgreSQL: init's schema and first rows are one transaction; one that fails leaves nothing."""
    import psycopg

    from outreach_cli.engines.postgres import WRITE_LOCK

    monkeypatch.setenv("OUTREACH_BUSY_TIMEOUT_MS", "200")
    with psycopg.connect(pg.db_path) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        pg.refused("init", "--seat", "ada", "--tz", "UTC", code="database_locked")
    assert pg.snapshot() == {}
    pg.json("init", "--seat", "ada", "--tz", "UTC")


def test_P1_a_lock_held_too_long_is_database_locked(pg, monkeypatch):
    """SQLSTATE 55P03 (lock_not_available) is the same refusal as SQLite's BUSY: database_locked."""
    import psycopg

    from outreach_cli.engines.postgres import WRITE_LOCK

    pg("init", "--seat", "ada", "--tz", "UTC", "--credits", "5")
    monkeypatch.setenv("OUTREACH_BUSY_TIMEOUT_MS", "200")
    with psycopg.connect(pg.db_path) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        pg.refused("seats", "grant", "ada", "5", code="database_locked")
    assert pg.json("credits")["seat"]["balance"] == 5


def test_P4_init_records_the_servers_time_not_the_machines(pg, monkeypatch):
    """A machine whose clock is years ahead of the server: `init` records its first rows (the seat's grant) at the
    server's time, so D20's floor does not hold every later command at the machine's wrong year."""
    import outreach_cli.clock

    machine = outreach_cli.clock.wall_now
    monkeypatch.setattr("outreach_cli.clock.wall_now", lambda: datetime(2045, 1, 1, tzinfo=UTC))
    pg("init", "--seat", "ada", "--tz", "UTC")
    monkeypatch.setattr("outreach_cli.clock.wall_now", machine)
    import psycopg

    with psycopg.connect(str(pg.db_path)) as conn:
        real = conn.execute("SELECT now()").fetchone()[0]
        granted = conn.execute("SELECT max(at_utc) FROM ledger").fetchone()[0]
    assert abs(datetime.fromisoformat(granted.replace("Z", "+00:00")) - real) < timedelta(seconds=30)
    shown = datetime.fromisoformat(pg.json("clock")["now"].replace("Z", "+00:00"))
    assert abs(shown - real) < timedelta(seconds=30)


def test_P4_the_real_time_is_the_servers(pg, monkeypatch):
    """A machine whose clock is 20 years behind still reads the server's time on the system clock."""
    pg("init", "--seat", "ada", "--tz", "UTC")
    monkeypatch.setattr("outreach_cli.clock.wall_now", lambda: datetime(2006, 1, 1, tzinfo=UTC))
    import psycopg

    with psycopg.connect(str(pg.db_path)) as conn:  # the server's own time (the test's process may be faked)
        real = conn.execute("SELECT now()").fetchone()[0]
    shown = datetime.fromisoformat(pg.json("clock")["now"].replace("Z", "+00:00"))
    assert abs(shown - real) < timedelta(seconds=30)


RACER = textwrap.dedent("""
    import json, subprocess, sys
    seat, rounds = sys.argv[1], int(sys.argv[2])
    def outreach(*args):
        out = subprocess.run([sys.executable, "-m", "outreach_cli", *args, "--json"], capture_output=True, text=True)
        assert "Traceback" not in out.stderr, out.stderr
        return out.returncode, json.loads(out.stdout)
    for k in range(rounds):
        code, draft = outreach("compose", "--seat", seat, "--to", f"c{k}", "--to", f"c{k + 1}", "--subject", "Hi",
                               "--body", "A role")
        assert code == 0, draft
        outreach("followup", str(draft["id"]), "--body", "Again")
        code, done = outreach("schedule", str(draft["id"]), "--at", "+2d")
        if code == 0 and k % 2 == 0:
            outreach("cancel", "--thread", str(done["threads"][0]["id"]))
""")


@pytest.mark.slow
def test_P3_eight_processes_schedule_and_cancel_against_one_pool(cli, tmp_path):
    """Eight processes (eight seats of one contract, paid from its pool) schedule and cancel at once: every
    balance equals its ledger, the pool is its rows' sum, and each message was charged once."""
    cli("init", "--seat", "s0", "--tz", "UTC", "--simulated-clock", "2026-12-01T08:00")
    for i in range(1, 8):
        cli("seats", "add", f"s{i}", "--tz", "UTC")
    cli("contract", "set", "--pool", "60")
    for i in range(8):
        cli("contract", "set", "--monthly-limit", "1000", "--for", f"s{i}")
    for k in range(6):
        cli("candidates", "add", f"c{k}", "--first-name", f"C{k}", "--last-name", "Q")
    (tmp_path / "racer.py").write_text(RACER)
    env = dict(os.environ, OUTREACH_DB=str(cli.db_path), OUTREACH_BUSY_TIMEOUT_MS="60000")
    racers = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "racer.py"), f"s{i}", "3"], env=env, stderr=subprocess.PIPE, text=True
        )
        for i in range(8)
    ]
    for racer in racers:
        _out, err = racer.communicate(timeout=600)
        assert racer.returncode == 0, err
    assert cli.json("doctor") == {"ok": True, "findings": []}
    pool = cli.json("credits", "--ledger", "--contract")
    assert sum(r["delta"] for r in pool["ledger"]) == pool["contract"]["pool"] >= 0
    db = cli.db()
    charged = db.value("SELECT count(*) FROM messages WHERE paid_by = 'contract' AND credit = 'charged'")
    assert pool["contract"]["pool"] == 60 - charged
    assert charged > 0 and db.value("SELECT count(*) FROM messages WHERE credit = 'refunded'") > 0
    for row in db.all("SELECT id, balance FROM seats"):
        assert row["balance"] == db.value(
            "SELECT coalesce(sum(delta), 0) FROM ledger WHERE account = 'seat' AND seat_id = ?", (row["id"],)
        )


VIEWS = (
    ("credits",),
    ("credits", "--ledger"),
    ("credits", "--ledger", "--contract"),
    ("seats", "list"),
    ("contract", "show"),
    ("candidates", "list"),
    ("inbox", "scheduled"),
    ("inbox", "sent"),
    ("inbox", "canceled"),
    ("thread", "1"),
    ("thread", "2"),
    ("clock",),
    ("templates", "list"),
    ("stats",),
    ("agenda",),
)


def _views(cli, db):
    """Each view's exit status and JSON (a view may refuse, the same way on both)."""
    from outreach_cli.cli import app

    return {
        view: (r.exit_code, r.stdout)
        for view in VIEWS
        for r in [cli.runner.invoke(app, ["--db", str(db), *view, "--json"])]
    }


def test_P5_db_copy_to_postgresql_and_back(world, tmp_path, pg_cluster):
    """A recruiter's file moves to the team's server and back: doctor passes there, and every JSON view
    equals the source's."""
    world("seats", "add", "ben", "--tz", "UTC")
    world("contract", "set", "--pool", "40", "--monthly-limit", "10", "--for", "ben")
    world("templates", "save", "intro", "--subject", "Hi {first_name}", "--body", "A role")
    draft = compose(world, "grace", "alan", followup="Again")
    threads = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"]
    discarded = compose(world, "kat")
    world.json("cancel", discarded["id"])  # a discarded draft: its id is never given again (L8)
    world.json("tick", "--to", "2026-12-03")
    world.json("reply", threads[0]["id"])
    compose(world, "kat", subject="Later")
    source = world.db_path
    before = _views(world, source)
    team = pg_cluster.fresh_uri()
    doc = world.json("db", "copy", "--to", team)
    assert doc["to"] == team and doc["tables"]["messages"] == 4 and doc["tables"]["ledger"] > 0
    assert Cli(team).json("--db", team, "doctor") == {"ok": True, "findings": []}
    assert _views(world, team) == before
    back = tmp_path / "back.db"
    world.json("--db", team, "db", "copy", "--to", back)
    assert world.json("--db", back, "doctor") == {"ok": True, "findings": []}
    assert _views(world, back) == before
    # ids go on from where the source's counters were, on both engines (L8)
    for target in (team, back):
        assert (
            world.json("--db", target, "compose", "--to", "kat", "--subject", "S", "--body", "B")["id"]
            == discarded["id"] + 2
        )


def test_P5_db_copy_refuses_a_target_that_is_not_empty(world, tmp_path, pg_cluster):
    other = tmp_path / "other.db"
    world("--db", other, "init", "--seat", "x", "--tz", "UTC")
    world.refused("db", "copy", "--to", other, code="already_initialized")
    world.refused("db", "copy", "--to", world.db_path, code="invalid_input")
    team = pg_cluster.fresh_uri()
    world.json("db", "copy", "--to", team)
    world.refused("db", "copy", "--to", team, code="already_initialized")
