"""A seat's mailbox: `mailbox set` and `mailbox show` (I1, D2). Settings are stored per seat as a kind and a JSON
object of options; secrets only by reference (the name of an environment variable, or a password command)."""

from __future__ import annotations

import os
from typing import Any

from ..errors import INVALID_INPUT, refuse
from ..incoming.source import source_class, source_kinds
from ..repo import incoming as repo_incoming
from .common import acting_seat, password_env_warning, use_case
from .incoming import effective_settings, source_name


def show_mailbox(db, *, seat_name: str | None) -> dict:
    seat = acting_seat(db, seat_name)
    box = repo_incoming.find_mailbox(db, seat["id"])
    if box is None:
        return {"seat": seat["name"], "kind": "none"}
    return {"seat": seat["name"], "kind": box["kind"], **effective_settings(box["kind"], box["options"])}


@use_case
def set_mailbox(db, *, seat_name: str | None, kind: str, **given: Any) -> dict:
    """Each source declares its options (required, default, check, plugins.Option); `none` reads no mailbox."""
    seat = acting_seat(db, seat_name)
    if kind == "none":
        flags = [f"--{key.replace('_', '-')}" for key, value in given.items() if value is not None]
        if flags:
            raise refuse(INVALID_INPUT, f"{', '.join(flags)} does not apply to a none mailbox.")
        repo_incoming.delete_mailbox(db, seat["id"])
        return show_mailbox(db, seat_name=seat["name"])
    source = source_class(kind)
    if source is None:
        kinds = ", ".join(["none", *source_kinds()])
        raise refuse(INVALID_INPUT, f"Unknown mailbox kind {kind!r}; use one of {kinds}.")
    options, warnings = source.checked(given)
    local = source.local_path(options)
    if local:
        _not_the_outbox(db, seat["id"], local)
    warning = password_env_warning(options)
    if warning:
        warnings.append(warning)
    repo_incoming.set_mailbox(db, seat["id"], kind, options, source_name(kind, options))
    return {**show_mailbox(db, seat_name=seat["name"]), **({"warnings": warnings} if warnings else {})}


def _not_the_outbox(db, seat_id: int, directory: str) -> None:
    """I8: a mailbox that is the seat's outbox would read its own messages back as replies."""
    outbox = repo_incoming.find_outbox_dir(db, seat_id)
    if outbox and os.path.realpath(os.path.expanduser(outbox)) == os.path.realpath(directory):
        raise refuse(
            INVALID_INPUT,
            f"{directory} is the seat's outbox; its own messages would be read "
            "back as replies (I8). Give the Maildir your mail arrives in.",
        )
