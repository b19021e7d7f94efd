"""reply: record a candidate's response and settle credits (R1, R2, C2-C4, F4). `respond` is the one place a
response is settled, whether typed by the recruiter (`outreach reply`) or read from mail (I6)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .. import repo
from ..clock import Clock
from ..errors import ALREADY_RESPONDED, INSUFFICIENT_CREDITS, INVALID_STATE, OutreachError, refuse
from ..shapes import thread as thread_shape
from ..timeparse import from_text, to_text
from .common import get_thread, use_case
from .credits import charge, payer, refund
from .scheduling import cancel_and_refund

REFUND_WINDOW = timedelta(days=90)


@use_case
def reply(db, *, thread_id, decline: bool = False, clock: Clock) -> dict:
    thread = get_thread(db, thread_id)
    if thread["response_kind"]:
        raise refuse(
            ALREADY_RESPONDED,
            f"Thread {thread['id']} already has a response ({thread['response_kind']}); a thread has at most one.",
        )
    refunded = respond(db, thread, "decline" if decline else "accept", clock=clock)
    result = thread_shape(get_thread(db, thread["id"]), repo.thread_messages(db, thread["id"]))
    result["refunded"] = refunded
    return result


def respond(
    db,
    thread,
    kind: str,
    *,
    clock,
    at: datetime | None = None,
    canceled: list | None = None,
    replied_to=None,
    late: list | None = None,
) -> int:
    """Record the thread's response of `kind` (accept, decline, reply) inside the caller's transaction and
    settle credits; returns how many were refunded. The response happens at `at` (default: the clock's now),
    kept between the sent_at of the message it answers and now (I6). The follow-up it cancels is added to
    `canceled` as {id, reason} (a tick that read the reply reports it). `replied_to`: the message a mail quoted
    (I4). A follow-up that went after the moment the candidate answered its initial is added to `late` (I13)."""
    now = clock.now()
    messages = repo.thread_messages(db, thread["id"])
    sent = [m for m in messages if m["status"] == "sent" and from_text(m["sent_at_utc"]) <= now]
    if not sent:
        raise refuse(
            INVALID_STATE, f"Nothing has been sent on thread {thread['id']} yet, so it cannot have a response."
        )
    answered = _answered(sent, at, replied_to)
    moment = now if at is None else max(min(at, now), from_text(answered["sent_at_utc"]))
    at_text = to_text(moment)
    settled_text = to_text(now)
    repo.record_response(db, thread["id"], kind, at_text, answered["id"], settled_text)
    # I13: a reply dated before the follow-up went answers the initial, so the follow-up went after the answer
    went_after = [m for m in sent if answered["kind"] == "initial" and m["kind"] == "followup"]
    if late is not None:
        late.extend(m["id"] for m in went_after)
    refunded = 0
    if moment - from_text(answered["sent_at_utc"]) <= REFUND_WINDOW:  # C4
        refunded += refund(db, answered, settled_text)
        for message in went_after:  # C2: both credits, the follow-up's too, though it went
            refunded += refund(db, message, settled_text)
    for message in messages:
        if message["status"] == "scheduled":  # F4 / C2: the follow-up is not sent, its credit returns
            refunded += cancel_and_refund(db, message, "responded", settled_text, canceled)
    return refunded


def _answered(sent: list, at: datetime | None, replied_to=None):
    """R2: the latest message sent before the response. A mail's Date (I13) is the moment the candidate answered:
    a reply dated before the follow-up went, though read after, answers the message sent before that Date (the
    initial), unless the mail quotes a later one (the candidate's clock, not ours, is then wrong)."""

    def order(m):
        return (m["sent_at_utc"], m["kind"] == "followup")

    latest = max(sent, key=order)
    if at is None or at >= from_text(latest["sent_at_utc"]):
        return latest
    before = [m for m in sent if from_text(m["sent_at_utc"]) <= at]
    answered = max(before, key=order) if before else min(sent, key=order)
    quoted = next((m for m in sent if replied_to is not None and m["id"] == replied_to["id"]), None)
    return quoted if quoted is not None and order(quoted) > order(answered) else answered


def withdraw(db, thread, *, clock) -> tuple[int, list[int]]:
    """I12: take the thread's response away, inside the caller's transaction, as if it had never come: the
    follow-up it canceled is scheduled again (at its own time, or now, placed by the seat's window (W2), when that
    has passed) and whatever it refunded is charged again (C1, C10: refused, and all rolled back, when the account
    cannot pay). Returns (credits charged, ids rescheduled)."""
    from .placement import place_message

    now = clock.now()
    now_text = to_text(now)
    again, rescheduled = [], []
    for message in repo.thread_messages(db, thread["id"]):
        if message["status"] == "sent" and message["credit"] == "refunded":
            again.append(message["id"])  # C4: a sent message with no response is never refunded
        elif message["status"] == "canceled" and message["cancel_reason"] == "responded":
            due = message["send_at_utc"]
            if due <= now_text:
                due = to_text(place_message(db, message, now))
            repo.set_message(db, message["id"], status="scheduled", cancel_reason=None, send_at_utc=due)
            rescheduled.append(message["id"])
            if message["credit"] == "refunded":
                again.append(message["id"])
    repo.clear_response(db, thread["id"])
    if again:
        seat = repo.find_seat_by_id(db, thread["seat_id"])
        try:
            charge(db, seat, again, now_text)
        except OutreachError as error:
            if error.code != INSUFFICIENT_CREDITS:
                raise  # C7: monthly_limit_reached says what it needs itself
            if payer(seat) == "seat":
                has, hint = f"seat {seat['name']} has {seat['balance']}", f"`outreach seats grant {seat['name']} N`"
            else:
                has, hint = f"the contract pool has {repo.contract(db)['pool']}", "`outreach contract set --pool N`"
            raise refuse(
                INSUFFICIENT_CREDITS,
                f"Taking the response of thread {thread['id']} away charges again "
                f"the {len(again)} credit(s) it refunded, but {has}; add credits "
                f"first ({hint}).",
            ) from None
    return len(again), rescheduled
