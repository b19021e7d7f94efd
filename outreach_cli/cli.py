"""The Typer app. Each run builds only the command module it needs (Typer inspects every command's
signature when it builds the app, which costs more than the rest of a quiet tick); `--help` and
unknown words build them all. Nothing heavy is imported here."""
from __future__ import annotations

import importlib
import sys

import typer
import typer.core

# Plain Click help and usage errors (rich_markup_mode=None below): quick, and one plain line for scripts.
# Typer 0.19 still escapes "[required]" as "\\[required]" whenever Rich is installed, importing Rich to do
# it; telling it Rich is absent gives plain text and keeps Rich for our own tables only.
typer.core.HAS_RICH = False

HELP = "Schedule InMail-style outreach to candidates: follow-ups, templates, exact credits."
MODULES = ("setup", "candidates", "messages", "views", "templates", "delivery")
OWNER = {
    "init": "setup", "seats": "setup", "contract": "setup", "clock": "setup",
    "candidates": "candidates",
    "compose": "messages", "followup": "messages", "schedule": "messages", "reschedule": "messages",
    "cancel": "messages", "reply": "messages", "thread": "messages", "draft": "messages",
    "tick": "views", "inbox": "views", "credits": "views", "stats": "views", "doctor": "views",
    "templates": "templates", "preview": "templates",
    "delivery": "delivery",
}


def build(argv: list[str] | None = None) -> typer.Typer:
    """The app with the module that owns argv's command, or every module."""
    app = typer.Typer(name="outreach", help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                      pretty_exceptions_enable=False, context_settings={"help_option_names": ["-h", "--help"]})
    app.callback()(_root)  # keeps the group shape even when one module holds one command
    words = [a for a in (argv or []) if not a.startswith("-")]
    needed = [OWNER[words[0]]] if words and words[0] in OWNER else MODULES
    for name in needed:
        importlib.import_module(f"{__package__}.commands.{name}").register(app)
    return app


def _root() -> None:
    """Schedule InMail-style outreach to candidates: follow-ups, templates, exact credits."""


def __getattr__(name: str):
    if name == "app":  # the whole app, for tests and tools (python -m typer, docs)
        return build()
    raise AttributeError(name)


def main() -> None:
    build(sys.argv[1:])(prog_name="outreach")
