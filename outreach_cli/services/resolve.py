"""resolve: settle a message whose delivery is `unknown` (D5): it went, send it again, or cancel it."""

from __future__ import annotations

from .. import repo
from ..errors import ALREADY_RESPONDED, INVALID_INPUT, INVALID_STATE, refuse
from ..repo import delivery as repo_delivery
from ..shapes import message as message_shape
from ..timeparse import to_text
from .common import get_message, use_case
from .followups import move_followup
from .scheduling import cancel_and_refund

ACTIONS = ("sent", "resend", "cancel")


def resolve_chosen(db, *, message_id, sent: bool = False, resend: bool = False, cancel: bool = False, clock) -> dict:
    """`resolve MESSAGE --sent|--resend|--cancel`: exactly one of the three."""
    chosen = [name for name, flag in (("sent", sent), ("resend", resend), ("cancel", cancel)) if flag]
    if len(chosen) != 1:
        raise refuse(INVALID_INPUT, "Give exactly one of --sent, --resend or --cancel.")
    return resolve(db, message_id, chosen[0], clock=clock)


def resolve_several(
    db, *, message_ids, sent: bool = False, resend: bool = False, cancel: bool = False, clock
) -> dict | list:
    """D18: `resolve ID [ID ...]`: one message gives the message, several a list; all are settled in one
    transaction, or none is (a refusal of any of them changes nothing)."""
    if len(message_ids) == 1:
        return resolve_chosen(db, message_id=message_ids[0], sent=sent, resend=resend, cancel=cancel, clock=clock)
    chosen = [name for name, flag in (("sent", sent), ("resend", resend), ("cancel", cancel)) if flag]
    if len(chosen) != 1:
        raise refuse(INVALID_INPUT, "Give exactly one of --sent, --resend or --cancel.")
    with db.transaction():
        return [_resolve(db, message_id, chosen[0], clock=clock) for message_id in dict.fromkeys(message_ids)]


@use_case
def resolve(db, message_id, action: str, *, clock) -> dict:
    return _resolve(db, message_id, action, clock=clock)


def _resolve(db, message_id, action: str, *, clock) -> dict:
    """`sent`: it did go; its sent time is the best known one (the moment of its last attempt), and its
    follow-up moves by F3 from there. `resend`: scheduled again, due now, with the same Message-ID (a fresh
    24-hour retry window). `cancel`: canceled and refunded, its follow-up too (F5, C5)."""
    if action not in ACTIONS:
        raise refuse(INVALID_INPUT, "Give one of --sent, --resend or --cancel.")
    message = get_message(db, message_id)
    if message["status"] != "unknown":
        raise refuse(
            INVALID_STATE,
            f"Message {message['id']} is {message['status']}; only a message whose delivery "
            "is unknown can be resolved.",
        )
    if action == "resend" and repo.get_thread(db, message["thread_id"])["response_kind"]:
        raise refuse(
            ALREADY_RESPONDED,
            f"Thread {message['thread_id']} has a response, so message {message['id']} "
            "is not sent again; settle it with --sent or --cancel (I10).",
        )
    now_text = to_text(clock.now())
    refunded = 0
    if action == "sent":
        sent_at = message["last_attempt_utc"] or message["retry_at_utc"] or message["send_at_utc"]
        repo_delivery.resolve_sent(db, message["id"], sent_at)
        move_followup(db, message, sent_at)
    elif action == "resend":
        from .placement import place_message  # W2: a message made due again waits for the seat's window

        repo_delivery.resolve_resend(db, message["id"], to_text(place_message(db, message, clock.now())))
    else:
        followup = repo.find_followup_of(db, message["thread_id"]) if message["kind"] == "initial" else None
        refunded = cancel_and_refund(db, message, "canceled", now_text, None, followup)
    return {**message_shape(repo.get_message(db, message["id"])), "refunded": refunded}
