"""`exec --command CMD`: the command (run by `sh -c`) gets one JSON document on stdin (D1):
`{"message": message, "rfc822": TEXT, "envelope": {"from": ADDR, "to": ADDR}}`. Exit 0 accepted
(an `{"id": "..."}` on stdout is kept as transport_id), 75 temporary, other permanent, time-out unknown."""

from __future__ import annotations

import json
import shlex
from typing import Any

from ..plugins import TIMEOUT, Option, printable
from . import Envelope, NotConfigured, Outcome, Permanent, Transport, Unknown, transport_failure
from ._process import TimedOut, command_exists, run
from .sendmail import exit_outcome


class ExecTransport(Transport):
    kind = "exec"
    OPTIONS = (Option("command", required=True, check=printable), TIMEOUT)

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self.command: str = settings["command"]
        self.timeout: float = settings["timeout"]

    @staticmethod
    def document(envelope: Envelope) -> bytes:
        text = envelope.rfc822.decode("utf-8", "surrogateescape") if envelope.rfc822 is not None else None
        doc = {
            "message": envelope.message,
            "rfc822": text,
            "envelope": {"from": envelope.sender, "to": envelope.recipient},
        }
        return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogateescape")

    def send(self, envelope: Envelope) -> Outcome:
        try:
            code, out, err = run(["sh", "-c", self.command], self.document(envelope), self.timeout)
        except TimedOut:
            return Unknown(f"The command did not finish within {self.timeout} s; the message may have gone.")
        except OSError as exc:
            return Permanent(f"sh could not be run: {exc.strerror or exc}.")
        if code in (126, 127):  # D12: sh could not find or run the command: a configuration error
            detail = err.decode("utf-8", "replace").strip().splitlines()
            return NotConfigured(
                f"The exec command could not be run ({detail[-1][:200] if detail else f'exit {code}'}); "
                "fix `outreach delivery set exec --command`."
            )
        return exit_outcome("The command", code, err, _printed_id(out) if code == 0 else None)

    def check(self) -> str:
        try:
            words = shlex.split(self.command)
        except ValueError as exc:
            raise transport_failure(f"The command {self.command!r} cannot be read: {exc}.") from None
        first = next((w for w in words if "=" not in w), None)  # skip VAR=value prefixes
        if first is None or not command_exists(first):
            raise transport_failure(f"The command {first or self.command!r} was not found.")
        return f"The command {first} exists; each message is given to `sh -c` as one JSON document on stdin."


def _printed_id(out: bytes) -> str | None:
    try:
        doc = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    value = doc.get("id") if isinstance(doc, dict) else None
    return str(value)[:500] if isinstance(value, (str, int)) and not isinstance(value, bool) else None
