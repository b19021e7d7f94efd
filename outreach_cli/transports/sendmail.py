"""`sendmail [--command CMD]`: the message is piped to `CMD -i -f FROM -- TO` (D1).
Exit 0 accepted, 75 (EX_TEMPFAIL) temporary, any other exit permanent, a time-out unknown (D4)."""

from __future__ import annotations

import shlex
from typing import Any

from ..plugins import TIMEOUT, Option, printable
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
from ._process import TimedOut, command_exists, last_line, run

EX_TEMPFAIL = 75


class SendmailTransport(Transport):
    email = True
    kind = "sendmail"
    OPTIONS = (Option("command", default="sendmail", check=printable), TIMEOUT)

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self.command: str = settings["command"]
        self.timeout: float = settings["timeout"]

    def _argv(self) -> list[str]:
        return shlex.split(self.command)

    def send(self, envelope: Envelope) -> Outcome:
        if envelope.rfc822 is None or not envelope.sender or not envelope.recipient:
            return Permanent("The message has no sender address or no recipient email, so sendmail cannot take it.")
        try:
            argv = self._argv() + ["-i", "-f", envelope.sender, "--", envelope.recipient]
        except ValueError as exc:
            return Permanent(f"The sendmail command {self.command!r} cannot be read: {exc}.")
        try:
            code, _out, err = run(argv, envelope.rfc822, self.timeout)
        except TimedOut:
            return Unknown(f"{argv[0]} did not finish within {self.timeout} s; the message may have gone.")
        except (FileNotFoundError, PermissionError) as exc:  # D12: a missing command is a configuration error
            return NotConfigured(
                f"The sendmail command {argv[0]} could not be run ({exc.strerror or exc}); "
                "install it or fix `outreach delivery set sendmail --command`."
            )
        except OSError as exc:
            return Permanent(f"{argv[0]} could not be run: {exc.strerror or exc}.")
        return exit_outcome(argv[0], code, err)

    def check(self) -> str:
        try:
            argv = self._argv()
        except ValueError as exc:
            raise transport_failure(f"The sendmail command {self.command!r} cannot be read: {exc}.") from None
        if not argv or not command_exists(argv[0]):
            raise transport_failure(f"The command {argv[0] if argv else self.command!r} was not found.")
        return f"The command {argv[0]} exists; messages are piped to `{self.command} -i -f FROM -- TO`."


def exit_outcome(name: str, code: int, err: bytes, transport_id: str | None = None) -> Outcome:
    detail = last_line(err)
    said = f": {detail}" if detail else ""
    if code == 0:
        return Accepted(transport_id)
    if code == EX_TEMPFAIL:
        return Temporary(f"{name} exited with status 75 (temporary failure){said}")
    if code < 0:
        return Permanent(f"{name} was killed by signal {-code}{said}")
    return Permanent(f"{name} exited with status {code}{said}")
