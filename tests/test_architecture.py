"""The layers of docs/architecture.md, enforced by reading the modules (ast), not by running them."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "outreach_cli"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_only_clock_reads_the_wall_clock():
    """The clock is handed in (STYLE.md): `datetime.now()`, `utcnow()` and `date.today()` appear in clock.py only.
    (incoming/maildir.py compares file mtimes with `time.time_ns()`: the file system's time, not the clock's.)"""
    readers = {"now", "utcnow", "today"}
    found = []
    for name, tree in _modules():
        if name == "clock.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in readers:
                owner = node.func.value
                owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if owner_name in ("datetime", "date"):
                    found.append(f"{name}:{node.lineno} {owner_name}.{node.func.attr}()")
    assert found == [], "read the time through the Clock handed in:\n" + "\n".join(found)
