"""Running a transport's command: stdin in, stdout and stderr out, a time-out that kills the whole
process group (a shell's children too, so a hung grandchild cannot keep the pipes open)."""

from __future__ import annotations

import os
import signal
import subprocess


class TimedOut(Exception):
    pass


def run(argv: list[str], data: bytes, timeout: float, env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env
    )
    try:
        out, err = process.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise TimedOut() from None
    except BaseException:
        _kill_group(process)
        raise
    return process.returncode, out, err


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.communicate(timeout=5)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        pass


def last_line(data: bytes, limit: int = 300) -> str:
    """The last non-empty line of a command's output, for a failure text."""
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:limit] if lines else ""


def command_exists(word: str) -> bool:
    """A program on PATH (or a path), or a shell builtin or function."""
    import shutil

    if shutil.which(word):
        return True
    try:
        return (
            subprocess.run(
                ["sh", "-c", 'command -v -- "$1" >/dev/null 2>&1', "sh", word], timeout=10, stdin=subprocess.DEVNULL
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
