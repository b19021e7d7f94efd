"""Build a database with N sent messages (half initials, half follow-ups) and their ledger rows, a year of
history, plus 100 messages due now:  python history.py DB N"""

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

db, n = Path(sys.argv[1]), int(sys.argv[2])
outreach = str(Path(sys.executable).parent / "outreach")
subprocess.run(
    [
        outreach,
        "init",
        "--db",
        str(db),
        "--tz",
        "Europe/London",
        "--credits",
        "0",
        "--simulated-clock",
        "2026-11-30T08:00",
    ],
    check=True,
    stdout=subprocess.DEVNULL,
)
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("BEGIN")
threads = n // 2
conn.executemany(
    "INSERT INTO candidates (id, handle, first_name, last_name) VALUES (?, ?, ?, ?)",
    ((i, f"h{i}", f"F{i}", f"L{i}") for i in range(1, threads + 101)),
)
conn.executemany(
    "INSERT INTO threads (id, seat_id, candidate_id) VALUES (?, 1, ?)", ((i, i) for i in range(1, threads + 101))
)
start = datetime(2025, 12, 1, 9, tzinfo=UTC)
step = (datetime(2026, 11, 20, tzinfo=UTC) - start) / threads


def text(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rows():
    for i in range(1, threads + 1):
        sent = start + step * i
        for offset, kind in ((0, "initial"), (1, "followup")):
            at = text(sent + timedelta(days=7 * offset))
            yield (
                2 * i - 1 + offset,
                i,
                kind,
                1,
                i,
                "Hello",
                "A role for you.",
                "sent",
                at,
                at,
                "Europe/London",
                "sender",
                168 if offset else None,
                "seat",
                "charged",
            )


columns = (
    "id, thread_id, kind, seat_id, candidate_id, subject, body, status, send_at_utc, sent_at_utc, "
    "timezone, timezone_source, delay_hours, paid_by, credit"
)
conn.executemany(f"INSERT INTO messages ({columns}) VALUES ({', '.join('?' * 15)})", rows())
conn.executemany(
    "INSERT INTO ledger (at_utc, account, seat_id, delta, reason, message_id) VALUES (?, 'seat', 1, -1, 'charge', ?)",
    ((text(start + step * (m // 2)), m) for m in range(1, n + 1)),
)
due = [
    (
        n + k,
        threads + k,
        "initial",
        1,
        threads + k,
        "Hello",
        "Due now.",
        "scheduled",
        "2026-11-30T07:00:00Z",
        None,
        "Europe/London",
        "sender",
        None,
        "seat",
        "charged",
    )
    for k in range(1, 101)
]
conn.executemany(f"INSERT INTO messages ({columns}) VALUES ({', '.join('?' * 15)})", due)
conn.executemany(
    "INSERT INTO ledger (at_utc, account, seat_id, delta, reason, message_id) "
    "VALUES ('2026-11-29T08:00:00Z', 'seat', 1, -1, 'charge', ?)",
    ((n + k,) for k in range(1, 101)),
)
conn.execute("UPDATE seats SET balance = (SELECT sum(delta) FROM ledger WHERE seat_id = 1)")
conn.execute("COMMIT")
conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
conn.execute("ANALYZE")
