"""The SQL of the read-only views: inbox folders (V1), stats (R3), the agenda's rehearsal."""

from __future__ import annotations

from . import MESSAGE_SELECT

# folder -> (condition, order) over messages m joined to their thread t
_FOLDERS = {
    "scheduled": ("m.status = 'scheduled'", "m.send_at_utc, m.kind, m.id"),
    "sent": ("m.status = 'sent'", "m.sent_at_utc, m.id"),
    "awaiting-reply": (
        "((m.status = 'sent' AND t.response_kind IS NULL) OR "
        "(m.status = 'canceled' AND m.cancel_reason = 'daily_limit'))",
        "m.send_at_utc, m.id",
    ),
    "responded": ("m.status = 'sent' AND t.response_kind IS NOT NULL", "m.sent_at_utc, m.id"),
    "canceled": ("m.status = 'canceled'", "m.send_at_utc, m.id"),
    # D8: unknown and failed messages; D12: held by a configuration error, or waiting to retry; I13: a follow-up
    # that went after the candidate had answered
    "attention": (
        "(m.status IN ('unknown', 'failed') OR (m.status = 'scheduled' AND (m.retry_at_utc IS NOT NULL "
        "OR m.held_reason IS NOT NULL)) OR (m.kind = 'followup' AND m.status = 'sent' "
        "AND t.response_utc < m.sent_at_utc))",
        "m.send_at_utc, m.id",
    ),
}
MESSAGE_FOLDERS = tuple(_FOLDERS)


def folder_messages(db, seat_id: int, folder: str):
    """The seat's messages in one of MESSAGE_FOLDERS, in the folder's order."""
    where, order = _FOLDERS[folder]
    select = MESSAGE_SELECT.replace(" FROM ", ", t.response_utc AS thread_response_utc FROM ", 1)
    return db.all(
        select + f"JOIN threads t ON t.id = m.thread_id WHERE m.seat_id = ? AND {where} ORDER BY {order}", (seat_id,)
    )


def first_charge_at(db, seat_id: int) -> str | None:
    """When the seat's first message-related ledger row was written (None when there is none)."""
    return db.value(
        "SELECT min(l.at_utc) FROM ledger l JOIN messages m ON m.id = l.message_id WHERE m.seat_id = ?", (seat_id,)
    )


def sent_counts(db, seat_id: int, since_text: str, until_text: str):
    """Row (n, initial, followup): messages the seat sent in [since, until)."""
    return db.one(
        "SELECT count(*) AS n, sum(CASE WHEN m.kind = 'initial' THEN 1 ELSE 0 END) AS initial, sum(CASE WHEN m.kind = 'followup' THEN 1 ELSE 0 END) AS followup "
        "FROM messages m WHERE m.seat_id = ? AND m.status = 'sent' AND m.sent_at_utc >= ? AND m.sent_at_utc < ?",
        (seat_id, since_text, until_text),
    )


def responses_to_sent(db, seat_id: int, since_text: str, until_text: str):
    """(response_kind, response_utc, sent_at_utc) of every response to a message sent in [since, until)."""
    return db.all(
        "SELECT t.response_kind, t.response_utc, m.sent_at_utc FROM threads t JOIN messages m "
        "ON m.id = t.response_message_id WHERE t.seat_id = ? AND m.sent_at_utc >= ? AND m.sent_at_utc < ?",
        (seat_id, since_text, until_text),
    )


def charges_and_refunds(db, seat_id: int, since_text: str, until_text: str):
    """Row (charged, refunded): credits of the seat's messages charged and refunded in [since, until)."""
    return db.one(
        "SELECT sum(CASE WHEN l.reason = 'charge' THEN -l.delta ELSE 0 END) AS charged, "
        "sum(CASE WHEN l.reason = 'refund' THEN l.delta ELSE 0 END) AS refunded FROM ledger l "
        "JOIN messages m ON m.id = l.message_id WHERE m.seat_id = ? AND l.at_utc >= ? AND l.at_utc < ?",
        (seat_id, since_text, until_text),
    )


def handled_messages(db, seat_id: int, ids: list[int]) -> list:
    """(id, kind, status, cancel_reason, at) of the seat's messages among `ids`; `at` is when it was sent,
    else when it was due."""
    rows = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows.extend(
            db.all(
                f"SELECT id, kind, status, cancel_reason, coalesce(sent_at_utc, send_at_utc) AS at FROM messages "
                f"WHERE seat_id = ? AND id IN ({','.join('?' * len(chunk))})",
                (seat_id, *chunk),
            )
        )
    return rows


def initial_history(db, seat_id: int):
    """W6: (sent_at_utc, candidate's zone, response_utc) of each of the seat's sent initials."""
    return db.all(
        "SELECT m.sent_at_utc, c.timezone, t.response_utc FROM messages m JOIN threads t ON t.id = m.thread_id "
        "JOIN candidates c ON c.id = m.candidate_id WHERE m.seat_id = ? AND m.kind = 'initial' "
        "AND m.status = 'sent'",
        (seat_id,),
    )
