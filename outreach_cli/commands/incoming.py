"""mailbox set / show, and replies fetch / import / list / assign / dismiss / reclassify: incoming mail (I1-I4, I11,
I12)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import render
from ..errors import DATABASE_LOCKED, INVALID_INPUT, refuse
from ._common import DbOption, JsonOption, Refused, SeatOption, run
from ._server import Auth, CaFile, Host, ImapPort, ImapSecurity, PasswordCommand, PasswordEnv, Timeout, User

EX_TEMPFAIL = 75
mailbox_app = typer.Typer(help="A seat's incoming mailbox (maildir, mbox, imap).", no_args_is_help=True)
replies_app = typer.Typer(help="Read, list and assign incoming replies.", no_args_is_help=True)


@mailbox_app.command("set")
def mailbox_set(
    kind: Annotated[str, typer.Argument(help="none, maildir, mbox or imap.", show_default=False)],
    seat: SeatOption = None,
    dir: Annotated[str | None, typer.Option("--dir", help="maildir: the Maildir (with new/ and cur/).")] = None,
    file: Annotated[str | None, typer.Option("--file", help="mbox: the mbox file.")] = None,
    host: Host = None,
    port: ImapPort = None,
    security: ImapSecurity = None,
    user: User = None,
    auth: Auth = None,
    password_env: PasswordEnv = None,
    password_command: PasswordCommand = None,
    folder: Annotated[str | None, typer.Option("--folder", help="imap: the folder to read (default INBOX).")] = None,
    ca_file: CaFile = None,
    timeout: Timeout = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Choose a seat's mailbox; it is only ever read. Passwords only by reference (an environment variable's name or a command)."""
    from ..services.mailbox import set_mailbox

    run(
        db,
        json,
        lambda d, clock: set_mailbox(
            d,
            seat_name=seat,
            kind=kind,
            dir=dir,
            file=file,
            host=host,
            port=port,
            security=security,
            user=user,
            auth=auth,
            password_env=password_env,
            password_command=password_command,
            folder=folder,
            ca_file=ca_file,
            timeout=timeout,
        ),
        render.mailbox_settings,
    )


@mailbox_app.command("show")
def mailbox_show(seat: SeatOption = None, db: DbOption = None, json: JsonOption = False):
    """Show every effective setting of a seat's mailbox, defaults included."""
    from ..services.mailbox import show_mailbox

    run(db, json, lambda d, clock: show_mailbox(d, seat_name=seat), render.mailbox_settings)


@replies_app.command("fetch")
def replies_fetch(seat: SeatOption = None, db: DbOption = None, json: JsonOption = False):
    """Read what is new in a seat's mailbox: replies stop follow-ups and settle credits."""
    from ..services.incoming import fetch

    run(db, json, lambda d, clock: fetch(d, seat_name=seat, clock=clock), render.incoming_result)


@replies_app.command("import")
def replies_import(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="One raw message, or - to read it from stdin.")],
    db: DbOption = None,
    json: JsonOption = False,
):
    """Read one raw message (for a procmail, sieve or .forward pipe: `outreach replies import -`)."""
    from ..services.incoming import import_message

    raw: dict[str, bytes] = {}

    def action(d, clock):
        return import_message(d, raw=raw.setdefault("bytes", _read(file)), clock=clock)

    try:
        run(db, json, action, render.incoming_result)
    except Refused as refused:
        # I14: a reason that may pass (a locked database, a full disk) is EX_TEMPFAIL, so the MTA of a .forward
        # pipe retries instead of bouncing the candidate's reply back to them
        if refused.error_code == DATABASE_LOCKED or "full" in refused.message.lower():
            raise typer.Exit(EX_TEMPFAIL) from None
        raise


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        with open(file, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise refuse(INVALID_INPUT, f"{file} could not be read: {error.strerror}.") from None


@replies_app.command("list")
def replies_list(
    unmatched: Annotated[
        bool, typer.Option("--unmatched", help="Only mail from a candidate that matched no single thread.")
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
):
    """List incoming mail (mail from nobody we wrote to is left out)."""
    from ..services.incoming import list_incoming

    run(db, json, lambda d, clock: list_incoming(d, unmatched=unmatched), render.incoming_list)


@replies_app.command("assign")
def replies_assign(
    incoming: Annotated[str, typer.Argument(help="An unmatched incoming mail's id.")],
    thread: Annotated[str, typer.Argument(help="The thread it answers.")],
    db: DbOption = None,
    json: JsonOption = False,
):
    """Attach an unmatched mail to a thread: it becomes the thread's reply (I4, I6)."""
    from ..services.incoming import assign

    run(db, json, lambda d, clock: assign(d, incoming_id=incoming, thread_id=thread, clock=clock), render.incoming_one)


@replies_app.command("dismiss")
def replies_dismiss(
    incoming: Annotated[str, typer.Argument(help="An unmatched incoming mail's id.")],
    db: DbOption = None,
    json: JsonOption = False,
):
    """Drop an unmatched mail: it stops holding the candidate's follow-ups (I11)."""
    from ..services.incoming import dismiss

    run(db, json, lambda d, clock: dismiss(d, incoming_id=incoming), render.incoming_one)


@replies_app.command("reclassify")
def replies_reclassify(
    incoming: Annotated[str, typer.Argument(help="An incoming mail's id.")],
    kind: Annotated[
        str, typer.Option("--as", metavar="KIND", show_default=False, help="reply, auto_reply or ignored.")
    ],
    db: DbOption = None,
    json: JsonOption = False,
):
    """Correct how a mail was read: a response taken away sends the follow-up again and charges its credits back;
    a mail made a reply stops the follow-up and refunds (I12)."""
    from ..services.incoming import reclassify

    run(db, json, lambda d, clock: reclassify(d, incoming_id=incoming, kind=kind, clock=clock), render.reclassified)


def register(app: typer.Typer) -> None:
    app.add_typer(mailbox_app, name="mailbox")
    app.add_typer(replies_app, name="replies")
