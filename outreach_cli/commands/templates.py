"""templates: save, list, show, delete; and preview of a draft's rendered text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, run

app = typer.Typer(help="Saved one- and two-message templates.", no_args_is_help=True)
Text = str | None


@app.command("save")
def save(
    name: str,
    subject: Annotated[Text, typer.Option("--subject", help="Initial subject.")] = None,
    body: Annotated[Text, typer.Option("--body", help="Initial body.")] = None,
    followup_subject: Annotated[Text, typer.Option("--followup-subject", help="Follow-up subject.")] = None,
    followup_body: Annotated[Text, typer.Option("--followup-body", help="Follow-up body (makes 2 messages).")] = None,
    followup_after: Annotated[Text, typer.Option("--followup-after", help="Follow-up delay, 72h to 28d.")] = None,
    at: Annotated[Text, typer.Option("--at", help="Saved local send time, e.g. 2026-12-01T09:00.")] = None,
    tz: Annotated[Text, typer.Option("--tz", help="sender, recipient or an IANA zone for --at.")] = None,
    from_draft: Annotated[Text, typer.Option("--from-draft", help="Save a draft's text as the template.")] = None,
    no_followup: Annotated[
        bool, typer.Option("--no-followup", help="With --from-draft: leave out the follow-up.")
    ] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a template of the same name.")] = False,
    body_file: Annotated[
        Path | None,
        typer.Option("--body-file", help="Read the initial body from FILE (- for standard input).", allow_dash=True),
    ] = None,
    edit: Annotated[
        bool, typer.Option("--edit", help="Write the initial subject and body in $VISUAL, $EDITOR or vi.")
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Save a template from scratch or from a draft."""
    from ..editing import choose
    from ..services.templates import save as do_save
    from ..services.templates import template_text

    def action(d, clock):
        start = (lambda: template_text(d, name=name, missing_ok=True)) if replace else None
        text_subject, text_body = choose(subject, body, body_file, edit, start=start)
        return do_save(
            d,
            name=name,
            subject=text_subject,
            body=text_body,
            followup_subject=followup_subject,
            followup_body=followup_body,
            followup_after=followup_after,
            at=at,
            tz=tz,
            from_draft=from_draft,
            with_followup=not no_followup,
            replace=replace,
            clock=clock,
        )

    run(db, json, action, render.template)


@app.command("list")
def list_(
    search: Annotated[Text, typer.Option("--search", help="Words that must all appear.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """List templates, optionally searching name, subject and body."""
    from ..services.templates import list_templates

    run(db, json, lambda d, clock: list_templates(d, search=search), render.templates)


@app.command("show")
def show(name: str, db: DbOption = None, json: JsonOption = False):
    """Show a template's messages, saved time and delay."""
    from ..services.templates import show as do_show

    run(db, json, lambda d, clock: do_show(d, name=name), render.template)


@app.command("delete")
def delete(name: str, db: DbOption = None, json: JsonOption = False):
    """Delete a template (drafts made from it keep their text)."""
    from ..services.templates import delete as do_delete

    run(db, json, lambda d, clock: do_delete(d, name=name), lambda r: render.note(f"Template {r['name']} deleted."))


def preview(draft: str, db: DbOption = None, json: JsonOption = False):
    """Show a draft as each recipient will read it. Nothing is scheduled."""
    from ..services.templates import preview as do_preview

    run(db, json, lambda d, clock: do_preview(d, draft_id=draft), render.preview)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="templates")
    root.command("preview")(preview)
