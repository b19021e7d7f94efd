"""Incoming mail (I2-I7): `replies fetch`/`import`/`list`/`assign`, and the fetch that
`tick` does first.

A fetch reads its source whole OUTSIDE any database transaction (IMAP is network I/O; docs/architecture.md), so a
source that cannot be read changes nothing. The new mail is then parsed and recorded a chunk at a time, each
chunk one short transaction: once per Message-ID (I3), matched through incoming/match.py with repository
lookups (I4), and its effects settled with the message rows it touches (I5, I6). The source's cursor is stored
last, once everything it covers is recorded. Nothing heavy is imported for an idle fetch: the mail parser is
loaded only when there is mail to parse.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from .. import repo
from ..errors import INVALID_INPUT, INVALID_STATE, NOT_CONFIGURED, OutreachError, refuse
from ..repo import delivery as repo_delivery
from ..repo import incoming as repo_incoming
from ..timeparse import from_text, to_text
from .common import acting_seat, get_thread, use_case

if TYPE_CHECKING:
    from .tick.report import TickReport

CHUNK = 500  # mails recorded per transaction
OPEN_THREAD_WINDOW = timedelta(days=90)  # I4 (2): a thread with a message sent in the last 90 days
MAX_TEXT = 998  # a stored subject or name is at most one header line long


# ---------------------------------------------------------------- mailbox settings (I1)


def effective_settings(kind: str, options: dict) -> dict:
    """Every setting of the mailbox, defaults included (D2: nothing secret is held, so nothing is masked); the
    source's class declares them (incoming/source.py)."""
    return _source_class(kind).effective(options)


def source_name(kind: str, options: dict) -> str:
    """Who the source is: the keys a source gives (file names, offsets, UIDs) mean something only inside it."""
    cls = _source_class(kind)
    return cls.identity(cls.effective(options))


def _source_class(kind: str):
    from ..incoming.source import source_class

    cls = source_class(kind)
    if cls is None:
        raise refuse(INVALID_INPUT, f"Unknown mailbox kind {kind!r}.")
    return cls


# ---------------------------------------------------------------- the incoming object (I7)


def incoming_shape(row, new: bool | None = None) -> dict:
    shape = {
        "id": row["id"],
        "seat": row["seat"],
        "message_id": row["message_id"],
        "from": row["from_address"],
        "from_name": row["from_name"],
        "subject": row["subject"],
        "date": row["date_utc"],
        "kind": row["kind"],
        "hard": None if row["hard"] is None else bool(row["hard"]),
        "status": row["bounce_status"],
        "thread_id": row["thread_id"],
        "message": row["matched_message_id"],
        "matched_by": row["matched_by"],
        "read_at": row["read_at_utc"],
    }
    if new is not None:
        shape["new"] = new
    return shape


def list_incoming(db, *, unmatched: bool = False) -> list[dict]:
    return [incoming_shape(row) for row in repo_incoming.incoming_list(db, unmatched)]


# ---------------------------------------------------------------- reading and recording


class Recorded:
    def __init__(self):
        self.ids: list[int] = []  # incoming ids, in the order read
        self.new: dict = {}  # incoming id -> whether this read recorded it
        self.canceled: list = []  # {id, reason} of the messages the mail canceled (a reply's follow-up, F4)
        self.refunded = 0  # credits the mail returned (C2-C4, I5)
        self.failed: list = []  # {id, failure} of the messages a bounce failed (I15)
        self.sent: list = []  # ids of `unknown` messages a reply proved sent (I10, I15)
        self.late: list = []  # follow-ups that went after the candidate had answered (I13)


def fetch(db, *, seat_name: str | None, clock) -> dict:
    """`replies fetch`: read what is new in the seat's mailbox (I2)."""
    seat = acting_seat(db, seat_name)
    recorded = _fetch_seat(db, seat, clock)
    return _read_result(db, recorded)


def _read_result(db, recorded: Recorded) -> dict:
    """`{incoming: [...]}`, and for follow-ups that went after the candidate had answered (I13) `late_followups`
    and the warning a tick gives."""
    rows = repo_incoming.incoming_by_ids(db, recorded.ids)
    result: dict = {"incoming": [incoming_shape(row, recorded.new[row["id"]]) for row in rows]}
    if recorded.late:
        result["late_followups"] = recorded.late
        result["warnings"] = [late_warning(recorded.late)]
    return result


def late_warning(ids: list[int]) -> str:
    """I13: the one line that says a follow-up went after the candidate had answered."""
    return (
        f"Follow-up(s) {', '.join(str(i) for i in sorted(ids))} went after the candidate had answered (the "
        "reply, dated before it went, was read only now); both credits are refunded. See `outreach inbox "
        "--folder attention`."
    )


def import_message(db, *, raw: bytes, clock) -> dict:
    """`replies import`: one raw message (a procmail, sieve or .forward pipe). It belongs to the seat of the thread
    it matches, else to the default seat; a message already recorded comes back with `"new": false` (I3)."""
    if not raw.strip():
        raise refuse(INVALID_INPUT, "The message is empty; give one raw RFC 5322 message (a file, or - for stdin).")
    seat = acting_seat(db, None)
    recorded = _record(db, seat, None, [(None, raw)], clock)
    return _read_result(db, recorded)


def fetch_before_tick(db, clock, report: TickReport) -> set:
    """I2: `tick` reads every configured mailbox before it sends, so a reply that arrived stops its follow-up.
    What the mail did goes into the tick's report (I15: what it canceled, refunded, failed or proved sent; I13:
    follow-ups that went after the candidate had answered). A seat whose mailbox cannot be read is named in one
    warning and returned: its follow-ups are held for this tick."""
    hold: set = set()
    warnings: list[str] = []
    late: list[int] = []
    report["incoming"] = []  # ids recorded by this tick
    for seat in repo_incoming.configured_mailbox_seats(db):
        try:
            recorded = _fetch_seat(db, seat, clock)
        except OutreachError as error:
            hold.add(seat["id"])
            warnings.append(
                f"The mailbox of seat {seat['name']} could not be read, so its follow-ups wait "
                f"for the next tick: {error.message}"
            )
            continue
        report["incoming"] += [i for i in recorded.ids if recorded.new[i]]
        report["canceled"] += recorded.canceled  # a reply's follow-up (F4), a bounce's (I5): this tick's work too
        report["refunded"] += recorded.refunded
        report["failed"] += recorded.failed  # I15: a message a bounce failed, an `unknown` a reply proved sent
        report["sent"] += recorded.sent
        late += recorded.late
    if warnings:
        report.setdefault("warnings", []).extend(warnings)
    if late:  # I13: a reply read only after the follow-up went, dated before it
        report["late_followups"] = late
        report.setdefault("warnings", []).append(late_warning(late))
    return hold


def unmatched_holds(db) -> tuple[set, str]:
    """I11: the candidates whose mail matched no single thread (their follow-ups are held), and the one stderr line
    that says so, naming the mail and how to settle it."""
    held = repo_incoming.unmatched_candidates(db)
    handles = {cid: repo.find_candidate_by_id(db, cid)["handle"] for cid in held}
    named = "; ".join(
        f"{handles.get(cid, cid)} (incoming {', '.join(str(i) for i in ids)})" for cid, ids in held.items()
    )
    return (
        {("candidate", cid) for cid in held},
        f"Mail from a candidate matched no single thread, so their follow-ups wait: {named}. Attach it with "
        "`outreach replies assign INCOMING THREAD` or drop it with `outreach replies dismiss INCOMING`.",
    )


class _LazyKeys:
    """The source keys already recorded, loaded only if the source asks (an unchanged Maildir never does)."""

    def __init__(self, db, source: str) -> None:
        self.db, self.source = db, source
        self.keys: set[str] | None = None

    def __contains__(self, key: object) -> bool:
        if self.keys is None:
            self.keys = repo_incoming.known_source_keys(self.db, self.source)
        return key in self.keys


def _fetch_seat(db, seat, clock) -> Recorded:
    box = repo_incoming.find_mailbox(db, seat["id"])
    if box is None:
        raise refuse(
            NOT_CONFIGURED,
            f"Seat {seat['name']} has no mailbox; set one with `outreach mailbox set maildir|mbox|imap ...`.",
        )
    from ..incoming.source import open_source

    options = effective_settings(box["kind"], box["options"])
    batch = open_source(box["kind"], **options).fetch(box["cursor"], _LazyKeys(db, box["source"]))
    items = [(item.key, item.raw) for item in batch]  # the whole read, outside any transaction
    recorded = _record(db, seat, box["source"], items, clock) if items else Recorded()
    if batch.cursor != box["cursor"]:
        with db.transaction():
            repo_incoming.store_cursor(db, seat["id"], box["source"], batch.cursor)
    return recorded


def _record(db, seat, source: str | None, items: list, clock) -> Recorded:
    from ..incoming.parse import parse

    recorded = Recorded()
    for start in range(0, len(items), CHUNK):
        parsed = [(key, parse(raw)) for key, raw in items[start : start + CHUNK]]  # parsing is pure: before the lock
        with db.transaction():
            _record_chunk(db, seat, source, parsed, clock, recorded)
    return recorded


def _record_chunk(db, seat, source, parsed: list, clock, recorded: Recorded) -> None:
    from ..incoming.classify import classify
    from ..incoming.match import match
    from ..incoming.unsubscribe import opt_out_of

    now = clock.now()
    now_text = to_text(now)
    since_text = to_text(now - OPEN_THREAD_WINDOW)
    known = repo_incoming.known_message_ids(db, [mail.message_id for _, mail in parsed])
    ours_from = repo_incoming.seat_addresses(db)
    for key, mail in parsed:
        if mail.message_id in known:
            _remember(recorded, known[mail.message_id], False)
            continue
        verdict = classify(mail)
        found = match(
            mail,
            verdict,
            lambda ids: repo_incoming.find_message_by_internet_ids(db, ids),
            lambda address: repo_incoming.open_threads_by_candidate(db, address, since_text),
            ours_from=ours_from,
            threads_by_subject=lambda core, address: repo_incoming.threads_by_subject(db, core, address),
        )
        found = opt_out_of(found, mail)  # M3: a reply asking to unsubscribe
        incoming_id = _insert(db, seat, source, key, mail, verdict, found, now_text)
        known[mail.message_id] = incoming_id
        _remember(recorded, incoming_id, True)
        _settle(db, incoming_id, found, verdict, mail, clock, now_text, recorded)


def _remember(recorded: Recorded, incoming_id: int, new: bool) -> None:
    if incoming_id not in recorded.new:
        recorded.ids.append(incoming_id)
        recorded.new[incoming_id] = new


def _insert(db, seat, source, key, mail, verdict, found, now_text: str) -> int:
    fields = dict(
        seat_id=seat["id"],
        message_id=mail.message_id,
        source=source,
        source_key=key,
        read_at_utc=now_text,
        kind=found.kind,
    )
    if found.kind == "ignored":  # I4: none of its content is kept
        return repo_incoming.insert_incoming(db, **fields)
    thread_id = found.message["thread_id"] if found.message is not None else found.thread
    candidate_id = None
    if thread_id is not None:
        thread = repo.get_thread(db, thread_id)
        fields["seat_id"] = thread["seat_id"]  # mail belongs to the seat of its thread
        candidate_id = thread["candidate_id"]
    elif mail.from_address:
        candidates = repo_incoming.candidates_with_address(db, mail.from_address)
        candidate_id = candidates[0] if len(candidates) == 1 else None
    fields["candidate_id"] = candidate_id
    fields.update(
        from_address=mail.from_address,
        from_name=mail.from_name[:MAX_TEXT] or None,
        subject=mail.subject[:MAX_TEXT],
        date_utc=to_text(mail.date) if mail.date and 1970 <= mail.date.year <= 2999 else None,
        thread_id=thread_id,
        matched_by=found.matched_by,
        matched_message_id=found.message["id"] if found.message is not None else None,
    )
    if verdict.kind == "bounce":
        fields.update(hard=int(verdict.hard), bounce_status=verdict.status)
    return repo_incoming.insert_incoming(db, **fields)


def _settle(db, incoming_id: int, found, verdict, mail, clock, now_text: str, recorded: Recorded) -> None:
    """I5, I6, I10: what a matched mail changes. Auto-replies and soft bounces change nothing."""
    if found.kind == "bounce" and verdict.hard and found.message is not None:
        if repo.get_thread(db, found.message["thread_id"])["response_kind"]:
            return  # I10: the candidate's answer proves the address worked; the late bounce is recorded only
        _hard_bounce(db, found.message, mail, verdict, now_text, recorded)
    elif found.kind == "reply":
        thread_id = found.message["thread_id"] if found.message is not None else found.thread
        if found.message is not None:
            _evidence_of_delivery(db, found.message, recorded)
        _reply(db, incoming_id, thread_id, _date(mail), clock, recorded, replied_to=found.message)
    elif found.kind == "opt_out":  # M3: a decline (R1, C2-C4) and the candidate opted out (K4)
        thread_id = found.message["thread_id"] if found.message is not None else found.thread
        if found.message is not None:
            _evidence_of_delivery(db, found.message, recorded)
        _reply(db, incoming_id, thread_id, _date(mail), clock, recorded, kind="decline", replied_to=found.message)
        repo.update_candidate(db, repo.get_thread(db, thread_id)["candidate_id"], opted_out=1)


def _evidence_of_delivery(db, message, recorded: Recorded) -> None:
    """I10: a reply quoting our Message-ID proves the message went. An `unknown` one is settled `sent` at the
    moment it was attempted (its follow-up moves from there, as `resolve --sent`); one failed by a bounce is sent
    after all: the undeliverable mark goes, and nothing more is refunded (C10)."""
    if message["status"] == "unknown":
        from .followups import move_followup

        sent_at = message["last_attempt_utc"] or message["retry_at_utc"] or message["send_at_utc"]
        repo_delivery.resolve_sent(db, message["id"], sent_at)
        move_followup(db, message, sent_at)
        recorded.sent.append(message["id"])
    elif message["status"] == "failed" and (message["failure"] or "").startswith("bounced:"):
        repo_incoming.unfail_bounced(db, message["id"])
        repo_incoming.clear_undeliverable(db, message["candidate_id"])


def _date(mail):
    """The mail's Date when it is one the tool can hold (L1), else None (the clock's now counts, I6)."""
    return mail.date if mail.date and 1970 <= mail.date.year <= 2999 else None


def _reply(
    db, incoming_id: int, thread_id: int, date, clock, recorded: Recorded, kind: str = "reply", replied_to=None
) -> None:
    from .replies import respond

    thread = repo.get_thread(db, thread_id)
    if thread["response_kind"]:
        return  # I6: a thread that already has a response only records the mail
    try:
        recorded.refunded += respond(
            db,
            thread,
            kind,
            clock=clock,
            at=date,
            canceled=recorded.canceled,
            replied_to=replied_to,
            late=recorded.late,
        )
    except OutreachError as error:
        if error.code != INVALID_STATE:  # nothing sent on it (yet): the mail is recorded, nothing else
            raise
        return
    repo_incoming.update_incoming(db, incoming_id, made_response=1)  # I12: what `replies reclassify` takes away


def _hard_bounce(db, message, mail, verdict, now_text: str, recorded: Recorded) -> None:
    """I5: the returned message failed (refunded once, C10), its unsent follow-up is canceled and refunded, and
    the candidate's email is marked undeliverable. A message already failed, canceled or in flight is left."""
    from .scheduling import refund_failed

    if message["status"] not in ("sent", "unknown"):
        return
    diagnostic = mail.diagnostic_codes[0] if mail.diagnostic_codes else f"status {verdict.status}"
    failure = f"bounced: {diagnostic}"[:MAX_TEXT]
    repo_incoming.fail_message(db, message["id"], failure)
    recorded.refunded += refund_failed(db, message, now_text, recorded.canceled)
    repo_incoming.mark_undeliverable(db, message["candidate_id"], mail.failed_recipients)
    recorded.failed.append({"id": message["id"], "failure": failure})  # I15: the tick reports it


# ---------------------------------------------------------------- assign (I4)


@use_case
def assign(db, *, incoming_id, thread_id, clock) -> dict:
    """Attach an unmatched mail to a thread by hand: it becomes that thread's `reply` (I6)."""
    row = repo_incoming.get_incoming(db, incoming_id)
    if row["kind"] != "unmatched":
        where = f" on thread {row['thread_id']}" if row["thread_id"] else ""
        raise refuse(
            INVALID_STATE,
            f"Incoming mail {row['id']} is {row['kind']}{where}; only unmatched mail can be "
            "assigned (see `outreach replies list --unmatched`).",
        )
    thread = get_thread(db, thread_id)
    repo_incoming.update_incoming(
        db, row["id"], kind="reply", matched_by="hand", thread_id=thread["id"], seat_id=thread["seat_id"]
    )
    if not thread["response_kind"]:
        from .replies import respond

        respond(db, thread, "reply", clock=clock, at=from_text(row["date_utc"]) if row["date_utc"] else None)
        repo_incoming.update_incoming(db, row["id"], made_response=1)
    return incoming_shape(repo_incoming.get_incoming(db, row["id"]))


# ---------------------------------------------------------------- dismiss (I11)


@use_case
def dismiss(db, *, incoming_id) -> dict:
    """`replies dismiss`: an unmatched mail is nobody's answer after all. It becomes `ignored` and, like ignored
    mail (I4), keeps none of its content; the candidate's follow-ups it held go at their own time again."""
    row = repo_incoming.get_incoming(db, incoming_id)
    if row["kind"] != "unmatched":
        raise refuse(
            INVALID_STATE,
            f"Incoming mail {row['id']} is {row['kind']}; only unmatched mail can be "
            "dismissed (see `outreach replies list --unmatched`).",
        )
    repo_incoming.update_incoming(
        db, row["id"], kind="ignored", from_address=None, from_name=None, subject=None, date_utc=None, candidate_id=None
    )
    return incoming_shape(repo_incoming.get_incoming(db, row["id"]))


# ---------------------------------------------------------------- reclassify (I12)

RECLASSIFY_KINDS = ("reply", "auto_reply", "ignored")


@use_case
def reclassify(db, *, incoming_id, kind: str, clock) -> dict:
    """`replies reclassify INCOMING --as reply|auto_reply|ignored`: the undo of a wrong reading. Taking a response
    away reschedules what it canceled and charges again what it refunded; making mail a reply applies it as one
    (I6). The incoming object comes back with `credits_charged`, `refunded` and `rescheduled` (message ids). Mail
    already of that kind is left as it is."""
    if kind not in RECLASSIFY_KINDS:
        raise refuse(INVALID_INPUT, f"--as takes reply, auto_reply or ignored, not {kind!r}.")
    row = repo_incoming.get_incoming(db, incoming_id)
    changes = {"credits_charged": 0, "refunded": 0, "rescheduled": []}
    if row["kind"] == kind:
        return {**incoming_shape(row), **changes}
    if row["kind"] in ("bounce", "opt_out"):
        what = (
            "a bounce (it failed its message)"
            if row["kind"] == "bounce"
            else "an opt-out (the candidate asked to stop)"
        )
        raise refuse(
            INVALID_STATE,
            f"Incoming mail {row['id']} is {what}; only replies, auto-replies, ignored and "
            "unmatched mail can be reclassified.",
        )
    fields: dict = {"kind": kind}
    if row["made_response"]:  # it is the thread's response: taking it away undoes what it did
        from .replies import withdraw

        thread = repo.get_thread(db, row["thread_id"])
        changes["credits_charged"], changes["rescheduled"] = withdraw(db, thread, clock=clock)
        fields["made_response"] = 0
    if kind == "reply":
        fields.update(_apply_as_reply(db, row, clock, changes))
    elif kind == "ignored":  # I4: ignored mail keeps none of its content (the ids and its Date stay, for an undo)
        fields.update(from_address=None, from_name=None, subject=None)
    repo_incoming.update_incoming(db, row["id"], **fields)
    return {**incoming_shape(repo_incoming.get_incoming(db, row["id"])), **changes}


def _apply_as_reply(db, row, clock, changes: dict) -> dict:
    """An auto-reply or ignored mail that was the candidate's answer after all: the response of its thread (I6), with
    the evidence a reply gives about delivery (I10). Mail that matched no thread names none to answer."""
    if row["thread_id"] is None:
        how = (
            "attach it with `outreach replies assign INCOMING THREAD`"
            if row["kind"] == "unmatched"
            else "record the answer with `outreach reply THREAD`"
        )
        raise refuse(INVALID_STATE, f"Incoming mail {row['id']} matched no thread, so it answers none; {how}.")
    thread = repo.get_thread(db, row["thread_id"])
    if thread["response_kind"]:
        return {}  # I6: a thread that already has a response only records the mail
    message = repo.find_message_row(db, row["matched_message_id"]) if row["matched_message_id"] else None
    recorded = Recorded()
    if message is not None:
        _evidence_of_delivery(db, message, recorded)
    from .replies import respond

    changes["refunded"] = respond(
        db,
        repo.get_thread(db, thread["id"]),
        "reply",
        clock=clock,
        replied_to=message,
        at=from_text(row["date_utc"]) if row["date_utc"] else None,
    )
    return {"made_response": 1}
