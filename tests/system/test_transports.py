"""Transports against real servers and real commands (D1-D4, D9): an aiosmtpd server in its own
process, trustme certificates, and small scripts that play sendmail or an exec command. smtplib is
never mocked."""

from __future__ import annotations

import email
import json
import time
from datetime import UTC, datetime
from email.policy import default as default_policy

import pytest
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach_cli import mail, passwords
from outreach_cli.errors import OutreachError
from outreach_cli.transports import (
    Accepted,
    Envelope,
    Permanent,
    Temporary,
    Unknown,
    effective_settings,
    open_transport,
)
from outreach_cli.transports.outbox import OutboxTransport
from tests.support.delivery_helpers import calls, free_port, script

SENDER = "Ada Lovelace <ada@example.com>"
SENT_AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LONDON = pytz.timezone("Europe/London")


def envelope(subject="Hello Grace", body="A role for you, Grace.", number=1, in_reply_to=None, to="grace@navy.example"):
    message = {
        "id": number,
        "thread_id": 1,
        "kind": "followup" if in_reply_to else "initial",
        "seat": "ada",
        "candidate": "grace",
        "subject": subject,
        "body": body,
        "status": "sending",
    }
    return mail.envelope(
        message=message,
        internet_message_id=mail.new_message_id(SENDER),
        from_address=SENDER,
        to_address=to,
        to_name="Grace Hopper",
        sent_at=SENT_AT,
        zone=LONDON,
        in_reply_to=in_reply_to,
    )


def _text(parsed) -> str:
    return parsed.get_content().replace("\r\n", "\n")  # quoted-printable decodes to the CRLF of the wire


def smtp(server, **options):
    settings = {
        "kind": "smtp",
        "host": "127.0.0.1",
        "port": server.port if server else options.pop("port"),
        "security": "none",
        "timeout": 5,
    }
    settings.update(options)
    return open_transport(settings)


# ---------------------------------------------------------------- D3: the message


def test_D3_headers_parse_back_with_the_email_package():
    initial = envelope(
        subject="Un rôle pour vous, Grâce ✨", body="Bonjour Grâce,\n.une ligne qui commence par un point\n— Ada"
    )
    parsed = email.message_from_bytes(initial.rfc822, policy=default_policy)
    assert parsed["From"].addresses[0].addr_spec == "ada@example.com"
    assert parsed["From"].addresses[0].display_name == "Ada Lovelace"
    assert parsed["To"].addresses[0].addr_spec == "grace@navy.example"
    assert parsed["Subject"] == "Un rôle pour vous, Grâce ✨"
    assert (
        parsed["Date"].datetime == SENT_AT and parsed["Date"].datetime.utcoffset().total_seconds() == 0
    )  # London, GMT
    assert parsed["Message-ID"] == initial.internet_message_id
    assert initial.internet_message_id.endswith("@example.com>")
    assert _text(parsed) == "Bonjour Grâce,\n.une ligne qui commence par un point\n— Ada\n"
    assert parsed.get_content_charset() == "utf-8"
    assert b"\r\n" in initial.rfc822 and max(initial.rfc822) < 128  # 7-bit on the wire
    followup = envelope(subject="Re: Un rôle", body="Toujours là ?", number=2, in_reply_to=initial.internet_message_id)
    parsed = email.message_from_bytes(followup.rfc822, policy=default_policy)
    assert parsed["In-Reply-To"] == initial.internet_message_id
    assert parsed["References"] == initial.internet_message_id


def test_D3_date_is_the_sent_time_in_the_seats_zone():
    summer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    raw = mail.build(
        from_address=SENDER,
        to_address="g@navy.example",
        to_name=None,
        subject="s",
        body="b",
        sent_at=summer,
        zone=pytz.timezone("Australia/Sydney"),
        internet_message_id="<x@example.com>",
    )
    date = email.message_from_bytes(raw, policy=default_policy)["Date"]
    assert date.datetime == summer and date.datetime.utcoffset().total_seconds() == 10 * 3600  # AEST in July
    assert "+1000" in str(date)


def test_D3_same_inputs_give_the_same_bytes_on_every_retry():
    options = dict(
        from_address=SENDER,
        to_address="g@navy.example",
        to_name="Grace",
        subject="Sujet é",
        body="Corps é",
        sent_at=SENT_AT,
        zone=LONDON,
        internet_message_id="<fixed@example.com>",
        in_reply_to="<i@example.com>",
    )
    assert mail.build(**options) == mail.build(**options)


def _both_ways(name, addr, to_address, to_name, subject, body, zone, message_id, in_reply_to):
    """The direct writer's bytes (None when it declines) and the `email` package's, for the same message."""
    date = mail._date_header(SENT_AT, zone)
    fast = mail._build_plain(name, addr, to_address, to_name or "", subject, body, date, message_id, in_reply_to)
    try:
        slow = mail._build_with_email(
            name=name,
            addr=addr,
            to_address=to_address,
            to_name=to_name,
            subject=subject,
            body=body,
            date=date,
            internet_message_id=message_id,
            in_reply_to=in_reply_to,
        )
    except ValueError as exc:  # e.g. a line break in a header: the package refuses it, so must the writer
        slow = exc
    return fast, slow


_WORD = st.text(alphabet=st.sampled_from("aZ09!#$%&'*+/=?^_`{|}~-.\\\"()<>@,;:[] \t=?é\u00a0"), min_size=0, max_size=12)
_ATOM = st.text(alphabet=st.sampled_from("aZ09!#$%&'*+/=?^_`{|}~-"), min_size=1, max_size=10)


@settings(max_examples=1500, deadline=None)
@given(
    name=st.one_of(st.just(""), _WORD, st.lists(_ATOM, max_size=4).map(" ".join)),
    to_name=st.one_of(st.none(), st.just(""), _WORD, st.lists(_ATOM, min_size=1, max_size=8).map(" ".join)),
    local=st.one_of(_ATOM, st.lists(_ATOM, min_size=1, max_size=3).map(".".join)),
    domain=st.sampled_from(["example.com", "a-b.example.org", "x.y", "EXAMPLE.COM", "a" * 40 + ".example.com"]),
    subject=st.one_of(
        st.text(max_size=90),
        st.lists(
            st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=15), max_size=9
        ).map(" ".join),
    ),
    body=st.one_of(st.text(max_size=300), st.text(alphabet=st.sampled_from("a .=\t\r\n\x0b\x85é€"), max_size=300)),
    zone=st.sampled_from([pytz.utc, LONDON, pytz.timezone("Asia/Kolkata"), pytz.timezone("America/St_Johns")]),
    follow=st.booleans(),
    long_id=st.booleans(),
)
def test_D3_plain_messages_are_written_in_the_email_packages_very_bytes(
    name, to_name, local, domain, subject, body, zone, follow, long_id
):
    """The direct writer either declines or gives exactly the bytes of the `email` package (so a retry made by an
    older or newer outreach sends the same bytes, D3)."""
    addr = f"{local}@{domain}"
    message_id = f"<{'f' * (70 if long_id else 32)}@example.com>"
    fast, slow = _both_ways(
        name, "ada@example.com", addr, to_name, subject, body, zone, message_id, "<i.1@example.com>" if follow else None
    )
    assert fast is None or fast == slow
    fast, slow = _both_ways(name, addr, "grace@navy.example", to_name, subject, body, zone, message_id, None)
    assert fast is None or fast == slow


@settings(max_examples=1000, deadline=None)
@given(
    local=st.lists(_ATOM, min_size=1, max_size=3).map(".".join),
    domain=st.lists(
        st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,6}[A-Za-z0-9])?", fullmatch=True), min_size=2, max_size=4
    ).map(".".join),
)
def test_D3_a_plain_address_reads_as_the_email_package_reads_it(local, domain):
    """parse_address and the SMTP transport skip the parsers for a plain bare address; the parsers agree."""
    import smtplib

    address = f"{local}@{domain}"
    assert mail.PLAIN_ADDRESS.match(address)
    assert mail.parse_address(address) == mail._parse_with_email(address) == ("", address)
    assert smtplib.quoteaddr(address) == f"<{address}>"


def test_D3_an_ordinary_message_takes_the_direct_writer():
    """Names, subjects and ids as a recruiter writes them need no quoting or encoding, so they skip the `email`
    package; accents, quotes and long subjects go through it."""
    assert email.policy.SMTP.max_line_length == mail._MAX_LINE
    ordinary = (
        "Ada Lovelace",
        "ada@example.com",
        "grace@navy.example",
        "Grace O'Hopper",
        "Hi Grace, a role?",
        "Line one.\n\n.dot and = sign é\n" + "x" * 120 + " ",
        LONDON,
        "<abc@example.com>",
        "<i@example.com>",
    )
    fast, slow = _both_ways(*ordinary)
    assert fast is not None and fast == slow
    for changed in (
        {3: "Grace H. Hopper"},
        {3: "José"},
        {4: "Sujet é"},
        {4: "x" * 80},
        {0: 'Ada "the" L'},
        {4: "=?utf-8?q?x?="},
    ):
        case = list(ordinary)
        for index, value in changed.items():
            case[index] = value
        fast, _slow = _both_ways(*case)
        assert fast is None, changed


def test_D3_message_id_is_in_the_senders_domain_or_a_reserved_one():
    assert mail.new_message_id("Ada <ada@Mail.Example.com>").endswith("@mail.example.com>")
    assert mail.new_message_id(None).endswith("@outreach.invalid>")
    assert mail.new_message_id(SENDER) != mail.new_message_id(SENDER)


def test_D3_without_addresses_there_is_no_email_form():
    bare = envelope(to=None)
    assert bare.rfc822 is None and bare.recipient is None and bare.sender == "ada@example.com"


# ---------------------------------------------------------------- D1, D4: outbox


def test_D1_outbox_writes_a_maildir_file_named_after_the_message_id(tmp_path):
    box = tmp_path / "box"
    transport = open_transport({"kind": "outbox", "dir": str(box)})
    sent = envelope()
    outcome = transport.send(sent)
    name = sent.internet_message_id.strip("<>") + ".eml"
    assert outcome == Accepted(name)
    assert sorted(p.name for p in box.iterdir()) == ["cur", "new", "tmp"]
    assert [p.name for p in (box / "new").iterdir()] == [name]
    assert list((box / "tmp").iterdir()) == [] and list((box / "cur").iterdir()) == []
    assert (box / "new" / name).read_bytes() == sent.rfc822
    assert oct((box / "new" / name).stat().st_mode & 0o777) == oct(0o600)


def test_D4_outbox_is_idempotent(tmp_path):
    transport = open_transport({"kind": "outbox", "dir": str(tmp_path)})
    sent = envelope()
    first = transport.send(sent)
    path = tmp_path / "new" / first.transport_id
    path.write_bytes(b"already delivered")  # a second attempt must not write it again
    assert transport.send(sent) == first
    assert path.read_bytes() == b"already delivered"
    assert len(list((tmp_path / "new").iterdir())) == 1


def test_D4_outbox_that_cannot_be_written_is_temporary(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    outcome = open_transport({"kind": "outbox", "dir": str(tmp_path / "file")}).send(envelope())
    assert isinstance(outcome, Temporary) and "outbox" in outcome.reason


def test_D1_outbox_refuses_an_id_that_is_not_a_file_name():
    with pytest.raises(ValueError):
        OutboxTransport.file_name("<../etc/passwd>")


# ---------------------------------------------------------------- D1, D4: smtp


def test_D4_smtp_accepted_with_the_servers_reply_as_transport_id(smtp_server):
    server = smtp_server()
    transport = smtp(server)
    sent = envelope()
    outcome = transport.send(sent)
    transport.close()
    assert isinstance(outcome, Accepted) and outcome.transport_id.startswith("2.0.0 Ok: queued as")
    [got] = server.messages()
    assert got["message_id"] == sent.internet_message_id
    assert got["mail_from"] == "ada@example.com" and got["rcpt_tos"] == ["grace@navy.example"]
    assert got["raw"].replace(b"\r\n", b"\n") == sent.rfc822.replace(b"\r\n", b"\n")  # dot-stuffing undone


def test_D4_smtp_dot_stuffing_keeps_lines_that_start_with_a_dot(smtp_server):
    server = smtp_server()
    transport = smtp(server)
    sent = envelope(body=".\n..two\n.")
    assert isinstance(transport.send(sent), Accepted)
    transport.close()
    parsed = email.message_from_bytes(server.messages()[0]["raw"], policy=default_policy)
    assert _text(parsed) == ".\n..two\n.\n"


def test_D4_smtp_one_connection_serves_a_tick_and_reconnects_once_when_dropped(smtp_server):
    server = smtp_server(idle=1)
    transport = smtp(server)
    assert isinstance(transport.send(envelope(number=1)), Accepted)
    first_connection = transport._conn
    assert isinstance(transport.send(envelope(number=2)), Accepted)
    assert transport._conn is first_connection  # reused
    time.sleep(1.6)  # the server closes the idle connection
    assert isinstance(transport.send(envelope(number=3)), Accepted)
    assert transport._conn is not first_connection
    transport.close()
    assert len(server.messages()) == 3


def test_D4_smtp_451_is_temporary(smtp_server):
    server = smtp_server(answer="451")
    outcome = smtp(server).send(envelope())
    assert outcome == Temporary(
        f"127.0.0.1:{server.port} deferred the message: 451 4.3.0 Mailbox busy, try again later"
    )


def test_D4_smtp_550_is_permanent_and_keeps_the_servers_answer(smtp_server):
    server = smtp_server(answer="550")
    outcome = smtp(server).send(envelope())
    assert isinstance(outcome, Permanent) and "550 5.7.1 Recipient refused by policy" in outcome.reason


def test_D4_smtp_refused_recipient_before_the_data_and_the_connection_goes_on(smtp_server):
    server = smtp_server(refuse_rcpt="nobody")
    transport = smtp(server)
    later = transport.send(envelope(to="nobody-later@navy.example"))
    assert isinstance(later, Temporary) and "451 4.2.1" in later.reason and "recipient" in later.reason
    never = transport.send(envelope(to="nobody@navy.example"))
    assert isinstance(never, Permanent) and "550 5.1.1" in never.reason
    connection = transport._conn
    assert isinstance(transport.send(envelope()), Accepted)
    assert transport._conn is connection  # RSET kept the one connection usable
    transport.close()
    assert [m["rcpt_tos"] for m in server.messages()] == [["grace@navy.example"]]


def test_D4_smtp_hang_after_the_data_is_unknown_and_delivered_once(smtp_server):
    server = smtp_server(answer="hang")
    transport = smtp(server, timeout=1)
    outcome = transport.send(envelope())
    assert isinstance(outcome, Unknown) and "after the message data was sent" in outcome.reason
    assert len(server.messages()) == 1  # it did arrive: that is why it must not be sent again automatically
    assert transport._conn is None


def test_D4_smtp_connection_lost_after_the_data_is_unknown(smtp_server):
    server = smtp_server(answer="drop")
    outcome = smtp(server).send(envelope())
    assert isinstance(outcome, Unknown)
    assert len(server.messages()) == 1


def test_D4_smtp_refused_connection_is_temporary():
    port = free_port()
    outcome = smtp(None, port=port).send(envelope())
    assert outcome == Temporary(f"The connection to 127.0.0.1:{port} was refused; is the mail server running there?")


def test_D4_smtp_server_that_never_greets_is_temporary():
    import socket

    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        outcome = smtp(None, port=port, timeout=1).send(envelope())
    assert outcome == Temporary(f"127.0.0.1:{port} did not answer within 1 s while connecting to it.")


def test_D4_smtp_starttls_delivers_with_a_verified_certificate(smtp_server, certificates):
    server = smtp_server(tls="starttls")
    transport = smtp(server, security="starttls", ca_file=str(certificates.ca_file))
    assert isinstance(transport.send(envelope()), Accepted)
    transport.close()
    assert server.messages()[0]["tls"] is True


def test_D1_smtp_starttls_honours_SSL_CERT_FILE(smtp_server, certificates, monkeypatch):
    server = smtp_server(tls="starttls")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))
    transport = smtp(server, security="starttls")
    assert isinstance(transport.send(envelope()), Accepted)
    transport.close()


def test_D1_smtp_starttls_not_offered_is_refused(smtp_server, certificates):
    server = smtp_server(tls="none")
    outcome = smtp(server, security="starttls", ca_file=str(certificates.ca_file)).send(envelope())
    assert isinstance(outcome, Temporary) and "does not offer STARTTLS" in outcome.reason
    assert server.messages() == []


def test_D4_smtp_bad_certificate_is_temporary_with_a_clear_sentence(smtp_server, certificates, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    server = smtp_server(tls="starttls")
    outcome = smtp(server, security="starttls", ca_file=str(certificates.other_ca_file)).send(envelope())
    assert isinstance(outcome, Temporary)
    assert outcome.reason.startswith(f"The certificate of 127.0.0.1:{server.port} could not be verified")
    assert "--ca-file" in outcome.reason
    assert server.messages() == []


def test_D4_smtp_certificate_for_another_name_is_refused(smtp_server, certificates):
    server = smtp_server(tls="ssl", cert=certificates.localhost_cert_file, key=certificates.localhost_key_file)
    outcome = smtp(server, security="ssl", ca_file=str(certificates.ca_file)).send(envelope())
    assert isinstance(outcome, Temporary) and "could not be verified" in outcome.reason


def test_D1_smtp_implicit_ssl(smtp_server, certificates):
    server = smtp_server(tls="ssl")
    transport = smtp(server, security="ssl", ca_file=str(certificates.ca_file))
    assert isinstance(transport.send(envelope()), Accepted)
    transport.close()
    assert server.messages()[0]["tls"] is True


def test_D2_smtp_login_with_the_password_from_an_environment_variable(smtp_server, certificates, monkeypatch):
    server = smtp_server(tls="starttls", user="ada", password="s3cret-pw")
    monkeypatch.setenv("OUTREACH_TEST_PW", "s3cret-pw")
    transport = smtp(
        server, security="starttls", ca_file=str(certificates.ca_file), user="ada", password_env="OUTREACH_TEST_PW"
    )
    assert isinstance(transport.send(envelope()), Accepted)
    transport.close()
    assert server.messages()[0]["login"] == "ada"


def test_D2_smtp_login_with_the_password_from_a_command(smtp_server, tmp_path):
    server = smtp_server(user="ada", password="from command")
    transport = smtp(server, user="ada", password_command="printf 'from command\\n'")
    assert isinstance(transport.send(envelope()), Accepted)
    transport.close()


def test_D4_smtp_login_failure_is_temporary_and_never_shows_the_password(smtp_server, monkeypatch):
    server = smtp_server(user="ada", password="right-one")
    monkeypatch.setenv("OUTREACH_TEST_PW", "wrong-one")
    outcome = smtp(server, user="ada", password_env="OUTREACH_TEST_PW").send(envelope())
    assert isinstance(outcome, Temporary) and "refused the login as ada" in outcome.reason
    assert "wrong-one" not in outcome.reason and "right-one" not in outcome.reason
    assert server.messages() == []


def test_D2_D12_missing_password_variable_is_named_not_guessed(smtp_server, monkeypatch):
    from outreach_cli.transports import NotConfigured

    server = smtp_server(user="ada", password="pw")
    monkeypatch.delenv("OUTREACH_NO_SUCH_PW", raising=False)
    outcome = smtp(server, user="ada", password_env="OUTREACH_NO_SUCH_PW").send(envelope())
    assert isinstance(outcome, NotConfigured) and "OUTREACH_NO_SUCH_PW" in outcome.reason  # D12: not an attempt


def test_D2_password_command_output_loses_only_its_trailing_newline():
    assert passwords.password(password_command="printf 'a b\\n\\n'") == "a b\n"
    assert passwords.password(password_command="printf 'x'") == "x"
    with pytest.raises(passwords.SecretError) as failure:
        passwords.password(password_command="echo hunter2 >&2; exit 3")
    assert "hunter2" not in str(failure.value) and "status 3" in str(failure.value)
    assert passwords.password(password_env="PW", environ={"PW": "v"}) == "v"
    assert passwords.password() is None


# ---------------------------------------------------------------- D9: check()


def test_D9_smtp_check_connects_greets_starts_tls_logs_in_and_quits(smtp_server, certificates, monkeypatch):
    server = smtp_server(tls="starttls", user="ada", password="pw")
    monkeypatch.setenv("OUTREACH_TEST_PW", "pw")
    detail = smtp(
        server, security="starttls", ca_file=str(certificates.ca_file), user="ada", password_env="OUTREACH_TEST_PW"
    ).check()
    assert detail == (
        f"Connected to 127.0.0.1:{server.port}; greeted; started TLS (certificate verified); "
        "logged in as ada; quit without sending anything."
    )
    assert server.messages() == []


@pytest.mark.parametrize("case", ["refused", "certificate", "login"])
def test_D9_smtp_check_says_exactly_what_failed(case, smtp_server, certificates, monkeypatch):
    monkeypatch.setenv("OUTREACH_TEST_PW", "wrong")
    if case == "refused":
        transport, expected = smtp(None, port=free_port()), "was refused"
    elif case == "certificate":
        server = smtp_server(tls="starttls")
        transport, expected = smtp(server, security="starttls", ca_file=str(certificates.other_ca_file)), "certificate"
    else:
        server = smtp_server(user="ada", password="pw")
        transport, expected = smtp(server, user="ada", password_env="OUTREACH_TEST_PW"), "refused the login as ada"
    with pytest.raises(OutreachError) as failure:
        transport.check()
    assert failure.value.code == "transport_error" and expected in failure.value.message


def test_D9_outbox_check(tmp_path):
    assert "writable" in open_transport({"kind": "outbox", "dir": str(tmp_path / "new-box")}).check()
    assert sorted(p.name for p in (tmp_path / "new-box").iterdir()) == ["cur", "new", "tmp"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutreachError) as failure:
        open_transport({"kind": "outbox", "dir": str(tmp_path / "file")}).check()
    assert failure.value.code == "transport_error" and "not writable" in failure.value.message


def test_D9_command_checks(tmp_path):
    assert "exists" in open_transport({"kind": "sendmail", "command": str(script(tmp_path, "fake"))}).check()
    assert "exists" in open_transport({"kind": "exec", "command": "cat > /dev/null"}).check()
    for kind in ("sendmail", "exec"):
        with pytest.raises(OutreachError) as failure:
            open_transport({"kind": kind, "command": "no-such-outreach-command --x"}).check()
        assert failure.value.code == "transport_error" and "no-such-outreach-command" in failure.value.message
    with pytest.raises(OutreachError) as failure:
        open_transport({"kind": "none"}).check()
    assert failure.value.code == "not_configured"


# ---------------------------------------------------------------- D1, D4: sendmail


@pytest.mark.parametrize("code,outcome", [(0, Accepted), (75, Temporary), (1, Permanent), (67, Permanent)])
def test_D4_sendmail_exit_status(code, outcome, tmp_path):
    fake = script(tmp_path, "sendmail", code)
    sent = envelope()
    result = open_transport({"kind": "sendmail", "command": f"{fake} -odi"}).send(sent)
    assert isinstance(result, outcome)
    [call] = calls(fake)
    assert call["argv"] == ["-odi", "-i", "-f", "ada@example.com", "--", "grace@navy.example"]
    assert call["stdin"].encode() == sent.rfc822


def test_D4_sendmail_time_out_is_unknown(tmp_path):
    fake = script(tmp_path, "sendmail", hang=True)
    started = time.monotonic()
    result = open_transport({"kind": "sendmail", "command": str(fake), "timeout": 1}).send(envelope())
    assert isinstance(result, Unknown) and time.monotonic() - started < 10
    assert len(calls(fake)) == 1


def test_D1_sendmail_defaults_to_the_sendmail_command():
    assert effective_settings("sendmail", {}) == {"command": "sendmail", "timeout": 60}


# ---------------------------------------------------------------- D1, D4: exec


def test_D1_exec_gets_one_json_document_and_its_printed_id_is_kept(tmp_path):
    fake = script(tmp_path, "deliver", 0, stdout='{"id": "crm-42"}')
    sent = envelope()
    result = open_transport({"kind": "exec", "command": f"'{fake}' --flag"}).send(sent)
    assert result == Accepted("crm-42")
    [call] = calls(fake)
    assert call["argv"] == ["--flag"]
    doc = json.loads(call["stdin"])
    assert doc == {
        "message": sent.message,
        "rfc822": sent.rfc822.decode(),
        "envelope": {"from": "ada@example.com", "to": "grace@navy.example"},
    }


def test_D1_exec_without_addresses_gets_nulls(tmp_path):
    fake = script(tmp_path, "deliver", 0, stdout="not json")
    message = {"id": 7, "subject": "s", "body": "b"}
    bare = Envelope(
        message_id=7,
        internet_message_id="<x@outreach.invalid>",
        sender=None,
        recipient=None,
        rfc822=None,
        message=message,
    )
    assert open_transport({"kind": "exec", "command": str(fake)}).send(bare) == Accepted(None)
    doc = json.loads(calls(fake)[0]["stdin"])
    assert doc == {"message": message, "rfc822": None, "envelope": {"from": None, "to": None}}


@pytest.mark.parametrize("code,outcome", [(75, Temporary), (2, Permanent)])
def test_D4_exec_exit_status(code, outcome, tmp_path):
    result = open_transport({"kind": "exec", "command": f"echo 'why: busy' >&2; exit {code}"}).send(envelope())
    assert isinstance(result, outcome) and "why: busy" in result.reason


def test_D4_exec_time_out_is_unknown_even_when_a_child_holds_the_pipe(tmp_path):
    started = time.monotonic()
    result = open_transport({"kind": "exec", "command": "sleep 30 & sleep 30", "timeout": 1}).send(envelope())
    assert isinstance(result, Unknown) and time.monotonic() - started < 10


def test_D1_effective_settings_fill_in_defaults():
    assert effective_settings("smtp", {"host": "mail.example.com"}) == {
        "host": "mail.example.com",
        "port": 587,
        "security": "starttls",
        "user": None,
        "auth": "password",
        "password_env": None,
        "password_command": None,
        "ca_file": None,
        "timeout": 60,
    }
    assert effective_settings("smtp", {"host": "h", "security": "ssl"})["port"] == 465
    assert effective_settings("outbox", {"dir": "/x"}) == {"dir": "/x", "timeout": 60}
    assert effective_settings("none", {}) == {}
