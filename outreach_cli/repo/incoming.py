"""All SQL of incoming mail (I1-I7): seats' mailboxes, the incoming table, and the lookups matching needs."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..errors import NOT_FOUND, refuse
from . import MESSAGE_SELECT, parse_id

INCOMING_SELECT = "SELECT i.*, s.name AS seat FROM incoming i JOIN seats s ON s.id = i.seat_id "


# ---------------------------------------------------------------- mailboxes


def find_mailbox(db, seat_id: int):
    """{"kind", "options" (dict), "source", "cursor"} of the seat's mailbox, or None (kind `none`)."""
    row = db.one("SELECT kind, options, source, cursor FROM seat_mailboxes WHERE seat_id = ?", (seat_id,))
    if row is None:
        return None
    return {
        "kind": row["kind"],
        "options": json.loads(row["options"]),
        "source": row["source"],
        "cursor": row["cursor"],
    }


def configured_mailbox_seats(db) -> list:
    return db.all("SELECT s.* FROM seats s JOIN seat_mailboxes b ON b.seat_id = s.id ORDER BY s.id")


def set_mailbox(db, seat_id: int, kind: str, options: dict, source: str) -> None:
    """Store a mailbox; a changed one starts from no cursor."""
    db.execute(
        "INSERT INTO seat_mailboxes (seat_id, kind, options, source, cursor) VALUES (?, ?, ?, ?, NULL) "
        "ON CONFLICT(seat_id) DO UPDATE SET kind = excluded.kind, options = excluded.options, "
        "source = excluded.source, cursor = CASE WHEN seat_mailboxes.source = excluded.source "
        "THEN seat_mailboxes.cursor END",
        (seat_id, kind, json.dumps(options, sort_keys=True), source),
    )


def delete_mailbox(db, seat_id: int) -> None:
    db.execute("DELETE FROM seat_mailboxes WHERE seat_id = ?", (seat_id,))


def store_cursor(db, seat_id: int, source: str, cursor: str | None) -> None:
    """Only for the mailbox that was read: a `mailbox set` meanwhile keeps its own (empty) cursor."""
    db.execute("UPDATE seat_mailboxes SET cursor = ? WHERE seat_id = ? AND source = ?", (cursor, seat_id, source))


# ---------------------------------------------------------------- incoming


def known_source_keys(db, source: str) -> set[str]:
    return {
        row[0]
        for row in db.conn.execute(
            "SELECT source_key FROM incoming WHERE source = ? AND source_key IS NOT NULL", (source,)
        )
    }


def known_message_ids(db, message_ids: list[str]) -> dict[str, int]:
    """message_id -> incoming id, for those already recorded."""
    found = {}
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(db.conn.execute(f"SELECT message_id, id FROM incoming WHERE message_id IN ({marks})", chunk))
    return found


def insert_incoming(db, **fields) -> int:
    columns = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    return db.execute(f"INSERT INTO incoming ({columns}) VALUES ({marks})", tuple(fields.values())).lastrowid


def update_incoming(db, incoming_id: int, **fields) -> None:
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"UPDATE incoming SET {sets} WHERE id = ?", (*fields.values(), incoming_id))


def get_incoming(db, incoming_id):
    row = db.one(INCOMING_SELECT + "WHERE i.id = ?", (parse_id(incoming_id, "incoming mail"),))
    if row is None:
        raise refuse(NOT_FOUND, f"There is no incoming mail {incoming_id}; see `outreach replies list`.")
    return row


def incoming_by_ids(db, ids: list[int]) -> list:
    rows = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows += db.all(INCOMING_SELECT + f"WHERE i.id IN ({marks})", chunk)
    order = {value: index for index, value in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row["id"]])


def incoming_list(db, unmatched_only: bool = False) -> list:
    if unmatched_only:
        return db.all(INCOMING_SELECT + "WHERE i.kind = 'unmatched' ORDER BY i.id")
    return db.all(INCOMING_SELECT + "WHERE i.kind != 'ignored' ORDER BY i.id")


# ---------------------------------------------------------------- matching (I4)


def find_message_by_internet_ids(db, ids: Sequence[str]):
    """The first of our messages (in the order of `ids`) whose internet_message_id is one of them."""
    ids = list(dict.fromkeys(ids))[:200]
    if not ids:
        return None
    marks = ",".join("?" * len(ids))
    rows = db.all(MESSAGE_SELECT + f"WHERE m.internet_message_id IN ({marks})", ids)
    by_id = {row["internet_message_id"]: row for row in rows}
    return next((by_id[i] for i in ids if i in by_id), None)


def candidates_with_address(db, address: str) -> list[int]:
    """Ids of the (not removed) candidates one of whose addresses is `address`, case-insensitively (I11: the email
    and every `--also-email`)."""
    return [
        row[0]
        for row in db.conn.execute(
            "SELECT id FROM candidates WHERE lower(email) = ? AND removed = 0 UNION "
            "SELECT e.candidate_id FROM candidate_emails e JOIN candidates c ON c.id = e.candidate_id "
            "WHERE lower(e.email) = ? AND c.removed = 0 ORDER BY 1",
            (address.lower(), address.lower()),
        )
    ]


def open_threads_by_candidate(db, address: str, since_text: str) -> list[list[int]]:
    """One list per (not removed) candidate with the address `address`: the ids of their threads with a message
    sent (or in doubt, `unknown`) at or after `since_text` and no response yet (I4)."""
    out = []
    for candidate_id in candidates_with_address(db, address):
        out.append(
            [
                row[0]
                for row in db.conn.execute(
                    "SELECT t.id FROM threads t WHERE t.candidate_id = ? AND t.response_kind IS NULL AND EXISTS (SELECT 1 "
                    "FROM messages m WHERE m.thread_id = t.id AND m.status IN ('sent', 'unknown') "
                    "AND coalesce(m.sent_at_utc, m.last_attempt_utc, m.send_at_utc) >= ?) ORDER BY t.id",
                    (candidate_id, since_text),
                )
            ]
        )
    return out


def threads_by_subject(db, core: str, address: str | None) -> list[int]:
    """I11: the threads (at most 2) whose initial's subject is `core` (case-insensitively) and that have a message
    that went (or may have); only the threads of the candidates with `address` when it is given."""
    sql = (
        "SELECT DISTINCT m.thread_id FROM messages m WHERE m.kind = 'initial' AND lower(m.subject) = lower(?) "
        "AND m.status IN ('sent', 'unknown', 'failed')"
    )
    args: list = [core]
    if address is not None:
        ids = candidates_with_address(db, address)
        if not ids:
            return []
        sql += f" AND m.candidate_id IN ({','.join('?' * len(ids))})"
        args += ids
    return [row[0] for row in db.conn.execute(sql + " ORDER BY m.thread_id LIMIT 2", args)]


def seat_addresses(db) -> set[str]:
    """Every address a seat sends from (its --from and its --also-from), lower-cased (I8)."""
    found = {row[0].lower() for row in db.conn.execute("SELECT address FROM seat_addresses")}
    from email.utils import parseaddr

    for (value,) in db.conn.execute("SELECT from_address FROM seats WHERE from_address IS NOT NULL"):
        address = parseaddr(value)[1].strip().lower()
        if address:
            found.add(address)
    return found


def add_seat_address(db, seat_id: int, address: str) -> None:
    db.execute("INSERT INTO seat_addresses (seat_id, address) VALUES (?, ?) ON CONFLICT DO NOTHING", (seat_id, address))


def add_candidate_email(db, candidate_id: int, email: str) -> None:
    db.execute(
        "INSERT INTO candidate_emails (candidate_id, email) VALUES (?, ?) ON CONFLICT DO NOTHING", (candidate_id, email)
    )


def candidate_emails(db, candidate_id: int) -> list[str]:
    return [
        row[0]
        for row in db.conn.execute(
            "SELECT email FROM candidate_emails WHERE candidate_id = ? ORDER BY email", (candidate_id,)
        )
    ]


def mark_undeliverable(db, candidate_id: int, failed: tuple = ()) -> None:
    """I5, I10: the candidate's email is marked undeliverable, unless every address the report says failed is one
    the candidate had before their email was changed (a late bounce for an old address)."""
    past = {
        row[0]
        for row in db.conn.execute(
            "SELECT lower(email) FROM candidate_past_emails WHERE candidate_id = ?", (candidate_id,)
        )
    }
    current = db.value("SELECT lower(coalesce(email, '')) FROM candidates WHERE id = ?", (candidate_id,)) or ""
    if failed and all(address.lower() in past and address.lower() != current for address in failed):
        return
    db.execute("UPDATE candidates SET email_undeliverable = 1 WHERE id = ?", (candidate_id,))


def clear_undeliverable(db, candidate_id: int) -> None:
    db.execute("UPDATE candidates SET email_undeliverable = 0 WHERE id = ?", (candidate_id,))


def unmatched_candidates(db) -> dict[int, list[int]]:
    """I11: candidate id -> ids of their unmatched mail (which holds their follow-ups)."""
    held: dict[int, list[int]] = {}
    for candidate_id, incoming_id in db.conn.execute(
        "SELECT candidate_id, id FROM incoming WHERE kind = 'unmatched' AND candidate_id IS NOT NULL ORDER BY id"
    ):
        held.setdefault(candidate_id, []).append(incoming_id)
    return held


def erase_incoming_of(db, candidate_id: int, addresses: list[str]) -> None:
    """`candidates remove`: the candidate's incoming mail keeps no sender, name or subject."""
    db.execute(
        "UPDATE incoming SET from_address = NULL, from_name = NULL, subject = NULL, candidate_id = ? "
        "WHERE candidate_id = ? OR thread_id IN (SELECT id FROM threads WHERE candidate_id = ?)",
        (candidate_id, candidate_id, candidate_id),
    )
    for address in addresses:
        db.execute(
            "UPDATE incoming SET from_address = NULL, from_name = NULL, subject = NULL WHERE lower(from_address) = ?",
            (address.lower(),),
        )
    db.execute("DELETE FROM candidate_emails WHERE candidate_id = ?", (candidate_id,))
    db.execute("DELETE FROM candidate_past_emails WHERE candidate_id = ?", (candidate_id,))


def personal_incoming_of_removed(db) -> int:
    """doctor: incoming mail of removed candidates that still holds a sender, a name or a subject."""
    return db.value(
        "SELECT count(*) FROM incoming i WHERE (i.from_address IS NOT NULL OR i.from_name IS NOT NULL OR "
        "i.subject IS NOT NULL) AND (i.candidate_id IN (SELECT id FROM candidates WHERE removed = 1) OR "
        "i.thread_id IN (SELECT t.id FROM threads t JOIN candidates c ON c.id = t.candidate_id WHERE c.removed = 1))"
    )


def clear_undeliverable_if_email_changes(db, candidate_id: int, email: str | None) -> None:
    """Before a candidate's email is set: a different address (not just other capitals) is worth trying (I5); the
    old one is remembered, so a late bounce for it does not mark the new one (I10)."""
    db.execute(
        "INSERT INTO candidate_past_emails (candidate_id, email) SELECT id, email FROM candidates WHERE id = ? "
        "AND email IS NOT NULL AND lower(email) != lower(coalesce(?, '')) ON CONFLICT DO NOTHING",
        (candidate_id, email),
    )
    db.execute(
        "UPDATE candidates SET email_undeliverable = 0 WHERE id = ? AND email_undeliverable = 1 "
        "AND lower(coalesce(email, '')) != lower(coalesce(?, ''))",
        (candidate_id, email),
    )


def undeliverable_recipients(db, draft_id: int, limit: int = 20) -> list[str]:
    """Handles of the draft's recipients whose email hard-bounced (I5)."""
    return [
        row[0]
        for row in db.conn.execute(
            "SELECT c.handle FROM draft_recipients r JOIN candidates c ON c.id = r.candidate_id "
            "WHERE r.draft_id = ? AND c.email_undeliverable = 1 ORDER BY r.position LIMIT ?",
            (draft_id, limit),
        )
    ]


def fail_message(db, message_id: int, failure: str) -> None:
    db.execute("UPDATE messages SET status = 'failed', failure = ? WHERE id = ?", (failure, message_id))


def unfail_bounced(db, message_id: int) -> None:
    """I10: a message failed by a bounce was answered, so it went: `sent` again (its refund stands, C10)."""
    db.execute("UPDATE messages SET status = 'sent', failure = NULL WHERE id = ? AND status = 'failed'", (message_id,))


def seat_also_from(db, seat_id: int) -> list[str]:
    return [
        row[0]
        for row in db.conn.execute("SELECT address FROM seat_addresses WHERE seat_id = ? ORDER BY address", (seat_id,))
    ]


def find_outbox_dir(db, seat_id: int) -> str | None:
    """The directory of the seat's outbox transport, if it has one (I8)."""
    row = db.one("SELECT kind, options FROM seat_transports WHERE seat_id = ?", (seat_id,))
    if row is None or row["kind"] != "outbox":
        return None
    return json.loads(row["options"] or "{}").get("dir")
