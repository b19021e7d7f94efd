"""One contract for every plugin (STYLE "Plugins that own themselves"; vdirsyncer's tests/storage): each transport
(D1) and each mail source (I1) runs the same class of tests, against the real servers the suite uses: the
aiosmtpd server (smtp), the private Postfix (sendmail), Dovecot (imap), real files (outbox, maildir, mbox) and a
real process (exec).

A plugin's test class is a subclass of `TransportContract` or `SourceContract` with one fixture, `harness`: the
options that set it up, the sentences its required options are refused with, and how to see what arrived (a
transport) or how to put a message in (a source). A new plugin adds one such class here."""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from outreach_cli import plugins
from outreach_cli.errors import INVALID_INPUT, OutreachError
from outreach_cli.incoming.source import MailSource, open_source, source_class, source_kinds
from outreach_cli.transports import Accepted, Transport, transport_class, transport_kinds
from tests.support.delivery_helpers import calls, script
from tests.support.dovecot import DOVECOT_SKIP, Dovecot
from tests.support.postfix import POSTFIX_SKIP, Postfix

NUMBERS = itertools.count(1)


def flags(options: dict[str, Any]) -> list[str]:
    return [word for name, value in options.items() for word in ("--" + name.replace("_", "-"), str(value))]


def bad_value(option: plugins.Option) -> Any:
    """A value the option's check must refuse; a new kind of check needs a line here."""
    check = option.check
    if check in (plugins.printable, plugins.absolute_path):
        return "two\nlines"
    if check in (plugins.seconds, plugins.port):
        return 0
    if check is plugins.env_name:
        return "NOT A NAME"
    if check is not None and check.__qualname__.startswith("one_of."):
        return "bogus"
    raise AssertionError(f"no bad value known for the check of {option.name}: add one to bad_value")


def checks_refuse_bad_values(cls: type[plugins.Plugin], good: dict[str, Any]) -> None:
    """Each declared check refuses a bad value with one sentence naming the option's flag (invalid_input)."""
    for option in cls.OPTIONS:
        if option.check is None:
            continue
        with pytest.raises(OutreachError) as refused:
            cls.checked({**good, option.name: bad_value(option)})
        assert refused.value.code == INVALID_INPUT and option.flag in refused.value.message, option.name
        assert "\n" not in refused.value.message


def raw_mail(number: int) -> tuple[str, bytes]:
    message_id = f"<contract-{number}-{os.getpid()}@navy.example>"
    raw = (
        "From: Grace Hopper <grace.hopper@mail.example.net>\r\nTo: ada@example.com\r\nSubject: Re: a role\r\n"
        f"Message-ID: {message_id}\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n\r\nThanks, I am interested.\r\n"
    )
    return message_id, raw.encode()


# ---------------------------------------------------------------- transports (D1, D4, D5, D10)


@dataclass
class TransportHarness:
    kind: str
    options: dict[str, Any]  # given to `delivery set KIND` (paths absolute, as stored)
    required: dict[str, str]  # option -> the sentence `delivery set` refuses it missing with
    arrived: Any = lambda: []  # () -> the raw messages the other end received
    recipient: str = "grace@navy.example"
    sender: str = "Ada Lovelace <ada@example.com>"


def envelope(harness: TransportHarness, number: int):
    from datetime import UTC, datetime

    import pytz

    from outreach_cli import mail

    message = {"id": number, "thread_id": 1, "kind": "initial", "seat": "ada", "candidate": "grace"}
    message |= {"subject": "Hello Grace", "body": "A role for you, Grace.", "status": "sending"}
    return mail.envelope(
        message=message,
        internet_message_id=mail.new_message_id(harness.sender),
        from_address=harness.sender,
        to_address=harness.recipient,
        to_name="Grace Hopper",
        sent_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        zone=pytz.timezone("Europe/London"),
    )


class TransportContract:
    @pytest.fixture
    def cls(self, harness) -> type[Transport]:
        return transport_class(harness.kind)

    def test_D1_the_registry_finds_the_class_that_claims_the_kind(self, harness, cls):
        assert issubclass(cls, Transport) and cls.kind == harness.kind and harness.kind in transport_kinds()
        assert cls.__module__ == f"outreach_cli.transports.{harness.kind}"  # one file, named after its kind

    def test_D2_declared_options_round_trip_through_delivery_set_and_show(self, world, harness, cls):
        set_result = world.json("delivery", "set", harness.kind, *flags(harness.options))
        shown = world.json("delivery", "show")
        expected = {"seat": "ada", "kind": harness.kind, **cls.effective(harness.options), "from": None}
        assert shown == expected and {k: v for k, v in set_result.items() if k != "warnings"} == expected
        assert set(shown) == {"seat", "kind", "from", *cls.option_names()}  # every option, defaults included
        assert all(shown[name] == value for name, value in harness.options.items())

    def test_D1_a_required_option_missing_is_refused(self, world, harness, cls):
        assert set(harness.required) == {option.name for option in cls.OPTIONS if option.required}
        for name, sentence in harness.required.items():
            options = {key: value for key, value in harness.options.items() if key != name}
            assert world.refused("delivery", "set", harness.kind, *flags(options), code=INVALID_INPUT) == sentence

    def test_D1_an_option_the_transport_does_not_declare_is_refused(self, world, harness, cls):
        other = next(name for name in ("dir", "host", "command") if name not in cls.option_names())
        message = world.refused(
            "delivery", "set", harness.kind, *flags({**harness.options, other: "x"}), code="invalid_input"
        )
        assert message == f"--{other} does not apply to the {harness.kind} transport."

    def test_D1_each_declared_check_refuses_a_bad_value(self, harness, cls):
        checks_refuse_bad_values(cls, harness.options)

    def test_D4_a_sent_message_arrives_exactly_once_and_already_delivered_finds_it(self, harness, cls):
        settings = cls.effective(harness.options)
        first, second, never = (envelope(harness, n) for n in (1, 2, 3))
        transport = cls(settings)
        try:
            outcomes = transport.send_many([first, second])
            if cls.batchable:  # idempotent by name: handed again, it is accepted and not written twice (D4)
                outcomes += transport.send_many([first])
        finally:
            transport.close()
        assert all(isinstance(outcome, Accepted) for outcome in outcomes), outcomes
        arrived = harness.arrived()
        for sent in (first, second):
            count = sum(sent.internet_message_id.encode() in raw for raw in arrived)
            assert count == (1 if cls.delivers else 0), (sent.internet_message_id, count)
        # D10: a transport that can tell says so for a delivered message (and for one never sent); the rest cannot
        can_tell = cls.already_delivered.__func__ is not Transport.already_delivered.__func__
        found = cls.already_delivered(settings, first.internet_message_id)
        missing = cls.already_delivered(settings, never.internet_message_id)
        assert (bool(found), missing) == ((True, False) if can_tell else (False, None)), (found, missing)


class TestNone(TransportContract):
    @pytest.fixture
    def harness(self):
        return TransportHarness("none", {}, {})


class TestOutbox(TransportContract):
    @pytest.fixture
    def harness(self, tmp_path):
        outbox = tmp_path / "outbox"
        arrived = lambda: [path.read_bytes() for path in sorted((outbox / "new").glob("*"))]
        return TransportHarness(
            "outbox", {"dir": str(outbox), "timeout": 30}, {"dir": "The outbox transport needs --dir."}, arrived
        )


class TestSmtp(TransportContract):
    @pytest.fixture
    def harness(self, smtp_server):
        server = smtp_server()
        options = {"host": "127.0.0.1", "port": server.port, "security": "none", "timeout": 10}
        arrived = lambda: [message["raw"] for message in server.messages()]
        return TransportHarness("smtp", options, {"host": "The smtp transport needs --host."}, arrived)


class TestSendmail(TransportContract):
    @pytest.fixture
    def harness(self):
        if POSTFIX_SKIP:
            pytest.skip(POSTFIX_SKIP)
        with Postfix() as server:
            arrived = lambda: [
                path.read_bytes() for path in server.wait_for_mail(2)
            ]  # both, delivered in the background
            options = {"command": server.sendmail(), "timeout": 30}
            yield TransportHarness("sendmail", options, {}, arrived, recipient=server.address)


class TestExec(TransportContract):
    @pytest.fixture
    def harness(self, tmp_path):
        command = script(tmp_path, "deliver")
        arrived = lambda: [call["stdin"].encode() for call in calls(command)]
        return TransportHarness(
            "exec",
            {"command": str(command), "timeout": 30},
            {"command": "The exec transport needs --command."},
            arrived,
        )


def test_D1_every_transport_runs_the_contract():
    """A new transport is one file; its contract class here is the one line more."""
    covered = {cls.__name__[4:].lower() for cls in TransportContract.__subclasses__()}
    assert covered == set(transport_kinds())


# ---------------------------------------------------------------- mail sources (I1, I2, I3)


@dataclass
class SourceHarness:
    kind: str
    options: dict[str, Any]  # given to `mailbox set KIND` (paths absolute, as stored)
    required: dict[str, str]  # option -> the sentence `mailbox set` refuses it missing with
    put: Any  # (raw bytes) -> None: a message arrives in the mailbox
    env: dict[str, str] = field(default_factory=dict)


class SourceContract:
    @pytest.fixture
    def cls(self, harness, monkeypatch) -> type[MailSource]:
        for name, value in harness.env.items():
            monkeypatch.setenv(name, value)
        found = source_class(harness.kind)
        assert found is not None
        return found

    def test_I1_the_registry_finds_the_class_that_claims_the_kind(self, harness, cls):
        assert issubclass(cls, MailSource) and cls.kind == harness.kind and harness.kind in source_kinds()
        assert cls.__module__ == f"outreach_cli.incoming.{harness.kind}"  # one file, named after its kind

    def test_I1_declared_options_round_trip_through_mailbox_set_and_show(self, world, harness, cls):
        set_result = world.json("mailbox", "set", harness.kind, *flags(harness.options))
        shown = world.json("mailbox", "show")
        expected = {"seat": "ada", "kind": harness.kind, **cls.effective(harness.options)}
        assert shown == expected and {k: v for k, v in set_result.items() if k != "warnings"} == expected
        assert set(shown) == {"seat", "kind", *cls.option_names()}
        assert all(shown[name] == value for name, value in harness.options.items())

    def test_I1_a_required_option_missing_is_refused(self, world, harness, cls):
        assert set(harness.required) == {option.name for option in cls.OPTIONS if option.required}
        for name, sentence in harness.required.items():
            options = {key: value for key, value in harness.options.items() if key != name}
            assert world.refused("mailbox", "set", harness.kind, *flags(options), code=INVALID_INPUT) == sentence

    def test_I1_an_option_the_source_does_not_declare_is_refused(self, world, harness, cls):
        other = next(name for name in ("file", "dir") if name not in cls.option_names())
        message = world.refused(
            "mailbox", "set", harness.kind, *flags({**harness.options, other: "/x"}), code="invalid_input"
        )
        assert message == f"--{other} does not apply to {cls.described()}." and cls.described().endswith(
            f"{harness.kind} mailbox"
        )

    def test_I1_each_declared_check_refuses_a_bad_value(self, harness, cls):
        checks_refuse_bad_values(cls, harness.options)

    def test_I2_a_source_reads_a_message_put_into_it_and_reads_it_once(self, harness, cls):
        first_id, first = raw_mail(next(NUMBERS))
        harness.put(first)
        source = open_source(harness.kind, **cls.effective(harness.options))
        batch = source.fetch()
        fetched = list(batch)
        assert [item.raw.count(first_id.encode()) for item in fetched] == [1], fetched
        known = {item.key for item in fetched}
        assert list(source.fetch(batch.cursor, known)) == []  # nothing new: read once
        second_id, second = raw_mail(next(NUMBERS))
        harness.put(second)
        later = list(source.fetch(batch.cursor, known))
        assert [item.raw.count(second_id.encode()) for item in later] == [1] and later[0].key not in known

    def test_I3_replies_fetch_records_a_message_once(self, people, harness, cls):
        world = people  # the world, with the candidates' emails: a mail from Grace is listed
        message_id, raw = raw_mail(next(NUMBERS))
        harness.put(raw)
        world("mailbox", "set", harness.kind, *flags(harness.options))
        first = world.json("replies", "fetch")["incoming"]
        again = world.json("replies", "fetch")["incoming"]
        assert [(item["message_id"], item["new"]) for item in first] == [(message_id, True)]
        assert all(not item["new"] for item in again)
        assert [item["message_id"] for item in world.json("replies", "list")].count(message_id) == 1


class TestMaildir(SourceContract):
    @pytest.fixture
    def harness(self, tmp_path):
        root = tmp_path / "Maildir"
        for folder in ("tmp", "new", "cur"):
            (root / folder).mkdir(parents=True)

        def put(raw: bytes) -> None:
            name = f"{time.time_ns()}.{next(NUMBERS)}.contract"
            (root / "tmp" / name).write_bytes(raw)
            os.rename(root / "tmp" / name, root / "new" / name)

        return SourceHarness("maildir", {"dir": str(root)}, {"dir": "A maildir mailbox needs --dir."}, put)


class TestMbox(SourceContract):
    @pytest.fixture
    def harness(self, tmp_path):
        path = tmp_path / "inbox.mbox"
        path.write_bytes(b"")

        def put(raw: bytes) -> None:
            with open(path, "ab") as handle:
                handle.write(
                    b"From grace@navy.example Tue Dec  1 09:00:00 2026\n" + raw.replace(b"\r\n", b"\n") + b"\n"
                )

        return SourceHarness("mbox", {"file": str(path)}, {"file": "An mbox mailbox needs --file."}, put)


@pytest.fixture(scope="module")
def dovecot():
    if DOVECOT_SKIP:
        pytest.skip(DOVECOT_SKIP)
    with Dovecot() as server:
        yield server


class TestImap(SourceContract):
    @pytest.fixture
    def harness(self, dovecot):
        folder = f"Contract{next(NUMBERS)}"
        dovecot.append(folder)  # an empty folder, one per test
        options = {
            "host": dovecot.host,
            "port": dovecot.port,
            "security": "none",
            "user": dovecot.user,
            "password_env": "OUTREACH_TEST_IMAP_PASSWORD",
            "folder": folder,
            "timeout": 10,
        }
        required = {"host": "An imap mailbox needs --host.", "user": "An imap mailbox needs --user."}
        put = lambda raw: dovecot.append(folder, raw)
        return SourceHarness("imap", options, required, put, {"OUTREACH_TEST_IMAP_PASSWORD": Dovecot.password})


def test_I1_every_mail_source_runs_the_contract():
    """A new mail source is one file; its contract class here is the one line more."""
    covered = {cls.__name__[4:].lower() for cls in SourceContract.__subclasses__()}
    assert covered == set(source_kinds())


def test_I1_a_name_that_is_no_plugin_is_refused_by_the_registry():
    """The registry checks names: a module of the package that is not a plugin, or no module, is no kind."""
    assert source_class("parse") is None and source_class("source") is None and source_class("../etc") is None
    with pytest.raises(ValueError):
        transport_class("_process")
