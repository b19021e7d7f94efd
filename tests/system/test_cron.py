"""examples/crontab and the systemd user timer work as written on a fresh machine: `make install` puts a
working `outreach` in ~/.local/bin, the log directory is created, and the log holds one JSON document per line."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def cron_command() -> str:
    lines = [
        line for line in (EXAMPLES / "crontab").read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1, lines
    return lines[0].split(None, 5)[5]  # after the five time fields


def systemd_command(home: Path) -> list[str]:
    service = (EXAMPLES / "outreach-tick.service").read_text()
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    return shlex.split(exec_start.split("=", 1)[1].replace("%h", str(home)))


def log_documents(home: Path) -> list:
    lines = (home / ".local/state/outreach/tick.log").read_text().splitlines()
    return [json.loads(line) for line in lines]  # every line is one whole JSON document


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh HOME with outreach installed by `make install` (a real pip install of this checkout)."""
    home = tmp_path_factory.mktemp("home")
    env = {"HOME": str(home), "PATH": f"{home}/.local/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "PIP_NO_INDEX"):
        if name in os.environ:
            env[name] = os.environ[name]
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "install", f"PYTHON={sys.executable}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    link = home / ".local/bin/outreach"
    assert link.is_symlink() and Path(os.readlink(link)).is_relative_to(home / ".local/share/outreach/venv")
    return home, env


@pytest.mark.slow
def test_make_install_puts_a_working_outreach_on_path(installed):
    home, env = installed
    done = subprocess.run(["outreach", "--help"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "tick" in done.stdout
    assert subprocess.run(
        ["sh", "-c", "command -v outreach"], env=env, capture_output=True, text=True
    ).stdout.strip() == str(home / ".local/bin/outreach")


def _run_line(command, env, shell=True):
    args = ["sh", "-c", command] if shell else command
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout == "", done.stdout  # cron would mail it; the JSON record goes to the log
    return done.stderr  # D16: warnings and refusals reach cron's mail (the journal); nothing when all is well


@pytest.mark.slow
def test_crontab_line_works_on_a_fresh_home_and_logs_json_lines(installed):
    home, env = installed
    said = _run_line(cron_command(), env)  # before any database: a refusal, still one JSON document in the log
    assert log_documents(home)[-1]["error"]["code"] == "not_initialized"
    assert "outreach init" in said  # D16: the refusal reaches cron's mail
    outreach = ["outreach"]
    for args in (
        ["init", "--seat", "ada", "--tz", "UTC"],
        ["candidates", "add", "grace", "--first-name", "Grace", "--last-name", "Hopper"],
        ["compose", "--to", "grace", "--subject", "Hi", "--body", "Hello"],
        ["schedule", "1", "--now"],
    ):
        subprocess.run(outreach + args, env=env, check=True, capture_output=True)
    assert _run_line(cron_command(), env) == ""  # all well: nothing mailed
    assert _run_line(cron_command(), env) == ""
    documents = log_documents(home)
    assert len(documents) == 3
    assert documents[1]["sent"] == [1] and documents[2]["sent"] == []


@pytest.mark.slow
def test_systemd_service_runs_the_same_tick_with_its_own_paths(installed):
    home, env = installed
    before = len(log_documents(home)) if (home / ".local/state/outreach/tick.log").exists() else 0
    _run_line(systemd_command(home), env, shell=False)
    documents = log_documents(home)
    assert len(documents) == before + 1
    timer = (EXAMPLES / "outreach-tick.timer").read_text()
    assert "OnCalendar=*:0/5" in timer and "WantedBy=timers.target" in timer
