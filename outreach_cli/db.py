"""Opening the SQLite file: identity check, permissions, WAL, migrations, transactions."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from .errors import (
    ALREADY_INITIALIZED,
    DATABASE_ERROR,
    DATABASE_LOCKED,
    NOT_INITIALIZED,
    DamagedDatabase,
    OutreachError,
    refuse,
)
from .schema import MIGRATIONS

if TYPE_CHECKING:
    from .engines import postgres

DatabaseError = sqlite3.DatabaseError  # what a damaged file raises, for layers that import no sqlite3
MIGRATIONS_TABLE = "_outreach_migrations"
DEFAULT_BUSY_TIMEOUT_MS = 10000


URI_PREFIXES = ("postgresql://", "postgres://")  # P1: a connection URI means PostgreSQL (engines/postgres.py)


def is_uri(target) -> bool:
    return isinstance(target, str) and target.startswith(URI_PREFIXES)


def target_of(value):
    """A --db value as what it names: a PostgreSQL URI (text) or a SQLite file path."""
    return value if is_uri(value) else Path(value)


def default_path():
    env = os.environ.get("OUTREACH_DB")
    if env:
        return target_of(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "outreach" / "outreach.db"


class Database:
    """One connection in autocommit mode; `transaction()` is the only way to write."""

    engine: Literal["sqlite"] = "sqlite"
    for_update_skip_locked = ""  # one writer at a time already: a due row is never another's (P3)
    acting_seats = ""  # P6 is PostgreSQL's: on a file every seat is everyone's
    balances_moved_by_database = False

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._depth = 0

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def value(self, sql, params=()):
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self):
        """All or nothing; BEGIN IMMEDIATE takes the write lock up front so two writers
        (two ticks under cron) queue instead of interleaving. Inside a transaction already (a use case
        that calls a helper which opens one), it joins the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    @contextmanager
    def rehearsal(self):
        """A transaction that is always rolled back (`tick --dry-run`, the agenda): the write lock is held, so
        what is read and decided is what a real run would read and decide, and nothing is kept."""
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        finally:
            self._depth = 0
            self.conn.execute("ROLLBACK")

    def close(self):
        self.conn.close()

    def checkpoint(self) -> None:
        """Copy the WAL into the file and truncate it, so no old page image survives there."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def data_version(self):
        """Changes whenever another connection has committed since this one last looked."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def server_now(self):
        return None  # one machine: the system clock is the only clock (P4 is PostgreSQL's)


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """How long to wait for another process's write lock: $OUTREACH_BUSY_TIMEOUT_MS, else 10 s."""
    try:
        busy_ms = int(os.environ.get("OUTREACH_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS))
    except ValueError:
        busy_ms = DEFAULT_BUSY_TIMEOUT_MS
    uri = f"file:{quote(str(path.resolve()))}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_ms / 1000)
    conn.row_factory = sqlite3.Row
    # WAL's default (NORMAL) can lose the last commits on a power cut; FULL syncs the WAL on every commit,
    # so a message marked sent stays sent.
    conn.execute("PRAGMA synchronous = FULL")
    # Erased personal data is overwritten with zeros, not left in free space (candidates remove).
    conn.execute("PRAGMA secure_delete = ON")
    return conn


@contextmanager
def creating(path):
    """Build a new database (mode 0600: it holds personal data) under a temporary name beside `path`, and
    move it into place only when the block succeeds: a failed `init` leaves no file behind (L4)."""
    if is_uri(path):
        from .engines import postgres

        with postgres.creating(path, migrate) as db:
            yield db
        return
    if path.exists():
        if path.is_dir():
            raise refuse(DATABASE_ERROR, f"{path} is a directory; give --db a file path.")
        raise refuse(ALREADY_INITIALIZED, f"{path} already exists; use it, or give --db a new path.")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.init")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError as exc:
        raise refuse(DATABASE_ERROR, f"Cannot create {path}: {exc.strerror}.") from None
    db = None
    try:
        conn = _connect(temporary, "rw")
        conn.execute("PRAGMA journal_mode = WAL")
        db = Database(conn, path)
        conn.execute(f"CREATE TABLE {MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_utc TEXT NOT NULL)")
        migrate(db)
        yield db
        db.close()  # the last connection: SQLite checkpoints the WAL into the file and removes it
        db = None
        _publish(temporary, path)
    finally:
        if db is not None:
            db.close()
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)


def _publish(temporary: Path, path: Path) -> None:
    """Give the finished file its name; a link never replaces a file another `init` made meanwhile."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise refuse(ALREADY_INITIALIZED, f"{path} already exists; use it, or give --db a new path.") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise refuse(ALREADY_INITIALIZED, f"{path} already exists; use it, or give --db a new path.") from None
        os.replace(temporary, path)


def open_existing(path) -> Database | postgres.Database:
    """Open an outreach database; a missing or foreign file is refused and left untouched."""
    if is_uri(path):
        from .engines import postgres

        return postgres.open_existing(path, migrate)
    if not path.exists():
        raise refuse(NOT_INITIALIZED, f"There is no outreach database at {path}; run `outreach init` first.")
    if path.is_dir():
        raise refuse(DATABASE_ERROR, f"{path} is a directory, not an outreach database.")
    conn = None
    try:
        conn = _connect(path, "rw")
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise _cannot_open(path, exc) from None
    if MIGRATIONS_TABLE not in names:
        conn.close()
        raise refuse(DATABASE_ERROR, f"{path} is not an outreach database; give --db the right file.")
    db = Database(conn, path)
    migrate(db)
    conn.execute("PRAGMA foreign_keys = ON")
    return db


SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN, SQLITE_CORRUPT, SQLITE_NOTADB = 5, 6, 14, 11, 26


def _cannot_open(path: Path, exc: sqlite3.DatabaseError) -> Exception:
    """The real reason SQLite could not open the file, by its error code (not every failure means 'not SQLite')."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return exc  # the CLI's boundary says the database is busy
    if code == SQLITE_NOTADB:
        return DamagedDatabase(
            f"{path} is not an outreach database (it is not SQLite, or its header is damaged); "
            "restore a backup, or give --db the right file."
        )
    if code == SQLITE_CORRUPT:
        return DamagedDatabase(f"{path} is damaged (SQLite: {exc}); restore a backup.")
    if code == SQLITE_CANTOPEN:
        if not os.access(path, os.R_OK):
            return refuse(DATABASE_ERROR, f"Cannot read {path}; check its permissions.")
        return refuse(
            DATABASE_ERROR,
            f"SQLite cannot open {path}: it must create its {path.name}-wal and "
            f"{path.name}-shm files beside it, and cannot write in {path.parent} "
            "(a read-only directory?); make that directory writable.",
        )
    return refuse(DATABASE_ERROR, f"{path} could not be opened ({exc}).")


def migrate(db: Database | postgres.Database, migrations=None) -> None:
    """Apply the migrations not yet recorded, in order, each in one transaction with its record."""
    migrations = MIGRATIONS if migrations is None else migrations
    known = [name for name, _ in migrations]
    if len(set(known)) != len(known) or known != sorted(known):
        raise ValueError(f"migration names must be unique and ordered: {known}")
    applied = [r[0] for r in db.all(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY name")]
    unknown = sorted(set(applied) - set(known))
    if unknown:
        raise refuse(
            DATABASE_ERROR,
            f"{db.path} was written by a newer outreach (migration {unknown[0]}); upgrade outreach to use it.",
        )
    from .clock import wall_now
    from .timeparse import to_text

    for name, sql in migrations:
        if name in applied:
            continue
        # executescript commits on its own, so run the statements one by one in our transaction.
        with db.transaction():
            if db.engine == "postgres":
                from .engines import postgres

                postgres.run_migration(db, name)
            else:
                for statement in _statements(sql):
                    db.execute(statement)
            db.execute(f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_utc) VALUES (?, ?)", (name, to_text(wall_now())))


def _statements(sql: str):
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer


def applied_migrations(db: Database) -> list[str]:
    return [r[0] for r in db.all(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY name")]


# SQLite's primary result codes (the low byte of an extended code), https://sqlite.org/rescode.html
_SQLITE_SENTENCES = {
    5: (DATABASE_LOCKED, "The database is busy with another outreach process; try again in a moment."),  # BUSY
    6: (DATABASE_LOCKED, "The database is locked by another outreach process; try again in a moment."),  # LOCKED
    8: (DATABASE_ERROR, "The database file is read-only; check its permissions and its directory's."),  # READONLY
    10: (DATABASE_ERROR, "The database file could not be read or written (a disk or file system error)."),  # IOERR
    11: (
        DATABASE_ERROR,  # CORRUPT
        "The database file is damaged; restore it from a backup (`outreach doctor` says more).",
    ),
    13: (DATABASE_ERROR, "The disk holding the database is full; free some space and try again."),  # FULL
    14: (DATABASE_ERROR, "The database file could not be opened; check the path and its permissions."),  # CANTOPEN
    26: (
        DATABASE_ERROR,  # NOTADB
        "The file is not an outreach database (it is not SQLite); give --db the right file.",
    ),
}


def database_error(exc) -> OutreachError:
    """A sqlite3 error as a refusal, chosen by SQLite's result code (not by the words of its message):
    BUSY/LOCKED are database_locked; READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB, CONSTRAINT and the
    rest are database_error, each with a plain sentence (IOERR_SHORT_READ and the like by their primary code)."""
    if not isinstance(exc, sqlite3.Error):
        from .engines import postgres

        return postgres.database_error(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    known = _SQLITE_SENTENCES.get(code & 0xFF) if isinstance(code, int) else None
    if known:
        return OutreachError(known[1], known[0])
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    if isinstance(code, int) and code & 0xFF == 19:  # CONSTRAINT: a bug of ours; its text helps the report
        return OutreachError(
            f"outreach refused a change that would break a database rule ({exc}); please report it.", DATABASE_ERROR
        )
    return OutreachError(f"The database could not be used ({name}: {exc}).", DATABASE_ERROR)
