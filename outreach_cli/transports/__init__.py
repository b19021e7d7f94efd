"""Transports: how a seat's messages leave the machine (D1, D4, D9).

One small interface, one module per transport, a table from name to class (docs/architecture.md). A tick opens
one transport per seat with `open_transport(settings)`, calls `send(envelope)` once per claimed
message (outside any database transaction, D6) and `close()` at the end. `send` never raises for a
delivery problem: it returns one of the four outcomes below. `check()` (D9) returns a plain sentence
or raises an OutreachError with code `transport_error`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

DEFAULT_TIMEOUT = 60
KINDS = ("none", "outbox", "smtp", "sendmail", "exec")
EMAIL_KINDS = ("outbox", "smtp", "sendmail")  # the kinds whose class says `email` (D3), without importing them
_TABLE = {  # name -> "module:Class", imported only when a seat uses it
    "none": "none:NoneTransport",
    "outbox": "outbox:OutboxTransport",
    "smtp": "smtp:SmtpTransport",
    "sendmail": "sendmail:SendmailTransport",
    "exec": "command:ExecTransport",
}


@dataclass(frozen=True)
class Accepted:
    """The transport took the message (D4); `transport_id` is its reference, if it gave one."""

    transport_id: str | None = None


@dataclass(frozen=True)
class Temporary:
    """Not delivered, worth retrying later (4xx, refused connection, TLS or login failure, exit 75). `setup`: the
    server could not be reached, or TLS, its certificate or the login failed (D18: the recruiter must look)."""

    reason: str
    setup: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Permanent:
    """Not delivered, never will be (5xx, any other exit status)."""

    reason: str


@dataclass(frozen=True)
class Unknown:
    """It may or may not have gone (connection lost or time-out after the data was sent)."""

    reason: str


@dataclass(frozen=True)
class NotConfigured:
    """A configuration error, not a server's answer (D12): a password variable not set, a password command that
    fails, a missing command. The message was not attempted and stays scheduled, with no attempt counted."""

    reason: str


Outcome = Accepted | Temporary | Permanent | Unknown | NotConfigured


@dataclass(frozen=True)
class Envelope:
    """One outgoing message, built before the attempt and the same on every retry (D3).

    message_id: the database id; internet_message_id: `<...@domain>`; sender / recipient: bare
    addresses (None when the seat has no sender address or the candidate no email); rfc822: the
    RFC 5322 bytes (None when an address is missing); message: the message's JSON object (for exec).
    """

    message_id: int
    internet_message_id: str
    sender: str | None
    recipient: str | None
    rfc822: bytes | None
    message: dict = field(default_factory=dict)


class Transport:
    """The base of every transport: what a tick and `delivery set` ask of one, so that neither names a kind.

    kind: its name in `delivery set KIND`; OPTIONS and REQUIRED: what that command takes; email: it needs a sender
    address and the recipients' emails (D3);
    batchable: idempotent by name, so a tick claims its messages a batch at a time and sends them with one
    `send_many`; pauses_on_unknown: an `Unknown` outcome (a time-out) holds the seat's next messages (D18)."""

    kind: ClassVar[str]
    OPTIONS: ClassVar[tuple[str, ...]] = ()  # the options `delivery set KIND` takes (the CLI's names, no dashes)
    REQUIRED: ClassVar[str | None] = None  # the one it cannot do without
    email: ClassVar[bool] = False
    batchable: ClassVar[bool] = False
    pauses_on_unknown: ClassVar[bool] = True

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings

    @classmethod
    def effective(cls, options: dict[str, Any]) -> dict[str, Any]:
        return {}

    def send(self, envelope: Envelope) -> Outcome:
        raise NotImplementedError

    def send_many(self, envelopes: list[Envelope]) -> list[Outcome]:
        """One outcome per envelope, in order; a transport's bug is an `Unknown` (the message may have gone)."""
        return [self._guarded(self.send, envelope) for envelope in envelopes]

    @classmethod
    def already_delivered(cls, settings: dict[str, Any], internet_message_id: str) -> str | bool | None:
        """For a claim left by a tick that stopped (D5): its reference if the message is known to have been
        delivered, False if it is known not to have been, None if the transport cannot tell."""
        return None

    @classmethod
    def remove_orphans(cls, settings: dict[str, Any], internet_message_id: str) -> None:
        """Once such a claim is settled: remove what a killed attempt left behind (nothing, by default)."""

    def check(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        pass

    @staticmethod
    def _guarded(send: Callable[[Envelope], Outcome], envelope: Envelope) -> Outcome:
        try:
            return send(envelope)
        except Exception as exc:  # noqa: BLE001 - a transport bug: it may have gone
            return Unknown(f"The transport stopped with an error: {exc}")


def transport_class(kind: str) -> type[Transport]:
    if kind not in _TABLE:
        raise ValueError(f"unknown transport {kind!r}")
    module_name, class_name = _TABLE[kind].split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    cls: type[Transport] = getattr(module, class_name)
    return cls


def effective_settings(kind: str, options: dict) -> dict:
    """Every setting the transport will use, defaults filled in (delivery show, D2)."""
    return transport_class(kind).effective(options)


def open_transport(settings: dict) -> Transport:
    """A transport for `{"kind": ..., **options}` (what `delivery show` prints, minus `seat`).
    Opening does no I/O: an SMTP connection is made at the first send."""
    options = {k: v for k, v in settings.items() if k not in ("kind", "seat", "from")}
    cls = transport_class(settings.get("kind") or "none")
    return cls(cls.effective(options))


def transport_failure(sentence: str):
    """The D9 refusal: exit 1, `transport_error`, one sentence saying what failed."""
    from ..errors import TRANSPORT_ERROR, refuse

    return refuse(TRANSPORT_ERROR, sentence)
