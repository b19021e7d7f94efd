"""The SQL of candidates beyond single rows (repo/__init__.py): existence, bulk import, erasure."""

from __future__ import annotations

IMPORT_COLUMNS = (
    "handle",
    "first_name",
    "last_name",
    "company",
    "title",
    "timezone",
    "email",
    "country",
    "out_of_network",
)


def handle_taken(db, handle: str) -> bool:
    """Whether any candidate, removed or not, has this handle."""
    return db.one("SELECT 1 FROM candidates WHERE handle = ?", (handle,)) is not None


def live_handle_ids(db) -> dict[str, int]:
    """Handle -> id of every candidate not removed."""
    return dict(db.all("SELECT handle, id FROM candidates WHERE removed = 0"))


def insert_candidates(db, rows) -> None:
    """Insert rows of IMPORT_COLUMNS values, in that order."""
    db.conn.executemany(
        f"INSERT INTO candidates ({', '.join(IMPORT_COLUMNS)}) VALUES ({', '.join('?' * len(IMPORT_COLUMNS))})", rows
    )


def scheduled_messages_of(db, candidate_id: int):
    return db.all("SELECT * FROM messages WHERE candidate_id = ? AND status = 'scheduled'", (candidate_id,))


def erase_texts_and_drafts(db, candidate_id: int) -> None:
    """Blank the texts of every message to the candidate and take them off every draft (K4)."""
    db.execute("UPDATE messages SET subject = '[removed]', body = '[removed]' WHERE candidate_id = ?", (candidate_id,))
    db.execute("DELETE FROM draft_recipients WHERE candidate_id = ?", (candidate_id,))
