"""I12: `replies reclassify INCOMING --as reply|auto_reply|ignored`, the undo of a wrong reading of mail. Mail is real
bytes in a real Maildir, read by real ticks on a simulated clock; credits are checked against the ledger and doctor."""

from __future__ import annotations

from tests.rules.test_replies import EMAILS, deliver, fixture, ledger_reasons, maildir, sent_thread  # noqa: F401
from tests.rules.test_trust import note
from tests.support.helpers import balance, compose

GRACE = EMAILS["grace"]


def answered_by_mail(cli, tmp_path, raw: bytes | None = None) -> tuple[dict, dict, dict]:
    """A thread whose initial went at START and whose follow-up was due 7 days later, then a mail read by a tick:
    (thread, the incoming mail, the tick's report)."""
    root = maildir(tmp_path)
    cli("mailbox", "set", "maildir", "--dir", root)
    thread = sent_thread(cli, "grace")
    initial = thread["messages"][0]
    deliver(
        root,
        raw
        or note(
            f"Grace Hopper <{GRACE}>",
            "Re: Hello Grace",
            body="I am travelling this week.",
            in_reply_to=initial["internet_message_id"],
        ),
    )
    report = cli.json("tick")
    [mail] = cli.json("replies", "list")
    return cli.json("thread", thread["id"]), mail, report


def test_I12_a_response_taken_away_reschedules_the_followup_at_its_own_time_and_charges_again(people, tmp_path):
    before = balance(people)
    thread, mail, _report = answered_by_mail(people, tmp_path)
    initial, followup = thread["messages"]
    assert followup["cancel_reason"] == "responded" and balance(people) == before  # C2: both refunded
    result = people.json("replies", "reclassify", mail["id"], "--as", "auto_reply")
    assert (result["id"], result["kind"], result["thread_id"]) == (mail["id"], "auto_reply", thread["id"])
    assert (result["credits_charged"], result["refunded"], result["rescheduled"]) == (2, 0, [followup["id"]])
    after = people.json("thread", thread["id"])
    assert after["response"] is None
    assert (after["messages"][1]["status"], after["messages"][1]["cancel_reason"]) == ("scheduled", None)
    assert after["messages"][1]["send_at"] == followup["send_at"] == "2026-12-08T08:00:00Z"  # its own time
    assert ledger_reasons(people)[-2:] == [("charge", initial["id"]), ("charge", followup["id"])]
    assert balance(people) == before - 2
    assert people.json("doctor") == {"ok": True, "findings": []}
    assert people.json("tick", "--by", "8d")["sent"] == [followup["id"]]  # it goes, as if nothing had come
    assert people.json("doctor")["ok"]


def test_I12_a_followup_whose_time_has_passed_goes_at_the_next_tick_in_the_seats_window(people, tmp_path):
    thread, mail, _report = answered_by_mail(people, tmp_path)
    followup = thread["messages"][1]
    people.json("tick", "--by", "10d")  # Friday 11 December, 08:00 London: the follow-up's own time has passed
    people("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00")
    result = people.json("replies", "reclassify", mail["id"], "--as", "ignored")
    assert result["rescheduled"] == [followup["id"]] and result["credits_charged"] == 2
    # W2: the moment the tool picks (now, 03:00 in Grace's New York) moves to the window's next opening
    assert people.json("thread", thread["id"])["messages"][1]["send_at"] == "2026-12-11T14:00:00Z"
    assert people.json("tick", "--to", "2026-12-11T14:00Z")["sent"] == [followup["id"]]
    assert people.json("doctor")["ok"]


def test_I12_ignored_keeps_no_content_and_an_auto_reply_made_a_reply_applies_it(people, tmp_path):
    before = balance(people)
    root = maildir(tmp_path)
    people("mailbox", "set", "maildir", "--dir", root)
    thread = sent_thread(people, "grace")
    initial, followup = thread["messages"]
    deliver(root, fixture("ooo-gmail.eml", **{"1": initial["internet_message_id"]}))
    people.json("tick")
    [mail] = people.json("replies", "list")
    assert mail["kind"] == "auto_reply" and people.json("thread", thread["id"])["response"] is None
    result = people.json("replies", "reclassify", mail["id"], "--as", "reply")
    assert (result["kind"], result["refunded"], result["credits_charged"]) == ("reply", 2, 0)
    after = people.json("thread", thread["id"])
    # its Date (14:00Z) is after the clock's now, so it counts at now (I6)
    assert after["response"] == {"kind": "reply", "at": "2026-12-01T08:00:00Z", "message_id": initial["id"]}
    assert after["messages"][1]["cancel_reason"] == "responded" and balance(people) == before
    # and back: ignored keeps none of its content (I4), and the follow-up is due again
    result = people.json("replies", "reclassify", mail["id"], "--as", "ignored")
    assert (result["from"], result["from_name"], result["subject"]) == (None, None, None)
    assert result["credits_charged"] == 2 and people.json("replies", "list") == []
    assert people.json("doctor")["ok"] and balance(people) == before - 2


def test_I12_a_late_reply_taken_away_charges_the_followup_that_went_again(people, tmp_path):
    """I13 and I12 together: the undo of a reply that answered the initial after the follow-up went."""
    before = balance(people)
    root = maildir(tmp_path)
    people("mailbox", "set", "maildir", "--dir", root)
    thread = sent_thread(people, "grace")
    initial, followup = thread["messages"]
    people.json("tick", "--by", "8d")
    deliver(root, note(f"Grace Hopper <{GRACE}>", "Re: Hello Grace", in_reply_to=initial["internet_message_id"]))
    assert people.json("tick")["late_followups"] == [followup["id"]]
    [mail] = people.json("replies", "list")
    result = people.json("replies", "reclassify", mail["id"], "--as", "auto_reply")
    assert (result["credits_charged"], result["rescheduled"]) == (2, [])  # both went: both are charged again
    assert people.json("inbox", "--folder", "attention") == []
    assert balance(people) == before - 2
    assert people.json("doctor") == {"ok": True, "findings": []}


def test_I12_refused_when_the_seat_cannot_pay_again_and_nothing_changes(world, tmp_path):
    world("candidates", "set", "grace", "--email", GRACE)
    world("candidates", "set", "kat", "--email", EMAILS["kat"])
    _thread, mail, _report = answered_by_mail(world, tmp_path)
    spend = balance(world) - 1  # leave one credit; taking the response away needs two
    for start in range(0, spend, 2):
        count = min(2, spend - start)
        draft = compose(world, "kat", followup="Any thoughts?" if count == 2 else None)
        world.json("schedule", draft["id"], "--at", "2026-12-20T09:00")
    assert balance(world) == 1
    message = world.refused("replies", "reclassify", mail["id"], "--as", "auto_reply", code="insufficient_credits")
    assert "charges again the 2 credit(s) it refunded, but seat ada has 1" in message


def test_I12_unknown_mail_same_kind_and_what_cannot_be_reclassified(people, tmp_path):
    _thread, mail, _report = answered_by_mail(people, tmp_path)
    people.refused("replies", "reclassify", "999", "--as", "auto_reply", code="not_found")
    people.refused("replies", "reclassify", mail["id"], "--as", "bounce", code="invalid_input")
    before = people.snapshot()
    same = people.json("replies", "reclassify", mail["id"], "--as", "reply")  # already a reply: nothing to do
    assert (same["kind"], same["credits_charged"], same["refunded"], same["rescheduled"]) == ("reply", 0, 0, [])
    assert people.snapshot() == before
    other = sent_thread(people, "alan")
    bounce = people.json(
        "replies",
        "import",
        str(
            _write(
                tmp_path / "b.eml", fixture("bounce-postfix.eml", **{"6": other["messages"][0]["internet_message_id"]})
            )
        ),
    )["incoming"][0]
    assert bounce["kind"] == "bounce"
    people.refused("replies", "reclassify", bounce["id"], "--as", "auto_reply", code="invalid_state")
    stranger = people.json(
        "replies",
        "import",
        str(
            _write(
                tmp_path / "s.eml",
                note("Someone <someone@elsewhere.example.org>", "Hi", message_id="<s1@elsewhere.example.org>"),
            )
        ),
    )["incoming"][0]
    assert stranger["kind"] == "ignored"
    text = people.refused("replies", "reclassify", stranger["id"], "--as", "reply", code="invalid_state")
    assert "outreach reply THREAD" in text


def test_I12_reclassify_is_in_the_commands_help(people):
    out = people("replies", "reclassify", "--help").stdout
    assert "--as" in out and "auto_reply" in out


def _write(path, raw: bytes):
    path.write_bytes(raw)
    return path
