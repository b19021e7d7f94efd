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

from outreach_cli.cli import app
from tests.support.helpers import Cli

TARGET = "2026-12-20"


def _outreach(db, *args):
    env = dict(os.environ, OUTREACH_DB=str(db))
    return subprocess.Popen(
        [sys.executable, "-m", "outreach_cli", *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _state(db):
    """Everything a tick decides: statuses, times, credit states, the ledger (as a multiset), balances."""
    conn = sqlite3.connect(db)
    state = {
        "messages": conn.execute(
            "SELECT id, status, cancel_reason, send_at_utc, sent_at_utc, credit FROM messages ORDER BY id"
        ).fetchall(),
        "ledger": sorted(
            conn.execute("SELECT at_utc, account, seat_id, delta, reason, message_id FROM ledger").fetchall(), key=repr
        ),
        "seats": conn.execute("SELECT id, balance, used_this_period, next_refresh_utc FROM seats").fetchall(),
        "pool": conn.execute("SELECT pool FROM contract").fetchall(),
        "clock": conn.execute("SELECT value FROM settings WHERE key = 'clock_now_utc'").fetchall(),
    }
    conn.close()
    return state


KILLPOINT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "support", "killpoint.py")
BATCH = "outreach_cli.services.tick.batch:Run.batch"


def _killed_at(db, target, when, n, *args):
    """Run outreach and SIGKILL it at an exact point (tests/support/killpoint.py); it must have died there."""
    env = dict(os.environ, OUTREACH_DB=str(db))
    process = subprocess.run(
        [sys.executable, KILLPOINT, target, when, str(n), "--", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == -signal.SIGKILL, (target, when, n, process.stderr)


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
    cli(
        "init",
        "--seat",
        "ada",
        "--tz",
        "Europe/London",
        "--credits",
        "20000",
        "--daily-limit",
        "2500",
        "--simulated-clock",
        "2026-11-30T08:00",
    )
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


# Each batch of a tick is one transaction (this backlog takes two, then a last look that finds nothing): a
# kill as batch N returns is inside its transaction (the batch is lost), a kill as batch N starts is just after
# batch N-1 committed; inside a batch, before and after its writes and as it moves the clock. 12 exact moments.
TICK = "outreach_cli.services.tick.batch:Run."
KILL_MOMENTS = (
    [(TICK + "batch", when, n) for n in (1, 2, 3) for when in ("before", "after")]
    + [(TICK + "_write", when, n) for n in (1, 2) for when in ("before", "after")]
    + [(TICK + "_advance", "after", n) for n in (1, 2)]
)


@pytest.mark.slow
def test_K5_killed_tick_then_tick_again_equals_uninterrupted(backlog, tmp_path):
    db, reference, _duration = backlog
    assert len(reference["messages"]) == 12000
    for index, (target, when, n) in enumerate(KILL_MOMENTS):
        copy = tmp_path / f"case{index}.db"
        shutil.copy(db, copy)
        _killed_at(copy, target, when, n, "tick", "--to", TARGET, "--json")
        again = _outreach(copy, "tick", "--to", TARGET, "--json")
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0 and "Traceback" not in err, err
        assert _state(copy) == reference, f"killed {when} call {n} of {target}"
        _doctor(copy)


@pytest.mark.slow
def test_K5_killed_tick_is_resumed_by_plain_tick(backlog, tmp_path):
    db, reference, _duration = backlog
    copy = tmp_path / "plain.db"
    shutil.copy(db, copy)
    # Killed as its first batch starts: the tick has recorded where it is going, and done nothing else.
    _killed_at(copy, BATCH, "before", 1, "tick", "--to", TARGET)
    conn = sqlite3.connect(copy)
    recorded = conn.execute("SELECT value FROM settings WHERE key = 'tick_target_utc'").fetchone()
    conn.close()
    assert recorded == (TARGET + "T00:00:00Z",)
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
    # Killed while the recipients are written a chunk at a time, as the charge (the last step before the
    # commit) returns, and while the committed result is being printed.
    moments = [
        ("outreach_cli.repo:iter_draft_recipients", "after", 1),
        ("outreach_cli.placeholders:render", "before", 9000),
        ("outreach_cli.services.scheduling:charge", "after", 1),
        ("outreach_cli.services.scheduling:thread_shape", "before", 10),
    ]
    outcomes = []
    for index, (target, when, n) in enumerate(moments):
        copy = tmp_path / f"s{index}.db"
        shutil.copy(db, copy)
        _killed_at(copy, target, when, n, "schedule", draft["id"], "--at", "+1d", "--json")
        conn = sqlite3.connect(copy)
        messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        charges = conn.execute("SELECT count(*) FROM ledger WHERE reason = 'charge'").fetchone()[0]
        balance = conn.execute("SELECT balance FROM seats").fetchone()[0]
        status = conn.execute("SELECT status FROM drafts").fetchone()[0]
        conn.close()
        assert (messages, charges, balance, status) in {(0, 0, 40000, "draft"), (30000, 30000, 10000, "scheduled")}
        outcomes.append(messages)
        _doctor(copy)
    assert outcomes == [0, 0, 0, 30000]  # every kill before the commit leaves nothing; after it, everything
