"""The clock handed to every service, and the only module that reads the wall clock.

A clock is anything with `now()` (an aware UTC datetime, whole seconds) and `simulated` (a bool): a
`SystemClock` reads the real time; a `SimulatedClock` is the time a simulated database has reached, or
any time a test chooses. `commands/_common.run` builds one per command (`services.common.load_clock`)
and passes it down as the keyword `clock`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What a service may ask of the time. `real` is the real time that claims use (D5), handed in with the
    clock so that no service reads the wall clock itself and a test can choose the real time too."""

    @property
    def simulated(self) -> bool: ...

    @property
    def real(self) -> Clock: ...

    @property
    def mode(self) -> str: ...  # its stored name: "system" or "simulated"

    def now(self) -> datetime: ...


def wall_now() -> datetime:
    """The real time, UTC, whole seconds (also for records that never follow a simulated clock, such as the
    time a migration was applied)."""
    return datetime.now(UTC).replace(microsecond=0)


class SystemClock:
    simulated = False
    mode = "system"
    offset: timedelta | None = None  # P4: on PostgreSQL, how far the database server's clock is ahead of this machine's
    floor: datetime | None = None  # D20: the latest instant the database recorded; now never goes behind it

    @property
    def real(self) -> SystemClock:
        return self

    def follow(self, server_now: datetime | None) -> None:
        """P4: read the real time as the database server's (every machine's claims then agree)."""
        if server_now is not None:
            self.offset = server_now - datetime.now(UTC)

    def hold_at(self, latest: datetime | None) -> None:
        """D20: never read a time before `latest`, an instant the database already recorded (after a clock
        corrected backwards, now stays there until the machine's clock catches up)."""
        self.floor = latest

    def machine_now(self) -> datetime:
        """The machine's (or, P4, the database server's) time, before D20's floor."""
        if self.offset is not None:
            return (datetime.now(UTC) + self.offset).replace(microsecond=0)
        return wall_now()

    def behind(self) -> bool:
        """D20: whether the machine's clock is behind the latest instant the database recorded."""
        return self.floor is not None and self.machine_now() < self.floor

    def now(self) -> datetime:
        now = self.machine_now()
        return self.floor if self.floor is not None and now < self.floor else now

    def __repr__(self) -> str:
        return "SystemClock()"


class SimulatedClock:
    simulated = True
    mode = "simulated"

    def __init__(self, at: datetime, real: Clock | None = None) -> None:
        self.at = at
        self.real = real if real is not None else SystemClock()

    def now(self) -> datetime:
        return self.at

    def __repr__(self) -> str:
        return f"SimulatedClock({self.at!r})"


class DamagedClock:
    """The clock of a file whose clock setting could not be read (L10): it refuses when asked, so commands that
    never need the time still run, and `doctor` reports the damage instead of stopping on it."""

    def __init__(self, error: Exception, real: SystemClock | None = None) -> None:
        self.error = error
        self._real = real if real is not None else SystemClock()

    def now(self) -> datetime:
        raise self.error

    @property
    def simulated(self) -> bool:
        raise self.error

    @property
    def mode(self) -> str:
        raise self.error

    @property
    def real(self) -> SystemClock:
        return self._real


def make_clock(
    mode: str, simulated_now: datetime | None = None, real: SystemClock | None = None
) -> SystemClock | SimulatedClock:
    """A clock by its stored mode name; `real` is the one real clock of the command (`run` builds it)."""
    real = real if real is not None else SystemClock()
    if mode != "simulated":
        return real
    if simulated_now is None:
        raise ValueError("a simulated clock needs the time it has reached")
    return SimulatedClock(simulated_now, real)
