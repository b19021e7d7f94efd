"""The recruiter's flow: compose, followup, schedule, reschedule, cancel, reply."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, SeatOption, run
from ._year import showing_year

When = Annotated[str | None, typer.Option("--at", help="When: 2026-12-01T09:00, 'Dec 1 2026 9am' or +2h.")]
Zone = Annotated[str | None, typer.Option("--tz", help="sender (default), recipient, or an IANA zone.")]
Now = Annotated[bool, typer.Option("--now", help="Send at the next tick.")]
BodyFile = Annotated[
    Path | None, typer.Option("--body-file", help="Read the body from FILE (- for standard input).", allow_dash=True)
]
Edit = Annotated[bool, typer.Option("--edit", help="Write the subject and body in $VISUAL, $EDITOR or vi.")]


def compose(
    to: Annotated[list[str] | None, typer.Option("--to", help="Candidate handle (repeat for bulk).")] = None,
    to_file: Annotated[
        Path | None, typer.Option("--to-file", help="File of handles, or a CSV with a handle column.")
    ] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Subject (placeholders allowed).")] = None,
    body: Annotated[str | None, typer.Option("--body", help="Body (placeholders allowed).")] = None,
    template: Annotated[str | None, typer.Option("--template", help="Start from a saved template.")] = None,
    body_file: BodyFile = None,
    edit: Edit = False,
    seat: SeatOption = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Create a draft to one candidate (1:1) or several (bulk)."""
    from ..editing import choose
    from ..services.templates import compose_draft, template_text

    def action(d, clock):
        start = (lambda: template_text(d, name=template)) if template else None
        text_subject, text_body = choose(subject, body, body_file, edit, start=start)
        return compose_draft(
            d,
            seat_name=seat,
            to=to or [],
            to_file=to_file,
            template=template,
            subject=text_subject,
            body=text_body,
            clock=clock,
        )

    run(db, json, action, render.draft)


def followup(
    draft: str,
    subject: Annotated[str | None, typer.Option("--subject", help="Follow-up subject (default: Re: ...).")] = None,
    body: Annotated[str | None, typer.Option("--body", help="Follow-up body.")] = None,
    after: Annotated[
        str | None, typer.Option("--after", help="Delay after the initial: 72h to 28d (default 7d).")
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the follow-up.")] = False,
    body_file: BodyFile = None,
    edit: Edit = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Add, change or remove a draft's follow-up. It is sent only if the candidate has not answered."""
    from ..editing import choose
    from ..services.drafts import followup_text, set_followup

    def action(d, clock):
        text_subject, text_body = choose(
            subject, body, body_file, edit, what="follow-up", start=lambda: followup_text(d, draft_id=draft)
        )
        return set_followup(d, draft_id=draft, subject=text_subject, body=text_body, after=after, remove=remove)

    run(db, json, action, render.draft)


def schedule(
    draft: str, at: When = None, tz: Zone = None, now: Now = False, db: DbOption = None, json: JsonOption = False
):
    """Schedule a draft for all its recipients (charges credits)."""
    from ..services.scheduling import schedule as do_schedule

    run(
        db,
        json,
        *showing_year(
            lambda d, clock: do_schedule(d, draft_id=draft, at=at, tz=tz, now_flag=now, clock=clock),
            render.schedule_result,
        ),
    )


def reschedule(
    message: str, at: When = None, tz: Zone = None, now: Now = False, db: DbOption = None, json: JsonOption = False
):
    """Move a scheduled or system-canceled message. It is charged again if it was refunded."""
    from ..services.scheduling import reschedule as do_reschedule

    run(
        db,
        json,
        *showing_year(
            lambda d, clock: do_reschedule(d, message_id=message, at=at, tz=tz, now_flag=now, clock=clock),
            render.reschedule_result,
        ),
    )


def cancel(
    message: Annotated[str | None, typer.Argument(help="A scheduled message id.")] = None,
    thread: Annotated[str | None, typer.Option("--thread", help="Cancel a thread's scheduled messages.")] = None,
    draft: Annotated[str | None, typer.Option("--draft", help="Discard a draft.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Cancel a message or thread (refunded), or discard a draft."""
    from ..services.scheduling import cancel as do_cancel

    run(
        db,
        json,
        lambda d, clock: do_cancel(d, message_id=message, thread_id=thread, draft_id=draft, clock=clock),
        render.cancel_result,
    )


def reply(
    thread: str,
    decline: Annotated[bool, typer.Option("--decline", help="The candidate declined.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Record a candidate's response (accept, or --decline)."""
    from ..services.replies import reply as do_reply

    run(
        db,
        json,
        *showing_year(
            lambda d, clock: do_reply(d, thread_id=thread, decline=decline, clock=clock), render.reply_result
        ),
    )


def show_thread(thread: str, db: DbOption = None, json: JsonOption = False):
    """Show a thread: its messages and response."""
    from ..services.views import thread as do_thread

    run(db, json, *showing_year(lambda d, clock: do_thread(d, thread_id=thread), render.thread))


def show_draft(draft: str, db: DbOption = None, json: JsonOption = False):
    """Show a draft."""
    from ..services.drafts import show

    run(db, json, lambda d, clock: show(d, draft_id=draft), render.draft)


def resolve(
    message: Annotated[
        list[str], typer.Argument(help="One or more messages whose delivery is unknown.", show_default=False)
    ],
    sent: Annotated[bool, typer.Option("--sent", help="It did go: record it as sent.")] = False,
    resend: Annotated[bool, typer.Option("--resend", help="Send it again at the next tick (same Message-ID).")] = False,
    cancel: Annotated[bool, typer.Option("--cancel", help="Cancel it and refund it (and its follow-up).")] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Settle a message whose delivery is unknown.

    --sent: it did go. --resend: send it again. --cancel: cancel and refund it."""
    from ..services.resolve import resolve_several

    action = lambda d, clock: resolve_several(
        d,
        message_ids=message,
        sent=sent,
        resend=resend,
        cancel=cancel,  # noqa: E731
        clock=clock,
    )
    run(db, json, *showing_year(action, render.message if len(message) == 1 else render.resolved))


def register(app: typer.Typer) -> None:
    for name, fn in (
        ("compose", compose),
        ("followup", followup),
        ("schedule", schedule),
        ("reschedule", reschedule),
        ("cancel", cancel),
        ("reply", reply),
        ("resolve", resolve),
        ("thread", show_thread),
        ("draft", show_draft),
    ):
        app.command(name)(fn)
