"""W1-W3: send windows in the recipient's zone, the moments they place, and public holidays."""

from datetime import UTC, datetime

import pytest

from outreach_cli.errors import OutreachError
from outreach_cli.timeparse import get_zone
from outreach_cli.window import parse_window, place
from tests.support.helpers import compose

UTC = UTC


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _refusal(text: str) -> str:
    with pytest.raises(OutreachError) as caught:
        parse_window(text)
    assert caught.value.code == "invalid_input"
    return str(caught.value)


def test_W1_window_text_with_several_ranges():
    window = parse_window("Mon-Thu 09:00-12:00,14:00-17:00; Fri 09:00-12:00")
    assert window.days[0] == [(540, 720), (840, 1020)] and window.days[4] == [(540, 720)]
    assert window.days[5] == window.days[6] == []
    assert window.open_minutes == 4 * 6 * 60 + 3 * 60
    assert parse_window("monday-friday 08:30-17:30").text == "monday-friday 08:30-17:30"


def test_W1_refusal_names_the_bad_part():
    assert "'Mon-Fry'" in _refusal("Mon-Fry 09:00-17:00")
    assert "'9-17'" in _refusal("Mon-Fri 9-17")
    assert "'17:00-09:00'" in _refusal("Mon 17:00-09:00")
    assert "'Fri-Mon'" in _refusal("Fri-Mon 09:00-17:00")
    assert "'25:00-26:00'" in _refusal("Mon 25:00-26:00")
    assert "needs weekdays and hours" in _refusal("Mon-Fri")
    assert "one hour a week" in _refusal("Mon 09:00-09:59")
    parse_window("Mon 09:00-10:00")  # exactly one hour a week is enough


def test_W1_seat_window_set_shown_and_removed(world):
    assert world.json("seats", "set", "ada", "--window", "Mon-Fri 08:30-17:30")["window"] == "Mon-Fri 08:30-17:30"
    assert "Window: Mon-Fri 08:30-17:30" in world("seats", "show", "ada").stdout
    message = world.refused("seats", "set", "ada", "--window", "Sat 10:00-10:30", code="invalid_input")
    assert "30 minutes a week" in message
    world.refused("seats", "set", "ada", "--window", "Mon-Fri 8h-17h", code="invalid_input")
    assert world.json("seats", "show", "ada")["window"] == "Mon-Fri 08:30-17:30"
    assert world.json("seats", "set", "ada", "--no-window")["window"] is None


def test_W2_window_edges_exactly_at_opening_and_closing():
    window, paris = parse_window("Mon-Fri 09:00-17:00"), get_zone("Europe/Paris")  # CET: UTC+1 in December
    assert place(window, at("2026-12-01T08:00"), paris) == (at("2026-12-01T08:00"), None)  # 09:00: open
    assert place(window, at("2026-12-01T07:59"), paris) == (at("2026-12-01T08:00"), "window")
    assert place(window, at("2026-12-01T15:59"), paris) == (at("2026-12-01T15:59"), None)  # 16:59: open
    assert place(window, at("2026-12-01T16:00"), paris) == (at("2026-12-02T08:00"), "window")  # 17:00: closed
    assert place(window, at("2026-12-04T16:00"), paris) == (at("2026-12-07T08:00"), "window")  # Friday 17:00


def test_W2_followup_is_never_placed_past_28_days():
    window = parse_window("Mon 09:00-10:00")
    limit = at("2026-12-02T00:00")
    assert place(window, at("2026-12-01T12:00"), get_zone("UTC"), limit=limit) == (limit, "window")


def test_W2_DST_window_across_changes_in_both_hemispheres():
    # New York springs forward on Sunday 2027-03-14: 02:00 does not exist, the opening moves to 03:00 EDT (S4).
    assert place(parse_window("Sun 02:00-04:00"), at("2027-03-13T12:00"), get_zone("America/New_York"))[0] == at(
        "2027-03-14T07:00"
    )
    # Sydney falls back on Sunday 2027-04-04 03:00 AEDT: 02:00 happens twice, the opening is the first (AEDT).
    assert place(parse_window("Sun 02:00-04:00"), at("2027-04-03T00:00"), get_zone("Australia/Sydney"))[0] == at(
        "2027-04-03T15:00"
    )
    # Sydney springs forward on Sunday 2026-10-04: 02:00 does not exist, the opening is 03:00 AEDT.
    assert place(parse_window("Sun 02:00-04:00"), at("2026-10-03T00:00"), get_zone("Australia/Sydney"))[0] == at(
        "2026-10-03T16:00"
    )


def _times(doc):
    return {(t["candidate"], m["kind"]): m["send_at"] for t in doc["threads"] for m in t["messages"]}


def test_W2_followup_crossing_a_weekend_moves_to_monday(world):
    """Tuesday 08:00 London: --now waits for 09:00; a 4-day follow-up would land on Saturday and goes Monday 09:00,
    and the tick's F3 move keeps it there."""
    world("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00")
    draft = compose(world, "kat", followup="Again", after="4d")
    times = _times(world.json("schedule", draft["id"], "--now"))
    assert times == {("kat", "initial"): "2026-12-01T09:00:00Z", ("kat", "followup"): "2026-12-07T09:00:00Z"}
    world("tick", "--to", "2026-12-05T12:00")
    followup = world.json("inbox", "--folder", "scheduled")[0]
    assert followup["kind"] == "followup" and followup["send_at"] == "2026-12-07T09:00:00Z"
    assert world.json("tick", "--to", "2026-12-08T00:00")["sent"] == [followup["id"]]


def test_W2_auckland_and_honolulu_in_one_bulk(cli):
    """Friday 10:00 UTC is Friday 23:00 in Auckland (next opening Monday 09:00 NZDT, Sunday 20:00 UTC) and Friday
    00:00 in Honolulu (09:00 HST the same day, 19:00 UTC)."""
    cli("init", "--seat", "ada", "--tz", "Europe/Paris", "--simulated-clock", "2026-12-04T10:00Z")
    cli("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00")
    cli("candidates", "add", "mere", "--first-name", "Mere", "--last-name", "Ngata", "--tz", "Pacific/Auckland")
    cli("candidates", "add", "kai", "--first-name", "Kai", "--last-name", "Kealoha", "--tz", "Pacific/Honolulu")
    draft = compose(cli, "mere", "kai", followup="Again", after="3d")
    assert _times(cli.json("schedule", draft["id"], "--now")) == {
        ("mere", "initial"): "2026-12-06T20:00:00Z",
        ("mere", "followup"): "2026-12-09T20:00:00Z",
        ("kai", "initial"): "2026-12-04T19:00:00Z",
        ("kai", "followup"): "2026-12-07T19:00:00Z",
    }


def test_W2_explicit_at_is_kept_with_one_warning(world):
    world("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00")
    draft = compose(world, "kat", "alan")
    result = world("schedule", draft["id"], "--at", "2026-12-05T10:00", "--json")  # a Saturday
    assert {m["send_at"] for t in __import__("json").loads(result.stdout)["threads"] for m in t["messages"]} == {
        "2026-12-05T10:00:00Z"
    }
    lines = [line for line in result.stderr.splitlines() if "window" in line]
    assert len(lines) == 1 and "2 messages" in lines[0] and "kept" in lines[0]


def test_W2_reschedule_now_is_placed(world):
    world("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00")
    draft = compose(world, "kat")
    message = world.json("schedule", draft["id"], "--at", "2026-12-03T10:00")["threads"][0]["messages"][0]
    moved = world.json("reschedule", message["id"], "--now")["thread"]["messages"][0]
    assert moved["send_at"] == "2026-12-01T09:00:00Z"


def test_W3_country_is_checked_and_shown(world):
    assert world.json("candidates", "set", "kat", "--country", "us-ca")["country"] == "US-CA"
    world.refused("candidates", "set", "kat", "--country", "California", code="invalid_input")
    assert world.json("candidates", "set", "kat", "--country", "")["country"] is None


def test_W3_holiday_in_the_candidates_country_not_the_seats(cli):
    """Martin Luther King Jr. Day, Monday 2027-01-18, is a US holiday and not a British one: from Friday evening,
    the New Yorker (country from the zone: US) waits for Tuesday, the Londoner (GB) goes Monday."""
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", "2027-01-15T23:30Z")
    cli("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00", "--holidays")
    cli("candidates", "add", "grace", "--first-name", "Grace", "--last-name", "Hopper", "--tz", "America/New_York")
    cli("candidates", "add", "ada2", "--first-name", "Ada", "--last-name", "King", "--tz", "Europe/London")
    draft = compose(cli, "grace", "ada2")
    assert _times(cli.json("schedule", draft["id"], "--now")) == {
        ("grace", "initial"): "2027-01-19T14:00:00Z",
        ("ada2", "initial"): "2027-01-18T09:00:00Z",
    }


def test_W3_subdivision_holiday_US_CA(cli):
    """César Chávez Day, Wednesday 2027-03-31, is a holiday in California only."""
    cli("init", "--seat", "ada", "--tz", "America/Los_Angeles", "--simulated-clock", "2027-03-31T02:00Z")
    cli("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00", "--holidays")
    for handle, country in (("cal", "US-CA"), ("tex", "US")):
        cli(
            "candidates",
            "add",
            handle,
            "--first-name",
            handle,
            "--last-name",
            "X",
            "--tz",
            "America/Los_Angeles",
            "--country",
            country,
        )
    draft = compose(cli, "cal", "tex")
    assert _times(cli.json("schedule", draft["id"], "--now")) == {
        ("cal", "initial"): "2027-04-01T16:00:00Z",
        ("tex", "initial"): "2027-03-31T16:00:00Z",
    }


def test_W3_import_reads_a_country_column(cli, tmp_path):
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", "2026-12-01T08:00")
    path = tmp_path / "people.csv"
    path.write_text(
        "handle,first_name,last_name,timezone,country\nkim,Kim,Lee,America/Los_Angeles,us-ca\nbad,Bad,Row,,Narnia\n",
        encoding="utf-8",
    )
    cli.refused("candidates", "import", path, code="invalid_input")
    path.write_text(
        "handle,first_name,last_name,timezone,country\nkim,Kim,Lee,America/Los_Angeles,us-ca\n", encoding="utf-8"
    )
    cli("candidates", "import", path)
    assert cli.json("candidates", "show", "kim")["country"] == "US-CA"


def test_W2_resolve_resend_waits_for_the_window(world, tmp_path):
    """A message left unknown on a Friday evening and resent then goes at Monday's opening (grace: New York)."""
    from tests.support.delivery_helpers import script

    world("seats", "set", "ada", "--from", "Ada <ada@example.com>")
    world("candidates", "set", "grace", "--email", "grace@example.org")
    world("delivery", "set", "exec", "--command", str(script(tmp_path, "hang", hang=True)), "--timeout", "1")
    draft = compose(world, "grace")
    world.json("schedule", draft["id"], "--at", "2026-12-04T22:00Z")  # Friday 17:00 in New York
    assert world.json("tick", "--to", "2026-12-04T22:00Z")["unknown"] == [1]
    world("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00")
    resolved = world.json("resolve", 1, "--resend")
    assert resolved["status"] == "scheduled" and resolved["retry_at"] == "2026-12-07T14:00:00Z"


def test_W3_country_flag_of_add_and_set_is_an_ISO_country_with_a_known_subdivision(world):
    """ISO 3166 alpha-2 (tzdata's iso3166.tab), with a subdivision the holiday calendar knows; anything else is
    refused in one sentence and changes nothing."""
    assert (
        world.json("candidates", "add", "ines", "--first-name", "Ines", "--last-name", "Sa", "--country", "pt")[
            "country"
        ]
        == "PT"
    )
    message = world.refused(
        "candidates", "add", "zed", "--first-name", "Zed", "--last-name", "Z", "--country", "XX", code="invalid_input"
    )
    assert "XX is no ISO 3166 country" in message
    assert "US-ZZ" in world.refused("candidates", "set", "grace", "--country", "US-ZZ", code="invalid_input")
    world.refused("candidates", "set", "grace", "--country", "USA", code="invalid_input")
    assert world.json("candidates", "set", "grace", "--country", "gb-sct")["country"] == "GB-SCT"


def test_W3_import_country_flag_is_the_country_of_rows_that_name_none(cli, tmp_path):
    """`candidates import --country US-CA`: every row without a country (no column, or an empty cell) gets the
    flag's, a row's own country wins; a bad flag refuses the file before any row is read."""
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", "2026-12-01T08:00")
    plain = tmp_path / "plain.csv"
    plain.write_text("handle,first_name,last_name\nkim,Kim,Lee\n", encoding="utf-8")
    cli.refused("candidates", "import", plain, "--country", "Narnia", code="invalid_input")
    cli("candidates", "import", plain, "--country", "us-ca")
    assert cli.json("candidates", "show", "kim")["country"] == "US-CA"
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("handle,first_name,last_name,country\nann,Ann,Ray,\nbob,Bob,Ray,GB\n", encoding="utf-8")
    cli("candidates", "import", mixed, "--country", "US-NY")
    assert [cli.json("candidates", "show", h)["country"] for h in ("ann", "bob")] == ["US-NY", "GB"]


def test_W3_subdivision_holiday_through_the_country_flag_of_import_and_set(cli, tmp_path):
    """César Chávez Day, Wednesday 2027-03-31, closes the day for a candidate made Californian by
    `import --country US-CA` and for one made so by `candidates set --country US-CA`, not for a New Yorker by the flag (US-NY; zone Los Angeles)."""
    cli("init", "--seat", "ada", "--tz", "America/Los_Angeles", "--simulated-clock", "2027-03-31T02:00Z")
    cli("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00", "--holidays")
    path = tmp_path / "people.csv"
    path.write_text("handle,first_name,last_name,timezone\ncal,Cal,X,America/Los_Angeles\n", encoding="utf-8")
    cli("candidates", "import", path, "--country", "US-CA")
    for handle in ("set", "nyc"):
        cli("candidates", "add", handle, "--first-name", handle, "--last-name", "X", "--tz", "America/Los_Angeles")
    cli("candidates", "set", "set", "--country", "US-CA")
    cli("candidates", "set", "nyc", "--country", "US-NY")
    draft = compose(cli, "cal", "set", "nyc")
    assert _times(cli.json("schedule", draft["id"], "--now")) == {
        ("cal", "initial"): "2027-04-01T16:00:00Z",
        ("set", "initial"): "2027-04-01T16:00:00Z",
        ("nyc", "initial"): "2027-03-31T16:00:00Z",
    }


def test_W3_holidays_are_kept_per_country_and_year_in_the_cache_directory(tmp_path, monkeypatch):
    """The calendar of one country and year is built from the holidays package once and kept as a file; a damaged
    file is built again; what the file holds is what a later process reads."""
    from datetime import date

    from outreach_cli.services import placement

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(placement, "_YEARS", {})
    days = placement.holiday_days("US-CA", 2027)
    assert date(2027, 3, 31) in days and date(2027, 12, 25) in days
    [kept] = tmp_path.rglob("US-CA-2027.json")
    kept.write_text("not json", encoding="utf-8")
    monkeypatch.setattr(placement, "_YEARS", {})
    assert placement.holiday_days("US-CA", 2027) == days
    kept.write_text('["2027-03-30"]', encoding="utf-8")
    monkeypatch.setattr(placement, "_YEARS", {})
    assert placement.holiday_days("US-CA", 2027) == {date(2027, 3, 30)}
