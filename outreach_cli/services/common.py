"""Helpers every service shares: one transaction per use case, the clock, the acting seat."""
from __future__ import annotations

import functools

from ..clock import Clock, make_clock
from ..errors import refuse
from ..repo import get_setting, seat_by_name, seat_by_id
from ..timeparse import from_text


def load_clock(db) -> Clock:
    """The clock `init` recorded. A missing or unreadable setting means a damaged file (L10): guessing the
    system clock instead would run a simulated clock backwards, so it is refused."""
    mode = get_setting(db, "clock_mode")
    now = get_setting(db, "clock_now_utc") if mode == "simulated" else None
    try:
        simulated_now = from_text(now) if mode == "simulated" else None
    except (TypeError, ValueError):
        simulated_now = None
    if mode not in ("simulated", "system") or (mode == "simulated" and simulated_now is None):
        raise refuse("database_error", f"The clock setting in {db.path} is missing or damaged, so the file is "
                                       "damaged; run `outreach doctor` and restore a backup.")
    return make_clock(mode, simulated_now)


def acting_seat(db, name: str | None):
    """`--seat NAME`, else the default seat (the one `init` created)."""
    if name:
        return seat_by_name(db, name)
    try:
        seat = seat_by_id(db, int(get_setting(db, "default_seat_id")))
    except (TypeError, ValueError):
        seat = None
    if seat is None:  # init always records it: a missing one means a damaged file (L10), not a guess
        raise refuse("database_error", f"The default seat setting in {db.path} is missing or damaged, so the file "
                                       "is damaged; run `outreach doctor` and restore a backup.")
    return seat


def use_case(service):
    """Run a service that changes state as one transaction (STYLE.md): its reads and checks happen under
    the same write lock as its writes, so two processes racing on one message, thread or draft act once."""
    @functools.wraps(service)
    def in_one_transaction(db, *args, **kwargs):
        with db.transaction():
            return service(db, *args, **kwargs)
    return in_one_transaction
