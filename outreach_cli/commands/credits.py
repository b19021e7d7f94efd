"""credits: the seat's credits and the contract pool, with their ledger."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, SeatOption, run


def credits(
    ledger: Annotated[bool, typer.Option("--ledger", help="Also list the ledger rows.")] = False,
    contract: Annotated[
        bool, typer.Option("--contract", help="With --ledger: the contract pool's rows instead of the seat's.")
    ] = False,
    seat: SeatOption = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Show the seat's credits and the contract pool."""
    from ..services.views import credits as do_credits

    run(
        db,
        json,
        lambda d, clock: do_credits(d, seat_name=seat, ledger=ledger or contract, contract=contract),
        render.credits,
    )


def register(app: typer.Typer) -> None:
    app.command("credits")(credits)
