"""The tick's decisions, as pure functions over plain rows (K1-K4, F3-F6, L6, D5, D7): what to do with a due
message, which messages a cancel takes with it, where a follow-up moves, what an attempt's outcome means.

No database, no clock, no I/O: a row is any mapping with the due query's columns (`repo_delivery.DUE`), a seat
any mapping with `plan`, `restricted`, `daily_limit`. The tick's batched path (transport `none`) and its
claim / attempt / record path call the same functions; tests build the rows by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ..timeparse import from_text, to_text

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from ..transports import Outcome


class Row(Protocol):
    """A row as the decisions read it: a due-query row (sqlite3.Row, PostgreSQL's row) or a test's dict."""

    def __getitem__(self, key: str, /) -> Any: ...


SEND, CANCEL, HOLD = "send", "cancel", "hold"
RETRY_GAPS = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))  # then 4 h each
GIVE_UP_AFTER = timedelta(hours=24)
WAITING_INITIAL = ("sending", "unknown")  # a follow-up waits while its initial is in flight or unknown


class _Value:
    """A small immutable value compared by its fields. Plain classes, not dataclasses: `dataclasses` and the two
    classes it would build cost about 3 ms of every tick, cron's idle ones included, for nothing they need."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({inner})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")


class Decision(_Value):
    """`action`: SEND, CANCEL or HOLD (not due in this tick: left scheduled, untouched); `reason`: the cancel_reason."""

    __slots__ = ("action", "reason")
    action: str
    reason: str | None

    def __init__(self, action: str, reason: str | None = None) -> None:
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "reason", reason)


def decide(
    row: Row,
    seat: Row,
    *,
    followups_on: bool,
    initial_status: str | None,
    sent_today: int,
    held_seats: Collection[int | tuple[str, int]] = frozenset(),
) -> Decision:
    """One due message. `initial_status`: for a follow-up, its initial's status as this tick knows it (the
    batch's own decisions included); `sent_today`: the seat's messages sent or sending on the message's day
    in the seat's zone (K2, D7); `held_seats`: seats whose follow-ups are held in this tick (I2)."""
    if row["kind"] == "followup":
        if (
            row["seat_id"] in held_seats
            or initial_status in WAITING_INITIAL
            or (
                len(held_seats)
                and any(isinstance(item, tuple) for item in held_seats)
                and ("candidate", row["candidate_id"]) in held_seats
            )
        ):  # I11: unmatched mail holds them
            return Decision(HOLD)
        if row["response_kind"]:
            return Decision(CANCEL, "responded")  # F4
        if initial_status != "sent":
            return Decision(CANCEL, "initial_not_sent")  # F5
        if not followups_on:
            return Decision(CANCEL, "automation_disabled")  # F6
        if seat["plan"] != "recruiter":  # L6: the seat became lite after scheduling (F1 at send time)
            return Decision(CANCEL, "followup_not_available")
    if seat["restricted"]:
        return Decision(CANCEL, "sender_restricted")  # K3
    if row["opted_out"] or row["removed"]:
        return Decision(CANCEL, "recipient_unavailable")  # K4
    if row["out_of_network"] and seat["plan"] == "lite":  # L6: K4's out-of-network rule at send time
        return Decision(CANCEL, "recipient_unavailable")
    if sent_today >= seat["daily_limit"]:
        return Decision(CANCEL, "daily_limit")  # K2
    return Decision(SEND)


def cancellations(message: Row, reason: str, followup: Row | None = None) -> list[tuple[str, int]]:
    """(reason, id) of every message a cancel takes: the message, and for an initial its follow-up if that is
    still scheduled, as `initial_not_sent` at the same moment (F5, C5). `followup`: a mapping with `id` and
    `status` (or None)."""
    out = [(reason, message["id"])]
    if message["kind"] == "initial" and followup is not None and followup["status"] == "scheduled":
        out.append(("initial_not_sent", followup["id"]))
    return out


def moved_followup(
    sent_text: str,
    delay_hours: int,
    current_text: str,
    place: Callable[[datetime, datetime], datetime] | None = None,
) -> str | None:
    """F3: the follow-up's new time, counted from the moment its initial actually went; None when it stays.
    `place` (placement.followup_place): the seat's window moves that moment to its next opening (W2)."""
    sent = from_text(sent_text)
    moment = sent + timedelta(hours=delay_hours)
    moved = to_text(moment if place is None else place(moment, sent))
    return None if moved == current_text else moved


def retry_gap(attempts: int) -> timedelta:
    """The wait after the `attempts`-th attempt failed temporarily (D5): 5 min, 15 min, 1 h, 4 h, then 4 h."""
    return RETRY_GAPS[min(attempts, len(RETRY_GAPS)) - 1] if attempts >= 1 else RETRY_GAPS[0]


class Settled(_Value):
    """`status`: 'sent', 'scheduled' (to retry), 'failed' or 'unknown'; `retry_at` and `failure` where they apply."""

    __slots__ = ("status", "retry_at", "failure")
    status: str
    retry_at: str | None
    failure: str | None

    def __init__(self, status: str, retry_at: str | None = None, failure: str | None = None) -> None:
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "retry_at", retry_at)
        object.__setattr__(self, "failure", failure)


def settle(outcome: Outcome, *, attempts: int, first_attempt: datetime, attempt_at: datetime) -> Settled:
    """What one attempt's outcome (transports.Accepted/Temporary/Permanent/Unknown) makes of the message (D5).
    `attempts` counts this one; a temporary failure 24 hours or more after the first attempt is final."""
    from ..transports import Accepted, Permanent, Temporary  # loaded already: the outcome came from a transport

    if isinstance(outcome, Accepted):
        return Settled("sent")
    if isinstance(outcome, Temporary):
        if attempt_at - first_attempt >= GIVE_UP_AFTER:
            return Settled(
                "failed",
                failure=f"{outcome.reason} (still failing {attempts} attempts and 24 hours after the first; given up)",
            )
        return Settled("scheduled", retry_at=to_text(attempt_at + retry_gap(attempts)), failure=outcome.reason)
    if isinstance(outcome, Permanent):
        return Settled("failed", failure=outcome.reason)
    return Settled("unknown", failure=outcome.reason)
