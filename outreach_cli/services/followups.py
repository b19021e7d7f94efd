"""F3 for one initial: once it is known to have gone, its scheduled follow-up counts its delay from that moment
(placed by the seat's window, W2). A tick's batches move follow-ups by the row (services/tick/batch.py); this is
the one-at-a-time case every other settler shares: a tick's record and recovery, `resolve --sent`, and a reply
that proves an `unknown` message went (services/incoming.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import repo
from ..repo import delivery as repo_delivery
from . import decision
from .placement import followup_place

if TYPE_CHECKING:
    from ..db import Database
    from .tick.report import TickReport


def move_followup(db: Database, initial: Any, sent_text: str, report: TickReport | None = None) -> None:
    """F3: move the follow-up of `initial` (a message row; nothing happens for a follow-up) to its delay after
    `sent_text`, when it is still scheduled. A tick's `report` lists the window's move of it (W7)."""
    if initial["kind"] != "initial":
        return
    followup = repo.find_followup_of(db, initial["thread_id"])
    if followup is not None and followup["status"] == "scheduled":
        candidate = repo.find_candidate_by_id(db, followup["candidate_id"])
        seat = repo.find_seat_by_id(db, followup["seat_id"])
        place = followup_place(seat, candidate["timezone"], candidate["country"])
        moved = decision.moved_followup(sent_text, followup["delay_hours"], followup["send_at_utc"], place)
        if moved:
            repo_delivery.move(db, [(moved, followup["id"])])
            if place is not None and report is not None:
                place.report(report, followup["id"], moved)
