"""doctor: check every invariant."""

from __future__ import annotations

import typer

from .. import render
from ._common import DbOption, JsonOption, run


def doctor(db: DbOption = None, json: JsonOption = False):
    """Check every invariant; exit 1 if anything is wrong."""
    from ..services.doctor import doctor_file

    run(
        db,
        json,
        lambda path, _clock: doctor_file(path),
        render.doctor,
        opened=False,
        failed=lambda result: not result["ok"],
    )


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
