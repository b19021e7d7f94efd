"""The clock's year for the renderer, so message times show a year only when it is not the current one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ShownYear:
    """One command's action and render, joined by the clock's year: the action reads the year from the clock
    it is handed, the render gets it as `year=`. The command's run owns the object; nothing is kept between runs."""

    def __init__(self, action: Callable[[Any, Any], Any], show: Callable[..., None]):
        self._action, self._show = action, show
        self.year: int | None = None

    def action(self, db: Any, clock: Any) -> Any:
        self.year = clock.now().year
        return self._action(db, clock)

    def show(self, result: Any) -> None:
        self._show(result, year=self.year)


def showing_year(action: Callable[[Any, Any], Any], show: Callable[..., None]) -> tuple[Callable, Callable]:
    """`run(db, json, *showing_year(action, render.thread))`: the action and the render for `run`."""
    shown = ShownYear(action, show)
    return shown.action, shown.show
