"""Where a tick goes and the clock it moves (K6, K8, K5's resumed target, D20's warning)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ... import repo
from ...clock import Clock, SystemClock
from ...errors import INVALID_INPUT, INVALID_STATE, INVALID_TIME, refuse
from ...timeparse import from_text, get_zone, parse_duration, parse_when, shift, to_text
from ..common import acting_seat

if TYPE_CHECKING:
    from ...db import Database
    from .report import TickReport

PENDING = "tick_target_utc"  # the target of a tick under way on a simulated clock, kept until it is reached (K5)
CLOCK_BEHIND_NOTED = "clock_behind_noted_utc"


def resolve_target(db: Database, clock: Clock, to: str | None, by: str | None) -> datetime:
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
    pending = repo.find_setting(db, PENDING) if to is None and by is None else None
    if pending and from_text(pending) > target:
        target = from_text(pending)  # a plain tick finishes the work of a tick that was killed (K5)
    return target


def advance_clock(db: Database, clock: Clock, moment_text: str) -> str | None:
    """Move a simulated clock forward to `moment_text` (never back, K8); the one place a tick moves it. Returns
    the simulated clock's now afterwards."""
    if clock.simulated:
        current = repo.find_setting(db, "clock_now_utc")
        if moment_text > current:
            repo.set_setting(db, "clock_now_utc", moment_text)
            return moment_text
        return current
    return None


def finish(db: Database, clock: Clock, target: datetime) -> None:
    """The tick reached its target: the clock is there, and no target is pending any more."""
    advance_clock(db, clock, to_text(target))
    repo.delete_setting(db, PENDING)


def warn_if_left_behind(db: Database, clock: Clock, target: datetime, report: TickReport) -> None:
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


def warn_if_clock_behind(db: Database, clock: Clock, report: TickReport) -> None:
    """D20: once per episode, the tick says the machine's clock is behind the latest instant the database recorded
    (the latest noted is kept, so the next ticks of the same episode say nothing). Costs nothing when it is not."""
    if clock.simulated or not isinstance(clock, SystemClock) or not clock.behind() or clock.floor is None:
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
