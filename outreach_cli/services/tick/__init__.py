"""tick: send what is due, cancel what may not go, settle credits, apply monthly refreshes (K1-K8, D5-D8).

Each batch of work is one BEGIN IMMEDIATE transaction that reads, inside the write lock, what is still
`scheduled`, so two ticks at once queue on the lock and never send a message twice, and a killed tick loses
at most an uncommitted batch, which the next tick redoes (K5). A seat whose transport is not `none` goes through
D5's four steps, each visible in `tick()` below (D6): claim (in the batch's transaction, the rules checked again
there, D7: scheduled -> sending), commit, attempt (outside any transaction: the network or a command), record
(the next transaction, which also claims the next message). An outbox is idempotent by file name, so its
messages are claimed a batch at a time; every other transport claims one message at a time.

The package, along those steps:
    target.py    where the tick goes (K6, K5's pending target), the clock it moves (K8), the clock warnings (D20)
    recovery.py  claims left by a tick that stopped: their owner, and how they are settled (D5, D6, D10)
    batch.py     `Run`: a batch's decisions and writes (K1-K4, K7, W4, F3-F6)
    claim.py     the claim of what the batch decided to send through a transport (D5, D7, D10, D13)
    senders.py   the attempt: each seat's transport and the envelope it is given (D3, D11, D18)
    record.py    the record of each attempt's outcome (D5, D12, D18)
    report.py    `TickReport`, what `tick --json` prints, and D8's stderr lines
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ... import repo
from ...clock import SimulatedClock
from ...repo import delivery as repo_delivery
from ...timeparse import to_text
from ..common import load_clock
from .batch import Run
from .recovery import recover
from .report import TickReport, new_report, settle_delivery_report, warn_about_delivery
from .senders import Attempted, Senders
from .target import PENDING, finish, resolve_target, warn_if_clock_behind, warn_if_left_behind

if TYPE_CHECKING:
    from ...clock import Clock
    from ...db import Database

__all__ = ["TickReport", "new_report", "rehearse", "tick"]


def tick(
    db: Database,
    to: str | None = None,
    by: str | None = None,
    dry_run: bool = False,
    clock: Clock | None = None,
    hold_followups_for: Iterable[Any] = frozenset(),
) -> TickReport:
    """`hold_followups_for`: seat ids whose follow-ups are not due in this tick (I2: their mailbox could not be
    read); they stay scheduled, untouched."""
    clock = clock or load_clock(db)
    start = clock.now()
    target = resolve_target(db, clock, to, by)
    report = new_report(start, target, dry_run)
    if dry_run:  # a dry run changes nothing, so it reads no mail either (a fetch records what it reads)
        return rehearse(db, clock, target, report, held=frozenset(hold_followups_for))
    held = frozenset(hold_followups_for) | _read_first(db, clock, report)
    senders = Senders(repo_delivery.transports(db), clock)
    try:
        recover(db, clock, senders, report)
        run = Run(db, clock, target, report, held=held, senders=senders)
        if clock.simulated and target > start and repo_delivery.work_due(db, report["to"]):
            # Recorded on its own, before any work, so a plain `tick` after a kill knows where to go (K5).
            with db.transaction():
                repo.set_setting(db, PENDING, report["to"])
        attempted: Attempted | None = None
        while True:
            # An idle tick is one transaction (one durable commit): look, find nothing, move the clock.
            with db.transaction():
                if attempted:
                    from .record import record_attempts  # only a tick that made an attempt records one

                    record_attempts(run, attempted)  # record of the last attempts and claim of the next: one commit
                more = run.batch()  # decide, write, and claim (scheduled -> sending) ...
                if not more:
                    finish(db, clock, target)
            claims, attempted = run.take_claims(), None  # ... committed
            if claims:
                attempted = senders.attempt(claims)  # outside any transaction (D6)
                continue
            if not more:
                break
    finally:
        senders.close()
    warn_if_left_behind(db, clock, target, report)
    warn_if_clock_behind(db, clock, report)
    settle_delivery_report(report)
    warn_about_delivery(report)
    return report


def _read_first(db: Database, clock: Clock, report: TickReport) -> frozenset[Any]:
    """What comes before any sending: the mail (I2: a reply that arrived stops its follow-up), the catch-up of late
    messages (W5), and the holds of unmatched mail (I11). Returns the seats (and candidates) whose follow-ups are
    held in this tick."""
    held: set[Any] = set()
    if repo.any_mailbox(db):  # the mail code is loaded only where a seat has a mailbox (start-up of cron's tick)
        from ..incoming import fetch_before_tick

        held |= fetch_before_tick(db, clock, report)  # I2: a seat whose mail could not be read
    if not clock.simulated:  # W5: late messages of seats with a window wait for its next opening
        from ..pace import catch_up

        catch_up(db, clock.now(), report, own_transaction=True)
    if repo.any_unmatched(db):  # I11: a candidate's mail that matched no single thread holds their follow-ups
        from ..incoming import unmatched_holds

        holds, warning = unmatched_holds(db)
        held |= holds
        report.setdefault("warnings", []).append(warning)
    return frozenset(held)


def rehearse(
    db: Database,
    clock: Clock,
    target: datetime,
    report: TickReport,
    inspect: Callable[[Database], None] | None = None,
    future: bool = False,
    held: frozenset[Any] = frozenset(),
) -> TickReport:
    """K6 `--dry-run`: do the tick's work up to `target` inside a transaction that is rolled back, so the
    decisions are exactly those a real tick would take. `inspect(db)` may read the result before the
    rollback (the agenda reads which messages were sent or canceled, and when). `future` plays a system
    clock's coming days as a simulated clock would: each message at its own time. Nothing is claimed or
    attempted: a message a transport would take counts as sent."""
    with db.rehearsal():
        if not clock.simulated:  # W5, W7: the dry run shows the catch-up a real tick would make
            from ..pace import catch_up

            catch_up(db, clock.now(), report)
        if future and not clock.simulated:
            clock = SimulatedClock(clock.now(), clock.real)
            repo.set_setting(db, "clock_now_utc", to_text(clock.now()))
        run = Run(db, clock, target, report, held=held)
        while run.batch():
            pass
        if inspect is not None:
            inspect(db)
    return report
