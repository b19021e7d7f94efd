"""doctor: check every invariant and report each finding (C10, K5, F4, F5, privacy, schema)."""
from __future__ import annotations

import sqlite3

from .. import db as dbmod
from ..errors import OutreachError
from ..schema import MIGRATIONS
from ..timeparse import to_text
from ..clock import Clock


def _finding(check: str, message: str) -> dict:
    return {"check": check, "message": message}


def doctor(db, *, clock: Clock) -> dict:
    """SQLite's own integrity check first (L10): on a damaged file the other checks would read garbage, so
    they run only on a sound one, and any that still trips over damage becomes a finding, not a traceback."""
    findings = _integrity(db)
    if not findings:
        for check in (_schema, _clock, _balances, _charges, _followups, _overdue, _removed):
            try:
                findings += check(db, clock)
            except (sqlite3.DatabaseError, OutreachError, ValueError, TypeError) as exc:
                name = check.__name__.strip("_")
                findings.append(_finding(name, f"The {name} check could not read the file: "
                                               f"{getattr(exc, 'message', exc)}"))
    return {"ok": not findings, "findings": findings}


def _integrity(db):
    try:
        problems = [r[0] for r in db.all("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if problems == ["ok"]:
        return []
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return [_finding("integrity", f"The database file is damaged ({shown}); restore a backup, or copy out what "
                                  "is readable with `sqlite3 FILE .recover`.")]


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
    for row in db.all("SELECT s.name, s.balance, coalesce(sum(l.delta), 0) AS total FROM seats s "
                      "LEFT JOIN ledger l ON l.seat_id = s.id AND l.account = 'seat' GROUP BY s.id"):
        if row["balance"] != row["total"]:
            out.append(_finding("balance", f"Seat {row['name']} balance is {row['balance']} but its ledger sums to "
                                           f"{row['total']}."))
    pool = db.value("SELECT pool FROM contract")
    total = db.value("SELECT coalesce(sum(delta), 0) FROM ledger WHERE account = 'contract'")
    if pool != total:
        out.append(_finding("balance", f"The contract pool is {pool} but its ledger sums to {total}."))
    for row in db.all("SELECT account, delta FROM ledger WHERE account NOT IN ('seat', 'contract') LIMIT 1"):
        out.append(_finding("balance", f"A ledger row names an unknown account {row['account']!r}."))
    return out


def _charges(db, clock):
    out = []
    rows = db.all(
        "SELECT m.id, m.credit, sum(l.reason = 'charge') AS charges, sum(l.reason = 'refund') AS refunds "
        "FROM messages m LEFT JOIN ledger l ON l.message_id = m.id GROUP BY m.id "
        "HAVING charges IS NULL OR charges < 1 OR refunds > charges OR charges > refunds + 1 "
        "OR (m.credit = 'charged' AND charges != refunds + 1) OR (m.credit = 'refunded' AND charges != refunds) "
        "LIMIT 50")
    for row in rows:
        out.append(_finding("charge", f"Message {row['id']} has {row['charges'] or 0} charge(s) and "
                                      f"{row['refunds'] or 0} refund(s) (state {row['credit']})."))
    return out


def _followups(db, clock):
    out = []
    for row in db.all(
            "SELECT f.id, t.response_utc, f.sent_at_utc FROM messages f JOIN threads t ON t.id = f.thread_id "
            "WHERE f.kind = 'followup' AND f.status = 'sent' AND t.response_utc IS NOT NULL "
            "AND t.response_utc < f.sent_at_utc LIMIT 50"):
        out.append(_finding("followup", f"Follow-up {row['id']} was sent at {row['sent_at_utc']}, after the response "
                                        f"at {row['response_utc']}."))
    for row in db.all(
            "SELECT f.id FROM messages f JOIN messages i ON i.thread_id = f.thread_id AND i.kind = 'initial' "
            "WHERE f.kind = 'followup' AND f.status = 'sent' AND (i.status != 'sent' OR i.sent_at_utc > f.sent_at_utc) "
            "LIMIT 50"):
        out.append(_finding("followup", f"Follow-up {row['id']} was sent before (or without) its initial message."))
    return out


def _overdue(db, clock):
    if not clock.simulated:
        return []
    pending = db.value("SELECT value FROM settings WHERE key = 'tick_target_utc'")
    now_text = to_text(clock.now())
    out = []
    count = db.value("SELECT count(*) FROM messages WHERE status = 'scheduled' AND send_at_utc < ?", (now_text,))
    if count:
        hint = " (a tick was interrupted; run `outreach tick` to finish)" if pending else ""
        out.append(_finding("overdue", f"{count} scheduled message(s) are due before the simulated clock{hint}."))
    future = db.value("SELECT count(*) FROM ledger WHERE at_utc > ?", (now_text,))
    if future:
        out.append(_finding("ledger", f"{future} ledger row(s) are dated after the simulated clock ({now_text})."))
    return out


def _removed(db, clock):
    leftovers = db.value(
        "SELECT count(*) FROM candidates WHERE removed = 1 AND (first_name IS NOT NULL OR last_name IS NOT NULL "
        "OR company IS NOT NULL OR title IS NOT NULL OR email IS NOT NULL OR timezone IS NOT NULL)")
    texts = db.value("SELECT count(*) FROM messages m JOIN candidates c ON c.id = m.candidate_id WHERE c.removed = 1 "
                     "AND (m.subject != '[removed]' OR m.body != '[removed]')")
    if leftovers or texts:
        return [_finding("privacy", f"{leftovers} removed candidate(s) and {texts} of their messages still hold "
                                    "personal text.")]
    return []
