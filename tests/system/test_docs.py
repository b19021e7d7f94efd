"""docs/rules.md: the project describes every rule it names itself, so a clone needs nothing outside it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "rules.md"
EXPECTED = {"S": 6, "F": 6, "C": 10, "K": 8, "L": 10, "R": 3, "T": 5, "V": 1, "D": 20, "I": 15, "M": 5, "W": 7, "P": 6}


def test_every_rule_id_is_written_out_once():
    ids = re.findall(r"^- \*\*([A-Z])(\d+)\*\* ", RULES.read_text(encoding="utf-8"), re.M)
    assert sorted(ids) == sorted((k, str(n)) for k, count in EXPECTED.items() for n in range(1, count + 1))


def test_every_rule_a_test_names_is_in_the_rules():
    written = {f"{k}{n}" for k, n in re.findall(r"^- \*\*([A-Z])(\d+)\*\* ", RULES.read_text(encoding="utf-8"), re.M)}
    named = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        named |= set(re.findall(r"def test_([SFCKLRTVDIMWP]\d+)_", path.read_text(encoding="utf-8")))
    assert named and named <= written, named - written
