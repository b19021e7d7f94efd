"""K1/K6 at scale: what a tick reads follows what is due, not the history. Every query a tick runs
searches an index; none scans messages, threads, candidates or the ledger (see bench/ for the figures)."""

import pytest

from outreach_cli import repo
from outreach_cli.repo import delivery as repo_delivery
from outreach_cli.services.tick.batch import BATCH

BIG_TABLES = ("messages", "threads", "candidates", "ledger")


def _plan(db, sql, params):
    return [row[-1] for row in db.all("EXPLAIN QUERY PLAN " + sql, params)]


def _tick_queries():
    now = "2026-12-01T08:00:00Z"
    return {
        "due messages": (repo_delivery.DUE.format(op="<=", held=""), (now, BATCH)),
        "due before a refresh": (repo_delivery.DUE.format(op="<", held=""), (now, BATCH)),
        "anything due": (repo_delivery.WORK_DUE, (now, now)),
        "sent today (K2)": (repo.SENT_BETWEEN, (1, now, now)),
        "next refresh": (repo_delivery.NEXT_REFRESH, ()),
        "due, some seats' follow-ups held (I2)": (
            repo_delivery.DUE.format(op="<=", held=" AND NOT (m.kind = 'followup' AND m.seat_id IN (?))"),
            (now, 1, BATCH),
        ),
        "in flight at the start (D6)": (repo_delivery.IN_FLIGHT, ()),
        "sending of a seat (K2, D7)": (repo_delivery.SENDING_OF_SEAT, (1,)),
        "scheduled before (clock set, doctor)": (repo_delivery.SCHEDULED_BEFORE, (now,)),
        "latest recorded instant (D20, every command on the system clock)": (repo.LATEST_RECORDED, ()),
    }


@pytest.mark.parametrize("name", list(_tick_queries()))
def test_K1_tick_queries_use_indexes(world, name):
    sql, params = _tick_queries()[name]
    db = world.db()
    db.execute("ANALYZE")
    plan = _plan(db, sql, params)
    for step in plan:
        for table in BIG_TABLES:
            assert not step.startswith(f"SCAN {table}"), (name, plan)
    if "messages" in sql:
        assert any("INDEX messages_" in step or "PRIMARY KEY" in step for step in plan), plan


@pytest.mark.parametrize("args", [["tick", "--json"], ["credits", "--json"], ["--help"]])
def test_start_up_imports_nothing_heavy(world, tmp_path, args):
    """A quiet tick, a JSON view and --help import neither Rich nor dateutil's parser nor Pydantic; a single
    command converts only its own command to Click (bench/ measures the time this saves)."""
    import json
    import os
    import subprocess
    import sys

    out = tmp_path / "modules.json"
    code = (
        "import atexit, json, sys\n"
        "import outreach_cli.cli as cli\n"
        "converted, convert = [], cli.convert\n"  # what this run converts to Click, recorded by the test itself
        "cli.convert = lambda name, info: (converted.append(name), convert(name, info))[1]\n"
        "def built():\n"
        "    return sorted(converted)\n"
        f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps([sorted(sys.modules), built()])))\n"
        f"sys.argv = ['outreach', *{args!r}]\n"
        "from outreach_cli.cli import main\nmain()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, OUTREACH_DB=str(world.db_path)),
    )
    assert result.returncode == 0, result.stderr[-500:]
    modules, built = json.loads(out.read_text())
    modules = set(modules)
    assert "outreach_cli.cli" in modules  # the check itself saw the run
    for heavy in ("rich", "dateutil.parser", "pydantic"):
        assert heavy not in modules, heavy
    if args != ["--help"]:
        assert built == [args[0]]
