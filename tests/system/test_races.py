"""K5/C10 beyond tick: commands racing on the same message, thread or draft act once. Each use case reads
and writes inside one BEGIN IMMEDIATE transaction, so the second process sees the first one's result."""

import json
import os
import subprocess
import sys

import pytest

from tests.support.helpers import compose

ROUNDS = 4
RACERS = 8


def _race(db_path, *args):
    env = dict(os.environ, OUTREACH_DB=str(db_path), OUTREACH_BUSY_TIMEOUT_MS="60000")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "outreach_cli", *map(str, args), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(RACERS)
    ]
    results = []
    for process in procs:
        out, err = process.communicate(timeout=120)
        assert "Traceback" not in err, err
        results.append((process.returncode, json.loads(out)))
    return results


def _codes(results):
    return sorted(doc["error"]["code"] if code else "ok" for code, doc in results)


@pytest.mark.slow
def test_C5_racing_cancels_refund_once(world):
    for _ in range(ROUNDS):
        draft = compose(world, "kat", followup="Again")
        thread = world.json("schedule", draft["id"], "--at", "+1d")["threads"][0]
        results = _race(world.db_path, "cancel", "--thread", thread["id"])
        assert _codes(results) == ["invalid_state"] * (RACERS - 1) + ["ok"]
    assert world.json("doctor") == {"ok": True, "findings": []}


@pytest.mark.slow
def test_R1_racing_replies_record_one_response(world):
    for _ in range(ROUNDS):
        draft = compose(world, "kat", followup="Again")
        thread = world.json("schedule", draft["id"], "--now")["threads"][0]
        world.json("tick")
        results = _race(world.db_path, "reply", thread["id"])
        assert _codes(results) == ["already_responded"] * (RACERS - 1) + ["ok"]
    assert world.json("doctor") == {"ok": True, "findings": []}


@pytest.mark.slow
def test_C1_racing_schedules_charge_once(world):
    for _ in range(ROUNDS):
        draft = compose(world, "kat", "grace", followup="Again")
        results = _race(world.db_path, "schedule", draft["id"], "--at", "+1d")
        assert _codes(results) == ["invalid_state"] * (RACERS - 1) + ["ok"]
    db = world.db()
    assert db.value("SELECT count(*) FROM messages") == ROUNDS * 4
    assert world.json("doctor") == {"ok": True, "findings": []}
