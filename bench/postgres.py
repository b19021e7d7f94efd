"""PostgreSQL figures of issue 17 (P1-P4), every ratio from one run, on a throw-away local cluster (a Unix socket):

- idle `tick` on PostgreSQL against an idle tick on SQLite (target <= 1.5x);
- idle `tick` on SQLite against the code of --before REV (target <= 1.05x; optional);
- dispatch of N messages to an outbox by one tick against a raw psycopg loop doing the same claims
  (FOR UPDATE SKIP LOCKED), file writes and updates (target <= 3x);
- 4 ticks at once against one tick, same N to an outbox, none twice (target >= 1.5x the throughput).

Usage: python bench/postgres.py [--quick] [--count N] [--before REV]"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.support.postgres import Cluster, why_unavailable  # noqa: E402

PY = sys.executable


def run(target, *args, env=None, cwd=None, check=True):
    command = [PY, "-m", "outreach_cli", *map(str, args), "--db", str(target)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, check=check)


def timed(target, *args, env=None):
    start = time.perf_counter()
    run(target, *args, env=env)
    return time.perf_counter() - start


def median(values):
    return statistics.median(values)


def dispatch_setup(target, work: Path, count: int) -> Path:
    run(
        target,
        "init",
        "--seat",
        "ada",
        "--tz",
        "UTC",
        "--credits",
        count,
        "--daily-limit",
        1_000_000,
        "--simulated-clock",
        "2026-12-01T08:00",
    )
    run(target, "seats", "set", "ada", "--from", "Ada <ada@example.com>")
    work.mkdir(parents=True, exist_ok=True)
    box = work / "box"
    run(target, "delivery", "set", "outbox", "--dir", box)
    people = work / "people.csv"
    with open(people, "w") as out:
        out.write("handle,first_name,last_name,email\n")
        out.writelines(f"p{i},P{i},Q{i},p{i}@example.org\n" for i in range(count))
    run(target, "candidates", "import", people)
    draft = run(target, "compose", "--to-file", people, "--subject", "Hi {first_name}", "--body", "A role", "--json")
    import json

    run(target, "schedule", json.loads(draft.stdout)["id"], "--at", "2026-12-01T09:00")
    return box


def raw_loop(uri: str, box: Path) -> float:
    """The same work by hand: claim 100 due rows (SKIP LOCKED), commit, write each file as the outbox does
    (tmp/, fsync, rename into new/, fsync the folder once per batch), mark them sent."""
    import psycopg

    for folder in ("tmp", "new"):
        (box / folder).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with psycopg.connect(uri, autocommit=True) as conn:
        while True:
            with conn.transaction():
                rows = conn.execute(
                    "SELECT m.id, m.internet_message_id, m.subject, m.body, c.email FROM messages m "
                    "JOIN candidates c ON c.id = m.candidate_id WHERE m.status = 'scheduled' "
                    "AND coalesce(m.retry_at_utc, m.send_at_utc) <= %s ORDER BY m.send_at_utc, m.id LIMIT 100 "
                    "FOR UPDATE OF m SKIP LOCKED",
                    ("2026-12-02T00:00:00Z",),
                ).fetchall()
                if not rows:
                    break
                conn.cursor().executemany(
                    "UPDATE messages SET status = 'sending', claimed_by = 'raw', attempts = attempts + 1 WHERE id = %s",
                    [(r[0],) for r in rows],
                )
            for _mid, imid, subject, body, email in rows:  # as the outbox does: tmp/, fsync, rename into new/
                name = imid[1:-1] + ".eml"
                data = f"To: {email}\nSubject: {subject}\nMessage-ID: {imid}\n\n{body}\n".encode()
                fd = os.open(box / "tmp" / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.rename(box / "tmp" / name, box / "new" / name)
            directory = os.open(box / "new", os.O_RDONLY)
            os.fsync(directory)
            os.close(directory)
            with conn.transaction():
                conn.cursor().executemany(
                    "UPDATE messages SET status = 'sent', sent_at_utc = %s, claimed_by = NULL WHERE id = %s",
                    [("2026-12-01T09:00:00Z", r[0]) for r in rows],
                )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--before", help="a git revision whose idle SQLite tick is the 1.05x baseline")
    args = parser.parse_args()
    reason = why_unavailable()
    if reason:
        print(reason)
        return
    runs = 5 if args.quick else 15
    count = 1000 if args.quick else args.count
    work = Path(tempfile.mkdtemp(prefix="outreach-pgbench-"))
    os.chmod(work, 0o755)
    cluster = Cluster().start()
    rows = []
    try:
        env = dict(os.environ, OUTREACH_BUSY_TIMEOUT_MS="60000")
        # idle ticks, interleaved
        sqlite_db = work / "idle.db"
        run(sqlite_db, "init", "--seat", "ada", "--tz", "UTC")
        uri = cluster.fresh_uri()
        run(uri, "init", "--seat", "ada", "--tz", "UTC")
        before_dir = None
        if args.before:
            before_dir = work / "before"
            before_dir.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(HERE.parent), "archive", args.before, "outreach_cli"], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(before_dir)], input=archive, check=True)
        sq, pg, old = [], [], []
        for _ in range(runs):
            sq.append(timed(sqlite_db, "tick", "--quiet", env=env))
            pg.append(timed(uri, "tick", "--quiet", env=env))
            if before_dir:
                old.append(timed(sqlite_db, "tick", "--quiet", env=dict(env, PYTHONPATH=str(before_dir))))
        rows.append(("idle tick, PostgreSQL vs SQLite", median(pg), median(sq), "<= 1.5x"))
        print(rows[-1], flush=True)
        if before_dir:
            rows.append((f"idle tick, SQLite vs {args.before}", median(sq), median(old), "<= 1.05x"))
            print(rows[-1], flush=True)
        # dispatch of `count`: one tick, the raw loop, 4 ticks at once, each on a copy of one set-up database
        # (CREATE DATABASE ... TEMPLATE), interleaved `reps` times: file syncs on a shared disk vary a lot
        # from one minute to the next, so one run of each says little.
        template = cluster.fresh_uri()
        box = dispatch_setup(template, work / "set-up", count)
        template_name = template.split("/")[3].split("?")[0]
        import psycopg

        ours, base, parallel = [], [], []
        for rep in range(2 if args.quick else 3):
            copies = {}
            with psycopg.connect(cluster.uri(), autocommit=True) as admin:
                for job in ("one", "raw", "four"):
                    name = f"{template_name}_{job}{rep}"
                    admin.execute(f"CREATE DATABASE {name} TEMPLATE {template_name}")
                    copies[job] = template.replace(template_name, name, 1)
            shutil.rmtree(box, ignore_errors=True)
            start = time.perf_counter()
            run(copies["one"], "tick", "--to", "2026-12-02", "--quiet", env=env)
            ours.append(time.perf_counter() - start)
            shutil.rmtree(box, ignore_errors=True)
            base.append(raw_loop(copies["raw"], box))
            shutil.rmtree(box, ignore_errors=True)
            start = time.perf_counter()
            procs = [
                subprocess.Popen(
                    [PY, "-m", "outreach_cli", "tick", "--to", "2026-12-02", "--quiet", "--db", copies["four"]], env=env
                )
                for _ in range(4)
            ]
            assert all(p.wait() == 0 for p in procs)
            parallel.append(time.perf_counter() - start)
            files = len(list((box / "new").iterdir()))
            assert files == count, f"{files} files for {count} messages"
            print(
                f"run {rep + 1}: one tick {ours[-1]:.2f} s, raw loop {base[-1]:.2f} s, 4 ticks {parallel[-1]:.2f} s",
                flush=True,
            )
        rows.append(
            (f"dispatch of {count} to an outbox, one tick vs raw psycopg loop", median(ours), median(base), "<= 3x")
        )
        rows.append(
            (
                f"{count} to an outbox, 4 ticks at once vs one (time; throughput is the inverse)",
                median(parallel),
                median(ours),
                ">= 1.5x throughput",
            )
        )
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'job':<78} {'ours s':>8} {'base s':>8} {'ratio':>6}  target")
    for job, a, b, target in rows:
        print(f"{job:<78} {a:8.3f} {b:8.3f} {a / b:6.2f}  {target}")


if __name__ == "__main__":
    main()
