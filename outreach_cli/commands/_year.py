"""Tell the renderer the clock's year, so message times show a year only when it is not the current one."""
from __future__ import annotations

from typing import Callable

from .. import render


def showing_year(action: Callable) -> Callable:
    def with_year(db, clock):
        render.remember_year(clock.now().year)
        return action(db, clock)
    return with_year
