"""compose and followup: drafts (S6, F1, F2, F6, T5)."""

from __future__ import annotations

import re

from .. import placeholders, repo
from ..clock import Clock
from ..errors import (
    AUTOMATION_DISABLED,
    FOLLOWUP_NOT_AVAILABLE,
    INVALID_DELAY,
    INVALID_INPUT,
    INVALID_MESSAGE,
    INVALID_STATE,
    NOT_FOUND,
    OutreachError,
    refuse,
)
from ..results import Discarded
from ..shapes import draft as draft_shape
from ..timeparse import parse_duration, to_text
from .common import acting_seat, get_draft, use_case

SUBJECT_MAX, BODY_MAX = 200, 1900
_CONTROL_SUBJECT = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")  # D14: no line or paragraph separators
_CONTROL_BODY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DELAY_MIN_HOURS, DELAY_MAX_HOURS, DELAY_DEFAULT_HOURS = 72, 28 * 24, 7 * 24


def reply_subject(subject: str) -> str:
    """D14: a follow-up without its own subject takes its initial's with `Re: ` in front, unless it has one."""
    return subject if re.match(r"re:", subject, re.IGNORECASE) else "Re: " + subject


def check_text(subject: str | None, body: str | None, what: str = "message", signature: str | None = None) -> None:
    """S6 on the text as written (before personalisation), and T5's placeholder check; a seat's signature counts
    in the body's limit (M2)."""
    if subject is None or not subject.strip() or len(subject) > SUBJECT_MAX:
        raise refuse(
            INVALID_MESSAGE, f"The {what} subject must be 1 to {SUBJECT_MAX} characters (it is {len(subject or '')})."
        )
    if body is None or not body.strip() or len(body) > BODY_MAX:
        raise refuse(INVALID_MESSAGE, f"The {what} body must be 1 to {BODY_MAX} characters (it is {len(body or '')}).")
    if signature and len(placeholders.signed(body, signature)) > BODY_MAX:
        raise refuse(
            INVALID_MESSAGE,
            f"The {what} body and the seat's signature must be at most {BODY_MAX} "
            f"characters together (they are {len(placeholders.signed(body, signature))}).",
        )
    if _CONTROL_SUBJECT.search(subject) or _CONTROL_BODY.search(body):
        raise refuse(
            INVALID_MESSAGE,
            f"The {what} text holds control characters; a subject is one line, and a "
            "body may use only new lines and tabs.",
        )
    placeholders.check(subject)
    placeholders.check(body)


def parse_delay(text: str | None) -> int:
    """F2: 72 hours to 28 days, whole hours; default 7 days."""
    if text is None:
        return DELAY_DEFAULT_HOURS
    try:
        delta = parse_duration(text, "follow-up delay")
    except OutreachError:
        raise refuse(
            INVALID_DELAY, f"Cannot read the delay {text!r}; write it like 72h, 3d, 3d12h, 1w or 28d."
        ) from None
    hours, rest = divmod(delta.total_seconds(), 3600)
    if rest or not DELAY_MIN_HOURS <= hours <= DELAY_MAX_HOURS:
        raise refuse(INVALID_DELAY, f"A follow-up delay must be whole hours from 72h (3d) to 28d, not {text}.")
    return int(hours)


def check_followup_allowed(db, seat) -> None:
    if seat["plan"] != "recruiter":
        raise refuse(
            FOLLOWUP_NOT_AVAILABLE, f"Seat {seat['name']} is on the lite plan; follow-ups need a recruiter seat."
        )
    if not repo.contract(db)["followups_enabled"]:
        raise refuse(
            AUTOMATION_DISABLED,
            "Automated follow-ups are turned off for this contract; "
            "an admin can turn them on with `outreach contract set --followups on`.",
        )


def resolve_recipients(db, handles: list[str]) -> list[int]:
    """Candidate ids for the handles, in order, each once; refuse naming unknown handles."""
    unique = list(dict.fromkeys(h.strip() for h in handles if h and h.strip()))
    if not unique:
        raise refuse(INVALID_INPUT, "Give at least one recipient with --to HANDLE or --to-file FILE.")
    found = repo.candidate_ids(db, unique)
    unknown = [h for h in unique if h not in found]
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        if all(h.startswith("removed-") for h in unknown):  # the anonymous history of removed candidates
            raise refuse(
                NOT_FOUND, f"{shown}: removed candidates cannot be messaged; only their anonymous history is kept."
            )
        raise refuse(
            NOT_FOUND, f"Unknown candidate(s): {shown}; add them with `outreach candidates add` or import a CSV."
        )
    return [found[h] for h in unique]


@use_case
def compose(db, *, seat_name, handles, subject, body, followup=None, template=None, clock: Clock) -> dict:
    """Create a draft. `followup` is (subject, body, delay_hours); `template` is a template row."""
    seat = acting_seat(db, seat_name)
    check_text(subject, body, signature=seat["signature"])
    if followup:
        check_followup_allowed(db, seat)
        check_text(followup[0], followup[1], "follow-up", signature=seat["signature"])
    recipients = resolve_recipients(db, handles)
    fields = dict(seat_id=seat["id"], subject=subject, body=body, created_utc=to_text(clock.now()))
    if followup:
        fields.update(followup_subject=followup[0], followup_body=followup[1], followup_delay_hours=followup[2])
    if template is not None:
        fields.update(template=template["name"], template_at=template["at_local"], template_tz=template["at_tz"])
    draft_id = repo.insert_draft(db, recipients, **fields)
    return show(db, draft_id=draft_id)


def open_draft(db, draft_id):
    row = get_draft(db, draft_id)
    if row["status"] != "draft":
        raise refuse(
            INVALID_STATE,
            f"Draft {row['id']} is already scheduled; change its messages with "
            "`outreach reschedule` or `outreach cancel`.",
        )
    return row


@use_case
def set_followup(db, *, draft_id, subject=None, body=None, after=None, remove=False) -> dict:
    row = open_draft(db, draft_id)
    if remove:
        if subject or body or after:
            raise refuse(INVALID_INPUT, "--remove takes no other options.")
        repo.update_draft(db, row["id"], followup_subject=None, followup_body=None, followup_delay_hours=None)
        return show(db, draft_id=row["id"])
    seat = repo.find_seat_by_id(db, row["seat_id"])
    check_followup_allowed(db, seat)
    existing = row["followup_body"] is not None
    subject = subject if subject is not None else (row["followup_subject"] if existing else None)
    body = body if body is not None else (row["followup_body"] if existing else None)
    if subject is None and body is not None:
        subject = reply_subject(row["subject"])
    if body is None:
        raise refuse(INVALID_MESSAGE, "A new follow-up needs a --body (and optionally --subject).")
    check_text(subject, body, "follow-up", signature=seat["signature"])
    delay = (
        parse_delay(after) if after is not None else (row["followup_delay_hours"] if existing else DELAY_DEFAULT_HOURS)
    )
    repo.update_draft(db, row["id"], followup_subject=subject, followup_body=body, followup_delay_hours=delay)
    return show(db, draft_id=row["id"])


def followup_text(db, *, draft_id) -> tuple[str, str]:
    """The text `followup --edit` opens with (M1): the follow-up's, else `Re: ` and the initial subject."""
    row = get_draft(db, draft_id)
    if row["followup_body"] is not None:
        return row["followup_subject"], row["followup_body"]
    return "Re: " + row["subject"], ""


@use_case
def discard(db, *, draft_id) -> Discarded:
    row = open_draft(db, draft_id)
    repo.delete_draft(db, row["id"])
    return Discarded(row["id"])


def show(db, *, draft_id) -> dict:
    row = get_draft(db, draft_id)
    seat = repo.find_seat_by_id(db, row["seat_id"])
    return draft_shape(row, seat["name"], repo.draft_recipient_handles(db, [row["id"]])[row["id"]])
