"""The transcripts of the manual (docs/tour.md, then docs/scripts.md, docs/sending.md and docs/replies.md, one
tour in that order) and of the README's quick start (a tour of its own), as steps that can be run: every
```text block holds `$ ` lines, each followed by
what it prints. `$ export NAME=VALUE` sets a variable, `$ cat FILE` shows (and so creates) a file the tour
uses, `$ echo $?` shows the exit code of the command before it (0 when not shown), and `$ outreach ...`
runs outreach. `python tests/support/readme_tour.py --write` runs both tours in fresh directories at 80 columns and
writes the real output back into the files."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
QUICK_START = [README]
TOUR = [ROOT / "docs" / name for name in ("tour.md", "scripts.md", "sending.md", "replies.md")]
BLOCK = re.compile(r"^```text\n(.*?)^```", re.S | re.M)


@dataclass
class Step:
    command: str
    shown: str  # the output the file shows
    block: int
    path: Path


def steps(paths: list[Path]) -> list[Step]:
    found = []
    for path in paths:
        for number, block in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8"))):
            current = None
            for line in block.group(1).splitlines():
                if line.startswith("$ "):
                    current = Step(line[2:], "", number, path)
                    found.append(current)
                elif current is not None:
                    current.shown += line + "\n"
    for step in found:
        step.shown = step.shown.rstrip("\n")
    return found


def expected_codes(found: list[Step]) -> dict[int, int]:
    """Step index -> the exit code the README shows for it."""
    codes = {}
    for index, step in enumerate(found):
        if step.command.startswith("outreach "):
            codes[index] = 0
        elif step.command == "echo $?":
            codes[max(i for i in codes if i < index)] = int(step.shown)
    return codes


def run(found: list[Step], directory: Path, on_step=None) -> list[tuple[int, str]]:
    """Run the steps in `directory`; returns (exit code, output) per step. `on_step(index, code, output)`
    may check each as it goes."""
    env = dict(os.environ, COLUMNS="80", TZ="UTC")
    env.pop("OUTREACH_DB", None)
    results = []
    last = (0, "")
    for index, step in enumerate(found):
        words = shlex.split(step.command)
        if words[0] == "export":
            name, value = words[1].split("=", 1)
            env[name] = value
            result = (0, "")
        elif words[0] == "cat":
            (directory / words[1]).write_text(step.shown + "\n", encoding="utf-8")
            result = (0, step.shown)
        elif step.command == "echo $?":
            result = (0, str(last[0]))
        elif words[0] == "outreach":
            done = subprocess.run(
                [sys.executable, "-m", "outreach_cli", *words[1:]],
                cwd=directory,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            output = "\n".join(line.rstrip() for line in done.stdout.splitlines()).strip("\n")
            result = last = (done.returncode, output)
        else:
            raise ValueError(f"the tour has a step this runner does not know: {step.command!r}")
        if on_step is not None:
            on_step(index, *result)
        results.append(result)
    return results


def write(paths: list[Path]) -> None:
    found = steps(paths)
    with tempfile.TemporaryDirectory() as directory:
        results = run(found, Path(directory))
    blocks: dict = {}
    for step, (_code, output) in zip(found, results, strict=False):
        blocks.setdefault((step.path, step.block), []).append(f"$ {step.command}\n" + (output + "\n" if output else ""))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        pieces, last = [], 0
        for number, block in enumerate(BLOCK.finditer(text)):
            pieces.append(text[last : block.start(1)])
            pieces.append("\n".join(blocks[path, number]) if (path, number) in blocks else block.group(1))
            last = block.end(1)
        pieces.append(text[last:])
        path.write_text("".join(pieces), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write(TOUR)
        write(QUICK_START)
    else:
        print(__doc__)
