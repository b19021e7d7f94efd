"""Candidate profiles and CSV import (SPEC.md section 3, issue #3)."""

import pytest


def _write(tmp_path, text, name="people.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def seat(cli):
    cli("init", "--tz", "UTC", "--simulated-clock", "2026-12-01T08:00")
    return cli


def test_import_with_bom_quoted_commas_case_insensitive_header_and_extra_columns(seat, tmp_path):
    path = _write(
        tmp_path,
        "\ufeffHandle,First_Name,LAST_NAME,Company,TimeZone,Notes\n"
        'ada,Ada,Lovelace,"Babbage, Ltd",Europe/London,x\n'
        "alan,Alan,Turing,,,y\n",
    )
    result = seat.json("candidates", "import", path)
    assert (result["created"], result["updated"]) == (2, 0)
    ada = seat.json("candidates", "show", "ada")
    assert ada["company"] == "Babbage, Ltd" and ada["timezone"] == "Europe/London"
    assert seat.json("candidates", "show", "alan")["timezone"] is None  # empty timezone means none


def test_bad_rows_refuse_whole_file_naming_lines(seat, tmp_path):
    seat("candidates", "add", "ada", "--first-name", "Ada", "--last-name", "L")
    path = _write(
        tmp_path,
        "handle,first_name,last_name,timezone\n"
        "bob,Bob,B,Mars/Base\n"  # line 2: bad zone
        "ada,Ada,L,\n"  # line 3: exists
        "cy,Cy,C,\n"
        "cy,Cy,C,\n"  # line 5: duplicate in file
        "dee,,D,\n",
    )  # line 6: no first name
    message = seat.refused("candidates", "import", path, code="invalid_input")
    for line in ("line 2", "line 3", "line 5", "line 6"):
        assert line in message
    assert "line 4" not in message


def test_skip_bad_and_update(seat, tmp_path):
    seat("candidates", "add", "ada", "--first-name", "Ada", "--last-name", "L")
    path = _write(tmp_path, "handle,first_name,last_name,title\nada,Ada,L,Countess\nbob,Bob,,x\ncy,Cy,C,\n")
    result = seat.json("candidates", "import", path, "--skip-bad", "--update")
    assert (result["created"], result["updated"]) == (1, 1)
    assert [b["line"] for b in result["skipped"]] == [3]
    assert seat.json("candidates", "show", "ada")["title"] == "Countess"


def test_missing_handle_column_wrong_encoding_and_empty_file(seat, tmp_path):
    seat.refused("candidates", "import", _write(tmp_path, "name,email\nx,y\n"), code="invalid_input")
    seat.refused(
        "candidates",
        "import",
        _write(tmp_path, "handle,first_name,last_name\nzoë,Zoë,Z\n", encoding="latin-1"),
        code="invalid_input",
    )
    seat.refused("candidates", "import", _write(tmp_path, ""), code="invalid_input")
    seat.refused("candidates", "import", tmp_path / "absent.csv", code="invalid_input")


def test_formula_like_cells_are_stored_as_text(seat, tmp_path):
    path = _write(tmp_path, "handle,first_name,last_name,company\nev,=cmd|' /C calc'!A0,+1,@SUM(A1)\n")
    seat.json("candidates", "import", path)
    ev = seat.json("candidates", "show", "ev")
    assert (ev["first_name"], ev["last_name"], ev["company"]) == ("=cmd|' /C calc'!A0", "+1", "@SUM(A1)")


def test_to_file_accepts_plain_list_and_csv(seat, tmp_path):
    for h in ("a1", "a2", "a3"):
        seat("candidates", "add", h, "--first-name", "A", "--last-name", "B")
    plain = _write(tmp_path, "a1\n# a comment\na2\n\n", "list.txt")
    assert seat.json("compose", "--to-file", plain, "--subject", "s", "--body", "b")["recipients"] == ["a1", "a2"]
    csv_file = _write(tmp_path, "handle,first_name\na3,A\na1,A\n", "list.csv")
    draft = seat.json("compose", "--to-file", csv_file, "--to", "a2", "--subject", "s", "--body", "b")
    assert draft["recipients"] == ["a2", "a3", "a1"]


def test_candidate_set_opt_out_list(seat):
    seat("candidates", "add", "ada", "--first-name", "Ada", "--last-name", "L", "--email", "ada@example.com")
    changed = seat.json("candidates", "set", "ada", "--title", "Countess", "--tz", "Europe/London")
    assert (changed["title"], changed["timezone"]) == ("Countess", "Europe/London")
    assert seat.json("candidates", "set", "ada", "--tz", "")["timezone"] is None
    assert seat.json("candidates", "opt-out", "ada")["opted_out"] is True
    assert [c["handle"] for c in seat.json("candidates", "list")] == ["ada"]
    seat.refused("candidates", "add", "ada", "--first-name", "A", "--last-name", "L", code="invalid_input")
    seat.refused("candidates", "set", "ada", "--email", "not-an-email", code="invalid_input")
    seat.refused("candidates", "set", "ada", code="invalid_input")


def test_large_import_with_progress_path_prints_only_the_summary(seat, tmp_path):
    """More than 3,000 rows take the progress-bar path; off a terminal the bar draws nothing."""
    rows = "".join(f"p{i},P{i},Q{i}\n" for i in range(3500))
    result = seat("candidates", "import", _write(tmp_path, "handle,first_name,last_name\n" + rows))
    assert result.stdout.strip() == "Imported: 3500 new, 0 updated."
    assert len(seat.json("candidates", "list")) == 3500


def test_short_row_with_a_missing_column_is_named(seat, tmp_path):
    """A row with fewer cells than the header lacks its last columns: named by line, nothing imported."""
    path = _write(tmp_path, "handle,first_name,last_name,company\nada,Ada,Lovelace,Babbage\nbob,Bob\n")
    message = seat.refused("candidates", "import", path, code="invalid_input")
    assert "line 3" in message and "last name" in message
    assert seat.json("candidates", "list") == []


def test_every_bad_row_is_named_by_line(seat, tmp_path):
    """SPEC: a bad row refuses the whole file, naming each bad row by its line number."""
    rows = "".join(f"p{i},P{i},\n" if i % 50 == 0 or 200 <= i < 260 else f"p{i},P{i},Q{i}\n" for i in range(300))
    message = seat.refused(
        "candidates", "import", _write(tmp_path, "handle,first_name,last_name\n" + rows), code="invalid_input"
    )
    assert "64 row(s) are bad (lines 2, 52, 102, 152, 202-261)" in message
