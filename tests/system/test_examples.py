"""examples/send-to-list.sh run as a real process: its output on success, and on a refusal one sentence,
no traceback, and nothing left behind (the draft it made is discarded), as its comment promises."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "examples" / "send-to-list.sh"


def _run(cli, handles_file, when):
    env = {
        **os.environ,
        "OUTREACH_DB": str(cli.db_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        ["bash", str(SCRIPT), str(handles_file), when], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def handles(world, tmp_path):
    path = tmp_path / "handles.txt"
    path.write_text("grace\nkat\n")
    return path


def test_send_to_list_prints_each_thread(world, handles):
    result = _run(world, handles, "2026-12-02 09:00")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["grace\t1", "kat\t2"]


def test_C1_send_to_list_refusal_is_one_sentence_and_leaves_no_draft(world, handles):
    world("contract", "set", "--pool", "0")
    world("contract", "set", "--monthly-limit", "1", "--for", "ada")  # 4 credits needed, 1 allowed
    before = world.snapshot()
    result = _run(world, handles, "2026-12-02 09:00")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "KeyError" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert world.json("inbox", "--folder", "drafts") == []
    after = world.snapshot()
    assert {t: rows for t, rows in after.items() if t != "sqlite_sequence"} == {
        t: rows for t, rows in before.items() if t != "sqlite_sequence"
    }
