"""Tell the renderer the clock's year, so message times show a year only when it is not the current one."""
from __future__ import annotations

from typing import Callable

from .. import render


def showing_year(action: Callable) -> Callable:
    def with_year(db):
        from ..services.common import load_clock
        render.remember_year(load_clock(db).now().year)
        return action(db)
    return with_year
