"""A real SMTP server for the delivery tests (aiosmtpd), run as its own process:

    python tests/support/smtpserver.py --port P --record FILE [--tls starttls|ssl|none] [--cert PEM --key PEM]
                               [--user U --password W] [--answer accept|451|550|hang|drop] [--idle S]
                               [--refuse-rcpt PREFIX] [--user U --xoauth2-token T]

`--tls starttls` offers STARTTLS and requires it; `none` does not offer it; `ssl` speaks TLS from the
first byte. `--user/--password` require AUTH (LOGIN or PLAIN), also over plain loopback. `--answer`
says what to do once the message data has arrived: accept (250), 451, 550, hang (never answer), or
drop (close the connection without an answer). `--user U --xoauth2-token T` requires AUTH XOAUTH2 (M4) and
accepts only that user with that bearer token; any other token gets Gmail's answer: a 334 carrying a base64 JSON
error, and after the client's empty line, 535. Every message whose data arrived is appended to the
record file as one JSON line (message id, envelope, base64 bytes, answer), flushed and fsynced
before the server answers, so tests can count deliveries exactly.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import email
import json
import os
import signal
import ssl

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, path: str, answer: str, refuse_rcpt: str | None = None):
        self.path, self.answer, self.refuse_rcpt = path, answer, refuse_rcpt

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt and address.startswith(self.refuse_rcpt):
            return "451 4.2.1 Try that one later" if "later" in address else "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw)
        if self.path == "-":  # the benchmark's server: no record, nothing synced
            return "250 2.0.0 Ok: queued"
        entry = {
            "message_id": parsed.get("Message-ID"),
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "raw": base64.b64encode(raw).decode(),
            "answer": self.answer,
            "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()
            os.fsync(out.fileno())
        if self.answer == "451":
            return "451 4.3.0 Mailbox busy, try again later"
        if self.answer == "550":
            return "550 5.7.1 Recipient refused by policy"
        if self.answer == "hang":
            await asyncio.sleep(3600)
        if self.answer == "drop":
            server.transport.abort()
            await asyncio.sleep(3600)
        return "250 2.0.0 Ok: queued as Q" + (parsed.get("Message-ID") or "").strip("<>")[:8]


class XOAuth2Recorder(Recorder):
    """A Recorder that logs in by AUTH XOAUTH2 only, with one user and one token (aiosmtpd calls a handler's
    `auth_<MECHANISM>` methods for the mechanisms it offers)."""

    def __init__(self, path: str, answer: str, refuse_rcpt: str | None, user: str, token: str):
        super().__init__(path, answer, refuse_rcpt)
        self.expected = f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
        self.user = user

    async def auth_XOAUTH2(self, server, args):
        if len(args) == 2:
            try:
                response = base64.b64decode(args[1], validate=True)
            except ValueError:
                return AuthResult(success=False, handled=False, message="501 5.5.2 Can't decode base64")
        else:
            response = await server.challenge_auth("")
            if response is MISSING:
                return AuthResult(success=False, handled=True)
        if response == self.expected:
            return AuthResult(success=True, auth_data=LoginPassword(self.user.encode(), b"xoauth2"))
        error = json.dumps({"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"})
        if await server.challenge_auth(error) is MISSING:  # the client's empty line, as Gmail waits for
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message="535 5.7.8 Username and Password not accepted")


class XOAuth2Server(SMTP):
    """aiosmtpd's SMTP with room for a bearer token on the AUTH line, as real servers have (Microsoft's tokens run
    past 2,000 characters; aiosmtpd's own limits are RFC 5321's 512 for a command and 1,001 for a line)."""

    line_length_limit = 16384

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.command_size_limits["AUTH"] = self.line_length_limit


def authenticator_for(user: str, password: str):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True, help="the JSON-lines file, or - to keep nothing (bench/)")
    parser.add_argument("--tls", choices=("starttls", "ssl", "none"), default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--xoauth2-token", help="with --user: require AUTH XOAUTH2 with this bearer token")
    parser.add_argument("--answer", choices=("accept", "451", "550", "hang", "drop"), default="accept")
    parser.add_argument(
        "--refuse-rcpt", help="refuse recipients starting with this (451 if 'later' is in the address, else 550)"
    )
    parser.add_argument("--idle", type=float, default=300, help="close a connection idle this many seconds")
    args = parser.parse_args()

    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    recorder = (
        XOAuth2Recorder(args.record, args.answer, args.refuse_rcpt, args.user, args.xoauth2_token)
        if args.xoauth2_token
        else Recorder(args.record, args.answer, args.refuse_rcpt)
    )
    options = {"timeout": args.idle, "hostname": "outreach-test-server"}
    if args.tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.xoauth2_token:
        options.update(auth_required=True, auth_require_tls=False, auth_exclude_mechanism=["LOGIN", "PLAIN"])
    elif args.user:
        options.update(
            authenticator=authenticator_for(args.user, args.password or ""), auth_required=True, auth_require_tls=False
        )

    server_class = XOAuth2Server if args.xoauth2_token else SMTP
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: server_class(recorder, loop=loop, **options),
            args.host,
            args.port,
            ssl=context if args.tls == "ssl" else None,
            reuse_address=True,
        )
    )
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
