"""contract: show and change the contract (pool, limits, follow-ups, refresh day, admin role)."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, run

contract_app = typer.Typer(help="Contract settings: pool, limits, follow-ups, refresh day.", no_args_is_help=True)


@contract_app.command("show")
def contract_show(db: DbOption = None, json: JsonOption = False):
    """Show the contract."""
    from ..services.setup import contract_show as show

    run(db, json, lambda d, clock: show(d), render.contract)


@contract_app.command("set")
def contract_set(
    pool: Annotated[int | None, typer.Option("--pool", help="Set the contract pool to N credits.")] = None,
    monthly_limit: Annotated[int | None, typer.Option("--monthly-limit", help="Admin monthly limit for --for.")] = None,
    no_monthly_limit: Annotated[bool, typer.Option("--no-monthly-limit", help="Remove --for's monthly limit.")] = False,
    for_seat: Annotated[str | None, typer.Option("--for", help="The seat a monthly limit applies to.")] = None,
    followups: Annotated[str | None, typer.Option("--followups", help="on or off: automated follow-ups.")] = None,
    refresh_day: Annotated[int | None, typer.Option("--refresh-day", help="Day of the month credits refresh.")] = None,
    admin: Annotated[
        str | None,
        typer.Option(
            "--admin",
            metavar="ROLE",
            help="PostgreSQL: the database role that alone changes the contract, grants credits, restricts seats.",
        ),
    ] = None,
    no_admin: Annotated[
        bool, typer.Option("--no-admin", help="PostgreSQL: name no admin role (the owner's again).")
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Change contract settings."""
    from ..services.setup import contract_set as do_set

    run(
        db,
        json,
        lambda d, clock: do_set(
            d,
            pool=pool,
            monthly_limit=monthly_limit,
            no_monthly_limit=no_monthly_limit,
            for_seat=for_seat,
            followups=followups,
            refresh_day=refresh_day,
            admin=admin,
            no_admin=no_admin,
            clock=clock,
        ),
        render.contract,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(contract_app, name="contract")
