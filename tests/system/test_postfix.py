"""D8, I5, I15 against a real Postfix (tests/support/postfix.py): a message Postfix accepts by smtp or by its sendmail and
then cannot deliver comes back as Postfix's own DSN; the tick that reads it fails and refunds the message, lists
it in `failed` and says so on stderr, so cron tells the recruiter."""

from __future__ import annotations

import json

import pytest

from tests.support.helpers import compose
from tests.support.postfix import POSTFIX_SKIP, Postfix

pytestmark = pytest.mark.skipif(POSTFIX_SKIP is not None, reason=POSTFIX_SKIP or "")


@pytest.fixture
def postfix():
    with Postfix() as server:
        yield server


@pytest.mark.parametrize("transport", ["smtp", "sendmail"])
def test_I15_postfix_dsn_for_a_rejected_address_fails_the_message_in_the_tick_report(world, postfix, transport):
    world("seats", "set", "ada", "--from", f"Ada Lovelace <{postfix.address}>")
    world("candidates", "set", "grace", "--email", "nobody.here@elsewhere.example")
    if transport == "smtp":
        world("delivery", "set", "smtp", "--host", postfix.host, "--port", postfix.port, "--security", "none")
    else:
        world("delivery", "set", "sendmail", "--command", postfix.sendmail())
    draft = compose(world, "grace", followup="Any thoughts?")
    thread = world.json("schedule", draft["id"], "--now")["threads"][0]
    sent = world("tick", "--json")
    assert json.loads(sent.stdout)["sent"] == [thread["messages"][0]["id"]], world.json("thread", thread["id"])[
        "messages"
    ][0]["failure"]  # Postfix took it
    [dsn] = postfix.wait_for_mail()
    assert b"report-type=delivery-status" in dsn.read_bytes()
    world("mailbox", "set", "maildir", "--dir", postfix.maildir)
    result = world("tick", "--json")
    report = json.loads(result.stdout)
    initial, followup = world.json("thread", thread["id"])["messages"]
    assert [item["id"] for item in report["failed"]] == [initial["id"]]
    assert initial["status"] == "failed" and initial["failure"].startswith("bounced:")
    assert followup["cancel_reason"] == "initial_not_sent"
    assert f"message(s) {initial['id']} failed" in result.stderr
    assert world.json("candidates", "show", "grace")["email_undeliverable"] is True
