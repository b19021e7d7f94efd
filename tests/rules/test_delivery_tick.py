"""tick with a transport (D3, D5-D8), against a real aiosmtpd server process and real scripts; smtplib is
never mocked. The database runs on a simulated clock that starts on Tuesday 1 December 2026, 08:00 UTC."""

from __future__ import annotations

import email
import json
import socket
import subprocess
import sys
from email.policy import default as default_policy
from pathlib import Path

import pytest

from tests.support.delivery_helpers import calls, schedule, script, use_smtp
from tests.support.helpers import compose


def _message(cli, message_id):
    """The message's row, every column (claims included)."""
    db = cli.db()  # either engine
    row = db.one("SELECT * FROM messages WHERE id = ?", (message_id,))
    db.close()
    return dict(row)


def balance(cli):
    return cli.json("credits")["seat"]["balance"]


def doctor_ok(cli):
    result = cli.json("doctor")
    assert result["ok"], result


# ---------------------------------------------------------------- D5: the states


def test_D5_accepted_is_sent_with_server_reply_and_F3(ada, smtp_server):
    server = smtp_server()
    use_smtp(ada, server)
    schedule(ada, "grace", followup="Still there?")
    report = ada.json("tick", "--to", "2026-12-05 12:00")
    assert report["sent"] == [1, 2] and report["delivered"] == 2
    assert report["retrying"] == [] and report["failed"] == [] and report["unknown"] == []
    got = server.messages()
    assert [m["message_id"] for m in got] == [
        _message(ada, 1)["internet_message_id"],
        _message(ada, 2)["internet_message_id"],
    ]
    initial = _message(ada, 1)
    assert initial["status"] == "sent" and initial["sent_at_utc"] == "2026-12-01T09:00:00Z"  # the due moment (D5)
    assert initial["attempts"] == 1 and initial["transport_id"].startswith("2.0.0 Ok: queued")
    assert initial["claimed_by"] is None and initial["claim_expires_utc"] is None
    followup = email.message_from_bytes(got[1]["raw"], policy=default_policy)
    assert followup["In-Reply-To"] == initial["internet_message_id"] == followup["References"]
    assert got[0]["mail_from"] == "ada@example.com" and got[0]["rcpt_tos"] == ["grace@example.org"]
    doctor_ok(ada)


def test_D8_a_tick_of_several_attempts_lists_the_waiting_message_once(ada, smtp_server):
    server = smtp_server(answer="451")
    use_smtp(ada, server)
    schedule(ada, "grace")
    report = ada.json("tick", "--to", "2026-12-01 10:30")  # attempts at 09:00, 09:05, 09:20 and 10:20
    assert _message(ada, 1)["attempts"] == 4
    assert report["retrying"] == [1] and report["sent"] == [] and report["failed"] == []


def test_D5_temporary_451_retries_at_5_15_60_min_then_4h_and_fails_after_24h(ada, smtp_server):
    server = smtp_server(answer="451")
    use_smtp(ada, server)
    schedule(ada, "grace", followup="Still there?")
    before = balance(ada)
    report = ada.json("tick", "--to", "2026-12-01 09:00")
    assert report["retrying"] == [1] and report["sent"] == []
    first = _message(ada, 1)
    assert (first["status"], first["attempts"], first["retry_at_utc"]) == ("scheduled", 1, "2026-12-01T09:05:00Z")
    assert "451 4.3.0" in first["failure"] and first["first_attempt_utc"] == "2026-12-01T09:00:00Z"
    assert ada.json("inbox", "--folder", "scheduled")[0]["retry_at"] == "2026-12-01T09:05:00Z"
    ada.json("tick", "--to", "2026-12-01 09:05")
    assert _message(ada, 1)["retry_at_utc"] == "2026-12-01T09:20:00Z"
    ada.json("tick", "--to", "2026-12-01 09:20")
    assert _message(ada, 1)["retry_at_utc"] == "2026-12-01T10:20:00Z"
    # One long tick makes the rest of the attempts at their simulated due moments: 10:20, 14:20, 18:20, 22:20,
    # 02:20, 06:20, and 10:20 the next day is 25 h 20 min after the first: failed.
    result = ada("tick", "--to", "2026-12-03 09:00", "--json")
    report = json.loads(result.stdout)
    failed = _message(ada, 1)
    assert failed["status"] == "failed" and failed["attempts"] == 10 and failed["credit"] == "refunded"
    assert "451" in failed["failure"]
    assert report["failed"] == [{"id": 1, "failure": failed["failure"]}]
    assert report["retrying"] == []  # D8 lists messages, not attempts: it failed in this tick, so it waits no more
    assert {"id": 2, "reason": "initial_not_sent"} in report["canceled"]
    assert _message(ada, 2)["status"] == "canceled" and _message(ada, 2)["credit"] == "refunded"
    assert balance(ada) == before + 2
    assert len(result.stderr.strip().splitlines()) == 1 and "1 failed" in result.stderr.replace("message(s) ", "")
    got = server.messages()
    assert len(got) == 10 and len({m["raw"] for m in got}) == 1  # the same bytes on every retry (D3)
    assert [m["id"] for m in ada.json("inbox", "--folder", "attention")] == [1]
    doctor_ok(ada)


def test_D5_permanent_550_fails_refunds_and_cancels_the_followup(ada, smtp_server):
    server = smtp_server(answer="550")
    use_smtp(ada, server)
    schedule(ada, "grace", followup="Still there?")
    before = balance(ada)
    result = ada("tick", "--to", "2026-12-01 10:00", "--json")
    report = json.loads(result.stdout)
    assert report["failed"] == [{"id": 1, "failure": _message(ada, 1)["failure"]}]
    assert "550" in report["failed"][0]["failure"]
    assert report["canceled"] == [{"id": 2, "reason": "initial_not_sent"}] and report["refunded"] == 2
    assert balance(ada) == before + 2
    assert "Delivery:" in result.stderr and "1" in result.stderr
    assert len(server.messages()) == 1
    doctor_ok(ada)


def test_D5_hang_after_data_is_unknown_never_resent_and_D8_names_it(ada, smtp_server):
    server = smtp_server(answer="hang")
    use_smtp(ada, server, timeout=1)
    schedule(ada, "grace", followup="Still there?")
    before = balance(ada)
    result = ada("tick", "--to", "2026-12-01 10:00", "--json")
    report = json.loads(result.stdout)
    assert report["unknown"] == [1]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "1" in lines[0] and "resolve" in lines[0]
    assert _message(ada, 1)["status"] == "unknown" and balance(ada) == before  # credits stay charged (D7)
    human = ada("tick", "--to", "2026-12-06 10:00")  # the follow-up waits for its initial; nothing is resent
    assert "nothing due" in human.stdout
    assert len(server.messages()) == 1
    assert _message(ada, 2)["status"] == "scheduled"
    assert [m["status"] for m in ada.json("inbox", "--folder", "attention")] == ["unknown"]
    doctor_ok(ada)


def test_D8_human_report_counts_delivered_retrying_failed_unknown(ada, smtp_server):
    server = smtp_server(answer="451")
    use_smtp(ada, server)
    schedule(ada, "grace")
    out = ada("tick", "--to", "2026-12-01 09:00").stdout
    assert "delivered 0, retrying 1, failed 0, unknown 0" in out


# ---------------------------------------------------------------- resolve (D5)


@pytest.fixture
def unknown(ada, tmp_path):
    """Message 1 (initial, follow-up 2 after 3 days) left unknown by an exec command that never returns."""
    hang = script(tmp_path, "hang", hang=True)
    ada("delivery", "set", "exec", "--command", str(hang), "--timeout", "1")
    schedule(ada, "grace", followup="Still there?")
    assert ada.json("tick", "--to", "2026-12-01 09:00")["unknown"] == [1]
    return ada


def test_D5_resolve_sent_lets_the_followup_proceed(unknown, tmp_path):
    resolved = unknown.json("resolve", 1, "--sent")
    assert resolved["status"] == "sent" and resolved["sent_at"] == "2026-12-01T09:00:00Z"
    box = tmp_path / "box"
    unknown("delivery", "set", "outbox", "--dir", box)
    report = unknown.json("tick", "--to", "2026-12-04 09:00")
    assert report["sent"] == [2]
    assert [p.name for p in (box / "new").iterdir()] == [_message(unknown, 2)["internet_message_id"][1:-1] + ".eml"]
    doctor_ok(unknown)


def test_D5_resolve_resend_sends_again_with_the_same_message_id(unknown, smtp_server):
    message_id = _message(unknown, 1)["internet_message_id"]
    resolved = unknown.json("resolve", 1, "--resend")
    assert resolved["status"] == "scheduled" and resolved["retry_at"] == "2026-12-01T09:00:00Z"
    server = smtp_server()
    use_smtp(unknown, server)
    assert unknown.json("tick")["sent"] == [1]
    assert [m["message_id"] for m in server.messages()] == [message_id]
    assert _message(unknown, 1)["attempts"] == 2
    doctor_ok(unknown)


def test_D5_resolve_cancel_refunds_both(unknown):
    before = balance(unknown)
    resolved = unknown.json("resolve", 1, "--cancel")
    assert resolved["status"] == "canceled" and resolved["cancel_reason"] == "canceled"
    assert _message(unknown, 2)["status"] == "canceled" and _message(unknown, 2)["cancel_reason"] == "initial_not_sent"
    assert balance(unknown) == before + 2 and resolved["refunded"] == 2  # it says what came back (C5)
    doctor_ok(unknown)


def test_D5_only_unknown_messages_can_be_resolved(unknown):
    unknown.refused("resolve", 2, "--sent", code="invalid_state")
    unknown.refused("resolve", 1, code="invalid_input")
    unknown.refused("resolve", 1, "--sent", "--cancel", code="invalid_input")
    unknown.refused("resolve", 99, "--sent", code="not_found")


# ---------------------------------------------------------------- D7: the rules at the claim


def test_D7_a_reply_between_schedule_and_tick_stops_the_followup(ada, smtp_server):
    server = smtp_server()
    use_smtp(ada, server)
    schedule(ada, "grace", followup="Still there?")
    ada.json("tick", "--to", "2026-12-01 10:00")
    ada.json("reply", 1)
    report = ada.json("tick", "--to", "2026-12-06 10:00")
    assert report["canceled"] == [] and report["sent"] == []  # canceled by the reply itself (F4)
    assert _message(ada, 2)["cancel_reason"] == "responded"
    assert len(server.messages()) == 1


def test_D7_restricted_and_opted_out_are_checked_at_the_claim(ada, smtp_server):
    server = smtp_server()
    use_smtp(ada, server)
    schedule(ada, "grace", "alan")
    ada("candidates", "opt-out", "alan")
    report = ada.json("tick", "--to", "2026-12-01 10:00")
    assert report["sent"] == [1] and report["canceled"] == [{"id": 2, "reason": "recipient_unavailable"}]
    assert len(server.messages()) == 1


@pytest.mark.sqlite_only  # the change is made by a script through sqlite3
@pytest.mark.parametrize(
    "change, reason",
    [("UPDATE seats SET daily_limit = 1", "daily_limit"), ("UPDATE seats SET restricted = 1", "sender_restricted")],
)
def test_D7_a_change_committed_while_a_message_is_in_flight_holds_for_the_next_claim(ada, tmp_path, change, reason):
    """The rules are read again at each claim: another process's commit between two claims of one tick counts
    (the tick reuses what it read only while no other connection has written)."""
    command = tmp_path / "deliver"
    command.write_text(f"""#!{sys.executable}
import sqlite3, sys
sys.stdin.buffer.read()
conn = sqlite3.connect({str(ada.db_path)!r}, isolation_level=None)
conn.execute({change!r})
conn.close()
""")
    command.chmod(0o755)
    ada("delivery", "set", "sendmail", "--command", str(command))
    schedule(ada, "grace", "alan", "kat")
    report = ada.json("tick", "--to", "2026-12-01 10:00")
    assert report["sent"] == [1]
    assert report["canceled"] == [{"id": 2, "reason": reason}, {"id": 3, "reason": reason}]
    doctor_ok(ada)


def _sleeper():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def _claim_of(pid: int) -> str:
    start = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[19].decode()
    return f"{socket.gethostname()}:{pid}:{start}"


def test_D7_daily_limit_counts_messages_in_flight(ada, smtp_server):
    server = smtp_server()
    use_smtp(ada, server)
    ada("seats", "set", "ada", "--daily-limit", "2")
    schedule(ada, "grace", "alan", "kat")
    sleeper = _sleeper()
    try:
        conn = ada.db()
        with conn.transaction():
            conn.execute(
                "UPDATE messages SET status = 'sending', claimed_by = ?, "
                "claim_expires_utc = '2999-01-01T00:00:00Z', attempts = 1 WHERE id = 1",
                (_claim_of(sleeper.pid),),
            )
        conn.close()
        report = ada.json("tick", "--to", "2026-12-01 10:00")
        assert report["sent"] == [2] and report["canceled"] == [{"id": 3, "reason": "daily_limit"}]
        assert _message(ada, 1)["status"] == "sending"  # its claimer still runs: left alone
    finally:
        sleeper.kill()
        sleeper.wait()
    # D6: the claimer is gone, so the next tick makes it unknown.
    assert ada.json("tick")["unknown"] == [1]
    doctor_ok(ada)


# ---------------------------------------------------------------- D6: recovery


def test_D6_stale_outbox_claims_are_settled_exactly(ada, tmp_path):
    box = tmp_path / "box"
    ada("delivery", "set", "outbox", "--dir", box)
    schedule(ada, "grace", "alan")
    dead = _sleeper()
    dead.kill()
    dead.wait()
    conn = ada.db()
    with conn.transaction():
        conn.execute(
            "UPDATE messages SET status = 'sending', claimed_by = ?, "
            "claim_expires_utc = '2999-01-01T00:00:00Z', attempts = 1, last_attempt_utc = send_at_utc",
            (f"{socket.gethostname()}:{dead.pid}:1",),
        )
    name = conn.value("SELECT internet_message_id FROM messages WHERE id = 1")[1:-1] + ".eml"
    conn.close()
    (box / "new").mkdir(parents=True)
    (box / "new" / name).write_bytes(b"Subject: written before the kill\r\n\r\nx\r\n")
    report = ada.json("tick")  # the clock is still 08:00: nothing is due, but the claims are settled
    assert report["sent"] == [1] and report["unknown"] == []
    assert _message(ada, 1)["status"] == "sent" and _message(ada, 2)["status"] == "scheduled"
    assert ada.json("tick", "--to", "2026-12-01 09:00")["sent"] == [2]
    assert len(list((box / "new").iterdir())) == 2
    doctor_ok(ada)


def test_D6_an_expired_claim_becomes_unknown_even_if_its_process_runs(ada, smtp_server):
    use_smtp(ada, smtp_server())
    schedule(ada, "grace")
    sleeper = _sleeper()
    try:
        conn = ada.db()
        with conn.transaction():
            conn.execute(
                "UPDATE messages SET status = 'sending', claimed_by = ?, "
                "claim_expires_utc = '2000-01-01T00:00:00Z', attempts = 1 WHERE id = 1",
                (_claim_of(sleeper.pid),),
            )
        conn.close()
        assert ada.json("tick")["unknown"] == [1]
    finally:
        sleeper.kill()
        sleeper.wait()


# ---------------------------------------------------------------- outbox, sendmail, exec through tick


def test_D1_outbox_on_a_simulated_clock_threads_the_followup(ada, tmp_path):
    box = tmp_path / "box"
    ada("delivery", "set", "outbox", "--dir", box)
    schedule(ada, "grace", "alan", followup="Still there?")
    report = ada.json("tick", "--to", "2026-12-05 09:00")
    assert sorted(report["sent"]) == [1, 2, 3, 4] and report["delivered"] == 4
    files = {p.name: p for p in (box / "new").iterdir()}
    for mid in (1, 2, 3, 4):
        row = _message(ada, mid)
        name = row["internet_message_id"][1:-1] + ".eml"
        assert name in files and row["transport_id"] == name
        parsed = email.message_from_bytes(files[name].read_bytes(), policy=default_policy)
        assert parsed["Message-ID"] == row["internet_message_id"]
        assert parsed["Date"].datetime.isoformat() == row["sent_at_utc"].replace("Z", "+00:00")
        if row["kind"] == "followup":
            initial = _message(ada, mid - 1)
            assert parsed["In-Reply-To"] == parsed["References"] == initial["internet_message_id"]
    assert oct((box / "new" / next(iter(files))).stat().st_mode & 0o777) == "0o600"
    doctor_ok(ada)


def test_D1_sendmail_through_tick(ada, tmp_path):
    fake = script(tmp_path, "sendmail")
    ada("delivery", "set", "sendmail", "--command", str(fake))
    schedule(ada, "grace")
    assert ada.json("tick", "--to", "2026-12-01 09:00")["sent"] == [1]
    [call] = calls(fake)
    assert call["argv"] == ["-i", "-f", "ada@example.com", "--", "grace@example.org"]
    assert _message(ada, 1)["internet_message_id"] in call["stdin"]


def test_D4_sendmail_exit_75_is_temporary(ada, tmp_path):
    fake = script(tmp_path, "sendmail", exit_code=75)
    ada("delivery", "set", "sendmail", "--command", str(fake))
    schedule(ada, "grace")
    assert ada.json("tick", "--to", "2026-12-01 09:00")["retrying"] == [1]


def test_D1_exec_through_tick_keeps_the_transport_id(world, tmp_path):
    command = script(tmp_path, "deliver", stdout='{"id": "crm-42"}')
    world("delivery", "set", "exec", "--command", str(command))  # exec needs no addresses
    draft = compose(world, "kat")
    world.json("schedule", draft["id"], "--at", "2026-12-01 09:00")
    assert world.json("tick", "--to", "2026-12-01 09:00")["sent"] == [1]
    [call] = calls(command)
    doc = json.loads(call["stdin"])
    assert doc["message"]["id"] == 1 and doc["rfc822"] is None and doc["envelope"] == {"from": None, "to": None}
    assert _message(world, 1)["transport_id"] == "crm-42"


# ---------------------------------------------------------------- D3 at schedule


def test_D3_email_transport_needs_from_and_every_email(world, tmp_path):
    world("delivery", "set", "outbox", "--dir", tmp_path / "box")
    world("candidates", "set", "grace", "--email", "grace@example.org")
    draft = compose(world, "grace", "alan", "kat")
    message = world.refused("schedule", draft["id"], "--now", code="missing_value")
    assert "seat ada" in message and "alan, kat" in message and "grace" not in message.split("email for")[1]


def test_D3_every_message_gets_a_message_id_in_the_senders_domain(ada):
    result = schedule(ada, "grace", "alan", followup="Again")
    ids = [m["internet_message_id"] for t in result["threads"] for m in t["messages"]]
    assert len(set(ids)) == 4 and all(i.startswith("<") and i.endswith("@example.com>") for i in ids)


# ---------------------------------------------------------------- I2: held follow-ups


def test_I2_tick_holds_followups_of_given_seats(ada):
    from outreach_cli.services.tick import tick

    schedule(ada, "grace", followup="Again")
    db = ada.db()
    try:
        report = tick(db, to="2026-12-05 09:00", hold_followups_for={1})
        assert report["sent"] == [1]
        assert _message(ada, 2)["status"] == "scheduled"
        report = tick(db, to="2026-12-05 10:00")
        assert report["sent"] == [2]
    finally:
        db.close()
