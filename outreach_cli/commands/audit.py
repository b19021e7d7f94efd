"""audit: the Sent folder against the database (M5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, SeatOption, run


def audit(
    seat: SeatOption = None,
    sent_folder: Annotated[
        str | None, typer.Option("--sent-folder", help="The IMAP mailbox's Sent folder (default Sent).")
    ] = None,
    sent_dir: Annotated[Path | None, typer.Option("--sent-dir", help="A Maildir holding the sent mail.")] = None,
    settle: Annotated[bool, typer.Option("--settle", help="Record `unknown` messages found there as sent.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Check the Sent folder against the database.

    Duplicates (exit 1), unknown messages that went (--settle records them sent), sent ones missing."""
    from ..services.audit import audit as do_audit

    run(
        db,
        json,
        lambda d, clock: do_audit(
            d, seat_name=seat, sent_folder=sent_folder, sent_dir=sent_dir, settle=settle, clock=clock
        ),
        render.audit,
        failed=lambda result: bool(result["duplicates"]),
    )


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
