"""agenda: the seat's coming days (K2, C9)."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, SeatOption, run
from ._year import showing_year


def agenda(
    days: Annotated[str, typer.Option("--days", metavar="N", help="How many days, from today (1 to 366).")] = "7",
    seat: SeatOption = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Messages due per day against the limit.

    The coming days in the seat's zone: initials and follow-ups due, how many the daily limit (K2) would
    cancel, and the monthly refresh day."""
    from ..services.agenda import agenda as do_agenda

    run(db, json, *showing_year(lambda d, clock: do_agenda(d, seat_name=seat, days=days, clock=clock), render.agenda))


def register(app: typer.Typer) -> None:
    app.command("agenda")(agenda)
