"""The recruiter's flow: compose, followup, schedule, reschedule, cancel, reply."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from .. import render
from ..errors import refuse
from ._clock import showing_year
from ._common import DbOption, JsonOption, SeatOption, run

When = Annotated[Optional[str], typer.Option("--at", help="When: 2026-12-01T09:00, 'Dec 1 2026 9am' or +2h.")]
Zone = Annotated[Optional[str], typer.Option("--tz", help="sender (default), recipient, or an IANA zone.")]
Now = Annotated[bool, typer.Option("--now", help="Send at the next tick.")]


def compose(
    to: Annotated[Optional[List[str]], typer.Option("--to", help="Candidate handle (repeat for bulk).")] = None,
    to_file: Annotated[Optional[Path], typer.Option("--to-file", help="File of handles, or a CSV with a handle "
                                                                      "column.")] = None,
    subject: Annotated[Optional[str], typer.Option("--subject", help="Subject (placeholders allowed).")] = None,
    body: Annotated[Optional[str], typer.Option("--body", help="Body (placeholders allowed).")] = None,
    template: Annotated[Optional[str], typer.Option("--template", help="Start from a saved template.")] = None,
    seat: SeatOption = None, db: DbOption = None, json: JsonOption = False,
):
    """Create a draft to one candidate (1:1) or several (bulk)."""
    from ..services.drafts import compose as do_compose

    def action(d):
        from ..services.candidates import handles_from_file
        handles = list(to or []) + (handles_from_file(to_file) if to_file else [])
        if template:
            from ..services.templates import compose_from_template
            return compose_from_template(d, seat, handles, template, subject, body)
        if subject is None or body is None:
            raise refuse("invalid_message", "Give --subject and --body, or --template NAME.")
        return do_compose(d, seat, handles, subject, body)
    run(db, json, action, render.draft)


def followup(
    draft: str,
    subject: Annotated[Optional[str], typer.Option("--subject", help="Follow-up subject (default: Re: ...).")] = None,
    body: Annotated[Optional[str], typer.Option("--body", help="Follow-up body.")] = None,
    after: Annotated[Optional[str], typer.Option("--after", help="Delay after the initial: 72h to 28d "
                                                                 "(default 7d).")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the follow-up.")] = False,
    db: DbOption = None, json: JsonOption = False,
):
    """Add, change or remove a draft's follow-up. It is sent only if the candidate has not answered."""
    from ..services.drafts import set_followup
    run(db, json, lambda d: set_followup(d, draft, subject, body, after, remove), render.draft)


def schedule(draft: str, at: When = None, tz: Zone = None, now: Now = False,
             db: DbOption = None, json: JsonOption = False):
    """Schedule a draft for all its recipients (charges credits)."""
    from ..services.scheduling import schedule as do_schedule
    run(db, json, showing_year(lambda d: do_schedule(d, draft, at, tz, now)), render.schedule_result)


def reschedule(message: str, at: When = None, tz: Zone = None, now: Now = False,
               db: DbOption = None, json: JsonOption = False):
    """Move a scheduled or system-canceled message. It is charged again if it was refunded."""
    from ..services.scheduling import reschedule as do_reschedule
    run(db, json, showing_year(lambda d: do_reschedule(d, message, at, tz, now)), render.reschedule_result)


def cancel(
    message: Annotated[Optional[str], typer.Argument(help="A scheduled message id.")] = None,
    thread: Annotated[Optional[str], typer.Option("--thread", help="Cancel a thread's scheduled messages.")] = None,
    draft: Annotated[Optional[str], typer.Option("--draft", help="Discard a draft.")] = None,
    db: DbOption = None, json: JsonOption = False,
):
    """Cancel a message or thread (refunded), or discard a draft."""
    from ..services import drafts, scheduling

    def action(d):
        given = [x is not None for x in (message, thread, draft)]
        if sum(given) != 1:
            raise refuse("invalid_input", "Give exactly one of MESSAGE, --thread THREAD or --draft DRAFT.")
        if message is not None:
            return scheduling.cancel_message(d, message)
        if thread is not None:
            return scheduling.cancel_thread(d, thread)
        return drafts.discard(d, draft)
    run(db, json, action, render.cancel_result)


def reply(thread: str, decline: Annotated[bool, typer.Option("--decline", help="The candidate declined.")] = False,
          db: DbOption = None, json: JsonOption = False):
    """Record a candidate's response (accept, or --decline)."""
    from ..services.replies import reply as do_reply
    run(db, json, showing_year(lambda d: do_reply(d, thread, decline)), render.thread)


def show_thread(thread: str, db: DbOption = None, json: JsonOption = False):
    """Show a thread: its messages and response."""
    from .. import repo, shapes
    run(db, json, showing_year(lambda d: shapes.thread(repo.thread(d, thread),
                                                       repo.thread_messages(d, repo.thread(d, thread)["id"]))),
        render.thread)


def show_draft(draft: str, db: DbOption = None, json: JsonOption = False):
    """Show a draft."""
    from ..services.drafts import show
    run(db, json, lambda d: show(d, draft), render.draft)


def resolve(
    message: Annotated[str, typer.Argument(help="A message whose delivery is unknown.", show_default=False)],
    sent: Annotated[bool, typer.Option("--sent", help="It did go: record it as sent.")] = False,
    resend: Annotated[bool, typer.Option("--resend", help="Send it again at the next tick (same Message-ID).")] = False,
    cancel: Annotated[bool, typer.Option("--cancel", help="Cancel it and refund it (and its follow-up).")] = False,
    db: DbOption = None, json: JsonOption = False,
):
    """Settle a message whose delivery is unknown.

    --sent: it did go. --resend: send it again. --cancel: cancel and refund it."""
    from ..services.common import load_clock
    from ..services.resolve import resolve as do_resolve

    def action(d):
        chosen = [name for name, flag in (("sent", sent), ("resend", resend), ("cancel", cancel)) if flag]
        if len(chosen) != 1:
            raise refuse("invalid_input", "Give exactly one of --sent, --resend or --cancel.")
        return do_resolve(d, message, chosen[0], clock=load_clock(d))
    run(db, json, showing_year(action), render.message)


def register(app: typer.Typer) -> None:
    for name, fn in (("compose", compose), ("followup", followup), ("schedule", schedule),
                     ("reschedule", reschedule), ("cancel", cancel), ("reply", reply), ("resolve", resolve),
                     ("thread", show_thread), ("draft", show_draft)):
        app.command(name)(fn)
