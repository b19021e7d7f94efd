"""The manual's tour (docs/tour.md and the transcripts of docs/scripts.md, sending.md, replies.md) and the README's
quick start: every `$ outreach ...` line can be pasted into a shell and does what the page shows."""

from pathlib import Path

from tests.support.readme_tour import QUICK_START, README, ROOT, TOUR, expected_codes, run, steps


def _runs_as_shown(paths, directory: Path, at_least: int):
    found = steps(paths)
    codes = expected_codes(found)
    assert len(codes) > at_least, "the tour should show every command"

    def check(index, code, output):
        step = found[index]
        if index in codes:
            assert code == codes[index], (step.command, code, output)
            assert output == step.shown, (
                f"`{step.command}` prints something else than {step.path.name} shows; if the change is meant, "
                f"regenerate the transcripts with `python tests/support/readme_tour.py --write`.\n--- shown\n{step.shown}\n"
                f"--- printed\n{output}"
            )

    run(found, directory, check)


def test_the_tour_runs_as_shown(tmp_path: Path):
    _runs_as_shown(TOUR, tmp_path, 40)


def test_the_readme_quick_start_runs_as_shown(tmp_path: Path):
    _runs_as_shown(QUICK_START, tmp_path, 4)


def test_the_readme_is_a_front_door_that_points_at_the_manual():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert "../shared" not in text and "docs/rules.md" in text and "docs/tour.md" in text
    for path in [README, *ROOT.joinpath("docs").glob("*.md")]:  # the project names nothing outside itself
        assert "SPEC.md" not in path.read_text(encoding="utf-8") and "STYLE.md" not in path.read_text(
            encoding="utf-8"
        ), path


def test_the_readmes_speed_table_is_what_make_bench_wrote():
    """#19.6: the README's figures come from bench/results* (bench/readme.py writes them), never by hand."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "readme.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    table = README.read_text(encoding="utf-8").split("<!-- bench:", 1)[1].split("<!-- /bench -->", 1)[0]
    assert (
        "| start-up: tick vs a do-nothing Typer app |" in table
        and "| dispatch (tick past N initials), 10,000 |" in table
    )
