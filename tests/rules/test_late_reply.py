"""Replies, second pass (issue 20): a reply dated before the follow-up went but read only after it (I13), and
`resolve --resend` of an answered thread (I10). Mail is real bytes in a real Maildir, read by real ticks on a
simulated clock."""

from __future__ import annotations

import json

import pytest

from tests.rules.test_replies import EMAILS, deliver, ledger_reasons, maildir, sent_thread  # noqa: F401
from tests.rules.test_trust import note, unknown_thread  # noqa: F401
from tests.support.helpers import balance

GRACE = EMAILS["grace"]


@pytest.mark.parametrize("threaded", [True, False], ids=["in_reply_to", "sender"])
def test_I13_a_reply_dated_before_the_followup_went_but_read_after_answers_the_initial(people, tmp_path, threaded):
    before = balance(people)
    root = maildir(tmp_path)  # empty while the follow-up goes
    people("mailbox", "set", "maildir", "--dir", root)
    thread = sent_thread(people, "grace")
    initial, followup = thread["messages"]
    tick = people.json("tick", "--by", "8d")  # 2026-12-08 08:00: the follow-up goes, nothing in the mailbox yet
    assert followup["id"] in tick["sent"]
    # the candidate answered the initial on 3 December; their mail reaches the mailbox only now
    reply = note(
        f"Grace Hopper <{GRACE}>",
        "Re: Hello Grace",
        message_id="<late-1@mail.example.net>",
        in_reply_to=initial["internet_message_id"] if threaded else None,
    )
    deliver(root, reply.replace(b"Date: Tue, 1 Dec 2026 09:00:00", b"Date: Thu, 3 Dec 2026 10:00:00"))
    result = people("tick", "--json")
    report = json.loads(result.stdout)
    assert report["late_followups"] == [followup["id"]]
    assert f"Follow-up(s) {followup['id']} went after the candidate had answered" in result.stderr
    after = people.json("thread", thread["id"])
    assert after["response"] == {"kind": "reply", "at": "2026-12-03T10:00:00Z", "message_id": initial["id"]}
    assert ledger_reasons(people)[-2:] == [("refund", initial["id"]), ("refund", followup["id"])]  # C2: both
    assert balance(people) == before
    attention = people.json("inbox", "--folder", "attention")
    assert [(m["id"], m["answered_at"]) for m in attention] == [(followup["id"], "2026-12-03T10:00:00Z")]
    shown = people("inbox", "--folder", "attention").stdout
    assert f"Message {followup['id']} went at 2026-12-08 08:00Z, after the candidate had answered" in shown
    assert people.json("doctor") == {"ok": True, "findings": []}  # the tool could not have known: no finding


def test_I13_a_reply_dated_after_the_followup_went_answers_the_followup_only(people, tmp_path):
    root = maildir(tmp_path)
    people("mailbox", "set", "maildir", "--dir", root)
    thread = sent_thread(people, "grace")
    initial, followup = thread["messages"]
    people.json("tick", "--by", "8d")
    reply = note(
        f"Grace Hopper <{GRACE}>",
        "Re: Hello Grace",
        message_id="<late-2@mail.example.net>",
        in_reply_to=initial["internet_message_id"],
    )
    deliver(root, reply.replace(b"Date: Tue, 1 Dec 2026 09:00:00", b"Date: Tue, 8 Dec 2026 12:00:00"))
    result = people("tick", "--json")
    assert "late_followups" not in json.loads(result.stdout) and "went after" not in result.stderr
    assert people.json("thread", thread["id"])["response"]["message_id"] == followup["id"]  # R2, C3
    assert ("refund", initial["id"]) not in ledger_reasons(people)
    assert people.json("inbox", "--folder", "attention") == []


def test_I10_resend_of_an_unknown_message_whose_thread_has_a_response_is_refused(people, tmp_path):
    thread = unknown_thread(people, tmp_path)  # its initial is unknown (the exec transport timed out)
    initial = thread["messages"][0]
    people("resolve", initial["id"], "--sent")  # it went after all; the follow-up goes 7 days later ...
    people("delivery", "set", "exec", "--command", "cat >/dev/null; sleep 5", "--timeout", "1")
    people("tick", "--by", "8d")  # ... and its attempt times out too
    followup = people.json("thread", thread["id"])["messages"][1]
    assert followup["status"] == "unknown"
    people("reply", thread["id"])  # the candidate answered meanwhile
    message = people.refused("resolve", followup["id"], "--resend", code="already_responded")
    assert "has a response" in message
    assert people.json("resolve", followup["id"], "--cancel")["status"] == "canceled"  # the other ways stay open


def test_I13_a_late_reply_piped_in_by_replies_import_says_so_too(people, tmp_path):
    thread = sent_thread(people, "grace")  # no mailbox: a .forward pipe hands mail to `replies import -`
    initial, followup = thread["messages"]
    people.json("tick", "--by", "8d")
    path = tmp_path / "late.eml"
    path.write_bytes(note(f"Grace Hopper <{GRACE}>", "Re: Hello Grace", in_reply_to=initial["internet_message_id"]))
    result = people("replies", "import", path, "--json")
    assert json.loads(result.stdout)["late_followups"] == [followup["id"]]
    assert f"Follow-up(s) {followup['id']} went after the candidate had answered" in result.stderr
    assert people.json("thread", thread["id"])["response"]["message_id"] == initial["id"]
