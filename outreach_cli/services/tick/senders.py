"""The attempt (D5's third step, D6): each seat's transport, opened once per tick, given the claimed messages
outside any transaction; and the envelope each message is sent as (D3, D11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...timeparse import from_text, get_zone, to_text

if TYPE_CHECKING:
    from ...clock import Clock
    from ...transports import Envelope, Outcome, Transport

Row = Mapping[str, Any]  # a row of the due or claimed query (sqlite3.Row or the PostgreSQL engine's row), or a dict
Attempted = list[tuple["Claim", "Outcome", str | None]]  # (claim, outcome, accepted_at) in claim order


class Claim:
    """One claimed message: what its envelope needs, and the moment of its attempt."""

    __slots__ = ("row", "seat_id", "attempt_at", "attempts", "first_attempt")

    def __init__(self, row: Row, attempt_at: str):
        self.row = row
        self.seat_id: int = row["seat_id"]
        self.attempt_at = attempt_at
        self.attempts: int = row["attempts"]
        self.first_attempt: str | None = row["first_attempt_utc"]


class Senders:
    """One transport per seat per tick (an SMTP connection is reused), opened at its first message and closed
    at the end of the tick; `attempt` is the only code that talks to the outside, never in a transaction."""

    def __init__(self, settings: dict[int, dict[str, Any]], clock: Clock):
        self.settings, self.clock = settings, clock
        self.open: dict[int, Transport] = {}
        self.classes: dict[int, type[Transport] | None] = {}  # seat -> its transport's class, looked up once per tick

    def cls(self, seat_id: int) -> type[Transport] | None:
        """The class of the seat's transport (what it can do), or None for a seat without one (`none`)."""
        if seat_id not in self.classes:
            settings = self.settings.get(seat_id)
            if settings is None:
                self.classes[seat_id] = None  # the transports are not even imported for a seat without one
            else:
                from ...transports import transport_class

                self.classes[seat_id] = transport_class(settings["kind"])
        return self.classes[seat_id]

    def timeout(self, seat_id: int) -> int:
        from ...transports import DEFAULT_TIMEOUT

        return int(self.settings[seat_id].get("timeout") or DEFAULT_TIMEOUT)

    def claim_transport(self, seat_id: int) -> str:
        """D10: the kind and settings a claim records, as JSON."""
        import json

        return json.dumps(self.settings[seat_id], sort_keys=True)

    def _claimed_with(self, row: Row) -> tuple[type[Transport] | None, dict[str, Any] | None]:
        """D10: the transport that made the claim decides, not the seat's current one."""
        import json

        from ...transports import transport_class

        settings = json.loads(row["claim_transport"]) if row["claim_transport"] else self.settings.get(row["seat_id"])
        return (transport_class(settings["kind"]), settings) if settings else (None, None)

    def already_delivered(self, row: Row) -> str | bool | None:
        """For a stale claim: the transport's reference if it is known to have gone, False if it is known not to
        have, None if its transport cannot tell (D5)."""
        cls, settings = self._claimed_with(row)
        return cls.already_delivered(settings, row["internet_message_id"]) if cls and settings else None

    def remove_orphans(self, row: Row) -> None:
        """Once a stale claim is settled, what its killed attempt left behind goes (issue 21, point 10)."""
        cls, settings = self._claimed_with(row)
        if cls and settings:
            cls.remove_orphans(settings, row["internet_message_id"])

    def _transport(self, seat_id: int) -> Transport:
        if seat_id not in self.open:
            from ...transports import open_transport

            self.open[seat_id] = open_transport(self.settings[seat_id])
        return self.open[seat_id]

    def attempt(self, claims: list[Claim]) -> Attempted:
        """[(claim, outcome, accepted_at)] in claim order: each seat's claims go to its transport in one
        `send_many` (a batch for a batchable one, one message for the others, D5)."""
        from ...transports import Permanent

        out: list[tuple[Claim, Outcome, str | None] | None] = [None] * len(claims)
        by_seat: dict[int, list[tuple[int, Envelope]]] = {}
        for index, claim in enumerate(claims):
            try:
                envelope = _envelope(claim)
            except Exception as exc:  # noqa: BLE001 - a message that cannot be built never goes
                out[index] = (claim, Permanent(f"The message could not be built: {exc}"), None)
                continue
            by_seat.setdefault(claim.seat_id, []).append((index, envelope))
        for seat_id, items in by_seat.items():
            outcomes = self._transport(seat_id).send_many([envelope for _index, envelope in items])
            for (index, _built), outcome in zip(items, outcomes, strict=True):
                out[index] = (claims[index], outcome, self._accepted_at(claims[index]))
        return [item for item in out if item is not None]  # every index is filled: each claim has its outcome

    def _accepted_at(self, claim: Claim) -> str:
        """D5: on a simulated clock the attempt's moment; on the system clock the real time of acceptance."""
        return claim.attempt_at if self.clock.simulated else to_text(self.clock.real.now())

    def close(self) -> None:
        for transport in self.open.values():
            try:
                transport.close()
            except Exception:  # noqa: BLE001 - closing never hides the tick's result
                pass
        self.open = {}


def _envelope(claim: Claim) -> Envelope:
    """Built from the stored row alone: the same bytes on every retry of one delivery (D3). D11: Date is the first
    hand-over of the current delivery (first_attempt_utc, set at the claim; a resend starts a new delivery)."""
    from ... import mail, shapes

    row = claim.row
    message = shapes.message(row)
    name = " ".join(part for part in (row["first_name"], row["last_name"]) if part) or None
    zone = get_zone(row["seat_timezone"])
    return mail.envelope(
        message=message,
        internet_message_id=row["internet_message_id"],
        from_address=row["from_address"],
        to_address=row["candidate_email"],
        to_name=name,
        sent_at=from_text(row["first_attempt_utc"] or row["send_at_utc"]),
        zone=zone,
        in_reply_to=row["initial_message_id"] if row["kind"] == "followup" else None,
        list_unsubscribe=bool(row["seat_list_unsubscribe"]),
    )  # M3
