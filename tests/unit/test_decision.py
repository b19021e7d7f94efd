"""The tick's decisions without a database (services/decision.py): rows built by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outreach_cli.services import decision
from outreach_cli.transports import Accepted, Permanent, Temporary, Unknown

SEAT = {"id": 1, "plan": "recruiter", "restricted": 0, "daily_limit": 100}
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def row(**fields):
    base = {
        "id": 1,
        "thread_id": 1,
        "kind": "initial",
        "seat_id": 1,
        "due_at": "2026-12-01T09:00:00Z",
        "paid_by": "seat",
        "credit": "charged",
        "response_kind": None,
        "opted_out": 0,
        "removed": 0,
        "out_of_network": 0,
        "other_id": 2,
        "other_status": "scheduled",
        "other_delay": 72,
        "other_send_at": "2026-12-04T09:00:00Z",
        "other_paid_by": "seat",
        "other_credit": "charged",
    }
    base.update(fields)
    return base


def decide(message, seat=SEAT, **kw):
    options = dict(followups_on=True, initial_status=None, sent_today=0)
    options.update(kw)
    return decision.decide(message, seat, **options)


def test_K1_a_due_initial_is_sent():
    assert decide(row()) == decision.Decision("send")


@pytest.mark.parametrize(
    "change, seat_change, reason",
    [
        ({"opted_out": 1}, {}, "recipient_unavailable"),
        ({"removed": 1}, {}, "recipient_unavailable"),
        ({"out_of_network": 1}, {"plan": "lite"}, "recipient_unavailable"),
        ({}, {"restricted": 1}, "sender_restricted"),
    ],
)
def test_K3_K4_L6_unavailable_or_restricted_is_canceled(change, seat_change, reason):
    assert decide(row(**change), {**SEAT, **seat_change}) == decision.Decision("cancel", reason)


def test_K2_D7_daily_limit_counts_sent_and_sending():
    assert decide(row(), {**SEAT, "daily_limit": 3}, sent_today=2).action == "send"
    assert decide(row(), {**SEAT, "daily_limit": 3}, sent_today=3) == decision.Decision("cancel", "daily_limit")


@pytest.mark.parametrize(
    "change, kw, seat_change, reason",
    [
        ({"response_kind": "accept"}, {"initial_status": "sent"}, {}, "responded"),
        ({}, {"initial_status": "canceled"}, {}, "initial_not_sent"),
        ({}, {"initial_status": "failed"}, {}, "initial_not_sent"),
        ({}, {"initial_status": "sent", "followups_on": False}, {}, "automation_disabled"),
        ({}, {"initial_status": "sent"}, {"plan": "lite"}, "followup_not_available"),
    ],
)
def test_F4_F5_F6_L6_followup_cancels(change, kw, seat_change, reason):
    followup = row(id=2, kind="followup", other_id=1, **change)
    assert decide(followup, {**SEAT, **seat_change}, **kw) == decision.Decision("cancel", reason)


def test_F4_followup_goes_when_initial_sent_and_no_response():
    assert decide(row(id=2, kind="followup", other_id=1), initial_status="sent").action == "send"


@pytest.mark.parametrize("initial_status", ["sending", "unknown"])
def test_D5_followup_waits_while_its_initial_is_in_flight_or_unknown(initial_status):
    assert decide(row(id=2, kind="followup", other_id=1), initial_status=initial_status).action == "hold"


def test_I2_held_seat_followups_are_not_due_but_initials_go():
    held = frozenset({1})
    assert decide(row(id=2, kind="followup", other_id=1), initial_status="sent", held_seats=held).action == "hold"
    assert decide(row(), held_seats=held).action == "send"


def test_F5_C5_cancel_takes_the_scheduled_followup_once():
    initial = {"id": 1, "kind": "initial"}
    assert decision.cancellations(initial, "daily_limit", {"id": 2, "status": "scheduled"}) == [
        ("daily_limit", 1),
        ("initial_not_sent", 2),
    ]
    assert decision.cancellations(initial, "canceled", {"id": 2, "status": "sent"}) == [("canceled", 1)]
    assert decision.cancellations({"id": 2, "kind": "followup"}, "canceled", None) == [("canceled", 2)]


def test_F3_followup_moves_from_the_actual_sent_time():
    assert decision.moved_followup("2026-12-01T10:30:00Z", 72, "2026-12-04T09:00:00Z") == "2026-12-04T10:30:00Z"
    assert decision.moved_followup("2026-12-01T09:00:00Z", 72, "2026-12-04T09:00:00Z") is None


def test_D5_retry_gaps_then_four_hours_each():
    assert [decision.retry_gap(n) for n in range(1, 8)] == [
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
    ] + [timedelta(hours=4)] * 4


def test_D5_outcomes_settle_the_message():
    first = T0
    assert decision.settle(Accepted("q1"), attempts=1, first_attempt=first, attempt_at=first).status == "sent"
    retry = decision.settle(Temporary("451 busy"), attempts=1, first_attempt=first, attempt_at=first)
    assert (retry.status, retry.retry_at, retry.failure) == ("scheduled", "2026-12-01T09:05:00Z", "451 busy")
    late = decision.settle(
        Temporary("451 busy"), attempts=9, first_attempt=first, attempt_at=first + timedelta(hours=24)
    )
    assert late.status == "failed" and late.failure.startswith("451 busy")
    just_before = decision.settle(
        Temporary("451"), attempts=9, first_attempt=first, attempt_at=first + timedelta(hours=23, minutes=59)
    )
    assert just_before.status == "scheduled"
    assert decision.settle(Permanent("550 no"), attempts=1, first_attempt=first, attempt_at=first) == decision.Settled(
        "failed", failure="550 no"
    )
    assert decision.settle(Unknown("lost"), attempts=1, first_attempt=first, attempt_at=first).status == "unknown"
