"""stats: sent, responses, response rate and credits, per period or by local hour."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, SeatOption, run


def stats(
    since: Annotated[str | None, typer.Option("--since", help="Start of the period.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="End of the period.")] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="week or month: the figures per period; hour: the response rate by local weekday and hour."
        ),
    ] = None,
    seat: SeatOption = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Show sent, responses, response rate and credits.

    With --by week or --by month, the same figures per period, with a bar chart."""
    if by is not None and by.strip().lower() == "hour":  # W6
        from ..services.best import stats_by_hour

        run(db, json, lambda d, clock: stats_by_hour(d, seat_name=seat), render.stats_by_hour)
        return
    if by is not None:
        from ..services.views import stats_by

        run(
            db,
            json,
            lambda d, clock: stats_by(d, seat_name=seat, by=by, since=since, until=until, clock=clock),
            render.stats_by,
        )
        return
    from ..services.views import stats as do_stats

    run(db, json, lambda d, clock: do_stats(d, seat_name=seat, since=since, until=until, clock=clock), render.stats)


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
