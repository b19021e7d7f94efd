"""PostgreSQL (P1-P4): the same `Database` interface as db.py's SQLite one, over psycopg 3.

The repository's SQL is written once, in SQLite's dialect where the two differ only in spelling; this
module is the one place that spells it for PostgreSQL: `?` parameters become `%s`, `INSERT OR IGNORE`
becomes `ON CONFLICT DO NOTHING`, a single-row insert returns its id (`lastrowid`), `BEGIN IMMEDIATE`
becomes a transaction that first takes the database's write lock (an advisory lock: every use case reads
then writes balances, so they queue as on SQLite and no balance is updated from a stale read, P3),
`PRAGMA data_version` becomes the server's transaction horizon, and SQLSTATEs become the same refusals as
SQLite's result codes. psycopg is imported here only, and this module only for a URI."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from ..errors import (
    ALREADY_INITIALIZED,
    DATABASE_ERROR,
    DATABASE_LOCKED,
    INVALID_INPUT,
    NOT_INITIALIZED,
    PERMISSION_DENIED,
    OutreachError,
    refuse,
)

MIGRATIONS_TABLE = "_outreach_migrations"
WRITE_LOCK = 0x6F757472  # "outr": the advisory lock every writing transaction takes first
URI_PREFIXES = ("postgresql://", "postgres://")
# Claims take the due rows with this suffix (P3): a row another transaction holds is skipped, never waited for.
FOR_UPDATE_SKIP_LOCKED = " FOR UPDATE OF m SKIP LOCKED"


def is_uri(target) -> bool:
    return isinstance(target, str) and target.startswith(URI_PREFIXES)


def check_uri(uri: str) -> None:
    """P1/D2: no password on a command line or in $OUTREACH_DB; libpq reads it from ~/.pgpass."""
    try:
        parts = urlsplit(uri)
        query = dict(parse_qsl(parts.query))
    except ValueError:
        raise refuse(
            INVALID_INPUT,
            "The PostgreSQL connection URI could not be read; write it as postgresql://USER@HOST:PORT/DATABASE.",
        ) from None
    if parts.password is not None or "password" in query:
        raise refuse(
            INVALID_INPUT,
            "The connection URI holds a password; remove it and put it in ~/.pgpass "
            "(or the file $PGPASSFILE names), where libpq finds it.",
        )


def shown(uri: str) -> str:
    return uri


# ---------------------------------------------------------------- the dialect

_QUOTED = re.compile(r"('(?:[^']|'')*'|\"[^\"]*\")")
_INSERT = re.compile(r"^\s*INSERT\s+(OR\s+IGNORE\s+)?INTO\s+(\w+)", re.IGNORECASE)
_cache: dict[str, tuple[str, str | None]] = {}


def translate(sql: str) -> tuple[str, str | None]:
    """SQLite-dialect SQL as PostgreSQL's (cached): parameters, INSERT OR IGNORE, and for a single-row insert
    the table whose id `lastrowid` should return."""
    done = _cache.get(sql)
    if done is not None:
        return done
    pieces = _QUOTED.split(sql.replace("%", "%%"))  # psycopg reads `%` everywhere, literals included
    for i in range(0, len(pieces), 2):
        pieces[i] = pieces[i].replace("?", "%s")
    text = "".join(pieces)
    table = None
    insert = _INSERT.match(text)
    if insert:
        if insert.group(1):
            text = text[: insert.start(1)] + text[insert.end(1) :]
            if " RETURNING " in text.upper():
                at = text.upper().index(" RETURNING ")
                text = text[:at] + " ON CONFLICT DO NOTHING" + text[at:]
            else:
                text = text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
        if "RETURNING" not in text.upper() and re.search(r"\)\s*VALUES\s*\([^()]*\)\s*$", text, re.IGNORECASE):
            table = insert.group(2).lower()
    _cache[sql] = (text, table)
    return text, table


_ROW_CLASSES: dict = {}


def _row_class(names: tuple):
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        index = {name: i for i, name in enumerate(names)}
        getitem = tuple.__getitem__

        class Row(tuple):
            """A row by position and by column name, like sqlite3.Row (and `dict(row)` works)."""

            __slots__ = ()

            def __getitem__(self, key):
                if isinstance(key, str):
                    return getitem(self, index[key])
                return getitem(self, key)

            def keys(self):
                return list(names)

        cls = _ROW_CLASSES[names] = Row
    return cls


def _named_rows(cursor):
    description = cursor.description
    if description is None:
        return tuple
    cls = _row_class(tuple(column.name for column in description))
    return cls


def _tuple_rows(cursor):
    return tuple


class Cursor:
    """What the repository uses of a sqlite3 cursor: execute, fetch*, description, rowcount, lastrowid."""

    def __init__(self, owner, named: bool = True):
        self._owner = owner
        self._cursor = owner.raw.cursor(row_factory=_named_rows if named else _tuple_rows)
        self.lastrowid = None

    @property
    def row_factory(self):
        return None

    @row_factory.setter
    def row_factory(self, value):
        self._cursor.row_factory = _named_rows if value is not None else _tuple_rows

    def execute(self, sql, params=()):
        text, table = translate(sql)
        try:
            if table is not None and self._owner.has_id(table):
                self._cursor.execute(text + " RETURNING id", tuple(params))
                self.lastrowid = self._cursor.fetchone()[0]
            else:
                self._cursor.execute(text, tuple(params))  # always parsed: `%%` stands for `%`
        except Exception as exc:
            raise self._owner.error(exc) from exc
        return self

    def executemany(self, sql, seq):
        text, _table = translate(sql)
        rows = [tuple(row) for row in seq]
        if not rows:
            self._rowcount = 0
            return self
        try:
            self._cursor.executemany(text, rows)
        except Exception as exc:
            raise self._owner.error(exc) from exc
        return self

    @property
    def rowcount(self):
        return self._cursor.rowcount

    @property
    def description(self):
        return None if self._cursor.description is None else [(c.name,) for c in self._cursor.description]

    def fetchone(self):
        return self._cursor.fetchone() if self._cursor.description is not None else None

    def fetchall(self):
        return self._cursor.fetchall() if self._cursor.description is not None else []

    def fetchmany(self, size=1):
        return self._cursor.fetchmany(size) if self._cursor.description is not None else []

    def __iter__(self):
        return iter(self.fetchall())


class Connection:
    """The sqlite3.Connection calls the repository makes on `db.conn` (execute, executemany, cursor)."""

    def __init__(self, raw):
        self.raw = raw
        self._id_tables = None

    def has_id(self, table: str) -> bool:
        if self._id_tables is None:
            with self.raw.cursor() as cur:
                cur.execute(
                    "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
                    "AND table_schema = current_schema()"
                )
                self._id_tables = {r[0] for r in cur.fetchall()}
        return table in self._id_tables

    def error(self, exc):
        return exc

    def cursor(self):
        return Cursor(self)

    def execute(self, sql, params=()):
        return Cursor(self).execute(sql, params)

    def executemany(self, sql, seq):
        return Cursor(self).executemany(sql, seq)

    def close(self):
        self.raw.close()


class Database:
    """One PostgreSQL connection in autocommit mode; `transaction()` is the only way to write (as db.Database)."""

    engine: Literal["postgres"] = "postgres"
    for_update_skip_locked = FOR_UPDATE_SKIP_LOCKED

    def __init__(self, raw, uri: str):
        self.conn = Connection(raw)
        self.path = uri
        self._depth = 0
        self._roles: Roles | None = None

    # P6: every query that picks seats for a tick (refreshes, catch-ups) keeps to the seats this role acts for;
    # row-level security keeps the seat-owned tables so by itself.
    acting_seats = "id IN (SELECT outreach_acting_seats())"

    def roles(self) -> Roles:
        """Who this connection is (P6), read once, when a command first needs it."""
        if self._roles is None:
            row = self.conn.raw.execute(
                "SELECT current_user, outreach_is_owner(), outreach_is_admin(), "
                "(SELECT admin_role FROM contract WHERE id = 1), "
                "ARRAY(SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, 'MEMBER'))"
            ).fetchone()
            self._roles = Roles(row[0], row[1], row[2], row[3], frozenset(row[4]))
        return self._roles

    @property
    def balances_moved_by_database(self) -> bool:
        """A role that is not the admin writes ledger rows only; the database checks each and moves the balances
        (engines/postgres_schema.py, ROLES)."""
        return not self.roles().admin

    def grant_role(self, role: str, admin: bool) -> None:
        """P6: what a seat's role (or, `admin`, the contract's admin) needs on outreach's tables; row-level
        security and the guard triggers decide which rows and columns. The admin may pass it on (seats set
        --role run by the admin)."""
        if not self.role_exists(role):
            raise refuse(
                INVALID_INPUT,
                f"There is no database role {role!r}; create it first (CREATE ROLE "
                f"{quote_ident(role)} LOGIN) and give it a password in ~/.pgpass.",
            )
        who = quote_ident(role) + (" WITH GRANT OPTION" if admin else "")
        raw = self.conn.raw
        for table in sorted(_tables(raw)):
            if table == MIGRATIONS_TABLE or (table == "contract" and not admin):
                rights = "SELECT"
            elif table == "contract":
                rights = "SELECT, UPDATE"
            elif table == "ledger":
                rights = "SELECT, INSERT"
            elif table == "seats" and not admin:
                rights = "SELECT, UPDATE"
            else:
                rights = "SELECT, INSERT, UPDATE, DELETE"
            raw.execute(f"GRANT {rights} ON {quote_ident(table)} TO {who}")
        if not self.value("SELECT has_schema_privilege(?, current_schema(), 'USAGE')", (role,)):
            raw.execute(f"GRANT USAGE ON SCHEMA {quote_ident(self.value('SELECT current_schema()'))} TO {who}")

    def role_exists(self, role: str) -> bool:
        return bool(self.value("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?)", (role,)))

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def value(self, sql, params=()):
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _begin(self):
        raw = self.conn.raw
        raw.execute("BEGIN")
        try:
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        except BaseException:
            raw.execute("ROLLBACK")
            raise

    @contextmanager
    def transaction(self):
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._rollback()
            raise
        else:
            self.conn.raw.execute("COMMIT")
        finally:
            self._depth = 0

    def _rollback(self):
        try:
            self.conn.raw.execute("ROLLBACK")
        except Exception:  # the connection is gone: the server rolled back already
            pass

    @contextmanager
    def rehearsal(self):
        self._begin()
        self._depth = 1
        try:
            yield self
        finally:
            self._depth = 0
            self._rollback()

    def close(self):
        self.conn.close()

    def checkpoint(self) -> None:
        """SQLite's WAL checkpoint; PostgreSQL's own WAL is the server's business."""

    def data_version(self):
        """Changes whenever a transaction has committed since this connection last looked (own commits too,
        which only costs a second look): the server's snapshot horizon."""
        return self.value("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")

    def integrity_problems(self) -> list[str]:
        return ["ok"]

    def server_now(self):
        """P4: the database server's time, the one clock every machine's claims agree on."""
        return self.value("SELECT clock_timestamp()")


class Roles:
    """P6: the connected role (`current_user`), whether it owns outreach's tables or is the contract's admin, the
    admin's name, and the roles it is a member of (its own included)."""

    __slots__ = ("user", "owner", "admin", "admin_role", "member_of")

    def __init__(self, user, owner, admin, admin_role, member_of):
        self.user, self.owner, self.admin, self.admin_role, self.member_of = user, owner, admin, admin_role, member_of


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------- connecting


def _numeric_as_int(raw) -> None:
    """sum() of integers is `numeric` on PostgreSQL: load whole numbers as int (SQLite's answer), else float."""
    from decimal import Decimal

    from psycopg.adapt import Loader

    class WholeNumeric(Loader):
        def load(self, data):
            value = Decimal(bytes(data).decode())
            return int(value) if value == value.to_integral_value() else float(value)

    raw.adapters.register_loader("numeric", WholeNumeric)


def connect(uri: str):
    check_uri(uri)
    try:
        import psycopg
    except ImportError:
        raise refuse(
            DATABASE_ERROR,
            "PostgreSQL support is not installed; install outreach[postgres] "
            "(pip install 'outreach[postgres]') to use a postgresql:// URI.",
        ) from None
    try:
        busy_ms = int(os.environ.get("OUTREACH_BUSY_TIMEOUT_MS", 10000))
    except ValueError:
        busy_ms = 10000
    try:
        raw = psycopg.connect(
            uri, autocommit=True, options=f"-c lock_timeout={busy_ms} -c TimeZone=UTC", application_name="outreach"
        )
    except psycopg.Error as exc:
        raise _cannot_connect(uri, exc) from None
    _numeric_as_int(raw)
    return raw


def _cannot_connect(uri: str, exc) -> OutreachError:
    """One plain sentence from libpq's message: its lines are 'connection to server ... failed: WHY' and tab-indented
    hints ('Is the server running ...?'); a FATAL line (a missing database, a wrong password) is the reason."""
    lines = [" ".join(line.split()) for line in str(exc).splitlines() if line.strip()]
    detail = next((line for line in lines if "FATAL" in line or "does not exist" in line or "password" in line), "")
    detail = detail.replace("FATAL: ", "") or (lines[0].rsplit("failed: ", 1)[-1] if lines else type(exc).__name__)
    hints = [line for line in lines[1:] if line.endswith("?")]
    detail, end = detail.rstrip("."), "."
    if hints and hints[0] != detail:
        detail, end = detail + "; " + hints[0][0].lower() + hints[0][1:-1], "?"
    hint = ""
    if "password" in detail:
        hint = " Put the password in ~/.pgpass (or the file $PGPASSFILE names)."
    return refuse(DATABASE_ERROR, f"Cannot connect to the PostgreSQL database {uri}: {detail}{end}{hint}")


def _tables(raw) -> set[str]:
    return {r[0] for r in raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}


def open_existing(uri: str, migrate) -> Database:
    raw = connect(uri)
    try:
        names = _tables(raw)
    except Exception as exc:
        raw.close()
        raise database_error(exc) from None
    if MIGRATIONS_TABLE not in names:
        raw.close()
        if not names:
            raise refuse(NOT_INITIALIZED, f"There is no outreach database at {uri}; run `outreach init` first.")
        raise refuse(
            DATABASE_ERROR, f"{uri} is not an outreach database (it has other tables); give --db the right database."
        )
    db = Database(raw, uri)
    migrate(db)
    return db


@contextmanager
def creating(uri: str, migrate):
    """`init` on an empty PostgreSQL database (P2): the migrations table, every migration and the command's
    own first rows in one transaction, so a failed `init` leaves the database empty (L4)."""
    raw = connect(uri)
    db = Database(raw, uri)
    try:
        names = _tables(raw)
        if MIGRATIONS_TABLE in names:
            raise refuse(
                ALREADY_INITIALIZED,
                f"{uri} already holds an outreach database; use it, or give --db an empty database.",
            )
        if names:
            raise refuse(
                DATABASE_ERROR, f"{uri} is not empty and was not made by outreach; give --db an empty database."
            )
        with db.transaction():
            db.execute(f"CREATE TABLE {MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_utc TEXT NOT NULL)")
            migrate(db)
            yield db
    finally:
        db.close()


def run_migration(db: Database, name: str) -> None:
    from .postgres_schema import MIGRATIONS

    sql = MIGRATIONS.get(name)
    if sql is None:
        raise refuse(
            DATABASE_ERROR, f"Migration {name} has no PostgreSQL form in this outreach; it cannot upgrade {db.path}."
        )
    db.conn.raw.execute(sql)
    db.conn._id_tables = None


# ---------------------------------------------------------------- errors

_SQLSTATE = {
    "55P03": (DATABASE_LOCKED, "The database is busy with another outreach process; try again in a moment."),
    "40P01": (DATABASE_LOCKED, "The database is busy with another outreach process; try again in a moment."),
    "40001": (DATABASE_LOCKED, "The database is busy with another outreach process; try again in a moment."),
    "57014": (DATABASE_LOCKED, "The database is busy with another outreach process; try again in a moment."),
    "42501": (PERMISSION_DENIED, "Your database role may not do that; ask the contract's admin."),
    "25006": (DATABASE_ERROR, "The database is read-only; check the server and your role."),
    "53100": (DATABASE_ERROR, "The disk holding the database is full; free some space and try again."),
    "XX001": (DATABASE_ERROR, "The database is damaged; restore it from a backup (`outreach doctor` says more)."),
}


def is_error(exc) -> bool:
    return type(exc).__module__.startswith("psycopg")


def database_error(exc) -> OutreachError:
    """A psycopg error as a refusal, by its SQLSTATE (the same refusals as SQLite's result codes)."""
    state = getattr(exc, "sqlstate", None) or ""
    known = _SQLSTATE.get(state)
    if known:
        code, sentence = known
        if code == PERMISSION_DENIED:
            detail = (getattr(getattr(exc, "diag", None), "message_primary", None) or str(exc)).strip()
            return OutreachError(f"Your database role may not do that ({detail}); ask the contract's admin.", code)
        return OutreachError(sentence, code)
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if state.startswith("23"):
        return OutreachError(
            f"outreach refused a change that would break a database rule ({first}); please report it.", DATABASE_ERROR
        )
    if state.startswith("08") or not state:
        return OutreachError(f"The connection to the PostgreSQL server failed ({first}).", DATABASE_ERROR)
    return OutreachError(f"The database could not be used (SQLSTATE {state}: {first}).", DATABASE_ERROR)
