"""db copy: the whole database into an empty one of either engine (P5)."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DbOption, JsonOption, run

app = typer.Typer(help="The database itself: copy it to another engine (P5).", no_args_is_help=True)


@app.command("copy")
def db_copy(
    to: Annotated[str, typer.Option("--to", help="A new SQLite file or an empty database's postgresql:// URI.")],
    db: DbOption = None,
    json: JsonOption = False,
):
    """Copy the whole database into an empty one (a new file, or an empty PostgreSQL database).

    Every row, the ledger, the clock, settings and incoming records; run `outreach doctor --db TARGET`
    afterwards."""
    from ..services.copy import copy

    run(db, json, lambda d, clock: copy(d, to=to), _show)


def _show(result) -> None:
    rows = sum(result["tables"].values())
    print(f"Copied {rows} rows in {len(result['tables'])} tables to {result['to']}.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
