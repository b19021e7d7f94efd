"""README.md: every `$ outreach ...` line of the tour can be pasted into a shell and does what the README shows."""
from pathlib import Path

from readme_tour import README, expected_codes, run, steps


def test_readme_tour_runs_as_shown(tmp_path: Path):
    found = steps(README.read_text(encoding="utf-8"))
    codes = expected_codes(found)
    assert len(codes) > 40, "the tour should show every command"

    def check(index, code, output):
        step = found[index]
        if index in codes:
            assert code == codes[index], (step.command, code, output)
            assert output == step.shown, (
                f"`{step.command}` prints something else than README.md shows; if the change is meant, "
                f"regenerate the tour with `python tests/readme_tour.py --write`.\n--- shown\n{step.shown}\n"
                f"--- printed\n{output}")
    run(found, tmp_path, check)


def test_readme_points_at_rules_in_the_repository():
    text = README.read_text(encoding="utf-8")
    assert "../shared" not in text and "docs/rules.md" in text
