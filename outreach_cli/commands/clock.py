"""clock: show the clock, move a simulated one, or switch to the system clock."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, run

clock_app = typer.Typer(help="Show or set the clock (simulated or system).", invoke_without_command=True)


@clock_app.callback()
def clock_main(ctx: typer.Context, db: DbOption = None, json: JsonOption = False):
    """Show the clock; `clock set WHEN` moves a simulated clock, `clock system` uses the real one."""
    if ctx.invoked_subcommand is None:
        from ..services.setup import clock_state

        run(db, json, lambda d, clock: clock_state(d, clock=clock), render.clock)


@clock_app.command("show")
def clock_show(db: DbOption = None, json: JsonOption = False):
    """Show the clock."""
    from ..services.setup import clock_state

    run(db, json, lambda d, clock: clock_state(d, clock=clock), render.clock)


@clock_app.command("set")
def clock_set(
    when: str,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate", help="Switch a system-clock database to a simulated clock (cron then sends nothing)."
        ),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Move a simulated clock forward to WHEN when nothing is due before it (K8)."""
    from ..services.setup import clock_set as do_set

    run(db, json, lambda d, clock: do_set(d, when=when, simulate=simulate, clock=clock), render.clock)


@clock_app.command("system")
def clock_system(db: DbOption = None, json: JsonOption = False):
    """Switch to the real clock (unless the simulated one is ahead of it)."""
    from ..services.setup import clock_system as do_system

    run(db, json, lambda d, clock: do_system(d, clock=clock), render.clock)


def register(app: typer.Typer) -> None:
    app.add_typer(clock_app, name="clock")
