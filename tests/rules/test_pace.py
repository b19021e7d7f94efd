"""W4 pace and W5 catch-up: the tick moves messages later, never cancels or refunds them, and says so."""

from tests.support.helpers import balance, compose


def _schedule(cli, handles, at):
    draft = compose(cli, *handles)
    return [t["messages"][0]["id"] for t in cli.json("schedule", draft["id"], "--at", at)["threads"]]


def _people(cli, count):
    handles = [f"p{i}" for i in range(count)]
    for handle in handles:
        cli("candidates", "add", handle, "--first-name", "P", "--last-name", handle)
    return handles


def test_W4_pace_across_an_hour_boundary(cli):
    """Five messages due at 09:40 with two an hour: two go at 09:40, two at 10:00 (the next hour), one at 11:00;
    nothing is canceled or refunded."""
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", "2026-12-01T08:00")
    cli("seats", "set", "ada", "--max-per-hour", "2")
    ids = _schedule(cli, _people(cli, 5), "2026-12-01T09:40")
    credits = balance(cli)
    report = cli.json("tick", "--to", "2026-12-01T12:00")
    assert sorted(report["sent"]) == ids and report["canceled"] == [] and report["refunded"] == 0
    sent = {m["id"]: m["sent_at"] for m in cli.json("inbox", "--folder", "sent")}
    assert sorted(sent.values()) == ["2026-12-01T09:40:00Z"] * 2 + ["2026-12-01T10:00:00Z"] * 2 + [
        "2026-12-01T11:00:00Z"
    ]
    reasons = {(m["id"], m["to"], m["reason"]) for m in report["moved"]}
    assert ("2026-12-01T10:00:00Z", "pace") in {(to, why) for _id, to, why in reasons}
    assert balance(cli) == credits


def test_W4_pace_leaves_the_rest_scheduled_when_the_tick_ends_in_the_hour(cli):
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", "2026-12-01T08:00")
    cli("seats", "set", "ada", "--max-per-hour", "1")
    _schedule(cli, _people(cli, 3), "2026-12-01T09:00")
    report = cli.json("tick", "--to", "2026-12-01T09:30")
    assert len(report["sent"]) == 1
    left = cli.json("inbox", "--folder", "scheduled")
    assert [m["send_at"] for m in left] == ["2026-12-01T10:00:00Z"] * 2
    cli.refused("seats", "set", "ada", "--max-per-hour", "-1", code="invalid_input")


def test_W5_catch_up_after_a_3_day_gap_on_the_system_clock(cli, real_time):
    """Friday 16:30's messages found on Monday 08:00 (the laptop slept): they go at the window's opening, 09:00,
    paced by W4 (two an hour), not in one burst; the report lists each move with its reason."""
    real_time("2026-12-04T16:00")
    cli("init", "--seat", "ada", "--tz", "Europe/London")
    cli("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00", "--max-per-hour", "2")
    ids = _schedule(cli, _people(cli, 3), "2026-12-04T16:30")
    real_time("2026-12-07T08:00")
    report = cli.json("tick")
    assert report["sent"] == []
    assert report["moved"] == [
        {"id": i, "from": "2026-12-04T16:30:00Z", "to": "2026-12-07T09:00:00Z", "reason": "catch_up"} for i in ids
    ]
    real_time("2026-12-07T09:05")
    report = cli.json("tick")
    assert report["sent"] == ids[:2]
    assert report["moved"] == [
        {"id": ids[2], "from": "2026-12-07T09:00:00Z", "to": "2026-12-07T10:00:00Z", "reason": "pace"}
    ]


def test_W5_catch_up_threshold_is_set_per_seat(cli, real_time):
    real_time("2026-12-04T16:00")
    cli("init", "--seat", "ada", "--tz", "Europe/London")
    cli("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00", "--catch-up", "24")
    late = _schedule(cli, _people(cli, 1), "2026-12-04T16:30")
    real_time("2026-12-05T08:00")  # Saturday, 15.5 hours late: under ada's 24 hours, so no catch-up
    report = cli.json("tick")
    assert report["sent"] == late and "moved" not in report


def test_W7_dry_run_and_agenda_show_the_moves_with_their_reasons(cli, real_time):
    """On Friday evening... the laptop sleeps; Monday 08:00's dry run and agenda show what the tick will do."""
    real_time("2026-12-04T16:00")
    cli("init", "--seat", "ada", "--tz", "Europe/London")
    cli("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00", "--max-per-hour", "1")
    ids = _schedule(cli, _people(cli, 2), "2026-12-04T16:30")
    real_time("2026-12-07T08:00")
    before = cli.snapshot()
    dry = cli.json("tick", "--dry-run")
    assert [(m["id"], m["reason"]) for m in dry["moved"]] == [(i, "catch_up") for i in ids]
    shown = cli("tick", "--dry-run").stdout
    assert f"would move message {ids[0]} 2026-12-04 16:30Z -> 2026-12-07 09:00Z (catch_up)" in shown
    days = cli.json("agenda", "--days", "2")
    reasons = sorted(m["reason"] for m in days[0]["moved"])
    assert reasons == ["catch_up", "catch_up", "pace"]  # the second also waits an hour for the pace
    assert "moved: 2 catch_up, 1 pace" in cli("agenda", "--days", "2").stdout
    assert cli.snapshot() == before


def test_W4_W2_a_message_paced_past_the_windows_closing_waits_for_its_next_opening(cli):
    """Three at Friday 16:30 with two an hour and a Mon-Fri 09:00-17:00 window: the third is not sent at 17:00
    (the window is closed then, W2) but at Monday's opening; the move is reported once, reason pace."""
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", "2026-12-04T08:00")
    cli("seats", "set", "ada", "--window", "Mon-Fri 09:00-17:00", "--max-per-hour", "2")
    ids = _schedule(cli, _people(cli, 3), "2026-12-04T16:30")
    report = cli.json("tick", "--to", "2026-12-07T12:00")
    assert sorted(report["sent"]) == ids
    assert report["moved"] == [
        {"id": ids[2], "from": "2026-12-04T16:30:00Z", "to": "2026-12-07T09:00:00Z", "reason": "pace"}
    ]
    sent = {m["id"]: m["sent_at"] for m in cli.json("inbox", "--folder", "sent")}
    assert sent[ids[2]] == "2026-12-07T09:00:00Z"
