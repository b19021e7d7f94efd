"""The start-up baseline of an idle tick: a do-nothing Typer app taking the same arguments
(`python typer_app.py tick --db DB --json`)."""

import typer

app = typer.Typer()


@app.callback()
def main() -> None:
    """A root group, as outreach has."""


@app.command()
def tick(db: str = typer.Option(None, "--db"), json: bool = typer.Option(False, "--json")) -> None:
    """Do nothing."""


app()
