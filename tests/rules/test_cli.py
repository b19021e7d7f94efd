"""The command-line layer: shared options anywhere on the line (L9), --quiet, --version, completion, output
that cannot be written or encoded (L4), and SQLite errors mapped by their result code."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from outreach_cli.db import database_error

START = "2026-11-30T08:00"


def outreach(*args, env=None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "outreach_cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=dict(os.environ, **(env or {})),
        **kwargs,
    )


@pytest.fixture
def two(cli, tmp_path):
    """The default database (OUTREACH_DB) and another one, both on a simulated clock."""
    other = tmp_path / "other.db"
    cli("init", "--simulated-clock", START)
    cli("init", "--simulated-clock", START, "--db", other)
    return cli, other


def test_L9_group_db_option_reaches_subcommand(two):
    cli, other = two
    cli("clock", "--db", other, "set", "2026-12-05")
    assert cli.json("clock", "--db", other)["now"] == "2026-12-05T00:00:00Z"
    assert cli.json("clock")["now"] == "2026-11-30T08:00:00Z"  # the default database is untouched
    assert cli.json("clock", "--db", other, "show")["now"] == "2026-12-05T00:00:00Z"


@pytest.mark.parametrize(
    "group, sub",
    [
        ("seats", ["add", "zoe"]),
        ("candidates", ["add", "x", "--first-name", "X", "--last-name", "Y"]),
        ("templates", ["save", "t", "--subject", "S", "--body", "B"]),
        ("contract", ["set", "--pool", "7"]),
    ],
)
def test_L9_every_group_passes_db_to_its_subcommands(two, group, sub):
    cli, other = two
    before = cli.snapshot()
    cli(group, "--db", other, *sub)
    assert cli.snapshot() == before
    if group == "contract":
        assert cli.json("--db", other, "contract", "show")["pool"] == 7


def test_L9_options_before_the_subcommand(two):
    cli, other = two
    assert cli.json("--db", other, "tick", "--by", "1d")["to"] == "2026-12-01T08:00:00Z"
    result = cli("--json", "clock")
    assert json.loads(result.stdout) == {"now": "2026-11-30T08:00:00Z", "mode": "simulated"}
    assert json.loads(cli("--json", "--db", other, "clock", "show").stdout)["now"] == "2026-12-01T08:00:00Z"
    assert json.loads(cli("seats", "--json", "list").stdout)[0]["name"] == "me"


def test_L9_two_different_db_values_are_refused(two):
    cli, other = two
    message = cli.refused("--db", other, "tick", "--db", cli.db_path, code="invalid_input")
    assert "--db" in message
    cli("--db", other, "clock", "--db", other, "show")  # the same file twice is fine


def test_L9_quiet_prints_nothing_on_success(two):
    cli, other = two
    for args in (
        ["--quiet", "tick", "--by", "1h"],
        ["tick", "--quiet"],
        ["seats", "--quiet", "list", "--json"],
        ["clock", "--quiet"],
    ):
        result = cli(*args)
        assert result.stdout == "" and result.stderr == "", args
    assert cli.json("clock")["now"] == "2026-11-30T09:00:00Z"


def test_L9_quiet_refusal_still_says_why(two):
    cli, other = two
    result = cli("--quiet", "tick", "--to", "2020-01-01", code=1)
    assert result.stdout == "" and "never runs backwards" in result.stderr
    result = cli("--quiet", "--json", "tick", "--to", "2020-01-01", code=1)
    assert json.loads(result.stdout)["error"]["code"] == "invalid_time"


def test_L9_quiet_keeps_warnings_on_stderr(cli, tmp_path):
    cli("init", "--tz", "Europe/London", "--simulated-clock", "2027-03-27T12:00")
    cli("candidates", "add", "g", "--first-name", "G", "--last-name", "H")
    draft = cli.json("compose", "--to", "g", "--subject", "S", "--body", "B")
    result = cli("schedule", draft["id"], "--at", "2027-03-28 01:30", "--quiet")
    assert result.stdout == "" and "Warning" in result.stderr


def test_L9_version():
    from importlib.metadata import version

    result = outreach("--version")
    assert result.returncode == 0 and result.stdout == f"outreach {version('outreach')}\n"


def test_L9_shell_completion_completes_subcommands():
    result = outreach(env={"_OUTREACH_COMPLETE": "complete_bash", "COMP_WORDS": "outreach sche", "COMP_CWORD": "1"})
    assert "schedule" in result.stdout.split()
    result = outreach(env={"_OUTREACH_COMPLETE": "complete_bash", "COMP_WORDS": "outreach clock s", "COMP_CWORD": "2"})
    assert set(result.stdout.split()) >= {"set", "show", "system"}
    result = outreach(
        env={"_OUTREACH_COMPLETE": "complete_bash", "COMP_WORDS": "outreach inbox --folder a", "COMP_CWORD": "3"}
    )
    assert set(result.stdout.split()) == {"awaiting-reply", "attention"}
    shown = outreach("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert shown.returncode == 0 and "_OUTREACH_COMPLETE" in shown.stdout


@pytest.mark.parametrize("as_json", [False, True])
def test_L4_committed_command_exits_0_when_reader_closes_pipe(cli, tmp_path, as_json):
    """`schedule ... | head -1`, through a real shell pipe: the schedule is committed and charged, exit 0."""
    cli("init", "--tz", "UTC", "--credits", "100", "--simulated-clock", START)
    rows = "".join(f"p{i},P{i},Q{i}\n" for i in range(40))
    (tmp_path / "c.csv").write_text("handle,first_name,last_name\n" + rows)
    cli("candidates", "import", tmp_path / "c.csv")
    draft = cli.json("compose", "--to-file", tmp_path / "c.csv", "--subject", "Hi {first_name}", "--body", "B")
    flag = "--json" if as_json else ""
    script = (
        f"{sys.executable} -m outreach_cli schedule {draft['id']} --now {flag} | head -c 1 >/dev/null; "
        "echo ${PIPESTATUS[0]}"
    )
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=dict(os.environ, COLUMNS="80"))
    assert result.stdout.strip() == "0" and "Traceback" not in result.stderr, result.stderr
    assert cli.json("credits")["seat"]["balance"] == 60
    # and with the read end closed before the first write, so that every write meets EPIPE
    draft = cli.json("compose", "--to-file", tmp_path / "c.csv", "--subject", "Again", "--body", "B")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        closed = subprocess.run(
            [sys.executable, "-m", "outreach_cli", "schedule", str(draft["id"]), "--now", *([flag] if flag else [])],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write_end)
    assert closed.returncode == 0 and closed.stderr == "", closed.stderr
    assert cli.json("credits")["seat"]["balance"] == 20


def test_L4_full_stdout_is_not_reported_as_a_database_error(cli):
    """A failed write to stdout (here /dev/full: ENOSPC) after the work is committed is no database error."""
    cli("init", "--simulated-clock", START)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "outreach_cli", "seats", "add", "zed"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert result.returncode == 0, result.stderr
    assert "database" not in result.stderr and "output could not be written" in result.stderr
    assert [s["name"] for s in cli.json("seats", "list")] == ["me", "zed"]


@pytest.mark.parametrize("as_json", [False, True])
def test_output_survives_an_ascii_only_stdout(cli, as_json):
    """PYTHONIOENCODING=ascii: JSON escapes what it cannot encode (and stays exact); human output replaces it."""
    cli("init", "--simulated-clock", START)
    cli("candidates", "add", "jose", "--first-name", "José", "--last-name", "Núñez 李")
    args = ["candidates", "list"] + (["--json"] if as_json else [])
    result = outreach(*args, env={"PYTHONIOENCODING": "ascii", "COLUMNS": "80"})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    if as_json:
        assert json.loads(result.stdout)[0]["last_name"] == "Núñez 李"
    else:
        assert "Jos?" in result.stdout
    refused = outreach("candidates", "show", "nobody-é", "--json", env={"PYTHONIOENCODING": "ascii"})
    assert refused.returncode == 1 and json.loads(refused.stdout)["error"]["code"] in ("not_found", "invalid_input")


@pytest.mark.parametrize(
    "code, expected",
    [
        ("SQLITE_BUSY", "database_locked"),
        ("SQLITE_LOCKED", "database_locked"),
        ("SQLITE_READONLY", "database_error"),
        ("SQLITE_CANTOPEN", "database_error"),
        ("SQLITE_NOTADB", "database_error"),
        ("SQLITE_CORRUPT", "database_error"),
        ("SQLITE_FULL", "database_error"),
        ("SQLITE_IOERR", "database_error"),
    ],
)
def test_sqlite_errors_are_mapped_by_their_code(code, expected):
    exc = sqlite3.OperationalError("some text that names nothing")
    exc.sqlite_errorcode = getattr(sqlite3, code)
    exc.sqlite_errorname = code
    error = database_error(exc)
    assert error.code == expected and "some text" not in error.message and error.message.endswith(".")


def test_L4_locked_database_is_database_locked_through_the_command_line(cli):
    cli("init", "--simulated-clock", START)
    holder = sqlite3.connect(cli.db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = outreach("tick", "--json", env={"OUTREACH_BUSY_TIMEOUT_MS": "50"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1 and json.loads(result.stdout)["error"]["code"] == "database_locked"


def test_L9_root_json_and_quiet_reach_a_large_import(cli, tmp_path):
    """`outreach --json candidates import` (over the progress-bar size) prints one JSON document; --quiet nothing."""
    cli("init", "--simulated-clock", START)
    rows = "".join(f"h{i},F{i},L{i}\n" for i in range(3001))
    (tmp_path / "big.csv").write_text("handle,first_name,last_name\n" + rows)
    doc = json.loads(cli("--json", "candidates", "import", tmp_path / "big.csv").stdout)
    assert doc["created"] == 3001
    result = cli("--quiet", "candidates", "import", tmp_path / "big.csv", "--update")
    assert result.stdout == ""


def test_L9_quiet_doctor_findings_still_reach_stderr(cli):
    """`doctor --quiet` in cron: a clean check prints nothing; a finding is shown on stderr, exit 1."""
    cli("init", "--simulated-clock", START)
    assert cli("doctor", "--quiet").stdout == ""
    conn = sqlite3.connect(cli.db_path)
    conn.execute("UPDATE seats SET balance = balance + 5")
    conn.commit()
    conn.close()
    result = cli("--quiet", "doctor", code=1)
    assert result.stdout == "" and result.stderr.strip()


def test_L10_damaged_page_is_database_error_by_code_through_the_command_line(cli, tmp_path):
    """A damaged table page (SQLITE_CORRUPT) ends in one sentence and database_error, never a traceback."""
    cli("init", "--simulated-clock", START)
    cli("candidates", "add", "x", "--first-name", "X", "--last-name", "Y")
    conn = sqlite3.connect(cli.db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'candidates'").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with open(cli.db_path, "r+b") as handle:
        handle.seek((root - 1) * size)
        handle.write(b"\xff" * size)
    result = outreach("candidates", "list", "--json", env={"OUTREACH_DB": str(cli.db_path)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "database_error" and "damaged" in error["message"]
