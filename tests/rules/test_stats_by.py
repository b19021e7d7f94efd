"""stats --by week|month: R3's figures per period, in the seat's zone."""

import itertools

from tests.support.helpers import compose


def _play(world):
    draft = compose(world, "grace", "alan", "kat", followup="Again", after="7d")
    threads = {t["candidate"]: t for t in world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"]}
    world.json("tick", "--to", "2026-12-03")
    world.json("reply", threads["grace"]["id"])  # answers the initial: its follow-up is canceled
    world.json("tick", "--to", "2027-01-20")
    return threads


def test_R3_stats_by_week_adds_up_to_stats(world):
    _play(world)
    periods = world.json("stats", "--by", "week")
    whole = world.json("stats")
    assert periods[0]["period_start"] == "2026-11-30T00:00:00Z"  # the Monday, 00:00 London (GMT)
    for before, after in itertools.pairwise(periods):
        assert before["period_end"] == after["period_start"]
    for field in ("sent", "sent_initial", "sent_followup", "responses", "credits_charged", "credits_refunded"):
        assert sum(p[field] for p in periods) == whole[field], field
    first, second = periods[0], periods[1]
    assert (first["sent"], first["responses"], first["response_rate"]) == (3, 1, round(1 / 3, 4))
    assert (second["sent"], second["responses"]) == (2, 0)  # the two follow-ups on 9 December


def test_R3_stats_by_month_in_the_seat_zone(world):
    _play(world)
    periods = world.json("stats", "--by", "month")
    assert [p["period_start"][:10] for p in periods] == ["2026-12-01", "2027-01-01"]
    assert periods[0]["sent"] == 5 and periods[1]["sent"] == 0


def test_R3_stats_by_week_draws_a_bar_chart(world):
    _play(world)
    text = world("stats", "--by", "week").stdout
    assert "█" in text and "▒" in text and "2026-11-30" in text


def test_R3_stats_by_with_nothing_sent(world):
    assert world.json("stats", "--by", "week") == []
    assert "nothing sent" in world("stats", "--by", "month").stdout


def test_R3_stats_by_refusals(world):
    world.refused("stats", "--by", "year", code="invalid_input")
    world.refused("stats", "--by", "week", "--since", "whenever", code="invalid_time")


def test_R3_stats_by_names_each_period_by_its_local_first_day_in_any_zone(cli):
    """A seat west of UTC: its weeks start at local midnight, a UTC time of day, shown as the local date."""
    cli(
        "init",
        "--seat",
        "bea",
        "--tz",
        "America/Argentina/Buenos_Aires",
        "--credits",
        "10",
        "--simulated-clock",
        "2026-12-01T09:00",
    )
    cli("candidates", "add", "kat", "--first-name", "Katherine", "--last-name", "Johnson")
    draft = cli.json("compose", "--to", "kat", "--subject", "Hi", "--body", "Hello")
    cli.json("schedule", draft["id"], "--at", "2026-12-02T10:00")
    cli.json("tick", "--by", "2d")
    periods = cli.json("stats", "--by", "week")
    assert periods[0]["period_start"] == "2026-11-30T03:00:00Z" and periods[0]["first_day"] == "2026-11-30"
    shown = cli("stats", "--by", "week").stdout
    assert "2026-11-30" in shown and "03:00Z" not in shown
