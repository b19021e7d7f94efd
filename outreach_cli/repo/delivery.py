"""All SQL of delivery (D1-D9) and of the tick's due query: claims, records, recovery, `resolve`, the
attention folder, doctor's delivery checks. Functions take a Database and return rows or plain values."""

from __future__ import annotations

import json

# The due moment of a scheduled message (D5): a retry falls due at its retry_at. `messages_due` (0004) is an
# index on this very expression, so the due query and `clock set` search it.
DUE_AT = "coalesce(m.retry_at_utc, m.send_at_utc)"

# A follow-up waits while its initial is in flight, unknown or waiting to retry: it is not due yet (its time
# moves by F3 once the initial goes), so it is left out of the due query rather than canceled.
_WAITING = (
    "(m.kind = 'followup' AND (o.status IN ('sending', 'unknown') "
    "OR (o.status = 'scheduled' AND o.retry_at_utc IS NOT NULL)))"
)

DUE = f"""
SELECT m.id, m.thread_id, m.kind, m.seat_id, m.candidate_id, {DUE_AT} AS due_at, m.paid_by, m.credit,
       t.response_kind, c.opted_out, c.removed, c.out_of_network, c.timezone AS candidate_timezone,
       c.country AS candidate_country,
       o.id AS other_id, o.status AS other_status, o.delay_hours AS other_delay, o.send_at_utc AS other_send_at,
       o.paid_by AS other_paid_by, o.credit AS other_credit, o.sent_at_utc AS other_sent_at
FROM messages m
JOIN threads t ON t.id = m.thread_id
JOIN candidates c ON c.id = m.candidate_id
LEFT JOIN messages o ON o.thread_id = m.thread_id AND o.id != m.id
WHERE m.status = 'scheduled' AND {DUE_AT} {{op}} ? AND NOT {_WAITING}{{held}}
ORDER BY {DUE_AT}, m.kind, m.id
LIMIT ?"""

WORK_DUE = (
    f"SELECT EXISTS (SELECT 1 FROM messages m WHERE m.status = 'scheduled' AND {DUE_AT} <= ?) "
    "OR EXISTS (SELECT 1 FROM seats WHERE next_refresh_utc <= ?)"
)
NEXT_REFRESH = "SELECT min(next_refresh_utc) FROM seats"
SCHEDULED_BEFORE = (
    f"SELECT count(*) FROM messages m LEFT JOIN messages o ON o.thread_id = m.thread_id AND o.id != m.id "
    f"WHERE m.status = 'scheduled' AND {DUE_AT} < ? AND NOT {_WAITING}"
)

# K2 counts what went and what is going (D7): a message in flight is today's.
SENDING_OF_SEAT = "SELECT count(*) FROM messages WHERE seat_id = ? AND status = 'sending'"
IN_FLIGHT = (
    "SELECT m.id, m.seat_id, m.claimed_by, m.claim_expires_utc, m.internet_message_id, "
    "m.last_attempt_utc, m.kind, m.thread_id, m.claim_transport FROM messages m WHERE m.status = 'sending'"
)


def due(db, bound_text: str, before: bool, limit: int, held=(), paused=()) -> list:
    """Up to `limit` scheduled messages due at (or, `before`, strictly before) `bound_text`, in K1 order, with
    what the rules need. `held`: seats whose follow-ups are not due in this tick (I2), and ("candidate", id) for a
    candidate whose mail is unmatched (I11); `paused`: seats whose messages are not due in this tick (D12 a
    configuration error, D18 a server that did not answer)."""
    seats = sorted(item for item in held if isinstance(item, int))
    people = sorted(item[1] for item in held if isinstance(item, tuple))
    paused = sorted(paused)
    clause = f" AND NOT (m.kind = 'followup' AND m.seat_id IN ({','.join('?' * len(seats))}))" if seats else ""
    if people:
        clause += f" AND NOT (m.kind = 'followup' AND m.candidate_id IN ({','.join('?' * len(people))}))"
    if paused:
        clause += f" AND m.seat_id NOT IN ({','.join('?' * len(paused))})"
    sql = DUE.format(op="<" if before else "<=", held=clause) + db.for_update_skip_locked  # P3
    return db.all(sql, (bound_text, *seats, *people, *paused, limit))


def _acting(db, joint: str) -> str:
    """P6: on PostgreSQL a tick refreshes only the seats its role acts for (every seat for the owner)."""
    return joint + db.acting_seats if db.acting_seats else ""


def work_due(db, target_text: str) -> bool:
    sql = WORK_DUE if not db.acting_seats else WORK_DUE[:-1] + _acting(db, " AND ") + ")"
    return bool(db.value(sql, (target_text, target_text)))


def next_refresh(db):
    return db.value(NEXT_REFRESH + _acting(db, " WHERE "))


def seats_refreshing_at(db, moment_text: str):
    return db.all("SELECT * FROM seats WHERE next_refresh_utc = ?" + _acting(db, " AND "), (moment_text,))


def scheduled_before(db, moment_text: str) -> int:
    return db.value(SCHEDULED_BEFORE, (moment_text,))


def data_version(db) -> int:
    """Changes whenever another connection has committed since this one last looked (SQLite's PRAGMA
    data_version); this connection's own commits leave it as it is."""
    return db.data_version()  # PRAGMA data_version on SQLite (db.py), the server's horizon on PostgreSQL


def sending_count(db, seat_id: int) -> int:
    return db.value(SENDING_OF_SEAT, (seat_id,))


# ---------------------------------------------------------------- plain tick writes


def mark_sent(db, pairs) -> None:
    """(sent_at, id) pairs of the recorded-only path (transport none)."""
    db.conn.executemany("UPDATE messages SET status = 'sent', sent_at_utc = ? WHERE id = ?", pairs)


def move(db, pairs) -> None:
    """(send_at, id): a follow-up moved by F3."""
    db.conn.executemany("UPDATE messages SET send_at_utc = ? WHERE id = ?", pairs)


def cancel(db, pairs) -> None:
    """(reason, id) pairs; the refunds are written by credits.refund_many."""
    db.conn.executemany("UPDATE messages SET status = 'canceled', cancel_reason = ? WHERE id = ?", pairs)


# ---------------------------------------------------------------- seats' transports


def transports(db) -> dict[int, dict]:
    """seat id -> {"kind": ..., **options} of every seat whose transport is not `none`."""
    return {
        row["seat_id"]: {"kind": row["kind"], **json.loads(row["options"])}
        for row in db.all("SELECT seat_id, kind, options FROM seat_transports WHERE kind != 'none'")
    }


def transport_kind(db, seat_id: int) -> str:
    return db.value("SELECT kind FROM seat_transports WHERE seat_id = ?", (seat_id,)) or "none"


# ---------------------------------------------------------------- claim, record (D5)


def claim(db, rows) -> int:
    """(claim_transport, claimed_by, claim_expires, attempt_at, attempt_at, id): scheduled -> sending, one more
    attempt; `claim_transport` is the JSON of the transport's kind and settings that makes the attempt (D10)."""
    return db.conn.executemany(
        "UPDATE messages SET status = 'sending', claim_transport = ?, claimed_by = ?, claim_expires_utc = ?, "
        "attempts = attempts + 1, held_reason = NULL, "
        "first_attempt_utc = coalesce(first_attempt_utc, ?), last_attempt_utc = ? "
        "WHERE id = ? AND status = 'scheduled'",
        rows,
    ).rowcount


def claimed(db, ids: list[int]) -> list:
    """Everything the envelope needs, for messages just claimed: the message (with seat and candidate names),
    the candidate's email and name, the seat's address and zone, a follow-up's initial Message-ID, and an
    initial's follow-up id (None when the thread has none)."""
    marks = ",".join("?" * len(ids))
    return db.all(
        "SELECT m.*, c.handle AS candidate, s.name AS seat, c.email AS candidate_email, c.first_name, "
        "c.last_name, s.from_address, s.timezone AS seat_timezone, i.internet_message_id AS initial_message_id, "
        "f.id AS followup_id, s.list_unsubscribe AS seat_list_unsubscribe, c.timezone AS candidate_timezone, "
        "c.country AS candidate_country "
        "FROM messages m JOIN candidates c ON c.id = m.candidate_id JOIN seats s ON s.id = m.seat_id "
        "LEFT JOIN messages i ON i.thread_id = m.thread_id AND i.kind = 'initial' AND m.kind = 'followup' "
        "LEFT JOIN messages f ON f.thread_id = m.thread_id AND f.kind = 'followup' AND m.kind = 'initial' "
        f"WHERE m.id IN ({marks}) ORDER BY m.id",
        ids,
    )


_UNCLAIM = "claimed_by = NULL, claim_expires_utc = NULL"


def record_sent(db, rows) -> None:
    """(sent_at, transport_id, id)."""
    db.conn.executemany(
        f"UPDATE messages SET status = 'sent', sent_at_utc = ?, transport_id = ?, failure = NULL, "
        f"{_UNCLAIM} WHERE id = ? AND status = 'sending'",
        rows,
    )


def record_retry(db, rows) -> None:
    """(retry_at, failure, id): back to scheduled, due again at retry_at."""
    db.conn.executemany(
        f"UPDATE messages SET status = 'scheduled', retry_at_utc = ?, failure = ?, {_UNCLAIM} "
        "WHERE id = ? AND status = 'sending'",
        rows,
    )


def record_failed(db, rows) -> None:
    """(failure, id)."""
    db.conn.executemany(
        f"UPDATE messages SET status = 'failed', failure = ?, {_UNCLAIM} WHERE id = ? AND status = 'sending'", rows
    )


def record_unknown(db, rows) -> None:
    """(failure, id): it may or may not have gone; never resent automatically."""
    db.conn.executemany(
        f"UPDATE messages SET status = 'unknown', failure = ?, {_UNCLAIM} "
        "WHERE id = ? AND status IN ('sending', 'unknown')",
        rows,
    )


def unclaim(db, ids) -> None:
    """A stale outbox claim whose file never reached new/: plainly scheduled again."""
    db.conn.executemany(
        f"UPDATE messages SET status = 'scheduled', {_UNCLAIM} WHERE id = ? AND status = 'sending'", ((i,) for i in ids)
    )


def record_held(db, rows) -> None:
    """(held_reason, id): D12, a configuration error: not attempted after all, so the claim's attempt is taken back
    (and a first attempt's moment with it: D5's 24 hours do not run); the message stays scheduled, due as before."""
    db.conn.executemany(
        f"UPDATE messages SET status = 'scheduled', held_reason = ?1, failure = ?1, {_UNCLAIM}, "
        "attempts = max(attempts - 1, 0), first_attempt_utc = CASE WHEN attempts <= 1 THEN NULL ELSE first_attempt_utc END "
        "WHERE id = ?2 AND status = 'sending'",
        rows,
    )


def set_message_id(db, message_id: int, internet_message_id: str) -> None:
    """D13: the final Message-ID, set at the first attempt by an email transport."""
    db.execute("UPDATE messages SET internet_message_id = ? WHERE id = ?", (internet_message_id, message_id))


def hold_due(db, seat_id: int, reason: str, bound_text: str) -> None:
    """D12: the seat's other due messages wait for the same fix; the attention folder lists them with the reason."""
    db.execute(
        f"UPDATE messages AS m SET held_reason = ?1, failure = coalesce(failure, ?1) WHERE m.seat_id = ?2 "
        f"AND m.status = 'scheduled' AND {DUE_AT} <= ?3",
        (reason, seat_id, bound_text),
    )


def unsettled_of_seat(db, seat_id: int) -> list:
    """D10: the seat's messages in flight, unknown or waiting to retry (id, status)."""
    return db.all(
        "SELECT id, status, retry_at_utc FROM messages WHERE seat_id = ? AND (status IN ('sending', 'unknown') "
        "OR (status = 'scheduled' AND retry_at_utc IS NOT NULL)) ORDER BY id LIMIT 50",
        (seat_id,),
    )


def in_flight(db) -> list:
    return db.all(IN_FLIGHT)


# ---------------------------------------------------------------- resolve (D5)


def resolve_sent(db, message_id: int, sent_at: str) -> None:
    db.execute(f"UPDATE messages SET status = 'sent', sent_at_utc = ?, {_UNCLAIM} WHERE id = ?", (sent_at, message_id))


def resolve_resend(db, message_id: int, due_at: str) -> None:
    db.execute(
        f"UPDATE messages SET status = 'scheduled', retry_at_utc = ?, first_attempt_utc = NULL, {_UNCLAIM} "
        "WHERE id = ?",
        (due_at, message_id),
    )


# ---------------------------------------------------------------- scheduling (D3)


def recipients_without_email(db, draft_id: int, limit: int = 50) -> list[str]:
    return [
        r[0]
        for r in db.all(
            "SELECT c.handle FROM draft_recipients r JOIN candidates c ON c.id = r.candidate_id "
            "WHERE r.draft_id = ? AND (c.email IS NULL OR trim(c.email) = '') ORDER BY r.position LIMIT ?",
            (draft_id, limit),
        )
    ]


# ---------------------------------------------------------------- views and doctor (D8)


def doctor_findings(db) -> list[tuple[str, str]]:
    """(check, sentence) for each broken delivery invariant."""
    out = []
    for row in db.all(
        "SELECT id FROM messages WHERE status = 'sending' AND (claimed_by IS NULL "
        "OR claim_expires_utc IS NULL) LIMIT 50"
    ):
        out.append(("delivery", f"Message {row['id']} is sending but has no claim."))
    for row in db.all("SELECT id, credit FROM messages WHERE status = 'failed' AND credit != 'refunded' LIMIT 50"):
        out.append(("delivery", f"Message {row['id']} failed but was not refunded (credit {row['credit']})."))
    for row in db.all(
        "SELECT id FROM messages m WHERE m.status = 'sent' AND m.attempts < 1 AND "
        "(m.transport_id IS NOT NULL OR m.first_attempt_utc IS NOT NULL) LIMIT 50"
    ):
        out.append(("delivery", f"Message {row['id']} was sent by a transport but records no attempt."))
    for row in db.all(  # D17: what goes (or went) carries one net charge, unless a response refunded it (C2-C4)
        "SELECT m.id, m.status FROM messages m JOIN threads t ON t.id = m.thread_id "
        "WHERE m.status IN ('scheduled', 'sending', 'unknown', 'sent') AND m.credit = 'refunded' "
        "AND t.response_kind IS NULL LIMIT 50"
    ):
        out.append(
            (
                "charge",
                f"Message {row['id']} is {row['status']} but carries no net charge (it was refunded and "
                "not charged again): it would go, or went, for free.",
            )
        )
    return out


# ---------------------------------------------------------------- sending at the right time (W4, W5)


def defer(db, triples) -> None:
    """(due, due, id): a message moved to a later due moment by pace (W4) or catch-up (W5); a message waiting
    for a retry moves its retry_at, any other its send_at."""
    db.conn.executemany(
        "UPDATE messages SET retry_at_utc = CASE WHEN retry_at_utc IS NULL THEN NULL ELSE ? END, "
        "send_at_utc = CASE WHEN retry_at_utc IS NULL THEN ? ELSE send_at_utc END WHERE id = ?",
        triples,
    )


def sent_in_hour(db, seat_id: int, start_text: str, end_text: str) -> int:
    """W4: the seat's messages that went in [start, end)."""
    return db.value(
        "SELECT count(*) FROM messages WHERE seat_id = ? AND status = 'sent' AND sent_at_utc >= ? AND sent_at_utc < ?",
        (seat_id, start_text, end_text),
    )


def windowed_seats(db):
    """W5: the seats whose late messages a catch-up may move (those with a window)."""
    return db.all("SELECT * FROM seats WHERE send_window IS NOT NULL" + _acting(db, " AND ") + " ORDER BY id")


def late_of_seat(db, seat_id: int, before_text: str):
    """W5: the seat's scheduled messages due before `before_text`, with their candidate's zone and country."""
    return db.all(
        f"SELECT m.id, {DUE_AT} AS due_at, c.timezone AS candidate_timezone, c.country AS candidate_country "
        f"FROM messages m JOIN candidates c ON c.id = m.candidate_id WHERE m.seat_id = ? "
        f"AND m.status = 'scheduled' AND {DUE_AT} < ? ORDER BY {DUE_AT}, m.kind, m.id",
        (seat_id, before_text),
    )
