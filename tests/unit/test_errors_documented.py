"""SPEC.md's "Errors and exit codes" (the JSON error object `{"error": {"code": CODE, "message": TEXT}}`, whose
codes the section lists; the section has no rule id of its own): every code is a constant of outreach_cli/errors.py,
each constant is in the manual's list (docs/rules.md, "JSON output"), and the source raises no code that is not
one of them. Read from the files (ast), not by running commands."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from outreach_cli import errors

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "outreach_cli"

# The codes SPEC.md's "Errors and exit codes" lists, in its order.
SPEC_CODES = [
    "already_initialized",
    "not_initialized",
    "not_found",
    "invalid_state",
    "time_in_past",
    "unknown_timezone",
    "invalid_time",
    "invalid_delay",
    "invalid_message",
    "followup_not_available",
    "automation_disabled",
    "insufficient_credits",
    "monthly_limit_reached",
    "seat_restricted",
    "candidate_opted_out",
    "out_of_network",
    "already_responded",
    "unknown_placeholder",
    "missing_value",
    "template_exists",
    "invalid_input",
    "database_locked",
    "database_error",
    "transport_error",
    "not_configured",
    "permission_denied",
]

# Files that still write a code as a literal string, named rather than skipped (none now):
# an entry whose file writes no literal code any more fails test_the_named_literal_exceptions_still_exist.
LITERAL_CODES_ALLOWED_FOR_NOW: set[str] = set()


def _constants() -> dict[str, str]:
    """errors.py's error codes: its module-level UPPER_CASE names bound to a string."""
    return {name: value for name, value in vars(errors).items() if name.isupper() and isinstance(value, str)}


def _is_code_holder(node: ast.AST) -> bool:
    """`x.code` or `x.error_code`: an expression that holds an error code."""
    return isinstance(node, ast.Attribute) and node.attr in ("code", "error_code")


def _code_positions(tree: ast.AST):
    """Every expression in a place where the source gives an error code: refuse(CODE, ...), fail(CODE, ...),
    OutreachError(message, CODE), Refusals(message, CODE, ...), code=CODE, `code = CODE` (a class's code),
    {"code": CODE}, an error table's (CODE, sentence) tuples, a comparison with `x.code`, a `code` parameter's
    default."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in ("refuse", "fail") and node.args:
                yield node.args[0]
            if name in ("OutreachError", "Refusals", "DamagedDatabase", "NotFound", "__init__") and len(node.args) > 1:
                yield node.args[1]
            yield from (kw.value for kw in node.keywords if kw.arg == "code")
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets):
            yield node.value
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    yield value
                if (
                    isinstance(value, ast.Tuple)
                    and len(value.elts) == 2
                    and isinstance(value.elts[1], (ast.Constant, ast.JoinedStr))
                ):
                    first = value.elts[0]
                    if (
                        isinstance(first, ast.Name)
                        and first.id.isupper()
                        or isinstance(first, ast.Constant)
                        and first.value in SPEC_CODES
                    ):
                        yield first
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_code_holder(side) for side in sides):
                for side in sides:
                    yield from (side.elts if isinstance(side, (ast.Tuple, ast.Set, ast.List)) else (side,))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            positional = node.args.args
            defaults = [None] * (len(positional) - len(node.args.defaults)) + list(node.args.defaults)
            for arg, default in zip(
                positional + node.args.kwonlyargs, defaults + list(node.args.kw_defaults), strict=False
            ):
                if default is not None and "code" in arg.arg:
                    yield default


def _given_codes():
    """(file, line, code, literal?) for every code the source gives, literal strings and errors.py names alike."""
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        for node in _code_positions(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield name, node.lineno, node.value, True
            elif isinstance(node, ast.Name) and node.id.isupper():
                yield name, node.lineno, node.id, False
            elif isinstance(node, ast.Attribute) and node.attr.isupper():  # errors.INVALID_INPUT
                yield name, node.lineno, node.attr, False


def _manual_codes() -> list[str]:
    """The codes the manual lists: docs/rules.md's sentence "The codes: `a`, `b`, ..." under "JSON output"."""
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    section = text.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    listing = section.split("The codes:", 1)[1].split(".\n", 1)[0]
    return re.findall(r"`([a-z_]+)`", listing)


def test_errors_and_exit_codes_every_spec_code_is_a_constant_of_errors_py():
    constants = _constants()
    assert sorted(constants.values()) == sorted(SPEC_CODES)
    assert all(name == value.upper() for name, value in constants.items()), constants


def test_errors_and_exit_codes_every_constant_is_in_the_manuals_list():
    listed = _manual_codes()
    missing = sorted(set(_constants().values()) - set(listed))
    assert missing == [], f'add these codes to docs/rules.md\'s list under "JSON output": {missing}'
    assert sorted(set(listed) - set(_constants().values())) == [], "the manual lists a code errors.py does not have"


def test_errors_and_exit_codes_the_source_gives_only_codes_of_errors_py():
    constants = _constants()
    found = []
    for name, line, code, literal in _given_codes():
        if literal and code not in constants.values():
            found.append(f"{name}:{line} gives the code {code!r}, which errors.py does not define")
        elif not literal and code not in constants and name != "errors.py":
            found.append(f"{name}:{line} gives {code}, which is no error code of errors.py")
    assert found == [], "\n".join(found)


def test_errors_and_exit_codes_are_written_as_the_constants_of_errors_py():
    """A code is written as errors.py's constant (`refuse(INVALID_INPUT, ...)`), not as a string; the files named
    in LITERAL_CODES_ALLOWED_FOR_NOW are printed, never silent."""
    found, excepted = [], {}
    for name, line, code, literal in _given_codes():
        if not literal:
            continue
        if name in LITERAL_CODES_ALLOWED_FOR_NOW:
            excepted[name] = excepted.get(name, 0) + 1
        else:
            found.append(f"{name}:{line} {code!r}: write errors.{code.upper()}")
    for name, count in sorted(excepted.items()):
        print(f"literal error codes allowed for now: {name}: {count}")
    assert found == [], "\n".join(found)


def test_errors_and_exit_codes_the_named_literal_exceptions_still_exist():
    """An exception for a file that writes no literal code any more is stale: remove it from the list."""
    literal_files = {name for name, _line, _code, literal in _given_codes() if literal}
    stale = sorted(LITERAL_CODES_ALLOWED_FOR_NOW - literal_files)
    assert stale == [], f"these files write no literal error code now; drop them from the list: {stale}"
