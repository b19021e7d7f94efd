"""tick, inbox, credits, stats, doctor."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import render
from ._common import DbOption, JsonOption, SeatOption, run


def tick(to: Annotated[Optional[str], typer.Option("--to", help="Move a simulated clock to WHEN.")] = None,
         by: Annotated[Optional[str], typer.Option("--by", help="Move a simulated clock by 30m, 2h, 3d, 1w...")] = None,
         dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would happen; change nothing.")] = False,
         db: DbOption = None, json: JsonOption = False):
    """Send what is due and settle credits. Also cancels what may not be sent and applies refreshes."""
    from ..services.tick import tick as do_tick
    run(db, json, lambda d, clock: do_tick(d, to=to, by=by, dry_run=dry_run, clock=clock), render.tick_result)


def _complete_folder(incomplete: str) -> list[str]:
    """Shell completion for --folder (V1, D8), from the service's own list (imported only when completing)."""
    from ..services.views import FOLDERS
    return [name for name in FOLDERS if name.startswith(incomplete)]


def inbox(folder: Annotated[str, typer.Option("--folder", autocompletion=_complete_folder,
                                              help="drafts, scheduled, sent, awaiting-reply, attention, "
                                                   "responded or canceled.")] = "scheduled",
          seat: SeatOption = None, db: DbOption = None, json: JsonOption = False):
    """Show a folder of the seat's messages (or its drafts)."""
    from ..services.views import inbox as do_inbox
    from ._clock import showing_year

    def show(rows):
        if folder == "drafts":
            render.drafts(rows)
        else:
            render.messages(rows, folder.replace("-", " ").capitalize())
    run(db, json, showing_year(lambda d, clock: do_inbox(d, seat_name=seat, folder=folder)), show)


def credits(ledger: Annotated[bool, typer.Option("--ledger", help="Also list the ledger rows.")] = False,
            contract: Annotated[bool, typer.Option("--contract", help="With --ledger: the contract pool's rows "
                                                                      "instead of the seat's.")] = False,
            seat: SeatOption = None, db: DbOption = None, json: JsonOption = False):
    """Show the seat's credits and the contract pool."""
    from ..services.views import credits as do_credits
    run(db, json, lambda d, clock: do_credits(d, seat_name=seat, ledger=ledger or contract, contract=contract), render.credits)


def stats(since: Annotated[Optional[str], typer.Option("--since", help="Start of the period.")] = None,
          until: Annotated[Optional[str], typer.Option("--until", help="End of the period.")] = None,
          by: Annotated[Optional[str], typer.Option("--by", help="week or month: the figures per period; hour: "
                                                            "the response rate by local weekday and hour.")] = None,
          seat: SeatOption = None, db: DbOption = None, json: JsonOption = False):
    """Show sent, responses, response rate and credits.

    With --by week or --by month, the same figures per period, with a bar chart."""
    if by is not None and by.strip().lower() == "hour":  # W6
        from ..services.best import stats_by_hour
        run(db, json, lambda d, clock: stats_by_hour(d, seat_name=seat), render.stats_by_hour)
        return
    if by is not None:
        from ..services.views import stats_by
        run(db, json, lambda d, clock: stats_by(d, seat_name=seat, by=by, since=since, until=until, clock=clock),
            render.stats_by)
        return
    from ..services.views import stats as do_stats
    run(db, json, lambda d, clock: do_stats(d, seat_name=seat, since=since, until=until, clock=clock), render.stats)


def doctor(db: DbOption = None, json: JsonOption = False):
    """Check every invariant; exit 1 if anything is wrong."""
    from ..services.doctor import doctor_file
    run(db, json, lambda path, _clock: doctor_file(path), render.doctor, opened=False,
        failed=lambda result: not result["ok"])


def register(app: typer.Typer) -> None:
    for name, fn in (("tick", tick), ("inbox", inbox), ("credits", credits), ("stats", stats), ("doctor", doctor)):
        app.command(name)(fn)
