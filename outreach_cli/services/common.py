"""Helpers every service shares: one transaction per use case, the clock, the acting seat."""
from __future__ import annotations

import functools

from ..clock import Clock
from ..repo import get_setting, seat_by_name, seat_by_id
from ..timeparse import from_text


def load_clock(db) -> Clock:
    mode = get_setting(db, "clock_mode", "system")
    return Clock(mode, from_text(get_setting(db, "clock_now_utc")) if mode == "simulated" else None)


def acting_seat(db, name: str | None):
    """`--seat NAME`, else the default seat (the one `init` created)."""
    if name:
        return seat_by_name(db, name)
    return seat_by_id(db, int(get_setting(db, "default_seat_id")))


def use_case(service):
    """Run a service that changes state as one transaction (STYLE.md): its reads and checks happen under
    the same write lock as its writes, so two processes racing on one message, thread or draft act once."""
    @functools.wraps(service)
    def in_one_transaction(db, *args, **kwargs):
        with db.transaction():
            return service(db, *args, **kwargs)
    return in_one_transaction
