"""tick: send what is due, settle credits, move a simulated clock."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DbOption, JsonOption, run


def tick(
    to: Annotated[str | None, typer.Option("--to", help="Move a simulated clock to WHEN.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Move a simulated clock by 30m, 2h, 3d, 1w...")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would happen; change nothing.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Send what is due and settle credits. Also cancels what may not be sent and applies refreshes."""
    from ..services.tick import tick as do_tick

    run(db, json, lambda d, clock: do_tick(d, to=to, by=by, dry_run=dry_run, clock=clock), _show)


def _show(result) -> None:
    """The human output; render (and Rich) is imported only when a human reads it, not for cron's --json."""
    from .. import render

    render.tick_result(result)


def register(app: typer.Typer) -> None:
    app.command("tick")(tick)
