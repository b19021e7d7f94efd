"""make bench: every job as whole processes on fresh temporary databases, beside its baselines.

Prints one table (job, size, outreach s, baseline s, ratio, peak RSS) and writes bench/results.json.
Medians of several runs; the spread is min-max. Each job runs in the same invocation as its baselines,
interleaved, so the ratios hold on a noisy machine.  Usage: python bench/run.py [--quick] [--only JOB]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable  # the virtual environment's interpreter, not a wrapper script
OUTREACH = str(Path(PY).parent / "outreach")
ZONES = ["America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", ""]


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run one process; return its wall time (s) and peak RSS (MB)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=err, env=env)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{cmd} failed: {err.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def outreach(db: Path, *args) -> list[str]:
    return [OUTREACH, *map(str, args), "--db", str(db)]


def fresh_db(directory: Path, credits: int = 0) -> Path:
    db = directory / "outreach.db"
    subprocess.run(
        outreach(
            db,
            "init",
            "--tz",
            "Europe/London",
            "--credits",
            credits,
            "--daily-limit",
            1_000_000,
            "--simulated-clock",
            "2026-11-30T08:00",
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return db


def write_csv(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("handle,first_name,last_name,company,timezone\n")
        for i in range(n):
            out.write(f"c{i},First{i},Last{i},{'' if i % 5 == 0 else f'Company {i % 97}'},{ZONES[i % len(ZONES)]}\n")


def bulk_steps(db: Path, csv_path: Path) -> list[list[str]]:
    return [
        outreach(db, "candidates", "import", csv_path, "--json"),
        outreach(
            db,
            "compose",
            "--to-file",
            csv_path,
            "--subject",
            "Hi {first_name}",
            "--body",
            "A role at {company|your company}?",
            "--json",
        ),
        outreach(db, "followup", 1, "--body", "Again, {first_name}?", "--json"),
        outreach(db, "schedule", 1, "--at", "2026-12-01 09:00", "--json"),
    ]


class Bench:
    def __init__(self, runs: int, quick: bool):
        self.runs, self.quick, self.rows = runs, quick, []
        self.rewrites: dict = {}
        self.work = Path(tempfile.mkdtemp(prefix="outreach-bench-"))

    def case(self, name: str) -> Path:
        path = self.work / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def record(self, job, size, ours, base, base_name, rss, target=None, note=""):
        row = {
            "job": job,
            "size": size,
            "outreach_s": _median(ours),
            "outreach_spread": _spread(ours),
            "baseline": base_name,
            "baseline_s": _median(base) if base else None,
            "baseline_spread": _spread(base) if base else None,
            "ratio": round(_median(ours) / _median(base), 2) if base else None,
            "peak_rss_mb": round(max(rss), 1) if rss else None,
            "target": target,
            "note": note,
        }
        self.rows.append(row)
        print(_line(row), flush=True)

    # ------------------------------------------------------------ 1. start-up
    def startup(self):
        directory = self.case("startup")
        db = fresh_db(directory)
        ours_tick, ours_help, base, typer_app, rss = [], [], [], [], []
        for _ in range(max(self.runs * 4, 12)):
            t, r = timed(outreach(db, "tick", "--json"))
            ours_tick.append(t)
            rss.append(r)
            ours_help.append(timed([OUTREACH, "--help"])[0])
            base.append(timed([PY, "-c", "pass"])[0])
            typer_app.append(timed([PY, str(HERE / "typer_app.py"), "tick", "--db", db, "--json"])[0])
        self.record("start-up: tick, nothing due", "-", ours_tick, base, "python -c pass", rss, "<= 6x")
        self.record(
            "start-up: tick vs a do-nothing Typer app", "-", ours_tick, typer_app, "bench/typer_app.py", [], "<= 1.3x"
        )
        self.record("start-up: --help", "-", ours_help, base, "python -c pass", [], "<= 8x")
        self.empty_tick = ours_tick

    # ------------------------------------------------------------ 2-3. bulk schedule and dispatch
    def bulk_and_dispatch(self, n: int, peers: bool):
        csv_path = self.work / f"people-{n}.csv"
        write_csv(csv_path, n)
        ours, ours_schedule, limit, rss = [], [], [], []
        d_ours, d_limit, d_rss = [], [], []
        h_bulk, h_disp, a_bulk, a_disp = [], [], [], []
        for run in range(self.runs):
            directory = self.case(f"bulk-{n}-{run}")
            db = fresh_db(directory, credits=2 * n)
            total = 0.0
            for step in bulk_steps(db, csv_path):
                t, r = timed(step)
                total += t
                rss.append(r)
            ours.append(total)
            ours_schedule.append(t)
            limit_dir = self.case(f"limit-{n}-{run}")
            limit_db = fresh_db(limit_dir, credits=2 * n)
            limit.append(timed([PY, str(HERE / "baselines.py"), "limit-bulk", limit_db, csv_path, n])[0])
            # dispatch: every initial is due by 2026-12-02, the follow-ups a week later
            if run == 0:  # bytes written per sent message, measured on copies taken before the dispatch
                ours_copy, limit_copy = directory / "rewrite.db", limit_dir / "rewrite.db"
                shutil.copy(db, ours_copy)
                shutil.copy(limit_db, limit_copy)
                self.rewrites[n] = {
                    who: json.loads(
                        subprocess.run(
                            [PY, str(HERE / "rewrites.py"), path, "2026-12-02T12:00:00Z", who],
                            check=True,
                            capture_output=True,
                            text=True,
                        ).stdout
                    )
                    for who, path in (("outreach", ours_copy), ("limit", limit_copy))
                }
            t, r = timed(outreach(db, "tick", "--to", "2026-12-02T12:00", "--json"))
            d_ours.append(t)
            d_rss.append(r)
            d_limit.append(
                timed([PY, str(HERE / "baselines.py"), "limit-dispatch", limit_db, "2026-12-02T12:00:00Z"])[0]
            )
            if peers:
                peer = self.case(f"huey-{n}-{run}")
                h_bulk.append(timed([PY, str(HERE / "baselines.py"), "huey-bulk", peer, n])[0])
                h_disp.append(timed([PY, str(HERE / "baselines.py"), "huey-dispatch", peer])[0])
                peer = self.case(f"aps-{n}-{run}")
                a_bulk.append(timed([PY, str(HERE / "baselines.py"), "aps-bulk", peer, n])[0])
                a_disp.append(timed([PY, str(HERE / "baselines.py"), "aps-dispatch", peer, n])[0])
        self.record("bulk schedule (import+compose+schedule)", n, ours, limit, "sqlite3 limit", rss, "<= 3x")
        self.record("  of which `schedule`", n, ours_schedule, None, "", [])
        if peers:
            self.record("bulk schedule vs huey", n, ours, h_bulk, "huey SqliteHuey", [], ">= 10x faster")
            self.record("bulk schedule vs APScheduler", n, ours, a_bulk, "APScheduler 3", [], ">= 10x faster")
        written = self.rewrites[n]
        per = {who: round(w["bytes"] / max(w["sent"], 1)) for who, w in written.items()}
        self.record(
            "dispatch (tick past N initials)",
            n,
            d_ours,
            d_limit,
            "sqlite3 limit",
            d_rss,
            "<= 3x",
            f"WAL bytes per sent message: {per['outreach']} (limit {per['limit']})",
        )
        if peers:
            self.record("dispatch vs huey", n, d_ours, h_disp, "huey SqliteHuey", [], ">= 10x faster")
            self.record("dispatch vs APScheduler", n, d_ours, a_disp, "APScheduler 3", [], ">= 10x faster")

    # ------------------------------------------------------------ 3b. `schedule --json` alone
    def schedule_json(self, n: int):
        """`schedule --json` as one whole process (its JSON result holds every thread) against sqlite3 writing
        the same threads, messages and ledger rows on a copy of the same composed database."""
        csv_path = self.work / f"people-{n}.csv"
        write_csv(csv_path, n)
        template = self.case(f"schedule-{n}") / "composed.db"
        fresh_db(template.parent, credits=2 * n)
        (template.parent / "outreach.db").rename(template)
        for step in bulk_steps(template, csv_path)[:-1]:
            subprocess.run(step, check=True, stdout=subprocess.DEVNULL)
        ours, quiet, limit, messages_only, rss = [], [], [], [], []
        for run in range(self.runs * 2):
            directory = self.case(f"schedule-{n}-{run}")
            paths = [directory / name for name in ("ours.db", "quiet.db", "limit.db", "messages.db")]
            for path in paths:
                shutil.copy(template, path)
            t, r = timed(bulk_steps(paths[0], csv_path)[-1])
            ours.append(t)
            rss.append(r)
            quiet.append(timed(outreach(paths[1], "schedule", 1, "--at", "2026-12-01 09:00", "--quiet"))[0])
            limit.append(timed([PY, str(HERE / "baselines.py"), "limit-schedule", paths[2]])[0])
            messages_only.append(timed([PY, str(HERE / "baselines.py"), "limit-messages", paths[3]])[0])
        self.record(
            "`schedule --json` (2 messages each)",
            n,
            ours,
            limit,
            "sqlite3 limit",
            rss,
            "<= 3x",
            "same rows: threads, messages, ledger",
        )
        self.record("`schedule --json` vs messages alone", n, ours, messages_only, "sqlite3, messages only", [])
        self.record("  `schedule --quiet` (no result printed)", n, quiet, limit, "sqlite3 limit", [])

    # ------------------------------------------------------------ 3c. delivery (D5): SMTP and an outbox
    def delivery(self, smtp_n: int, outbox_n: int):
        """`tick` delivering through the SMTP transport to a local aiosmtpd process (which keeps nothing), against
        a raw smtplib loop over one connection and a new connection per message; and into an outbox, against a
        raw loop of write, fsync and rename. Each outreach run is one whole `tick` process."""
        server_port = _free_port()
        server = subprocess.Popen(
            [PY, str(HERE.parent / "tests" / "support" / "smtpserver.py"), "--port", str(server_port), "--record", "-"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_port(server_port)
            ours, one, each, rss = [], [], [], []
            for run in range(self.runs):
                db = self._delivery_db(
                    f"smtp-{run}",
                    smtp_n,
                    ["delivery", "set", "smtp", "--host", "127.0.0.1", "--port", server_port, "--security", "none"],
                )
                t, r = timed(outreach(db, "tick", "--to", "2026-12-01T10:00", "--json"))
                ours.append(t)
                rss.append(r)
                one.append(timed([PY, str(HERE / "baselines.py"), "smtp-one", server_port, smtp_n])[0])
                each.append(timed([PY, str(HERE / "baselines.py"), "smtp-each", server_port, smtp_n])[0])
            self.record("tick delivering by SMTP", smtp_n, ours, one, "smtplib, one connection", rss, "<= 1.5x")
            self.record(
                "tick delivering by SMTP vs mailmerge way",
                smtp_n,
                ours,
                each,
                "smtplib, a connection per message",
                [],
                "<= 0.5x (2x faster)",
            )
        finally:
            server.terminate()
            server.wait()
        ours, raw, rss = [], [], []
        for run in range(self.runs):
            directory = self.case(f"outbox-{outbox_n}-{run}")
            db = self._delivery_db(
                f"outbox-db-{run}", outbox_n, ["delivery", "set", "outbox", "--dir", directory / "ours"]
            )
            t, r = timed(outreach(db, "tick", "--to", "2026-12-01T10:00", "--json"))
            ours.append(t)
            rss.append(r)
            raw.append(timed([PY, str(HERE / "baselines.py"), "outbox-raw", directory / "raw", outbox_n])[0])
        self.record("tick delivering into an outbox", outbox_n, ours, raw, "write+fsync+rename loop", rss, "<= 2x")

    def _delivery_db(self, name: str, n: int, transport: list) -> Path:
        directory = self.case(name)
        db = fresh_db(directory, credits=n)
        csv_path = directory / "people.csv"
        with open(csv_path, "w", encoding="utf-8") as out:
            out.write("handle,first_name,last_name,company,email\n")
            for i in range(n):
                out.write(f"c{i},First{i},Last{i},Company {i},c{i}@example.org\n")
        for step in (
            ["seats", "set", "me", "--from", "Ada <ada@example.com>"],
            transport,
            ["candidates", "import", csv_path],
            ["compose", "--to-file", csv_path, "--subject", "Hi {first_name}", "--body", "A role at {company}?"],
            ["schedule", 1, "--at", "2026-12-01 09:00", "--tz", "UTC"],
        ):
            subprocess.run(outreach(db, *step), check=True, stdout=subprocess.DEVNULL)
        return db

    # ------------------------------------------------------------ 4. idle tick on a long history
    def long_history(self, n: int):
        template = self.case("history") / "history.db"
        subprocess.run([PY, str(HERE / "history.py"), template, str(n)], check=True)
        ours, rss = [], []
        for run in range(self.runs * 2):
            db = self.case(f"history-{run}") / "outreach.db"
            shutil.copy(template, db)
            os.sync()  # a database that has lived on disk, not 300 MB of dirty cache flushed by our own fsync
            t, r = timed(outreach(db, "tick", "--json"))
            ours.append(t)
            rss.append(r)
        self.record("tick, 100 due, long history", n, ours, self.empty_tick, "idle tick, empty db", rss, "<= 1.2x")

    # ------------------------------------------------------------ 5. replies fetch of a 10,000-message Maildir
    def replies(self, n: int = 10_000, ours_n: int = 500):
        """`replies fetch` of a Maildir of n messages (ours_n of them replies to our messages) against a bare
        standard-library loop over the same files' headers; then a second fetch of the unchanged Maildir
        against an idle tick."""
        directory = self.case("replies")
        template = fresh_db(directory, credits=2 * ours_n)
        csv_path = directory / "people.csv"
        with open(csv_path, "w", encoding="utf-8") as out:
            out.write("handle,first_name,last_name,email\n")
            for i in range(ours_n):
                out.write(f"c{i},First{i},Last{i},c{i}@example.org\n")
        for step in (
            outreach(template, "candidates", "import", csv_path),
            outreach(template, "compose", "--to-file", csv_path, "--subject", "Hi", "--body", "A role?"),
            outreach(template, "followup", 1, "--body", "Again?"),
            outreach(template, "schedule", 1, "--now"),
            outreach(template, "tick"),
        ):
            subprocess.run(step, check=True, stdout=subprocess.DEVNULL)
        import sqlite3

        conn = sqlite3.connect(template)
        ids = [
            row[0]
            for row in conn.execute("SELECT internet_message_id FROM messages WHERE kind = 'initial' ORDER BY id")
        ]
        conn.close()
        mail = HERE.parent / "tests" / "support" / "mail"
        reply = (mail / "reply-gmail.eml").read_bytes()
        others = [p.read_bytes() for p in sorted(mail.glob("*.eml")) if p.name != "malformed.eml"]
        box = directory / "Maildir"
        for folder in ("new", "cur", "tmp"):
            (box / folder).mkdir(parents=True)
        for i in range(n):
            if i % (n // ours_n) == 0 and i // (n // ours_n) < ours_n:
                k = i // (n // ours_n)
                raw = reply.replace(b"<outreach-1.abc@example.com>", ids[k].encode()).replace(
                    b"grace.hopper@mail.example.net", f"c{k}@example.org".encode()
                )
            else:
                raw = others[i % len(others)]
            raw = f"Message-ID: <bench-{i}@example.net>\n".encode() + raw
            (box / ("cur" if i % 2 else "new") / f"{1796000000 + i}.M{i}P1.bench{':2,S' if i % 2 else ''}").write_bytes(
                raw
            )
        past = time.time_ns() - 60 * 10**9  # a mailbox last delivered to a minute ago
        for folder in ("new", "cur"):
            os.utime(box / folder, ns=(past, past))
        subprocess.run(
            outreach(template, "mailbox", "set", "maildir", "--dir", box), check=True, stdout=subprocess.DEVNULL
        )
        empty = fresh_db(self.case("replies-idle"))
        first, base, again, idle, rss = [], [], [], [], []
        for run in range(self.runs):
            db = self.case(f"replies-{run}") / "outreach.db"
            shutil.copy(template, db)
            os.sync()
            base.append(timed([PY, str(HERE / "baselines.py"), "maildir-headers", box])[0])
            t, r = timed(outreach(db, "replies", "fetch", "--json"))
            first.append(t)
            rss.append(r)
            for _ in range(4):  # interleaved with idle ticks, so the ratio holds on a noisy machine
                again.append(timed(outreach(db, "replies", "fetch", "--json"))[0])
                idle.append(timed(outreach(empty, "tick", "--json"))[0])
        check = self.case("replies-check") / "outreach.db"
        shutil.copy(template, check)
        done = subprocess.run(outreach(check, "replies", "fetch", "--json"), check=True, capture_output=True)
        kinds = [mail["kind"] for mail in json.loads(done.stdout)["incoming"]]
        assert len(kinds) == n and kinds.count("reply") == ours_n, "the bench mailbox is not what it should be"
        self.record(
            f"`replies fetch`, Maildir ({ours_n} ours)",
            n,
            first,
            base,
            "stdlib header loop",
            rss,
            "<= 2x",
            f"{ours_n} replies settled",
        )
        self.record("`replies fetch` again, unchanged", n, again, idle, "idle tick, empty db", [], "<= 1.2x")

    # ------------------------------------------------------------ 5b. audit of a 10,000-message Sent folder (M5)
    def audit(self, n: int = 10_000, ours_n: int = 500):
        """`audit --sent-dir` of a Maildir of n messages (ours_n of them our sent messages) against `replies fetch`
        of the same Maildir (target: within 2x)."""
        directory = self.case("audit")
        template = fresh_db(directory, credits=2 * ours_n)
        csv_path = directory / "people.csv"
        with open(csv_path, "w", encoding="utf-8") as out:
            out.write("handle,first_name,last_name,email\n")
            for i in range(ours_n):
                out.write(f"c{i},First{i},Last{i},c{i}@example.org\n")
        for step in (
            outreach(template, "candidates", "import", csv_path),
            outreach(template, "compose", "--to-file", csv_path, "--subject", "Hi", "--body", "A role?"),
            outreach(template, "schedule", 1, "--now"),
            outreach(template, "tick"),
        ):
            subprocess.run(step, check=True, stdout=subprocess.DEVNULL)
        import sqlite3

        conn = sqlite3.connect(template)
        ids = [row[0] for row in conn.execute("SELECT internet_message_id FROM messages ORDER BY id")]
        conn.close()
        others = [
            p.read_bytes()
            for p in sorted((HERE.parent / "tests" / "support" / "mail").glob("*.eml"))
            if p.name != "malformed.eml"
        ]
        box = directory / "Sent"
        for folder in ("new", "cur", "tmp"):
            (box / folder).mkdir(parents=True)
        step = n // ours_n
        for i in range(n):
            message_id = ids[i // step] if i % step == 0 and i // step < ours_n else f"<bench-{i}@example.net>"
            raw = f"Message-ID: {message_id}\n".encode() + others[i % len(others)].replace(b"Message-ID", b"X-Old-Id")
            (box / "cur" / f"{1796000000 + i}.M{i}P1.bench:2,S").write_bytes(raw)
        ours, base = [], []
        for run in range(self.runs):
            db = self.case(f"audit-{run}") / "outreach.db"
            shutil.copy(template, db)
            os.sync()
            t, r = timed(outreach(db, "audit", "--sent-dir", box, "--json"))
            ours.append(t)
            subprocess.run(
                outreach(db, "mailbox", "set", "maildir", "--dir", box), check=True, stdout=subprocess.DEVNULL
            )
            base.append(timed(outreach(db, "replies", "fetch", "--json"))[0])
        done = subprocess.run(outreach(template, "audit", "--sent-dir", box, "--json"), check=True, capture_output=True)
        result = json.loads(done.stdout)
        assert result["checked"] == n and result["duplicates"] == [], "the bench Sent folder is not what it should be"
        self.record(
            "`audit --sent-dir`, Maildir",
            n,
            ours,
            base,
            "`replies fetch`, same Maildir",
            [r],
            "<= 2x",
            f"{ours_n} ours",
        )

    # ------------------------------------------------------------ 6. a month of cron
    def month(self):
        directory = self.case("month")
        t, r = timed([PY, str(HERE / "month.py"), directory / "month.db", str(directory / "result.json")])
        result = json.loads((directory / "result.json").read_text())
        self.record(
            "month of cron, 8,640 ticks in-process",
            result["ticks"],
            [result["seconds"]],
            None,
            "",
            [r],
            "< 10 s",
            f"{result['sent']} sent",
        )
        per = result["process_ticks"]
        self.record("month of cron, whole-process tick", len(per), per, self.empty_tick, "idle tick, empty db", [])

    def finish(self):
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        (HERE / "results.json").write_text(
            json.dumps({"machine": machine, "runs": self.runs, "rows": self.rows}, indent=2) + "\n"
        )
        footer = f"{machine}; medians of {self.runs}+ runs (spread: fastest-slowest)"
        (HERE / "results.txt").write_text("\n".join([HEADER, *map(_line, self.rows), "", footer]) + "\n")
        shutil.rmtree(self.work, ignore_errors=True)
        print(f"\n{footer}; written to bench/results.json and bench/results.txt")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int) -> None:
    import socket

    for _ in range(400):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP server did not start")


def _median(values):
    return round(statistics.median(values), 4)


def _spread(values):
    return [round(min(values), 4), round(max(values), 4)]


HEADER = (
    f"{'job':<42} {'size':>7} {'outreach':>8} {'spread':>13} {'baseline':>8} {'ratio':>7} {'RSS':>6}  "
    "baseline, target, note"
)


def _line(row) -> str:
    base = f"{row['baseline_s']:.3f}" if row["baseline_s"] is not None else "-"
    ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else "-"
    rss = f"{row['peak_rss_mb']:.0f} MB" if row["peak_rss_mb"] else "-"
    low, high = row["outreach_spread"]
    spread = f"{low:.3f}-{high:.3f}" if high > low else "-"
    extra = ", ".join(
        x for x in (row["baseline"], ("target " + row["target"]) if row["target"] else "", row["note"]) if x
    )
    return (
        f"{row['job']:<42} {str(row['size']):>7} {row['outreach_s']:>8.3f} {spread:>13} {base:>8} {ratio:>7} "
        f"{rss:>6}  {extra}"
    ).rstrip()


def show(path: Path) -> None:
    """Print a results.json as the table (`--show`): the README quotes the run it was written by."""
    results = json.loads(path.read_text())
    print(HEADER)
    for row in results["rows"]:
        print(_line(row))
    print(f"\n{results['machine']}; medians of {results['runs']}+ runs (spread: fastest-slowest)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, no 100,000 or 1,000,000 jobs")
    parser.add_argument(
        "--only",
        choices=["startup", "bulk", "schedule", "history", "delivery", "replies", "audit", "month"],
        action="append",
    )
    parser.add_argument("--show", action="store_true", help="print bench/results.json as the table and stop")
    args = parser.parse_args()
    if args.show:
        show(HERE / "results.json")
        return
    # Byte-compile outreach first: an installed package has its .pyc files, and an editable one run with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every start (and time the compiler).
    subprocess.run([PY, "-m", "compileall", "-q", str(HERE.parent / "outreach_cli")], check=True)
    bench = Bench(runs=2 if args.quick else 3, quick=args.quick)
    only = set(args.only or ["startup", "bulk", "schedule", "history", "delivery", "replies", "audit", "month"])
    print(HEADER)
    bench.startup()
    if "bulk" in only:
        bench.bulk_and_dispatch(10_000, peers=True)
        if not args.quick:
            bench.bulk_and_dispatch(100_000, peers=False)
    if "schedule" in only:
        bench.schedule_json(10_000)
    if "delivery" in only:
        bench.delivery(1_000, 10_000)
    if "history" in only:
        bench.long_history(100_000 if args.quick else 1_000_000)
    if "replies" in only:
        bench.replies()
    if "audit" in only:
        bench.audit()
    if "month" in only:
        bench.month()
    bench.finish()


if __name__ == "__main__":
    main()
