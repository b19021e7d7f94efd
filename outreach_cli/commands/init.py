"""init: create the database with its first (default) seat."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import render
from ._common import Credits, DbOption, JsonOption, Zone, run


def init(
    seat: Annotated[str, typer.Option("--seat", help="Name of the first (default) seat.")] = "me",
    plan: Annotated[str, typer.Option("--plan", help="recruiter or lite.")] = "recruiter",
    tz: Zone = None,
    credits: Credits = None,
    daily_limit: Annotated[int, typer.Option("--daily-limit", help="Messages per day.")] = 100,
    simulated_clock: Annotated[
        str | None, typer.Option("--simulated-clock", help="Start a simulated clock at WHEN; `tick` then moves it.")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Create the database with its first (default) seat."""
    from ..services.setup import init as do_init

    run(
        db,
        json,
        lambda path, clock: do_init(
            path,
            seat=seat,
            plan=plan,
            tz=tz,
            credits=credits,
            daily_limit=daily_limit,
            simulated_clock=simulated_clock,
            clock=clock,
        ),
        render.init_result,
        opened=False,
    )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
