"""Helpers every service shares: one transaction per use case, the clock, the acting seat."""

from __future__ import annotations

import functools

from .. import repo
from ..clock import Clock, SystemClock, make_clock
from ..errors import DATABASE_ERROR, INVALID_INPUT, NOT_FOUND, PERMISSION_DENIED, NotFound, OutreachError, refuse
from ..repo import find_seat_by_id, find_setting
from ..timeparse import from_text


def load_clock(db, real=None) -> Clock:
    """The clock `init` recorded, carrying `real`, the command's real clock (built by `run`). A missing or unreadable setting means a damaged file (L10): guessing the
    system clock instead would run a simulated clock backwards, so it is refused."""
    mode = find_setting(db, "clock_mode")
    now = find_setting(db, "clock_now_utc") if mode == "simulated" else None
    try:
        simulated_now = from_text(now) if mode == "simulated" else None
    except (TypeError, ValueError):
        simulated_now = None
    if mode not in ("simulated", "system") or (mode == "simulated" and simulated_now is None):
        raise refuse(
            DATABASE_ERROR,
            f"The clock setting in {db.path} is missing or damaged, so the file is "
            "damaged; run `outreach doctor` and restore a backup.",
        )
    clock = make_clock(mode, simulated_now, real)
    if isinstance(clock, SystemClock):  # D20: on the system clock, now never goes behind an instant already recorded
        clock.hold_at(repo.find_latest_recorded(db))
    return clock


def clock_or_damaged(db, real=None):
    """The clock of one command: the one `init` recorded, or, when that setting is damaged (L10), a clock that
    refuses when asked, so a command that never needs the time still runs and `doctor` reports the damage."""
    from ..clock import DamagedClock
    from ..db import DatabaseError

    try:
        return load_clock(db, real)
    except (OutreachError, DatabaseError) as exc:
        return DamagedClock(exc, real)


def acting_seat(db, name: str | None, act: bool = True):
    """`--seat NAME`, else the default seat (the one `init` created); refused (P6) when the connected database
    role may not act for it, unless `act` is False (only its zone is read)."""
    if name:
        seat = get_seat(db, name)
        if act:
            check_may_act(db, seat)
        return seat
    try:
        seat = find_seat_by_id(db, int(find_setting(db, "default_seat_id")))
    except (TypeError, ValueError):
        seat = None
    if seat is None:  # init always records it: a missing one means a damaged file (L10), not a guess
        raise refuse(
            DATABASE_ERROR,
            f"The default seat setting in {db.path} is missing or damaged, so the file "
            "is damaged; run `outreach doctor` and restore a backup.",
        )
    if act:
        check_may_act(db, seat, default=True)
    return seat


def check_may_act(db, seat, default: bool = False) -> None:
    """P6: a seat bound to a database role is acted for by that role only (and by the tables' owner). The
    database refuses it anyway (row-level security); this says so first, in the recruiter's words."""
    if seat["role"] is None or db.engine != "postgres":
        return
    roles = db.roles()
    if roles.owner or seat["role"] in roles.member_of:
        return
    hint = " Name your own seat with --seat." if default else ""
    raise refuse(
        PERMISSION_DENIED,
        f"Seat {seat['name']} belongs to the database role {seat['role']}, and you are "
        f"connected as {roles.user}, so you cannot act for it.{hint}",
    )


def check_every_seat(db, what: str) -> None:
    """P6: a command that reaches every seat's rows (erasing a candidate, copying the database) is the owner's
    once seats are bound to roles: row-level security would hide the other roles' rows from it."""
    if db.engine != "postgres":
        return
    roles = db.roles()
    if roles.owner:
        return
    others = [s["name"] for s in repo.seats(db) if s["role"] is not None and s["role"] not in roles.member_of]
    if others:
        raise refuse(
            PERMISSION_DENIED,
            f"Only the role that owns the database may {what}: seat(s) "
            f"{', '.join(others)} belong to other roles, whose rows yours cannot reach.",
        )


def check_admin(db, what: str) -> None:
    """P6: only the contract's admin role (and the tables' owner) changes contract settings, grants credits,
    restricts seats; on SQLite there are no roles."""
    if db.engine != "postgres":
        return
    roles = db.roles()
    if roles.admin:
        return
    who = (
        f"the contract's admin role, {roles.admin_role},"
        if roles.admin_role
        else "the role that owns the database (no admin is named yet: `contract set --admin ROLE`)"
    )
    raise refuse(PERMISSION_DENIED, f"Only {who} may {what}; you are connected as {roles.user}.")


# What a recruiter reads when a seat, candidate, draft, message or thread named on the command line is missing.
_MISSING = {
    "seat": "There is no seat named {key!r}; see `outreach seats list`.",
    "candidate": "There is no candidate {key!r}; add them with `outreach candidates add`.",
    "draft": "There is no draft {key}; see `outreach inbox --folder drafts`.",
    "message": "There is no message {key}; see `outreach inbox`.",
    "thread": "There is no thread {key}; see `outreach inbox`.",
}
_REMOVED = (
    "There is no candidate {key!r}: handles starting with 'removed-' name removed candidates, of whom "
    "only anonymous history is kept."
)


def found(lookup, db, key):
    """`lookup(db, key)` (a repository read), with a missing row refused in the recruiter's words."""
    try:
        return lookup(db, key)
    except NotFound as missing:
        if missing.malformed:  # repo.parse_id, the one id parser
            sentence = "{key!r} is not a {what} id; {what} ids are whole numbers."
        elif missing.out_of_range:
            sentence = "There is no {what} {key}."
        else:
            sentence = _REMOVED if missing.removed else _MISSING.get(missing.what, "There is no {what} {key!r}.")
        raise refuse(NOT_FOUND, sentence.format(key=missing.key, what=missing.what)) from None


def get_seat(db, name: str):
    return found(repo.get_seat_by_name, db, name)


def get_candidate(db, handle: str):
    return found(repo.get_candidate_by_handle, db, handle)


def get_draft(db, draft_id):
    return found(repo.get_draft, db, draft_id)


def get_message(db, message_id):
    return found(repo.get_message, db, message_id)


def get_thread(db, thread_id):
    return found(repo.get_thread, db, thread_id)


def check_name(name: str | None, what: str) -> str:
    """A seat's or a template's name: 1 to 100 characters, no control characters, not blank."""
    if not name or not name.strip() or len(name) > 100 or any(ord(ch) < 32 for ch in name):
        raise refuse(INVALID_INPUT, f"A {what} name must be 1 to 100 printable characters.")
    return name


def use_case(service):
    """Run a service that changes state as one transaction (docs/architecture.md): its reads and checks happen under
    the same write lock as its writes, so two processes racing on one message, thread or draft act once."""

    @functools.wraps(service)
    def in_one_transaction(db, *args, **kwargs):
        with db.transaction():
            return service(db, *args, **kwargs)

    return in_one_transaction


def password_env_warning(options: dict) -> str | None:
    """D19: a password variable that is not set here (cron's environment may differ, too); no value is printed."""
    import os

    name = options.get("password_env")
    if name and name not in os.environ:
        return (
            f"The environment variable {name} is not set here; set it where `outreach tick` runs (cron's "
            "environment is not your shell's), or messages are held (D12) until it is."
        )
    return None
