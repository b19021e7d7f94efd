"""tick: send what is due, cancel what may not go, settle credits, apply monthly refreshes.

Each batch of work is one BEGIN IMMEDIATE transaction that reads, inside the write lock, what is
still `scheduled`, so two ticks at once queue on the lock and never send a message twice, and a
killed tick loses at most an uncommitted batch, which the next tick redoes (K5). A batch is one
query for up to BATCH due messages with what the rules need (thread response, candidate, the
thread's other message), decisions in memory, then one write per kind of change.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .. import repo
from ..clock import Clock
from ..errors import refuse
from ..timeparse import from_text, get_zone, localize, parse_duration, parse_when, shift, to_text
from .common import acting_seat, load_clock
from .credits import apply_refresh, refund_many

BATCH = 2000
PENDING = "tick_target_utc"
WORK_DUE = ("SELECT EXISTS (SELECT 1 FROM messages WHERE status = 'scheduled' AND send_at_utc <= ?) "
            "OR EXISTS (SELECT 1 FROM seats WHERE next_refresh_utc <= ?)")
NEXT_REFRESH = "SELECT min(next_refresh_utc) FROM seats"

_DUE = """
SELECT m.id, m.thread_id, m.kind, m.seat_id, m.send_at_utc, m.paid_by, m.credit,
       t.response_kind, c.opted_out, c.removed, c.out_of_network,
       o.id AS other_id, o.status AS other_status, o.delay_hours AS other_delay, o.send_at_utc AS other_send_at,
       o.paid_by AS other_paid_by, o.credit AS other_credit
FROM messages m
JOIN threads t ON t.id = m.thread_id
JOIN candidates c ON c.id = m.candidate_id
LEFT JOIN messages o ON o.thread_id = m.thread_id AND o.id != m.id
WHERE m.status = 'scheduled' AND m.send_at_utc {op} ?
ORDER BY m.send_at_utc, m.kind, m.id
LIMIT ?"""


def resolve_target(db, clock, to: str | None, by: str | None) -> datetime:
    """K6: `tick` alone targets now; `--by 3d` or `--to WHEN` move a simulated clock."""
    now = clock.now()
    if to is not None and by is not None:
        raise refuse("invalid_input", "Give either --to or --by, not both.")
    if (to is not None or by is not None) and not clock.simulated:
        raise refuse("invalid_state", "The clock is the system clock, so tick always runs to now; "
                                      "--to and --by need a simulated clock.")
    if by is not None:  # an empty --by is refused by parse_duration, never read as "not given"
        target = shift(now, parse_duration(by), "tick target")
    elif to is not None:
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
    if dry_run:  # a dry run changes nothing, so it reads no mail either (a fetch records what it reads)
        return rehearse(db, clock, target, report)
    from .incoming import fetch_before_tick  # I2: replies first, so one that arrived stops its follow-up
    fetched = fetch_before_tick(db, clock)
    if fetched.configured:
        report["incoming"] = fetched.incoming
    if fetched.warnings:
        report.setdefault("warnings", []).extend(fetched.warnings)
    run = _Run(db, clock, target, report, hold_followups_for=fetched.hold)
    if clock.simulated and target > start and _work_due(db, report["to"]):
        # Recorded on its own, before any work, so a plain `tick` after a kill knows where to go (K5).
        with db.transaction():
            repo.set_setting(db, PENDING, report["to"])
    while True:
        # An idle tick is one transaction (one durable commit): look, find nothing, move the clock.
        with db.transaction():
            more = run.batch()
            if not more:
                _finish(db, clock, target)
        if not more:
            _warn_if_left_behind(db, clock, target, report)
            return report


def _held_followups(seat_ids) -> str:
    """I2 (minimal, until the delivery engineer's tick state machine brings its own `hold_followups_for`): the
    follow-ups of seats whose mailbox could not be read are not due in this tick; they stay scheduled."""
    ids = sorted(int(seat_id) for seat_id in seat_ids)
    return f" AND NOT (m.kind = 'followup' AND m.seat_id IN ({', '.join(map(str, ids))}))" if ids else ""


def _warn_if_left_behind(db, clock, target: datetime, report: dict) -> None:
    """K8: a system-clock database switched to a simulated clock by `clock set --simulate` says so once that
    clock has fallen behind the real time (cron's ticks send nothing); a database born simulated never does."""
    if not clock.simulated or repo.get_setting(db, "clock_switched_from_system") is None:
        return
    real = Clock("system").now()
    if target < real:
        report.setdefault("warnings", []).append(
            f"The simulated clock ({to_text(target)}) is behind the real time; ticks send nothing new until it "
            "catches up. Run `outreach clock system` to go back to the real clock.")


def rehearse(db, clock, target: datetime, report: dict, inspect=None, future: bool = False) -> dict:
    """K6 `--dry-run`: do the tick's work up to `target` inside a transaction that is rolled back, so the
    decisions are exactly those a real tick would take. `inspect(db)` may read the result before the
    rollback (the agenda reads which messages were sent or canceled, and when). `future` plays a system
    clock's coming days as a simulated clock would: each message at its own time."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if future and not clock.simulated:
            from ..clock import Clock
            clock = Clock("simulated", clock.now())
            repo.set_setting(db, "clock_now_utc", to_text(clock.now()))
        run = _Run(db, clock, target, report)
        while run.batch():
            pass
        if inspect is not None:
            inspect(db)
    finally:
        db.execute("ROLLBACK")
    return report


def _work_due(db, target_text: str) -> bool:
    return bool(db.value(WORK_DUE, (target_text, target_text)))


def _finish(db, clock, target: datetime) -> None:
    if clock.simulated:
        current = repo.get_setting(db, "clock_now_utc")
        if to_text(target) > current:
            repo.set_setting(db, "clock_now_utc", to_text(target))
    db.execute("DELETE FROM settings WHERE key = ?", (PENDING,))


class _Run:
    def __init__(self, db, clock, target, report, hold_followups_for=frozenset()):
        self.db, self.clock, self.target, self.report = db, clock, target, report
        self.held = _held_followups(hold_followups_for)
        self.target_text = to_text(target)
        # On the system clock a message goes out at the real time of the tick (K1).
        self.tick_time = clock.now()
        self.tick_text = to_text(self.tick_time)

    def batch(self) -> bool:
        """Do up to BATCH events in order; return whether anything was done."""
        db = self.db
        refresh_text = db.value(NEXT_REFRESH)
        if refresh_text is not None and refresh_text <= self.target_text:
            due = db.all(_DUE.format(op="<").replace("\nORDER BY", self.held + "\nORDER BY"), (refresh_text, BATCH))  # strictly before the refresh
        else:
            due = db.all(_DUE.format(op="<=").replace("\nORDER BY", self.held + "\nORDER BY"), (self.target_text, BATCH))
        if not due:
            if refresh_text is None or refresh_text > self.target_text:
                return False
            for seat in db.all("SELECT * FROM seats WHERE next_refresh_utc = ?", (refresh_text,)):
                self.report["refreshes"].append(apply_refresh(db, seat, from_text(refresh_text)))
            self._advance(refresh_text)
            return True
        self.seats = {r["id"]: r for r in repo.seats(db)}
        self.followups_on = bool(repo.contract(db)["followups_enabled"])
        self.day_counts: dict = {}
        self.day_keys: dict = {}
        self.decided: dict[int, str] = {}  # id -> 'sent', 'canceled' or 'moved' (no longer due), in this batch
        self.sent, self.moved, self.canceled, self.refunds = [], [], [], []
        bound = due[-1]["send_at_utc"]
        for row in due:
            if row["id"] in self.decided:
                continue  # canceled with its initial earlier in this batch (F5)
            self._decide(row, bound)
        self._write()
        self._advance(bound)
        return True

    def _decide(self, row, bound: str) -> None:
        reason = self._reason_not_to_send(row)
        if reason:
            self._cancel(row, reason, self._send_text(row))
            return
        sent_text = self._send_text(row)
        self.decided[row["id"]] = "sent"
        self.sent.append((sent_text, row["id"]))
        self.report["sent"].append(row["id"])
        self.day_counts[self._day_key(row["seat_id"], sent_text)] += 1
        if row["kind"] == "initial" and row["other_id"] and row["other_status"] == "scheduled":
            # F3: the follow-up's delay counts from the moment the initial actually went.
            moved = to_text(from_text(sent_text) + timedelta(hours=row["other_delay"]))
            if moved != row["other_send_at"]:  # on a simulated clock it never moves: nothing to rewrite
                self.moved.append((moved, row["other_id"]))
            if moved > bound:
                self.decided[row["other_id"]] = "moved"  # no longer due in this batch

    def _reason_not_to_send(self, row) -> str | None:
        seat = self.seats[row["seat_id"]]
        if row["kind"] == "followup":
            if row["response_kind"]:
                return "responded"
            if self.decided.get(row["other_id"], row["other_status"]) != "sent":
                return "initial_not_sent"
            if not self.followups_on:
                return "automation_disabled"
            if seat["plan"] != "recruiter":  # L6: the seat became lite after scheduling (F1 at send time)
                return "followup_not_available"
        if seat["restricted"]:
            return "sender_restricted"
        if row["opted_out"] or row["removed"]:
            return "recipient_unavailable"
        if row["out_of_network"] and seat["plan"] == "lite":  # L6: K4's out-of-network rule at send time
            return "recipient_unavailable"
        if self._sent_today(row["seat_id"], self._send_text(row)) >= seat["daily_limit"]:
            return "daily_limit"
        return None

    def _cancel(self, row, reason: str, at_text: str) -> None:
        """Cancel and refund (C6); an initial takes its follow-up with it at the same moment (F5)."""
        self.decided[row["id"]] = "canceled"
        self.canceled.append((reason, row["id"]))
        self.report["canceled"].append({"id": row["id"], "reason": reason})
        self.refunds.append({"id": row["id"], "seat_id": row["seat_id"], "paid_by": row["paid_by"],
                             "credit": row["credit"], "at": at_text})
        if row["kind"] == "initial" and row["other_id"] and row["other_status"] == "scheduled":
            self.decided[row["other_id"]] = "canceled"
            self.canceled.append(("initial_not_sent", row["other_id"]))
            self.report["canceled"].append({"id": row["other_id"], "reason": "initial_not_sent"})
            self.refunds.append({"id": row["other_id"], "seat_id": row["seat_id"], "paid_by": row["other_paid_by"],
                                 "credit": row["other_credit"], "at": at_text})

    def _write(self) -> None:
        db = self.db.conn
        db.executemany("UPDATE messages SET status = 'sent', sent_at_utc = ? WHERE id = ?", self.sent)
        db.executemany("UPDATE messages SET send_at_utc = ? WHERE id = ?", self.moved)
        db.executemany("UPDATE messages SET status = 'canceled', cancel_reason = ? WHERE id = ?", self.canceled)
        self.report["refunded"] += refund_many(self.db, self.refunds)

    def _advance(self, moment_text: str) -> None:
        """Move a simulated clock up to the work done, so a reply made meanwhile is in order."""
        if self.clock.simulated:
            current = repo.get_setting(self.db, "clock_now_utc")
            if moment_text > current:
                repo.set_setting(self.db, "clock_now_utc", moment_text)

    def _send_text(self, row) -> str:
        return row["send_at_utc"] if self.clock.simulated else self.tick_text

    def _day_key(self, seat_id: int, moment_text: str):
        """K2: the calendar day in the seat's zone, as (seat, UTC start, UTC end)."""
        key = self.day_keys.get((seat_id, moment_text))
        if key is None:
            zone = get_zone(self.seats[seat_id]["timezone"])
            day = from_text(moment_text).astimezone(zone).date()
            start, _ = localize(datetime(day.year, day.month, day.day), zone)
            following = day + timedelta(days=1)
            end, _ = localize(datetime(following.year, following.month, following.day), zone)
            key = self.day_keys[(seat_id, moment_text)] = (seat_id, to_text(start), to_text(end))
        return key

    def _sent_today(self, seat_id: int, moment_text: str) -> int:
        key = self._day_key(seat_id, moment_text)
        if key not in self.day_counts:
            self.day_counts[key] = repo.count_sent_between(self.db, *key)
        return self.day_counts[key]
