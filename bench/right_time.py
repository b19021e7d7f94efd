"""make bench, issue 16 (W1-W6): the cost of sending at the right time, as whole processes on copies of one
prepared database.

1. tick over 100,000 scheduled messages (50,000 initials and their follow-ups) of a seat with a window, holidays
   and a pace (all wide open, so the same messages go) against the same tick of a seat without them.
   Target: within 1.2x.
2. schedule --at best for a bulk of 10,000 (with a history of 2,000 sent initials) against a plain --at.
   Target: within 1.5x.
The holiday calendars are kept in the user's cache directory (services/placement.holiday_days), as a cron tick
finds them; the timed runs use a cache warmed by one tick first, and one more run with an empty cache
(XDG_CACHE_HOME of its own) shows the first tick's cost. Writes bench/results-right-time.txt.
Usage: python bench/right_time.py [--quick] [--runs N]   (medians of 3 runs; --quick: 1 run, a tenth of the sizes)
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ZONES, outreach  # noqa: E402


def _run(db, *args):
    subprocess.run(outreach(db, *args), check=True, stdout=subprocess.DEVNULL)


def _candidates(directory: Path, db: Path, n: int, first: int = 0) -> None:
    csv_path = directory / f"c{first}.csv"
    with open(csv_path, "w", encoding="utf-8") as out:
        out.write("handle,first_name,last_name,timezone\n")
        for i in range(first, first + n):
            out.write(f"c{i},First{i},Last{i},{ZONES[i % len(ZONES)]}\n")
    _run(db, "candidates", "import", csv_path)
    return csv_path


def _init(db: Path) -> None:
    _run(
        db,
        "init",
        "--tz",
        "Europe/London",
        "--credits",
        1_000_000,
        "--daily-limit",
        1_000_000,
        "--simulated-clock",
        "2026-11-30T08:00",
    )


def _copy(src: Path, directory: Path, name: str) -> Path:
    dst = directory / name
    shutil.copy(src, dst)
    return dst


def _timed(cmd: list, env=None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process: on a shared machine the CPU time is the steadier."""
    start = time.perf_counter()
    process = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd} failed: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def _median(cmds_of, runs: int, env=None) -> tuple[tuple, tuple]:
    """Per command (median, fastest, slowest, median CPU time), interleaved so both see the same noise."""
    a, b = [], []
    for _ in range(runs):
        for out, make in zip((a, b), cmds_of, strict=True):
            cmd = make()
            out.append(_timed(cmd, env))
    return tuple(
        (
            statistics.median(w for w, _ in x),
            min(w for w, _ in x),
            max(w for w, _ in x),
            statistics.median(c for _, c in x),
        )
        for x in (a, b)
    )


def tick_job(directory: Path, n: int, runs: int) -> dict:
    plain = directory / "plain.db"
    _init(plain)
    csv_path = _candidates(directory, plain, n)
    _run(plain, "compose", "--to-file", csv_path, "--subject", "Hi {first_name}", "--body", "A role")
    _run(plain, "followup", 1, "--body", "Again", "--after", "3d")
    _run(plain, "schedule", 1, "--at", "2026-12-01T10:00")
    timed_db = directory / "timed.db"
    shutil.copy(plain, timed_db)
    seat = subprocess.run(outreach(plain, "seats", "list", "--json"), check=True, capture_output=True, text=True)
    name = json.loads(seat.stdout)[0]["name"]
    _run(timed_db, "seats", "set", name, "--window", "Mon-Sun 00:00-24:00", "--holidays", "--max-per-hour", 1_000_000)
    counter = iter(range(10**6))
    env = {**os.environ, "XDG_CACHE_HOME": str(directory / "cache")}
    cold = {**os.environ, "XDG_CACHE_HOME": str(directory / "cold")}
    tick = ("tick", "--to", "2026-12-08T00:00")
    _timed(outreach(_copy(timed_db, directory, "warm.db"), *tick), env)  # fills the holiday cache, as cron's first tick
    (plain_s, timed_s) = _median(
        (
            lambda: outreach(_copy(plain, directory, f"p{next(counter)}.db"), *tick),
            lambda: outreach(_copy(timed_db, directory, f"t{next(counter)}.db"), *tick),
        ),
        runs,
        env,
    )
    first = _timed(outreach(_copy(timed_db, directory, "cold.db"), *tick), cold)
    return {"plain": plain_s, "timed": timed_s, "cold": first}


def best_job(directory: Path, n: int, history: int, runs: int) -> tuple[float, float]:
    db = directory / "best.db"
    _init(db)
    past = _candidates(directory, db, history, first=10**6)
    _run(db, "compose", "--to-file", past, "--subject", "Hi", "--body", "A role")
    _run(db, "schedule", 1, "--at", "2026-11-30T10:00")
    _run(db, "tick", "--to", "2026-12-01T08:00")
    csv_path = _candidates(directory, db, n)
    _run(db, "compose", "--to-file", csv_path, "--subject", "Hi {first_name}", "--body", "A role")
    counter = iter(range(10**6))
    return _median(
        (
            lambda: outreach(_copy(db, directory, f"a{next(counter)}.db"), "schedule", 2, "--at", "2026-12-03T09:00"),
            lambda: outreach(_copy(db, directory, f"b{next(counter)}.db"), "schedule", 2, "--at", "best"),
        ),
        runs,
    )


def _spread(figures: tuple) -> str:
    return f"{figures[0]:.2f} s ({figures[1]:.2f}-{figures[2]:.2f}; CPU {figures[3]:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=None, help="runs of each command (default 3, --quick 1)")
    args = parser.parse_args()
    scale, runs = (10, 1) if args.quick else (1, 3)
    runs = args.runs or runs
    load = os.getloadavg()[0]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        tick = tick_job(directory, 50_000 // scale, runs)
        plain, timed_tick = tick["plain"], tick["timed"]
        lines.append(
            f"tick of {100_000 // scale} messages: plain {_spread(plain)}, window+holidays+pace "
            f"{_spread(timed_tick)}, ratio {timed_tick[0] / plain[0]:.2f}, CPU ratio "
            f"{timed_tick[3] / plain[3]:.2f} (target 1.2); first tick with an empty holiday cache "
            f"{tick['cold'][0]:.2f} s (CPU {tick['cold'][1]:.2f} s, CPU ratio {tick['cold'][1] / plain[3]:.2f})"
        )
        print(lines[-1], flush=True)
        at, best = best_job(directory, 10_000 // scale, 2_000 // scale, runs)
        lines.append(
            f"schedule of {10_000 // scale}: --at {_spread(at)}, --at best {_spread(best)}, "
            f"ratio {best[0] / at[0]:.2f}, CPU ratio {best[3] / at[3]:.2f} (target 1.5)"
        )
        print(lines[-1], flush=True)
    if not args.quick:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        footer = (
            f"{machine}; medians of {runs} runs (fastest-slowest); load average {load:.2f} at the start, "
            f"{os.getloadavg()[0]:.2f} at the end"
        )
        (Path(__file__).resolve().parent / "results-right-time.txt").write_text("\n".join([*lines, footer]) + "\n")
        print(f"{footer}; written to bench/results-right-time.txt")


if __name__ == "__main__":
    main()
