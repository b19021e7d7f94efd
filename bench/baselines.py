"""Baselines for bench/run.py, each run as its own process so it is timed like `outreach`:

python baselines.py limit-bulk DB CSV N       the same rows `outreach` writes, straight through sqlite3
python baselines.py limit-schedule DB          a composed draft's threads, messages and ledger rows only
python baselines.py limit-messages DB          the 2N message rows alone (no threads, ledger or rendering)
python baselines.py limit-dispatch DB TARGET   mark the due initials sent and move their follow-ups
python baselines.py huey-bulk DIR N           enqueue 2N tasks with an eta (SqliteHuey)
python baselines.py huey-dispatch DIR         run the due tasks
python baselines.py aps-bulk DIR N            add 2N date-trigger jobs (APScheduler 3, SQLAlchemyJobStore)
python baselines.py aps-dispatch DIR N        start the scheduler, run the due jobs
python baselines.py smtp-one PORT N           N messages built with `email`, sent over one smtplib connection
python baselines.py smtp-each PORT N          the same, one connection per message (the mailmerge way)
python baselines.py outbox-raw DIR N          N message files: write, fsync, rename into DIR/new
python baselines.py maildir-headers DIR       read a Maildir's files and parse their headers (stdlib)
"""

import csv
import sqlite3
import sys
from datetime import UTC, datetime, timedelta

SUBJECT, BODY, FOLLOWUP = "Hi {first_name}", "A role at {company|your company}?", "Again, {first_name}?"


def _render(text, row):
    return text.replace("{first_name}", row["first_name"]).replace(
        "{company|your company}", row["company"] or "your company"
    )


def limit_bulk(db, csv_path, n):
    """Import, compose and schedule with a follow-up, as plain sqlite3 in one transaction with WAL:
    candidates, draft, recipients, threads, messages and ledger rows, and the balance."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    conn.executemany(
        "INSERT INTO candidates (handle, first_name, last_name, company, timezone) VALUES (?, ?, ?, ?, ?)",
        ((r["handle"], r["first_name"], r["last_name"], r["company"], r["timezone"] or None) for r in rows),
    )
    ids = dict(conn.execute("SELECT handle, id FROM candidates"))
    draft = conn.execute(
        "INSERT INTO drafts (seat_id, subject, body, followup_subject, followup_body, "
        "followup_delay_hours, status, created_utc) VALUES (1, ?, ?, ?, ?, 168, 'scheduled', "
        "'2026-11-30T08:00:00Z')",
        (SUBJECT, BODY, "Re: " + SUBJECT, FOLLOWUP),
    ).lastrowid
    conn.executemany(
        "INSERT INTO draft_recipients VALUES (?, ?, ?)", ((draft, ids[r["handle"]], i) for i, r in enumerate(rows))
    )
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    threads, messages, ledger = [], [], []
    for i, r in enumerate(rows, 1):
        cid = ids[r["handle"]]
        threads.append((i, draft, 1, cid))
        at = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        later = (start + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        messages.append(
            (
                2 * i - 1,
                i,
                "initial",
                1,
                cid,
                _render(SUBJECT, r),
                _render(BODY, r),
                "scheduled",
                at,
                "Europe/London",
                "sender",
                None,
                "seat",
                "charged",
            )
        )
        messages.append(
            (
                2 * i,
                i,
                "followup",
                1,
                cid,
                "Re: " + _render(SUBJECT, r),
                _render(FOLLOWUP, r),
                "scheduled",
                later,
                "Europe/London",
                "sender",
                168,
                "seat",
                "charged",
            )
        )
        ledger += [
            ("2026-11-30T08:00:00Z", "seat", 1, -1, "charge", 2 * i - 1),
            ("2026-11-30T08:00:00Z", "seat", 1, -1, "charge", 2 * i),
        ]
    conn.executemany("INSERT INTO threads (id, draft_id, seat_id, candidate_id) VALUES (?, ?, ?, ?)", threads)
    conn.executemany(
        "INSERT INTO messages (id, thread_id, kind, seat_id, candidate_id, subject, body, status, "
        "send_at_utc, timezone, timezone_source, delay_hours, paid_by, credit) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        messages,
    )
    conn.executemany(
        "INSERT INTO ledger (at_utc, account, seat_id, delta, reason, message_id) VALUES (?, ?, ?, ?, ?, ?)", ledger
    )
    conn.execute("UPDATE seats SET balance = balance - ? WHERE id = 1", (2 * n,))
    conn.execute("COMMIT")


def limit_schedule(db):
    """Schedule draft 1 (already imported and composed, with a follow-up) for all its recipients: render,
    write the threads, 2 messages each, their ledger rows and the balance, in one transaction with WAL."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    rows = conn.execute(
        "SELECT c.id, c.first_name, c.company FROM draft_recipients r "
        "JOIN candidates c ON c.id = r.candidate_id WHERE r.draft_id = 1 ORDER BY r.position"
    ).fetchall()
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    at = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (start + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    threads, messages, ledger = [], [], []
    for i, r in enumerate(rows, 1):
        threads.append((i, 1, 1, r["id"]))
        messages.append(
            (
                2 * i - 1,
                i,
                "initial",
                1,
                r["id"],
                _render(SUBJECT, r),
                _render(BODY, r),
                "scheduled",
                at,
                "Europe/London",
                "sender",
                None,
                "seat",
                "charged",
            )
        )
        messages.append(
            (
                2 * i,
                i,
                "followup",
                1,
                r["id"],
                "Re: " + _render(SUBJECT, r),
                _render(FOLLOWUP, r),
                "scheduled",
                later,
                "Europe/London",
                "sender",
                168,
                "seat",
                "charged",
            )
        )
        ledger += [
            ("2026-11-30T08:00:00Z", "seat", 1, -1, "charge", 2 * i - 1),
            ("2026-11-30T08:00:00Z", "seat", 1, -1, "charge", 2 * i),
        ]
    conn.executemany("INSERT INTO threads (id, draft_id, seat_id, candidate_id) VALUES (?, ?, ?, ?)", threads)
    conn.executemany(
        "INSERT INTO messages (id, thread_id, kind, seat_id, candidate_id, subject, body, status, "
        "send_at_utc, timezone, timezone_source, delay_hours, paid_by, credit) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        messages,
    )
    conn.executemany(
        "INSERT INTO ledger (at_utc, account, seat_id, delta, reason, message_id) VALUES (?, ?, ?, ?, ?, ?)", ledger
    )
    conn.execute("UPDATE seats SET balance = balance - ? WHERE id = 1", (len(messages),))
    conn.execute("UPDATE drafts SET status = 'scheduled' WHERE id = 1")
    conn.execute("COMMIT")


def limit_messages(db):
    """Only the message rows of `limit_schedule` (20,000 for 10,000 recipients), for the narrowest comparison."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    ids = [r[0] for r in conn.execute("SELECT candidate_id FROM draft_recipients WHERE draft_id = 1 ORDER BY position")]
    conn.executemany(
        "INSERT INTO threads (id, draft_id, seat_id, candidate_id) VALUES (?, 1, 1, ?)", enumerate(ids, 1)
    )  # the messages' foreign keys need their threads
    rows = []
    for i, cid in enumerate(ids, 1):
        rows.append(
            (
                2 * i - 1,
                i,
                "initial",
                1,
                cid,
                "Hi",
                "A role?",
                "scheduled",
                "2026-12-01T09:00:00Z",
                "Europe/London",
                "sender",
                None,
                "seat",
                "charged",
            )
        )
        rows.append(
            (
                2 * i,
                i,
                "followup",
                1,
                cid,
                "Re: Hi",
                "Again?",
                "scheduled",
                "2026-12-08T09:00:00Z",
                "Europe/London",
                "sender",
                168,
                "seat",
                "charged",
            )
        )
    conn.executemany(
        "INSERT INTO messages (id, thread_id, kind, seat_id, candidate_id, subject, body, status, "
        "send_at_utc, timezone, timezone_source, delay_hours, paid_by, credit) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")


def limit_dispatch(db, target):
    """What a tick must write per sent initial: its status and time, and its follow-up's time (F3)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    due = conn.execute(
        "SELECT id, thread_id, send_at_utc FROM messages WHERE status = 'scheduled' "
        "AND send_at_utc <= ? ORDER BY send_at_utc, kind, id",
        (target,),
    ).fetchall()
    conn.executemany(
        "UPDATE messages SET status = 'sent', sent_at_utc = ? WHERE id = ?", ((at, i) for i, _t, at in due)
    )
    conn.executemany(
        "UPDATE messages SET send_at_utc = ? WHERE thread_id = ? AND kind = 'followup'", ((at, t) for _i, t, at in due)
    )
    conn.execute("UPDATE settings SET value = ? WHERE key = 'clock_now_utc'", (target,))
    conn.execute("COMMIT")


def _huey(directory):
    from huey import SqliteHuey

    huey = SqliteHuey(filename=f"{directory}/huey.db")

    @huey.task()
    def send(message_id):
        return message_id

    return huey, send


def huey_bulk(directory, n):
    _huey_app, send = _huey(directory)
    eta = datetime(2030, 1, 1)
    for i in range(2 * n):
        send.schedule(args=(i,), eta=eta)


def huey_dispatch(directory):
    """What the consumer does: take each task, run it once its eta has passed."""
    huey, _send = _huey(directory)
    now = datetime(2031, 1, 1)
    while True:
        task = huey.dequeue()
        if task is None:
            break
        huey.add_schedule(task)
    for task in huey.read_schedule(now):
        huey.execute(task, timestamp=now)


def _aps(directory):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{directory}/aps.db")},
        job_defaults={"misfire_grace_time": None, "coalesce": False},
        timezone="UTC",
    )


def noop(message_id):
    return message_id


def aps_bulk(directory, n):
    scheduler = _aps(directory)
    scheduler.start(paused=True)
    eta = datetime.now(UTC) - timedelta(days=1)  # already due: no grace limit, so it runs on start
    for i in range(2 * n):
        scheduler.add_job(noop, "date", run_date=eta, args=(i,), id=str(i))
    scheduler.shutdown(wait=False)


def aps_dispatch(directory, n):
    import threading

    done = threading.Event()
    count = [0]

    def listener(event):
        count[0] += 1
        if count[0] >= 2 * n:
            done.set()

    from apscheduler.events import EVENT_JOB_EXECUTED

    scheduler = _aps(directory)
    scheduler.add_listener(listener, EVENT_JOB_EXECUTED)
    scheduler.start()
    done.wait(timeout=3600)
    scheduler.shutdown(wait=True)


def _mails(n):
    """N messages as outreach builds them: From, To, Subject, Date, Message-ID, quoted-printable UTF-8 body."""
    import os
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import format_datetime

    date = format_datetime(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    for i in range(n):
        message = EmailMessage(policy=SMTP)
        message["From"] = "Ada <ada@example.com>"
        message["To"] = f"First{i} Last{i} <c{i}@example.org>"
        message["Subject"] = f"Hi First{i}"
        message["Date"] = date
        message["Message-ID"] = f"<{os.urandom(16).hex()}@example.com>"
        message["MIME-Version"] = "1.0"
        message.set_content(f"A role at Company {i}?", charset="utf-8", cte="quoted-printable")
        yield message["Message-ID"], f"c{i}@example.org", message.as_bytes(policy=SMTP)


def smtp_one(port, n):
    import smtplib

    conn = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
    for _mid, to, raw in _mails(n):
        conn.sendmail("ada@example.com", [to], raw)
    conn.quit()


def smtp_each(port, n):
    import smtplib

    for _mid, to, raw in _mails(n):
        conn = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
        conn.sendmail("ada@example.com", [to], raw)
        conn.quit()


def outbox_raw(directory, n):
    import os

    for folder in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(directory, folder), exist_ok=True)
    for mid, _to, raw in _mails(n):
        name = mid.strip("<>") + ".eml"
        temporary = os.path.join(directory, "tmp", name)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, raw)
        os.fsync(fd)
        os.close(fd)
        os.rename(temporary, os.path.join(directory, "new", name))


def maildir_headers(directory):
    """Read every file of a Maildir's new/ and cur/ and parse its header block with the standard library: what
    `replies fetch` must at least do (it also classifies, matches and records)."""
    import os
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    count = 0
    for folder in ("new", "cur"):
        with os.scandir(os.path.join(directory, folder)) as entries:
            for entry in entries:
                with open(entry.path, "rb") as handle:
                    message = parser.parsebytes(handle.read(), headersonly=True)
                count += message["Message-ID"] is not None
    print(count)


if __name__ == "__main__":
    job, *args = sys.argv[1:]
    {
        "limit-bulk": lambda: limit_bulk(args[0], args[1], int(args[2])),
        "limit-schedule": lambda: limit_schedule(args[0]),
        "limit-messages": lambda: limit_messages(args[0]),
        "limit-dispatch": lambda: limit_dispatch(args[0], args[1]),
        "huey-bulk": lambda: huey_bulk(args[0], int(args[1])),
        "huey-dispatch": lambda: huey_dispatch(args[0]),
        "aps-bulk": lambda: aps_bulk(args[0], int(args[1])),
        "aps-dispatch": lambda: aps_dispatch(args[0], int(args[1])),
        "smtp-one": lambda: smtp_one(args[0], int(args[1])),
        "smtp-each": lambda: smtp_each(args[0], int(args[1])),
        "outbox-raw": lambda: outbox_raw(args[0], int(args[1])),
        "maildir-headers": lambda: maildir_headers(args[0]),
    }[job]()
