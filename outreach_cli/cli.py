"""The Typer app. Its command table is derived from the command modules themselves: every module under
`commands/` (except `_`-prefixed ones) has a `register(app)` that adds its commands and groups to a Typer
app; the root group records those registrations and turns into a Click command only the one a run needs
(Typer inspects a command's signature when it converts it, which costs more than the rest of a quiet
tick). `--help`, completion and unknown words convert them all. Nothing heavy is imported here."""

from __future__ import annotations

import importlib
import os
from typing import Annotated, cast

import click
import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo, DefaultPlaceholder, TyperInfo

from .commands._common import share_options

HELP = "Schedule InMail-style outreach to candidates: follow-ups, templates, exact credits."
# The order of `--help` only: a command module not named here is still found, after these.
HELP_ORDER = (
    "init",
    "seats",
    "contract",
    "clock",
    "candidates",
    "messages",
    "tick",
    "inbox",
    "credits",
    "stats",
    "doctor",
    "templates",
)


def _plain_options(command: click.Command, ctx: click.Context, formatter: click.HelpFormatter) -> None:
    """Arguments and options as plain Click text. Typer 0.19 escapes "[required]" as "\\[required]" (and
    imports Rich to do it) whenever Rich is installed; Click's own record for an option, and the same
    shape for an argument, keep help plain and quick."""
    args, opts = [], []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name == "argument":
            extra = "[required]" if param.required else ""
            args.append((param.make_metavar(ctx), "  ".join(x for x in (getattr(param, "help", "") or "", extra) if x)))
        elif param.param_type_name == "option":
            record = click.Option.get_help_record(cast(click.Option, param), ctx)
            if record:
                opts.append(record)
    for title, rows in (("Arguments", args), ("Options", opts)):
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


class PlainCommand(TyperCommand):
    format_options = _plain_options


class PlainGroup(TyperGroup):
    def format_options(self, ctx, formatter):
        _plain_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)


class Commands(PlainGroup):
    """The root group: its commands come from the command modules, each converted when first asked for (`built`:
    what this run converted; a test checks that a single command converts only itself)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        share_options(self)
        self._table: dict | None = None
        self.built: dict[str, click.Command] = {}

    def table(self) -> dict:
        if self._table is None:
            self._table = registrations()
        return self._table

    def list_commands(self, ctx):
        return list(self.table())

    def get_command(self, ctx, name):
        if name not in self.built:
            info = self.table().get(name) if self._table is not None else _hinted(name)
            if info is None:
                info = self.table().get(name)
            if info is None:
                return None
            self.built[name] = convert(name, info)
        return self.built[name]


# The command module a frequent command is registered in, read first so that a run (a cron `tick` every
# minute) imports that one module rather than all of them. Only a hint: a name its module does not
# register falls back to the whole table, so a stale entry costs time, never a wrong command.
HINTS = {"tick": "tick", "inbox": "inbox", "credits": "credits", "stats": "stats", "doctor": "doctor"}


def _hinted(name: str):
    module_name = HINTS.get(name)
    if module_name is None:
        return None
    from . import commands

    return _registered(importlib.import_module(f"{commands.__name__}.{module_name}")).get(name)


def _registered(module) -> dict:
    """One command module's registrations: command or group name -> its Typer registration."""
    if not hasattr(module, "register"):
        return {}
    recorder = typer.Typer()
    module.register(recorder)
    found: dict = {
        info.name or getattr(info.callback, "__name__", "").replace("_", "-"): info
        for info in recorder.registered_commands
    }
    for group in recorder.registered_groups:
        found[group.name if not isinstance(group.name, DefaultPlaceholder) else group.typer_instance.info.name] = group
    return found


def registrations() -> dict:
    """Command or group name -> its Typer registration, from every command module's `register(app)`."""
    from . import commands

    # the command modules are the package's own .py files (a directory listing: pkgutil costs more to import)
    found = {
        entry.name[:-3]
        for folder in commands.__path__
        for entry in os.scandir(folder)
        if entry.name.endswith(".py") and not entry.name.startswith("_")
    }
    names = sorted(found, key=lambda n: (HELP_ORDER.index(n) if n in HELP_ORDER else len(HELP_ORDER), n))
    commands_first: dict = {}
    groups: dict = {}
    for module_name in names:
        module = importlib.import_module(f"{commands.__name__}.{module_name}")
        for name, info in _registered(module).items():
            (commands_first if isinstance(info, CommandInfo) else groups)[name] = info
    return {**commands_first, **groups}  # Typer's own help order: commands, then groups


def convert(name: str, info: CommandInfo | TyperInfo) -> click.Command:
    """One registration as a Click command (or group), through Typer's public conversion, with the shared
    options (--db, --json, --quiet) on it and every subcommand."""
    _plain_classes(info)
    holder = typer.Typer(rich_markup_mode=None, add_completion=False, pretty_exceptions_enable=False)
    holder.callback()(_nothing)
    if isinstance(info, CommandInfo):
        holder.registered_commands.append(info)
    else:
        holder.registered_groups.append(info)
    command = cast(click.Group, typer.main.get_command(holder)).commands[name]
    _share_everywhere(command)
    return command


def _nothing() -> None:
    """A holder's callback, so that Typer builds a group around the one registration."""


def _unset(value) -> bool:
    """No class chosen by the command module (Typer's defaults): plain help classes may replace it."""
    return value is None or isinstance(value, DefaultPlaceholder) or value in (TyperCommand, TyperGroup)


def _plain_classes(info) -> None:
    if isinstance(info, CommandInfo):
        if _unset(info.cls):
            info.cls = PlainCommand
        return
    sub = info.typer_instance
    if _unset(info.cls) and _unset(sub.info.cls):
        info.cls = PlainGroup
    for child in sub.registered_commands + sub.registered_groups:
        _plain_classes(child)


def _share_everywhere(command: click.Command) -> None:
    share_options(command)
    for child in getattr(command, "commands", {}).values():
        _share_everywhere(child)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            text = version("outreach")
        except PackageNotFoundError:  # run from a source tree that was never installed
            from . import __version__ as text
        print(f"outreach {text}")
        raise typer.Exit()


app = typer.Typer(
    name="outreach",
    cls=Commands,
    help=HELP,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Schedule InMail-style outreach to candidates: follow-ups, templates, exact credits."""


def main() -> None:
    app(prog_name="outreach")
