"""delivery set / show / test: a seat's transport (D1, D2, D9)."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import render
from ._common import DbOption, JsonOption, SeatOption, run
from ._server import Auth, CaFile, Host, PasswordCommand, PasswordEnv, SmtpPort, SmtpSecurity, Timeout, User

delivery_app = typer.Typer(help="How a seat's messages leave: outbox, smtp, sendmail, exec.", no_args_is_help=True)


@delivery_app.command("set")
def delivery_set(
    kind: Annotated[str, typer.Argument(help="none, outbox, smtp, sendmail or exec.", show_default=False)],
    seat: SeatOption = None,
    dir: Annotated[str | None, typer.Option("--dir", help="outbox: the Maildir to write into.")] = None,
    host: Host = None,
    port: SmtpPort = None,
    security: SmtpSecurity = None,
    user: User = None,
    auth: Auth = None,
    password_env: PasswordEnv = None,
    password_command: PasswordCommand = None,
    ca_file: CaFile = None,
    timeout: Timeout = None,
    command: Annotated[
        str | None,
        typer.Option("--command", help="sendmail: the program (default sendmail); exec: the command run by sh -c."),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
):
    """Choose a seat's transport and its options; passwords only by reference (an environment variable's name or a command)."""
    from ..services.delivery import set_transport

    run(
        db,
        json,
        lambda d, clock: set_transport(
            d,
            seat_name=seat,
            kind=kind,
            dir=dir,
            host=host,
            port=port,
            security=security,
            user=user,
            auth=auth,
            password_env=password_env,
            password_command=password_command,
            ca_file=ca_file,
            timeout=timeout,
            command=command,
        ),
        render.delivery_settings,
    )


@delivery_app.command("show")
def delivery_show(seat: SeatOption = None, db: DbOption = None, json: JsonOption = False):
    """Show every effective setting of a seat's transport, defaults included."""
    from ..services.delivery import show

    run(db, json, lambda d, clock: show(d, seat_name=seat), render.delivery_settings)


@delivery_app.command("test")
def delivery_test(seat: SeatOption = None, db: DbOption = None, json: JsonOption = False):
    """Check a seat's transport without sending a message."""
    from ..services.delivery import test

    run(db, json, lambda d, clock: test(d, seat_name=seat), render.delivery_test)


def register(app: typer.Typer) -> None:
    app.add_typer(delivery_app, name="delivery")
