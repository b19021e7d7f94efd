"""The SQL of `outreach db copy` (P5): every table's rows, in an order that keeps each reference valid, and
each table's id counter (so an id is never given again on the target either, L8)."""

from __future__ import annotations

# Referenced tables first; a table not named here (a later migration's) is copied after these, by name.
ORDER = (
    "settings",
    "contract",
    "seats",
    "candidates",
    "templates",
    "drafts",
    "draft_recipients",
    "threads",
    "messages",
    "ledger",
    "seat_transports",
    "seat_mailboxes",
    "incoming",
)
_OWN = {"_outreach_migrations", "sqlite_sequence"}


def tables(db) -> list[str]:
    if db.engine == "postgres":
        names = {r[0] for r in db.all("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    else:
        names = {r[0] for r in db.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    names -= _OWN
    return [t for t in ORDER if t in names] + sorted(names - set(ORDER))


def columns(db, table: str) -> list[str]:
    if db.engine == "postgres":
        return [
            r[0]
            for r in db.all(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = current_schema() ORDER BY ordinal_position",
                (table,),
            )
        ]
    return [r[1] for r in db.all(f'PRAGMA table_info("{table}")')]


def iter_rows(db, table: str, names: list[str], size: int = 2000):
    cursor = db.conn.cursor()
    cursor.execute(f'SELECT {", ".join(names)} FROM "{table}" ORDER BY 1')
    while rows := cursor.fetchmany(size):
        yield [tuple(r) for r in rows]


def insert_rows(db, table: str, names: list[str], rows) -> int:
    marks = ", ".join("?" for _ in names)
    db.conn.executemany(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({marks})', rows)
    return len(rows)


def next_id_floor(db, table: str) -> int:
    """The highest id the table has ever given (its counter), or its highest id; 0 for a table without ids."""
    if "id" not in columns(db, table):
        return 0
    top = db.value(f'SELECT coalesce(max(id), 0) FROM "{table}"')
    if db.engine == "postgres":
        sequence = db.value("SELECT pg_get_serial_sequence(?, 'id')", (table,))
        if sequence:
            row = db.one(f"SELECT last_value, is_called FROM {sequence}")
            top = max(top, row[0] if row[1] else 0)
    elif db.value("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        top = max(top, db.value("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = ?", (table,)) or 0)
    return top


def set_id_floor(db, table: str, value: int) -> None:
    if value <= 0:
        return
    if db.engine == "postgres":
        sequence = db.value("SELECT pg_get_serial_sequence(?, 'id')", (table,))
        if sequence:
            db.value("SELECT setval(?, ?)", (sequence, value))
    elif db.value("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        if db.value("SELECT 1 FROM sqlite_sequence WHERE name = ?", (table,)):
            db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (value, table))
        elif db.value("SELECT 1 FROM sqlite_master WHERE name = ? AND sql LIKE '%AUTOINCREMENT%'", (table,)):
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, value))


def row_count(db, table: str) -> int:
    return db.value(f'SELECT count(*) FROM "{table}"')
