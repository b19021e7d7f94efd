"""Passwords by reference (D2): the database keeps the *name* of an environment variable or a password
command, never the password. A password command runs through `sh -c`; its standard output without
the trailing newline is the password (msmtp's passwordeval). No error text ever includes it."""

from __future__ import annotations

import os
import re

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# How a login to a mail server proves itself (M4): a password, or an OAuth 2 access token (SASL XOAUTH2, as
# Google Workspace and Microsoft 365 want). The token comes from --password-command at each connection.
AUTHS = ("password", "xoauth2")


class SecretError(Exception):
    """The password could not be obtained; the message says why, never what it is."""


def password(
    password_env: str | None = None, password_command: str | None = None, timeout: float = 60, environ=None
) -> str | None:
    """The password named by the settings, or None when there is none to use."""
    environ = os.environ if environ is None else environ
    if password_env:
        value = environ.get(password_env)
        if not value:
            raise SecretError(f"The environment variable {password_env} that should hold the password is not set.")
        return value
    if password_command:
        return _from_command(password_command, timeout)
    return None


def _from_command(command: str, timeout: float) -> str:
    from .transports._process import TimedOut, run

    try:
        code, out, _err = run(["sh", "-c", command], b"", timeout)
    except TimedOut:
        raise SecretError(f"The password command did not finish within {timeout} s.") from None
    except OSError as exc:
        raise SecretError(f"The password command could not be run: {exc.strerror or exc}.") from None
    if code != 0:  # its stderr is not repeated: a failing command might echo what it holds
        raise SecretError(f"The password command exited with status {code}.")
    text = out.decode("utf-8", "replace")
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise SecretError("The password command printed nothing.")
    return text


def xoauth2_response(user: str, token: str) -> str:
    """The XOAUTH2 client response, before base64: `user=U^Aauth=Bearer T^A^A` (Google's and Microsoft's
    definition of the mechanism; msmtp, mutt and isync send the same)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"
