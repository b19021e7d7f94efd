"""agenda: the coming days against the daily limit (K2) and the refresh day (C9), decided as a tick would."""

from tests.support.helpers import compose


def _day(days, date):
    return next(d for d in days if d["date"] == date)


def test_K2_agenda_marks_the_day_the_daily_limit_cancels_and_matches_the_tick(world):
    world("seats", "set", "ada", "--daily-limit", "2")
    draft = compose(world, "grace", "alan", "kat", followup="Again", after="3d")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")  # three initials on one London day
    before = world.snapshot()
    days = world.json("agenda", "--days", "7")
    assert world.snapshot() == before  # the agenda changes nothing
    assert [d["date"] for d in days] == [f"2026-12-0{n}" for n in range(1, 8)]
    assert set(days[0]) >= {"date", "initials", "followups", "daily_limit", "over_limit", "refresh"}
    wednesday = _day(days, "2026-12-02")
    assert (wednesday["initials"], wednesday["followups"], wednesday["daily_limit"], wednesday["over_limit"]) == (
        3,
        0,
        2,
        1,
    )
    saturday = _day(days, "2026-12-05")  # the canceled initial's follow-up is not due (F5)
    assert (saturday["followups"], saturday["over_limit"], saturday["canceled_other"]) == (2, 0, 1)
    assert sum(d["over_limit"] for d in days) == 1
    # the real tick, day by day, cancels exactly what the agenda said
    canceled = world.json("tick", "--to", "2026-12-08T00:00")["canceled"]
    assert [c["reason"] for c in canceled].count("daily_limit") == 1


def test_K2_agenda_counts_follow_ups_and_initials_together(world):
    world("seats", "set", "ada", "--daily-limit", "1")
    first = compose(world, "grace", followup="Again", after="3d")
    world.json("schedule", first["id"], "--at", "2026-12-02T09:00")  # follow-up on Saturday 5th
    second = compose(world, "kat")
    world.json("schedule", second["id"], "--at", "2026-12-05T10:00")  # an initial the same day
    saturday = _day(world.json("agenda"), "2026-12-05")
    assert (saturday["initials"], saturday["followups"], saturday["over_limit"]) == (1, 1, 1)
    dry = world.json("tick", "--to", "2026-12-06T00:00", "--dry-run")
    assert dry["canceled"] == [{"id": 3, "reason": "daily_limit"}]  # the follow-up went first (K1)


def test_C9_agenda_shows_the_refresh_day_and_the_year(world):
    days = world.json("agenda", "--days", "40")
    assert [d["date"] for d in days if d["refresh"]] == ["2027-01-01"]  # refresh day 1, at 00:00 London
    text = world("agenda", "--days", "40").stdout
    assert "Fri 01 Jan 2027" in text and "Tue 01 Dec " in text and "Tue 01 Dec 2026" not in text
    assert "refresh" in text


def test_K2_agenda_for_another_seat_in_its_own_zone(world):
    world("seats", "add", "ben", "--tz", "Australia/Sydney", "--daily-limit", "5")
    days = world.json("agenda", "--seat", "ben", "--days", "2")
    assert days[0]["date"] == "2026-12-01" and days[0]["daily_limit"] == 5  # 08:00 London is 19:00 in Sydney


def test_K2_agenda_on_the_system_clock_changes_nothing(cli):
    cli("init", "--seat", "ada", "--tz", "UTC")
    cli("candidates", "add", "grace", "--first-name", "Grace", "--last-name", "Hopper")
    draft = compose(cli, "grace")
    cli.json("schedule", draft["id"], "--at", "+2d")
    before = cli.snapshot()
    days = cli.json("agenda", "--days", "4")
    assert sum(d["initials"] for d in days) == 1 and cli.snapshot() == before


def test_agenda_refusals(world):
    for days in ("0", "367", "abc", "1.5"):
        world.refused("agenda", "--days", days, code="invalid_input")
    world.refused("agenda", "--seat", "nobody", code="not_found")
