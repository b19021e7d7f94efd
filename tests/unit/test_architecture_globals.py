"""No module-level mutable state (docs/architecture.md: what a run needs is handed to it):
a value one command sets for a later step (the clock's year for the renderer, the commands a run converted, the
refusal it printed) lives on an object that run owns, never in a module or class attribute. In-process
CliRunner tests run many commands in one process, so module state leaks from one command into the next.
Read from the files (ast), not by running them; each test names what it checks, and a failure lists every
file and line."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "outreach_cli"

# Memo caches, named rather than skipped: each maps the arguments of a pure lookup (a zone, a window, a holiday
# calendar, a row class) to its answer, so a command gets the same answer whatever ran before it in the process.
MEMO_CACHES: dict[str, set[str]] = {
    "engines/postgres.py": {"_cache", "_ROW_CLASSES"},
    "services/placement.py": {"_CALENDARS", "_YEARS", "_PACKAGE", "_PLACERS"},
    "timeparse.py": {"_ZONES"},
    "window.py": {"_PARSED", "_AT", "_OPENINGS", "_OFFSETS", "_AHEAD"},
}

MUTATORS = {
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "popitem",
    "clear",
    "update",
    "add",
    "discard",
    "setdefault",
    "sort",
    "reverse",
    "appendleft",
    "extendleft",
    "move_to_end",
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _functions(tree: ast.AST):
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _targets(node: ast.AST) -> list:
    if isinstance(node, (ast.Assign, ast.Delete)):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    return []


def _is_mutable(value: ast.AST | None) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    if isinstance(value, ast.Call):
        name = value.func.id if isinstance(value.func, ast.Name) else getattr(value.func, "attr", "")
        return name in {"list", "dict", "set", "defaultdict", "OrderedDict", "deque", "Counter", "bytearray"}
    return False


def _module_mutables(tree: ast.Module) -> set[str]:
    """Module-level names bound to a list, dict or set."""
    found = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_mutable(node.value):
            found |= {t.id for t in _targets(node) if isinstance(t, ast.Name)}
    return found


def _imported_modules(tree: ast.Module) -> set[str]:
    """Names a module binds to other modules: `import x`, `from . import render`, `from .. import repo`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level and not node.module:
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def test_no_global_statements():
    found = [
        f"{name}:{node.lineno} global {', '.join(node.names)}"
        for name, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Global)
    ]
    assert found == [], "keep the value on an object the run owns, or in a functools.cache:\n" + "\n".join(found)


def test_no_assignment_to_another_modules_or_a_classs_attributes():
    """`render.X = ...` (another module's global) or `Commands.x = ...` inside a function (a class attribute used as
    a global) is state shared by every run in the process."""
    found = []
    for name, tree in _modules():
        modules = _imported_modules(tree)
        classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
        for node in ast.walk(tree):
            for target in _targets(node):
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in modules
                ):
                    found.append(f"{name}:{node.lineno} assigns {target.value.id}.{target.attr}")
        for function in _functions(tree):
            for node in ast.walk(function):
                for target in _targets(node):
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in classes
                    ):
                        found.append(
                            f"{name}:{node.lineno} assigns the class attribute {target.value.id}.{target.attr}"
                        )
    assert found == [], "\n".join(sorted(set(found)))


def test_no_module_level_mutable_is_changed_by_a_function():
    """A module-level list, dict or set that a function changes (`X[:] = ...`, `X[k] = ...`, `X.append(...)`) is
    module state, unless it is a memo cache named in MEMO_CACHES."""
    found = []
    for name, tree in _modules():
        mutables = _module_mutables(tree) - MEMO_CACHES.get(name, set())
        for function in _functions(tree):
            for node in ast.walk(function):
                for target in _targets(node):
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in mutables
                    ):
                        found.append(f"{name}:{node.lineno} changes the module's {target.value.id}")
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in MUTATORS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in mutables
                ):
                    found.append(f"{name}:{node.lineno} changes the module's {node.func.value.id} (.{node.func.attr})")
    assert found == [], "keep it on an object the run owns:\n" + "\n".join(sorted(set(found)))


def test_the_named_memo_caches_still_exist():
    """A cache named in MEMO_CACHES that its module no longer has is stale: remove it."""
    trees = dict(_modules())
    for name, caches in MEMO_CACHES.items():
        assert name in trees, name
        missing = caches - _module_mutables(trees[name])
        assert missing == set(), f"{name} has no module-level {sorted(missing)} now; drop it from MEMO_CACHES"
