"""The SQL of a bulk schedule: threads and messages written a chunk at a time, ids read back with RETURNING."""

from __future__ import annotations

MESSAGE_COLUMNS = (
    "thread_id",
    "kind",
    "seat_id",
    "candidate_id",
    "subject",
    "body",
    "status",
    "send_at_utc",
    "timezone",
    "timezone_source",
    "delay_hours",
    "paid_by",
    "credit",
    "internet_message_id",
    "best",
)
_ROWS_PER_STATEMENT = 500  # one compiled statement, reused (same text), small enough to keep memory near executemany's


def _insert_returning(db, table: str, columns: tuple, rows: list, returning: str) -> list:
    """Multi-row INSERTs (one statement per _ROWS_PER_STATEMENT rows) with RETURNING; rows in any order."""
    out = []
    row_marks = "(" + ", ".join("?" * len(columns)) + ")"
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ROWS_PER_STATEMENT]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row_marks] * len(chunk))} "
            f"RETURNING {returning}"
        )
        cursor = db.conn.cursor()
        cursor.row_factory = None
        out += cursor.execute(sql, [value for row in chunk for value in row]).fetchall()
    return out


def insert_threads(db, draft_id: int, seat_id: int, candidate_ids: list[int]) -> dict[int, int]:
    """One thread per candidate (each once per draft); returns candidate id -> thread id."""
    rows = [(draft_id, seat_id, candidate_id) for candidate_id in candidate_ids]
    returned = _insert_returning(db, "threads", ("draft_id", "seat_id", "candidate_id"), rows, "candidate_id, id")
    return dict(returned)


def insert_messages(db, rows: list[tuple]) -> list[int]:
    """Rows of MESSAGE_COLUMNS values; returns the new ids, ascending."""
    return sorted(row[0] for row in _insert_returning(db, "messages", MESSAGE_COLUMNS, rows, "id"))


# D15: a seat's scheduled messages due in [start, end) (the messages_due index's range, then the seat).
SCHEDULED_BETWEEN = (
    "SELECT count(*) FROM messages WHERE status = 'scheduled' "
    "AND coalesce(retry_at_utc, send_at_utc) >= ? AND coalesce(retry_at_utc, send_at_utc) < ? "
    "AND seat_id = ?"
)


def scheduled_between(db, seat_id: int, start_text: str, end_text: str) -> int:
    return db.value(SCHEDULED_BETWEEN, (start_text, end_text, seat_id))
