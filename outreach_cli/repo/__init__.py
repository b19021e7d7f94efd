"""The repository's core (settings, contract, seats, candidates, drafts, threads, messages, ledger); the
repo_*.py modules hold the SQL of one area each. Functions take a Database and return rows or plain values;
no rules live here. A missing row is a plain NotFound; the services word it for the recruiter."""

from __future__ import annotations

from ..errors import NotFound


def _insert(db, table: str, fields: dict) -> int:
    columns = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    return db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(fields.values())).lastrowid


def _update(db, table: str, row_id: int, fields: dict) -> None:
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*fields.values(), row_id))


# ---------------------------------------------------------------- settings


def any_mailbox(db) -> bool:
    """Whether some seat reads a mailbox (I2): tick then reads mail before it sends."""
    return bool(db.value("SELECT EXISTS (SELECT 1 FROM seat_mailboxes)"))


def any_unmatched(db) -> bool:
    """Whether a candidate's mail waits to be assigned or dismissed (I11): tick then holds their follow-ups."""
    return bool(
        db.value("SELECT EXISTS (SELECT 1 FROM incoming WHERE kind = 'unmatched' AND candidate_id IS NOT NULL)")
    )


def find_setting(db, key: str, default=None):
    value = db.value("SELECT value FROM settings WHERE key = ?", (key,))
    return default if value is None else value


def set_setting(db, key: str, value) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def delete_setting(db, key: str) -> None:
    db.execute("DELETE FROM settings WHERE key = ?", (key,))


# D20: the latest instant the database recorded on the system clock, in one statement of index reads: each seat's
# latest sent message (messages_seat_sent), the claims in flight (messages_in_flight), and the newest ledger and
# incoming rows (their primary keys grow with time).
LATEST_RECORDED = (
    "SELECT (SELECT max(per_seat.latest) FROM (SELECT (SELECT max(m.sent_at_utc) FROM messages m "
    "WHERE m.status = 'sent' AND m.seat_id = s.id) AS latest FROM seats s) AS per_seat), "
    "(SELECT max(last_attempt_utc) FROM messages WHERE status = 'sending'), "
    "(SELECT at_utc FROM ledger WHERE id = (SELECT max(id) FROM ledger)), "
    "(SELECT read_at_utc FROM incoming WHERE id = (SELECT max(id) FROM incoming))"
)


def find_latest_recorded(db):
    """D20: the latest of those instants (an aware datetime), or None in a database that recorded none."""
    found = [value for value in db.one(LATEST_RECORDED) if value]
    if not found:
        return None
    from ..timeparse import from_text

    return from_text(max(found))


# ---------------------------------------------------------------- contract and seats


def contract(db):
    return db.one("SELECT * FROM contract WHERE id = 1")


def insert_contract(db, refresh_day: int) -> None:
    db.execute("INSERT INTO contract (id, refresh_day) VALUES (1, ?)", (refresh_day,))


def update_contract(db, **fields) -> None:
    _update(db, "contract", 1, fields)


def get_seat_by_name(db, name: str):
    row = db.one("SELECT * FROM seats WHERE name = ?", (name,))
    if row is None:
        raise NotFound("seat", name)
    return row


def find_seat_by_name(db, name: str):
    """The seat of that name, or None."""
    return db.one("SELECT * FROM seats WHERE name = ?", (name,))


def count_refreshes_before(db, at_text: str) -> int:
    return db.value("SELECT count(*) FROM seats WHERE next_refresh_utc < ?", (at_text,))


def find_seat_by_id(db, seat_id: int):
    return db.one("SELECT * FROM seats WHERE id = ?", (seat_id,))


def seats(db):
    return db.all("SELECT * FROM seats ORDER BY id")


def insert_seat(db, **fields) -> int:
    return _insert(db, "seats", fields)


def update_seat(db, seat_id: int, **fields) -> None:
    _update(db, "seats", seat_id, fields)


# ---------------------------------------------------------------- candidates


def get_candidate_by_handle(db, handle: str):
    row = db.one("SELECT * FROM candidates WHERE handle = ? AND removed = 0", (handle,))
    if row is None:
        # removed candidates' handles, real or not, are never given to anyone again
        removed = (
            handle.startswith("removed-")
            or db.one("SELECT 1 FROM candidates WHERE handle = ? AND removed = 1", (handle,)) is not None
        )
        raise NotFound("candidate", handle, removed=removed)
    return row


def find_candidate_by_id(db, candidate_id: int):
    return db.one("SELECT * FROM candidates WHERE id = ?", (candidate_id,))


def candidate_ids(db, handles: list[str]) -> dict[str, int]:
    """Handle -> id for the handles that exist (ids only: a bulk list can be 100,000 long)."""
    found = {}
    for start in range(0, len(handles), 500):
        chunk = handles[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(db.all(f"SELECT handle, id FROM candidates WHERE removed = 0 AND handle IN ({marks})", chunk))
    return found


def listed_candidates(db):
    return db.all("SELECT * FROM candidates WHERE removed = 0 ORDER BY handle")


def insert_candidate(db, handle: str, **fields) -> int:
    return _insert(db, "candidates", {"handle": handle, **fields})


def update_candidate(db, candidate_id: int, **fields) -> None:
    _update(db, "candidates", candidate_id, fields)


# ---------------------------------------------------------------- drafts


def get_draft(db, draft_id):
    row = db.one("SELECT * FROM drafts WHERE id = ?", (parse_id(draft_id, "draft"),))
    if row is None:
        raise NotFound("draft", draft_id)
    return row


def draft_recipients(db, draft_id: int) -> list:
    return [row for chunk in iter_draft_recipients(db, draft_id) for row in chunk]


def iter_draft_recipients(db, draft_id: int, size: int = 2000):
    """The draft's recipients in order, `size` at a time, through one cursor."""
    cursor = db.execute(
        "SELECT c.* FROM draft_recipients r JOIN candidates c ON c.id = r.candidate_id "
        "WHERE r.draft_id = ? ORDER BY r.position",
        (draft_id,),
    )
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            return
        yield rows


def draft_recipient_count(db, draft_id: int) -> int:
    return db.value("SELECT count(*) FROM draft_recipients WHERE draft_id = ?", (draft_id,))


_FIRST_RECIPIENT = (
    "SELECT c.* FROM draft_recipients r JOIN candidates c ON c.id = r.candidate_id "
    "WHERE r.draft_id = ? AND {} ORDER BY r.position LIMIT 1"
)


def find_first_opted_out_recipient(db, draft_id: int):
    """The draft's first recipient who opted out, or None."""
    return db.one(_FIRST_RECIPIENT.format("c.opted_out = 1"), (draft_id,))


def find_first_out_of_network_recipient(db, draft_id: int):
    """The draft's first recipient outside the seat's network, or None."""
    return db.one(_FIRST_RECIPIENT.format("c.out_of_network = 1"), (draft_id,))


def draft_recipient_handles(db, draft_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in draft_ids}
    if draft_ids:
        marks = ",".join("?" * len(draft_ids))
        for row in db.all(
            f"SELECT r.draft_id, c.handle FROM draft_recipients r JOIN candidates c "
            f"ON c.id = r.candidate_id WHERE r.draft_id IN ({marks}) ORDER BY r.position",
            draft_ids,
        ):
            out[row[0]].append(row[1])
    return out


def insert_draft(db, candidate_ids: list[int], **fields) -> int:
    draft_id = _insert(db, "drafts", fields)
    db.conn.executemany(
        "INSERT INTO draft_recipients (draft_id, candidate_id, position) VALUES (?, ?, ?)",
        ((draft_id, cid, pos) for pos, cid in enumerate(candidate_ids)),
    )
    return draft_id


def update_draft(db, draft_id: int, **fields) -> None:
    _update(db, "drafts", draft_id, fields)


def drafts_of_seat(db, seat_id: int, status: str = "draft"):
    return db.all("SELECT * FROM drafts WHERE seat_id = ? AND status = ? ORDER BY id", (seat_id, status))


def delete_draft(db, draft_id: int) -> None:
    db.execute("DELETE FROM draft_recipients WHERE draft_id = ?", (draft_id,))
    db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))


# ---------------------------------------------------------------- threads and messages

MESSAGE_SELECT = (
    "SELECT m.*, c.handle AS candidate, s.name AS seat FROM messages m "
    "JOIN candidates c ON c.id = m.candidate_id JOIN seats s ON s.id = m.seat_id "
)


def get_message(db, message_id):
    row = db.one(MESSAGE_SELECT + "WHERE m.id = ?", (parse_id(message_id, "message"),))
    if row is None:
        raise NotFound("message", message_id)
    return row


def get_thread(db, thread_id):
    row = db.one(
        "SELECT t.*, c.handle AS candidate, s.name AS seat FROM threads t "
        "JOIN candidates c ON c.id = t.candidate_id JOIN seats s ON s.id = t.seat_id "
        "WHERE t.id = ?",
        (parse_id(thread_id, "thread"),),
    )
    if row is None:
        raise NotFound("thread", thread_id)
    return row


def thread_messages(db, thread_id: int):
    return db.all(MESSAGE_SELECT + "WHERE m.thread_id = ? ORDER BY m.kind = 'followup', m.id", (thread_id,))


def iter_threads_of_draft(db, draft_id: int):
    """The draft's threads with their messages (initial first), read back through one cursor. Rows are plain
    dicts (every message column, so a field added to shapes.message is there): a bulk `schedule --json` reads
    20,000 of them, and a dict lookup is several times cheaper than sqlite3.Row's search of the column names."""
    from itertools import repeat

    cursor = db.conn.cursor()
    cursor.row_factory = None
    cursor.execute(
        "SELECT m.*, c.handle AS candidate, s.name AS seat, "
        "t.draft_id, t.response_kind, t.response_utc, t.response_message_id FROM threads t "
        "JOIN messages m ON m.thread_id = t.id JOIN candidates c ON c.id = t.candidate_id "
        "JOIN seats s ON s.id = t.seat_id WHERE t.draft_id = ? ORDER BY t.id",
        (draft_id,),
    )
    names = [column[0] for column in cursor.description]
    thread, messages = None, []
    while rows := cursor.fetchmany(2000):
        for row in map(dict, map(zip, repeat(names), rows)):
            if thread is not None and row["thread_id"] != thread["id"]:
                yield thread, _initial_first(messages)
                thread, messages = None, []
            if thread is None:
                thread = {
                    "id": row["thread_id"],
                    "seat": row["seat"],
                    "candidate": row["candidate"],
                    "draft_id": row["draft_id"],
                    "response_kind": row["response_kind"],
                    "response_utc": row["response_utc"],
                    "response_message_id": row["response_message_id"],
                }
            messages.append(row)
    if thread is not None:
        yield thread, _initial_first(messages)


def _initial_first(messages: list) -> list:
    if len(messages) > 1 and messages[0]["kind"] != "initial":
        messages.sort(key=lambda m: m["kind"] != "initial")
    return messages


def find_followup_of(db, thread_id: int):
    return db.one("SELECT * FROM messages WHERE thread_id = ? AND kind = 'followup'", (thread_id,))


def find_initial_of(db, thread_id: int):
    return db.one("SELECT * FROM messages WHERE thread_id = ? AND kind = 'initial'", (thread_id,))


def record_response(db, thread_id: int, kind: str, at_text: str, message_id: int, read_text: str | None = None) -> None:
    """`read_text`: when the tool learned of it (I13: a reply may be dated before a follow-up it was read after)."""
    db.execute(
        "UPDATE threads SET response_kind = ?, response_utc = ?, response_message_id = ?, response_read_utc = ? "
        "WHERE id = ?",
        (kind, at_text, message_id, read_text, thread_id),
    )


def clear_response(db, thread_id: int) -> None:
    """I12: the thread's response is taken away (`replies reclassify`)."""
    db.execute(
        "UPDATE threads SET response_kind = NULL, response_utc = NULL, response_message_id = NULL, "
        "response_read_utc = NULL WHERE id = ?",
        (thread_id,),
    )


def find_message_row(db, message_id: int):
    """A message's own row (no joins), read inside the caller's transaction."""
    return db.one("SELECT * FROM messages WHERE id = ?", (message_id,))


def set_message(db, message_id: int, **fields) -> None:
    _update(db, "messages", message_id, fields)


SENT_BETWEEN = (
    "SELECT count(*) FROM messages WHERE status = 'sent' AND seat_id = ? AND sent_at_utc >= ? AND sent_at_utc < ?"
)


def count_sent_between(db, seat_id: int, start_text: str, end_text: str) -> int:
    return db.value(SENT_BETWEEN, (seat_id, start_text, end_text))


# ---------------------------------------------------------------- ledger


def record_ledger(db, rows) -> int:
    """Write ledger rows (at, account, seat_id, delta, reason, message_id), streamed, and move the balance
    caches they concern by the same amounts: one update per account, so balances stay equal to the
    sums of their rows (C10). Returns how many rows were written."""
    totals: dict = {}

    def counted():
        for row in rows:
            key = "contract" if row[1] == "contract" else row[2]
            totals[key] = totals.get(key, 0) + row[3]
            yield row

    written = db.conn.executemany(
        "INSERT INTO ledger (at_utc, account, seat_id, delta, reason, message_id) VALUES (?, ?, ?, ?, ?, ?)", counted()
    ).rowcount
    if db.balances_moved_by_database:  # P6: a recruiter's role writes the rows; the database moves the balances
        return written
    for key, delta in totals.items():
        if key == "contract":
            db.execute("UPDATE contract SET pool = pool + ? WHERE id = 1", (delta,))
        else:
            db.execute("UPDATE seats SET balance = balance + ? WHERE id = ?", (delta, key))
    return written


def ledger_rows(db, seat_id: int):
    """The seat's own rows and the pool rows of its messages."""
    return db.all(
        "SELECT l.*, s.name AS seat FROM ledger l LEFT JOIN seats s ON s.id = l.seat_id "
        "WHERE l.seat_id = ? OR (l.account = 'contract' AND l.message_id IN "
        "(SELECT id FROM messages WHERE seat_id = ?)) ORDER BY l.id",
        (seat_id, seat_id),
    )


def contract_ledger_rows(db):
    """Every row of the contract pool (charges, refunds, `adjust` rows of `contract set --pool`): they sum
    to the pool (C10)."""
    return db.all(
        "SELECT l.*, s.name AS seat FROM ledger l LEFT JOIN seats s ON s.id = l.seat_id "
        "WHERE l.account = 'contract' ORDER BY l.id"
    )


def parse_id(value, what: str) -> int:
    """The one parser of a row id given on the command line or in a file (a draft, message, thread or incoming
    mail): a whole number from 1 to 2**62, as text or a number. Anything else names no row: NotFound, marked
    `malformed` (no whole number) or `out_of_range`, which services.common.found says in the recruiter's words."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise NotFound(what, value, malformed=True) from None
    if number <= 0 or number > 2**62:
        raise NotFound(what, value, out_of_range=True)
    return number
