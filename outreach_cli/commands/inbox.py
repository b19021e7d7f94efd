"""inbox: one folder of the seat's messages (or its drafts)."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, SeatOption, run


def _complete_folder(incomplete: str) -> list[str]:
    """Shell completion for --folder (V1, D8), from the service's own list (imported only when completing)."""
    from ..services.views import FOLDERS

    return [name for name in FOLDERS if name.startswith(incomplete)]


def inbox(
    folder: Annotated[
        str,
        typer.Option(
            "--folder",
            autocompletion=_complete_folder,
            help="drafts, scheduled, sent, awaiting-reply, attention, responded or canceled.",
        ),
    ] = "scheduled",
    seat: SeatOption = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Show a folder of the seat's messages (or its drafts)."""
    from ..services.views import inbox as do_inbox
    from ._year import showing_year

    def show(rows, year=None):
        if folder == "drafts":
            render.drafts(rows)
        else:
            render.messages(rows, folder.replace("-", " ").capitalize(), year=year)

    run(db, json, *showing_year(lambda d, clock: do_inbox(d, seat_name=seat, folder=folder), show))


def register(app: typer.Typer) -> None:
    app.command("inbox")(inbox)
