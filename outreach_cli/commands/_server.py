"""The options of a mail server, shared by `delivery set smtp` (D1) and `mailbox set imap` (I1)."""

from __future__ import annotations

from typing import Annotated

import typer

Host = Annotated[str | None, typer.Option("--host", help="smtp, imap: the mail server.")]
User = Annotated[str | None, typer.Option("--user", help="smtp, imap: log in as this user.")]
Auth = Annotated[
    str | None,
    typer.Option(
        "--auth",
        help="smtp, imap: password (default), or xoauth2 for an OAuth 2 "
        "access token (Google Workspace, Microsoft 365) printed by "
        "--password-command.",
    ),
]
PasswordEnv = Annotated[
    str | None, typer.Option("--password-env", help="NAME of the environment variable that holds the password.")
]
PasswordCommand = Annotated[
    str | None,
    typer.Option(
        "--password-command", help="A command (sh -c) that prints the password (with --auth xoauth2: an access token)."
    ),
]
CaFile = Annotated[
    str | None, typer.Option("--ca-file", help="smtp, imap: trust this CA (PEM) instead of the system's.")
]
Timeout = Annotated[int | None, typer.Option("--timeout", help="Seconds to wait (default 60).")]
# Point 10 of issue 21: each command documents its own ports and securities.
SmtpPort = Annotated[
    int | None, typer.Option("--port", help="587 for starttls (the default), 465 for ssl, 25 for none.")
]
ImapPort = Annotated[int | None, typer.Option("--port", help="993 for ssl (the default), 143 for starttls or none.")]
SmtpSecurity = Annotated[
    str | None, typer.Option("--security", help="starttls (default), ssl or none; none only to loopback.")
]
ImapSecurity = Annotated[
    str | None, typer.Option("--security", help="ssl (default), starttls or none; none only to loopback.")
]
