"""Write the figures of the last `make bench` into README.md, between its two bench markers.

The README's "Speed" table is never typed by hand: this reads what bench/run.py, bench/right_time.py and
bench/postgres.py wrote (results.json, results-right-time.txt, results-postgres.txt) and replaces the lines
between the markers. `python bench/readme.py --check` exits 1 when the README does not match the files
(tests/unit/test_readme.py runs it), so a figure in the README is always one a run wrote.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
START = "<!-- bench: written by bench/readme.py from bench/results*; do not edit by hand -->"
END = "<!-- /bench -->"

RIGHT_TIME = re.compile(
    r"^(?P<job>tick of \d+ messages|schedule of \d+):.*?, ratio (?P<ratio>[\d.]+),.*\(target (?P<target>[\d.]+)\)"
)
POSTGRES = re.compile(
    r"^(?P<job>.+?)\s+[\d.]+\s+[\d.]+\s+(?P<ratio>[\d.]+)\s+(?P<target>[<>]=\s*[\d.]+x(?: throughput)?)\s*$"
)


def _met(ratio: float, target: str) -> str:
    match = re.search(r"([<>]=)\s*([\d.]+)", target)
    if not match:
        return ""
    op, limit = match.group(1), float(match.group(2))
    if op == ">=" and (
        "faster" in target or "throughput" in target
    ):  # ">= 10x faster", ">= 1.5x throughput": time over ours
        return "yes" if ratio and 1 / ratio >= limit else "no"
    return "yes" if (ratio <= limit if op == "<=" else ratio >= limit) else "no"


def rows() -> list[tuple[str, str, str, str, str]]:
    """(file, job, ratio, target, met) for every figure with a target."""
    found = []
    results = HERE / "results.json"
    if results.exists():
        for row in json.loads(results.read_text())["rows"]:
            if row.get("target") and row.get("ratio") is not None:
                size = "" if row["size"] in ("-", "", None) else f", {int(row['size']):,}"
                found.append(
                    (
                        "results.txt",
                        row["job"] + size,
                        f"{row['ratio']:.2f}x",
                        row["target"],
                        _met(row["ratio"], row["target"]),
                    )
                )
    for name, pattern in (("results-right-time.txt", RIGHT_TIME), ("results-postgres.txt", POSTGRES)):
        path = HERE / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            match = pattern.match(line)
            if match:
                ratio = float(match.group("ratio"))
                target = match.group("target")  # a throughput row shows time over time: its "met" inverts it
                target = target if target.startswith(("<", ">")) else f"<= {target}x"
                found.append((name, match.group("job"), f"{ratio:.2f}x", target, _met(ratio, target)))
    return found


def block() -> str:
    machine = ""
    results = HERE / "results.json"
    if results.exists():
        machine = json.loads(results.read_text()).get("machine", "")
    lines = [
        START,
        "",
        f"The last `make bench` ({machine}); each ratio is outreach's time over its baseline's, "
        "measured in the same run:",
        "",
        "| figure | ratio | target | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {job} | {ratio} | {target} | {met} |" for _file, job, ratio, target, met in rows()]
    lines += ["", "What each baseline is, and the history: [docs/performance.md](docs/performance.md).", END]
    return "\n".join(lines)


def rewritten(text: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no bench markers ({START!r} ... {END!r})")
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    return head + block() + tail


def main() -> None:
    text = README.read_text()
    new = rewritten(text)
    if "--check" in sys.argv[1:]:
        if new != text:
            print("README.md's speed table is not what bench/results* say: run `python bench/readme.py`.")
            raise SystemExit(1)
        return
    README.write_text(new)
    print("README.md: the speed table rewritten from bench/results*")


if __name__ == "__main__":
    main()
