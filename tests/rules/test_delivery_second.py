"""Delivery, second pass (issue 21: D14 folding, D15 daily limits at schedule, D18, D19 addresses, D20 clock, and
every problem of a draft at `schedule`), against real SMTP server processes (tests/support/smtpserver.py) and real files;
smtplib is never mocked. Simulated clock from Tuesday 1 December 2026, 08:00 UTC unless a test says otherwise."""

from __future__ import annotations

import email
import json
import re
from datetime import UTC, datetime
from email import policy as email_policy
from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
import pytz
from hypothesis import example, given, settings
from hypothesis import strategies as st

from outreach_cli import mail
from tests.rules.test_delivery_trust import row, schedule, use_smtp  # noqa: F401
from tests.support.helpers import compose

FRENCH = "Relance : votre candidature chez Acme — rôle de développeuse backend senior à Paris, équipe paiements"
LONG_NAME = "Marie-Hélène de la Tour du Pin Gouvernet Lévêque épouse Würtemberg-Saint Éloi"


def _rfc2047(raw_value: str) -> str:
    """A header value as an RFC 2047 reader decodes it: unfolded (RFC 5322 2.2.3), encoded words joined."""
    return str(make_header(decode_header(re.sub(r"\r\n(?=[ \t])", "", raw_value))))


def _decoded(raw: bytes) -> tuple[str, str, str]:
    """(Subject as the `email` package reads it, Subject as an RFC 2047 reader, To's display name as one)."""
    parsed = email.message_from_bytes(raw, policy=email_policy.default)
    plain = email.message_from_bytes(raw)  # compat32: the raw header text
    to_name = _rfc2047(parseaddr(re.sub(r"\r\n(?=[ \t])", "", plain["To"]))[0])
    return str(parsed["Subject"]), _rfc2047(plain["Subject"]), to_name


# ---------------------------------------------------------------- D14: every subject decodes as written

_TEXT = st.characters(blacklist_characters="\r\n\u2028\u2029", blacklist_categories=("Cs",))


@settings(max_examples=1500, deadline=None)
@given(
    subject=st.one_of(
        st.text(_TEXT, min_size=1, max_size=300),
        st.lists(
            st.sampled_from(
                [
                    "rôle",
                    "Acme",
                    "—",
                    "de",
                    "développeuse",
                    "à",
                    "Paris",
                    "Re:",
                    "=?utf-8?q?x?=",
                    "",
                    " ",
                    "\t",
                    "ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ",
                    "a" * 90,
                ]
            ),
            min_size=1,
            max_size=30,
        ).map(" ".join),
    ),
    to_name=st.one_of(st.none(), st.text(_TEXT, max_size=120)),
)
@example(subject=FRENCH, to_name=LONG_NAME)
def test_D14_every_subject_decodes_back_to_exactly_what_was_written(subject, to_name):
    raw = mail.build(
        from_address="Ada Lovelace <ada@example.com>",
        to_address="grace@example.org",
        to_name=to_name,
        subject=subject,
        body="Bonjour",
        sent_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
        zone=pytz.utc,
        internet_message_id="<fixed@example.com>",
    )
    assert max(raw) < 128 and all(len(line) <= 998 for line in raw.split(b"\r\n"))
    read_by_package, read_by_rfc2047, name = _decoded(raw)
    assert read_by_package == subject and read_by_rfc2047 == subject
    assert name == (to_name or "")


def test_D14_a_long_french_subject_arrives_through_smtp_exactly_as_written(ada, smtp_server):
    """The issue's case: folded by the `email` package it read "Acme —rôle" (the space lost between encoded words)."""
    server = smtp_server()
    use_smtp(ada, server)
    first, _, last = LONG_NAME.partition(" ")
    ada("candidates", "set", "grace", "--first-name", first, "--last-name", last)
    draft = compose(ada, "grace", subject=FRENCH)
    ada.json("schedule", draft["id"], "--at", "2026-12-01 09:00", "--tz", "UTC")
    ada.json("tick", "--to", "2026-12-01 10:00")
    [delivered] = server.messages()
    assert _decoded(delivered["raw"]) == (FRENCH, FRENCH, LONG_NAME)


# ---------------------------------------------------------------- D18: a hanging server is said on stderr


def test_D18_a_server_that_never_answers_the_data_is_said_in_one_stderr_line_even_quiet(ada, smtp_server):
    server = smtp_server(answer="hang")
    use_smtp(ada, server, timeout=2)
    schedule(ada, "grace", "alan")
    result = ada("tick", "--to", "2026-12-01 10:00", "--quiet")
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "message(s) 1 may or may not have gone" in lines[0] and "resolve" in lines[0]
    assert "seat ada's transport took message 1 and did not answer" in lines[0]  # why message 2 was not attempted
    assert row(ada, 2)["status"] == "scheduled"


# ---------------------------------------------------------------- D20: the system clock never goes behind


@pytest.fixture
def system_clock(cli, real_time):
    """A seat on the system clock whose initial to grace went at 12:00 UTC, its follow-up scheduled; then the
    machine's clock is corrected backwards, to 10:00."""
    real_time("2026-12-01T12:00")
    cli("init", "--seat", "ada", "--tz", "Europe/London")
    cli("seats", "set", "ada", "--from", "Ada Lovelace <ada@example.com>")
    cli(
        "candidates",
        "add",
        "grace",
        "--first-name",
        "Grace",
        "--last-name",
        "Hopper",
        "--email",
        "grace.hopper@mail.example.net",
    )
    draft = compose(cli, "grace", followup="Any thoughts, {first_name}?")
    cli.json("schedule", draft["id"], "--now")
    assert cli.json("tick")["sent"] == [1]
    assert row(cli, 1)["sent_at_utc"] == "2026-12-01T12:00:00Z"
    real_time("2026-12-01T10:00")
    return cli


def test_D20_reply_after_the_clock_was_set_backwards_answers_the_sent_message(system_clock):
    thread = system_clock.json("reply", 1)
    assert thread["response"]["kind"] == "accept" and thread["response"]["at"] == "2026-12-01T12:00:00Z"
    assert row(system_clock, 2)["status"] == "canceled"


def test_D20_a_mail_reply_after_the_clock_was_set_backwards_is_applied(system_clock, tmp_path):
    from tests.rules.test_replies import fixture, maildir

    initial_id = row(system_clock, 1)["internet_message_id"]
    root = maildir(tmp_path, fixture("reply-gmail.eml", **{"1": initial_id}))
    system_clock("mailbox", "set", "maildir", "--dir", root)
    [mail] = system_clock.json("replies", "fetch")["incoming"]
    assert mail["kind"] == "reply" and mail["thread_id"] == 1
    thread = system_clock.json("thread", 1)
    assert thread["response"]["kind"] == "reply" and thread["messages"][1]["status"] == "canceled"


def test_D20_tick_says_once_that_the_machines_clock_is_behind(system_clock, real_time):
    first = system_clock("tick", "--quiet")
    lines = first.stderr.strip().splitlines()
    assert len(lines) == 1 and "behind the latest time this database recorded (2026-12-01T12:00:00Z)" in lines[0]
    assert system_clock("tick", "--quiet").stderr == ""  # said once, not on every cron run
    real_time("2026-12-01T12:30")  # the clock has caught up: now is the machine's again, and nothing is said
    report = system_clock.json("tick")
    assert report["to"] == "2026-12-01T12:30:00Z" and system_clock("tick", "--quiet").stderr == ""


def test_D20_commands_take_the_latest_recorded_time_as_now(system_clock):
    system_clock(
        "candidates", "add", "alan", "--first-name", "Alan", "--last-name", "Turing", "--email", "alan@example.org"
    )
    draft = compose(system_clock, "alan", subject="Another")
    result = system_clock.json("schedule", draft["id"], "--now")
    assert result["threads"][0]["messages"][0]["send_at"] == "2026-12-01T12:00:00Z"
    assert system_clock.json("tick")["sent"] == [3]
    assert row(system_clock, 3)["sent_at_utc"] == "2026-12-01T12:00:00Z"


# ---------------------------------------------------------------- D19: addresses checked when written


@pytest.mark.parametrize(
    "address",
    [
        "grâce@exämple.net",
        "grâce@example.net",
        "grace@localhost",
        "grace@example.",
        "Grace <grace@example.org>",
        "grace@@example.org",
        "grace@exa mple.org",
        "grace@straße.de",
    ],
)
def test_D19_a_candidate_address_that_cannot_be_sent_to_is_refused_when_written(world, tmp_path, address):
    world.refused("candidates", "set", "grace", "--email", address, code="invalid_input")
    world.refused("candidates", "set", "grace", "--also-email", address, code="invalid_input")
    world.refused(
        "candidates", "add", "ada", "--first-name", "Ada", "--last-name", "L", "--email", address, code="invalid_input"
    )
    csv = tmp_path / "people.csv"
    csv.write_text(
        f'handle,first_name,last_name,email\nbob,Bob,B,bob@example.org\neve,Eve,E,"{address}"\n', encoding="utf-8"
    )
    world.refused("candidates", "import", csv, code="invalid_input")


def test_D19_a_non_ascii_domain_is_stored_idna_encoded_and_delivered(world, smtp_server):
    world("seats", "set", "ada", "--from", "Ada Lovelace <ada@exämple.com>")
    assert world.json("seats", "show", "ada")["from"] == "Ada Lovelace <ada@xn--exmple-cua.com>"
    world("candidates", "set", "grace", "--email", "grace@bücher.example")
    assert world.json("candidates", "show", "grace")["email"] == "grace@xn--bcher-kva.example"
    server = smtp_server()
    use_smtp(world, server)
    schedule(world, "grace")
    assert world.json("tick", "--to", "2026-12-01 10:00")["sent"] == [1]
    [delivered] = server.messages()
    assert delivered["rcpt_tos"] == ["grace@xn--bcher-kva.example"]


@pytest.mark.parametrize("sender", ["Ada <adâ@example.com>", "ada@localhost", "Ada <ada@straße.de>"])
def test_D19_a_seat_address_that_cannot_be_sent_from_is_refused_when_written(world, sender):
    world.refused("seats", "set", "ada", "--from", sender, code="invalid_input")
    world.refused("seats", "set", "ada", "--also-from", sender, code="invalid_input")
    world.refused("seats", "add", "bob", "--tz", "UTC", "--from", sender, code="invalid_input")


# ---------------------------------------------------------------- point 10: schedule names every problem


def test_S6_K4_D3_schedule_names_every_problem_of_a_draft_in_one_sentence(world, tmp_path):
    world("delivery", "set", "outbox", "--dir", tmp_path / "outbox")  # an email transport: addresses needed
    draft = compose(world, "grace", "alan", "kat", subject="A role at {company}")
    world("candidates", "opt-out", "alan")
    message = world.refused("schedule", draft["id"], "--now", code="candidate_opted_out")
    assert message.startswith(f"Draft {draft['id']} cannot be scheduled: candidate alan has opted out of messages; ")
    assert "seat ada has no sender address" in message and "grace, alan, kat have no email" in message
    assert message.endswith("; and some placeholders have no value and no fallback (company for alan, kat).")
    error = world("schedule", draft["id"], "--now", "--json", code=1)
    problems = json.loads(error.stdout)["error"]["problems"]
    assert [p["code"] for p in problems] == ["candidate_opted_out", "missing_value", "missing_value"]
    assert "Fill in those candidates" in problems[2]["message"]  # each problem keeps its own fix


def test_S6_one_problem_is_refused_as_it_always_was(world):
    draft = compose(world, "grace", "alan", subject="A role at {company}")
    message = world.refused("schedule", draft["id"], "--now", code="missing_value")
    assert message.startswith("Some placeholders have no value and no fallback: company for alan.")


# ---------------------------------------------------------------- D15: a bulk over the daily limit says so


def _people(cli, n):
    handles = [f"p{i}" for i in range(n)]
    for handle in handles:
        cli("candidates", "add", handle, "--first-name", "P", "--last-name", handle)
    return handles


def test_D15_a_bulk_over_the_daily_limit_names_each_day_and_how_many_would_be_canceled(world):
    world("seats", "set", "ada", "--daily-limit", "3")
    handles = _people(world, 5)
    first = compose(world, *handles[:2])
    assert "daily limit" not in world("schedule", first["id"], "--at", "2026-12-01 09:00", "--tz", "UTC").stderr
    draft = compose(world, *handles, followup="Again?", after="3d")  # 5 more on Tuesday, 5 follow-ups on Friday
    result = world("schedule", draft["id"], "--at", "2026-12-01 10:00", "--tz", "UTC")
    lines = [line for line in result.stderr.splitlines() if "daily limit" in line]
    assert len(lines) == 1, result.stderr
    # Tuesday: 2 + 5 for a limit of 3, so 4 canceled; Friday: the 5 follow-ups less the 4 of canceled initials.
    assert "daily limit of 3 means the tick would cancel and refund 4 on Tue 2026-12-01" in lines[0]
    assert "Fri 2026-12-04" not in lines[0]
    days = {day["date"]: day["over_limit"] for day in world.json("agenda", "--days", "7")}
    assert days["2026-12-01"] == 4 and days["2026-12-04"] == 0  # agenda shows the same
    report = world.json("tick", "--to", "2026-12-05 12:00")
    assert sum(1 for item in report["canceled"] if item["reason"] == "daily_limit") == 4


def test_D15_follow_ups_over_the_limit_on_their_own_day_are_named_too(world):
    world("seats", "set", "ada", "--daily-limit", "2")
    handles = _people(world, 4)
    tuesday = compose(world, *handles[:2], followup="Again?", after="96h")  # follow-ups on Saturday 09:00
    assert "daily limit" not in world("schedule", tuesday["id"], "--at", "2026-12-01 09:00", "--tz", "UTC").stderr
    wednesday = compose(world, *handles[2:], followup="Again?", after="72h")  # Saturday 09:00 too
    result = world("schedule", wednesday["id"], "--at", "2026-12-02 09:00", "--tz", "UTC")
    lines = [line for line in result.stderr.splitlines() if "daily limit" in line]
    assert len(lines) == 1 and "refund 2 on Sat 2026-12-05 (" in lines[0], lines
    assert world.json("agenda", "--days", "7")[4]["over_limit"] == 2
