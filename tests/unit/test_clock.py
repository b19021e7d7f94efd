"""The clock handed in (STYLE.md): services are called with a clock a test constructs, no fake mode strings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outreach_cli.clock import DamagedClock, SimulatedClock, SystemClock, make_clock
from outreach_cli.errors import OutreachError
from outreach_cli.services import drafts, scheduling
from outreach_cli.services.common import load_clock

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_clocks_share_one_protocol():
    simulated, system = SimulatedClock(AT), SystemClock()
    assert simulated.now() == AT and simulated.simulated is True and simulated.mode == "simulated"
    assert system.simulated is False and system.mode == "system"
    assert system.now().tzinfo is not None and system.now().microsecond == 0
    for clock in (simulated, system):  # both satisfy the one protocol services are typed with
        assert isinstance(clock.simulated, bool) and callable(clock.now)


def test_L10_make_clock_never_builds_a_simulated_clock_without_its_time():
    """A simulated mode with no time reached is a damaged setting: no SimulatedClock whose now() is None."""
    real = SystemClock()
    assert make_clock("simulated", AT, real).now() == AT and make_clock("system", None, real) is real
    with pytest.raises(ValueError):
        make_clock("simulated", None, real)


def test_damaged_clock_refuses_when_asked():
    clock = DamagedClock(OutreachError("The clock setting is damaged.", "database_error"))
    for ask in (clock.now, lambda: clock.simulated):
        try:
            ask()
        except OutreachError as exc:
            assert exc.code == "database_error"
        else:
            raise AssertionError("a damaged clock answered")


def test_S1_services_take_the_clock_they_are_handed(world):
    """A draft composed, scheduled and answered with clocks the test builds: the times are theirs."""
    db = world.db()
    assert load_clock(db).simulated
    draft = drafts.compose(
        db, seat_name=None, handles=["grace"], subject="Hi", body="A role?", clock=SimulatedClock(AT)
    )
    assert db.value("SELECT created_utc FROM drafts WHERE id = ?", (draft["id"],)) == "2026-12-01T09:00:00Z"
    result = scheduling.schedule(db, draft_id=draft["id"], now_flag=True, clock=SimulatedClock(AT))
    thread = next(iter(result["threads"]))
    assert thread["messages"][0]["send_at"] == "2026-12-01T09:00:00Z"
    later = SimulatedClock(AT + timedelta(days=1))
    canceled = scheduling.cancel_thread(db, thread_id=thread["id"], clock=later)
    assert canceled.refunded == 1
    ledger = db.all("SELECT at_utc, reason FROM ledger WHERE message_id IS NOT NULL ORDER BY id")
    assert [tuple(r) for r in ledger] == [("2026-12-01T09:00:00Z", "charge"), ("2026-12-02T09:00:00Z", "refund")]
    db.close()
