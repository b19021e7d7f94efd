"""tick: send what is due, cancel what may not go, settle credits, apply monthly refreshes.

Each batch of work is one BEGIN IMMEDIATE transaction that re-reads what is still
`scheduled`, so two ticks at once queue on the write lock and never send a message twice,
and a killed tick loses at most an uncommitted batch, which the next tick redoes (K5).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .. import repo
from ..errors import refuse
from ..timeparse import from_text, get_zone, localize, parse_duration, parse_when, to_text
from .common import acting_seat, load_clock
from .credits import apply_refresh, refund

BATCH = 500
PENDING = "tick_target_utc"


def resolve_target(db, clock, to: str | None, by: str | None) -> datetime:
    """K6: `tick` alone targets now; `--by 3d` or `--to WHEN` move a simulated clock."""
    now = clock.now()
    if to and by:
        raise refuse("invalid_input", "Give either --to or --by, not both.")
    if (to or by) and not clock.simulated:
        raise refuse("invalid_state", "The clock is the system clock, so tick always runs to now; "
                                      "--to and --by need a simulated clock.")
    if by:
        target = now + parse_duration(by)
    elif to:
        target, _warning = parse_when(to, get_zone(acting_seat(db, None)["timezone"]), now)
    else:
        target = now
    if target < now:
        raise refuse("invalid_time", f"{to_text(target)} is before the clock's now ({to_text(now)}); "
                                     "the clock never runs backwards.")
    pending = repo.get_setting(db, PENDING)
    if pending and from_text(pending) > target:
        target = from_text(pending)  # finish the work of a tick that was killed (K5)
    return target


def tick(db, to: str | None = None, by: str | None = None, dry_run: bool = False, clock=None) -> dict:
    clock = clock or load_clock(db)
    start = clock.now()
    target = resolve_target(db, clock, to, by)
    report = {"from": to_text(start), "to": to_text(target), "sent": [], "canceled": [], "refunded": 0,
              "refreshes": [], "dry_run": dry_run}
    run = _Run(db, clock, target, report)
    if dry_run:
        db.execute("BEGIN IMMEDIATE")
        try:
            while run.batch():
                pass
        finally:
            db.execute("ROLLBACK")
        return report
    if clock.simulated and target > start:
        with db.transaction():
            repo.set_setting(db, PENDING, to_text(target))
    while True:
        with db.transaction():
            more = run.batch()
        if not more:
            break
    with db.transaction():
        if clock.simulated:
            current = from_text(repo.get_setting(db, "clock_now_utc"))
            repo.set_setting(db, "clock_now_utc", to_text(max(current, target)))
        db.execute("DELETE FROM settings WHERE key = ?", (PENDING,))
    return report


class _Run:
    def __init__(self, db, clock, target, report):
        self.db, self.clock, self.target, self.report = db, clock, target, report
        self.target_text = to_text(target)
        # On the system clock a message goes out at the real time of the tick (K1).
        self.tick_time = clock.now()

    def batch(self) -> bool:
        """Do up to BATCH events in order; return whether anything was done."""
        db = self.db
        self.seats = {r["id"]: r for r in repo.seats(db)}
        self.contract = repo.contract(db)
        self.day_counts: dict = {}
        refresh_text = db.value("SELECT min(next_refresh_utc) FROM seats")
        due = repo.due_messages(db, self.target_text, refresh_text, BATCH)
        if not due:
            if refresh_text is None or refresh_text > self.target_text:
                return False
            for seat in db.all("SELECT * FROM seats WHERE next_refresh_utc = ?", (refresh_text,)):
                self.report["refreshes"].append(apply_refresh(db, seat, from_text(refresh_text)))
            self._advance(refresh_text)
            return True
        last = None
        for message in due:
            fresh = db.one("SELECT * FROM messages WHERE id = ?", (message["id"],))
            if fresh["status"] == "scheduled":
                self._handle(fresh)
                last = fresh["send_at_utc"]
        self._advance(last)
        return True

    def _advance(self, moment_text: str | None) -> None:
        """Move a simulated clock up to the work done, so a reply made meanwhile is in order."""
        if self.clock.simulated and moment_text:
            current = repo.get_setting(self.db, "clock_now_utc")
            if moment_text > current:
                repo.set_setting(self.db, "clock_now_utc", moment_text)

    def _handle(self, message) -> None:
        reason = self._reason_not_to_send(message)
        if reason:
            self._cancel(message, reason)
        else:
            self._send(message)

    def _reason_not_to_send(self, message) -> str | None:
        db = self.db
        seat = self.seats[message["seat_id"]]
        if message["kind"] == "followup":
            thread = db.one("SELECT response_kind FROM threads WHERE id = ?", (message["thread_id"],))
            if thread["response_kind"]:
                return "responded"
            initial = repo.initial_of(db, message["thread_id"])
            if initial["status"] != "sent":
                return "initial_not_sent"
            if not self.contract["followups_enabled"]:
                return "automation_disabled"
        if seat["restricted"]:
            return "sender_restricted"
        candidate = db.one("SELECT opted_out, removed FROM candidates WHERE id = ?", (message["candidate_id"],))
        if candidate["opted_out"] or candidate["removed"]:
            return "recipient_unavailable"
        if self._sent_today(seat, self._send_time(message)) >= seat["daily_limit"]:
            return "daily_limit"
        return None

    def _send_time(self, message) -> datetime:
        return from_text(message["send_at_utc"]) if self.clock.simulated else self.tick_time

    def _day_key(self, seat, moment: datetime):
        """K2: the calendar day in the seat's zone, as a UTC [start, end) pair."""
        zone = get_zone(seat["timezone"])
        local_day = moment.astimezone(zone).date()
        start, _ = localize(datetime(local_day.year, local_day.month, local_day.day), zone)
        following = local_day + timedelta(days=1)
        end, _ = localize(datetime(following.year, following.month, following.day), zone)
        return seat["id"], to_text(start), to_text(end)

    def _sent_today(self, seat, moment: datetime) -> int:
        key = self._day_key(seat, moment)
        if key not in self.day_counts:
            self.day_counts[key] = repo.count_sent_between(self.db, *key)
        return self.day_counts[key]

    def _send(self, message) -> None:
        db = self.db
        sent_at = self._send_time(message)
        repo.set_message(db, message["id"], status="sent", sent_at_utc=to_text(sent_at))
        self.day_counts[self._day_key(self.seats[message["seat_id"]], sent_at)] += 1
        self.report["sent"].append(message["id"])
        if message["kind"] == "initial":
            # F3: the follow-up's delay counts from the moment the initial actually went.
            followup = repo.followup_of(db, message["thread_id"])
            if followup is not None and followup["status"] == "scheduled":
                repo.set_message(db, followup["id"],
                                 send_at_utc=to_text(sent_at + timedelta(hours=followup["delay_hours"])))

    def _cancel(self, message, reason: str, at: datetime | None = None) -> None:
        """Cancel and refund (C6); an initial takes its follow-up with it at the same moment (F5)."""
        db = self.db
        at = at or self._send_time(message)
        at_text = to_text(at)
        repo.set_message(db, message["id"], status="canceled", cancel_reason=reason)
        self.report["canceled"].append({"id": message["id"], "reason": reason})
        self.report["refunded"] += refund(db, message, at_text)
        if message["kind"] == "initial":
            followup = repo.followup_of(db, message["thread_id"])
            if followup is not None and followup["status"] == "scheduled":
                self._cancel(followup, "initial_not_sent", at)
