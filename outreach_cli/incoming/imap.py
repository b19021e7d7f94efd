"""IMAP source: the folder is opened read-only (EXAMINE) and fetched with BODY.PEEK[], so no flag
changes. The cursor is "UIDVALIDITY:LAST_UID"; when the server's UIDVALIDITY differs, the folder
is read again from UID 1 (safe: incoming mail is recorded once per Message-ID)."""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Container, Iterator, Mapping
from typing import Any

from ..errors import INVALID_INPUT, TRANSPORT_ERROR, OutreachError, refuse
from ..network import is_loopback
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
from .source import Batch, Fetched, MailSource

SECURITIES = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
_CHUNK = 200  # UIDs per UID FETCH
_UID = re.compile(rb"\bUID (\d+)")


def transport_error(sentence: str) -> OutreachError:
    return OutreachError(sentence, TRANSPORT_ERROR)


def resolve_password(
    password_env: str | None = None, password_command: str | None = None, timeout: float = 60, what: str | None = None
) -> str:
    """The password by reference (D2, through passwords.password, the one owner), as a transport_error when it
    cannot be had; "" when the mailbox has none. `what` names the login it was for, for the sentence."""
    from ..passwords import SecretError, password

    try:
        return password(password_env, password_command, timeout) or ""
    except SecretError as exc:
        raise transport_error(f"{what}: {exc}" if what else str(exc)) from None


class ImapSource(MailSource):
    kind = "imap"
    article = "an"
    OPTIONS = (
        Option("host", required=True, check=printable),
        Option("port", default=lambda settings: DEFAULT_PORTS.get(settings["security"], 993), check=port),
        Option("security", default=SECURITIES[0], check=one_of(*SECURITIES)),
        USER.copy(required=True),
        AUTH,
        PASSWORD_ENV,
        PASSWORD_COMMAND,
        Option("folder", default="INBOX", check=printable),
        CA_FILE,
        TIMEOUT,
    )

    def __init__(self, **options: Any):
        """The options as `mailbox set imap` takes them (host and user required), defaults filled in from OPTIONS."""
        unknown = sorted(set(options) - set(self.option_names()))
        if unknown:
            raise TypeError(f"ImapSource takes no {', '.join(unknown)}")
        if not options.get("host") or not options.get("user"):
            raise TypeError("ImapSource needs a host and a user")
        settings = self.effective(options)
        host, security = settings["host"], settings["security"]
        if security not in SECURITIES:
            raise OutreachError(f"Unknown IMAP security {security!r}; use ssl, starttls or none.", INVALID_INPUT)
        if security == "none" and not is_loopback(host):
            raise OutreachError(
                f"IMAP without TLS is allowed only to this machine (loopback), not to {host}; "
                "use --security ssl or starttls.",
                INVALID_INPUT,
            )
        self.host: str = host
        self.user: str = settings["user"]
        self.security: str = security
        self.folder: str = settings["folder"]
        self.port = int(settings["port"])
        self.password_env: str | None = settings["password_env"]
        self.password_command: str | None = settings["password_command"]
        self.ca_file: str | None = settings["ca_file"]
        self.timeout: float = settings["timeout"]
        self.auth: str = settings["auth"]

    @classmethod
    def check_together(cls, options: dict[str, Any]) -> list[str]:
        check_server(options, SECURITIES, cls.effective(options)["security"], carries="mail")
        if bool(options.get("password_env")) == bool(options.get("password_command")):
            raise refuse(
                INVALID_INPUT,
                "An IMAP mailbox needs exactly one of --password-env VAR or --password-command "
                "CMD (the password itself is never stored).",
            )
        return []

    @classmethod
    def identity(cls, settings: Mapping[str, Any]) -> str:
        return f"imap:{settings['user']}@{settings['host']}:{settings['port']}/{settings['folder']}"

    def fetch(self, cursor: str | None = None, known: Container[str] = frozenset()) -> Batch:
        return Batch(cursor, lambda batch: self._read(batch, cursor, known))

    def check(self) -> str:
        """Connect, log in and examine the folder, then log out: what `delivery test` does for SMTP."""
        conn = self._open()
        try:
            validity, count = self._examine(conn)
        finally:
            _logout(conn)
        return f"{self.host}:{self.port} folder {self.folder}: {count} message(s), UIDVALIDITY {validity}."

    def _read(self, batch: Batch, cursor: str | None, known: Container[str]) -> Iterator[Fetched]:
        conn = self._open()
        try:
            validity, _ = self._examine(conn)
            old_validity, _, old_last = (cursor or "").partition(":")
            last = int(old_last) if old_validity == validity and old_last.isdigit() else 0
            uids = [uid for uid in self._uids_after(conn, last) if uid > last]
            for start in range(0, len(uids), _CHUNK):
                for uid, raw in self._fetch(conn, uids[start : start + _CHUNK]):
                    key = f"{validity}/{uid}"
                    if key not in known:
                        yield Fetched(key, raw)
            batch.cursor = f"{validity}:{max(uids, default=last)}"
        except (OSError, imaplib.IMAP4.abort) as error:
            raise transport_error(
                f"The connection to the IMAP server {self.host}:{self.port} broke: {_why(error)}."
            ) from None
        except imaplib.IMAP4.error as error:  # a BAD answer
            raise transport_error(
                f"The IMAP server {self.host}:{self.port} refused a command: {_why(error)}."
            ) from None
        finally:
            _logout(conn)

    def message_ids(self) -> list[str | None]:
        """M5: the Message-ID of every mail in the folder, read-only (EXAMINE, BODY.PEEK of one header field)."""
        from .sent import message_id_of

        conn = self._open()
        try:
            self._examine(conn)
            uids = self._uids_after(conn, 0)
            out: list[str | None] = []
            for start in range(0, len(uids), _CHUNK * 10):
                chunk = ",".join(map(str, uids[start : start + _CHUNK * 10]))
                typ, data = conn.uid("FETCH", chunk, "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                if typ != "OK":
                    raise transport_error(
                        f"The IMAP server {self.host}:{self.port} refused to fetch from {self.folder}."
                    )
                out += [message_id_of(item[1] + b"\r\n") for item in data if isinstance(item, tuple) and len(item) == 2]
            return out
        except (OSError, imaplib.IMAP4.abort) as error:
            raise transport_error(
                f"The connection to the IMAP server {self.host}:{self.port} broke: {_why(error)}."
            ) from None
        except imaplib.IMAP4.error as error:
            raise transport_error(
                f"The IMAP server {self.host}:{self.port} refused a command: {_why(error)}."
            ) from None
        finally:
            _logout(conn)

    # -- the conversation --------------------------------------------------------------------

    def _open(self) -> imaplib.IMAP4:
        where = f"{self.host}:{self.port}"
        # M4: an access token is had at each connection, like a password, and never kept.
        password = resolve_password(
            self.password_env,
            self.password_command,
            self.timeout,
            f"No access token to log in to the IMAP server {where} as {self.user}" if self.auth == "xoauth2" else None,
        )
        conn: imaplib.IMAP4
        try:
            if self.security == "ssl":
                conn = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self._context(), timeout=self.timeout)
            else:
                conn = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    if "STARTTLS" not in conn.capabilities:
                        _logout(conn)
                        raise transport_error(
                            f"The IMAP server {where} does not offer STARTTLS; "
                            "use --security ssl, or none on this machine only."
                        )
                    conn.starttls(ssl_context=self._context())
        except ConnectionRefusedError:
            raise transport_error(f"Could not connect to the IMAP server {where}: connection refused.") from None
        except ssl.SSLCertVerificationError as error:
            raise transport_error(
                f"The certificate of the IMAP server {where} could not be verified: "
                f"{error.verify_message or error.reason}."
            ) from None
        except ssl.SSLError as error:
            raise transport_error(f"TLS with the IMAP server {where} failed: {error.reason or error}.") from None
        except TimeoutError:
            raise transport_error(f"The IMAP server {where} did not answer within {self.timeout:g} seconds.") from None
        except socket.gaierror:
            raise transport_error(f"The IMAP server's host name {self.host} could not be found.") from None
        except (OSError, imaplib.IMAP4.error) as error:
            raise transport_error(f"Could not connect to the IMAP server {where}: {_why(error)}.") from None
        if self.auth == "xoauth2":
            self._authenticate_xoauth2(conn, password)
            return conn
        try:
            conn.login(self.user, password)
        except (imaplib.IMAP4.error, UnicodeEncodeError):
            _logout(conn)
            raise transport_error(f"The IMAP server {where} refused the login for user {self.user}.") from None
        except (OSError, imaplib.IMAP4.abort) as error:
            raise transport_error(
                f"The connection to the IMAP server {where} broke during login: {_why(error)}."
            ) from None
        return conn

    def _authenticate_xoauth2(self, conn, token: str) -> None:
        """AUTHENTICATE XOAUTH2 (M4): the client response at the server's first `+`; should the server answer with
        a second `+` carrying its error details (Gmail, Outlook and Dovecot do), an empty line, then its NO."""
        from ..passwords import xoauth2_response

        where = f"{self.host}:{self.port}"
        response = xoauth2_response(self.user, token).encode("utf-8")
        answers = iter([response])
        try:
            conn.authenticate("XOAUTH2", lambda _challenge: next(answers, b""))
        except imaplib.IMAP4.abort as error:
            raise transport_error(
                f"The connection to the IMAP server {where} broke during login: {_why(error)}."
            ) from None
        except imaplib.IMAP4.error as error:
            _logout(conn)
            if "AUTH=XOAUTH2" not in conn.capabilities:
                raise transport_error(
                    f"The IMAP server {where} does not offer XOAUTH2 login; use --auth password, "
                    "or check the host and port."
                ) from None
            raise transport_error(
                f"The IMAP server {where} refused the XOAUTH2 login for user {self.user} "
                f"({_why(error)}); the access token may have expired or be for another account: "
                "check what --password-command prints."
            ) from None
        except OSError as error:
            raise transport_error(
                f"The connection to the IMAP server {where} broke during login: {_why(error)}."
            ) from None

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError):
            raise transport_error(f"The CA file {self.ca_file} could not be read as PEM certificates.") from None

    def _examine(self, conn) -> tuple[str, int]:
        typ, data = conn.select(_quote(self.folder), readonly=True)  # EXAMINE
        if typ != "OK":
            raise transport_error(f"The IMAP server {self.host}:{self.port} has no folder named {self.folder}.")
        _, validity = conn.response("UIDVALIDITY")
        if not validity or not validity[0]:
            raise transport_error(f"The IMAP server {self.host}:{self.port} gave no UIDVALIDITY for {self.folder}.")
        return validity[0].decode("ascii", "replace"), int(data[0] or 0)

    def _uids_after(self, conn, last: int) -> list[int]:
        typ, data = conn.uid("SEARCH", f"UID {last + 1}:*")
        if typ != "OK":
            raise transport_error(f"The IMAP server {self.host}:{self.port} refused to list {self.folder}.")
        return sorted(int(token) for chunk in data if chunk for token in chunk.split())

    def _fetch(self, conn, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
        if typ != "OK":
            raise transport_error(f"The IMAP server {self.host}:{self.port} refused to fetch from {self.folder}.")
        found = []
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                uid = _UID.search(item[0])
                if uid:
                    found.append((int(uid.group(1)), item[1]))
        return iter(sorted(found))


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _why(error: BaseException) -> str:
    text = str(error).strip().rstrip(".") or type(error).__name__
    return text.splitlines()[0]


def _logout(conn) -> None:
    try:
        conn.logout()
    except Exception:
        pass
