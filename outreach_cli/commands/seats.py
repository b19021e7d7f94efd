"""seats: add, list, show, set, grant, restrict and unrestrict seats (recruiter licences)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import render
from ._common import Credits, DbOption, JsonOption, Zone, run

seats_app = typer.Typer(help="Manage seats (recruiter licences).", no_args_is_help=True)

Plan = Annotated[str | None, typer.Option("--plan", help="recruiter or lite.")]
DailyLimit = Annotated[int | None, typer.Option("--daily-limit", help="Messages the seat may send per day.")]
FromAddress = Annotated[
    str | None,
    typer.Option("--from", help='Sender address for email transports, e.g. "Ada Lovelace <ada@example.com>".'),
]


@seats_app.command("add")
def seats_add(
    name: str,
    plan: Annotated[str, typer.Option("--plan", help="recruiter or lite.")] = "recruiter",
    tz: Zone = None,
    credits: Credits = None,
    daily_limit: Annotated[int, typer.Option("--daily-limit", help="Messages per day.")] = 100,
    from_address: FromAddress = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Add a seat."""
    from ..services.setup import add_seat

    run(
        db,
        json,
        lambda d, clock: add_seat(
            d,
            name=name,
            plan=plan,
            tz=tz,
            credits=credits,
            daily_limit=daily_limit,
            from_address=from_address,
            clock=clock,
        ),
        render.seat,
    )


@seats_app.command("list")
def seats_list(db: DbOption = None, json: JsonOption = False):
    """List the seats."""
    from ..services.setup import list_seats

    run(db, json, lambda d, clock: list_seats(d), render.seats)


@seats_app.command("show")
def seats_show(name: str, db: DbOption = None, json: JsonOption = False):
    """Show one seat."""
    from ..services.setup import show_seat

    run(db, json, lambda d, clock: show_seat(d, name=name), render.seat)


SignatureFile = Annotated[
    Path | None,
    typer.Option(
        "--signature-file",
        help="A signature added to every message after a '-- ' line (- for standard input).",
        allow_dash=True,
    ),
]
NoSignature = Annotated[bool, typer.Option("--no-signature", help="Remove the seat's signature.")]
ListUnsubscribe = Annotated[
    bool | None,
    typer.Option(
        "--list-unsubscribe/--no-list-unsubscribe",
        help="Add a List-Unsubscribe (mailto) header to its email.",
        show_default=False,
    ),
]


@seats_app.command("set")
def seats_set(
    name: str,
    tz: Zone = None,
    daily_limit: DailyLimit = None,
    plan: Plan = None,
    from_address: FromAddress = None,
    signature_file: SignatureFile = None,
    no_signature: NoSignature = False,
    list_unsubscribe: ListUnsubscribe = None,
    window: Annotated[
        str | None,
        typer.Option("--window", help='Send window in the recipient\'s local time, e.g. "Mon-Fri 08:30-17:30".'),
    ] = None,
    no_window: Annotated[bool, typer.Option("--no-window", help="Remove the send window.")] = False,
    holidays: Annotated[
        bool | None, typer.Option("--holidays/--no-holidays", help="Close public holidays of the candidate's country.")
    ] = None,
    max_per_hour: Annotated[int | None, typer.Option("--max-per-hour", help="Pace: messages per hour at most.")] = None,
    catch_up: Annotated[
        int | None, typer.Option("--catch-up", metavar="HOURS", help="Lateness that counts as a catch-up (default 12).")
    ] = None,
    also_from: Annotated[
        str | None,
        typer.Option(
            "--also-from",
            metavar="ADDR",
            help="Another address the seat sends from: mail from it is never a candidate's answer.",
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="PostgreSQL: the database role that alone acts for the seat (the admin's to set)."),
    ] = None,
    no_role: Annotated[bool, typer.Option("--no-role", help="PostgreSQL: unbind the seat from its role.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Change a seat's zone, daily limit, plan, sender address, signature, List-Unsubscribe header, window,
    holidays, pace, catch-up or other sending addresses."""
    from ..services.setup import set_seat

    run(
        db,
        json,
        lambda d, clock: set_seat(
            d,
            name=name,
            tz=tz,
            daily_limit=daily_limit,
            plan=plan,
            from_address=from_address,
            signature_file=signature_file,
            no_signature=no_signature,
            list_unsubscribe=list_unsubscribe,
            window=window,
            no_window=no_window,
            holidays=holidays,
            max_per_hour=max_per_hour,
            catch_up=catch_up,
            also_from=also_from,
            role=role,
            no_role=no_role,
            clock=clock,
        ),
        render.seat,
    )


@seats_app.command("grant")
def seats_grant(
    name: str,
    credits: Annotated[str, typer.Argument(metavar="N", help="Credits to add: 0 to 1,000,000,000.")],
    db: DbOption = None,
    json: JsonOption = False,
):
    """Add credits to a seat (a `grant` row in the ledger, C10)."""
    from ..services.setup import grant_seat

    run(db, json, lambda d, clock: grant_seat(d, name=name, amount=credits, clock=clock), render.seat)


@seats_app.command("restrict")
def seats_restrict(name: str, db: DbOption = None, json: JsonOption = False):
    """Flag a seat: it sends nothing and cannot schedule (K3)."""
    from ..services.setup import restrict_seat

    run(db, json, lambda d, clock: restrict_seat(d, name=name, restricted=True), render.seat)


@seats_app.command("unrestrict")
def seats_unrestrict(name: str, db: DbOption = None, json: JsonOption = False):
    """Lift a seat's restriction."""
    from ..services.setup import restrict_seat

    run(db, json, lambda d, clock: restrict_seat(d, name=name, restricted=False), render.seat)


def register(app: typer.Typer) -> None:
    app.add_typer(seats_app, name="seats")
