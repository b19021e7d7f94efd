"""doctor: check every invariant and report each finding (C10, K5, F4, F5, privacy, schema)."""

from __future__ import annotations

from .. import db as dbmod
from .. import repo
from ..clock import Clock
from ..errors import DamagedDatabase, OutreachError
from ..repo import delivery as repo_delivery
from ..repo import doctor as checks
from ..results import DoctorResult, Finding
from ..schema import MIGRATIONS
from ..timeparse import to_text
from .common import clock_or_damaged


def _finding(check: str, message: str) -> Finding:
    return {"check": check, "message": message}


def doctor_file(path) -> DoctorResult:
    """doctor on a file: one SQLite cannot even open or read its migrations from because it is damaged (a torn
    page, a garbage header, a file cut short) is a finding too, saying what to do (L10)."""
    try:
        db = dbmod.open_existing(path)
    except DamagedDatabase as exc:
        return {"ok": False, "findings": [_finding("integrity", f"{exc.message} {_RECOVER}")]}
    except dbmod.DatabaseError as exc:
        if (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF not in _DAMAGE_CODES:
            raise  # busy, locked, read-only: the CLI's boundary says so
        message = f"{path} is damaged (SQLite: {exc}); restore a backup. {_RECOVER}"
        return {"ok": False, "findings": [_finding("integrity", message)]}
    try:
        return doctor(db, clock=clock_or_damaged(db))
    finally:
        db.close()


def doctor(db, *, clock: Clock) -> DoctorResult:
    """SQLite's own integrity check first (L10): on a damaged file the other checks would read garbage, so
    they run only on a sound one, and any that still trips over damage becomes a finding, not a traceback."""
    findings = _integrity(db)
    if not findings:
        for check in (_schema, _clock, _balances, _charges, _followups, _overdue, _removed, _delivery):
            try:
                findings += check(db, clock)
            except (dbmod.DatabaseError, OutreachError, ValueError, TypeError) as exc:
                name = check.__name__.strip("_")
                findings.append(
                    _finding(name, f"The {name} check could not read the file: {getattr(exc, 'message', exc)}")
                )
    return {"ok": not findings, "findings": findings}


_DAMAGE_CODES = (10, 11, 26)  # SQLite's IOERR (a short read), CORRUPT and NOTADB
_RECOVER = "Without a backup, copy out what is readable with `sqlite3 FILE .recover`."


def _integrity(db):
    problems = checks.integrity_problems(db)
    if problems == ["ok"]:
        return []
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return [
        _finding(
            "integrity",
            f"The database file is damaged ({shown}); restore a backup, or copy out what "
            "is readable with `sqlite3 FILE .recover`.",
        )
    ]


def _clock(db, clock):
    clock.now()  # refuses a missing or unreadable clock setting, which doctor reports
    return []


def _schema(db, clock):
    applied, known = dbmod.applied_migrations(db), [n for n, _ in MIGRATIONS]
    if applied != known:
        return [_finding("schema", f"Applied migrations {applied} differ from this version's {known}.")]
    return []


def _balances(db, clock):
    out = []
    for row in checks.seat_balances(db):
        if row["balance"] != row["total"]:
            out.append(
                _finding(
                    "balance", f"Seat {row['name']} balance is {row['balance']} but its ledger sums to {row['total']}."
                )
            )
    pool, total = checks.pool_and_total(db)
    if pool != total:
        out.append(_finding("balance", f"The contract pool is {pool} but its ledger sums to {total}."))
    for row in checks.unknown_accounts(db):
        out.append(_finding("balance", f"A ledger row names an unknown account {row['account']!r}."))
    return out


def _charges(db, clock):
    return [
        _finding(
            "charge",
            f"Message {row['id']} has {row['charges'] or 0} charge(s) and "
            f"{row['refunds'] or 0} refund(s) (state {row['credit']}).",
        )
        for row in checks.charge_mismatches(db)
    ]


def _followups(db, clock):
    out = []
    for row in checks.followups_sent_after_response(db):
        out.append(
            _finding(
                "followup",
                f"Follow-up {row['id']} was sent at {row['sent_at_utc']}, after the response at {row['response_utc']}.",
            )
        )
    for row in checks.followups_sent_before_initial(db):
        out.append(_finding("followup", f"Follow-up {row['id']} was sent before (or without) its initial message."))
    return out


def _overdue(db, clock):
    if not clock.simulated:
        return []
    pending = repo.find_setting(db, "tick_target_utc")
    now_text = to_text(clock.now())
    out = []
    count = repo_delivery.scheduled_before(db, now_text)
    if count:
        hint = " (a tick was interrupted; run `outreach tick` to finish)" if pending else ""
        out.append(_finding("overdue", f"{count} scheduled message(s) are due before the simulated clock{hint}."))
    future = checks.ledger_rows_after(db, now_text)
    if future:
        out.append(_finding("ledger", f"{future} ledger row(s) are dated after the simulated clock ({now_text})."))
    return out


def _removed(db, clock):
    leftovers, texts = checks.removed_leftovers(db)
    from ..repo import incoming as repo_incoming

    mails = repo_incoming.personal_incoming_of_removed(db)
    if leftovers or texts or mails:
        return [
            _finding(
                "privacy",
                f"{leftovers} removed candidate(s), {texts} of their messages and {mails} of "
                "their incoming mails still hold personal text.",
            )
        ]
    return []


def _delivery(db, clock):
    """D5-D7: nothing `sending` without a claim, every `failed` message refunded, every message a transport
    sent counted as an attempt."""
    return [_finding(check, sentence) for check, sentence in repo_delivery.doctor_findings(db)]
