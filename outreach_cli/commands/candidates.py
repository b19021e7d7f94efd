"""candidates: add, import, list, show, set, opt-out, opt-in, remove."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, quiet_or_json, run

app = typer.Typer(help="Candidate profiles.", no_args_is_help=True)

Text = str | None


def _opt(name: str, help_text: str):
    return typer.Option(name, help=help_text)


@app.command("add")
def add(
    handle: str,
    first_name: Annotated[str, _opt("--first-name", "First name.")],
    last_name: Annotated[str, _opt("--last-name", "Last name.")],
    company: Annotated[Text, _opt("--company", "Company.")] = None,
    title: Annotated[Text, _opt("--title", "Job title.")] = None,
    tz: Annotated[Text, _opt("--tz", "IANA time zone.")] = None,
    country: Annotated[Text, _opt("--country", "Country for holidays: GB, or US-CA with a subdivision.")] = None,
    email: Annotated[Text, _opt("--email", "Email address.")] = None,
    out_of_network: Annotated[bool, _opt("--out-of-network", "Outside the seat's network.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Add a candidate."""
    from ..services.candidates import add as do_add

    run(
        db,
        json,
        lambda d, clock: do_add(
            d,
            handle=handle,
            first_name=first_name,
            last_name=last_name,
            company=company,
            title=title,
            timezone=tz,
            country=country,
            email=email,
            out_of_network=out_of_network,
        ),
        render.candidate,
    )


@app.command("import")
def import_csv(
    file: Path,
    update: Annotated[bool, _opt("--update", "Update candidates whose handle exists.")] = False,
    skip_bad: Annotated[bool, _opt("--skip-bad", "Import the good rows, report the bad.")] = False,
    country: Annotated[Text, _opt("--country", "Country for holidays (GB, US-CA) of the rows that name none.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Import candidates from a CSV file with a header row."""
    from ..services.candidates import import_file

    progress = None if quiet_or_json(json) else render.ImportProgress()

    def action(d, clock):
        try:
            return import_file(
                d, path=file, update_existing=update, skip_bad=skip_bad, progress=progress, country=country
            )
        finally:  # the bar goes before the summary is printed
            if progress is not None:
                progress.close()

    run(db, json, action, render.import_result)


@app.command("list")
def list_(db: DbOption = None, json: JsonOption = False):
    """List candidates."""
    from ..services.candidates import list_all

    run(db, json, lambda d, clock: list_all(d), render.candidates)


@app.command("show")
def show(handle: str, db: DbOption = None, json: JsonOption = False):
    """Show one candidate."""
    from ..services.candidates import show as do_show

    run(db, json, lambda d, clock: do_show(d, handle=handle), render.candidate)


@app.command("set")
def set_(
    handle: str,
    first_name: Annotated[Text, _opt("--first-name", "First name.")] = None,
    last_name: Annotated[Text, _opt("--last-name", "Last name.")] = None,
    company: Annotated[Text, _opt("--company", "Company ('' clears it).")] = None,
    title: Annotated[Text, _opt("--title", "Job title ('' clears it).")] = None,
    tz: Annotated[Text, _opt("--tz", "IANA time zone ('' clears it).")] = None,
    country: Annotated[Text, _opt("--country", "Country for holidays, GB or US-CA ('' clears it).")] = None,
    email: Annotated[Text, _opt("--email", "Email ('' clears it).")] = None,
    out_of_network: Annotated[
        bool | None, typer.Option("--out-of-network/--in-network", help="Network membership.")
    ] = None,
    also_email: Annotated[
        Text,
        typer.Option(
            "--also-email",
            metavar="ADDR",
            help="Another address of the candidate: their mail from it matches too (I11).",
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Change a candidate's fields."""
    from ..services.candidates import update

    run(
        db,
        json,
        lambda d, clock: update(
            d,
            handle=handle,
            first_name=first_name,
            last_name=last_name,
            company=company,
            title=title,
            timezone=tz,
            country=country,
            email=email,
            out_of_network=out_of_network,
            also_email=also_email,
        ),
        render.candidate,
    )


@app.command("opt-out")
def opt_out(handle: str, db: DbOption = None, json: JsonOption = False):
    """Record that a candidate opted out: nothing more is sent to them (K4)."""
    from ..services.candidates import opt_out as do_opt_out

    run(db, json, lambda d, clock: do_opt_out(d, handle=handle), render.candidate)


@app.command("opt-in")
def opt_in(handle: str, db: DbOption = None, json: JsonOption = False):
    """Undo an opt-out: the candidate can be messaged again."""
    from ..services.candidates import opt_in as do_opt_in

    run(db, json, lambda d, clock: do_opt_in(d, handle=handle), render.candidate)


@app.command("remove")
def remove(handle: str, db: DbOption = None, json: JsonOption = False):
    """Erase a candidate's personal fields; keep anonymous history."""
    from ..services.candidates import remove as do_remove

    run(db, json, lambda d, clock: do_remove(d, handle=handle, clock=clock), render.removed)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="candidates")
