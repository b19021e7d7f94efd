"""Incoming mail, phase one: parse, classify (I5) and match (I4) every fixture in tests/support/mail, and
read Maildir and mbox sources without changing them (I1). See tests/support/mail/README.md."""

from __future__ import annotations

import hashlib
import mailbox
import os
import time
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach_cli.errors import OutreachError
from outreach_cli.incoming.classify import classify, is_automatic
from outreach_cli.incoming.match import match
from outreach_cli.incoming.parse import HASH_PREFIX, parse
from outreach_cli.incoming.source import open_source

MAIL = Path(__file__).parents[1] / "support" / "mail"
GRACE, MARIE, ALAN, KAT = (
    "grace.hopper@mail.example.net",
    "marie.curie@example.org",
    "alan.turing@example.net",
    "kat.johnson@example.org",
)
OURS = {f"<outreach-{n}.abc@example.com>": f"message {n}" for n in range(1, 12)}
# address -> one list of open threads per candidate with that address
OPEN_THREADS = {GRACE: [["thread grace"]], MARIE: [["thread marie"]], ALAN: [["thread alan"]], KAT: [["thread kat"]]}


def mail(name: str):
    return parse((MAIL / name).read_bytes())


def by_message_id(ids):
    return next((OURS[i] for i in ids if i in OURS), None)


def triple(result):
    return result.kind, result.matched_by, result.message


def decide(name: str, threads=OPEN_THREADS, ours=by_message_id):
    parsed = mail(name)
    return match(parsed, classify(parsed), ours, lambda address: threads.get(address, []))


# -- I4 matching ---------------------------------------------------------------------------------


def test_I4_gmail_reply_matched_by_in_reply_to():
    assert triple(decide("reply-gmail.eml")) == ("reply", "in_reply_to", "message 1")


def test_I4_outlook_reply_matched_by_in_reply_to():
    assert triple(decide("reply-outlook.eml")) == ("reply", "in_reply_to", "message 2")


def test_I4_apple_mail_reply_to_followup_matched_by_in_reply_to():
    assert triple(decide("reply-apple-mail.eml")) == ("reply", "in_reply_to", "message 4")


def test_I4_reply_with_foreign_in_reply_to_matched_by_references():
    assert triple(decide("reply-references-only.eml")) == ("reply", "references", "message 5")


def test_I4_references_are_tried_newest_first():
    parsed = mail("reply-apple-mail.eml")
    seen = []
    answer = lambda ids: seen.append(ids) or (ids[0] if ids[0] == "<outreach-4.abc@example.com>" else None)
    match(parsed, classify(parsed), answer, OPEN_THREADS.get)
    assert seen[0] == [parsed.message_id]  # I8: first, whether the mail is one of ours
    assert seen[1:] == [["<outreach-4.abc@example.com>"]]  # In-Reply-To answered first
    seen.clear()
    match(parsed, classify(parsed), lambda ids: seen.append(ids) and None, OPEN_THREADS.get)
    assert seen[2] == ["<outreach-4.abc@example.com>", "<outreach-3.abc@example.com>"]


def test_I4_reply_to_a_provider_rewritten_id_matched_by_sender():
    result = decide("reply-rewritten-id.eml")
    assert (result.kind, result.matched_by, result.thread) == ("reply", "sender", "thread grace")


def test_I4_fresh_mail_without_in_reply_to_matched_by_sender_case_insensitively():
    assert mail("reply-no-in-reply-to.eml").from_address == GRACE  # written GRACE.HOPPER@MAIL.EXAMPLE.NET
    result = decide("reply-no-in-reply-to.eml")
    assert (result.kind, result.matched_by, result.thread) == ("reply", "sender", "thread grace")


def test_I4_candidate_with_two_open_threads_is_unmatched():
    result = decide("reply-no-in-reply-to.eml", threads={GRACE: [["one", "two"]]})
    assert (result.kind, result.matched_by) == ("unmatched", None)


def test_I4_candidate_with_no_open_thread_is_unmatched():
    result = decide("reply-no-in-reply-to.eml", threads={GRACE: [[]]})
    assert (result.kind, result.matched_by) == ("unmatched", None)


def test_I4_two_candidates_sharing_the_address_is_unmatched():
    result = decide("reply-no-in-reply-to.eml", threads={GRACE: [["one"], []]})
    assert (result.kind, result.matched_by) == ("unmatched", None)


@pytest.mark.parametrize("name", ["spam-unknown.eml", "newsletter-unknown.eml"])
def test_I4_mail_from_nobody_we_wrote_to_is_ignored(name):
    assert triple(decide(name))[:2] == ("ignored", None)


@pytest.mark.parametrize(
    "name, number",
    [
        ("bounce-postfix.eml", 6),
        ("bounce-postfix-delayed.eml", 7),
        ("bounce-exim.eml", 8),
        ("bounce-gmail.eml", 9),
        ("bounce-exchange.eml", 10),
        ("bounce-postmaster-plain.eml", 11),
    ],
)
def test_I4_bounce_matched_by_returned_message_id(name, number):
    assert triple(decide(name)) == ("bounce", "bounce", f"message {number}")


def test_I4_bounce_of_a_message_not_ours_is_ignored():
    assert triple(decide("bounce-postfix.eml", ours=lambda ids: None))[:2] == ("ignored", None)


def test_I4_auto_reply_keeps_its_kind_when_matched():
    assert triple(decide("ooo-exchange.eml")) == ("auto_reply", "in_reply_to", "message 2")
    assert triple(decide("auto-reply-x-autorespond.eml")) == ("auto_reply", "sender", None)


def test_I4_an_id_match_wins_over_the_sender():
    result = decide("reply-gmail.eml", threads={GRACE: [["another thread"]]})
    assert (result.matched_by, result.message, result.thread) == ("in_reply_to", "message 1", None)


# -- I5 classification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, status",
    [
        ("bounce-postfix.eml", "5.1.1"),
        ("bounce-exim.eml", "5.1.1"),
        ("bounce-gmail.eml", "5.1.1"),
        ("bounce-exchange.eml", "5.1.10"),
        ("bounce-postmaster-plain.eml", "5.1.1"),
    ],
)
def test_I5_bounce_with_5xx_status_is_hard_bounce(name, status):
    verdict = classify(mail(name))
    assert (verdict.kind, verdict.hard, verdict.status) == ("bounce", True, status)


def test_I5_postfix_bounce_is_hard_bounce():
    parsed = mail("bounce-postfix.eml")
    assert classify(parsed).kind == "bounce" and classify(parsed).hard
    assert parsed.failed_recipient == "nobody.here@example.org"
    assert parsed.diagnostic_codes == (
        "smtp; 550 5.1.1 <nobody.here@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
    )


def test_I5_postfix_delay_is_soft_bounce_recorded_only():
    verdict = classify(mail("bounce-postfix-delayed.eml"))
    assert (verdict.kind, verdict.hard, verdict.status) == ("bounce", False, "4.4.1")


def test_I5_exim_plain_text_bounce_found_by_x_failed_recipients_and_quoted_headers():
    parsed = mail("bounce-exim.eml")
    assert parsed.is_delivery_report and parsed.failed_recipients == ("gone.away@example.net",)
    assert parsed.returned_message_ids == ("<outreach-8.abc@example.com>",)
    assert parsed.diagnostic_codes == ("550 5.1.1 <gone.away@example.net>: Recipient address rejected: User unknown",)


def test_I5_the_returned_message_text_is_not_read_as_the_report():
    raw = (MAIL / "bounce-gmail.eml").read_bytes()
    raw = raw.replace(b"Status: 5.1.1\n", b"").replace(
        b"Hi, your work caught my eye.", b"Message-ID: <quoted@elsewhere> 5.7.1 permanent error"
    )
    parsed = parse(raw)
    assert parsed.returned_message_ids == ("<outreach-9.abc@example.com>",)
    assert "5.7.1" not in parsed.dsn_statuses


def test_I5_bounce_wins_over_auto_submitted():
    for name in ("bounce-postfix.eml", "bounce-exim.eml", "bounce-gmail.eml", "bounce-exchange.eml"):
        parsed = mail(name)
        assert parsed.auto_headers.get("auto-submitted") == "auto-replied"
        assert classify(parsed).kind == "bounce", name


@pytest.mark.parametrize(
    "name", ["ooo-exchange.eml", "ooo-gmail.eml", "auto-reply-x-autorespond.eml", "newsletter-unknown.eml"]
)
def test_I5_out_of_office_and_bulk_mail_is_auto_reply(name):
    assert classify(mail(name)).kind == "auto_reply"


@pytest.mark.parametrize(
    "name",
    [
        "reply-gmail.eml",
        "reply-outlook.eml",
        "reply-apple-mail.eml",
        "reply-references-only.eml",
        "reply-rewritten-id.eml",
        "reply-no-in-reply-to.eml",
        "spam-unknown.eml",
        "malformed.eml",
    ],
)
def test_I5_anything_else_is_reply(name):
    assert classify(mail(name)).kind == "reply"


@pytest.mark.parametrize(
    "headers, automatic",
    [
        ({"auto-submitted": "no"}, False),
        ({"auto-submitted": "No ; comment"}, False),
        ({"auto-submitted": "auto-generated"}, True),
        ({"auto-submitted": "auto-replied"}, True),
        ({"auto-submitted": "auto-notified"}, True),
        ({"x-autoreply": "yes"}, True),
        ({"x-autorespond": ""}, True),
        ({"precedence": "bulk"}, True),
        ({"precedence": "JUNK"}, True),
        ({"precedence": "auto_reply"}, True),
        ({"precedence": "list"}, False),
        ({"x-auto-response-suppress": "All"}, True),
        ({}, False),
    ],
)
def test_I5_automatic_reply_headers(headers, automatic):
    assert is_automatic(headers) is automatic


# -- parsing -------------------------------------------------------------------------------------


def test_I7_gmail_reply_fields():
    parsed = mail("reply-gmail.eml")
    assert parsed.message_id == "<CAKx7Pm0s3uT2W=9_Yb2qv0gq1hJpQ1zQn6+Lr8=z4Nn1xJ4kEw@mail.gmail.com>"
    assert not parsed.message_id_is_hash
    assert (parsed.from_address, parsed.from_name) == (GRACE, "Grace Hopper")
    assert parsed.subject == "Re: Grace, a backend role"
    assert parsed.date == datetime(2026, 12, 1, 10, 42, 5, tzinfo=UTC)
    assert parsed.in_reply_to == parsed.references == ("<outreach-1.abc@example.com>",)
    assert parsed.as_dict()["date"] == "2026-12-01T10:42:05Z"


def test_I7_folded_message_id_and_encoded_subject():
    parsed = mail("ooo-exchange.eml")
    assert parsed.message_id == "<DB9PR02MB741988B2F3A4C5D6E7F8091A2B3C4@DB9PR02MB7419.eurprd02.prod.outlook.com>"
    assert parsed.subject == "Réponse automatique : Marie, a backend role"
    assert mail("newsletter-unknown.eml").subject == "📈 10 recruiting trends for 2027"


def test_I7_crlf_mail_parses_like_lf_mail():
    raw = (MAIL / "bounce-exchange.eml").read_bytes()
    assert b"\r\n" in raw
    crlf, lf = parse(raw), parse(raw.replace(b"\r\n", b"\n"))
    assert crlf.message_id == lf.message_id and crlf.subject == lf.subject and crlf.date == lf.date
    assert (
        (crlf.returned_message_ids, crlf.dsn_statuses, crlf.failed_recipients)
        == (lf.returned_message_ids, lf.dsn_statuses, lf.failed_recipients)
        == (("<outreach-10.abc@example.com>",), ("5.1.10",), ("resigned.person@contoso.example.com",))
    )


def test_I3_mail_without_message_id_gets_a_marked_hash_of_its_bytes():
    raw = (MAIL / "bounce-postmaster-plain.eml").read_bytes()
    parsed = parse(raw)
    assert parsed.message_id_is_hash
    assert parsed.message_id == HASH_PREFIX + hashlib.sha256(raw).hexdigest()


def test_I3_malformed_mail_parses_without_crashing():
    parsed = mail("malformed.eml")
    assert parsed.message_id_is_hash and parsed.date is None
    assert parsed.from_address == GRACE
    assert "caf" in parsed.subject and "\x00" not in parsed.subject
    assert parsed.in_reply_to == ()


def test_I3_hostile_ids_are_bounded():
    long_id = "<" + "x" * 5000 + "@example.com>"
    references = " ".join(f"<r{n}@example.com>" for n in range(1000))
    parsed = parse(f"Message-ID: {long_id}\nIn-Reply-To: {long_id}\nReferences: {references}\n\nhi".encode())
    assert parsed.message_id_is_hash and parsed.in_reply_to == ()
    assert len(parsed.references) == 100 and parsed.references[-1] == "<r999@example.com>"


HEADER_NAMES = [
    "From",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Content-Type",
    "Auto-Submitted",
    "Precedence",
    "X-Failed-Recipients",
    "Content-Transfer-Encoding",
    "To",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_I3_random_bytes_never_crash_parse(raw):
    parsed = parse(raw)
    match(parsed, classify(parsed), lambda ids: None, lambda address: [])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(HEADER_NAMES), st.one_of(st.binary(max_size=80), st.text(max_size=80).map(str.encode))
        ),
        max_size=12,
    ),
    st.binary(max_size=500),
    st.booleans(),
)
def test_I3_random_headers_never_crash_parse(headers, body, report):
    head = b"".join(name.encode() + b": " + value + b"\n" for name, value in headers)
    if report:  # send it down the whole-message path too
        head = (
            b"From: MAILER-DAEMON@x.example\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n"
            + head
        )
        body = (
            b"--b\nContent-Type: message/delivery-status\n\n" + body + b"\n--b\nContent-Type: message/rfc822\n\n" + body
        )
    parsed = parse(head + b"\n" + body)
    assert parsed.message_id
    assert parsed.date is None or parsed.date.tzinfo is not None
    match(parsed, classify(parsed), lambda ids: None, lambda address: [])


# -- Maildir and mbox sources --------------------------------------------------------------------

FIXTURES = sorted(MAIL.glob("*.eml"))


def snapshot(root: Path) -> dict:
    """Every file and folder under root: name, bytes, mode and mtime."""
    result = {}
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        result[str(path.relative_to(root))] = (
            path.read_bytes() if path.is_file() else None,
            stat.st_mode,
            stat.st_mtime_ns,
        )
    return result


def make_maildir(root: Path) -> Path:
    box = mailbox.Maildir(root / "Maildir", create=True)
    for index, path in enumerate(FIXTURES):
        message = mailbox.MaildirMessage(path.read_bytes())
        if index % 2:
            message.set_subdir("cur")
            message.set_flags("S")
        box.add(message)
    box.close()
    return root / "Maildir"


def settle(*dirs: Path) -> None:
    """Date folders' mtimes a minute back, as if the last delivery was a while ago."""
    past = time.time_ns() - 60 * 10**9
    for folder in dirs:
        os.utime(folder, ns=(past, past))


def test_I1_maildir_is_read_without_changing_a_byte_or_a_file_name(tmp_path):
    root = make_maildir(tmp_path)
    before = snapshot(root)
    fetched = list(open_source("maildir", dir=str(root)).fetch())
    assert snapshot(root) == before
    on_disk = {name: data for name, (data, _, _) in before.items() if data is not None}
    assert len(fetched) == len(on_disk) == len(FIXTURES)
    for item in fetched:
        [name] = [name for name in on_disk if Path(name).name.split(":")[0] == item.key]
        assert item.raw == on_disk[name]


def test_I1_maildir_second_fetch_lists_nothing_and_skips_known_names(tmp_path):
    root = make_maildir(tmp_path)
    settle(root / "new", root / "cur")
    source = open_source("maildir", dir=str(root))
    batch = source.fetch()
    keys = [item.key for item in batch]
    assert batch.cursor is not None
    assert list(source.fetch(batch.cursor)) == []
    # a new delivery changes new/: only the file not known is opened
    box = mailbox.Maildir(root, create=False)
    new_key = box.add((MAIL / "reply-gmail.eml").read_bytes())
    again = source.fetch(batch.cursor, known=set(keys))
    assert [item.key for item in again] == [new_key]
    # a mail client marking a message read (new/ -> cur/, ":2,S") does not make it new
    box[new_key] = mailbox.MaildirMessage(box.get_message(new_key))
    assert [item.key for item in source.fetch(again.cursor, known=set(keys) | {new_key})] == []


def test_I1_maildir_fresh_folders_are_not_trusted_as_a_cursor(tmp_path):
    root = make_maildir(tmp_path)  # folders changed just now: a delivery may land within the same tick
    now = time.time_ns()  # "just now" as this process sees it (under faketime the file system's time differs)
    for folder in ("new", "cur"):
        os.utime(root / folder, ns=(now, now))
    batch = open_source("maildir", dir=str(root)).fetch()
    list(batch)
    assert batch.cursor is None


def test_I1_maildir_keys_are_those_of_the_mailbox_module(tmp_path):
    root = make_maildir(tmp_path)
    (root / "new" / ".hidden").write_bytes(b"not mail")
    (root / "cur" / "subfolder").mkdir()
    fetched = {item.key: item.raw for item in open_source("maildir", dir=str(root)).fetch()}
    stdlib = mailbox.Maildir(root, create=False)
    assert fetched == {key: stdlib.get_bytes(key) for key in stdlib.keys() if not key.startswith(".")}  # noqa: SIM118 - a Mailbox iterates over its messages, not its keys


def test_I2_a_missing_maildir_and_a_folder_without_new_are_transport_errors(tmp_path):
    """I2: a Maildir that does not exist is a mailbox that cannot be read, never an empty one."""
    with pytest.raises(OutreachError) as missing:
        list(open_source("maildir", dir=str(tmp_path / "nope")).fetch())
    assert missing.value.code == "transport_error" and "does not exist" in missing.value.message
    (tmp_path / "plain").mkdir()
    with pytest.raises(OutreachError) as caught:
        list(open_source("maildir", dir=str(tmp_path / "plain")).fetch())
    assert caught.value.code == "transport_error" and "is not a Maildir" in caught.value.message


def make_mbox(path: Path, names) -> None:
    box = mailbox.mbox(path, create=True)
    for name in names:
        box.add((MAIL / name).read_bytes())
    box.close()


def test_I1_mbox_is_read_without_changing_a_byte(tmp_path):
    path = tmp_path / "inbox.mbox"
    make_mbox(path, [p.name for p in FIXTURES])
    before = snapshot(tmp_path)
    fetched = list(open_source("mbox", file=str(path)).fetch())
    assert snapshot(tmp_path) == before
    stdlib = mailbox.mbox(path, create=False)
    assert [item.raw for item in fetched] == [stdlib.get_bytes(key) for key in stdlib.keys()]  # noqa: SIM118 - a Mailbox iterates over messages
    assert len(fetched) == len(FIXTURES)


def test_I1_mbox_reads_only_what_was_appended_and_restarts_after_a_rewrite(tmp_path):
    path = tmp_path / "inbox.mbox"
    make_mbox(path, ["reply-gmail.eml", "reply-outlook.eml"])
    source = open_source("mbox", file=str(path))
    batch = source.fetch()
    assert len(list(batch)) == 2
    assert list(source.fetch(batch.cursor)) == []
    make_mbox(path, ["ooo-gmail.eml"])  # appended
    grown = source.fetch(batch.cursor)
    assert [parse(item.raw).message_id for item in grown] == [mail("ooo-gmail.eml").message_id]
    path.unlink()
    make_mbox(path, ["spam-unknown.eml"])  # rewritten: shorter, other bytes
    assert [parse(item.raw).message_id for item in source.fetch(grown.cursor)] == [mail("spam-unknown.eml").message_id]


def test_I2_a_missing_mbox_and_an_unreadable_one_are_transport_errors(tmp_path):
    """I2: an mbox file that does not exist is a mailbox that cannot be read, never an empty one."""
    with pytest.raises(OutreachError) as missing:
        list(open_source("mbox", file=str(tmp_path / "nope.mbox")).fetch())
    assert missing.value.code == "transport_error" and "does not exist" in missing.value.message
    (tmp_path / "folder.mbox").mkdir()
    with pytest.raises(OutreachError) as caught:
        list(open_source("mbox", file=str(tmp_path / "folder.mbox")).fetch())
    assert caught.value.code == "transport_error" and "could not be read" in caught.value.message


# -- speed ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_I2_reading_10000_maildir_messages_within_2x_a_stdlib_header_loop(tmp_path):
    """Fetch and parse 10,000 messages (1 in 20 a bounce, parsed whole) against a bare loop that
    reads the same files and parses their headers with the standard library. Best of 3 each."""
    replies = [p.read_bytes() for p in FIXTURES if not p.name.startswith("bounce")]
    bounces = [p.read_bytes() for p in FIXTURES if p.name.startswith("bounce")]
    new = tmp_path / "Maildir" / "new"
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "Maildir" / sub).mkdir(parents=True)
    for n in range(10_000):
        raw = bounces[n // 20 % len(bounces)] if n % 20 == 0 else replies[n % len(replies)]
        (new / f"{1796000000 + n}.M{n}P1.host").write_bytes(
            raw.replace(b"Message-ID: <", f"Message-ID: <{n}.".encode(), 1)
        )
    files = sorted(new.iterdir())
    parser = BytesParser(policy=policy.default)

    def baseline():
        for path in files:
            with open(path, "rb") as handle:
                parser.parsebytes(handle.read(), headersonly=True)

    def ours():
        for item in open_source("maildir", dir=str(tmp_path / "Maildir")).fetch():
            parse(item.raw)

    timings = {"baseline": [], "ours": []}
    for _ in range(3):
        for name, run in (("baseline", baseline), ("ours", ours)):
            start = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - start)
    ratio = min(timings["ours"]) / min(timings["baseline"])
    print(f"\nread 10,000: {ratio:.2f}x the stdlib header loop")
    assert ratio <= 2.0, f"{ratio:.2f}x the standard-library header loop ({timings})"


def test_I2_an_idle_second_fetch_opens_no_mail_and_imports_no_mail_parser(tmp_path):
    """What cron's tick pays when nothing arrived: two stat() calls for a Maildir, one for an mbox."""
    import subprocess
    import sys

    root = make_maildir(tmp_path)
    settle(root / "new", root / "cur")
    path = tmp_path / "inbox.mbox"
    make_mbox(path, ["reply-gmail.eml"])
    maildir_batch, mbox_batch = (
        open_source("maildir", dir=str(root)).fetch(),
        open_source("mbox", file=str(path)).fetch(),
    )
    list(maildir_batch), list(mbox_batch)
    code = f"""
import sys
from outreach_cli.incoming.source import open_source
assert list(open_source("maildir", dir={str(root)!r}).fetch({maildir_batch.cursor!r})) == []
assert list(open_source("mbox", file={str(path)!r}).fetch({mbox_batch.cursor!r})) == []
heavy = sorted(name for name in ("mailbox", "email.parser", "email.policy", "imaplib") if name in sys.modules)
assert not heavy, heavy
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_I1_mbox_being_written_is_left_for_next_time(tmp_path):
    """A delivery agent appending holds an exclusive lock; the fetch waits 2 s, then says so."""
    import subprocess
    import sys

    path = tmp_path / "inbox.mbox"
    make_mbox(path, ["reply-gmail.eml"])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"""
import fcntl, sys, time
handle = open({str(path)!r}, "r+b")
fcntl.lockf(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(30)
""",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutreachError) as caught:
            list(open_source("mbox", file=str(path)).fetch())
        assert caught.value.code == "transport_error"
        assert caught.value.message == f"The mbox file {path} is locked by another program; it will be read next time."
    finally:
        holder.kill()
        holder.wait()
    assert len(list(open_source("mbox", file=str(path)).fetch())) == 1
