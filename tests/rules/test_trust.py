"""Replies you can trust (issue 20): each finding of the hostile trial, by its rule (I2, I4, I5, I8-I11, I14, I15,
and the erasure of `candidates remove`). Mail is real bytes read from real Maildirs, mbox files and stdin."""

from __future__ import annotations

import json
import mailbox
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rules.test_replies import EMAILS, MAIL, deliver, fixture, maildir, rows, sent_thread, write  # noqa: F401
from tests.support.helpers import compose

GRACE = EMAILS["grace"]


def note(
    sender: str,
    subject: str,
    *,
    in_reply_to: str | None = None,
    message_id: str = "<n1@mail.example.net>",
    headers: str = "",
    body: str = "Thanks, I am interested.",
) -> bytes:
    lines = [
        f"From: {sender}",
        "To: Ada Lovelace <ada@example.com>",
        f"Subject: {subject}",
        "Date: Tue, 1 Dec 2026 09:00:00 +0000",
        f"Message-ID: {message_id}",
    ]
    if in_reply_to:
        lines.append(f"In-Reply-To: {in_reply_to}")
    return ("\n".join(lines) + "\n" + headers + "\n" + body + "\n").encode()


def imported(cli, tmp_path: Path, raw: bytes) -> dict:
    [mail] = cli.json("replies", "import", write(tmp_path / "mail.eml", raw))["incoming"]
    return mail


# -- I14 an mbox rewritten by a mail client -----------------------------------------------------------------------


def test_I14_a_reply_at_the_offset_of_deleted_mail_in_a_rewritten_mbox_is_read(people, tmp_path):
    thread = sent_thread(people, "grace")
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(path)
    box.add(note("Newsletter <news@shop.example.com>", "Deals", message_id="<deal@shop.example.com>"))
    box.close()
    people("mailbox", "set", "mbox", "--file", path)
    people.json("replies", "fetch")
    path.unlink()  # the client deleted the newsletter and wrote the file again, with the reply first
    box = mailbox.mbox(path)
    box.add(note(f"Grace <{GRACE}>", "Re: hello", in_reply_to=thread["messages"][0]["internet_message_id"]))
    box.close()
    [mail] = people.json("replies", "fetch")["incoming"]
    assert mail["kind"] == "reply" and mail["new"] is True
    assert people.json("thread", thread["id"])["messages"][1]["cancel_reason"] == "responded"


def test_I14_import_on_a_locked_database_exits_75_so_the_mta_retries(people, tmp_path):
    people("init", code=1)  # (the database exists)
    lock = sqlite3.connect(people.db_path, timeout=0)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        env = {**os.environ, "OUTREACH_DB": str(people.db_path), "OUTREACH_BUSY_TIMEOUT_MS": "200"}
        result = subprocess.run(
            [sys.executable, "-m", "outreach_cli", "replies", "import", "-"],
            input=note(f"Grace <{GRACE}>", "Re: hello"),
            capture_output=True,
            env=env,
            timeout=60,
        )
    finally:
        lock.rollback()
        lock.close()
    assert result.returncode == 75, result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize(
    "raw, subject",
    [
        (b"Subject: Offer \x96 caf\xe9\n", "Offer \u2013 caf\u00e9"),
        (b"Subject: =?iso-8859-1?Q?Offer_=96_caf=E9?=\n", "Offer \u2013 caf\u00e9"),
    ],
)
def test_I14_windows_1252_headers_are_decoded_as_mail_clients_do(raw, subject):
    from outreach_cli.incoming.parse import parse

    assert parse(b"From: a@mail.example.net\n" + raw + b"\nbody\n").subject == subject


@pytest.mark.parametrize(
    "raw, subject, name",
    [
        (b"Subject: =?utf-8?q?caf=C3=A9?= \xe2\x80\x94 raw\n", "caf\u00e9 \u2014 raw", "x"),
        (b"Subject: Re: =?utf-8?q?Caf=C3=A9?= \xe2\x80\x94 role\n", "Re: Caf\u00e9 \u2014 role", "x"),
        (b"Subject: =?utf-8?b?4oA=?= =?utf-8?b?lA==?= split\n", "\u2014 split", "x"),  # one character, two words
    ],
)
def test_I14_a_header_mixing_encoded_words_and_raw_utf8_is_decoded_whole(raw, subject, name):
    """decode_header turned the raw part of such a header into a literal backslash-u escape, so the subject of a
    reply no longer matched its thread (I11) and was held as unmatched."""
    from outreach_cli.incoming.parse import parse

    mail = parse(b"From: x <g@mail.example.org>\n" + raw + b"\nbody\n")
    assert mail.subject == subject and mail.from_name == name
    mixed = parse(b"From: Ren\xc3\xa9 =?utf-8?q?M=C3=BCller?= <g@mail.example.org>\nSubject: s\n\nbody\n")
    assert mixed.from_name == "Ren\u00e9 M\u00fcller"


# -- I10 evidence about delivery --------------------------------------------------------------------------------


def unknown_thread(cli, tmp_path: Path) -> dict:
    """A thread whose initial is `unknown`: the exec transport timed out after taking it."""
    cli("seats", "set", "ada", "--from", "Ada Lovelace <ada@example.com>")
    cli("delivery", "set", "exec", "--command", "cat >/dev/null; sleep 5", "--timeout", "1")
    draft = compose(cli, "grace", followup="Any thoughts?")
    thread = cli.json("schedule", draft["id"], "--now")["threads"][0]
    cli("tick")
    thread = cli.json("thread", thread["id"])
    assert thread["messages"][0]["status"] == "unknown"
    return thread


def test_I10_a_reply_to_an_unknown_message_settles_it_sent_and_is_the_response(people, tmp_path):
    thread = unknown_thread(people, tmp_path)
    initial = thread["messages"][0]
    mail = imported(people, tmp_path, note(f"Grace <{GRACE}>", "Re: hello", in_reply_to=initial["internet_message_id"]))
    assert mail["kind"] == "reply"
    after = people.json("thread", thread["id"])
    assert after["messages"][0]["status"] == "sent" and after["response"]["kind"] == "reply"
    assert after["messages"][1]["cancel_reason"] == "responded"  # the follow-up does not go
    assert people.json("doctor")["ok"]


def test_I10_a_bounce_after_the_reply_is_recorded_only(people, tmp_path):
    thread = sent_thread(people, "grace")
    initial = thread["messages"][0]
    imported(people, tmp_path, note(f"Grace <{GRACE}>", "Re: hello", in_reply_to=initial["internet_message_id"]))
    bounce = imported(people, tmp_path, fixture("bounce-postfix.eml", **{"6": initial["internet_message_id"]}))
    assert bounce["kind"] == "bounce"
    assert people.json("thread", thread["id"])["messages"][0]["status"] == "sent"
    assert people.json("candidates", "show", "grace")["email_undeliverable"] is False


def test_I10_a_reply_after_a_bounce_records_the_response_and_clears_the_mark(people, tmp_path):
    thread = sent_thread(people, "grace")
    initial = thread["messages"][0]
    imported(people, tmp_path, fixture("bounce-postfix.eml", **{"6": initial["internet_message_id"]}))
    refunds = len([r for r in people.json("credits", "--ledger")["ledger"] if r["reason"] == "refund"])
    imported(people, tmp_path, note(f"Grace <{GRACE}>", "Re: hello", in_reply_to=initial["internet_message_id"]))
    after = people.json("thread", thread["id"])
    assert after["response"]["kind"] == "reply" and after["messages"][0]["status"] == "sent"
    assert people.json("candidates", "show", "grace")["email_undeliverable"] is False
    assert len([r for r in people.json("credits", "--ledger")["ledger"] if r["reason"] == "refund"]) == refunds  # C10


def test_I10_a_late_bounce_for_an_old_address_leaves_the_new_one_usable(people, tmp_path):
    people("candidates", "set", "grace", "--email", "nobody.here@example.org")
    thread = sent_thread(people, "grace")
    people("candidates", "set", "grace", "--email", GRACE)  # corrected
    imported(people, tmp_path, fixture("bounce-postfix.eml", **{"6": thread["messages"][0]["internet_message_id"]}))
    assert people.json("thread", thread["id"])["messages"][0]["status"] == "failed"
    assert people.json("candidates", "show", "grace")["email_undeliverable"] is False


def test_I5_a_gave_up_dsn_action_failed_with_a_4xx_status_is_a_bounce(people, tmp_path):
    thread = sent_thread(people, "grace")
    raw = fixture("bounce-postfix.eml", **{"6": thread["messages"][0]["internet_message_id"]})
    raw = raw.replace(b"Status: 5.1.1", b"Status: 4.4.1").replace(b"550 5.1.1", b"450 4.4.1")
    mail = imported(people, tmp_path, raw)
    assert (mail["kind"], mail["hard"]) == ("bounce", True)
    after = people.json("thread", thread["id"])
    assert after["messages"][0]["status"] == "failed" and after["messages"][1]["cancel_reason"] == "initial_not_sent"


# -- I8 our own mail ----------------------------------------------------------------------------------------------


def test_I8_our_own_message_read_back_is_ignored_and_a_note_from_the_seat_cancels_nothing(people, tmp_path):
    people("seats", "set", "ada", "--from", "Ada Lovelace <ada@example.com>")
    thread = sent_thread(people, "grace")
    initial = thread["messages"][0]
    own = note("Ada Lovelace <ada@example.com>", "hello", message_id=initial["internet_message_id"])
    assert imported(people, tmp_path, own)["kind"] == "ignored"
    memo = note(
        "Ada Lovelace <ada@example.com>",
        "Re: hello",
        in_reply_to=initial["internet_message_id"],
        message_id="<memo@example.com>",
    )
    assert imported(people, tmp_path, memo)["kind"] == "ignored"
    people("seats", "set", "ada", "--also-from", "ada.private@mail.example.org")
    private = note(
        "ada.private@mail.example.org",
        "Re: hello",
        in_reply_to=initial["internet_message_id"],
        message_id="<memo2@example.com>",
    )
    assert imported(people, tmp_path, private)["kind"] == "ignored"
    after = people.json("thread", thread["id"])
    assert after["response"] is None and after["messages"][1]["status"] == "scheduled"


def test_I8_mailbox_set_refuses_the_seats_outbox(people, tmp_path):
    people("delivery", "set", "outbox", "--dir", tmp_path / "box")
    people("seats", "set", "ada", "--from", "Ada Lovelace <ada@example.com>")
    (tmp_path / "box" / "new").mkdir(parents=True, exist_ok=True)
    people.refused("mailbox", "set", "maildir", "--dir", tmp_path / "box", code="invalid_input")


# -- I9 lists and robots ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject, headers, kind",
    [
        ("Re: hello", "List-Id: <jobs.lists.example.org>\nPrecedence: list\n", "ignored"),
        ("Automatic reply: hello", "", "auto_reply"),
        ("Out of Office: hello", "", "auto_reply"),
        ("Abwesenheitsnotiz: hello", "", "auto_reply"),
        ("[Verify] Please confirm your email", "", "auto_reply"),
    ],
)
def test_I9_lists_and_robots_do_not_stop_the_followup(people, tmp_path, subject, headers, kind):
    thread = sent_thread(people, "grace")
    mail = imported(people, tmp_path, note(f"Grace <{GRACE}>", subject, headers=headers))
    assert mail["kind"] == kind
    after = people.json("thread", thread["id"])
    assert after["response"] is None and after["messages"][1]["status"] == "scheduled"


# -- I11 mail that matches no single thread ----------------------------------------------------------------------


def two_threads(cli) -> tuple[dict, dict]:
    first = sent_thread(cli, "grace")
    draft = compose(cli, "grace", subject="Another role, {first_name}", followup="Any thoughts?")
    second = cli.json("schedule", draft["id"], "--now")["threads"][0]
    cli("tick")
    return first, cli.json("thread", second["id"])


def test_I11_a_reply_with_a_rewritten_in_reply_to_matches_by_subject(people, tmp_path):
    first, second = two_threads(people)
    mail = imported(
        people,
        tmp_path,
        note(f"Grace <{GRACE}>", "RE: AW: Another role, Grace", in_reply_to="<rewritten@outlook.example.com>"),
    )
    assert (mail["kind"], mail["matched_by"], mail["thread_id"]) == ("reply", "subject", second["id"])
    assert people.json("thread", first["id"])["response"] is None


def test_I11_unmatched_mail_holds_the_candidates_followups_until_dismissed(people, tmp_path):
    first, second = two_threads(people)
    mail = imported(people, tmp_path, note(f"Grace <{GRACE}>", "Not interested, please stop"))
    assert mail["kind"] == "unmatched"
    result = people("tick", "--by", "8d", "--json")
    assert json.loads(result.stdout)["sent"] == []
    assert "matched no single thread" in result.stderr and f"incoming {mail['id']}" in result.stderr
    for thread in (first, second):
        assert people.json("thread", thread["id"])["messages"][1]["status"] == "scheduled"
    assert people.json("replies", "dismiss", mail["id"])["kind"] == "ignored"
    result = people("tick", "--json")
    assert len(json.loads(result.stdout)["sent"]) == 2 and "matched no single thread" not in result.stderr
    people.refused("replies", "dismiss", mail["id"], code="invalid_state")


def test_I11_a_reply_from_the_candidates_other_address_is_their_reply(people, tmp_path):
    thread = sent_thread(people, "grace")
    people("candidates", "set", "grace", "--also-email", "grace@home.example.org")
    mail = imported(people, tmp_path, note("Grace <grace@home.example.org>", "A question"))
    assert (mail["kind"], mail["matched_by"], mail["thread_id"]) == ("reply", "sender", thread["id"])


def test_I4_an_answered_thread_does_not_count_as_open(people, tmp_path):
    first, second = two_threads(people)
    people("reply", first["id"])
    mail = imported(people, tmp_path, note(f"Grace <{GRACE}>", "A question"))
    assert (mail["kind"], mail["matched_by"], mail["thread_id"]) == ("reply", "sender", second["id"])


# -- I2 a mailbox that does not exist ----------------------------------------------------------------------------


def test_I2_mailbox_set_refuses_a_path_that_does_not_exist_and_a_missing_one_holds_followups(people, tmp_path):
    message = people.refused("mailbox", "set", "maildir", "--dir", tmp_path / "typo", code="invalid_input")
    assert str(tmp_path / "typo") in message
    people.refused("mailbox", "set", "mbox", "--file", tmp_path / "typo.mbox", code="invalid_input")
    thread = sent_thread(people, "grace")
    root = maildir(tmp_path)
    people("mailbox", "set", "maildir", "--dir", root)
    root.rename(tmp_path / "moved")
    result = people("tick", "--by", "8d", "--json")
    assert json.loads(result.stdout)["sent"] == [] and "does not exist" in result.stderr
    assert people.json("thread", thread["id"])["messages"][1]["status"] == "scheduled"


# -- I15 what the mail a tick read did ---------------------------------------------------------------------------


def test_I15_a_tick_reports_a_message_failed_by_a_bounce_in_failed_and_on_stderr(people, tmp_path):
    thread = sent_thread(people, "grace")
    initial = thread["messages"][0]
    root = maildir(tmp_path, fixture("bounce-postfix.eml", **{"6": initial["internet_message_id"]}))
    people("mailbox", "set", "maildir", "--dir", root)
    result = people("tick", "--json")
    report = json.loads(result.stdout)
    assert [item["id"] for item in report["failed"]] == [initial["id"]]
    assert report["failed"][0]["failure"].startswith("bounced:")
    assert f"message(s) {initial['id']} failed" in result.stderr


# -- candidates remove -------------------------------------------------------------------------------------------


def test_erasure_candidates_remove_erases_incoming_mail_and_doctor_finds_any_left(people, tmp_path):
    thread = sent_thread(people, "grace")
    imported(
        people,
        tmp_path,
        note(
            f"Renee Phone <{GRACE}>",
            "Re: call me on +44 7700 900123",
            in_reply_to=thread["messages"][0]["internet_message_id"],
        ),
    )
    people("candidates", "remove", "grace")
    [mail] = people.json("replies", "list")
    assert (mail["from"], mail["from_name"], mail["subject"]) == (None, None, None)
    data = people.db_path.read_bytes()
    assert b"7700 900123" not in data and GRACE.encode() not in data and b"Renee Phone" not in data
    assert people.json("doctor")["ok"]
    conn = sqlite3.connect(people.db_path)
    conn.execute("UPDATE incoming SET subject = 'Re: call me' WHERE id = ?", (mail["id"],))
    conn.commit()
    conn.close()
    report = people.json("doctor", code=1)
    assert any("incoming" in finding["message"] for finding in report["findings"])
