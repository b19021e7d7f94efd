"""A month of cron in one process through the service layer: 5,000 candidates in 20 zones, bulk messages
with follow-ups spread over 30 days, `tick` every 5 simulated minutes (8,640 ticks); then 100 ticks as whole
processes on a copy, for the per-process cost.  python month.py DB RESULT.json"""

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from outreach_cli import db as dbmod
from outreach_cli.clock import SystemClock
from outreach_cli.services import candidates, drafts, scheduling, setup
from outreach_cli.services.common import load_clock
from outreach_cli.services.tick import tick

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
]

path, result_path = Path(sys.argv[1]), Path(sys.argv[2])
setup.init(
    path,
    seat="ada",
    plan="recruiter",
    tz="Europe/London",
    credits=20_000,
    daily_limit=400,
    simulated_clock="2026-11-30T00:00",
    clock=SystemClock(),
)
csv_path = path.with_suffix(".csv")
csv_path.write_text(
    "handle,first_name,last_name,company,timezone\n"
    + "".join(f"c{i},F{i},L{i},Co{i % 50},{ZONES[i % 20]}\n" for i in range(5000))
)
db = dbmod.open_existing(path)
candidates.import_file(db, path=csv_path)
clock = load_clock(db)
for wave in range(10):  # ten bulk messages of 500, one every three days, follow-ups 3 to 7 days later
    handles = [f"c{i}" for i in range(wave * 500, wave * 500 + 500)]
    draft = drafts.compose(
        db, seat_name=None, handles=handles, subject="Hi {first_name}", body="A role at {company}?", clock=clock
    )
    drafts.set_followup(db, draft_id=draft["id"], body="Again, {first_name}?", after=f"{3 + wave % 5}d")
    scheduling.schedule(db, draft_id=draft["id"], at=f"2026-12-{1 + 3 * wave:02d} 09:00", tz="recipient", clock=clock)
start_copy = path.with_name("start.db")
db.checkpoint()
shutil.copy(path, start_copy)
sent = 0
started = time.perf_counter()
for _ in range(8640):
    sent += len(tick(db, by="5m")["sent"])
seconds = time.perf_counter() - started
db.close()
outreach = str(Path(sys.executable).parent / "outreach")
per_process = []
for _ in range(100):
    began = time.perf_counter()
    subprocess.run(
        [outreach, "tick", "--by", "5m", "--json", "--db", str(start_copy)], check=True, stdout=subprocess.DEVNULL
    )
    per_process.append(time.perf_counter() - began)
result_path.write_text(
    json.dumps({"ticks": 8640, "seconds": round(seconds, 3), "sent": sent, "process_ticks": per_process})
)
