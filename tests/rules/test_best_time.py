"""W6: --at best from the seat's own history, smoothed so that luck cannot win, and stats --by hour."""

from datetime import UTC, datetime

from outreach_cli.besttime import PRIOR_WEIGHT, Rates, best_moment
from outreach_cli.timeparse import get_zone
from tests.support.helpers import compose

UTC = UTC
NOW = datetime(2026, 12, 4, 10, tzinfo=UTC)  # a Friday
LONDON = get_zone("Europe/London")


def _history(*slots):
    """(weekday, hour, sent, answered) -> rows of Rates."""
    return Rates([(day, hour, i < answered) for day, hour, sent, answered in slots for i in range(sent)])


def test_W6_no_history_is_the_next_tuesday_to_thursday_morning():
    moment, figures = best_moment(Rates([]), NOW, LONDON, lambda instant: instant)
    assert moment == datetime(2026, 12, 8, 9, tzinfo=UTC)
    assert figures == {"weekday": "Tue", "hour": 9, "sent": 0, "responses": 0, "rate": 0.0}
    # On a Tuesday at 09:30 the lead of one hour gives 10:30 the same day.
    moment, _ = best_moment(Rates([]), datetime(2026, 12, 8, 9, 30, tzinfo=UTC), LONDON, lambda i: i)
    assert moment == datetime(2026, 12, 8, 10, 30, tzinfo=UTC)


def test_W6_a_clearly_winning_slot_beats_a_lucky_two_of_two():
    rates = _history((2, 14, 30, 18), (0, 10, 30, 2), (3, 16, 2, 2))  # Wed 14h 18/30, Mon 10h 2/30, Thu 16h 2/2
    overall = 22 / 62
    assert rates.rate(3, 16) == (2 + PRIOR_WEIGHT * overall) / (2 + PRIOR_WEIGHT)  # the formula of docs
    assert rates.rate(2, 14) > rates.rate(3, 16) > overall > rates.rate(0, 10)
    moment, figures = best_moment(rates, NOW, LONDON, lambda instant: instant)
    assert moment == datetime(2026, 12, 9, 14, tzinfo=UTC)
    assert figures == {"weekday": "Wed", "hour": 14, "sent": 30, "responses": 18, "rate": round(rates.rate(2, 14), 4)}


def test_W6_a_lucky_slot_alone_stays_near_the_overall_rate():
    """2 of 2 at Thursday 16h (raw 100%) is smoothed to about 51% toward the overall 41%; the solid 60 of 100 on
    Tuesday 09h (raw 60%, smoothed 58%) wins."""
    lucky = _history((3, 16, 2, 2), (1, 9, 100, 60), (2, 9, 100, 20))
    assert lucky.rate(3, 16) < lucky.rate(1, 9)
    moment, figures = best_moment(lucky, NOW, LONDON, lambda instant: instant)
    assert (figures["weekday"], figures["hour"]) == ("Tue", 9) and moment == datetime(2026, 12, 8, 9, tzinfo=UTC)


def test_W6_best_slot_respects_the_window(cli):
    """A slot that the window closes is never picked: the best open one is."""
    rates = _history((5, 10, 30, 25), (2, 14, 30, 20), (0, 10, 30, 1))  # Saturday 10h would win
    from outreach_cli.window import parse_window, place

    window = parse_window("Mon-Fri 09:00-17:00")
    moment, figures = best_moment(rates, NOW, LONDON, lambda instant: place(window, instant, LONDON)[0])
    assert (figures["weekday"], figures["hour"]) == ("Wed", 14) and moment == datetime(2026, 12, 9, 14, tzinfo=UTC)


def _sent_at(cli, handles, at):
    draft = compose(cli, *handles)
    threads = cli.json("schedule", draft["id"], "--at", at)["threads"]
    return [t["id"] for t in threads]


def test_W6_at_best_from_the_seats_history_and_stats_by_hour(cli, monkeypatch):
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", "2026-11-01T08:00")
    handles = [f"p{i}" for i in range(7)]
    for handle in handles:
        cli("candidates", "add", handle, "--first-name", "P", "--last-name", handle, "--tz", "Europe/London")
    wednesday = _sent_at(cli, handles[:3], "2026-11-04T14:10")  # Wed 14h: 3 of 3 answered
    _sent_at(cli, handles[3:6], "2026-11-09T10:10")  # Mon 10h: none answered
    cli("tick", "--to", "2026-11-04T15:00")
    for thread in wednesday:
        cli("reply", thread)
    cli("tick", "--to", "2026-12-04T10:00")  # a Friday
    draft = compose(cli, "p6")
    message = cli.json("schedule", draft["id"], "--at", "best")["threads"][0]["messages"][0]
    assert message["send_at"] == "2026-12-09T14:00:00Z" and message["timezone_source"] == "best"
    assert message["best"] == {
        "weekday": "Wed",
        "hour": 14,
        "sent": 3,
        "responses": 3,
        "rate": round((3 + PRIOR_WEIGHT * 0.5) / 13, 4),
    }
    moved = cli.json("reschedule", message["id"], "--at", "best")["thread"]["messages"][0]
    assert moved["send_at"] == "2026-12-09T14:00:00Z" and moved["best"]["hour"] == 14

    doc = cli.json("stats", "--by", "hour")
    assert doc["sent"] == 6 and doc["responses"] == 3 and len(doc["slots"]) == 7 * 24
    heat = cli("stats", "--by", "hour").stdout
    assert max(len(line) for line in heat.splitlines()) <= 80 and "Wed " in heat and "█" in heat
    monkeypatch.setenv("COLUMNS", "40")
    table = cli("stats", "--by", "hour").stdout
    assert max(len(line) for line in table.splitlines()) <= 40 and "Wed 14h" in table and "█" not in table
