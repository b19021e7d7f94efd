"""Options every command shares, and the one boundary that turns refusals into exit 1."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from ..errors import DATABASE_ERROR, INVALID_INPUT, OutreachError

DB_HELP = "The SQLite file or a postgresql:// URI (else $OUTREACH_DB, else ~/.local/share/outreach/outreach.db)."
JSON_HELP = "Print one JSON document on stdout (for scripts)."
QUIET_HELP = "Print nothing on stdout on success; refusals and warnings still go to stderr."
# text, not a Path: a postgresql:// URI must keep its "//" (db.target_of tells a URI from a file path)
DbOption = Annotated[str | None, typer.Option("--db", help=DB_HELP, show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
SeatOption = Annotated[str | None, typer.Option("--seat", help="Act for this seat (default: the seat init created).")]
# init and `seats add` share these two
Zone = Annotated[str | None, typer.Option("--tz", help="IANA time zone, e.g. Europe/Paris.")]
Credits = Annotated[
    int | None, typer.Option("--credits", help="Credits to grant now (default: the plan's monthly allotment).")
]

# The options every command and group takes, before or after the subcommand (L9). A command function declares
# `db` and `json` and passes them to run(); the CLI layer (share_options) gives every command and group the
# ones it does not declare, and each value given anywhere on the line is remembered in the Click context,
# where run() finds it.
SHARED: dict[str, dict[str, Any]] = {
    "db": dict(param_decls=["--db"], type=click.STRING, default=None, help=DB_HELP),
    "json": dict(param_decls=["--json"], is_flag=True, default=False, help=JSON_HELP),
    "quiet": dict(param_decls=["--quiet"], is_flag=True, default=False, help=QUIET_HELP),
}
_GIVEN = "outreach.options"


def _remember(ctx: click.Context, param: click.Parameter, value):
    if value not in (None, False):
        ctx.meta.setdefault(_GIVEN, []).append((param.name, value))
    return value


def share_options(command: click.Command) -> None:
    """Give a command or group --db, --json and --quiet (those it does not declare itself), and make every one
    of them, declared or added, remember its value for run()."""
    for param in command.params:
        if param.name in SHARED and param.callback is None:
            param.callback = _remember
    declared = {param.name for param in command.params}
    for name, settings in SHARED.items():
        if name not in declared:
            settings = dict(settings)
            command.params.append(
                click.Option(settings.pop("param_decls"), expose_value=False, callback=_remember, **settings)
            )


def given(path: str | Path | None = None, as_json: bool = False) -> tuple[str | Path | None, bool, bool, str | None]:
    """The shared options of this run, from anywhere on the command line: (db, json, quiet, conflict)."""
    ctx = click.get_current_context(silent=True)
    values = list(ctx.meta.get(_GIVEN, [])) if ctx is not None else []
    values += [("db", path)] if path is not None else []
    values += [("json", True)] if as_json else []
    from ..db import target_of

    dbs = [target_of(str(v)) for k, v in values if k == "db"]
    conflict = None
    if len({p if isinstance(p, str) else os.path.abspath(p) for p in dbs}) > 1:
        conflict = (
            "--db was given twice with different files (" + ", ".join(dict.fromkeys(map(str, dbs))) + "); give one."
        )
    return (
        dbs[-1] if dbs else None,
        any(k == "json" for k, _ in values),
        any(k == "quiet" for k, _ in values),
        conflict,
    )


def quiet_or_json(as_json: bool = False) -> bool:
    """True when this run prints nothing for a human (--json or --quiet, given anywhere): no progress bar."""
    _path, merged_json, quiet, _conflict = given(None, as_json)
    return merged_json or quiet


def db_path(path: str | Path | None) -> str | Path:
    from ..db import default_path

    return path if path is not None else default_path()


class OutputFailed(Exception):
    """Writing the result failed (stdout closed or full) after the work was committed."""


def run(
    path: str | Path | None,
    as_json: bool,
    action: Callable,
    show: Callable | None = None,
    *,
    opened: bool = True,
    failed: Callable | None = None,
) -> None:
    """Open the database, build the command's clock, run one service (`action(db, clock)`), print the result;
    refusals exit 1. With `opened=False` (init) the action gets the path and the system clock instead. The
    shared options may also have been given before the subcommand or on its group (L9); they are merged here."""
    path, as_json, quiet, conflict = given(path, as_json)
    _prepare_output()
    from ..clock import SystemClock

    real = SystemClock()  # the one real clock of this command: services get it through their clock (clock.real)
    try:
        if conflict:
            raise OutreachError(conflict, INVALID_INPUT)
        _check_text_input(path)
        if opened:
            from ..db import open_existing

            db = open_existing(db_path(path))
            real.follow(db.server_now())  # P4: on PostgreSQL the real time is the server's
            try:
                result = action(db, clock_of(db, real))
                _emit_committed(result, as_json, show, quiet, failed)  # while the database is open: it may stream
            finally:
                db.close()
        else:
            result = action(db_path(path), real)
            _emit_committed(result, as_json, show, quiet, failed)
    except OutputFailed as exc:
        _output_failed(exc.__cause__)
    except OutreachError as exc:
        fail(exc.code, exc.message, as_json, getattr(exc, "problems", None))
    except sqlite3.Error as exc:
        from ..db import database_error

        error = database_error(exc)
        fail(error.code, error.message, as_json)
    except OSError as exc:
        fail(DATABASE_ERROR, f"The database file could not be used ({exc.strerror or exc}).", as_json)
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):  # PostgreSQL's errors, without importing psycopg
            raise
        from ..db import database_error

        error = database_error(exc)
        fail(error.code, error.message, as_json)
    if failed is not None and failed(result):
        raise typer.Exit(1)


def _check_text_input(path: str | Path | None) -> None:
    """D15: every argument is text: bytes that are not UTF-8 (Python keeps them as lone surrogates) in an argument,
    a file name or OUTREACH_DB are refused with one sentence, never a traceback. (A PostgreSQL URI is the
    PostgreSQL engine's: db.py, P1.)"""
    import sys

    for where, text in (
        ("an argument", " ".join(sys.argv[1:])),
        ("$OUTREACH_DB", os.environ.get("OUTREACH_DB", "")),
        ("--db", str(path) if path is not None else ""),
    ):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise OutreachError(
                f"{where[0].upper() + where[1:]} holds bytes that are not valid UTF-8; give it as UTF-8 text.",
                INVALID_INPUT,
            ) from None


def clock_of(db, real):
    """The clock of one command, built once here: the one `init` recorded (load_clock), or, when that setting
    is damaged (L10), a clock that refuses when asked, so a command that never needs the time still runs and
    `doctor` reports the damage."""
    from ..services.common import clock_or_damaged

    return clock_or_damaged(db, real)


def _emit_committed(result, as_json: bool, show: Callable | None, quiet: bool, failed: Callable | None) -> None:
    """Print a result whose work is done: a failed write to stdout is no database error (L4). Under --quiet,
    a result that fails the command (doctor's findings) is what needs a look: it goes to stderr."""
    try:
        if quiet and show is not None and failed is not None and failed(result):
            from contextlib import redirect_stdout

            with redirect_stdout(sys.stderr):
                emit(result, False, show)
            return
        emit(result, as_json, show, quiet)
        sys.stdout.flush()
    except OSError as exc:
        raise OutputFailed() from exc
    except SystemExit as exc:  # Rich's Console.on_broken_pipe answers EPIPE with SystemExit(1)
        raise OutputFailed() from BrokenPipeError(str(exc))


def _output_failed(exc: BaseException | None) -> None:
    """The reader stopped early (`| head`, EPIPE) or stdout could not be written (ENOSPC): the work is done and
    committed, so the exit status is 0 (L4). Python's recipe: point stdout at /dev/null so the exit-time
    flush cannot fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (tests capture it)
        pass
    if not isinstance(exc, BrokenPipeError):
        print(
            f"The work was done, but its output could not be written ({getattr(exc, 'strerror', None) or exc}).",
            file=sys.stderr,
        )
    raise typer.Exit(0)


def _prepare_output() -> None:
    """Characters stdout's encoding cannot hold (PYTHONIOENCODING=ascii, a C locale) are replaced in human
    output; JSON then escapes them (ensure_ascii), so it stays exact."""
    if not _stdout_is_unicode() and hasattr(sys.stdout, "reconfigure"):
        try:
            sys.stdout.reconfigure(errors="replace")
        except (ValueError, OSError):
            pass


def _stdout_is_unicode(out=None) -> bool:
    import codecs

    encoding = getattr(out or sys.stdout, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def emit(result, as_json: bool, show: Callable | None, quiet: bool = False) -> None:
    """Warnings to stderr, then the result: as JSON (a typed result through its `to_json()`), or through
    `show`, which takes the result as the service returned it."""
    if hasattr(result, "to_json"):
        if as_json or show is None or quiet:
            result = result.to_json()
        else:
            show(result)
            return
    warnings = result.get("warnings", []) if isinstance(result, dict) else []
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    if quiet:  # L9: nothing on stdout on success; a streamed result is still read to its end
        _drain(result)
    elif as_json or show is None:
        write_json(result, sys.stdout)
    else:
        show(result)


def _drain(result) -> None:
    from ..shapes import Stream

    for value in result.values() if isinstance(result, dict) else ():
        if isinstance(value, Stream):
            for _ in value:
                pass


def write_json(result, out) -> None:
    """One JSON document; a `Stream` value is written item by item, never held whole in memory."""
    from ..shapes import Stream

    indent = 2 if out.isatty() else None
    # Shapes are plain trees of dicts and lists, never cyclic: no cycle check (one dict operation less per
    # container, 20,000 of them in a bulk schedule). Non-ASCII text is written as is unless stdout cannot
    # encode it; then it is escaped, and the document is the same JSON.
    ascii_only = not _stdout_is_unicode(out)
    if not (isinstance(result, dict) and any(isinstance(v, Stream) for v in result.values())):
        out.write(json.JSONEncoder(ensure_ascii=ascii_only, check_circular=False, indent=indent).encode(result) + "\n")
        return
    encode = json.JSONEncoder(ensure_ascii=ascii_only, check_circular=False).encode  # a streamed document is flat
    out.write("{")
    for index, (key, value) in enumerate(result.items()):
        out.write((", " if index else "") + encode(key) + ": ")
        if isinstance(value, Stream):
            out.write("[")
            chunk, first = [], True
            for item in value:
                chunk.append(item)
                if len(chunk) == 1000:
                    out.write(("" if first else ", ") + encode(chunk)[1:-1])
                    chunk, first = [], False
            if chunk:
                out.write(("" if first else ", ") + encode(chunk)[1:-1])
            out.write("]")
        else:
            out.write(encode(value))
    out.write("}\n")


class Refused(typer.Exit):
    """Exit 1 after a refusal was printed, holding its code and sentence: `replies import -` maps one that may pass
    to 75 (I14)."""

    def __init__(self, error_code: str, message: str):
        super().__init__(1)
        self.error_code, self.message = error_code, message


def fail(code: str, message: str, as_json: bool, problems: list | None = None) -> None:
    print(message, file=sys.stderr)
    if as_json:
        error = {"code": code, "message": message, **({"problems": problems} if problems else {})}
        sys.stdout.write(json.dumps({"error": error}, ensure_ascii=not _stdout_is_unicode()) + "\n")
    raise Refused(code, message)
