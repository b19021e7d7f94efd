"""`outreach db copy --to TARGET` (P5): the whole database into an empty one of either engine."""

from __future__ import annotations

from .. import db as dbmod
from ..errors import INVALID_INPUT, refuse
from ..repo import copy as repo_copy
from .common import check_every_seat


def copy(db, *, to: str) -> dict:
    """Every row of every table (settings and the clock, contract, seats, candidates, drafts, threads, messages,
    the ledger, transports, mailboxes, incoming records) and each id counter, in one transaction on the target,
    which must be empty (a new file, or an empty PostgreSQL database). The source is read as it stands."""
    if not to:
        raise refuse(INVALID_INPUT, "Give --to a new file path or an empty database's postgresql:// URI.")
    check_every_seat(db, "copy the whole database")
    target = dbmod.target_of(to)
    if str(target) == str(db.path) or (
        not isinstance(target, str) and not isinstance(db.path, str) and target.resolve() == db.path.resolve()
    ):
        raise refuse(INVALID_INPUT, "--to names the database being copied; give it another one.")
    counts = {}
    with dbmod.creating(target) as out, out.transaction():
        for table in repo_copy.tables(db):
            names = [c for c in repo_copy.columns(db, table) if c in set(repo_copy.columns(out, table))]
            counts[table] = sum(
                repo_copy.insert_rows(out, table, names, rows) for rows in repo_copy.iter_rows(db, table, names)
            )
            repo_copy.set_id_floor(out, table, repo_copy.next_id_floor(db, table))
    return {
        "from": str(db.path),
        "to": str(target),
        "engine": "postgres" if dbmod.is_uri(target) else "sqlite",
        "tables": counts,
    }
