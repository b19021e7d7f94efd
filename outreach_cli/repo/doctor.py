"""The SQL of `doctor`: each invariant read as rows; the service decides what is a finding."""

from __future__ import annotations

import sqlite3


def integrity_problems(db) -> list[str]:
    """SQLite's own integrity check: ["ok"] on a sound file, else up to 20 problems (or the error that
    stopped the check)."""
    if db.engine != "sqlite":
        return ["ok"]  # PostgreSQL checks its own pages (checksums); doctor's other checks run alike
    try:
        return [r[0] for r in db.all("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]


def seat_balances(db):
    """Each seat's cached balance beside the sum of its ledger rows."""
    return db.all(
        "SELECT s.name, s.balance, coalesce(sum(l.delta), 0) AS total FROM seats s "
        "LEFT JOIN ledger l ON l.seat_id = s.id AND l.account = 'seat' GROUP BY s.id"
    )


def pool_and_total(db) -> tuple:
    """The contract pool beside the sum of its ledger rows."""
    return (
        db.value("SELECT pool FROM contract"),
        db.value("SELECT coalesce(sum(delta), 0) FROM ledger WHERE account = 'contract'"),
    )


def unknown_accounts(db):
    return db.all("SELECT account, delta FROM ledger WHERE account NOT IN ('seat', 'contract') LIMIT 1")


def charge_mismatches(db):
    """Messages (at most 50) whose charges and refunds do not match their credit state (C10)."""
    return db.all(
        "SELECT * FROM (SELECT m.id, m.credit, sum(CASE WHEN l.reason = 'charge' THEN 1 ELSE 0 END) AS charges, "
        "sum(CASE WHEN l.reason = 'refund' THEN 1 ELSE 0 END) AS refunds "
        "FROM messages m LEFT JOIN ledger l ON l.message_id = m.id GROUP BY m.id) x "
        "WHERE charges IS NULL OR charges < 1 OR refunds > charges OR charges > refunds + 1 "
        "OR (credit = 'charged' AND charges != refunds + 1) OR (credit = 'refunded' AND charges != refunds) "
        "LIMIT 50"
    )


def followups_sent_after_response(db):
    return db.all(
        "SELECT f.id, t.response_utc, f.sent_at_utc FROM messages f JOIN threads t ON t.id = f.thread_id "
        "WHERE f.kind = 'followup' AND f.status = 'sent' AND t.response_utc IS NOT NULL "
        "AND t.response_utc < f.sent_at_utc "
        # I13: a reply dated before the follow-up went but read after it: the tool could not have known
        "AND (t.response_read_utc IS NULL OR t.response_read_utc < f.sent_at_utc) LIMIT 50"
    )


def followups_sent_before_initial(db):
    return db.all(
        "SELECT f.id FROM messages f JOIN messages i ON i.thread_id = f.thread_id AND i.kind = 'initial' "
        "WHERE f.kind = 'followup' AND f.status = 'sent' "
        # an initial that bounced after its follow-up went (I5) is no follow-up out of order
        "AND ((i.status != 'sent' AND NOT (i.status = 'failed' AND i.failure LIKE 'bounced:%')) "
        "OR i.sent_at_utc > f.sent_at_utc) "
        "LIMIT 50"
    )


def ledger_rows_after(db, at_text: str) -> int:
    return db.value("SELECT count(*) FROM ledger WHERE at_utc > ?", (at_text,))


def removed_leftovers(db) -> tuple[int, int]:
    """Removed candidates that still hold a personal field, and their messages that still hold text."""
    leftovers = db.value(
        "SELECT count(*) FROM candidates WHERE removed = 1 AND (first_name IS NOT NULL OR last_name IS NOT NULL "
        "OR company IS NOT NULL OR title IS NOT NULL OR email IS NOT NULL OR timezone IS NOT NULL)"
    )
    texts = db.value(
        "SELECT count(*) FROM messages m JOIN candidates c ON c.id = m.candidate_id WHERE c.removed = 1 "
        "AND (m.subject != '[removed]' OR m.body != '[removed]')"
    )
    return leftovers, texts
