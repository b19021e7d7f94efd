"""The Typer app: registers each command module. Nothing heavy is imported here."""
from __future__ import annotations

import typer

from .commands import candidates, messages, setup, templates, views

app = typer.Typer(
    name="outreach",
    help="Schedule InMail-style outreach to candidates: follow-ups, templates, exact credits.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
setup.register(app)
candidates.register(app)
messages.register(app)
views.register(app)
templates.register(app)


def main() -> None:
    app()
