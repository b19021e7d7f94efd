"""What a module may take from another (docs/architecture.md, "What each module may import"), read from the files
(ast), not by running them. A leading underscore means "this module's own": another module that needs it needs a
public, documented name in the place it belongs (resolve.py and incoming.py imported `tick._move_followup`; it is
`services/followups.move_followup` now). And the repository's SQL is reached through the repository: a service
does not hand it on under a name of its own (services/tick.py kept `_DUE`, `WORK_DUE`, `NEXT_REFRESH` for a test).
Each test names the rule it checks; a failure lists every file and line."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "outreach_cli"
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "DROP ", "ALTER ", "PRAGMA ", "WITH ")


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_imports(tree: ast.AST):
    """(node, alias) of every import from this package (relative, or `outreach_cli...`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("outreach_cli")):
            for alias in node.names:
                yield node, alias
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("outreach_cli"):
                    yield node, alias


def test_no_module_imports_a_private_name_of_another():
    """`from .tick import _move_followup` and the like: an underscore name is imported by no other module."""
    found = []
    for name, tree in _modules():
        for node, alias in _own_imports(tree):
            if isinstance(node, ast.ImportFrom) and _private(alias.name):
                found.append(f"{name}:{node.lineno} imports {alias.name}")
    assert found == [], "give these a public, documented name where they belong:\n" + "\n".join(found)


def test_no_module_reaches_a_private_attribute_of_another():
    """`tick._move_followup` after `from . import tick`, `Run._claim` after `from .batch import Run`: the same
    rule through an attribute."""
    found = []
    for name, tree in _modules():
        imported = {alias.asname or alias.name.split(".")[0] for _node, alias in _own_imports(tree)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and _private(node.attr)
            ):
                found.append(f"{name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert found == [], "give these a public, documented name where they belong:\n" + "\n".join(found)


def _holds_sql(value: ast.AST) -> bool:
    for node in ast.walk(value):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lstrip().startswith(SQL_WORDS):
            return True
    return False


def _repository_sql_names() -> set[str]:
    """The module-level names of the repository that hold SQL (`DUE`, `WORK_DUE`, `SENT_BETWEEN`...)."""
    names = set()
    for name, tree in _modules():
        if not name.startswith("repo/"):
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and _holds_sql(node.value):
                names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def test_no_service_re_exports_repository_sql():
    """A module-level name of a service or command is never the repository's SQL under another name (a test that
    reads a query's plan takes it from repo/, where it lives)."""
    sql_names = _repository_sql_names()
    assert {"DUE", "WORK_DUE", "NEXT_REFRESH"} <= sql_names  # the check sees the tick's queries
    found = []
    for name, tree in _modules():
        if not name.startswith(("services/", "commands/")):
            continue
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                for part in ast.walk(node.value):
                    if isinstance(part, ast.Attribute) and part.attr in sql_names:
                        found.append(f"{name}:{node.lineno} re-exports {part.attr}")
    assert found == [], "read the SQL from repo/ where it lives:\n" + "\n".join(found)


def test_no_package_imports_a_name_that_shadows_its_own_module():
    """test_architecture.py's rule for names a package's `__init__.py` defines, for the names it imports: `from
    .record import record` in services/tick/__init__.py would make `services.tick.record` the function or the
    module depending on what ran first."""
    found = []
    for init in sorted(PACKAGE.rglob("__init__.py")):
        modules = {p.stem for p in init.parent.glob("*.py")} | {p.name for p in init.parent.iterdir() if p.is_dir()}
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module is not None:  # `from . import x` binds the module
                names = [alias.asname or alias.name for alias in node.names]
                found += [f"{init.relative_to(PACKAGE)}:{node.lineno} imports {n}" for n in names if n in modules]
    assert found == [], "\n".join(found)
