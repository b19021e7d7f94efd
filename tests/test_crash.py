"""K5 and C1 under SIGKILL: a killed tick, run again, ends exactly where an uninterrupted one does;
a killed bulk schedule leaves all or nothing. Each case ends with `doctor`."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import Cli
from outreach_cli.cli import app

TARGET = "2026-12-20"


def _outreach(db, *args):
    env = dict(os.environ, OUTREACH_DB=str(db))
    return subprocess.Popen([sys.executable, "-m", "outreach_cli", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _state(db):
    """Everything a tick decides: statuses, times, credit states, the ledger (as a multiset), balances."""
    conn = sqlite3.connect(db)
    state = {
        "messages": conn.execute("SELECT id, status, cancel_reason, send_at_utc, sent_at_utc, credit "
                                 "FROM messages ORDER BY id").fetchall(),
        "ledger": sorted(conn.execute("SELECT at_utc, account, seat_id, delta, reason, message_id "
                                      "FROM ledger").fetchall(), key=repr),
        "seats": conn.execute("SELECT id, balance, used_this_period, next_refresh_utc FROM seats").fetchall(),
        "pool": conn.execute("SELECT pool FROM contract").fetchall(),
        "clock": conn.execute("SELECT value FROM settings WHERE key = 'clock_now_utc'").fetchall(),
    }
    conn.close()
    return state


def _doctor(db):
    process = _outreach(db, "doctor", "--json")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, out + err


@pytest.fixture(scope="module")
def backlog(tmp_path_factory):
    """6,000 threads (12,000 messages) over two seats, a daily limit, an admin limit, a refresh on the way."""
    base = tmp_path_factory.mktemp("backlog")
    db = base / "backlog.db"
    os.environ["OUTREACH_DB"] = str(db)
    cli = Cli(db)
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--credits", "20000", "--daily-limit", "2500",
        "--simulated-clock", "2026-11-30T08:00")
    cli("seats", "add", "bo", "--tz", "Australia/Sydney", "--credits", "0")
    cli("contract", "set", "--pool", "10000", "--monthly-limit", "10000", "--for", "bo")
    zones = ["America/New_York", "Australia/Sydney", "", "Asia/Kolkata"]
    lines = ["handle,first_name,last_name,timezone"] + [f"p{i},P{i},Q{i},{zones[i % 4]}" for i in range(6000)]
    (base / "c.csv").write_text("\n".join(lines) + "\n")
    cli("candidates", "import", base / "c.csv")
    (base / "a.txt").write_text("\n".join(f"p{i}" for i in range(4000)))
    (base / "b.txt").write_text("\n".join(f"p{i}" for i in range(4000, 6000)))
    a = cli.json("compose", "--seat", "ada", "--to-file", base / "a.txt", "--subject", "Hi", "--body", "Role")
    cli.json("followup", a["id"], "--body", "Again", "--after", "3d")
    b = cli.json("compose", "--seat", "bo", "--to-file", base / "b.txt", "--subject", "G'day", "--body", "Role")
    cli.json("followup", b["id"], "--body", "Again", "--after", "4d")
    cli.json("schedule", a["id"], "--at", "2026-12-01 09:00", "--tz", "recipient")
    cli.json("schedule", b["id"], "--at", "2026-12-02 09:00")
    # Replies arrive before some follow-ups are due.
    cli.json("tick", "--to", "2026-12-02T12:00")
    for thread in range(1, 400, 7):  # a thread whose initial hit the daily limit is refused: exit 1
        result = cli.runner.invoke(app, ["reply", str(thread), "--json"])
        assert result.exit_code in (0, 1), result.stderr
    os.environ.pop("OUTREACH_DB")
    reference = base / "reference.db"
    shutil.copy(db, reference)
    started = time.monotonic()
    process = _outreach(reference, "tick", "--to", TARGET, "--json")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return db, _state(reference), time.monotonic() - started


@pytest.mark.slow
def test_K5_killed_tick_then_tick_again_equals_uninterrupted(backlog, tmp_path):
    db, reference, duration = backlog
    assert len(reference["messages"]) == 12000
    moments = [duration * (i + 1) / 16 for i in range(12)]  # the first three quarters of a run
    interrupted = 0
    for index, moment in enumerate(moments):
        copy = tmp_path / f"case{index}.db"
        shutil.copy(db, copy)
        process = _outreach(copy, "tick", "--to", TARGET, "--json")
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        interrupted += process.returncode == -signal.SIGKILL
        again = _outreach(copy, "tick", "--to", TARGET, "--json")
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0 and "Traceback" not in err, err
        assert _state(copy) == reference, f"killed after {moment:.2f}s"
        _doctor(copy)
    assert interrupted >= 8  # most kills landed while the tick was working


@pytest.mark.slow
def test_K5_killed_tick_is_resumed_by_plain_tick(backlog, tmp_path):
    db, reference, duration = backlog
    copy = tmp_path / "plain.db"
    shutil.copy(db, copy)
    process = _outreach(copy, "tick", "--to", TARGET)
    # Kill as soon as the tick has recorded where it is going (before that, a kill leaves nothing to resume).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        conn = sqlite3.connect(copy, timeout=30)
        recorded = conn.execute("SELECT value FROM settings WHERE key = 'tick_target_utc'").fetchone()
        conn.close()
        if recorded:
            break
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL and recorded
    again = _outreach(copy, "tick", "--json")  # no target: finishes the interrupted one
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert _state(copy) == reference


@pytest.mark.slow
def test_C1_killed_bulk_schedule_is_all_or_nothing(tmp_path):
    db = tmp_path / "bulk.db"
    os.environ["OUTREACH_DB"] = str(db)
    try:
        cli = Cli(db)
        cli("init", "--tz", "UTC", "--credits", "40000", "--simulated-clock", "2026-11-30T08:00")
        lines = ["handle,first_name,last_name"] + [f"p{i},P{i},Q{i}" for i in range(15000)]
        (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
        cli("candidates", "import", tmp_path / "c.csv")
        draft = cli.json("compose", "--to-file", tmp_path / "c.csv", "--subject", "Hi {first_name}", "--body", "B")
        cli.json("followup", draft["id"], "--body", "Again")
    finally:
        os.environ.pop("OUTREACH_DB")
    outcomes = set()
    for index, moment in enumerate([0.05, 0.15, 0.25, 0.35, 0.45, 0.6, 0.8, 1.2]):
        copy = tmp_path / f"s{index}.db"
        shutil.copy(db, copy)
        process = _outreach(copy, "schedule", draft["id"], "--at", "+1d", "--json")
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        conn = sqlite3.connect(copy)
        messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        charges = conn.execute("SELECT count(*) FROM ledger WHERE reason = 'charge'").fetchone()[0]
        balance = conn.execute("SELECT balance FROM seats").fetchone()[0]
        status = conn.execute("SELECT status FROM drafts").fetchone()[0]
        conn.close()
        assert (messages, charges, balance, status) in {(0, 0, 40000, "draft"), (30000, 30000, 10000, "scheduled")}
        outcomes.add(messages)
        _doctor(copy)
    assert 0 in outcomes  # at least one kill landed before the commit
