"""delivery set / show / test through the CLI (D1, D2, D9), seats --from (D3), and the 0003_delivery
migration (D5's states and columns)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.support.delivery_helpers import free_port, script

SECRET = "pw-Zq8-never-stored"
FIXTURE = Path(__file__).parents[1] / "support" / "fixtures" / "schema_0001.db"


@pytest.fixture
def seat(cli):
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", "2026-12-01T08:00")
    return cli


def _bytes_on_disk(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


# ---------------------------------------------------------------- D1: set and show


def test_D1_default_transport_is_none(seat):
    assert seat.json("delivery", "show") == {"seat": "ada", "kind": "none", "from": None}


def test_D1_show_lists_every_effective_setting_with_defaults(seat):
    seat.json("delivery", "set", "smtp", "--host", "mail.example.com", "--user", "ada", "--password-env", "ADA_PW")
    assert seat.json("delivery", "show") == {
        "seat": "ada",
        "kind": "smtp",
        "host": "mail.example.com",
        "port": 587,
        "security": "starttls",
        "user": "ada",
        "auth": "password",
        "password_env": "ADA_PW",
        "password_command": None,
        "ca_file": None,
        "timeout": 60,
        "from": None,
    }
    text = seat("delivery", "show").stdout
    assert "transport smtp" in text and "timeout: 60" in text and "port: 587" in text


def test_D1_each_kind_keeps_its_own_options(seat, tmp_path):
    shown = seat.json("delivery", "set", "outbox", "--dir", str(tmp_path / "box"), "--timeout", "5")
    assert shown["kind"] == "outbox" and shown["dir"] == str(tmp_path / "box") and shown["timeout"] == 5
    shown = seat.json("delivery", "set", "sendmail")
    assert shown.pop("warnings")  # no sender address yet
    assert shown == {"seat": "ada", "kind": "sendmail", "command": "sendmail", "timeout": 60, "from": None}
    shown = seat.json("delivery", "set", "exec", "--command", "cat >> sent.jsonl")
    assert shown["command"] == "cat >> sent.jsonl" and "dir" not in shown
    assert seat.json("delivery", "set", "none")["kind"] == "none"
    assert seat.json("delivery", "show")["kind"] == "none"


def test_D1_outbox_dir_is_stored_absolute(seat, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert seat.json("delivery", "set", "outbox", "--dir", "box")["dir"] == str(tmp_path / "box")


def test_D1_seat_option_picks_the_seat(seat):
    seat("seats", "add", "ben", "--tz", "America/Chicago", "--credits", "5")
    seat.json("delivery", "set", "--seat", "ben", "exec", "--command", "true")
    assert seat.json("delivery", "show", "--seat", "ben")["kind"] == "exec"
    assert seat.json("delivery", "show")["kind"] == "none"


@pytest.mark.parametrize(
    "args,words",
    [
        (("smtp", "--host", "mail.example.com", "--security", "none"), "loopback"),
        (("smtp", "--host", "10.0.0.1", "--security", "none"), "loopback"),
        (("smtp",), "--host"),
        (("outbox",), "--dir"),
        (("exec",), "--command"),
        (("carrier-pigeon",), "Unknown transport"),
        (("outbox", "--dir", "x", "--host", "h"), "--host does not apply"),
        (("smtp", "--host", "h", "--security", "tls"), "--security"),
        (("smtp", "--host", "h", "--port", "70000"), "--port"),
        (("smtp", "--host", "h", "--timeout", "0"), "--timeout"),
        (("smtp", "--host", "h", "--user", "ada"), "--password-env"),
        (("smtp", "--host", "h", "--password-env", "PW"), "--user"),
        (("smtp", "--host", "h", "--user", "u", "--password-env", "PW", "--password-command", "pass x"), "not both"),
        (("smtp", "--host", "h", "--user", "u", "--password-env", "my password"), "NAME"),
        (("smtp", "--host", "h", "--ca-file", "/no/such.pem"), "not a file"),
    ],
)
def test_D1_delivery_set_refuses_bad_options(seat, args, words):
    message = seat.refused("delivery", "set", *args, code="invalid_input")
    assert words in message


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.53"])
def test_D1_security_none_is_allowed_to_loopback(seat, host):
    assert seat.json("delivery", "set", "smtp", "--host", host, "--security", "none")["port"] == 25


def test_D1_email_transport_without_a_sender_address_warns(seat, tmp_path):
    result = seat("delivery", "set", "outbox", "--dir", str(tmp_path))
    assert "no sender address" in result.stderr


# ---------------------------------------------------------------- D3: seats --from


def test_D3_seat_sender_address(seat):
    shown = seat.json("seats", "set", "ada", "--from", "Ada Lovelace <ada@example.com>")
    assert shown["from"] == "Ada Lovelace <ada@example.com>"
    assert seat.json("seats", "add", "ben", "--from", "ben@example.org", "--credits", "1")["from"] == "ben@example.org"
    assert seat.json("delivery", "show")["from"] == "Ada Lovelace <ada@example.com>"


@pytest.mark.parametrize(
    "bad",
    [
        "ada",
        "ada@",
        "@example.com",
        "ada@localhost",
        "a@x.com, b@y.com",
        "ada@ex ample.com",
        "Ada <ada@example.com>\nBcc: x@y.com",
    ],
)
def test_D3_bad_sender_address_is_refused(seat, bad):
    assert "not an email address" in seat.refused("seats", "set", "ada", "--from", bad, code="invalid_input")
    seat.refused("seats", "add", "ben", "--from", bad, code="invalid_input")


# ---------------------------------------------------------------- D2: secrets by reference


def test_D2_password_is_never_stored_or_printed(seat, smtp_server, monkeypatch, tmp_path):
    server = smtp_server(user="ada", password=SECRET)
    secret_file = tmp_path / "password"
    secret_file.write_text(SECRET + "\n")
    monkeypatch.setenv("ADA_PW", SECRET)
    outputs = []
    for args in (
        (
            "delivery",
            "set",
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            server.port,
            "--security",
            "none",
            "--user",
            "ada",
            "--password-env",
            "ADA_PW",
        ),
        ("delivery", "show"),
        ("delivery", "test"),
    ):
        for as_json in (False, True):
            result = seat(*args, *(["--json"] if as_json else []))
            outputs += [result.stdout, result.stderr]
    seat(
        "delivery",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        server.port,
        "--security",
        "none",
        "--user",
        "ada",
        "--password-command",
        f"cat '{secret_file}'",
    )
    result = seat("delivery", "test")
    outputs += [result.stdout, result.stderr]
    monkeypatch.setenv("ADA_PW", "wrong-" + SECRET)
    seat(
        "delivery",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        server.port,
        "--security",
        "none",
        "--user",
        "ada",
        "--password-env",
        "ADA_PW",
    )
    result = seat("delivery", "test", code=1)
    outputs += [result.stdout, result.stderr]
    assert "refused the login as ada" in result.stderr
    assert not any(SECRET in text for text in outputs)
    assert SECRET.encode() not in _bytes_on_disk(seat.db_path)


# ---------------------------------------------------------------- D9: delivery test


def test_D9_test_without_a_transport_is_not_configured(seat):
    assert "no transport" in seat.refused("delivery", "test", code="not_configured")


def test_D9_smtp_test_through_the_cli(seat, smtp_server, certificates, monkeypatch):
    server = smtp_server(tls="starttls", user="ada", password="pw")
    monkeypatch.setenv("ADA_PW", "pw")
    seat(
        "delivery",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        server.port,
        "--ca-file",
        certificates.ca_file,
        "--user",
        "ada",
        "--password-env",
        "ADA_PW",
        "--timeout",
        "5",
    )
    result = seat.json("delivery", "test")
    assert result == {
        "seat": "ada",
        "kind": "smtp",
        "ok": True,
        "detail": (
            f"Connected to 127.0.0.1:{server.port}; greeted; started TLS (certificate verified); logged in as ada; "
            "quit without sending anything."
        ),
    }
    assert server.messages() == []
    assert "OK" in seat("delivery", "test").stdout


@pytest.mark.parametrize("case", ["refused", "certificate", "no-starttls", "login"])
def test_D9_smtp_test_failures_say_what_failed(case, seat, smtp_server, certificates, monkeypatch):
    monkeypatch.setenv("ADA_PW", "wrong")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    base = ["delivery", "set", "smtp", "--host", "127.0.0.1", "--timeout", "5"]
    if case == "refused":
        seat(*base, "--port", free_port(), "--security", "none")
        expected = "was refused"
    elif case == "certificate":
        server = smtp_server(tls="starttls")
        seat(*base, "--port", server.port, "--ca-file", certificates.other_ca_file)
        expected = "certificate"
    elif case == "no-starttls":
        server = smtp_server()
        seat(*base, "--port", server.port)
        expected = "does not offer STARTTLS"
    else:
        server = smtp_server(user="ada", password="pw")
        seat(*base, "--port", server.port, "--security", "none", "--user", "ada", "--password-env", "ADA_PW")
        expected = "refused the login as ada"
    result = seat("delivery", "test", "--json", code=1)
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "transport_error" and expected in error["message"]
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_D9_outbox_and_command_tests(seat, tmp_path):
    seat("delivery", "set", "outbox", "--dir", str(tmp_path / "box"))
    assert seat.json("delivery", "test")["ok"] is True
    fake = script(tmp_path, "sendmail")
    seat("delivery", "set", "sendmail", "--command", str(fake))
    assert seat.json("delivery", "test")["detail"].startswith(f"The command {fake} exists")
    seat("delivery", "set", "exec", "--command", "no-such-outreach-command")
    assert "was not found" in seat.refused("delivery", "test", code="transport_error")


# ---------------------------------------------------------------- the migration (D5 states, D3 ids)


def test_D5_migration_rebuilds_messages_with_new_states_and_keeps_ids(cli):
    shutil.copy(FIXTURE, cli.db_path)
    before = sqlite3.connect(FIXTURE).execute("SELECT id, status FROM messages ORDER BY id").fetchall()
    assert cli.json("doctor")["ok"] is True
    conn = sqlite3.connect(cli.db_path)
    after = conn.execute("SELECT id, status FROM messages ORDER BY id").fetchall()
    assert after == before
    ids = [r[0] for r in conn.execute("SELECT internet_message_id FROM messages")]
    assert len(set(ids)) == len(ids) and all(i.startswith("<") and i.endswith("@outreach.invalid>") for i in ids)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    columns = {r[1] for r in conn.execute("PRAGMA table_info(messages)")}
    assert {
        "internet_message_id",
        "attempts",
        "retry_at_utc",
        "first_attempt_utc",
        "failure",
        "transport_id",
        "claimed_by",
        "claim_expires_utc",
    } <= columns
    assert "from_address" in {r[1] for r in conn.execute("PRAGMA table_info(seats)")}
    indexes = {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'")
    }
    assert {
        "messages_due",
        "messages_thread",
        "messages_seat_sent",
        "messages_seat_status",
        "messages_internet_id",
        "messages_in_flight",
    } <= indexes
    first = after[0][0]
    for status in ("sending", "failed", "unknown", "sent"):
        conn.execute("UPDATE messages SET status = ? WHERE id = ?", (status, first))
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE messages SET status = 'lost' WHERE id = ?", (first,))
    conn.close()


def test_D3_messages_carry_delivery_fields_in_json(seat):
    seat("candidates", "add", "grace", "--first-name", "Grace", "--last-name", "Hopper", "--email", "g@navy.example")
    draft = seat.json("compose", "--to", "grace", "--subject", "Hi", "--body", "Hello")
    [thread] = seat.json("schedule", draft["id"], "--now")["threads"]
    message = thread["messages"][0]
    assert message["internet_message_id"].startswith("<") and message["attempts"] == 0
    assert message["retry_at"] is None and message["failure"] is None and message["transport_id"] is None
