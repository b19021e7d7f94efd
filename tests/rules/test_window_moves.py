"""W2 for what the tick picks (a D5 retry, a follow-up's F3 moment) and W7: the window's and the holidays' moves
in `tick --dry-run`, `agenda` and the tick report. The world's clock is simulated and starts on Tuesday
1 December 2026, 08:00 UTC; kat has no zone, so she gets the seat's (Europe/London: UTC in winter, GB)."""

from __future__ import annotations

import pytest

from tests.support.helpers import compose

SENDER = "Ada Lovelace <ada@example.com>"


@pytest.fixture
def mailing(world, smtp_server):
    """Seat ada with a sender address and a window, kat with an email, and a server that answers 451."""
    world("seats", "set", "ada", "--from", SENDER, "--window", "Mon-Fri 09:00-17:00")
    world("candidates", "set", "kat", "--email", "kat@example.org")
    server = smtp_server(answer="451")
    world("delivery", "set", "smtp", "--host", "127.0.0.1", "--port", server.port, "--security", "none", "--timeout", 5)
    return world, server


def _row(cli, message_id):
    db = cli.db()
    row = dict(db.one("SELECT * FROM messages WHERE id = ?", (message_id,)))
    db.close()
    return row


def _schedule(cli, handle, at, followup=None, after=None):
    draft = compose(cli, handle, followup=followup, after=after)
    return cli.json("schedule", draft["id"], "--at", at, "--tz", "UTC")["threads"][0]["messages"]


def test_W2_D5_retry_outside_the_window_waits_for_the_next_opening(mailing, smtp_server):
    """Friday 16:58: the server answers 451, and D5's retry at 17:03 is after the window closes: it moves to Monday
    09:00 (reported `moved`, reason window), where it is attempted and goes."""
    world, server = mailing
    message = _schedule(world, "kat", "2026-12-04 16:58")[0]
    report = world.json("tick", "--to", "2026-12-04 23:00")
    assert report["retrying"] == [message["id"]]
    assert report["moved"] == [
        {"id": message["id"], "from": "2026-12-04T17:03:00Z", "to": "2026-12-07T09:00:00Z", "reason": "window"}
    ]
    assert _row(world, message["id"])["retry_at_utc"] == "2026-12-07T09:00:00Z"
    assert len(server.messages()) == 1  # nothing attempted at night or over the weekend
    server.stop()
    accepting = smtp_server(port=server.port)
    report = world.json("tick", "--to", "2026-12-07 12:00")
    assert report["sent"] == [message["id"]]
    sent = _row(world, message["id"])
    assert (sent["status"], sent["attempts"], sent["sent_at_utc"]) == ("sent", 2, "2026-12-07T09:00:00Z")
    assert len(accepting.messages()) == 1


def test_W2_D5_retry_the_window_puts_past_24_hours_is_still_attempted_then_given_up(mailing):
    """The 24-hour give-up counts from the first attempt but is judged at an attempt: the retry the window moved
    to Monday 09:00 (64 hours on) is made; failing again there, it fails (given up) and is refunded."""
    world, server = mailing
    message = _schedule(world, "kat", "2026-12-04 16:58")[0]
    world.json("tick", "--to", "2026-12-04 23:00")
    before = world.json("credits")["seat"]["balance"]
    report = world.json("tick", "--to", "2026-12-07 12:00")
    assert len(server.messages()) == 2  # the attempt at the opening was made
    failed = _row(world, message["id"])
    assert (failed["status"], failed["attempts"], failed["last_attempt_utc"]) == ("failed", 2, "2026-12-07T09:00:00Z")
    assert "given up" in failed["failure"] and failed["credit"] == "refunded"
    assert [item["id"] for item in report["failed"]] == [message["id"]]
    assert world.json("credits")["seat"]["balance"] == before + 1


def test_W2_D5_retry_on_a_holiday_moves_past_it(mailing):
    """Thursday 24 December 16:58 with --holidays: the retry at 17:03 would wait for Friday, Christmas Day, and
    Monday 28 is Boxing Day (observed) in GB: it goes on Tuesday 29 December 09:00, reason holiday."""
    world, _server = mailing
    world("seats", "set", "ada", "--holidays")
    message = _schedule(world, "kat", "2026-12-24 16:58")[0]
    report = world.json("tick", "--to", "2026-12-24 23:00")
    assert report["moved"] == [
        {"id": message["id"], "from": "2026-12-24T17:03:00Z", "to": "2026-12-29T09:00:00Z", "reason": "holiday"}
    ]


def _move_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "move message" in line]


def test_W7_dry_run_agenda_and_tick_show_a_window_move(world):
    """A follow-up due on Saturday (scheduled before the seat had a window): when its initial goes, F3 places it
    again and the window moves it to Monday 09:00. The dry run and the agenda show it, text and JSON, and change
    nothing; the tick then makes exactly that move."""
    initial, followup = _schedule(world, "kat", "2026-12-01 10:00", followup="Again?", after="4d")
    assert followup["send_at"] == "2026-12-05T10:00:00Z"
    world("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00")
    before = world.snapshot()
    move = {"id": followup["id"], "from": "2026-12-05T10:00:00Z", "to": "2026-12-07T09:00:00Z", "reason": "window"}
    assert world.json("tick", "--dry-run", "--to", "2026-12-01 12:00")["moved"] == [move]
    assert _move_lines(world("tick", "--dry-run", "--to", "2026-12-01 12:00").stdout) == [
        f"would move message {followup['id']} 2026-12-05 10:00Z -> 2026-12-07 09:00Z (window)"
    ]
    days = {day["date"]: day for day in world.json("agenda", "--days", "7")}
    assert days["2026-12-05"]["moved"] == [move]
    assert all(day["moved"] == [] for date, day in days.items() if date != "2026-12-05")
    assert "moved: 1 window" in world("agenda", "--days", "7").stdout
    assert world.snapshot() == before
    report = world.json("tick", "--to", "2026-12-01 12:00")
    assert report["sent"] == [initial["id"]] and report["moved"] == [move]
    assert world.json("inbox", "--folder", "scheduled")[0]["send_at"] == "2026-12-07T09:00:00Z"


def test_W7_dry_run_agenda_and_tick_show_a_holiday_move(world):
    """A follow-up due on Christmas Day, a Friday inside the window: once the seat turns --holidays on, F3's
    placement moves it past Christmas and Boxing Day (observed, Monday 28) to Tuesday 29 December, reason
    holiday, in the dry run, the agenda and the tick."""
    world("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00")
    initial, followup = _schedule(world, "kat", "2026-12-22 10:00", followup="Again?", after="3d")
    assert followup["send_at"] == "2026-12-25T10:00:00Z"
    world("seats", "set", "ada", "--holidays")
    world("clock", "set", "2026-12-22T08:00")
    move = {"id": followup["id"], "from": "2026-12-25T10:00:00Z", "to": "2026-12-29T09:00:00Z", "reason": "holiday"}
    assert world.json("tick", "--dry-run", "--to", "2026-12-22 12:00")["moved"] == [move]
    assert _move_lines(world("tick", "--dry-run", "--to", "2026-12-22 12:00").stdout) == [
        f"would move message {followup['id']} 2026-12-25 10:00Z -> 2026-12-29 09:00Z (holiday)"
    ]
    days = {day["date"]: day for day in world.json("agenda", "--days", "5")}
    assert days["2026-12-25"]["moved"] == [move]
    assert "moved: 1 holiday" in world("agenda", "--days", "5").stdout
    report = world.json("tick", "--to", "2026-12-22 12:00")
    assert report["sent"] == [initial["id"]] and report["moved"] == [move]
