"""The error contract of SPEC.md: exit codes, one sentence, the JSON error object, no change."""

import json
import os
import sqlite3
import stat

import click
import pytest
import typer.main

from outreach_cli.cli import app
from tests.support.helpers import compose


def test_missing_database_is_not_initialized_and_not_created(cli):
    message = cli.refused("tick", code="not_initialized")
    assert "outreach init" in message
    assert not cli.db_path.exists()


def test_init_twice_is_already_initialized(world):
    world.refused("init", code="already_initialized")


def test_database_file_is_private_and_in_wal_mode(world):
    """0600 for the file, and for SQLite's -wal and -shm side files, which hold the same data."""
    assert stat.S_IMODE(os.stat(world.db_path).st_mode) == 0o600
    conn = sqlite3.connect(world.db_path, isolation_level=None)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE settings SET value = value")
    for side in ("-wal", "-shm"):
        assert stat.S_IMODE(os.stat(str(world.db_path) + side).st_mode) == 0o600, side
    conn.execute("COMMIT")


def test_foreign_file_is_refused_and_left_untouched(cli):
    cli.db_path.write_bytes(b"name,email\nada,ada@example.com\n")
    before = cli.db_path.read_bytes()
    cli.refused("inbox", code="database_error")
    assert cli.db_path.read_bytes() == before


def test_foreign_sqlite_database_is_refused_and_left_untouched(cli):
    conn = sqlite3.connect(cli.db_path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = cli.db_path.read_bytes()
    message = cli.refused("tick", code="database_error")
    assert "not an outreach database" in message
    assert cli.db_path.read_bytes() == before
    assert not os.path.exists(str(cli.db_path) + "-wal")


def test_directory_as_database(cli, tmp_path):
    cli.refused("tick", "--db", tmp_path, code="database_error")
    cli.refused("init", "--db", tmp_path, code="database_error")


def test_locked_database_is_database_locked(world, monkeypatch):
    monkeypatch.setenv("OUTREACH_BUSY_TIMEOUT_MS", "100")
    compose(world, "kat")
    holder = sqlite3.connect(world.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        before_drafts = holder.execute("SELECT count(*) FROM drafts").fetchone()[0]
        world.refused("compose", "--to", "kat", "--subject", "s", "--body", "b", code="database_locked")
        world.refused("tick", "--by", "1d", code="database_locked")
    finally:
        holder.execute("ROLLBACK")
    assert holder.execute("SELECT count(*) FROM drafts").fetchone()[0] == before_drafts


def test_newer_schema_is_refused_not_damaged(world):
    conn = sqlite3.connect(world.db_path)
    conn.execute("INSERT INTO _outreach_migrations VALUES ('9999_future', '2030-01-01T00:00:00Z')")
    conn.commit()
    conn.close()
    message = world.refused("inbox", code="database_error")
    assert "newer" in message


@pytest.mark.parametrize(
    "args",
    [
        ("cancel", "abc"),
        ("cancel", "999"),
        ("reply", "x1"),
        ("schedule", "0"),
        ("followup", "77", "--body", "b"),
        ("reschedule", "12", "--now"),
        ("thread", "3"),
        ("draft", "1.5"),
        ("seats", "show", "nobody"),
        ("candidates", "show", "nobody"),
        ("compose", "--to", "nobody", "--subject", "s", "--body", "b"),
        ("credits", "--seat", "nobody"),
    ],
)
def test_unknown_ids_are_not_found(world, args):
    world.refused(*args, code="not_found")


def test_wrong_state_is_invalid_state(world):
    draft = compose(world, "kat")
    thread = world.json("schedule", draft["id"], "--now")["threads"][0]
    world.refused("schedule", draft["id"], "--now", code="invalid_state")
    world.refused("cancel", "--draft", draft["id"], code="invalid_state")
    world.json("tick")
    world.refused("cancel", thread["messages"][0]["id"], code="invalid_state")
    world.refused("reschedule", thread["messages"][0]["id"], "--now", code="invalid_state")


def test_bad_input_refusals(world):
    world.refused("init", "--db", world.db_path.parent / "x.db", "--plan", "gold", code="invalid_input")
    world.refused("seats", "add", "ada", code="invalid_input")
    world.refused("contract", "set", "--monthly-limit", "5", code="invalid_input")
    world.refused("contract", "set", "--followups", "maybe", code="invalid_input")
    world.refused("contract", "set", "--refresh-day", "32", code="invalid_input")
    world.refused("candidates", "add", "bad handle", "--first-name", "a", "--last-name", "b", code="invalid_input")
    world.refused("cancel", code="invalid_input")
    draft = compose(world, "kat")
    world.refused("schedule", draft["id"], code="invalid_input")
    world.refused("schedule", draft["id"], "--now", "--at", "+1d", code="invalid_input")


def test_usage_error_is_exit_2(world):
    result = world("schedule", "--bogus", code=2)
    assert "Traceback" not in result.stderr
    world("tick", "--by", code=2)


def test_json_output_is_one_document(world):
    draft = compose(world, "kat", followup="Again")
    result = world("schedule", draft["id"], "--at", "+1d", "--json")
    doc = json.loads(result.stdout)
    assert set(doc) >= {"draft_id", "threads", "credits_charged"}
    thread = doc["threads"][0]
    assert set(thread) >= {"id", "seat", "candidate", "messages", "response"}
    assert set(thread["messages"][1]) >= {
        "id",
        "thread_id",
        "kind",
        "seat",
        "candidate",
        "subject",
        "body",
        "status",
        "cancel_reason",
        "send_at",
        "sent_at",
        "timezone",
        "timezone_source",
        "delay_hours",
    }
    # D8: the delivery keys are always present (empty lists when no seat has a transport), plus a delivered count.
    assert set(world.json("tick")) == {
        "from",
        "to",
        "sent",
        "canceled",
        "refunded",
        "refreshes",
        "dry_run",
        "retrying",
        "failed",
        "unknown",
        "delivered",
    }
    assert set(world.json("credits")) == {"seat", "contract"}
    assert set(world.json("credits")["seat"]) >= {"name", "balance", "monthly_limit", "used_this_period"}
    assert set(world.json("doctor")) == {"ok", "findings"}
    assert set(world.json("clock")) == {"now", "mode"}
    assert set(world.json("candidates", "list")[0]) >= {
        "handle",
        "first_name",
        "last_name",
        "company",
        "title",
        "timezone",
        "email",
        "out_of_network",
        "opted_out",
    }
    assert set(world.json("stats")) >= {
        "sent",
        "sent_initial",
        "sent_followup",
        "responses",
        "accepted",
        "declined",
        "response_rate",
        "credits_charged",
        "credits_refunded",
    }
    assert set(world.json("draft", draft["id"])) >= {
        "id",
        "seat",
        "recipients",
        "subject",
        "body",
        "followup",
        "template",
        "status",
    }


def _walk(group, path=()):
    """Every command, through Click's public interface (the root group converts its commands lazily)."""
    if not isinstance(group, click.Group):
        return
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield path + (name,), command
        yield from _walk(command, path + (name,))


def test_every_command_has_help_text():
    root = typer.main.get_command(app)
    names = []
    for path, command in _walk(root):
        names.append(" ".join(path))
        assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
        for param in command.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"{' '.join(path)} {param.opts} has no help"
    for core in (
        "compose",
        "followup",
        "schedule",
        "cancel",
        "tick",
        "init",
        "reschedule",
        "reply",
        "inbox",
        "credits",
        "stats",
        "doctor",
        "clock set",
        "seats add",
        "contract set",
        "candidates import",
    ):
        assert core in names


def test_help_and_usage_errors_are_plain_text():
    """Help and usage errors are plain Click text at 80 columns: no Rich escapes, no cut-off summaries."""
    import subprocess
    import sys

    env = dict(__import__("os").environ, COLUMNS="80")
    top = subprocess.run([sys.executable, "-m", "outreach_cli", "--help"], capture_output=True, text=True, env=env)
    summaries = top.stdout.split("Commands:")[1].splitlines()
    assert top.returncode == 0 and not any(line.endswith("...") for line in summaries)
    assert all(len(line) <= 80 for line in top.stdout.splitlines())
    sub = subprocess.run([sys.executable, "-m", "outreach_cli", "reply", "--help"], capture_output=True, text=True)
    assert "[required]" in sub.stdout and "\\[" not in sub.stdout
    bad = subprocess.run([sys.executable, "-m", "outreach_cli", "tick", "--bogus"], capture_output=True, text=True)
    assert bad.returncode == 2 and "No such option '--bogus'" in bad.stderr and "─" not in bad.stderr


def test_reader_closing_the_pipe_early_is_not_an_error(cli, tmp_path):
    """`outreach ... --json | head`: a closed pipe stops the output quietly; the work stays done."""
    import subprocess
    import sys

    cli("init", "--tz", "UTC", "--credits", "5000", "--daily-limit", "5000", "--simulated-clock", "2026-11-30T08:00")
    rows = "".join(f"p{i},P{i},Q{i}\n" for i in range(3000))
    (tmp_path / "c.csv").write_text("handle,first_name,last_name\n" + rows)
    cli("candidates", "import", tmp_path / "c.csv")
    draft = cli.json("compose", "--to-file", tmp_path / "c.csv", "--subject", "Hi {first_name}", "--body", "B")
    process = subprocess.Popen(
        [sys.executable, "-m", "outreach_cli", "schedule", str(draft["id"]), "--now", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.read(100).startswith(b'{"draft_id": ')
    process.stdout.close()
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert process.returncode == 0 and err == "", err
    assert cli.json("credits")["seat"]["balance"] == 2000
    assert cli.db().value("SELECT count(*) FROM messages WHERE status = 'scheduled'") == 3000
