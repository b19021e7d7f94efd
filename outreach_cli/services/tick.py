"""tick: send what is due, cancel what may not go, settle credits, apply monthly refreshes (K1-K8, D5-D8).

Each batch of work is one BEGIN IMMEDIATE transaction that reads, inside the write lock, what is still
`scheduled`, so two ticks at once queue on the lock and never send a message twice, and a killed tick loses
at most an uncommitted batch, which the next tick redoes (K5). A batch is one query for up to BATCH due
messages with what the rules need, the decisions in memory (services/decision.py, pure), then one write per
kind of change.

A seat whose transport is not `none` goes through four steps, each visible in `tick()` below (D5, D6):
claim (in the batch's transaction, the rules checked again there, D7: scheduled -> sending), commit, attempt
(outside any transaction: the network or a command), record (the next transaction, which also claims the
next message). An outbox is idempotent by file name, so its messages are claimed a batch at a time; every
other transport claims one message at a time.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from .. import repo
from ..clock import SimulatedClock
from ..errors import INVALID_INPUT, INVALID_STATE, INVALID_TIME, refuse
from ..repo import delivery as repo_delivery
from ..timeparse import from_text, get_zone, localize, parse_duration, parse_when, shift, to_text
from . import decision
from .common import acting_seat, load_clock
from .credits import apply_refresh, refund_many
from .placement import FOLLOWUP_MAX, followup_place, place_retry, placer_of

BATCH = 2000
CLAIM_BATCH = 200  # outbox messages claimed, written and recorded together (one commit, one directory sync)
CLAIM_GRACE = timedelta(minutes=1)  # a claim lasts the transport's timeout plus this, in real time (D5)
PENDING = "tick_target_utc"
_UNREAD = object()  # a cached value not read yet (None is a value: no refresh is set)
# Kept for tests and tools that read the tick's queries (tests/rules/test_query_plans.py).
_DUE = repo_delivery.DUE.replace("{held}", "")
WORK_DUE = repo_delivery.WORK_DUE
NEXT_REFRESH = repo_delivery.NEXT_REFRESH


def resolve_target(db, clock, to: str | None, by: str | None) -> datetime:
    """K6: `tick` alone targets now; `--by 3d` or `--to WHEN` move a simulated clock."""
    now = clock.now()
    if to is not None and by is not None:
        raise refuse(INVALID_INPUT, "Give either --to or --by, not both.")
    if (to is not None or by is not None) and not clock.simulated:
        raise refuse(
            INVALID_STATE,
            "The clock is the system clock, so tick always runs to now; --to and --by need a simulated clock.",
        )
    if by is not None:  # an empty --by is refused by parse_duration, never read as "not given"
        target = shift(now, parse_duration(by), "tick target")
    elif to is not None:
        target, _warning = parse_when(to, get_zone(acting_seat(db, None, act=False)["timezone"]), now)
    else:
        target = now
    if target < now:
        raise refuse(
            INVALID_TIME,
            f"{to_text(target)} is before the clock's now ({to_text(now)}); the clock never runs backwards.",
        )
    pending = repo.find_setting(db, PENDING)
    if pending and from_text(pending) > target:
        target = from_text(pending)  # finish the work of a tick that was killed (K5)
    return target


def tick(
    db, to: str | None = None, by: str | None = None, dry_run: bool = False, clock=None, hold_followups_for=frozenset()
) -> dict:
    """`hold_followups_for`: seat ids whose follow-ups are not due in this tick (I2: their mailbox could not be
    read); they stay scheduled, untouched."""
    clock = clock or load_clock(db)
    start = clock.now()
    target = resolve_target(db, clock, to, by)
    report = {
        "from": to_text(start),
        "to": to_text(target),
        "sent": [],
        "canceled": [],
        "refunded": 0,
        "refreshes": [],
        "dry_run": dry_run,
        "retrying": [],
        "failed": [],
        "unknown": [],
        "delivered": 0,
    }
    if dry_run:  # a dry run changes nothing, so it reads no mail either (a fetch records what it reads)
        return rehearse(db, clock, target, report, held=hold_followups_for)
    held = frozenset(hold_followups_for)
    if repo.any_mailbox(db):  # the mail code is loaded only where a seat has a mailbox (start-up of cron's tick)
        from .incoming import fetch_before_tick  # I2: replies first, so one that arrived stops its follow-up

        fetched = fetch_before_tick(db, clock)
        report["incoming"] = fetched.incoming
        report["canceled"] += fetched.canceled  # a reply's follow-up (F4), a bounce's (I5): this tick's work too
        report["refunded"] += fetched.refunded
        report["failed"] += fetched.failed  # I15: a message a bounce failed, an `unknown` a reply proved sent
        report["sent"] += fetched.sent
        if fetched.warnings:
            report.setdefault("warnings", []).extend(fetched.warnings)
        if fetched.late:  # I13: a reply read only after the follow-up went, dated before it
            from .incoming import late_warning

            report["late_followups"] = fetched.late
            report.setdefault("warnings", []).append(late_warning(fetched.late))
        held |= fetched.hold  # I2: a seat whose mail could not be read
    if not clock.simulated:  # W5: late messages of seats with a window wait for its next opening
        from .pace import catch_up

        catch_up(db, clock.now(), report, own_transaction=True)
    if repo.any_unmatched(db):  # I11: a candidate's mail that matched no single thread holds their follow-ups
        from .incoming import unmatched_holds

        holds, warning = unmatched_holds(db)
        held |= holds
        report.setdefault("warnings", []).append(warning)
    senders = _Senders(repo_delivery.transports(db), clock)
    try:
        _recover(db, clock, senders, report)
        run = _Run(db, clock, target, report, held=held, senders=senders)
        if clock.simulated and target > start and repo_delivery.work_due(db, report["to"]):
            # Recorded on its own, before any work, so a plain `tick` after a kill knows where to go (K5).
            with db.transaction():
                repo.set_setting(db, PENDING, report["to"])
        attempted = None
        while True:
            # An idle tick is one transaction (one durable commit): look, find nothing, move the clock.
            with db.transaction():
                if attempted:
                    run.record(attempted)  # record of the last attempts and claim of the next: one commit
                more = run.batch()  # decide, write, and claim (scheduled -> sending) ...
                if not more:
                    _finish(db, clock, target)
            claims, attempted = run.take_claims(), None  # ... committed
            if claims:
                attempted = senders.attempt(claims)  # outside any transaction (D6)
                continue
            if not more:
                break
    finally:
        senders.close()
    _warn_if_left_behind(db, clock, target, report)
    _warn_if_clock_behind(db, clock, report)
    _settle_delivery_report(report)
    _warn_about_delivery(report)
    return report


def _settle_delivery_report(report: dict) -> None:
    """D8 lists messages, not attempts: one retried several times in a long tick is listed once, and only if
    it is still waiting for a retry at the end (not if it went, failed or became unknown later in the tick)."""
    done = set(report["sent"]) | {item["id"] for item in report["failed"]} | set(report["unknown"])
    report["retrying"] = sorted(set(report["retrying"]) - done)
    report["unknown"] = sorted(set(report["unknown"]))


def _warn_if_left_behind(db, clock, target: datetime, report: dict) -> None:
    """K8: a system-clock database switched to a simulated clock by `clock set --simulate` says so once that
    clock has fallen behind the real time (cron's ticks send nothing); a database born simulated never does."""
    if not clock.simulated or repo.find_setting(db, "clock_switched_from_system") is None:
        return
    real = clock.real.now()
    if target < real:
        report.setdefault("warnings", []).append(
            f"The simulated clock ({to_text(target)}) is behind the real time; ticks send nothing new until it "
            "catches up. Run `outreach clock system` to go back to the real clock."
        )


CLOCK_BEHIND_NOTED = "clock_behind_noted_utc"


def _warn_if_clock_behind(db, clock, report: dict) -> None:
    """D20: once per episode, the tick says the machine's clock is behind the latest instant the database recorded
    (the latest noted is kept, so the next ticks of the same episode say nothing). Costs nothing when it is not."""
    behind = getattr(clock, "behind", None)
    if clock.simulated or behind is None or not behind():
        return
    latest = to_text(clock.floor)
    if repo.find_setting(db, CLOCK_BEHIND_NOTED) == latest:
        return
    with db.transaction():
        repo.set_setting(db, CLOCK_BEHIND_NOTED, latest)
    report.setdefault("warnings", []).append(
        f"The machine's clock ({to_text(clock.machine_now())}) is behind the latest time this database recorded "
        f"({latest}), as after a clock set backwards; outreach takes {latest} as now until the clock catches up."
    )


def _warn_about_delivery(report: dict) -> None:
    """D8: one line on stderr per tick that made messages unknown or failed, naming them (cron mails it)."""
    parts = []
    if report["unknown"]:
        parts.append(
            f"message(s) {_ids(report['unknown'])} may or may not have gone (unknown; settle them with "
            "`outreach resolve MESSAGE --sent|--resend|--cancel`)"
        )
    if report["failed"]:
        parts.append(f"message(s) {_ids(item['id'] for item in report['failed'])} failed and were refunded")
    for item in report.get("delivery_problems", ()):
        if item["problem"] == "hung":  # D18: why only one went unknown, and what became of the others
            parts.append(
                f"seat {item['seat']}'s transport took message {_ids(item['ids'])} and did not answer, so "
                "its other due messages wait for the next tick"
            )
    if parts:
        report.setdefault("warnings", []).append(
            "Delivery: " + "; ".join(parts) + ". See `outreach inbox --folder attention`."
        )
    for item in report.get("delivery_problems", ()):  # D12, D18: one line each, every tick until it is fixed
        ids = _ids(item["ids"])
        if item["problem"] == "held":
            line = (
                f"Delivery for seat {item['seat']} is not configured right: {item['reason']} Message(s) {ids} and "
                "the seat's other due messages were not attempted and stay scheduled until it is fixed."
            )
        elif item["problem"] == "hung":
            continue  # said in D8's line above
        else:
            line = (
                f"Delivery for seat {item['seat']} needs a look: {item['reason']} (message(s) {ids} will be retried)."
            )
        report.setdefault("warnings", []).append(line.replace("..", "."))


def _ids(ids) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def rehearse(db, clock, target: datetime, report: dict, inspect=None, future: bool = False, held=frozenset()) -> dict:
    """K6 `--dry-run`: do the tick's work up to `target` inside a transaction that is rolled back, so the
    decisions are exactly those a real tick would take. `inspect(db)` may read the result before the
    rollback (the agenda reads which messages were sent or canceled, and when). `future` plays a system
    clock's coming days as a simulated clock would: each message at its own time. Nothing is claimed or
    attempted: a message a transport would take counts as sent."""
    with db.rehearsal():
        if not clock.simulated:  # W5, W7: the dry run shows the catch-up a real tick would make
            from .pace import catch_up

            catch_up(db, clock.now(), report)
        if future and not clock.simulated:
            clock = SimulatedClock(clock.now(), clock.real)
            repo.set_setting(db, "clock_now_utc", to_text(clock.now()))
        run = _Run(db, clock, target, report, held=held)
        while run.batch():
            pass
        if inspect is not None:
            inspect(db)
    return report


def advance_clock(db, clock, moment_text: str) -> str | None:
    """Move a simulated clock forward to `moment_text` (never back, K8); the one place a tick moves it. Returns
    the simulated clock's now afterwards."""
    if clock.simulated:
        current = repo.find_setting(db, "clock_now_utc")
        if moment_text > current:
            repo.set_setting(db, "clock_now_utc", moment_text)
            return moment_text
        return current
    return None


def _finish(db, clock, target: datetime) -> None:
    advance_clock(db, clock, to_text(target))
    repo.delete_setting(db, PENDING)


# ---------------------------------------------------------------- claims (D5, D6)


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22): it tells a reused pid
    from the process that made a claim."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def claim_owner() -> str:
    """`host:pid:start` of this process."""
    pid = os.getpid()
    import socket  # only when claiming: an idle tick does without it

    return f"{socket.gethostname()}:{pid}:{_process_start(pid) or '-'}"


def _claimer_runs(claimed_by: str | None) -> bool:
    """Whether the process that made a claim still runs. On another machine it cannot be told: only the claim's
    expiry ends it there. A claim of this very process is stale (a tick does not start inside another)."""
    try:
        host, pid_text, start = (claimed_by or "").rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    import socket

    if host != socket.gethostname():
        return True
    if pid == os.getpid():
        return False
    now_start = _process_start(pid)
    if now_start is not None:
        return start == "-" or now_start == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return start == "-"


def _recover(db, clock, senders, report: dict) -> None:
    """D5/D6 at the start of a tick: a message left `sending` by a process that no longer runs, or whose claim
    has expired (real time), becomes `unknown` (credits stay charged, D7). An outbox claim is settled exactly
    instead: its file in new/ means sent, no file means scheduled again (the outbox is idempotent by name)."""
    if not repo_delivery.in_flight(db):
        return  # the common case costs one indexed read, and an idle tick stays one transaction
    real_now = to_text(clock.real.now())
    with db.transaction():
        for row in repo_delivery.in_flight(db):
            if row["claim_expires_utc"] and row["claim_expires_utc"] > real_now and _claimer_runs(row["claimed_by"]):
                continue
            delivered = senders.already_delivered(row)
            if delivered is None:
                repo_delivery.record_unknown(
                    db,
                    [
                        (
                            f"The tick that was sending it ({row['claimed_by']}) stopped before it recorded the outcome; "
                            "it may or may not have gone.",
                            row["id"],
                        )
                    ],
                )
                report["unknown"].append(row["id"])
            elif delivered:
                senders.remove_orphans(row)
                sent_at = row["last_attempt_utc"] or real_now
                repo_delivery.record_sent(db, [(sent_at, delivered, row["id"])])
                _move_followup(db, row, sent_at, report)
                report["sent"].append(row["id"])
            else:
                senders.remove_orphans(row)
                repo_delivery.unclaim(db, [row["id"]])


def _move_followup(db, initial, sent_text: str, report: dict | None = None) -> None:
    """F3 for an initial sent one at a time (a record, `resolve --sent`); a tick's `report` lists the window's
    move of it (W7)."""
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


class _Claim:
    """One claimed message: what its envelope needs, and its due moment."""

    __slots__ = ("row", "seat_id", "due_at", "attempt_at", "attempts", "first_attempt")

    def __init__(self, row, attempt_at: str):
        self.row = row
        self.seat_id = row["seat_id"]
        self.due_at = row["retry_at_utc"] or row["send_at_utc"]
        self.attempt_at = attempt_at
        self.attempts = row["attempts"]
        self.first_attempt = row["first_attempt_utc"]


class _Senders:
    """One transport per seat per tick (an SMTP connection is reused), opened at its first message and closed
    at the end of the tick; `attempt` is the only code that talks to the outside, never in a transaction."""

    def __init__(self, settings: dict, clock):
        self.settings, self.clock, self.open = settings, clock, {}
        self.classes: dict = {}  # seat -> its transport's class, looked up once per tick (asked for every due row)

    def kind(self, seat_id: int) -> str | None:
        settings = self.settings.get(seat_id)
        return settings["kind"] if settings else None

    def timeout(self, seat_id: int) -> int:
        from ..transports import DEFAULT_TIMEOUT

        return int(self.settings[seat_id].get("timeout") or DEFAULT_TIMEOUT)

    def claim_transport(self, seat_id: int) -> str:
        """D10: the kind and settings a claim records, as JSON."""
        import json

        return json.dumps(self.settings[seat_id], sort_keys=True)

    def cls(self, seat_id: int):
        """The class of the seat's transport (what it can do), or None for a seat without one."""
        if seat_id not in self.classes:
            from ..transports import transport_class

            settings = self.settings.get(seat_id)
            self.classes[seat_id] = transport_class(settings["kind"]) if settings else None
        return self.classes[seat_id]

    def _claimed_with(self, row):
        """D10: the transport that made the claim decides, not the seat's current one."""
        import json

        from ..transports import transport_class

        settings = json.loads(row["claim_transport"]) if row["claim_transport"] else self.settings.get(row["seat_id"])
        return (transport_class(settings["kind"]), settings) if settings else (None, None)

    def already_delivered(self, row) -> str | bool | None:
        """For a stale claim: the transport's reference if it is known to have gone, False if it is known not to
        have, None if its transport cannot tell (D5)."""
        cls, settings = self._claimed_with(row)
        return cls.already_delivered(settings, row["internet_message_id"]) if cls else None

    def remove_orphans(self, row) -> None:
        """Once a stale claim is settled, what its killed attempt left behind goes (issue 21, point 10)."""
        cls, settings = self._claimed_with(row)
        if cls:
            cls.remove_orphans(settings, row["internet_message_id"])

    def _transport(self, seat_id: int):
        if seat_id not in self.open:
            from ..transports import open_transport

            self.open[seat_id] = open_transport(self.settings[seat_id])
        return self.open[seat_id]

    def attempt(self, claims: list) -> list:
        """[(claim, outcome, accepted_at)] in claim order: each seat's claims go to its transport in one
        `send_many` (a batch for a batchable one, one message for the others, D5)."""
        from ..transports import Permanent

        out: list = [None] * len(claims)
        by_seat: dict = {}
        for index, claim in enumerate(claims):
            try:
                envelope = _envelope(claim)
            except Exception as exc:  # noqa: BLE001 - a message that cannot be built never goes
                out[index] = [claim, Permanent(f"The message could not be built: {exc}"), None]
                continue
            by_seat.setdefault(claim.seat_id, []).append((index, envelope))
        for seat_id, items in by_seat.items():
            outcomes = self._transport(seat_id).send_many([envelope for _index, envelope in items])
            for (index, _built), outcome in zip(items, outcomes, strict=True):
                out[index] = [claims[index], outcome, self._accepted_at(claims[index])]
        return out

    def _accepted_at(self, claim) -> str:
        """D5: on a simulated clock the attempt's due moment; on the system clock the real time of acceptance."""
        return claim.due_at if self.clock.simulated else to_text(self.clock.real.now())

    def close(self) -> None:
        for transport in self.open.values():
            try:
                transport.close()
            except Exception:  # noqa: BLE001 - closing never hides the tick's result
                pass
        self.open = {}


def _envelope(claim):
    """Built from the stored row alone: the same bytes on every retry of one delivery (D3). D11: Date is the first
    hand-over of the current delivery (first_attempt_utc, set at the claim; a resend starts a new delivery)."""
    from .. import mail, shapes

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


# ---------------------------------------------------------------- the batches


class _Run:
    def __init__(self, db, clock, target, report, held=frozenset(), senders=None):
        self.db, self.clock, self.target, self.report = db, clock, target, report
        self.held = frozenset(held)
        self.paused: set = set()  # seats that send nothing more in this tick (D12, D18)
        self.senders = senders  # None: nothing is claimed (a dry run, the agenda)
        self.target_text = to_text(target)
        # On the system clock a message goes out at the real time of the tick (K1).
        self.tick_time = clock.now()
        self.tick_text = to_text(self.tick_time)
        self.claims: list = []
        self.limit = BATCH
        self.pace = None  # W4: made when a seat with --max-per-hour has a message due
        self.owner = None  # host:pid:start of this process, read once (claim_owner)
        self.day_keys: dict = {}  # (seat, zone, moment) -> K2's day: pure, so kept for the whole tick
        # Kept from batch to batch while no other connection writes (_look_for_other_writers):
        self.version = None  # PRAGMA data_version at the last look
        self.keep = False  # whether the seats, contract and day counts still hold
        self.refresh_text = _UNREAD  # the next monthly refresh
        self.clock_text = None  # a simulated clock's now, as this tick last read or wrote it

    def take_claims(self) -> list:
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
            for seat in repo_delivery.seats_refreshing_at(db, refresh_text):
                self.report["refreshes"].append(apply_refresh(db, seat, from_text(refresh_text)))
            self._advance(refresh_text)
            self.keep, self.refresh_text = False, _UNREAD
            return True
        if not self.keep:
            self._read_rules()
        self.decided: dict[int, str] = {}  # id -> 'sent', 'claimed', 'canceled' or 'moved', in this batch
        self.sent, self.moved, self.canceled, self.refunds, self.to_claim = [], [], [], [], []
        self.deferred = []  # W4: (due, due, id) paced to the next hour
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
        # a fresh read would find them, as long as each claim is recorded plainly sent on its day (record()).
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
        self.pace_limits = {seat_id: seat["max_per_hour"] for seat_id, seat in self.seats.items()}  # W4
        self.places = {}  # (seat, zone, country) -> W2's follow-up placement (_followup_place)
        self.followups_on = bool(repo.contract(self.db)["followups_enabled"])
        self.day_counts = {}

    def _transport_kind(self, seat_id: int) -> str | None:
        return self.senders.kind(seat_id) if self.senders is not None else None

    def _batchable(self, seat_id: int) -> bool:
        cls = self.senders.cls(seat_id) if self.senders is not None else None
        return bool(cls and cls.batchable)

    def _must_stop_before(self, row) -> bool:
        """A batch of claims ends before a message that depends on one of them (a follow-up of a claimed
        initial), before one that would need a claim of its own on another transport, and at CLAIM_BATCH."""
        if not self.to_claim:
            return False
        if self.decided.get(row["other_id"]) == "claimed" or len(self.to_claim) >= CLAIM_BATCH:
            return True
        return self._transport_kind(row["seat_id"]) is not None and not self._batchable(row["seat_id"])

    def _decide(self, row, bound: str) -> None:
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
            self._cancel(row, verdict.reason, sent_text)
            return
        if self._paced(row, sent_text):
            return
        self.day_counts[self._day_key(row["seat_id"], sent_text)] += 1
        if self._transport_kind(row["seat_id"]) is not None:
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

    def _followup_place(self, row):
        """W2 for F3: the follow-up placement of the row's seat and candidate (None without a window), kept for
        the batch's rules."""
        key = (row["seat_id"], row["candidate_timezone"], row["candidate_country"])
        place = self.places.get(key, _UNREAD)
        if place is _UNREAD:
            place = self.places[key] = followup_place(
                self.seats[row["seat_id"]], row["candidate_timezone"], row["candidate_country"]
            )
        return place

    def _paced(self, row, sent_text: str) -> bool:
        """W4: past the seat's messages per hour, the message moves to the next hour (never canceled)."""
        limit = self.pace_limits[row["seat_id"]]
        if limit is None:
            return False
        if self.pace is None:
            from .pace import Pace

            self.pace = Pace(self.db)
        later = self.pace.hold(row["seat_id"], limit, sent_text)
        if later is None:
            return False
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

    def _cancel(self, row, reason: str, at_text: str) -> None:
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
            self.report["refunded"] += refund_many(self.db, self.refunds)
        if self.to_claim:
            self._claim()

    def _claim(self) -> None:
        """scheduled -> sending, with who claimed it and until when (real time), one more attempt (D5)."""
        if self.owner is None:
            self.owner = claim_owner()
        owner = self.owner
        real_now = self.clock.real.now()
        rows = []
        for row in self.to_claim:
            expires = to_text(real_now + timedelta(seconds=self.senders.timeout(row["seat_id"])) + CLAIM_GRACE)
            attempt_at = row["due_at"] if self.clock.simulated else to_text(real_now)
            rows.append(
                (self.senders.claim_transport(row["seat_id"]), owner, expires, attempt_at, attempt_at, row["id"])
            )
        repo_delivery.claim(self.db, rows)
        attempt_at = {row[5]: row[3] for row in rows}
        self.claims = [
            _Claim(self._final_message_id(row), attempt_at[row["id"]])
            for row in repo_delivery.claimed(self.db, [r["id"] for r in self.to_claim])
        ]
        order = {row["id"]: index for index, row in enumerate(self.to_claim)}
        self.claims.sort(key=lambda claim: order[claim.row["id"]])

    def _final_message_id(self, row):
        """D13: a message scheduled before the seat had a sender address takes its Message-ID's domain from the
        address at its first attempt by an email transport, in the claim's transaction; never after."""
        from .. import mail

        if (
            row["attempts"] != 1
            or not row["from_address"]
            or mail.FALLBACK_DOMAIN not in row["internet_message_id"]
            or not self.senders.cls(row["seat_id"]).email
        ):
            return row
        new_id = mail.new_message_id(row["from_address"])
        if mail.FALLBACK_DOMAIN in new_id:
            return row
        repo_delivery.set_message_id(self.db, row["id"], new_id)
        return {**dict(row), "internet_message_id": new_id}

    def record(self, attempted: list) -> None:
        """The outcome of each attempt (D5), in the transaction that also claims the next messages."""
        db, report = self.db, self.report
        sent, retries, failed, unknown, refunds, held = [], [], [], [], [], []
        for claim, outcome, accepted_at in attempted:
            if type(outcome).__name__ == "NotConfigured":  # D12: not attempted; the seat waits for the fix
                held.append((outcome.reason, claim.row["id"]))
                self._pause(claim, "held", outcome.reason)
                continue
            if getattr(outcome, "setup", False):  # D18: unreachable, TLS, certificate or login: say so
                self._note(claim, "setup", outcome.reason)
            settled = decision.settle(
                outcome,
                attempts=claim.attempts,
                attempt_at=from_text(claim.attempt_at),
                first_attempt=from_text(claim.first_attempt or claim.attempt_at),
            )
            mid = claim.row["id"]
            if settled.status != "sent" or not self._same_day(claim, accepted_at):
                self.keep = False  # K2's counts change otherwise: read them again at the next batch
            if settled.status == "sent":
                sent.append((accepted_at, getattr(outcome, "transport_id", None), mid))
                report["sent"].append(mid)
                report["delivered"] += 1
            elif settled.status == "scheduled":  # W2: a retry waits for the seat's window
                retry_at = place_retry(db, self.seats[claim.seat_id], claim.row, settled.retry_at, report)
                retries.append((retry_at, settled.failure, mid))
                report["retrying"].append(mid)
            elif settled.status == "failed":
                failed.append((settled.failure, mid))
                report["failed"].append({"id": mid, "failure": settled.failure})
                refunds.append(claim)
            else:
                unknown.append((settled.failure, mid))
                report["unknown"].append(mid)
                if self.senders.cls(claim.seat_id).pauses_on_unknown:
                    self._pause(claim, "hung", settled.failure)  # D18: one time-out and one unknown, not one each
        for write, rows in (
            (repo_delivery.record_sent, sent),
            (repo_delivery.record_retry, retries),
            (repo_delivery.record_failed, failed),
            (repo_delivery.record_unknown, unknown),
            (repo_delivery.record_held, held),
        ):
            if rows:
                write(db, rows)
        for reason, mid in held:
            repo_delivery.hold_due(
                db, next(c.seat_id for c, _o, _a in attempted if c.row["id"] == mid), reason, self.target_text
            )
        rows = {claim.row["id"]: claim.row for claim, _outcome, _at in attempted}
        for accepted_at, _tid, mid in sent:
            if rows[mid]["followup_id"] is not None:  # F3; a thread without a follow-up needs no read
                _move_followup(db, rows[mid], accepted_at, report)
        for claim in refunds:
            self._refund_failed(claim)

    def _pause(self, claim, why: str, reason: str) -> None:
        """D12, D18: the seat attempts nothing more in this tick; its due messages stay scheduled."""
        self.paused.add(claim.seat_id)
        self.keep = False
        self._note(claim, why, reason)

    def _note(self, claim, why: str, reason: str) -> None:
        """What the tick's stderr line says about a seat's transport (D12, D18), kept in the report as
        `delivery_problems: [{seat, problem, reason, ids}]` (one entry per seat and problem)."""
        seat = claim.row["seat"]
        for item in self.report.setdefault("delivery_problems", []):
            if item["seat"] == seat and item["problem"] == why:
                item["ids"].append(claim.row["id"])
                return
        self.report["delivery_problems"].append(
            {"seat": seat, "problem": why, "reason": reason, "ids": [claim.row["id"]]}
        )

    def _same_day(self, claim, accepted_at: str) -> bool:
        """Whether a message sent at `accepted_at` counts on the K2 day it was claimed for (on the system clock
        the acceptance may fall after the seat's midnight)."""
        due_text = claim.due_at if self.clock.simulated else self.tick_text
        _seat, start, end = self._day_key(claim.seat_id, due_text)
        return start <= accepted_at < end

    def _refund_failed(self, claim) -> None:
        """A failed message is refunded (C6); an initial's follow-up is canceled `initial_not_sent` and refunded."""
        from .scheduling import refund_failed

        message = repo.find_message_row(self.db, claim.row["id"])
        self.report["refunded"] += refund_failed(self.db, message, claim.attempt_at, self.report["canceled"])

    def _advance(self, moment_text: str) -> None:
        """Move a simulated clock up to the work done, so a reply made meanwhile is in order."""
        if not self.clock.simulated or (self.clock_text is not None and moment_text <= self.clock_text):
            return  # already there (the clock never runs backwards, K8)
        self.clock_text = advance_clock(self.db, self.clock, moment_text)

    def _send_text(self, row) -> str:
        return row["due_at"] if self.clock.simulated else self.tick_text

    def _day_key(self, seat_id: int, moment_text: str):
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
        key = self._day_key(seat_id, moment_text)
        if key not in self.day_counts:
            count = repo.count_sent_between(self.db, *key)
            if self._transport_kind(seat_id) is not None:
                count += repo_delivery.sending_count(self.db, seat_id)
            self.day_counts[key] = count
        return self.day_counts[key]
