"""A seat's mailbox: `mailbox set` and `mailbox show` (I1, D2). Settings are stored per seat as a kind and a JSON
object of options; secrets only by reference (the name of an environment variable, or a password command)."""

from __future__ import annotations

import os

from ..errors import INVALID_INPUT, refuse
from ..repo import incoming as repo_incoming
from .common import acting_seat, check_server_options, given_options, password_env_warning, use_case
from .incoming import ALLOWED, IMAP_DEFAULTS, IMAP_PORTS, effective_settings, source_name

KINDS = ("none", "maildir", "mbox", "imap")


def show_mailbox(db, *, seat_name: str | None) -> dict:
    seat = acting_seat(db, seat_name)
    box = repo_incoming.find_mailbox(db, seat["id"])
    if box is None:
        return {"seat": seat["name"], "kind": "none"}
    return {"seat": seat["name"], "kind": box["kind"], **effective_settings(box["kind"], box["options"])}


@use_case
def set_mailbox(db, *, seat_name: str | None, kind: str, **given) -> dict:
    seat = acting_seat(db, seat_name)
    if kind not in KINDS:
        raise refuse(INVALID_INPUT, f"Unknown mailbox kind {kind!r}; use one of {', '.join(KINDS)}.")
    options = given_options(given, ALLOWED[kind], f"a {kind} mailbox")
    warnings = _check_options(kind, options, db, seat["id"])
    if password_env_warning(options):
        warnings = [*(warnings or []), password_env_warning(options)]
    if kind == "none":
        repo_incoming.delete_mailbox(db, seat["id"])
    else:
        repo_incoming.set_mailbox(db, seat["id"], kind, options, source_name(kind, options))
    return {**show_mailbox(db, seat_name=seat["name"]), **({"warnings": warnings} if warnings else {})}


def _check_options(kind: str, options: dict, db=None, seat_id=None) -> list[str]:
    required = {"maildir": ("dir",), "mbox": ("file",), "imap": ("host", "user")}.get(kind, ())
    missing = [key for key in required if not options.get(key)]
    if missing:
        article = "An" if kind in ("mbox", "imap") else "A"  # an em-box, an IMAP mailbox
        raise refuse(INVALID_INPUT, f"{article} {kind} mailbox needs " + " and ".join(f"--{k}" for k in missing) + ".")
    for key in ("dir", "file", "host", "user", "password_command", "folder", "ca_file"):
        value = options.get(key)
        if value is not None and (not value.strip() or any(ord(ch) < 32 for ch in value)):
            raise refuse(INVALID_INPUT, f"--{key.replace('_', '-')} must be non-empty printable text.")
    for key in ("dir", "file", "ca_file"):
        if options.get(key):  # stored absolute: cron runs `tick` from another directory
            options[key] = os.path.abspath(os.path.expanduser(options[key]))
    if kind == "maildir" and not os.path.isdir(options["dir"]):  # I2: a typo is caught at once
        raise refuse(
            INVALID_INPUT,
            f"There is no Maildir at {options['dir']}; give the folder that holds new/ "
            "and cur/ (a mailbox that does not exist would hold the follow-ups).",
        )
    if kind == "mbox" and not os.path.exists(options["file"]):
        raise refuse(
            INVALID_INPUT,
            f"There is no mbox file at {options['file']}; give the file your mail is "
            "delivered to (a mailbox that does not exist would hold the follow-ups).",
        )
    if kind == "maildir" and seat_id is not None:
        outbox = repo_incoming.find_outbox_dir(db, seat_id)
        if outbox and os.path.realpath(os.path.expanduser(outbox)) == os.path.realpath(options["dir"]):
            raise refuse(
                INVALID_INPUT,
                f"{options['dir']} is the seat's outbox; its own messages would be read "
                "back as replies (I8). Give the Maildir your mail arrives in.",
            )
    warnings = []
    if kind == "maildir" and not os.path.isdir(os.path.join(options["dir"], "new")):
        warnings.append(f"{options['dir']} is not a Maildir yet (it has no new/ folder); it is read once it is one.")
    if kind == "imap":
        _check_imap(options)
    return warnings


def _check_imap(options: dict) -> None:
    check_server_options(
        options, securities=tuple(IMAP_PORTS), default_security=IMAP_DEFAULTS["security"], carries="mail"
    )
    if bool(options.get("password_env")) == bool(options.get("password_command")):
        raise refuse(
            INVALID_INPUT,
            "An IMAP mailbox needs exactly one of --password-env VAR or --password-command "
            "CMD (the password itself is never stored).",
        )
