"""`smtp --host H ...`: submission to a mail server with the standard library's smtplib (D1, D4).

One connection serves every message of a tick: opened at the first send, reused, reopened once if
the server dropped it between messages, and closed by `close()`. The D4 line between "temporary"
and "unknown" is the message data: everything up to the server's 354 is a conversation we can
safely repeat; once the data is on the wire, a lost connection or a time-out means we cannot know.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from typing import Any

from .. import passwords
from ..errors import INVALID_INPUT, refuse
from ..mail import PLAIN_ADDRESS
from ..plugins import (
    AUTH,
    CA_FILE,
    PASSWORD_COMMAND,
    PASSWORD_ENV,
    TIMEOUT,
    USER,
    Option,
    check_server,
    one_of,
    port,
    printable,
)
from . import (
    Accepted,
    Envelope,
    NotConfigured,
    Outcome,
    Permanent,
    Temporary,
    Transport,
    Unknown,
    transport_failure,
)

SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class _Failure(Exception):
    """Connecting, TLS or login failed; the sentence says exactly what (D9). `config`: no password or token could
    be had (D12), so nothing was asked of the server."""

    def __init__(self, sentence: str, config: bool = False):
        super().__init__(sentence)
        self.sentence = sentence
        self.config = config


class SmtpTransport(Transport):
    email = True
    kind = "smtp"
    OPTIONS = (
        Option("host", required=True, check=printable),
        Option("port", default=lambda settings: DEFAULT_PORTS.get(settings["security"], 587), check=port),
        Option("security", default=SECURITY[0], check=one_of(*SECURITY)),
        USER,
        AUTH,
        PASSWORD_ENV,
        PASSWORD_COMMAND,
        CA_FILE,
        TIMEOUT,
    )

    def __init__(self, settings: dict[str, Any], environ: Mapping[str, str] | None = None):
        self.settings = settings
        self.host: str = settings["host"]
        self.security: str = settings["security"]
        self.port = int(settings["port"])
        self.user: str | None = settings.get("user")
        self.auth: str = settings.get("auth") or "password"
        self.ca_file: str | None = settings.get("ca_file")
        self.timeout: float = settings["timeout"]
        self.environ = environ
        self.where = f"{self.host}:{self.port}"
        self._conn: smtplib.SMTP | None = None
        self._steps: list[str] = []
        self._password: str | None = None

    @classmethod
    def check_together(cls, options: dict[str, Any]) -> list[str]:
        check_server(options, SECURITY, cls.effective(options)["security"], carries="messages")
        if options.get("password_env") and options.get("password_command"):
            raise refuse(INVALID_INPUT, "Give either --password-env or --password-command, not both.")
        has_password = options.get("password_env") or options.get("password_command")
        if has_password and not options.get("user"):
            raise refuse(INVALID_INPUT, "A password needs --user to log in with.")
        if options.get("user") and not has_password:
            raise refuse(
                INVALID_INPUT,
                "--user needs --password-env VAR or --password-command CMD (the password itself is never stored).",
            )
        return []

    # ------------------------------------------------------------ the interface

    def send(self, envelope: Envelope) -> Outcome:
        sender, recipient, data = envelope.sender, envelope.recipient, envelope.rfc822
        if data is None or not sender or not recipient:
            return Permanent("The message has no sender address or no recipient email, so it cannot go by SMTP.")
        reused = self._conn is not None
        for _attempt in range(2):
            try:
                conn = self._connection()
            except _Failure as failure:
                if failure.config:  # D12: a configuration error, not the server's answer
                    return NotConfigured(failure.sentence)
                return Temporary(failure.sentence, setup=True)
            outcome = self._transaction(conn, sender, recipient, data)
            if outcome is not None:  # None: the server closed a reused connection before the data
                return outcome
            self._drop()
            if not reused:
                break
            reused = False  # reconnect once: the server may have closed an idle connection between messages
        return Temporary(f"{self.where} closed the connection before the message data was sent.")

    def check(self) -> str:
        try:
            conn = self._open()
        except _Failure as failure:
            raise transport_failure(failure.sentence) from None
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
        return f"{'; '.join(self._steps)}; quit without sending anything."

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    # ------------------------------------------------------------ connecting

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _context(self) -> ssl.SSLContext:
        try:
            # Without a CA file: the system's trust store, which honours SSL_CERT_FILE / SSL_CERT_DIR.
            return ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()
        except (OSError, ssl.SSLError) as exc:
            raise _Failure(f"The CA file {self.ca_file} cannot be read ({_why(exc)}).") from None

    def _open(self) -> smtplib.SMTP:
        """Connect, greet, start TLS, log in: every failure becomes one sentence. The password or token is had
        first, so a configuration error (D12) asks nothing of the server."""
        self._steps = []
        secret = self._secret() if self.user else None
        context = self._context() if self.security in ("starttls", "ssl") else None
        conn: smtplib.SMTP
        try:
            if self.security == "ssl":
                conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
                self._steps.append(f"Connected to {self.where} over TLS (certificate verified)")
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                self._steps.append(f"Connected to {self.where}")
        except BaseException as exc:  # noqa: B036 - turned into a sentence, or re-raised
            raise _Failure(self._describe(exc, "connecting to")) from None
        try:
            conn.ehlo_or_helo_if_needed()
            self._steps.append("greeted")
            if self.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise _Failure(
                        f"{self.where} does not offer STARTTLS, so outreach will not send a password or "
                        "a message to it unencrypted; use --security ssl if it speaks TLS from the start."
                    )
                try:
                    conn.starttls(context=context)
                except BaseException as exc:  # noqa: B036
                    raise _Failure(self._describe(exc, "starting TLS with")) from None
                conn.ehlo()
                self._steps.append("started TLS (certificate verified)")
            if secret is not None and self.user:
                self._login(conn, self.user, secret)
        except _Failure:
            conn.close()
            raise
        except BaseException as exc:  # noqa: B036
            conn.close()
            raise _Failure(self._describe(exc, "greeting")) from None
        return conn

    def _secret(self) -> str:
        """The password, read once per transport (a tick): the variable or the command (D2). An OAuth 2 access
        token (M4) is read at each connection instead: it expires within the hour."""
        if self._password is not None:
            return self._password
        what = "access token" if self.auth == "xoauth2" else "password"
        try:
            secret = passwords.password(
                self.settings.get("password_env"), self.settings.get("password_command"), self.timeout, self.environ
            )
        except passwords.SecretError as exc:
            raise _Failure(f"No {what} to log in to {self.where} as {self.user}: {exc}", config=True) from None
        if secret is None:
            raise _Failure(
                f"No {what} to log in to {self.where} as {self.user}; "
                "give --password-env VAR or --password-command CMD.",
                config=True,
            )
        if self.auth != "xoauth2":
            self._password = secret
        return secret

    def _login(self, conn: smtplib.SMTP, user: str, secret: str) -> None:
        if self.auth == "xoauth2":
            self._login_xoauth2(conn, user, secret)
            return
        try:
            conn.login(user, secret)
        except smtplib.SMTPAuthenticationError as exc:
            raise _Failure(
                f"{self.where} refused the login as {self.user} ({_reply(exc)}); check the user and the password."
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise _Failure(f"{self.where} does not offer login (AUTH) on this connection.") from None
        except smtplib.SMTPException as exc:
            raise _Failure(f"Logging in to {self.where} as {self.user} failed ({_why(exc)}).") from None
        self._steps.append(f"logged in as {self.user}")

    def _login_xoauth2(self, conn: smtplib.SMTP, user: str, token: str) -> None:
        """AUTH XOAUTH2 (M4). smtplib base64-encodes what the callable returns: the client response (sent with the
        command, or after an empty 334), then, should the server answer a 334 with its error details (Gmail and
        Outlook do), an empty line, after which the server gives its 535."""
        if "XOAUTH2" not in conn.esmtp_features.get("auth", "").upper().split():
            raise _Failure(
                f"{self.where} does not offer XOAUTH2 login on this connection; use --auth password, or "
                "check the host and port."
            )
        response = passwords.xoauth2_response(user, token)
        try:
            conn.auth("XOAUTH2", lambda challenge=None: "" if challenge else response)
        except smtplib.SMTPAuthenticationError as exc:
            raise _Failure(
                f"{self.where} refused the XOAUTH2 login as {self.user} ({_reply(exc)}); the access token "
                "may have expired or be for another account: check what --password-command prints."
            ) from None
        except UnicodeEncodeError:
            raise _Failure(
                f"The user or the access token for {self.where} is not plain ASCII, so XOAUTH2 cannot carry it.",
                config=True,
            ) from None
        except smtplib.SMTPException as exc:
            raise _Failure(f"Logging in to {self.where} as {self.user} with XOAUTH2 failed ({_why(exc)}).") from None
        self._steps.append(f"logged in as {self.user} (XOAUTH2)")

    def _describe(self, exc: BaseException, doing: str) -> str:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return (
                f"The certificate of {self.where} could not be verified ({exc.verify_message}); "
                "give --ca-file PEM if the server uses a private certificate authority."
            )
        if isinstance(exc, ssl.SSLError):
            return f"TLS with {self.where} failed ({exc.reason or exc})."
        if isinstance(exc, ConnectionRefusedError):
            return f"The connection to {self.where} was refused; is the mail server running there?"
        if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
            exc = exc.__context__  # smtplib reports a time-out waiting for a reply as a disconnection
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return f"{self.where} did not answer within {self.timeout} s while {doing} it."
        if isinstance(exc, socket.gaierror):
            return f"The mail server's host {self.host} could not be found ({exc.strerror})."
        if isinstance(exc, smtplib.SMTPConnectError):
            return f"{self.where} refused the session ({_reply(exc)})."
        if isinstance(exc, smtplib.SMTPResponseException):
            return f"{self.where} answered {_reply(exc)} while {doing} it."
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return f"{self.where} closed the connection while {doing} it."
        if isinstance(exc, (smtplib.SMTPException, OSError)):
            return f"Error while {doing} {self.where}: {_why(exc)}."
        raise exc

    # ------------------------------------------------------------ one message

    def _transaction(self, conn: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> Outcome | None:
        """MAIL, RCPT, DATA; then the payload. Before the 354 nothing has been delivered: None when the connection
        was lost before it (a reused one the server had closed: reconnect and try again)."""
        try:
            code, text = _command(conn, "mail", "FROM:", sender)
            if code != 250:
                return self._refused(conn, "the sender", code, text)
            code, text = _command(conn, "rcpt", "TO:", recipient)
            if code not in (250, 251):
                return self._refused(conn, "the recipient", code, text)
            conn.putcmd("data")
            code, text = conn.getreply()
            if code != 354:
                return self._refused(conn, "the message data", code, text)
        except UnicodeEncodeError:
            self._rset(conn)
            return Permanent("An address is not plain ASCII, which this SMTP submission does not support.")
        except (smtplib.SMTPServerDisconnected, OSError):
            return None
        try:
            conn.send(_payload(data))
            code, text = conn.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            return Unknown(
                f"The connection to {self.where} was lost after the message data was sent ({_why(exc)}); "
                "it may have been delivered."
            )
        reply = _text(text)
        if 200 <= code < 300:
            return Accepted(reply)
        return self._refused(conn, "the message", code, text)

    def _refused(self, conn: smtplib.SMTP, what: str, code: int, text: bytes) -> Outcome:
        reply = f"{code} {_text(text)}".strip()
        if code == 421:
            self._drop()
        else:
            self._rset(conn)
        if 400 <= code < 500:
            return Temporary(f"{self.where} deferred {what}: {reply}")
        return Permanent(f"{self.where} rejected {what}: {reply}")

    def _rset(self, conn: smtplib.SMTP) -> None:
        try:
            conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()


def _command(conn: smtplib.SMTP, verb: str, prefix: str, address: str) -> tuple[int, bytes]:
    """MAIL FROM / RCPT TO, as smtplib's mail() and rcpt() send them. The envelope's addresses are bare ones
    already (mail.parse_address); a plain one is written as <address> straight away, where smtplib would
    parse it once more per command."""
    if PLAIN_ADDRESS.match(address):
        conn.putcmd(verb, f"{prefix}<{address}>")
        return conn.getreply()
    return conn.mail(address) if verb == "mail" else conn.rcpt(address)


def _payload(data: bytes) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled, the final `.` line (RFC 5321 4.5.2)."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
