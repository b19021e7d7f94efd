"""reply: record a candidate's response and settle credits (R1, R2, C2-C4, F4). `respond` is the one place a
response is settled, whether typed by the recruiter (`outreach reply`) or read from mail (I6)."""
from __future__ import annotations

from datetime import datetime, timedelta

from .. import repo
from ..errors import refuse
from ..shapes import thread as thread_shape
from ..timeparse import from_text, to_text
from ..clock import Clock
from .common import find_thread, use_case
from .credits import refund
from .scheduling import cancel_and_refund

REFUND_WINDOW = timedelta(days=90)


@use_case
def reply(db, *, thread_id, decline: bool = False, clock: Clock) -> dict:
    thread = find_thread(db, thread_id)
    if thread["response_kind"]:
        raise refuse("already_responded", f"Thread {thread['id']} already has a response ({thread['response_kind']}); "
                                          "a thread has at most one.")
    refunded = respond(db, thread, "decline" if decline else "accept", clock=clock)
    result = thread_shape(find_thread(db, thread["id"]), repo.thread_messages(db, thread["id"]))
    result["refunded"] = refunded
    return result


def respond(db, thread, kind: str, *, clock, at: datetime | None = None, canceled: list | None = None) -> int:
    """Record the thread's response of `kind` (accept, decline, reply) inside the caller's transaction and
    settle credits; returns how many were refunded. The response happens at `at` (default: the clock's now),
    kept between the sent_at of the message it answers and now (I6). The follow-up it cancels is added to
    `canceled` as {id, reason} (a tick that read the reply reports it)."""
    now = clock.now()
    messages = repo.thread_messages(db, thread["id"])
    sent = [m for m in messages if m["status"] == "sent" and from_text(m["sent_at_utc"]) <= now]
    if not sent:
        raise refuse("invalid_state", f"Nothing has been sent on thread {thread['id']} yet, so it cannot have a response.")
    # R2: it answers the latest message sent by now; a mail's Date is kept between that message's sent_at and
    # now (I6), so a reply read after the follow-up went answers the follow-up (C3), never a message sent later.
    answered = max(sent, key=lambda m: (m["sent_at_utc"], m["kind"] == "followup"))
    moment = now if at is None else max(min(at, now), from_text(answered["sent_at_utc"]))
    at_text = to_text(moment)
    settled_text = to_text(now)
    repo.record_response(db, thread["id"], kind, at_text, answered["id"])
    refunded = 0
    if moment - from_text(answered["sent_at_utc"]) <= REFUND_WINDOW:  # C4
        refunded += refund(db, answered, settled_text)
    for message in messages:
        if message["status"] == "scheduled":  # F4 / C2: the follow-up is not sent, its credit returns
            refunded += cancel_and_refund(db, message, "responded", settled_text, canceled)
    return refunded
