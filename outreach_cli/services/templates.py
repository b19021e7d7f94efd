"""Saved one- and two-message templates (T1-T4), and drafts made from them."""

from __future__ import annotations

from .. import placeholders, repo
from ..clock import Clock
from ..errors import INVALID_INPUT, INVALID_MESSAGE, INVALID_TIME, NOT_FOUND, TEMPLATE_EXISTS, refuse
from ..repo import templates as repo_templates
from ..results import TemplateDeleted
from ..timeparse import check_wall_time, get_zone, parse_datetime, to_text
from .common import check_name, get_draft, use_case
from .drafts import check_text, compose, parse_delay


def _template(db, name: str):
    row = repo_templates.find_template_named(db, name)
    if row is None:
        raise refuse(NOT_FOUND, f"There is no template {name!r}; see `outreach templates list`.")
    return row


def _check_at(at: str | None, tz: str | None, now) -> tuple[str | None, str | None]:
    """T1: a template's time is a local wall time, resolved per recipient when used."""
    if at is None:
        if tz is not None:
            raise refuse(INVALID_INPUT, "--tz on a template needs --at (the local time to send).")
        return None, None
    text = at.strip()
    if text.startswith("+"):
        raise refuse(
            INVALID_TIME, "A template keeps a local date and time (e.g. 2026-12-01T09:00), not a relative offset."
        )
    moment = parse_datetime(text, now.replace(tzinfo=None))  # L3: a zone name in the text is refused, never dropped
    check_wall_time(moment)
    if moment.tzinfo is not None:
        raise refuse(INVALID_TIME, "A template keeps a local time; drop the offset and choose the zone with --tz.")
    choice = "sender" if tz is None else tz
    if choice not in ("sender", "recipient"):
        choice = get_zone(choice).zone  # an empty --tz is refused, never read as "not given"
    return moment.strftime("%Y-%m-%dT%H:%M"), choice


@use_case
def save(
    db,
    *,
    name: str,
    subject=None,
    body=None,
    followup_subject=None,
    followup_body=None,
    followup_after=None,
    at=None,
    tz=None,
    from_draft=None,
    with_followup: bool = True,
    replace: bool = False,
    clock: Clock,
) -> dict:
    check_name(name, "template")
    if from_draft is not None:
        if any(v is not None for v in (subject, body, followup_subject, followup_body, followup_after)):
            raise refuse(INVALID_INPUT, "--from-draft takes the text from the draft; drop --subject and --body.")
        draft = get_draft(db, from_draft)
        subject, body = draft["subject"], draft["body"]
        if with_followup and draft["followup_body"] is not None:
            followup_subject, followup_body = draft["followup_subject"], draft["followup_body"]
            delay = draft["followup_delay_hours"]
        else:
            followup_subject = followup_body = delay = None
        if at is None and draft["template_at"]:
            at, tz = draft["template_at"], tz or draft["template_tz"]
    else:
        check_text(subject, body)
        delay = None
        if followup_body is not None or followup_subject is not None or followup_after is not None:
            if followup_body is None:
                raise refuse(INVALID_MESSAGE, "A template's follow-up needs --followup-body.")
            from .drafts import reply_subject

            followup_subject = followup_subject or reply_subject(subject)
            check_text(followup_subject, followup_body, "follow-up")
            delay = parse_delay(followup_after)
    at_local, at_tz = _check_at(at, tz, clock.now())
    exists = repo_templates.find_template_named(db, name)
    if exists and not replace:
        raise refuse(TEMPLATE_EXISTS, f"A template named {name!r} exists; pass --replace to overwrite it.")
    now_text = to_text(clock.now())
    repo_templates.save_template(
        db,
        name=name,
        subject=subject,
        body=body,
        at_local=at_local,
        at_tz=at_tz,
        followup_subject=followup_subject,
        followup_body=followup_body,
        followup_delay_hours=delay,
        created_utc=now_text,
    )
    return show(db, name=name)


def _shape(row, full: bool = False) -> dict:
    shape = {
        "name": row["name"],
        "messages": 2 if row["followup_body"] is not None else 1,
        "subject": row["subject"],
        "scheduled_at": row["at_local"],
        "timezone": row["at_tz"],
    }
    if full:
        shape["body"] = row["body"]
        shape["followup"] = (
            None
            if row["followup_body"] is None
            else {
                "subject": row["followup_subject"],
                "body": row["followup_body"],
                "delay_hours": row["followup_delay_hours"],
            }
        )
    return shape


def template_text(db, *, name: str, missing_ok: bool = False) -> tuple[str, str] | None:
    """A template's initial (subject, body): the text `--edit` opens with (M1)."""
    row = repo_templates.find_template_named(db, name) if missing_ok else _template(db, name)
    return None if row is None else (row["subject"], row["body"])


def list_templates(db, *, search: str | None = None) -> list[dict]:
    """T3: every word must appear in the name, subject or body (either message), any case."""
    return [_shape(r) for r in repo_templates.search_templates(db, (search or "").lower().split())]


def show(db, *, name: str) -> dict:
    return _shape(_template(db, name), full=True)


@use_case
def delete(db, *, name: str) -> TemplateDeleted:
    row = _template(db, name)
    repo_templates.delete_template(db, row["id"])
    return {"name": name, "deleted": True}


def compose_from_template(db, *, seat_name, handles, name, subject=None, body=None, clock: Clock) -> dict:
    """`compose --template`: the template's text, follow-up and saved time; the command line overrides."""
    row = _template(db, name)
    followup = None
    if row["followup_body"] is not None:
        followup = (row["followup_subject"], row["followup_body"], row["followup_delay_hours"])
    return compose(
        db,
        seat_name=seat_name,
        handles=handles,
        subject=subject if subject is not None else row["subject"],
        body=body if body is not None else row["body"],
        followup=followup,
        template=row,
        clock=clock,
    )


def compose_draft(
    db, *, seat_name, to: list[str], to_file=None, template=None, subject=None, body=None, clock: Clock
) -> dict:
    """`compose`: recipients from --to and --to-file, the text from the command line or a template."""
    from .candidates import handles_from_file

    handles = list(to) + (handles_from_file(to_file) if to_file else [])
    if template:
        return compose_from_template(
            db, seat_name=seat_name, handles=handles, name=template, subject=subject, body=body, clock=clock
        )
    if subject is None or body is None:
        raise refuse(INVALID_MESSAGE, "Give --subject and --body, or --template NAME.")
    return compose(db, seat_name=seat_name, handles=handles, subject=subject, body=body, clock=clock)


def preview(db, *, draft_id) -> dict:
    """Rendered text per recipient and the values each lacks; schedules nothing."""
    draft = get_draft(db, draft_id)
    seat = repo.find_seat_by_id(db, draft["seat_id"])
    from .scheduling import sender_name

    personal = placeholders.Personaliser.of_draft(draft, sender_name(seat), seat["signature"])
    recipients = []
    for candidate in repo.draft_recipients(db, draft["id"]):
        texts, missing = personal.render(candidate)
        recipients.append({"candidate": candidate["handle"], **texts, "missing": missing})
    return {
        "draft_id": draft["id"],
        "recipients": recipients,
        "missing": [r["candidate"] for r in recipients if r["missing"]],
    }
