"""K5 under real concurrency: several `tick` processes at once never send or charge twice."""

import json
import os
import subprocess
import sys

import pytest

from tests.support.helpers import compose


def _run(*args, env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "outreach_cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _backlog(cli, tmp_path, count=500):
    """`count` candidates over two seats, each thread an initial and a follow-up: 2 x count messages."""
    cli(
        "init",
        "--seat",
        "ada",
        "--tz",
        "Europe/London",
        "--credits",
        "5000",
        "--daily-limit",
        "300",
        "--simulated-clock",
        "2026-12-01T08:00",
    )
    cli("seats", "add", "bo", "--tz", "America/Sao_Paulo", "--credits", "5000", "--daily-limit", "1000")
    rows = ["handle,first_name,last_name,timezone"]
    zones = ["Europe/Paris", "Asia/Tokyo", "America/Chicago", "Australia/Sydney", ""]
    rows += [f"c{i},First{i},Last{i},{zones[i % len(zones)]}" for i in range(count)]
    (tmp_path / "people.csv").write_text("\n".join(rows) + "\n")
    cli("candidates", "import", tmp_path / "people.csv")
    half = count // 2
    (tmp_path / "a.txt").write_text("\n".join(f"c{i}" for i in range(half)))
    (tmp_path / "b.txt").write_text("\n".join(f"c{i}" for i in range(half, count)))
    a = cli.json("compose", "--to-file", tmp_path / "a.txt", "--subject", "Hi {first_name}", "--body", "Role")
    cli.json("followup", a["id"], "--body", "Again", "--after", "3d")
    b = cli.json("compose", "--seat", "bo", "--to-file", tmp_path / "b.txt", "--subject", "Oi", "--body", "Vaga")
    cli.json("followup", b["id"], "--body", "Again", "--after", "3d")
    threads = cli.json("schedule", a["id"], "--at", "2026-12-02 09:00", "--tz", "recipient")["threads"]
    threads += cli.json("schedule", b["id"], "--at", "2026-12-02 09:00")["threads"]
    return threads


@pytest.mark.slow
def test_K5_eight_concurrent_ticks_send_everything_exactly_once(cli, tmp_path):
    threads = _backlog(cli, tmp_path, count=1000)
    env = dict(os.environ, OUTREACH_BUSY_TIMEOUT_MS="60000")
    ticks = [_run("tick", "--to", "2026-12-20", "--json", env=env) for _ in range(8)]
    # Replies land while the ticks run; each either finds something sent or is refused cleanly.
    replies = [_run("reply", t["id"], "--json", env=env) for t in threads[:400:40]]
    reports = []
    for process in ticks + replies:
        out, err = process.communicate(timeout=300)
        assert "Traceback" not in err, err
        assert process.returncode in (0, 1), (process.returncode, err)
        if process in ticks:
            assert process.returncode == 0, err
            reports.append(json.loads(out))
    sent = [m for r in reports for m in r["sent"]]
    canceled = [c["id"] for r in reports for c in r["canceled"]]
    assert len(sent) == len(set(sent)), "a message was sent twice"
    assert len(canceled) == len(set(canceled)) and not set(sent) & set(canceled)
    db = cli.db()
    assert db.value("SELECT count(*) FROM messages WHERE status = 'scheduled'") == 0
    assert db.value("SELECT count(*) FROM messages WHERE status = 'sent'") == len(sent)
    assert (
        len(sent) + len(canceled) + db.value("SELECT count(*) FROM messages WHERE cancel_reason = 'responded'") == 2000
    )
    # ada (London) may send 300 a day; 400 of her initials fall on 2 December, so some are capped.
    per_day = db.all(
        "SELECT s.name, substr(m.sent_at_utc, 1, 10) AS day, count(*) AS n FROM messages m "
        "JOIN seats s ON s.id = m.seat_id WHERE m.status = 'sent' GROUP BY 1, 2"
    )
    assert all(row["n"] <= 300 for row in per_day if row["name"] == "ada")
    assert db.value("SELECT count(*) FROM messages WHERE cancel_reason = 'daily_limit'") > 0
    assert cli.json("doctor") == {"ok": True, "findings": []}


def test_K5_two_ticks_at_once_small(world):
    draft = compose(world, "grace", "alan", "kat", followup="Again", after="3d")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    procs = [_run("tick", "--to", "2026-12-10", "--json") for _ in range(2)]
    sent = []
    for process in procs:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        sent += json.loads(out)["sent"]
    assert sorted(sent) == [1, 2, 3, 4, 5, 6]
