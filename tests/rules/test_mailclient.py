"""M1-M5: writing and sending like a mail client (issue 18). The editor is a real process: a small shell
script set as $EDITOR (or $VISUAL) that records what it was opened on and writes the text the test chose."""

from __future__ import annotations

import json
import stat
import sys

import pytest

from tests.support.helpers import compose


def _editor(tmp_path, monkeypatch, text: str | None, status: int = 0, variable: str = "EDITOR", name="editor"):
    """An editor script: it copies the file it was opened on to NAME.seen, then writes `text` into it (or leaves
    it as it is when text is None) and exits with `status`."""
    (tmp_path / f"{name}.text").write_text(text if text is not None else "", encoding="utf-8")
    script = tmp_path / f"{name}.sh"
    write = f'cat "{tmp_path}/{name}.text" > "$1"\n' if text is not None else ""
    script.write_text(f'#!/bin/sh\ncp "$1" "{tmp_path}/{name}.seen"\n{write}exit {status}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.setenv(variable, str(script))
    return tmp_path / f"{name}.seen"


def test_M1_compose_edit_subject_line_blank_line_body_and_help_dropped(world, tmp_path, monkeypatch):
    seen = _editor(
        tmp_path,
        monkeypatch,
        "Subject: A role, {first_name}\n\nHi {first_name},\n\nA backend role.\n"
        "# a note to myself, dropped\nBest, {sender_name}\n\n\n",
    )
    draft = world.json("compose", "--to", "kat", "--edit", "--subject", "Start")
    assert draft["subject"] == "A role, {first_name}"
    assert draft["body"] == "Hi {first_name},\n\nA backend role.\nBest, {sender_name}"
    opened = seen.read_text(encoding="utf-8")
    assert opened.startswith("Subject: Start\n\n")
    help_text = [line for line in opened.splitlines() if line.startswith("#")]
    assert any("{first_name}" in line and "{sender_name}" in line for line in help_text)
    assert any("1-200" in line and "1-1,900" in line for line in help_text)


def test_M1_visual_wins_over_editor(world, tmp_path, monkeypatch):
    _editor(tmp_path, monkeypatch, "Subject: from EDITOR\n\nbody\n", name="plain")
    monkeypatch.setenv("VISUAL", str(tmp_path / "visual.sh"))
    (tmp_path / "visual.sh").write_text('#!/bin/sh\nprintf "Subject: from VISUAL\\n\\nbody\\n" > "$1"\n')
    (tmp_path / "visual.sh").chmod(0o755)
    assert world.json("compose", "--to", "kat", "--edit")["subject"] == "from VISUAL"


@pytest.mark.parametrize(
    "text,status",
    [
        (None, 1),  # the editor fails (vi's :cq)
        ("Subject: \n\nbody\n", 0),  # an empty subject
        ("Subject: Hello\n\n# only help\n\n", 0),  # an empty body
        ("", 0),  # an empty file
        ("Hello\n\nno subject line\n", 0),  # no Subject: line
        ("Subject: x\n\n" + "b" * 1901 + "\n", 0),  # S6: over the limit
    ],
)
def test_M1_empty_text_or_failing_editor_saves_nothing(world, tmp_path, monkeypatch, text, status):
    _editor(tmp_path, monkeypatch, text, status)
    world.refused("compose", "--to", "kat", "--edit", code="invalid_message")
    world.refused("templates", "save", "T", "--edit", code="invalid_message")
    draft = compose(world, "kat")
    world.refused("followup", draft["id"], "--edit", code="invalid_message")


def test_M1_placeholders_apply_as_for_body(world, tmp_path, monkeypatch):
    _editor(tmp_path, monkeypatch, "Subject: Hi\n\nHello {salary}\n")
    world.refused("compose", "--to", "kat", "--edit", code="unknown_placeholder")


def test_M1_followup_edit_opens_with_re_subject_then_the_existing_followup(world, tmp_path, monkeypatch):
    draft = compose(world, "kat", subject="Backend role")
    seen = _editor(tmp_path, monkeypatch, "Subject: Re: Backend role\n\nAny thoughts, {first_name}?\n")
    changed = world.json("followup", draft["id"], "--edit", "--after", "4d")
    assert changed["followup"]["subject"] == "Re: Backend role"
    assert changed["followup"]["body"] == "Any thoughts, {first_name}?"
    assert seen.read_text(encoding="utf-8").startswith("Subject: Re: Backend role\n\n\n")
    seen = _editor(tmp_path, monkeypatch, None)  # opened on the existing follow-up, saved as it is
    assert world.json("followup", draft["id"], "--edit")["followup"]["body"] == "Any thoughts, {first_name}?"
    assert "Any thoughts, {first_name}?" in seen.read_text(encoding="utf-8")


def test_M1_templates_save_edit_and_compose_edit_from_template(world, tmp_path, monkeypatch):
    _editor(tmp_path, monkeypatch, "Subject: Design at {company|your team}\n\nHello {first_name}\n")
    saved = world.json("templates", "save", "Design", "--edit")
    assert (saved["subject"], saved["body"]) == ("Design at {company|your team}", "Hello {first_name}")
    seen = _editor(tmp_path, monkeypatch, None)
    draft = world.json("compose", "--to", "kat", "--template", "Design", "--edit")
    assert draft["body"] == "Hello {first_name}"
    assert seen.read_text(encoding="utf-8").startswith("Subject: Design at {company|your team}\n\nHello {first_name}\n")


def test_M1_body_file_and_standard_input(world, tmp_path):
    body = tmp_path / "body.txt"
    body.write_text("Line one, {first_name}.\n# not help: a body file is taken as it is\n", encoding="utf-8")
    draft = world.json("compose", "--to", "kat", "--subject", "S", "--body-file", body)
    assert draft["body"] == "Line one, {first_name}.\n# not help: a body file is taken as it is"
    result = world.runner.invoke(
        __import__("outreach_cli.cli").cli.app,
        ["followup", str(draft["id"]), "--body-file", "-", "--json"],
        input="From stdin\n",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["followup"]["body"] == "From stdin"
    saved = world.json("templates", "save", "FromFile", "--subject", "S", "--body-file", body)
    assert saved["body"].startswith("Line one")


def test_M1_body_file_refusals(world, tmp_path):
    (tmp_path / "empty.txt").write_text("\n")
    world.refused(
        "compose", "--to", "kat", "--subject", "S", "--body-file", tmp_path / "empty.txt", code="invalid_message"
    )
    world.refused(
        "compose", "--to", "kat", "--subject", "S", "--body-file", tmp_path / "missing.txt", code="invalid_input"
    )
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9")
    world.refused(
        "compose", "--to", "kat", "--subject", "S", "--body-file", tmp_path / "latin1.txt", code="invalid_input"
    )
    world.refused(
        "compose",
        "--to",
        "kat",
        "--subject",
        "S",
        "--body",
        "b",
        "--body-file",
        tmp_path / "empty.txt",
        code="invalid_input",
    )


# ---------------------------------------------------------------- M2: signatures


def _mailer(world, tmp_path):
    """ada with a sender address, kat with an email, and an outbox: the delivered bytes are files."""
    world("seats", "set", "ada", "--from", "Ada Lovelace <ada@example.com>")
    world("candidates", "set", "kat", "--email", "kat@example.org")
    world("delivery", "set", "outbox", "--dir", tmp_path / "box")
    return tmp_path / "box" / "new"


def _delivered(box):
    from email import message_from_bytes, policy

    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(box.iterdir())]


def test_M2_signature_in_preview_and_in_the_delivered_bytes(world, tmp_path):
    box = _mailer(world, tmp_path)
    (tmp_path / "sig.txt").write_text("Ada Lovelace\nAnalytical Engines Ltd {not a placeholder}\n")
    seat = world.json("seats", "set", "ada", "--signature-file", tmp_path / "sig.txt")
    assert seat["signature"] == "Ada Lovelace\nAnalytical Engines Ltd {not a placeholder}"
    draft = compose(world, "kat", body="Hi {first_name}.")
    assert draft["body"] == "Hi {first_name}."  # the draft keeps the text as written
    shown = world.json("preview", draft["id"])["recipients"][0]["body"]
    assert shown == "Hi Katherine.\n\n-- \nAda Lovelace\nAnalytical Engines Ltd {not a placeholder}"
    assert "-- \nAda Lovelace" in world("preview", draft["id"]).stdout
    world.json("schedule", draft["id"], "--now")
    world.json("tick")
    [mail] = _delivered(box)
    assert mail.get_content().replace("\r\n", "\n") == shown + "\n"
    raw = next(box.iterdir()).read_bytes()
    assert b"\r\n--=20\r\nAda Lovelace\r\n" in raw  # the separator's space survives quoted-printable


def test_M2_no_signature_and_a_followup_is_signed_too(world, tmp_path):
    (tmp_path / "sig.txt").write_text("-- \nAda\n")  # a file that starts with the separator: it is not doubled
    assert world.json("seats", "set", "ada", "--signature-file", tmp_path / "sig.txt")["signature"] == "Ada"
    draft = compose(world, "kat", body="Hi.", followup="Any news?")
    texts = world.json("preview", draft["id"])["recipients"][0]
    assert texts["followup_body"] == "Any news?\n\n-- \nAda"
    assert world.json("seats", "set", "ada", "--no-signature")["signature"] is None
    assert world.json("preview", draft["id"])["recipients"][0]["body"] == "Hi."


def test_M2_signature_counts_in_the_S6_limit(world, tmp_path):
    (tmp_path / "sig.txt").write_text("x" * 94)  # with "\n\n-- \n": 100 characters
    world("seats", "set", "ada", "--signature-file", tmp_path / "sig.txt")
    world.json("compose", "--to", "kat", "--subject", "S", "--body", "b" * 1800)
    world.refused("compose", "--to", "kat", "--subject", "S", "--body", "b" * 1801, code="invalid_message")
    draft = compose(world, "kat", body="{full_name} " + "b" * 1785)  # 1,797 as written: fits with the signature
    world.refused("schedule", draft["id"], "--now", code="invalid_message")  # ...but not once personalised


def test_M2_signature_file_refusals(world, tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    world.refused("seats", "set", "ada", "--signature-file", tmp_path / "empty.txt", code="invalid_input")
    world.refused("seats", "set", "ada", "--signature-file", tmp_path / "none.txt", code="invalid_input")
    (tmp_path / "long.txt").write_text("x" * 501)
    world.refused("seats", "set", "ada", "--signature-file", tmp_path / "long.txt", code="invalid_input")
    (tmp_path / "ok.txt").write_text("Ada")
    world.refused(
        "seats", "set", "ada", "--signature-file", tmp_path / "ok.txt", "--no-signature", code="invalid_input"
    )


# ---------------------------------------------------------------- M3: opting out by mail


@pytest.mark.parametrize("subject", ["Plain subject {first_name}", "Ünïcode subject, {first_name}"])
def test_M3_list_unsubscribe_header_only_when_the_seat_asks(world, tmp_path, subject):
    box = _mailer(world, tmp_path)
    draft = compose(world, "kat", subject=subject)
    world.json("schedule", draft["id"], "--now")
    world.json("tick")
    assert world.json("seats", "set", "ada", "--list-unsubscribe")["list_unsubscribe"] is True
    draft = compose(world, "kat", subject=subject)
    world.json("schedule", draft["id"], "--now")
    world.json("tick")
    first, second = sorted(_delivered(box), key=lambda m: "list-unsubscribe" in m)
    assert first["List-Unsubscribe"] is None
    assert second["List-Unsubscribe"] == "<mailto:ada@example.com?subject=unsubscribe>"
    assert world.json("seats", "set", "ada", "--no-list-unsubscribe")["list_unsubscribe"] is False


@pytest.mark.parametrize(
    "line",
    [
        "unsubscribe",
        "UNSUBSCRIBE",
        "Unsubscribe.",
        "  stop!! ",
        "Stop",
        "remove me",
        "please remove me.",
        "STOP.",
        "-- unsubscribe --",
        "Abmelden",
        "désabonner",
        "Darme de baja",
        "uitschrijven",
        "cancellami",
    ],
)
def test_M3_unsubscribe_phrases_alone_or_with_punctuation(line):
    from outreach_cli.incoming.unsubscribe import is_phrase

    assert is_phrase(line)


@pytest.mark.parametrize(
    "line",
    [
        "Please don't stop writing to me",
        "I'd like to unsubscribe from nothing, tell me more",
        "stopover in Paris",
        "Yes, interested",
        "",
        "unsubscribed",
        "Remove me, please, from the other list",
    ],
)
def test_M3_an_ordinary_answer_is_no_request(line):
    from outreach_cli.incoming.unsubscribe import is_phrase

    assert not is_phrase(line)


def _mail(body: bytes, subject="Re: A role for you", content_type="text/plain; charset=utf-8", extra=b""):
    return (
        b"From: Katherine <kat@example.org>\nTo: ada@example.com\nSubject: "
        + subject.encode()
        + b"\nMessage-ID: <r1@example.org>\nMIME-Version: 1.0\nContent-Type: "
        + content_type.encode()
        + b"\n"
        + extra
        + b"\n"
        + body
    )


def _requested(raw: bytes) -> bool:
    from outreach_cli.incoming.parse import parse
    from outreach_cli.incoming.unsubscribe import requested

    return requested(parse(raw))


def test_M3_recognised_in_plain_text_html_only_quoted_replies_and_the_subject():
    assert _requested(_mail(b"STOP\n\nOn Tue, 1 Dec 2026 at 09:00, Ada <ada@example.com> wrote:\n> A role for you\n"))
    assert _requested(_mail(b"\n\n  Unsubscribe.\n> Hello Katherine,\n"))
    assert _requested(
        _mail(
            b"<html><head><style>p{}</style></head><body><div dir=ltr>Remove me!</div>"
            b'<div class="gmail_quote">stop stop</div></body></html>',
            content_type="text/html",
        )
    )
    assert _requested(_mail(b"", subject="unsubscribe"))  # what a List-Unsubscribe mailto sends
    assert _requested(_mail(b"", subject="RE: AW: Stop"))
    quoted = b"=\nUnsubscribe=0A"  # quoted-printable, multipart/alternative
    alt = (
        b"--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        + quoted
        + b"\n--b\nContent-Type: text/html\n\n<p>Unsubscribe</p>\n--b--\n"
    )
    assert _requested(_mail(alt, content_type='multipart/alternative; boundary="b"'))


def test_M3_no_request_in_an_answer_or_only_in_the_quote():
    assert not _requested(_mail(b"Sounds good, when can we talk?\n\n> Reply STOP to unsubscribe\n"))
    assert not _requested(_mail(b"On Tue, 1 Dec 2026, Ada wrote:\n> stop\n"))
    assert not _requested(_mail(b"<p>Happy to talk</p><blockquote>unsubscribe</blockquote>", content_type="text/html"))
    assert not _requested(_mail(b"\xff\xfe garbage", content_type="text/plain; charset=bogus-8"))


def test_M3_an_unsubscribe_reply_is_a_decline_and_an_opt_out(world, tmp_path):
    world("candidates", "set", "kat", "--email", "kat@example.org")
    draft = compose(world, "kat", followup="Any thoughts?")
    thread_id = world.json("schedule", draft["id"], "--now")["threads"][0]["id"]
    world.json("tick")
    initial = world.json("thread", thread_id)["messages"][0]
    raw = (
        b"From: Katherine Johnson <KAT@example.org>\nTo: ada@example.com\nSubject: Re: Hello Katherine\n"
        b"Message-ID: <stop-1@example.org>\nIn-Reply-To: "
        + initial["internet_message_id"].encode()
        + b"\nDate: Tue, 1 Dec 2026 08:30:00 +0000\n\nStop.\n\n> A role for you, Katherine.\n"
    )
    (tmp_path / "stop.eml").write_bytes(raw)
    before = world.json("credits")["seat"]["balance"]
    [mail] = world.json("replies", "import", tmp_path / "stop.eml")["incoming"]
    assert (mail["kind"], mail["thread_id"], mail["matched_by"]) == ("opt_out", thread_id, "in_reply_to")
    thread = world.json("thread", thread_id)
    assert thread["response"]["kind"] == "decline"
    assert thread["messages"][1]["status"] == "canceled"
    assert world.json("credits")["seat"]["balance"] == before + 2  # C2: both credits back
    assert world.json("candidates", "show", "kat")["opted_out"] is True
    again = compose(world, "kat")
    world.refused("schedule", again["id"], "--now", code="candidate_opted_out")
    assert [m["kind"] for m in world.json("replies", "list")] == ["opt_out"]


# ---------------------------------------------------------------- M5: audit of the Sent folder


def _snapshot_dir(root):
    return sorted(
        (str(p.relative_to(root)), p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()
    )


def test_M5_audit_of_an_outbox_maildir_duplicates_exit_1_once_per_message(world, tmp_path):
    box = _mailer(world, tmp_path)
    world("candidates", "set", "grace", "--email", "grace@example.net")
    draft = compose(world, "kat", "grace")
    world.json("schedule", draft["id"], "--now")
    world.json("tick")
    sent_dir = tmp_path / "box"
    clean = world.json("audit", "--sent-dir", sent_dir)
    assert clean == {
        "seat": "ada",
        "checked": 2,
        "duplicates": [],
        "settled": [],
        "unknown_found": [],
        "missing": [],
        "warnings": [],
    }
    first = sorted(box.iterdir())[0]
    for copy in ("a", "b"):  # the same message there three times: one duplicate
        (sent_dir / "cur" / f"{copy}.eml:2,S").write_bytes(first.read_bytes())
    before = _snapshot_dir(sent_dir)
    result = world("audit", "--sent-dir", sent_dir, "--json", code=1)
    doc = json.loads(result.stdout)
    by_file = {
        world.json("thread", t)["messages"][0]["internet_message_id"][1:-1] + ".eml": world.json("thread", t)[
            "messages"
        ][0]["id"]
        for t in (1, 2)
    }
    assert doc["checked"] == 4 and doc["duplicates"] == [by_file[first.name]]
    assert _snapshot_dir(sent_dir) == before  # read-only
    first.unlink()
    (sent_dir / "cur" / "a.eml:2,S").unlink()
    (sent_dir / "cur" / "b.eml:2,S").unlink()
    missing = world.json("audit", "--sent-dir", sent_dir)
    assert (missing["checked"], missing["missing"], missing["duplicates"]) == (1, [by_file[first.name]], [])
    assert "not in the Sent folder" in world("audit", "--sent-dir", sent_dir).stderr


def test_M5_unknown_found_and_settled(world, tmp_path):
    world("seats", "set", "ada", "--from", "Ada Lovelace <ada@example.com>")
    world("candidates", "set", "kat", "--email", "kat@example.org")
    sent_dir = tmp_path / "Sent"
    for folder in ("new", "cur", "tmp"):
        (sent_dir / folder).mkdir(parents=True)
    hang = tmp_path / "hang.py"  # keeps a copy in Sent (as a provider does), then never answers
    hang.write_text(f"""import json, sys, time
doc = json.load(sys.stdin)
open({str(sent_dir / "new" / "m1.eml")!r}, "w").write(doc["rfc822"])
time.sleep(3600)
""")
    world("delivery", "set", "exec", "--command", f"{sys.executable} {hang}", "--timeout", "1")
    draft = compose(world, "kat", followup="Still there?")
    world.json("schedule", draft["id"], "--now")
    assert world.json("tick")["unknown"] == [1]
    found = world.json("audit", "--sent-dir", sent_dir)
    assert (found["unknown_found"], found["settled"], found["duplicates"]) == ([1], [], [])
    assert world.json("thread", 1)["messages"][0]["status"] == "unknown"  # without --settle nothing changes
    settled = world.json("audit", "--sent-dir", sent_dir, "--settle")
    assert (settled["unknown_found"], settled["settled"]) == ([1], [1])
    assert world.json("thread", 1)["messages"][0]["status"] == "sent"
    assert world.json("audit", "--sent-dir", sent_dir)["unknown_found"] == []


def test_M5_audit_refusals(world, tmp_path):
    world.refused("audit", code="not_configured")
    world.refused("audit", "--sent-dir", tmp_path / "nowhere", code="invalid_input")
    world.refused("audit", "--sent-dir", tmp_path, "--sent-folder", "Sent", code="invalid_input")


def test_M5_audit_of_a_real_imap_sent_folder_is_read_only(world, tmp_path, monkeypatch):
    from tests.support.dovecot import DOVECOT_SKIP, Dovecot

    if DOVECOT_SKIP:
        pytest.skip(DOVECOT_SKIP)
    box = _mailer(world, tmp_path)
    draft = compose(world, "kat")
    world.json("schedule", draft["id"], "--now")
    world.json("tick")
    [raw] = [p.read_bytes() for p in box.iterdir()]
    with Dovecot() as server:
        server.append('"Sent Items"', raw, raw, b"From: x@example.net\nSubject: not ours\n\nhello\n")
        monkeypatch.setenv("OUTREACH_IMAP_PASSWORD", server.password)
        world(
            "mailbox",
            "set",
            "imap",
            "--host",
            server.host,
            "--port",
            server.port,
            "--security",
            "none",
            "--user",
            server.user,
            "--password-env",
            "OUTREACH_IMAP_PASSWORD",
            "--timeout",
            "10",
        )
        conn = server.connect()
        conn.select('"Sent Items"', readonly=True)
        flags_before = conn.uid("FETCH", "1:*", "(FLAGS)")[1]
        result = world("audit", "--sent-folder", "Sent Items", "--json", code=1)
        assert json.loads(result.stdout) == {
            "seat": "ada",
            "checked": 3,
            "duplicates": [1],
            "settled": [],
            "unknown_found": [],
            "missing": [],
            "warnings": [],
        }
        assert conn.uid("FETCH", "1:*", "(FLAGS)")[1] == flags_before  # nothing marked \Seen
        conn.logout()
        world.refused("audit", code="transport_error")  # the default folder, Sent, is not there
