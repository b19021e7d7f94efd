"""Pace (W4) and catch-up (W5): steps of the tick that move a message later, never cancel it, never refund it.
Each move is reported as {id, from, to, reason} in the tick report's `moved` (W7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..repo import delivery as repo_delivery
from ..timeparse import from_text, to_text
from .placement import placer_of

if TYPE_CHECKING:
    from .tick.report import TickReport

CATCH_UP_HOURS = 12  # W5's default


def hour_of(moment_text: str) -> tuple[str, str]:
    """The UTC hour holding a moment, as [start, end) texts (every zone's hours start on a UTC quarter hour; the
    pace counts whole UTC hours, which are whole local hours in every zone with a whole-hour offset)."""
    start = from_text(moment_text).replace(minute=0, second=0, microsecond=0)
    return to_text(start), to_text(start + timedelta(hours=1))


class Pace:
    """W4 for one tick: how many of each seat's messages went in each hour, counted once from the database and
    then kept as this tick sends."""

    def __init__(self, db) -> None:
        self.db = db
        self.counts: dict = {}

    def hold(self, seat_id: int, limit: int, sent_text: str) -> str | None:
        """None when the message may go at `sent_text`; else the start of the next hour, where it moves (the tick
        places that hour in the seat's window and reports the move)."""
        key = (seat_id, sent_text[:13])  # the UTC hour of a stored time text, YYYY-MM-DDTHH
        count = self.counts.get(key)
        if count is None:
            start, end = hour_of(sent_text)
            count = self.counts[key] = repo_delivery.sent_in_hour(self.db, seat_id, start, end)
        if count < limit:
            self.counts[key] = count + 1
            return None
        return hour_of(sent_text)[1]


def catch_up(db, now: datetime, report: TickReport, own_transaction: bool = False) -> None:
    """W5, on the system clock: a message more than the seat's catch-up hours late (the machine was off) goes at
    the window's next opening, not in a burst; without a window it goes now (nothing to move). With no seat
    that has a window it is one read and no write (an idle tick stays one commit)."""
    seats = repo_delivery.windowed_seats(db)
    if not seats:
        return
    if own_transaction:
        with db.transaction():
            _catch_up(db, seats, now, report)
    else:
        _catch_up(db, seats, now, report)


def _catch_up(db, seats, now: datetime, report: TickReport) -> None:
    for seat in seats:
        hours = seat["catch_up_hours"] if seat["catch_up_hours"] is not None else CATCH_UP_HOURS
        placer = placer_of(seat)
        if placer is None:  # not met: windowed_seats holds only seats with a window
            continue
        moves = []
        for row in repo_delivery.late_of_seat(db, seat["id"], to_text(now - timedelta(hours=hours))):
            placed, reason = placer.place(now, row["candidate_timezone"], row["candidate_country"])
            if reason is None:
                continue  # the window is open now: it goes in this tick, paced by W4
            to = to_text(placed)
            moves.append((to, to, row["id"]))
            report.setdefault("moved", []).append(
                {"id": row["id"], "from": row["due_at"], "to": to, "reason": "catch_up"}
            )
        if moves:
            repo_delivery.defer(db, moves)
