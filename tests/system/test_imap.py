"""The IMAP source against a real Dovecot (tests/support/dovecot.py): imaplib talks to a real server, nothing is faked (I1)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from outreach_cli.errors import OutreachError
from outreach_cli.incoming.imap import ImapSource, resolve_password
from outreach_cli.incoming.parse import parse
from tests.support.dovecot import DOVECOT_SKIP, Dovecot, free_port

if DOVECOT_SKIP:
    pytest.skip(DOVECOT_SKIP, allow_module_level=True)

MAIL = Path(__file__).parents[1] / "support" / "mail"
NAMES = ["reply-gmail.eml", "ooo-exchange.eml", "bounce-postfix.eml"]


@pytest.fixture(scope="module")
def server():
    with Dovecot() as running:
        running.append("INBOX", *[(MAIL / name).read_bytes() for name in NAMES])
        yield running


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("OUTREACH_TEST_IMAP_PASSWORD", Dovecot.password)


def source(server, **overrides) -> ImapSource:
    settings = dict(
        host=server.host,
        port=server.port,
        security="none",
        user=server.user,
        password_env="OUTREACH_TEST_IMAP_PASSWORD",
        timeout=10,
    )
    settings.update(overrides)
    return ImapSource(**settings)


def refusal(call) -> str:
    with pytest.raises(OutreachError) as caught:
        call()
    assert caught.value.code == "transport_error"
    assert "\n" not in caught.value.message and Dovecot.password not in caught.value.message
    return caught.value.message


def flags(server, folder="INBOX") -> list[bytes]:
    """Every message's flags, read from a second connection."""
    conn = server.connect()
    try:
        conn.select(folder, readonly=True)
        typ, data = conn.fetch("1:*", "(FLAGS)")
        return [item for item in data if item]
    finally:
        conn.logout()


def test_I1_imap_fetch_reads_every_message_and_sets_no_flag(server):
    before = flags(server)
    batch = source(server).fetch()
    fetched = list(batch)
    assert [parse(item.raw).message_id for item in fetched] == [
        parse((MAIL / name).read_bytes()).message_id for name in NAMES
    ]
    assert all(b"\\Seen" not in line for line in flags(server))
    assert flags(server) == before
    validity = batch.cursor.split(":")[0]
    assert [item.key for item in fetched] == [f"{validity}/1", f"{validity}/2", f"{validity}/3"]
    assert batch.cursor == f"{validity}:3"


def test_I1_imap_second_fetch_returns_nothing_new_then_only_the_new_message(server):
    first = source(server).fetch()
    list(first)
    second = source(server).fetch(first.cursor)
    assert list(second) == [] and second.cursor == first.cursor
    server.append("Later", (MAIL / "reply-gmail.eml").read_bytes())
    later = source(server, folder="Later").fetch()
    assert len(list(later)) == 1
    server.append("Later", (MAIL / "reply-outlook.eml").read_bytes())
    newer = source(server, folder="Later").fetch(later.cursor)
    assert [parse(item.raw).subject for item in newer] == ["RE: Marie, a backend role"]


def test_I1_imap_known_keys_are_skipped(server):
    batch = source(server).fetch()
    keys = [item.key for item in batch]
    assert [item.key for item in source(server).fetch(None, known=set(keys[:2]))] == keys[2:]


def test_I1_imap_uidvalidity_change_starts_again_from_uid_1(server):
    server.append("Jobs", (MAIL / "reply-gmail.eml").read_bytes(), (MAIL / "reply-outlook.eml").read_bytes())
    first = source(server, folder="Jobs").fetch()
    assert len(list(first)) == 2
    conn = server.connect()
    conn.delete("Jobs")  # a folder deleted and made again gets a new UIDVALIDITY
    conn.logout()
    server.append("Jobs", (MAIL / "ooo-gmail.eml").read_bytes())
    again = source(server, folder="Jobs").fetch(first.cursor)
    assert [parse(item.raw).subject for item in again] == ["Out of office until December 7"]
    assert again.cursor.split(":")[0] != first.cursor.split(":")[0] and again.cursor.endswith(":1")


def test_I1_imap_folder_with_a_space_and_quote(server):
    server.append('"Recruiting \\"2027\\""', (MAIL / "reply-gmail.eml").read_bytes())
    assert len(list(source(server, folder='Recruiting "2027"').fetch())) == 1


def test_I1_imap_login_failure_is_one_sentence(server, monkeypatch):
    monkeypatch.setenv("OUTREACH_TEST_IMAP_PASSWORD", "wrong")
    message = refusal(lambda: list(source(server).fetch()))
    assert message == f"The IMAP server {server.host}:{server.port} refused the login for user ada."


def test_I1_imap_connection_refused_is_one_sentence():
    port = free_port()
    message = refusal(lambda: list(ImapSource(host="127.0.0.1", port=port, security="none", user="ada").fetch()))
    assert message == f"Could not connect to the IMAP server 127.0.0.1:{port}: connection refused."


def test_I1_imap_no_such_folder_is_one_sentence(server):
    message = refusal(lambda: list(source(server, folder="Nope").fetch()))
    assert message == f"The IMAP server {server.host}:{server.port} has no folder named Nope."


def test_I1_imap_silent_server_times_out_with_one_sentence():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection in its backlog, never greets
    port = listener.getsockname()[1]
    try:
        message = refusal(
            lambda: list(ImapSource(host="127.0.0.1", port=port, security="none", user="ada", timeout=0.5).fetch())
        )
    finally:
        listener.close()
    assert message == f"The IMAP server 127.0.0.1:{port} did not answer within 0.5 seconds."


def test_I1_imap_without_tls_only_to_loopback():
    with pytest.raises(OutreachError) as caught:
        ImapSource(host="imap.example.com", security="none", user="ada")
    assert caught.value.code == "invalid_input"
    ImapSource(host="localhost", security="none", user="ada")
    ImapSource(host="::1", security="none", user="ada")


def test_I1_imap_starttls_refused_when_not_offered(server):
    message = refusal(lambda: list(source(server, security="starttls").fetch()))
    assert "does not offer STARTTLS" in message


def test_D2_password_command_output_without_trailing_newline_and_env_by_name(monkeypatch):
    assert resolve_password(password_command="printf 'pa ss\\n'") == "pa ss"
    assert resolve_password(password_command="printf 'two\\n\\n'") == "two\n"
    monkeypatch.delenv("OUTREACH_NOT_SET", raising=False)
    with pytest.raises(OutreachError) as caught:
        resolve_password(password_env="OUTREACH_NOT_SET")
    assert caught.value.message == "The environment variable OUTREACH_NOT_SET that should hold the password is not set."
    with pytest.raises(OutreachError) as caught:
        resolve_password(password_command="echo secret; exit 3")
    assert caught.value.message == "The password command exited with status 3." and "secret" not in caught.value.message


def test_I1_imap_password_command_logs_in(server):
    command = f"printf '%s\\n' '{Dovecot.password}'"
    assert len(list(source(server, password_env=None, password_command=command).fetch())) == 3


# -- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with Dovecot(tls=ca) as running:
        running.append("INBOX", (MAIL / "reply-gmail.eml").read_bytes())
        running.ca_file = str(ca_file)
        yield running


def test_I1_imaps_with_ca_file(tls_server):
    fetched = list(source(tls_server, port=tls_server.ssl_port, security="ssl", ca_file=tls_server.ca_file).fetch())
    assert len(fetched) == 1


def test_I1_imap_starttls_with_ca_file(tls_server):
    fetched = list(source(tls_server, security="starttls", ca_file=tls_server.ca_file).fetch())
    assert len(fetched) == 1


def test_I1_imaps_unknown_certificate_is_one_sentence(tls_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    message = refusal(lambda: list(source(tls_server, port=tls_server.ssl_port, security="ssl").fetch()))
    assert message.startswith(
        f"The certificate of the IMAP server {tls_server.host}:{tls_server.ssl_port} could not be verified: "
    )


def test_I1_imap_many_messages_are_fetched_in_chunks_in_uid_order(server):
    template = (MAIL / "reply-no-in-reply-to.eml").read_bytes()
    raws = [template.replace(b"Message-ID: <", f"Message-ID: <{n}.".encode(), 1) for n in range(450)]
    server.append("Many", *raws)
    fetched = list(source(server, folder="Many").fetch())
    assert [parse(item.raw).message_id for item in fetched] == [parse(raw).message_id for raw in raws]
    assert all(b"\\Seen" not in line for line in flags(server, "Many"))


def test_D9_imap_check_logs_in_and_examines_without_reading(server):
    detail = source(server).check()
    assert detail.startswith(f"{server.host}:{server.port} folder INBOX: 3 message(s), UIDVALIDITY ")
