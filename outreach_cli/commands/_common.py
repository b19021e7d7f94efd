"""Options every command shares, and the one boundary that turns refusals into exit 1."""
from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from ..errors import OutreachError

DbOption = Annotated[Optional[Path], typer.Option(
    "--db", help="The SQLite file (else $OUTREACH_DB, else ~/.local/share/outreach/outreach.db).",
    show_default=False, dir_okay=True, resolve_path=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout (for scripts).")]
SeatOption = Annotated[Optional[str], typer.Option("--seat", help="Act for this seat (default: the seat init created).")]


def db_path(path: Optional[Path]) -> Path:
    from ..db import default_path
    return path if path is not None else default_path()


def run(path: Optional[Path], as_json: bool, action: Callable, show: Callable | None = None, *,
        opened: bool = True, failed: Callable | None = None) -> None:
    """Open the database, run one service, print the result; refusals exit 1."""
    try:
        if opened:
            from ..db import open_existing
            db = open_existing(db_path(path))
            try:
                result = action(db)
                emit(result, as_json, show)  # while the database is open: a result may stream from it
            finally:
                db.close()
        else:
            result = action(db_path(path))
            emit(result, as_json, show)
    except BrokenPipeError:
        # The reader stopped early (`| head`): the work is done and committed; stop writing quietly.
        # Python's recipe: point stdout at /dev/null so the exit-time flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0)
    except OutreachError as exc:
        fail(exc.code, exc.message, as_json)
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            fail("database_locked", "The database is busy with another outreach process; try again in a moment.",
                 as_json)
        if "readonly" in text or "read-only" in text:
            fail("database_error", "The database file is read-only; check its permissions.", as_json)
        fail("database_error", f"The database could not be used ({exc}).", as_json)
    except sqlite3.IntegrityError as exc:
        fail("database_error", f"outreach refused a change that would break a database rule ({exc}); "
                               "please report it.", as_json)
    except sqlite3.DatabaseError as exc:
        fail("database_error", f"The database file is damaged or not an outreach database ({exc}).", as_json)
    except OSError as exc:
        fail("database_error", f"The database file could not be used ({exc.strerror or exc}).", as_json)
    if failed is not None and failed(result):
        raise typer.Exit(1)


def emit(result, as_json: bool, show: Callable | None) -> None:
    warnings = result.get("warnings", []) if isinstance(result, dict) else []
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    if as_json or show is None:
        write_json(result, sys.stdout)
    else:
        show(result)


def write_json(result, out) -> None:
    """One JSON document; a `Stream` value is written item by item, never held whole in memory."""
    from ..shapes import Stream
    indent = 2 if out.isatty() else None
    if not (isinstance(result, dict) and any(isinstance(v, Stream) for v in result.values())):
        out.write(json.dumps(result, ensure_ascii=False, indent=indent) + "\n")
        return
    out.write("{")
    for index, (key, value) in enumerate(result.items()):
        out.write((", " if index else "") + json.dumps(key) + ": ")
        if isinstance(value, Stream):
            out.write("[")
            chunk, first = [], True
            for item in value:
                chunk.append(item)
                if len(chunk) == 1000:
                    out.write(("" if first else ", ") + json.dumps(chunk, ensure_ascii=False)[1:-1])
                    chunk, first = [], False
            if chunk:
                out.write(("" if first else ", ") + json.dumps(chunk, ensure_ascii=False)[1:-1])
            out.write("]")
        else:
            out.write(json.dumps(value, ensure_ascii=False))
    out.write("}\n")


def fail(code: str, message: str, as_json: bool) -> None:
    print(message, file=sys.stderr)
    if as_json:
        sys.stdout.write(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False) + "\n")
    raise typer.Exit(1)
