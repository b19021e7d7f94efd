"""A tick's batches (K1-K4, K7, W4, F3-F6; D5's claim): read up to BATCH due messages with what the rules need,
decide each in memory (services/decision.py, pure), then write one statement per kind of change, all in the
batch's transaction. A message of a seat with a transport is not sent here but claimed (scheduled -> sending,
the rules checked again under the lock, D7); the claims go to the attempt once the batch has committed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ... import repo
from ...repo import delivery as repo_delivery
from ...timeparse import from_text, get_zone, localize, to_text
from .. import decision
from .senders import Claim, Row, Senders
from .target import advance_clock

# credits, placement and claim are imported where they are first needed (a refresh, a cancel, a follow-up's
# move, a claim): an idle tick needs none of them, and they are a few milliseconds of every cron tick.
if TYPE_CHECKING:
    from ...clock import Clock
    from ...db import Database
    from ..pace import Pace
    from ..placement import FollowupPlace
    from .report import TickReport

BATCH = 2000
CLAIM_BATCH = 200  # outbox messages claimed, written and recorded together (one commit, one directory sync)
_UNREAD: Any = object()  # a cached value not read yet (None is a value: no refresh is set)

DayKey = tuple[int, str, str]  # K2's day of a seat: (seat, UTC start, UTC end)


class Run:
    """One tick's (or rehearsal's) walk through the due messages, batch by batch. `senders` None: nothing is
    claimed, a message a transport would take counts as sent (a dry run, the agenda)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        target: datetime,
        report: TickReport,
        held: frozenset[Any] = frozenset(),
        senders: Senders | None = None,
    ):
        self.db, self.clock, self.target, self.report = db, clock, target, report
        self.held = frozenset(held)
        self.paused: set[int] = set()  # seats that send nothing more in this tick (D12, D18)
        self.senders = senders
        self.target_text = to_text(target)
        # On the system clock a message goes out at the real time of the tick (K1).
        self.tick_time = clock.now()
        self.tick_text = to_text(self.tick_time)
        self.claims: list[Claim] = []
        self.limit = BATCH
        self.pace: Pace | None = None  # W4: made when a seat with --max-per-hour has a message due
        self.owner: str | None = None  # host:pid:start of this process, read once (claim_owner)
        self.day_keys: dict[tuple[int, str, str], DayKey] = {}  # (seat, zone, moment) -> K2's day: pure, kept
        # Kept from batch to batch while no other connection writes (_look_for_other_writers):
        self.version: int | None = None  # PRAGMA data_version at the last look
        self.keep = False  # whether the seats, contract and day counts still hold
        self.refresh_text: str | None = _UNREAD  # the next monthly refresh
        self.clock_text: str | None = None  # a simulated clock's now, as this tick last read or wrote it
        # What every decision reads (_read_rules), read again when `keep` no longer holds:
        self.seats: dict[int, Row] = {}
        self.pace_limits: dict[int, int | None] = {}  # W4
        self.places: dict[tuple[int, str, str], FollowupPlace | None] = {}  # (seat, zone, country) -> W2's placement
        self.followups_on = True
        self.day_counts: dict[DayKey, int] = {}
        # One batch's decisions and the writes they make (batch() starts each batch afresh):
        self.decided: dict[int, str] = {}  # id -> 'sent', 'claimed', 'canceled' or 'moved', in this batch
        self.sent: list[tuple[str, int]] = []  # (sent_at, id)
        self.moved: list[tuple[str, int]] = []  # (send_at, id) of follow-ups F3 moved
        self.deferred: list[tuple[str, str, int]] = []  # W4: (due, due, id) paced to the next hour
        self.canceled: list[tuple[str, int]] = []  # (reason, id)
        self.refunds: list[dict[str, Any]] = []
        self.to_claim: list[Row] = []

    def take_claims(self) -> list[Claim]:
        claims, self.claims = self.claims, []
        return claims

    def batch(self) -> bool:
        """Do up to BATCH events in order; return whether anything was done."""
        db = self.db
        self._look_for_other_writers()
        if self.refresh_text is _UNREAD:
            self.refresh_text = repo_delivery.next_refresh(db)
        refresh_text = self.refresh_text
        if refresh_text is not None and refresh_text <= self.target_text:
            due = repo_delivery.due(db, refresh_text, True, self.limit, self.held, self.paused)  # strictly before it
        else:
            due = repo_delivery.due(db, self.target_text, False, self.limit, self.held, self.paused)
        if not due:
            if refresh_text is None or refresh_text > self.target_text:
                return False
            from ..credits import apply_refresh

            for seat in repo_delivery.seats_refreshing_at(db, refresh_text):
                self.report["refreshes"].append(apply_refresh(db, seat, from_text(refresh_text)))
            self._advance(refresh_text)
            self.keep, self.refresh_text = False, _UNREAD
            return True
        if not self.keep:
            self._read_rules()
        self.decided = {}
        self.sent, self.moved, self.canceled, self.refunds, self.to_claim = [], [], [], [], []
        self.deferred = []
        bound = due[-1]["due_at"]
        done, looked, stopped = None, 0, False
        for row in due:
            looked += 1
            if row["id"] in self.decided:
                continue  # canceled with its initial earlier in this batch (F5), or moved by F3
            if self._must_stop_before(row):
                stopped = True
                break
            self._decide(row, bound)
            done = row["due_at"]
            if self.to_claim and not self._batchable(self.to_claim[-1]["seat_id"]):
                stopped = True
                break  # claim one message at a time: the rest waits for its record
        # A batch that stops at a claim reads again after the record; reading 2,000 rows to use a few of them each
        # time would make a tick of N messages read N^2/2 rows, so the next read is sized on what this one used.
        self.limit = min(BATCH, max(8, 2 * looked)) if stopped else BATCH
        self._write()
        self._advance(done or bound)
        # A batch that only claimed leaves the seats, the contract and the day counts (its claims included) as
        # a fresh read would find them, as long as each claim is recorded plainly sent on its day (record.py).
        self.keep = bool(self.to_claim) and not (
            self.sent or self.moved or self.deferred or self.canceled or self.refunds
        )
        return True

    def _look_for_other_writers(self) -> None:
        """Claiming one message at a time makes a batch per message. What a batch reads besides its due rows
        (the next refresh, the clock, the seats, the contract and K2's day counts, D7: at the claim) is read
        again only when another connection has committed since this tick last looked (PRAGMA data_version, read
        inside the write lock), or, for the seats and the counts, when this tick wrote more than claims and plain
        `sent` records (`self.keep`). Otherwise this tick's own bookkeeping holds what a read would find, and
        K2's count, which grows with the day's messages, is not counted again for each message."""
        version = repo_delivery.data_version(self.db)
        if version != self.version:
            self.version, self.keep, self.refresh_text, self.clock_text = version, False, _UNREAD, None

    def _read_rules(self) -> None:
        """The seats, the contract and K2's day counts, which every decision reads."""
        self.seats = {r["id"]: r for r in repo.seats(self.db)}
        self.pace_limits = {seat_id: seat["max_per_hour"] for seat_id, seat in self.seats.items()}
        self.places = {}
        self.followups_on = bool(repo.contract(self.db)["followups_enabled"])
        self.day_counts = {}

    def has_transport(self, seat_id: int) -> bool:
        """Whether the seat's messages are claimed and attempted (a transport other than `none`, in a real tick)."""
        return self.senders is not None and self.senders.cls(seat_id) is not None

    def _batchable(self, seat_id: int) -> bool:
        cls = self.senders.cls(seat_id) if self.senders is not None else None
        return bool(cls and cls.batchable)

    def _must_stop_before(self, row: Row) -> bool:
        """A batch of claims ends before a message that depends on one of them (a follow-up of a claimed
        initial), before one that would need a claim of its own on another transport, and at CLAIM_BATCH."""
        if not self.to_claim:
            return False
        if self.decided.get(row["other_id"]) == "claimed" or len(self.to_claim) >= CLAIM_BATCH:
            return True
        return self.has_transport(row["seat_id"]) and not self._batchable(row["seat_id"])

    def _decide(self, row: Row, bound: str) -> None:
        sent_text = self._send_text(row)
        initial_status = None
        if row["kind"] == "followup":
            initial_status = self.decided.get(row["other_id"], row["other_status"])
        verdict = decision.decide(
            row,
            self.seats[row["seat_id"]],
            followups_on=self.followups_on,
            initial_status=initial_status,
            sent_today=self._sent_today(row["seat_id"], sent_text),
            held_seats=self.held,
        )
        if verdict.action == decision.HOLD:
            return
        if verdict.action == decision.CANCEL:
            self._cancel(row, verdict.reason or "", sent_text)  # a CANCEL always carries its reason
            return
        if self._paced(row, sent_text):
            return
        self.day_counts[self.day_key(row["seat_id"], sent_text)] += 1
        if self.has_transport(row["seat_id"]):
            self.decided[row["id"]] = "claimed"
            self.to_claim.append(row)
            return
        self.decided[row["id"]] = "sent"
        self.sent.append((sent_text, row["id"]))
        self.report["sent"].append(row["id"])
        if row["kind"] == "initial" and row["other_id"] and row["other_status"] == "scheduled":
            # F3: the follow-up's delay counts from the moment the initial actually went.
            place = self._followup_place(row)
            moved = decision.moved_followup(sent_text, row["other_delay"], row["other_send_at"], place)
            if moved:  # on a simulated clock it moves only when its placement changed (a window set since, W7)
                self.moved.append((moved, row["other_id"]))
                if place is not None:
                    place.report(self.report, row["other_id"], moved)
            if (moved or row["other_send_at"]) > bound:
                self.decided[row["other_id"]] = "moved"  # no longer due in this batch

    def _followup_place(self, row: Row) -> FollowupPlace | None:
        """W2 for F3: the follow-up placement of the row's seat and candidate (None without a window), kept for
        the batch's rules."""
        key = (row["seat_id"], row["candidate_timezone"], row["candidate_country"])
        place = self.places.get(key, _UNREAD)
        if place is _UNREAD:
            from ..placement import followup_place

            place = self.places[key] = followup_place(
                self.seats[row["seat_id"]], row["candidate_timezone"], row["candidate_country"]
            )
        return place

    def _paced(self, row: Row, sent_text: str) -> bool:
        """W4: past the seat's messages per hour, the message moves to the next hour (never canceled)."""
        limit = self.pace_limits[row["seat_id"]]
        if limit is None:
            return False
        if self.pace is None:
            from ..pace import Pace

            self.pace = Pace(self.db)
        later = self.pace.hold(row["seat_id"], limit, sent_text)
        if later is None:
            return False
        from ..placement import FOLLOWUP_MAX, placer_of

        placer = placer_of(self.seats[row["seat_id"]])
        if placer is not None:  # W2: the next hour is a time the tool picks: it waits for the window's opening
            bound = None
            if row["kind"] == "followup" and row["other_sent_at"]:  # F2: never past 28 days after the initial
                bound = max(from_text(later), from_text(row["other_sent_at"]) + FOLLOWUP_MAX)
            later = to_text(
                placer.place(from_text(later), row["candidate_timezone"], row["candidate_country"], bound)[0]
            )
        self.report.setdefault("moved", []).append(
            {"id": row["id"], "from": row["due_at"], "to": later, "reason": "pace"}
        )
        self.decided[row["id"]] = "moved"
        self.deferred.append((later, later, row["id"]))
        return True

    def _cancel(self, row: Row, reason: str, at_text: str) -> None:
        """Cancel and refund (C6); an initial takes its follow-up with it at the same moment (F5)."""
        followup = {"id": row["other_id"], "status": row["other_status"]} if row["other_id"] else None
        paid = {
            row["id"]: (row["paid_by"], row["credit"]),
            row["other_id"]: (row["other_paid_by"], row["other_credit"]),
        }
        for why, message_id in decision.cancellations(row, reason, followup):
            self.decided[message_id] = "canceled"
            self.canceled.append((why, message_id))
            self.report["canceled"].append({"id": message_id, "reason": why})
            paid_by, credit = paid[message_id]
            self.refunds.append(
                {"id": message_id, "seat_id": row["seat_id"], "paid_by": paid_by, "credit": credit, "at": at_text}
            )

    def _write(self) -> None:
        if self.sent:
            repo_delivery.mark_sent(self.db, self.sent)
        if self.moved:
            repo_delivery.move(self.db, self.moved)
        if self.deferred:
            repo_delivery.defer(self.db, self.deferred)
        if self.canceled:
            repo_delivery.cancel(self.db, self.canceled)
        if self.refunds:
            from ..credits import refund_many

            self.report["refunded"] += refund_many(self.db, self.refunds)
        if self.to_claim:
            from .claim import claim

            self.claims = claim(self)

    def _advance(self, moment_text: str) -> None:
        """Move a simulated clock up to the work done, so a reply made meanwhile is in order."""
        if not self.clock.simulated or (self.clock_text is not None and moment_text <= self.clock_text):
            return  # already there (the clock never runs backwards, K8)
        self.clock_text = advance_clock(self.db, self.clock, moment_text)

    def _send_text(self, row: Row) -> str:
        return self.moment_of(row["due_at"])

    def moment_of(self, due_text: str) -> str:
        """When a message due at `due_text` goes: on a simulated clock at its due moment, or at the tick's start
        if it was due before (held by a setting that was wrong, D12, or a mailbox that could not be read, I2:
        it goes at the first tick that can send it and is dated then, D11, K8); on the system clock now (K1)."""
        if self.clock.simulated and due_text > self.tick_text:
            return due_text
        return self.tick_text

    def day_key(self, seat_id: int, moment_text: str) -> DayKey:
        """K2: the calendar day in the seat's zone, as (seat, UTC start, UTC end)."""
        zone_name = self.seats[seat_id]["timezone"]
        key = self.day_keys.get((seat_id, zone_name, moment_text))
        if key is None:
            zone = get_zone(zone_name)
            day = from_text(moment_text).astimezone(zone).date()
            start, _ = localize(datetime(day.year, day.month, day.day), zone)
            following = day + timedelta(days=1)
            end, _ = localize(datetime(following.year, following.month, following.day), zone)
            key = self.day_keys[(seat_id, zone_name, moment_text)] = (seat_id, to_text(start), to_text(end))
        return key

    def _sent_today(self, seat_id: int, moment_text: str) -> int:
        """K2 counts the day's sent messages and, with a transport, those in flight (D7)."""
        key = self.day_key(seat_id, moment_text)
        if key not in self.day_counts:
            count = repo.count_sent_between(self.db, *key)
            if self.has_transport(seat_id):
                count += repo_delivery.sending_count(self.db, seat_id)
            self.day_counts[key] = count
        return self.day_counts[key]
