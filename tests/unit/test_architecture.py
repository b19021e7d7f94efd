"""The layers of docs/architecture.md, enforced by reading the modules (ast), not by running them.

    commands/ -> services/ -> repo/ (the repository package), db.py -> SQLite

Each test names the rule it checks; a failure lists every file and line that breaks it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "outreach_cli"

# Exceptions, named rather than skipped (none now: tick.py's SQL moved into repo/delivery.py and its dry run's
# rolled-back transaction into db.Database.rehearsal). An entry here must hold SQL, or the test below fails.
SQL_ALLOWED_FOR_NOW: dict[str, str] = {}

SQL_HOMES = ("db.py", "schema.py", "engines/postgres.py", "engines/postgres_schema.py")
SQL_WORDS = (
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "DELETE ",
    "CREATE ",
    "DROP ",
    "ALTER ",
    "PRAGMA ",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "WITH ",
    "REPLACE INTO",
)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _imports(name: str, tree: ast.AST):
    """(line, module) for every import in a module, relative ones made absolute (`from .. import repo` in
    services/x.py gives outreach_cli.repo)."""
    package = ["outreach_cli", *name.split("/")[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from .. import repo` imports a module by its attribute name
                yield node.lineno, f"{module}.{alias.name}"


def _starts(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_repository(module: str) -> bool:
    last = module.split(".")
    return len(last) >= 2 and last[0] == "outreach_cli" and (last[1] == "repo" or last[1].startswith("repo_"))


def _breaks(select, forbidden) -> list[str]:
    found = []
    for name, tree in _modules():
        if select(name):
            found += [f"{name}:{line} imports {module}" for line, module in _imports(name, tree) if forbidden(module)]
    return sorted(set(found))


def test_services_import_no_sqlite_rich_typer_or_cli():
    """Services hold the rules: no SQL driver, no terminal, no command line (they return data, never print)."""
    found = _breaks(
        lambda n: n.startswith("services/"),
        lambda m: _starts(
            m, ("sqlite3", "rich", "typer", "click", "outreach_cli.commands", "outreach_cli.cli", "outreach_cli.render")
        ),
    )
    assert found == [], "\n".join(found)


def test_commands_import_no_repository():
    """A command parses, calls one service and renders; it never reads the database itself."""
    found = _breaks(lambda n: n.startswith("commands/"), _is_repository)
    assert found == [], "\n".join(found)


def test_repository_imports_no_layer_above():
    """repo/ (the repository package), db.py and schema.py know nothing of services, commands or the terminal."""
    found = _breaks(
        lambda n: n in SQL_HOMES or n.startswith("repo/"),
        lambda m: _starts(
            m,
            (
                "rich",
                "typer",
                "click",
                "outreach_cli.services",
                "outreach_cli.commands",
                "outreach_cli.cli",
                "outreach_cli.render",
            ),
        ),
    )
    assert found == [], "\n".join(found)


def test_only_render_imports_rich():
    found = _breaks(lambda n: n != "render.py", lambda m: _starts(m, ("rich",)))
    assert found == [], "\n".join(found)


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


def test_only_run_builds_the_real_clock():
    """The real time is injected too (STYLE.md): only clock.py and `run` (commands/_common.py) build a
    SystemClock; services read the real time through the clock handed in (`clock.real`), so a test can choose
    it and no test depends on today's date."""
    allowed = {"clock.py", "commands/_common.py"}
    found = []
    for name, tree in _modules():
        if name in allowed:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "SystemClock":
                found.append(f"{name}:{node.lineno} SystemClock()")
    assert found == [], "take the real clock from the clock handed in (clock.real):\n" + "\n".join(found)


def _sql_strings(tree: ast.AST):
    """(line, text) of every string literal (or f-string's leading text) that starts like an SQL statement."""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if text.lstrip().startswith(SQL_WORDS):
            yield node.lineno, text.strip().splitlines()[0][:60]


def test_only_the_repository_holds_sql():
    """SQL lives in repo/ (the repository package), db.py and schema.py; the named exception is printed, never silent."""
    found, excepted = [], []
    for name, tree in _modules():
        if name in SQL_HOMES or name.startswith("repo/"):
            continue
        statements = [f"{name}:{line} {text}" for line, text in _sql_strings(tree)]
        if name in SQL_ALLOWED_FOR_NOW:
            excepted.append(f"{name}: {len(statements)} SQL string(s) allowed {SQL_ALLOWED_FOR_NOW[name]}")
        else:
            found += statements
    for line in excepted:
        print("architecture exception:", line)
    assert found == [], "move these statements into the repository layer:\n" + "\n".join(found)


def test_the_named_exception_still_exists():
    """An exception for a file that no longer holds SQL is stale: remove it from SQL_ALLOWED_FOR_NOW."""
    trees = dict(_modules())
    for name in SQL_ALLOWED_FOR_NOW:
        assert name in trees and list(_sql_strings(trees[name])), f"{name} holds no SQL now; drop its exception"


def test_no_package_name_is_shadowed_by_its_own_module():
    """A package's top-level name that is also one of its modules (`repo.candidates` the function and
    `repo/candidates.py`) changes meaning the moment that module is imported anywhere: none may exist."""
    found = []
    for init in sorted(PACKAGE.rglob("__init__.py")):
        modules = {p.stem for p in init.parent.glob("*.py")} | {p.name for p in init.parent.iterdir() if p.is_dir()}
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            names = []
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            found += [f"{init.relative_to(PACKAGE)}:{node.lineno} defines {n}" for n in names if n in modules]
    assert found == [], "\n".join(found)
