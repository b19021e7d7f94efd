"""Delivery you can trust (issue 21, D10-D20), against real SMTP server processes (tests/support/smtpserver.py), real
exec commands and real files; smtplib is never mocked. Simulated clock from Tuesday 1 December 2026, 08:00 UTC."""

from __future__ import annotations

import json
import sqlite3
import sys

import pytest

from tests.support.delivery_helpers import row, schedule, script, use_smtp
from tests.support.helpers import SENDER, compose


def sql(cli, statement, args=()):
    conn = sqlite3.connect(cli.db_path)
    with conn:
        out = conn.execute(statement, args).fetchall()
    conn.close()
    return out


def ledger_of(cli, message_id):
    return [
        (r["reason"], r["delta"]) for r in cli.json("credits", "--ledger")["ledger"] if r["message_id"] == message_id
    ]


# ---------------------------------------------------------------- D17: reschedule never sends twice or for free


def test_D17_reschedule_while_sending_is_refused_and_the_message_goes_once(ada, tmp_path):
    """An exec command that, while it holds the message (`sending`), runs `outreach reschedule 1 --now`: refused,
    and the tick hands the message over once."""
    answer = tmp_path / "reschedule.json"
    command = tmp_path / "deliver.sh"
    command.write_text(
        f"#!/bin/sh\ncat > {tmp_path}/stdin.$$\n"
        f"{sys.executable} -m outreach_cli reschedule 1 --now --json > {answer} 2>/dev/null\n"
        f"echo run >> {tmp_path}/runs\nexit 0\n"
    )
    command.chmod(0o755)
    ada("delivery", "set", "exec", "--command", str(command))
    schedule(ada, "grace")
    report = ada.json("tick", "--to", "2026-12-01 10:00")
    assert json.loads(answer.read_text())["error"]["code"] == "invalid_state"
    assert report["sent"] == [1]
    ada.json("tick", "--to", "2026-12-01 12:00")
    assert (tmp_path / "runs").read_text().splitlines() == ["run"]
    assert row(ada, 1)["status"] == "sent" and ledger_of(ada, 1) == [("charge", -1)]
    assert ada.json("doctor")["ok"]


def test_D17_failed_message_cannot_be_rescheduled(ada, smtp_server):
    server = smtp_server(answer="550")
    use_smtp(ada, server)
    schedule(ada, "grace")
    ada.json("tick", "--to", "2026-12-01 10:00")
    assert row(ada, 1)["status"] == "failed" and ledger_of(ada, 1) == [("charge", -1), ("refund", 1)]
    message = ada.refused("reschedule", 1, "--now", code="invalid_state")
    assert "new draft" in message


def test_D17_unknown_message_cannot_be_rescheduled(ada, tmp_path):
    hang = script(tmp_path, "hang", hang=True)
    ada("delivery", "set", "exec", "--command", str(hang), "--timeout", "1")
    schedule(ada, "grace")
    assert ada.json("tick", "--to", "2026-12-01 10:00")["unknown"] == [1]
    ada.refused("reschedule", 1, "--now", code="invalid_state")
    ada.refused("reschedule", 1, "--at", "2026-12-03 09:00", code="invalid_state")


def test_D17_system_canceled_message_is_charged_again_when_rescheduled(ada):
    ada("seats", "set", "ada", "--daily-limit", "1")
    schedule(ada, "grace", "alan")
    report = ada.json("tick", "--to", "2026-12-01 10:00")
    assert report["canceled"] == [{"id": 2, "reason": "daily_limit"}]
    before = ada.json("credits")["seat"]["balance"]
    result = ada.json("reschedule", 2, "--at", "2026-12-02 09:00", "--tz", "UTC")
    assert result["credits_charged"] == 1
    assert ada.json("credits")["seat"]["balance"] == before - 1
    assert ledger_of(ada, 2) == [("charge", -1), ("refund", 1), ("charge", -1)]
    assert ada.json("doctor")["ok"]


def test_D17_reschedule_refused_for_an_opted_out_or_undeliverable_candidate(ada):
    ada("seats", "set", "ada", "--daily-limit", "1")
    schedule(ada, "grace", "alan", "kat")
    ada.json("tick", "--to", "2026-12-01 10:00")  # alan's and kat's messages canceled by the daily limit
    ada("candidates", "opt-out", "alan")
    ada.refused("reschedule", 2, "--now", code="candidate_opted_out")
    sql(ada, "UPDATE candidates SET email_undeliverable = 1 WHERE handle = 'kat'")  # as a hard bounce marks it (I5)
    assert "bounced" in ada.refused("reschedule", 3, "--now", code="missing_value")


def test_D17_doctor_finds_a_message_sent_without_a_net_charge(ada):
    schedule(ada, "grace")
    ada.json("tick", "--to", "2026-12-01 10:00")
    assert ada.json("doctor")["ok"]
    # What the old reschedule of a failed message left: charge, refund, and the message sent.
    sql(ada, "UPDATE messages SET credit = 'refunded' WHERE id = 1")
    sql(
        ada,
        "INSERT INTO ledger (at_utc, account, seat_id, delta, reason, message_id) "
        "VALUES ('2026-12-01T09:00:00Z', 'seat', 1, 1, 'refund', 1)",
    )
    sql(ada, "UPDATE seats SET balance = balance + 1 WHERE id = 1")
    result = ada.json("doctor", code=1)
    assert any(
        f["check"] == "charge" and "Message 1" in f["message"] and "no net charge" in f["message"]
        for f in result["findings"]
    ), result


# ---------------------------------------------------------------- D10: a claim carries its transport


def _tick_process(cli):
    import os
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-m", "outreach_cli", "tick", "--to", "2026-12-01 10:00", "--json"],
        env=dict(os.environ, OUTREACH_DB=str(cli.db_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_D10_a_smtp_claim_killed_mid_data_is_unknown_even_after_a_switch_to_an_outbox(ada, smtp_server, tmp_path):
    import time

    server = smtp_server(answer="hang")  # stores the data, never answers
    use_smtp(ada, server, timeout=60)
    schedule(ada, "grace")
    process = _tick_process(ada)
    deadline = time.monotonic() + 30
    while not server.messages() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.messages(), "the server never got the data"
    process.kill()
    process.wait()
    assert row(ada, 1)["status"] == "sending"
    outbox = tmp_path / "outbox"
    result = ada("delivery", "set", "outbox", "--dir", outbox)
    assert "1 in flight" in result.stderr
    report = ada.json("tick", "--to", "2026-12-01 10:00")
    assert report["unknown"] == [1] and report["sent"] == []
    assert row(ada, 1)["status"] == "unknown"
    assert not list((outbox / "new").glob("*")) if (outbox / "new").exists() else True
    assert len(server.messages()) == 1


def test_D10_delivery_set_none_is_refused_while_a_message_waits_to_retry(ada, tmp_path):
    tempfail = script(tmp_path, "tempfail", exit_code=75)
    ada("delivery", "set", "exec", "--command", str(tempfail))
    schedule(ada, "grace")
    assert ada.json("tick", "--to", "2026-12-01 09:01")["retrying"] == [1]
    message = ada.refused("delivery", "set", "none", code="invalid_state")
    assert "1 waiting to retry" in message
    result = ada("delivery", "set", "outbox", "--dir", tmp_path / "out")
    assert "1 waiting to retry" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    ada.json("tick", "--to", "2026-12-01 10:00")
    assert row(ada, 1)["status"] == "sent" and len(list((tmp_path / "out" / "new").glob("*.eml"))) == 1


# ---------------------------------------------------------------- D12: a configuration error holds the message


def attention(cli):
    return [m["id"] for m in cli.json("inbox", "--folder", "attention")]


def test_D12_an_unset_password_variable_holds_the_message_and_says_so_every_tick(ada, smtp_server, monkeypatch):
    monkeypatch.setenv("OUTREACH_TEST_PW", "s3cret")
    server = smtp_server(user="ada", password="s3cret")
    ada(
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
        "OUTREACH_TEST_PW",
        "--timeout",
        "5",
    )
    monkeypatch.delenv("OUTREACH_TEST_PW")
    schedule(ada, "grace", "alan")
    for target in ("2026-12-01 10:00", "2026-12-02 10:00"):  # a day later: still held, never failed
        result = ada("tick", "--to", target, "--quiet")
        lines = [line for line in result.stderr.splitlines() if "not configured" in line]
        assert len(lines) == 1 and "OUTREACH_TEST_PW" in lines[0], result.stderr
        for mid in (1, 2):
            message = row(ada, mid)
            assert message["status"] == "scheduled" and message["attempts"] == 0
            assert message["first_attempt_utc"] is None
    assert attention(ada) == [1, 2]
    assert server.messages() == []
    monkeypatch.setenv("OUTREACH_TEST_PW", "s3cret")  # fixed: both go, nothing on stderr
    result = ada("tick", "--to", "2026-12-02 11:00", "--quiet")
    assert result.stderr == "" and len(server.messages()) == 2 and attention(ada) == []


def test_D12_a_missing_exec_command_is_a_configuration_error(ada, tmp_path):
    ada("delivery", "set", "exec", "--command", str(tmp_path / "no-such-command"))
    schedule(ada, "grace")
    result = ada("tick", "--to", "2026-12-01 10:00")
    assert "not configured" in result.stderr
    assert row(ada, 1)["status"] == "scheduled" and row(ada, 1)["attempts"] == 0
    assert attention(ada) == [1]


def test_D12_attention_lists_messages_waiting_to_retry(ada, tmp_path):
    tempfail = script(tmp_path, "tempfail", exit_code=75)
    ada("delivery", "set", "exec", "--command", str(tempfail))
    schedule(ada, "grace")
    ada.json("tick", "--to", "2026-12-01 09:01")
    shown = ada.json("inbox", "--folder", "attention")
    assert [m["id"] for m in shown] == [1] and "status 75" in shown[0]["failure"]


# ---------------------------------------------------------------- D18: a hanging server costs one time-out


def test_D18_a_server_that_takes_the_data_and_never_answers_costs_one_unknown(ada, smtp_server):
    server = smtp_server(answer="hang")
    use_smtp(ada, server, timeout=2)
    schedule(ada, "grace", "alan", "kat")
    report = ada.json("tick", "--to", "2026-12-01 10:00")
    assert report["unknown"] == [1] and report["sent"] == []
    assert [row(ada, mid)["status"] for mid in (1, 2, 3)] == ["unknown", "scheduled", "scheduled"]
    assert row(ada, 2)["attempts"] == 0 and len(server.messages()) == 1


def test_D18_a_refused_connection_is_said_on_stderr_even_quiet(ada):
    from tests.support.delivery_helpers import free_port

    ada("delivery", "set", "smtp", "--host", "127.0.0.1", "--port", free_port(), "--security", "none")
    schedule(ada, "grace")
    result = ada("tick", "--to", "2026-12-01 09:01", "--quiet")
    assert "refused" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert row(ada, 1)["status"] == "scheduled" and row(ada, 1)["retry_at_utc"]


def test_D18_resolve_takes_several_ids(ada, tmp_path):
    hang = script(tmp_path, "hang", hang=True)
    ada("delivery", "set", "exec", "--command", str(hang), "--timeout", "1")
    schedule(ada, "grace", "alan")
    ada.json("tick", "--to", "2026-12-01 10:00")
    ada.json("tick", "--to", "2026-12-01 10:00")  # the second message's turn (D18: one unknown per tick)
    assert [row(ada, mid)["status"] for mid in (1, 2)] == ["unknown", "unknown"]
    ada.refused("resolve", 1, 2, 3, "--cancel", code="not_found")  # 3 does not exist: nothing settled
    result = ada.json("resolve", 1, 2, "--cancel")
    assert [m["id"] for m in result] == [1, 2] and [m["status"] for m in result] == ["canceled", "canceled"]


# ---------------------------------------------------------------- D11: Date is when it really left


def test_D11_date_of_a_resent_message_is_the_moment_it_left_again(ada, smtp_server, tmp_path):
    import email
    from email.utils import parsedate_to_datetime

    hang = script(tmp_path, "hang", hang=True)
    ada("delivery", "set", "exec", "--command", str(hang), "--timeout", "1")
    schedule(ada, "grace")
    ada.json("tick", "--to", "2026-12-01 10:00")
    ada.json("tick", "--to", "2026-12-04 12:00")  # three days later the recruiter resends it
    ada.json("resolve", 1, "--resend")
    server = smtp_server()
    use_smtp(ada, server)
    ada.json("tick", "--to", "2026-12-04 12:00")
    sent = email.message_from_bytes(server.messages()[0]["raw"])
    assert parsedate_to_datetime(sent["Date"]).isoformat() == "2026-12-04T12:00:00+00:00"


# ---------------------------------------------------------------- D19: secrets and addresses


def test_D19_a_password_given_as_variable_name_is_refused_without_echo(ada):
    message = ada.refused(
        "delivery",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--security",
        "none",
        "--user",
        "ada",
        "--password-env",
        "S3cr3t-hunter2",
        code="invalid_input",
    )
    assert "S3cr3t-hunter2" not in message and "hunter2" not in message


def test_D19_an_unset_password_variable_is_warned_about_without_a_value(ada, monkeypatch):
    monkeypatch.delenv("abcdefghijklmnop", raising=False)
    result = ada(
        "delivery",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--security",
        "none",
        "--user",
        "ada",
        "--password-env",
        "abcdefghijklmnop",
    )
    assert "abcdefghijklmnop is not set" in result.stderr
    monkeypatch.setenv("OUTREACH_TEST_PW", "the-value")
    result = ada(
        "delivery",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--security",
        "none",
        "--user",
        "ada",
        "--password-env",
        "OUTREACH_TEST_PW",
    )
    assert "not set" not in result.stderr and "the-value" not in result.stdout + result.stderr


# ---------------------------------------------------------------- D14: what the candidate reads


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\r", "\n"])
def test_D14_subjects_with_line_separators_are_refused_when_written(world, separator):
    world.refused(
        "compose", "--to", "grace", "--subject", f"Hello{separator}there", "--body", "Hi", code="invalid_message"
    )
    world.refused(
        "templates", "save", "t", "--subject", f"Hello{separator}there", "--body", "Hi", code="invalid_message"
    )
    draft = compose(world, "grace")
    world.refused(
        "followup", draft["id"], "--subject", f"Again{separator}there", "--body", "Hi", code="invalid_message"
    )


def test_D14_a_followup_of_a_re_subject_gets_no_second_re(world):
    draft = compose(world, "grace", subject="Re: Quick question", followup="Still there?")
    assert draft["followup"]["subject"] == "Re: Quick question"
    draft = compose(world, "grace", subject="Quick question", followup="Still there?")
    assert draft["followup"]["subject"] == "Re: Quick question"


def test_D14_sender_name_is_the_display_name_of_the_from_address(ada):
    draft = compose(ada, "grace", body="Cordialement, {sender_name}")
    result = ada.json("schedule", draft["id"], "--now")
    assert result["threads"][0]["messages"][0]["body"] == "Cordialement, Ada Lovelace"
    ada("seats", "set", "ada", "--from", "ada@example.com")  # no display name: the seat's name
    draft = compose(ada, "grace", body="Cordialement, {sender_name}")
    assert ada.json("schedule", draft["id"], "--now")["threads"][0]["messages"][0]["body"] == "Cordialement, ada"


# ---------------------------------------------------------------- D13: no @outreach.invalid on real mail


def test_D13_a_message_scheduled_before_from_was_set_leaves_with_the_sender_domain(world, smtp_server):
    import email

    world("candidates", "set", "grace", "--email", "grace@example.org")
    schedule(world, "grace", followup="Still there?")  # no --from yet, transport none: allowed
    assert row(world, 1)["internet_message_id"].endswith("@outreach.invalid>")
    world("seats", "set", "ada", "--from", SENDER)
    server = smtp_server()
    use_smtp(world, server)
    world.json("tick", "--to", "2026-12-05 12:00")
    got = [email.message_from_bytes(m["raw"]) for m in server.messages()]
    assert len(got) == 2
    initial_id = row(world, 1)["internet_message_id"]
    assert initial_id.endswith("@example.com>") and got[0]["Message-ID"] == initial_id
    assert got[1]["In-Reply-To"] == initial_id and got[1]["Message-ID"].endswith("@example.com>")


# ---------------------------------------------------------------- D15: every argument is text


def _outreach_bytes(tmp_path, *args, env=None):
    import os
    import subprocess

    return subprocess.run(
        [sys.executable.encode(), b"-m", b"outreach_cli", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        cwd=tmp_path,
    )


def test_D15_non_utf8_bytes_in_arguments_are_invalid_input_not_a_traceback(world, tmp_path):
    for args in (
        [b"compose", b"--to", b"grace", b"--subject", b"Caf\xe9", b"--body", b"x", b"--json"],
        [b"candidates", b"show", b"gr\xe2ce", b"--json"],
        [b"seats", b"show", b"\xff", b"--json"],
        [b"inbox", b"--db", b"/tmp/caf\xe9.db", b"--json"],
    ):
        done = _outreach_bytes(tmp_path, *args)
        assert done.returncode == 1, (args, done.stderr)
        assert b"Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert json.loads(done.stdout)["error"]["code"] == "invalid_input"


def test_D15_a_postgresql_db_gets_a_sentence_about_postgresql(cli, tmp_path):
    # A socket directory that does not exist: the URI reaches the PostgreSQL engine (P1), and no network is used.
    uri = f"postgresql://ada@/outreach?host={tmp_path / 'no-such-socket-dir'}".encode()
    done = _outreach_bytes(tmp_path, b"inbox", b"--db", uri)
    assert done.returncode == 1 and b"PostgreSQL" in done.stderr and b"Traceback" not in done.stderr
    assert b"There is no outreach database" not in done.stderr and uri in done.stderr  # the URI kept whole


def test_D1_I1_help_documents_each_commands_own_ports_and_no_rule_ids(cli):
    import re

    smtp_help = cli("delivery", "set", "--help").stdout
    imap_help = cli("mailbox", "set", "--help").stdout
    assert "587" in smtp_help and "993" not in smtp_help and "143" not in smtp_help
    assert "993" in imap_help and "587" not in imap_help and "465" not in imap_help
    assert not re.search(r"\([A-Z]\d+\)", smtp_help + imap_help)


def test_D6_an_outbox_write_killed_in_tmp_leaves_no_orphan_once_settled(ada, tmp_path):
    import os
    import subprocess
    from pathlib import Path

    outbox = tmp_path / "outbox"
    ada("delivery", "set", "outbox", "--dir", outbox)
    schedule(ada, "grace")
    killpoint = Path(__file__).parents[1] / "support" / "killpoint.py"
    done = subprocess.run(
        [
            sys.executable,
            str(killpoint),
            "outreach_cli.transports.outbox:_write_synced",
            "after",
            "1",
            "--",
            "tick",
            "--to",
            "2026-12-01 10:00",
        ],
        env=dict(os.environ, OUTREACH_DB=str(ada.db_path)),
        capture_output=True,
    )
    assert done.returncode == -9 and list((outbox / "tmp").iterdir())  # the orphan, holding candidate text
    ada.json("tick", "--to", "2026-12-01 10:00")
    assert row(ada, 1)["status"] == "sent" and len(list((outbox / "new").iterdir())) == 1
    assert list((outbox / "tmp").iterdir()) == []


# ---------------------------------------------------------------- a message held, then sent: dated when it went


def test_D12_D11_K8_a_held_message_goes_at_the_first_tick_that_can_send_it_and_is_dated_then(ada, tmp_path):
    """Held by a missing command from 1 December 09:00 to 2 December 10:00, the message went at the tick of 2
    December 10:00 but was recorded and dated 1 December 09:00, a moment the clock had passed a day before, and
    its follow-up came a day early (F3). It is sent, dated and counted from the tick that could send it."""
    from email.utils import parsedate_to_datetime

    from tests.support.delivery_helpers import calls

    command = tmp_path / "deliver"
    ada("delivery", "set", "exec", "--command", str(command))
    schedule(ada, "grace", followup="Any thoughts?", after="3d")
    assert "not configured" in ada("tick", "--to", "2026-12-02 10:00").stderr
    assert row(ada, 1)["status"] == "scheduled"
    script(tmp_path, "deliver")  # fixed
    report = ada.json("tick", "--to", "2026-12-02 11:00")
    assert report["sent"] == [1]
    sent = row(ada, 1)
    assert sent["sent_at_utc"] == sent["first_attempt_utc"] == "2026-12-02T10:00:00Z"
    assert row(ada, 2)["send_at_utc"] == "2026-12-05T10:00:00Z"  # F3: three days after it really went
    rfc822 = json.loads(calls(command)[0]["stdin"])["rfc822"]
    date = next(line for line in rfc822.splitlines() if line.startswith("Date: "))[6:]
    assert parsedate_to_datetime(date).isoformat() == "2026-12-02T10:00:00+00:00"
    assert ledger_of(ada, 1) == [("charge", -1)]


def test_D12_D5_retries_after_a_hold_count_from_the_first_real_attempt(ada, monkeypatch):
    """An unset password variable held the message for two days; once set, the server refused the connection.
    The tick made ten attempts dated during the hold and gave up "after 24 hours" within one hour. Now the
    attempts start at the tick that could make them (5 and 15 minutes apart, D5), and the message waits."""
    from tests.support.delivery_helpers import free_port

    monkeypatch.delenv("OUTREACH_TEST_PW", raising=False)
    ada("delivery", "set", "smtp", "--host", "127.0.0.1", "--port", free_port(), "--security", "none",
        "--user", "ada", "--password-env", "OUTREACH_TEST_PW", "--timeout", "3")  # fmt: skip
    schedule(ada, "grace")
    ada("tick", "--to", "2026-12-03 09:00")  # held two days
    assert row(ada, 1)["attempts"] == 0
    monkeypatch.setenv("OUTREACH_TEST_PW", "x")
    report = ada.json("tick", "--by", "1h")  # 09:00 -> 10:00: attempts at 09:00, 09:05, 09:20; the next at 10:20
    message = row(ada, 1)
    assert report["failed"] == [] and report["retrying"] == [1]
    assert message["status"] == "scheduled" and message["attempts"] == 3
    assert message["first_attempt_utc"] == "2026-12-03T09:00:00Z"
    assert message["last_attempt_utc"] == "2026-12-03T09:20:00Z"
    assert ledger_of(ada, 1) == [("charge", -1)]


def test_D8_a_message_given_up_is_not_said_to_be_retried_and_is_named_once(ada):
    from tests.support.delivery_helpers import free_port

    ada("delivery", "set", "smtp", "--host", "127.0.0.1", "--port", free_port(), "--security", "none")
    schedule(ada, "grace")
    result = ada("tick", "--by", "2d", "--json")
    report = json.loads(result.stdout)
    assert [item["id"] for item in report["failed"]] == [1]
    assert [item["ids"] for item in report["delivery_problems"]] == [[1]]
    assert "will be retried" not in result.stderr and "failed and were refunded" in result.stderr


def test_K5_K6_an_explicit_target_after_a_killed_tick_is_the_one_asked_for(ada):
    """A tick killed on its way to 20 December leaves that target recorded (K5); a plain `tick` finishes it, but
    `tick --to 2 December` went to 20 December as well, and the clock cannot come back (K8)."""
    sql(ada, "INSERT INTO settings (key, value) VALUES ('tick_target_utc', '2026-12-20T00:00:00Z')")
    assert ada.json("tick", "--dry-run", "--to", "2026-12-02")["to"] == "2026-12-02T00:00:00Z"
    assert ada.json("tick", "--to", "2026-12-02")["to"] == "2026-12-02T00:00:00Z"
    assert ada.json("clock")["now"] == "2026-12-02T00:00:00Z"
