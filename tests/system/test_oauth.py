"""OAuth 2 logins (M4): `--auth xoauth2` for `delivery set smtp` (AUTH XOAUTH2) and `mailbox set imap`
(AUTHENTICATE XOAUTH2), the access token printed by `--password-command` at each connection.

Against real servers that check the token: aiosmtpd in its own process with an `auth_XOAUTH2` handler that
accepts one user and one token (tests/support/smtpserver.py), and Dovecot with an `oauth2` passdb whose introspection
URL is a small HTTP server on 127.0.0.1 (tests/support/introspection.py). Nothing of smtplib or imaplib is faked.
Simulated clock from Tuesday 1 December 2026, 08:00 UTC."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.support.delivery_helpers import row
from tests.support.dovecot import DOVECOT_SKIP, Dovecot
from tests.support.helpers import SENDER, compose
from tests.support.introspection import Introspection

USER = "ada@example.com"
# A bearer token as long as Microsoft's (they run past 2,000 characters); Google's start with ya29.
TOKEN = "ya29.a0AfB_" + "Zq8xK2" * 340
WRONG = "ya29.a0AfB_expired-token"
MAIL = Path(__file__).parents[1] / "support" / "mail"


@pytest.fixture
def ada(world):
    world("seats", "set", "ada", "--from", SENDER)
    for handle in ("grace", "alan"):
        world("candidates", "set", handle, "--email", f"{handle}@example.org")
    return world


@pytest.fixture
def token_file(tmp_path):
    """The file a token helper would keep fresh; the password command prints it (and counts its runs)."""
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


def token_command(token_file: Path) -> str:
    return f"echo run >> '{token_file}.runs'; cat '{token_file}'"


def runs(token_file: Path) -> int:
    runs_file = Path(f"{token_file}.runs")
    return len(runs_file.read_text().splitlines()) if runs_file.exists() else 0


def use_xoauth2(cli, server, command: str):
    return cli.json(
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
        USER,
        "--auth",
        "xoauth2",
        "--password-command",
        command,
        "--timeout",
        "5",
    )


def schedule(cli, *handles, at="2026-12-01 09:00"):
    draft = compose(cli, *handles)
    return cli.json("schedule", draft["id"], "--at", at, "--tz", "UTC")


def bytes_on_disk(path: Path) -> bytes:
    """The database file with its journal and WAL, as they are on disk."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


# ---------------------------------------------------------------- the client response


def test_M4_xoauth2_response_is_user_and_bearer_token_separated_by_ctrl_a():
    from outreach_cli.passwords import xoauth2_response

    assert xoauth2_response("ada@example.com", "ya29.T") == "user=ada@example.com\x01auth=Bearer ya29.T\x01\x01"


# ---------------------------------------------------------------- settings: set, show, refusals


def test_M4_show_lists_auth_and_password_stays_the_default(ada, smtp_server, token_file):
    server = smtp_server(user=USER, xoauth2_token=TOKEN)
    shown = use_xoauth2(ada, server, token_command(token_file))
    assert shown["auth"] == "xoauth2" and shown["password_command"] == token_command(token_file)
    assert shown["password_env"] is None and shown["user"] == USER
    assert ada.json("delivery", "show") == shown
    assert "  auth: xoauth2" in ada("delivery", "show").stdout
    ada("delivery", "set", "smtp", "--host", "127.0.0.1", "--port", server.port, "--security", "none")
    assert ada.json("delivery", "show")["auth"] == "password"
    ada(
        "mailbox",
        "set",
        "imap",
        "--host",
        "imap.gmail.com",
        "--user",
        USER,
        "--auth",
        "XOAUTH2",
        "--password-command",
        "oama access ada@example.com",
    )
    shown = ada.json("mailbox", "show")
    assert shown["auth"] == "xoauth2" and shown["password_command"] == "oama access ada@example.com"
    assert "  auth: xoauth2" in ada("mailbox", "show").stdout
    ada("mailbox", "set", "imap", "--host", "imap.gmail.com", "--user", USER, "--password-command", "pass mail")
    assert ada.json("mailbox", "show")["auth"] == "password"


@pytest.mark.parametrize("command", ["delivery", "mailbox"])
@pytest.mark.parametrize(
    "extra, says",
    [
        (["--auth", "xoauth2", "--password-command", "oama access ada@example.com"], "needs --user"),
        (["--auth", "xoauth2", "--user", USER], "needs --user"),
        (["--auth", "xoauth2", "--user", USER, "--password-env", "TOKEN"], "not --password-env"),
        (["--auth", "kerberos", "--user", USER, "--password-command", "x"], "password or xoauth2"),
    ],
)
def test_M4_xoauth2_needs_a_user_and_a_token_command(ada, command, extra, says):
    args = (
        (["delivery", "set", "smtp"] if command == "delivery" else ["mailbox", "set", "imap"])
        + ["--host", "mail.example.com"]
        + extra
    )
    assert says in ada.refused(*args, code="invalid_input")


def test_M4_auth_does_not_apply_to_other_kinds(ada, tmp_path):
    message = ada.refused(
        "delivery", "set", "outbox", "--dir", tmp_path / "out", "--auth", "xoauth2", code="invalid_input"
    )
    assert message == "--auth does not apply to the outbox transport."


# ---------------------------------------------------------------- SMTP: AUTH XOAUTH2 against aiosmtpd


def test_M4_smtp_good_token_delivers_and_the_command_runs_at_each_connection(ada, smtp_server, token_file):
    server = smtp_server(user=USER, xoauth2_token=TOKEN)
    use_xoauth2(ada, server, token_command(token_file))
    detail = ada.json("delivery", "test")["detail"]
    assert f"logged in as {USER} (XOAUTH2)" in detail and runs(token_file) == 1
    schedule(ada, "grace", "alan")
    report = ada.json("tick", "--to", "2026-12-01 10:00")
    assert report["sent"] == [1, 2] and report["retrying"] == []
    assert [m["login"] for m in server.messages()] == [USER, USER]
    assert runs(token_file) == 2  # one connection served the tick's two messages: one more run, not two
    # the token is never kept: a new connection asks the command again, and gets whatever it prints now
    token_file.write_text(WRONG + "\n")
    result = ada("delivery", "test", code=1)
    assert "refused the XOAUTH2 login" in result.stderr and runs(token_file) == 3


def test_M4_smtp_wrong_token_is_a_temporary_login_failure_said_on_stderr(ada, smtp_server, token_file):
    server = smtp_server(user=USER, xoauth2_token=TOKEN)
    token_file.write_text(WRONG + "\n")
    use_xoauth2(ada, server, token_command(token_file))
    schedule(ada, "grace")
    result = ada("tick", "--to", "2026-12-01 09:01", "--json")
    report = json.loads(result.stdout)
    assert report["retrying"] == [1] and report["sent"] == [] and report["failed"] == []
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the XOAUTH2 login as ada@example.com (535 5.7.8" in lines[0]
    message = row(ada, 1)
    assert message["status"] == "scheduled" and message["attempts"] == 1 and message["retry_at_utc"]
    assert server.messages() == []
    token_file.write_text(TOKEN + "\n")  # the helper refreshed the token: the retry goes
    assert ada.json("tick", "--to", "2026-12-01 10:00")["sent"] == [1] and len(server.messages()) == 1


@pytest.mark.parametrize(
    "command, says",
    [("exit 1", "The password command exited with status 1."), ("true", "The password command printed nothing.")],
)
def test_M4_smtp_failing_token_command_holds_the_message_with_one_sentence(ada, smtp_server, command, says):
    server = smtp_server(user=USER, xoauth2_token=TOKEN)
    use_xoauth2(ada, server, command)
    schedule(ada, "grace")
    for target in ("2026-12-01 09:01", "2026-12-02 10:00"):  # a day later: still held, never failed (D12)
        result = ada("tick", "--to", target, "--quiet")
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "not configured" in lines[0] and says in lines[0], result.stderr
        assert row(ada, 1)["status"] == "scheduled" and row(ada, 1)["attempts"] == 0
    assert server.messages() == []
    message = ada.refused("delivery", "test", code="transport_error")
    assert message == f"No access token to log in to 127.0.0.1:{server.port} as {USER}: {says}"


def test_M4_smtp_server_without_xoauth2_is_one_sentence(ada, smtp_server, token_file):
    server = smtp_server(user=USER, password="a password")  # LOGIN and PLAIN only
    use_xoauth2(ada, server, token_command(token_file))
    message = ada.refused("delivery", "test", code="transport_error")
    assert message == (
        f"127.0.0.1:{server.port} does not offer XOAUTH2 login on this connection; use --auth "
        "password, or check the host and port."
    )


def test_M4_smtp_xoauth2_over_starttls(ada, smtp_server, certificates, token_file):
    server = smtp_server(tls="starttls", user=USER, xoauth2_token=TOKEN)
    ada(
        "delivery",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        server.port,
        "--ca-file",
        certificates.ca_file,
        "--user",
        USER,
        "--auth",
        "xoauth2",
        "--password-command",
        token_command(token_file),
        "--timeout",
        "5",
    )
    schedule(ada, "grace")
    assert ada.json("tick", "--to", "2026-12-01 10:00")["sent"] == [1]
    [delivered] = server.messages()
    assert delivered["tls"] is True and delivered["login"] == USER


def test_M4_token_never_in_the_database_show_or_output(ada, smtp_server, token_file):
    server = smtp_server(user=USER, xoauth2_token=TOKEN)
    outputs = []
    for args in (
        (
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
            USER,
            "--auth",
            "xoauth2",
            "--password-command",
            token_command(token_file),
        ),
        ("delivery", "show"),
        ("delivery", "test"),
    ):
        for as_json in (False, True):
            result = ada(*args, *(["--json"] if as_json else []))
            outputs += [result.stdout, result.stderr]
    schedule(ada, "grace")
    result = ada("tick", "--to", "2026-12-01 10:00", "--json")
    outputs += [result.stdout, result.stderr]
    assert json.loads(result.stdout)["sent"] == [1]
    token_file.write_text(WRONG + "\n")  # a refused token is not repeated either
    result = ada("delivery", "test", code=1)
    outputs += [result.stdout, result.stderr]
    assert not any(TOKEN in text or WRONG in text for text in outputs)
    on_disk = bytes_on_disk(ada.db_path)
    assert TOKEN.encode() not in on_disk and TOKEN[:40].encode() not in on_disk and WRONG.encode() not in on_disk
    assert token_command(token_file).encode() in on_disk  # what is stored: the command


# ---------------------------------------------------------------- IMAP: AUTHENTICATE XOAUTH2 against Dovecot


@pytest.fixture(scope="module")
def oauth_dovecot():
    """Dovecot whose XOAUTH2 logins are checked by an oauth2 passdb: it POSTs the token to the introspection
    endpoint, which calls only TOKEN active (for the user ada)."""
    if DOVECOT_SKIP:
        pytest.skip(DOVECOT_SKIP)
    with (
        Introspection(token=TOKEN, username=Dovecot.user) as endpoint,
        Dovecot(oauth2_introspection_url=endpoint.url) as server,
    ):
        server.endpoint = endpoint
        yield server


def sent_thread(cli, handle: str) -> dict:
    """A thread whose initial went now (transport none), its follow-up 7 days later, still scheduled."""
    draft = compose(cli, handle, followup="Any thoughts, {first_name}?")
    result = cli.json("schedule", draft["id"], "--now")
    cli.json("tick")
    return cli.json("thread", result["threads"][0]["id"])


def reply_to(thread: dict) -> bytes:
    raw = (MAIL / "reply-gmail.eml").read_bytes()
    return raw.replace(b"<outreach-1.abc@example.com>", thread["messages"][0]["internet_message_id"].encode())


def use_imap_xoauth2(cli, server, command: str):
    return cli.json(
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
        "--auth",
        "xoauth2",
        "--password-command",
        command,
        "--timeout",
        "10",
        "--folder",
        cli.folder,
    )


FOLDERS = itertools.count(1)


@pytest.fixture
def people(world):
    world("candidates", "set", "grace", "--email", "grace.hopper@mail.example.net")  # reply-gmail.eml's sender
    world.folder = f"Test{next(FOLDERS)}"  # each test reads a folder of its own on the module's Dovecot
    return world


def test_M4_imap_good_token_fetches_the_reply(people, oauth_dovecot, token_file):
    thread = sent_thread(people, "grace")
    oauth_dovecot.append(people.folder, reply_to(thread))
    shown = use_imap_xoauth2(people, oauth_dovecot, token_command(token_file))
    assert shown["auth"] == "xoauth2"
    before = len(oauth_dovecot.endpoint.seen)
    [incoming] = people.json("replies", "fetch")["incoming"]
    assert incoming["kind"] == "reply" and incoming["thread_id"] == thread["id"]
    assert people.json("thread", thread["id"])["response"]["kind"] == "reply"
    assert oauth_dovecot.endpoint.seen[before:] == [TOKEN]  # Dovecot asked the endpoint about our token
    assert runs(token_file) == 1
    assert people.json("replies", "fetch") == {"incoming": []} and runs(token_file) == 2  # each connection
    on_disk = bytes_on_disk(people.db_path)
    assert TOKEN.encode() not in on_disk and TOKEN[:40].encode() not in on_disk
    assert TOKEN not in people("mailbox", "show").stdout and TOKEN not in json.dumps(people.json("mailbox", "show"))


def test_M4_imap_wrong_token_is_a_login_failure_and_tick_holds_the_followups(people, oauth_dovecot, token_file):
    thread = sent_thread(people, "grace")
    oauth_dovecot.append(people.folder, reply_to(thread))
    token_file.write_text(WRONG + "\n")
    use_imap_xoauth2(people, oauth_dovecot, token_command(token_file))
    message = people.refused("replies", "fetch", code="transport_error")
    assert message.startswith(
        f"The IMAP server {oauth_dovecot.host}:{oauth_dovecot.port} refused the XOAUTH2 "
        "login for user ada ([AUTHENTICATIONFAILED]"
    )
    assert WRONG not in message and WRONG in oauth_dovecot.endpoint.seen  # the server did check it, and said no
    result = people("tick", "--by", "8d", "--json")
    assert "refused the XOAUTH2 login" in result.stderr and WRONG not in result.stderr
    assert people.json("thread", thread["id"])["messages"][1]["status"] == "scheduled"  # held (I2)
    assert people.json("thread", thread["id"])["response"] is None


@pytest.mark.parametrize(
    "command, says",
    [("exit 1", "The password command exited with status 1."), ("true", "The password command printed nothing.")],
)
def test_M4_imap_failing_token_command_is_one_sentence_and_asks_nothing(people, oauth_dovecot, command, says):
    thread = sent_thread(people, "grace")
    use_imap_xoauth2(people, oauth_dovecot, command)
    before = len(oauth_dovecot.endpoint.seen)
    message = people.refused("replies", "fetch", code="transport_error")
    assert message == (
        f"No access token to log in to the IMAP server {oauth_dovecot.host}:{oauth_dovecot.port} as ada: {says}"
    )
    result = people("tick", "--by", "8d")
    assert says in result.stderr
    assert people.json("thread", thread["id"])["messages"][1]["status"] == "scheduled"
    assert len(oauth_dovecot.endpoint.seen) == before


def test_M4_imap_password_login_still_works_beside_xoauth2(people, oauth_dovecot, monkeypatch):
    """The default `--auth password` is today's behaviour, on the same server."""
    thread = sent_thread(people, "grace")
    oauth_dovecot.append(people.folder, reply_to(thread))
    monkeypatch.setenv("OUTREACH_TEST_IMAP_PASSWORD", oauth_dovecot.password)
    people(
        "mailbox",
        "set",
        "imap",
        "--host",
        oauth_dovecot.host,
        "--port",
        oauth_dovecot.port,
        "--security",
        "none",
        "--user",
        oauth_dovecot.user,
        "--password-env",
        "OUTREACH_TEST_IMAP_PASSWORD",
        "--timeout",
        "10",
        "--folder",
        people.folder,
    )
    assert [m["kind"] for m in people.json("replies", "fetch")["incoming"]] == ["reply"]
