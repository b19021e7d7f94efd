"""Transports: how a seat's messages leave the machine (D1, D4, D9).

One small interface, the base class `Transport`; one module per transport, named after its kind, holding the one
class that claims it (docs/architecture.md): a new transport is one file. A tick opens one transport per seat
with `open_transport(settings)`, calls `send_many(envelopes)` (or `send(envelope)`) outside any database
transaction (D6) and `close()` at the end. `send` never raises for a delivery problem: it returns one of the
outcomes below. `check()` (D9) returns a plain sentence or raises an OutreachError with code `transport_error`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import OutreachError
from ..plugins import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from ..plugins import Plugin, kinds, plugin_class


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
    message: dict[str, Any] = field(default_factory=dict)


class Transport(Plugin):
    """The base of every transport: what a tick and `delivery set` ask of one, so that neither names a kind.

    kind: its name in `delivery set KIND` (and its module's); OPTIONS: what that command takes, each with whether it
    is required, its default and its check (plugins.Option); email: it needs a sender address and the recipients'
    emails (D3); delivers: False for `none`, which records a message as sent and delivers nothing (K1), so the
    seat stores no transport; batchable: idempotent by name, so a tick claims its messages a batch at a time and sends them with
    one `send_many`; pauses_on_unknown: an `Unknown` outcome (a time-out) holds the seat's next messages (D18)."""

    delivers: ClassVar[bool] = True
    email: ClassVar[bool] = False
    batchable: ClassVar[bool] = False
    pauses_on_unknown: ClassVar[bool] = True

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings

    @classmethod
    def described(cls) -> str:
        return f"the {cls.kind} transport"

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
    """The class of a kind: the Transport in `transports/KIND.py`, imported only when a seat uses it."""
    cls = plugin_class(__name__, Transport, kind)
    if cls is None:
        raise ValueError(f"unknown transport {kind!r}")
    return cls


def transport_kinds() -> list[str]:
    """Every transport's kind (it imports them all: for a refusal and the tests, never on a tick's path)."""
    return kinds(__name__, Transport)


def effective_settings(kind: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting the transport will use, defaults filled in (delivery show, D2)."""
    return transport_class(kind).effective(options)


def open_transport(settings: Mapping[str, Any]) -> Transport:
    """A transport for `{"kind": ..., **options}` (what `delivery show` prints, minus `seat`).
    Opening does no I/O: an SMTP connection is made at the first send."""
    options = {k: v for k, v in settings.items() if k not in ("kind", "seat", "from")}
    cls = transport_class(settings.get("kind") or "none")
    return cls(cls.effective(options))


def transport_failure(sentence: str) -> OutreachError:
    """The D9 refusal: exit 1, `transport_error`, one sentence saying what failed."""
    from ..errors import TRANSPORT_ERROR, refuse

    return refuse(TRANSPORT_ERROR, sentence)
