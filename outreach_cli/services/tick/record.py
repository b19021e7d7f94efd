"""The record (D5's fourth step): the outcome of each attempt, written in the transaction that also claims the
next messages (D5, D7, D12, D18). It writes through the run's state: a seat that must attempt nothing more is
added to `run.paused`, and `run.keep` is cleared whenever K2's counts may have changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import repo
from ...repo import delivery as repo_delivery
from ...timeparse import from_text
from .. import decision
from ..followups import move_followup
from ..placement import place_retry

if TYPE_CHECKING:
    from .batch import Run
    from .senders import Attempted, Claim


def record_attempts(run: Run, attempted: Attempted) -> None:
    """The outcome of each attempt (D5): sent, a retry (placed by the window, W2), failed (refunded, C6) or
    unknown; a configuration error is no attempt (D12)."""
    from ...transports import Accepted, NotConfigured, Temporary  # loaded already: an attempt was made

    db, report = run.db, run.report
    sent: list[tuple[str, str | None, int]] = []
    retries: list[tuple[str, str, int]] = []
    failed: list[tuple[str, int]] = []
    unknown: list[tuple[str, int]] = []
    refunds: list[Claim] = []
    held: list[tuple[str, int]] = []
    for claim, outcome, accepted_at in attempted:
        if isinstance(outcome, NotConfigured):  # D12: not attempted; the seat waits for the fix
            held.append((outcome.reason, claim.row["id"]))
            _pause(run, claim, "held", outcome.reason)
            continue
        if isinstance(outcome, Temporary) and outcome.setup:  # D18: unreachable, TLS, certificate or login: say so
            _note(run, claim, "setup", outcome.reason)
        settled = decision.settle(
            outcome,
            attempts=claim.attempts,
            attempt_at=from_text(claim.attempt_at),
            first_attempt=from_text(claim.first_attempt or claim.attempt_at),
        )
        mid = claim.row["id"]
        if settled.status == "sent":
            assert accepted_at is not None  # None only for a message that could not be built, and that failed
            if not _same_day(run, claim, accepted_at):
                run.keep = False  # K2's counts change otherwise: read them again at the next batch
            sent.append((accepted_at, outcome.transport_id if isinstance(outcome, Accepted) else None, mid))
            report["sent"].append(mid)
            report["delivered"] += 1
            continue
        run.keep = False
        failure = settled.failure or ""  # every outcome but Accepted carries its reason
        if settled.status == "scheduled":  # W2: a retry waits for the seat's window
            assert settled.retry_at is not None  # decision.settle gives every retry its moment
            retry_at = place_retry(db, run.seats[claim.seat_id], claim.row, settled.retry_at, report)
            retries.append((retry_at, failure, mid))
            report["retrying"].append(mid)
        elif settled.status == "failed":
            failed.append((failure, mid))
            report["failed"].append({"id": mid, "failure": failure})
            refunds.append(claim)
        else:
            unknown.append((failure, mid))
            report["unknown"].append(mid)
            cls = run.senders.cls(claim.seat_id) if run.senders is not None else None
            if cls is not None and cls.pauses_on_unknown:
                _pause(run, claim, "hung", failure)  # D18: one time-out and one unknown, not one each
    _write(run, sent, retries, failed, unknown, held)
    for reason, mid in held:
        seat_id = next(c.seat_id for c, _o, _a in attempted if c.row["id"] == mid)
        repo_delivery.hold_due(db, seat_id, reason, run.target_text)
    rows = {claim.row["id"]: claim.row for claim, _outcome, _at in attempted}
    for accepted_at, _tid, mid in sent:
        if rows[mid]["followup_id"] is not None:  # F3; a thread without a follow-up needs no read
            move_followup(db, rows[mid], accepted_at, report)
    for claim in refunds:
        _refund_failed(run, claim)


def _write(run: Run, sent: list, retries: list, failed: list, unknown: list, held: list) -> None:
    for write, rows in (
        (repo_delivery.record_sent, sent),
        (repo_delivery.record_retry, retries),
        (repo_delivery.record_failed, failed),
        (repo_delivery.record_unknown, unknown),
        (repo_delivery.record_held, held),
    ):
        if rows:
            write(run.db, rows)


def _pause(run: Run, claim: Claim, why: str, reason: str) -> None:
    """D12, D18: the seat attempts nothing more in this tick; its due messages stay scheduled."""
    run.paused.add(claim.seat_id)
    run.keep = False
    _note(run, claim, why, reason)


def _note(run: Run, claim: Claim, why: str, reason: str) -> None:
    """What the tick's stderr line says about a seat's transport (D12, D18), kept in the report as
    `delivery_problems: [{seat, problem, reason, ids}]` (one entry per seat and problem)."""
    seat = claim.row["seat"]
    for item in run.report.setdefault("delivery_problems", []):
        if item["seat"] == seat and item["problem"] == why:
            item["ids"].append(claim.row["id"])
            return
    run.report["delivery_problems"].append({"seat": seat, "problem": why, "reason": reason, "ids": [claim.row["id"]]})


def _same_day(run: Run, claim: Claim, accepted_at: str) -> bool:
    """Whether a message sent at `accepted_at` counts on the K2 day it was claimed for (on the system clock
    the acceptance may fall after the seat's midnight)."""
    due_text = claim.attempt_at if run.clock.simulated else run.tick_text
    _seat, start, end = run.day_key(claim.seat_id, due_text)
    return start <= accepted_at < end


def _refund_failed(run: Run, claim: Claim) -> None:
    """A failed message is refunded (C6); an initial's follow-up is canceled `initial_not_sent` and refunded."""
    from ..scheduling import refund_failed

    message = repo.find_message_row(run.db, claim.row["id"])
    run.report["refunded"] += refund_failed(run.db, message, claim.attempt_at, run.report["canceled"])
