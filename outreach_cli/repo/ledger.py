"""The SQL of credit movements beside the ledger rows (repo.record_ledger writes the rows themselves)."""

from __future__ import annotations


def mark_charged(db, account: str, message_ids) -> None:
    db.conn.executemany(
        "UPDATE messages SET paid_by = ?, credit = 'charged' WHERE id = ?", ((account, mid) for mid in message_ids)
    )


def mark_refunded(db, message_ids) -> None:
    db.conn.executemany("UPDATE messages SET credit = 'refunded' WHERE id = ?", ((mid,) for mid in message_ids))


def add_used(db, seat_id: int, count: int) -> None:
    """Count messages against a seat's admin monthly limit (C7); for a recruiter's role on PostgreSQL the
    database counts them with the charge's ledger row (P6)."""
    if db.balances_moved_by_database:
        return
    db.execute("UPDATE seats SET used_this_period = used_this_period + ? WHERE id = ?", (count, seat_id))
