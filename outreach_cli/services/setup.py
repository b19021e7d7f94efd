"""init, seats, contract and the clock (C9, K8)."""

from __future__ import annotations

import os
from pathlib import Path

from .. import db as dbmod
from .. import repo
from ..clock import Clock, SimulatedClock, SystemClock
from ..errors import INVALID_INPUT, INVALID_STATE, INVALID_TIME, OutreachError, refuse
from ..repo import delivery as repo_delivery
from ..results import ClockSetResult, ClockState, InitResult
from ..timeparse import get_zone, parse_when, to_text
from .common import acting_seat, check_admin, check_may_act, check_name, get_seat, use_case
from .credits import allotment, grant, next_refresh

PLANS = ("recruiter", "lite")


def local_zone_name() -> str:
    """The machine's IANA zone, for a seat created without --tz."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.split("zoneinfo/", 1)[-1])
    except OSError:
        pass
    for name in candidates:
        if not name:
            continue
        try:
            return get_zone(name).zone
        except OutreachError:
            continue
    return "UTC"


def check_plan(plan: str) -> str:
    if plan not in PLANS:
        raise refuse(INVALID_INPUT, f"Unknown plan {plan!r}; use recruiter or lite.")
    return plan


MAX_COUNT = 1_000_000_000


def check_count(value: int | None, what: str) -> int | None:
    """L2: every count (credits, pool, daily and monthly limits) is a whole number from 0 to 1,000,000,000
    (a daily limit of 0 pauses a seat's sending, K2); the one check every command that takes a count goes
    through, before anything is written."""
    if value is not None and not 0 <= value <= MAX_COUNT:
        shown = str(value) if len(str(value)) <= 30 else f"{str(value)[:27]}..."
        raise refuse(INVALID_INPUT, f"{what} must be a whole number from 0 to {MAX_COUNT:,}, not {shown}.")
    return value


def init(
    path: Path,
    *,
    seat: str,
    plan: str,
    tz: str | None,
    credits: int | None,
    daily_limit: int,
    simulated_clock: str | None,
    clock: Clock,
) -> InitResult:
    check_plan(plan)
    check_count(credits, "--credits")
    check_count(daily_limit, "--daily-limit")
    zone = get_zone(tz) if tz is not None else get_zone(local_zone_name())  # an empty --tz is refused
    real_now = clock.now()
    now, warning = parse_when(simulated_clock, zone, real_now) if simulated_clock else (real_now, None)
    check_name(seat, "seat")
    with dbmod.creating(path) as db:
        if not simulated_clock and isinstance(clock.real, SystemClock):
            # P4: on PostgreSQL the real time is the server's, from the first record on
            clock.real.follow(db.server_now())
            now = clock.now()
        with db.transaction():
            refresh_day = now.astimezone(zone).day
            repo.insert_contract(db, refresh_day)
            repo.set_setting(db, "clock_mode", "simulated" if simulated_clock else "system")
            if simulated_clock:
                repo.set_setting(db, "clock_now_utc", to_text(now))
            seat_id = _add_seat(db, seat, plan, zone.zone, credits, daily_limit, now)
            repo.set_setting(db, "default_seat_id", seat_id)
        kept = SimulatedClock(now, clock.real) if simulated_clock else clock
        return {
            "db": str(path),
            "seat": seat_summary(db, seat_id),
            "clock": clock_state(db, clock=kept),
            "warnings": [warning] if warning else [],
        }


def _add_seat(db, name, plan, zone_name, credits, daily_limit, now, from_address=None) -> int:
    contract = repo.contract(db)
    first = next_refresh(contract["refresh_day"], zone_name, now)
    extra = {"from_address": from_address} if from_address is not None else {}
    seat_id = repo.insert_seat(
        db, name=name, plan=plan, timezone=zone_name, daily_limit=daily_limit, next_refresh_utc=to_text(first), **extra
    )
    amount = allotment(contract, plan) if credits is None else credits
    grant(db, seat_id, amount, to_text(now))
    return seat_id


def seat_summary(db, seat_id):
    from ..shapes import seat

    return seat(repo.find_seat_by_id(db, seat_id))


@use_case
def add_seat(db, *, name, plan, tz, credits, daily_limit, from_address=None, clock: Clock) -> dict:
    check_admin(db, "add seats")
    check_plan(plan)
    if from_address is not None:
        from .delivery import check_from_address

        from_address = check_from_address(from_address)
    check_count(credits, "--credits")
    check_count(daily_limit, "--daily-limit")
    check_name(name, "seat")
    zone_name = get_zone(tz).zone if tz is not None else local_zone_name()
    if repo.find_seat_by_name(db, name) is not None:
        raise refuse(INVALID_INPUT, f"A seat named {name!r} already exists; pick another name.")
    seat_id = _add_seat(db, name, plan, zone_name, credits, daily_limit, clock.now(), from_address)
    return seat_summary(db, seat_id)


@use_case
def set_seat(
    db,
    *,
    name,
    tz=None,
    daily_limit=None,
    plan=None,
    from_address=None,
    signature_file=None,
    no_signature: bool = False,
    list_unsubscribe: bool | None = None,
    window=None,
    no_window=False,
    holidays=None,
    max_per_hour=None,
    catch_up=None,
    also_from=None,
    role=None,
    no_role=False,
    clock: Clock,
) -> dict:
    seat = get_seat(db, name)
    fields = _role_fields(db, role, no_role)
    if plan is not None:
        check_admin(db, "change a seat's plan")
    if not fields:
        check_may_act(db, seat)
    fields.update(_right_time_fields(window, no_window, holidays, max_per_hour, catch_up))
    if signature_file is not None and no_signature:
        raise refuse(INVALID_INPUT, "Give --signature-file or --no-signature, not both.")
    if no_signature:
        fields["signature"] = None
    elif signature_file is not None:
        fields["signature"] = read_signature(signature_file)
    if list_unsubscribe is not None:
        fields["list_unsubscribe"] = 1 if list_unsubscribe else 0
    if also_from is not None:  # I8: another address the seat sends from; mail from it is never an answer
        from email.utils import parseaddr

        from ..repo import incoming as repo_incoming
        from .delivery import check_from_address

        address = parseaddr(check_from_address(also_from))[1].strip().lower()
        repo_incoming.add_seat_address(db, seat["id"], address)
        if not fields and tz is None and daily_limit is None and plan is None and from_address is None:
            return {**seat_summary(db, seat["id"]), "also_from": repo_incoming.seat_also_from(db, seat["id"])}
    if tz is not None:
        fields["timezone"] = get_zone(tz).zone
    if daily_limit is not None:
        fields["daily_limit"] = check_count(daily_limit, "--daily-limit")
    if plan is not None:
        fields["plan"] = check_plan(plan)
    if from_address is not None:
        from .delivery import check_from_address

        fields["from_address"] = check_from_address(from_address)
    if not fields:
        raise refuse(
            INVALID_INPUT,
            "Nothing to change; give --tz, --daily-limit, --plan, --from, --signature-file, "
            "--no-signature, --list-unsubscribe, --window, --holidays, --max-per-hour, "
            "--catch-up, --also-from or --role.",
        )
    if "timezone" in fields:
        # The next refresh follows the seat's new midnight.
        now = clock.now()
        fields["next_refresh_utc"] = to_text(
            next_refresh(repo.contract(db)["refresh_day"], fields["timezone"], now, seat["allotted_period"])
        )
    repo.update_seat(db, seat["id"], **fields)
    return seat_summary(db, seat["id"])


def _role_fields(db, role: str | None, no_role: bool) -> dict:
    """P6: `seats set NAME --role ROLE` binds the seat to a PostgreSQL role (the admin's or owner's to do); the
    role gets what it needs on the tables, and row-level security keeps it to its seats."""
    if role is None and not no_role:
        return {}
    if role is not None and no_role:
        raise refuse(INVALID_INPUT, "Give either --role or --no-role, not both.")
    _roles_need_postgres(db, "--role" if role is not None else "--no-role")
    check_admin(db, "bind a seat to a role")
    if role is None:
        return {"role": None}
    db.grant_role(check_role_name(role), admin=False)
    return {"role": role}


def _roles_need_postgres(db, flag: str) -> None:
    if db.engine != "postgres":
        raise refuse(
            INVALID_INPUT,
            f"{flag} needs a PostgreSQL database: SQLite has no database roles, and whoever "
            "can open the file can do everything.",
        )


def check_role_name(role: str) -> str:
    if not role or len(role) > 63 or any(ord(ch) < 32 for ch in role):
        raise refuse(INVALID_INPUT, "A database role name is 1 to 63 printable characters.")
    return role


SIGNATURE_MAX = 500


def read_signature(path) -> str:
    """M2: a signature file's text (final new lines dropped); at most SIGNATURE_MAX characters, tabs and new
    lines only. A leading `-- ` line in the file is dropped: the separator is added when a message is rendered."""
    from ..editing import read_body_file

    text = read_body_file(path).rstrip()
    if text.startswith("-- \n") or text.startswith("--\n"):
        text = text.split("\n", 1)[1]
    if not text.strip():
        raise refuse(INVALID_INPUT, f"The signature file {path} is empty; remove a signature with --no-signature.")
    if len(text) > SIGNATURE_MAX:
        raise refuse(INVALID_INPUT, f"A signature is at most {SIGNATURE_MAX} characters (this one is {len(text)}).")
    if any(ord(c) < 32 and c not in "\n\t" or ord(c) == 127 for c in text):
        raise refuse(INVALID_INPUT, "A signature may hold only text, new lines and tabs.")
    return text


def _right_time_fields(window, no_window, holidays, max_per_hour, catch_up) -> dict:
    """W1, W3, W4, W5: a seat's window, holidays, pace and catch-up threshold, checked before anything changes."""
    fields: dict[str, str | int | None] = {}
    if window is not None and no_window:
        raise refuse(INVALID_INPUT, "Give either --window or --no-window, not both.")
    if window is not None:
        from ..window import parse_window

        fields["send_window"] = parse_window(window).text
    if no_window:
        fields["send_window"] = None
    if holidays is not None:
        fields["holidays"] = int(bool(holidays))
    if max_per_hour is not None:
        fields["max_per_hour"] = check_count(max_per_hour, "--max-per-hour")
    if catch_up is not None:
        fields["catch_up_hours"] = check_count(catch_up, "--catch-up")
    return fields


def whole_count(text, what: str) -> int:
    """L2: a count is a whole number from 0 to 1,000,000,000."""
    try:
        value = int(str(text).strip())
    except ValueError:
        value = None
    if value is None or not 0 <= value <= MAX_COUNT:
        raise refuse(INVALID_INPUT, f"{what} must be a whole number from 0 to 1,000,000,000, not {text!r}.")
    return value


@use_case
def grant_seat(db, *, name: str, amount, clock: Clock) -> dict:
    """C10: credits added to a seat by hand are one `grant` row in the ledger."""
    count = whole_count(amount, "The number of credits")
    seat = get_seat(db, name)
    check_admin(db, "grant credits")
    if seat["balance"] + count > MAX_COUNT:  # L2: a balance is a count too
        raise refuse(
            INVALID_INPUT,
            f"Seat {seat['name']} has {seat['balance']:,} credits; adding {count:,} would "
            "pass the limit of 1,000,000,000.",
        )
    grant(db, seat["id"], count, to_text(clock.now()), "grant")
    return seat_summary(db, seat["id"])


@use_case
def restrict_seat(db, *, name, restricted: bool) -> dict:
    seat = get_seat(db, name)
    check_admin(db, "restrict or unrestrict seats")
    repo.update_seat(db, seat["id"], restricted=int(restricted))
    return seat_summary(db, seat["id"])


def list_seats(db) -> list[dict]:
    from ..shapes import seat

    return [seat(row) for row in repo.seats(db)]


def show_seat(db, *, name: str) -> dict:
    from ..shapes import seat

    return seat(get_seat(db, name))


def contract_show(db) -> dict:
    from ..shapes import contract

    return contract(repo.contract(db), repo.seats(db))


@use_case
def contract_set(
    db,
    *,
    pool=None,
    monthly_limit=None,
    no_monthly_limit=False,
    for_seat=None,
    followups=None,
    refresh_day=None,
    admin=None,
    no_admin=False,
    clock: Clock,
) -> dict:
    if (monthly_limit is not None or no_monthly_limit) and not for_seat:
        raise refuse(INVALID_INPUT, "Name the seat with --for SEAT when setting a monthly limit.")
    if monthly_limit is not None and no_monthly_limit:
        raise refuse(INVALID_INPUT, "Give either --monthly-limit N or --no-monthly-limit, not both.")
    if followups is not None and followups not in ("on", "off"):
        raise refuse(INVALID_INPUT, f"--followups takes on or off, not {followups!r}.")
    if refresh_day is not None and not 1 <= refresh_day <= 31:
        raise refuse(INVALID_INPUT, f"--refresh-day must be a day of the month from 1 to 31, not {refresh_day}.")
    check_count(pool, "--pool")
    check_count(monthly_limit, "--monthly-limit")
    if admin is not None and no_admin:
        raise refuse(INVALID_INPUT, "Give either --admin or --no-admin, not both.")
    if admin is not None or no_admin:
        _roles_need_postgres(db, "--admin" if admin is not None else "--no-admin")
    seat = get_seat(db, for_seat) if for_seat else None
    if all(v is None for v in (pool, monthly_limit, followups, refresh_day, admin)) and not (
        no_monthly_limit or no_admin
    ):
        raise refuse(
            INVALID_INPUT, "Nothing to change; give --pool, --monthly-limit, --followups, --refresh-day or --admin."
        )
    check_admin(db, "change the contract's settings")
    now = clock.now()
    if admin is not None:  # P6: the role that alone changes the contract from now on
        db.grant_role(check_role_name(admin), admin=True)
        repo.update_contract(db, admin_role=admin)
    if no_admin:
        repo.update_contract(db, admin_role=None)
    if pool is not None:
        grant(db, None, pool - repo.contract(db)["pool"], to_text(now), "adjust")
    if seat is not None and (monthly_limit is not None or no_monthly_limit):  # both need --for (above)
        repo.update_seat(db, seat["id"], monthly_limit=monthly_limit)  # None with --no-monthly-limit
    if followups is not None:
        repo.update_contract(db, followups_enabled=int(followups == "on"))
    if refresh_day is not None:
        repo.update_contract(db, refresh_day=refresh_day)
        for row in repo.seats(db):
            following = next_refresh(refresh_day, row["timezone"], now, row["allotted_period"])
            repo.update_seat(db, row["id"], next_refresh_utc=to_text(following))
    return contract_show(db)


# ---------------------------------------------------------------- clock (K8)


def clock_state(db, *, clock: Clock) -> ClockState:
    return {"now": to_text(clock.now()), "mode": clock.mode}


SWITCHED = "clock_switched_from_system"  # K8: set when `clock set --simulate` stopped a real clock


@use_case
def clock_set(db, *, when: str, simulate: bool = False, clock: Clock) -> ClockSetResult:
    check_admin(db, "move the contract's clock")
    seat_zone = acting_seat(db, None, act=False)["timezone"]  # WHEN is read in the default seat's zone
    if not clock.simulated and not simulate:
        raise refuse(
            INVALID_STATE,
            "This database runs on the system clock, and a simulated clock would stop "
            "cron's ticks from sending; add --simulate if that is what you want.",
        )
    target, warning = parse_when(when, get_zone(seat_zone), clock.now())
    if target < clock.now():
        raise refuse(INVALID_TIME, f"The clock never runs backwards; it is already {to_text(clock.now())}.")
    target_text = to_text(target)
    due = repo_delivery.scheduled_before(db, target_text)  # a retry is due at its retry_at (D5)
    refreshes = repo.count_refreshes_before(db, target_text)
    if due or refreshes:
        raise refuse(
            INVALID_STATE,
            f"{due} message(s) and {refreshes} refresh(es) are due before {target_text}; "
            f"use `outreach tick --to {target_text}` to move the clock and send them.",
        )
    if not clock.simulated:
        repo.set_setting(db, SWITCHED, to_text(clock.now()))
    repo.set_setting(db, "clock_mode", "simulated")
    repo.set_setting(db, "clock_now_utc", target_text)
    state = clock_state(db, clock=SimulatedClock(target, clock.real))
    return {**state, "warnings": [warning] if warning else []}


@use_case
def clock_system(db, *, clock: Clock) -> ClockState:
    check_admin(db, "change the contract's clock")
    real = clock.real
    if clock.simulated and clock.now() > real.now():
        raise refuse(
            INVALID_STATE,
            f"The simulated clock ({to_text(clock.now())}) is ahead of the real time; "
            "the clock never runs backwards, so wait until then.",
        )
    repo.set_setting(db, "clock_mode", "system")
    repo.delete_setting(db, SWITCHED)
    return clock_state(db, clock=real)
