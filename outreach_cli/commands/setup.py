"""init, seats, contract, clock."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import render
from ._common import DbOption, JsonOption, run

seats_app = typer.Typer(help="Manage seats (recruiter licences).", no_args_is_help=True)
contract_app = typer.Typer(help="Contract settings: pool, limits, follow-ups, refresh day.",
                           no_args_is_help=True)
clock_app = typer.Typer(help="Show or set the clock (simulated or system).", invoke_without_command=True)

Plan = Annotated[Optional[str], typer.Option("--plan", help="recruiter or lite.")]
Zone = Annotated[Optional[str], typer.Option("--tz", help="IANA time zone, e.g. Europe/Paris.")]
Credits = Annotated[Optional[int], typer.Option("--credits", help="Credits to grant now (default: the plan's "
                                                                  "monthly allotment).")]
DailyLimit = Annotated[Optional[int], typer.Option("--daily-limit", help="Messages the seat may send per day.")]
FromAddress = Annotated[Optional[str], typer.Option("--from", help='Sender address for email transports, e.g. '
                                                                   '"Ada Lovelace <ada@example.com>".')]


def init(
    seat: Annotated[str, typer.Option("--seat", help="Name of the first (default) seat.")] = "me",
    plan: Annotated[str, typer.Option("--plan", help="recruiter or lite.")] = "recruiter",
    tz: Zone = None, credits: Credits = None,
    daily_limit: Annotated[int, typer.Option("--daily-limit", help="Messages per day.")] = 100,
    simulated_clock: Annotated[Optional[str], typer.Option(
        "--simulated-clock", help="Start a simulated clock at WHEN; `tick` then moves it.")] = None,
    db: DbOption = None, json: JsonOption = False,
):
    """Create the database with its first (default) seat."""
    from ..services.setup import init as do_init
    run(db, json, lambda path, clock: do_init(path, seat=seat, plan=plan, tz=tz, credits=credits, daily_limit=daily_limit,
                                              simulated_clock=simulated_clock, clock=clock),
        render.init_result, opened=False)


@seats_app.command("add")
def seats_add(name: str, plan: Annotated[str, typer.Option("--plan", help="recruiter or lite.")] = "recruiter",
              tz: Zone = None, credits: Credits = None,
              daily_limit: Annotated[int, typer.Option("--daily-limit", help="Messages per day.")] = 100,
              from_address: FromAddress = None, db: DbOption = None, json: JsonOption = False):
    """Add a seat."""
    from ..services.setup import add_seat
    run(db, json, lambda d, clock: add_seat(d, name=name, plan=plan, tz=tz, credits=credits, daily_limit=daily_limit,
                                              from_address=from_address, clock=clock), render.seat)


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


SignatureFile = Annotated[Optional[Path], typer.Option("--signature-file", help="A signature added to every message "
                                                                            "after a '-- ' line (- for standard "
                                                                            "input).", allow_dash=True)]
NoSignature = Annotated[bool, typer.Option("--no-signature", help="Remove the seat's signature.")]
ListUnsubscribe = Annotated[Optional[bool], typer.Option("--list-unsubscribe/--no-list-unsubscribe",
                                                         help="Add a List-Unsubscribe (mailto) header to its email.",
                                                         show_default=False)]


@seats_app.command("set")
def seats_set(name: str, tz: Zone = None, daily_limit: DailyLimit = None, plan: Plan = None,
              from_address: FromAddress = None, signature_file: SignatureFile = None,
              no_signature: NoSignature = False, list_unsubscribe: ListUnsubscribe = None,
              window: Annotated[Optional[str], typer.Option("--window", help='Send window in the recipient\'s '
                                                            'local time, e.g. "Mon-Fri 08:30-17:30".')] = None,
              no_window: Annotated[bool, typer.Option("--no-window", help="Remove the send window.")] = False,
              holidays: Annotated[Optional[bool], typer.Option("--holidays/--no-holidays", help="Close public "
                                                               "holidays of the candidate's country.")] = None,
              max_per_hour: Annotated[Optional[int], typer.Option("--max-per-hour", help="Pace: messages per "
                                                                  "hour at most.")] = None,
              catch_up: Annotated[Optional[int], typer.Option("--catch-up", metavar="HOURS", help="Lateness "
                                                              "that counts as a catch-up (default 12).")] = None,
              also_from: Annotated[Optional[str], typer.Option(
                  "--also-from", metavar="ADDR", help="Another address the seat sends from: mail from it is never "
                                                      "a candidate's answer.")] = None,
              role: Annotated[Optional[str], typer.Option("--role", help="PostgreSQL: the database role that alone "
                                                          "acts for the seat (the admin's to set).")] = None,
              no_role: Annotated[bool, typer.Option("--no-role", help="PostgreSQL: unbind the seat from its "
                                                    "role.")] = False,
              db: DbOption = None, json: JsonOption = False):
    """Change a seat's zone, daily limit, plan, sender address, signature, List-Unsubscribe header, window,
    holidays, pace, catch-up or other sending addresses."""
    from ..services.setup import set_seat
    run(db, json, lambda d, clock: set_seat(d, name=name, tz=tz, daily_limit=daily_limit, plan=plan,
                                              from_address=from_address, signature_file=signature_file,
                                              no_signature=no_signature, list_unsubscribe=list_unsubscribe,
                                              window=window, no_window=no_window,
                                              holidays=holidays, max_per_hour=max_per_hour, catch_up=catch_up,
                                              also_from=also_from, role=role, no_role=no_role, clock=clock),
        render.seat)


@seats_app.command("grant")
def seats_grant(name: str, credits: Annotated[str, typer.Argument(metavar="N", help="Credits to add: 0 to 1,000,000,000.")],
                db: DbOption = None, json: JsonOption = False):
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


@contract_app.command("show")
def contract_show(db: DbOption = None, json: JsonOption = False):
    """Show the contract."""
    from ..services.setup import contract_show as show
    run(db, json, lambda d, clock: show(d), render.contract)


@contract_app.command("set")
def contract_set(
    pool: Annotated[Optional[int], typer.Option("--pool", help="Set the contract pool to N credits.")] = None,
    monthly_limit: Annotated[Optional[int], typer.Option("--monthly-limit", help="Admin monthly limit for --for.")] = None,
    no_monthly_limit: Annotated[bool, typer.Option("--no-monthly-limit", help="Remove --for's monthly limit.")] = False,
    for_seat: Annotated[Optional[str], typer.Option("--for", help="The seat a monthly limit applies to.")] = None,
    followups: Annotated[Optional[str], typer.Option("--followups", help="on or off: automated follow-ups.")] = None,
    refresh_day: Annotated[Optional[int], typer.Option("--refresh-day", help="Day of the month credits refresh.")] = None,
    admin: Annotated[Optional[str], typer.Option("--admin", metavar="ROLE", help="PostgreSQL: the database role that "
                                                 "alone changes the contract, grants credits, restricts seats.")] = None,
    no_admin: Annotated[bool, typer.Option("--no-admin", help="PostgreSQL: name no admin role (the owner's "
                                           "again).")] = False,
    db: DbOption = None, json: JsonOption = False,
):
    """Change contract settings."""
    from ..services.setup import contract_set as do_set
    run(db, json, lambda d, clock: do_set(d, pool=pool, monthly_limit=monthly_limit, no_monthly_limit=no_monthly_limit,
                                            for_seat=for_seat, followups=followups, refresh_day=refresh_day,
                                            admin=admin, no_admin=no_admin, clock=clock),
        render.contract)


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
def clock_set(when: str,
              simulate: Annotated[bool, typer.Option("--simulate", help="Switch a system-clock database to a "
                                                                        "simulated clock (cron then sends nothing).")] = False,
              db: DbOption = None, json: JsonOption = False):
    """Move a simulated clock forward to WHEN when nothing is due before it (K8)."""
    from ..services.setup import clock_set as do_set
    run(db, json, lambda d, clock: do_set(d, when=when, simulate=simulate, clock=clock), render.clock)


@clock_app.command("system")
def clock_system(db: DbOption = None, json: JsonOption = False):
    """Switch to the real clock (unless the simulated one is ahead of it)."""
    from ..services.setup import clock_system as do_system
    run(db, json, lambda d, clock: do_system(d, clock=clock), render.clock)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(seats_app, name="seats")
    app.add_typer(contract_app, name="contract")
    app.add_typer(clock_app, name="clock")
