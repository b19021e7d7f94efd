"""F1-F6: follow-ups."""

from tests.support.helpers import balance, compose


def test_F1_lite_seat_cannot_add_followup(world):
    world("seats", "add", "bo", "--plan", "lite")
    draft = world.json("compose", "--seat", "bo", "--to", "kat", "--subject", "Hi", "--body", "Hello")
    world.refused("followup", draft["id"], "--body", "Again", code="followup_not_available")


def test_F2_delay_bounds_and_forms(world):
    draft = compose(world, "kat")
    for text, hours in (("72h", 72), ("3d", 72), ("3d12h", 84), ("1w", 168), ("28d", 672)):
        assert (
            world.json("followup", draft["id"], "--body", "Again", "--after", text)["followup"]["delay_hours"] == hours
        )
    for text in ("71h", "2d", "29d", "5w", "3x", "90m"):
        world.refused("followup", draft["id"], "--after", text, code="invalid_delay")


def test_F2_default_delay_is_seven_days(world):
    draft = compose(world, "kat", followup="Again")
    assert draft["followup"]["delay_hours"] == 168
    assert draft["followup"]["subject"] == "Re: Hello {first_name}"


def test_F2_followup_can_be_changed_and_removed(world):
    draft = compose(world, "kat", followup="Again")
    changed = world.json("followup", draft["id"], "--subject", "Still there?", "--after", "4d")
    assert changed["followup"] == {"subject": "Still there?", "body": "Again", "delay_hours": 96}
    assert world.json("followup", draft["id"], "--remove")["followup"] is None


def test_F3_delay_counts_from_actual_send(cli):
    """On the system clock a tick that runs late sends late, and the follow-up moves with it."""
    from datetime import timedelta

    from outreach_cli.clock import SystemClock
    from outreach_cli.services.tick import tick

    cli("init", "--tz", "Europe/London")
    cli("candidates", "add", "kat", "--first-name", "Katherine", "--last-name", "Johnson")
    draft = compose(cli, "kat", followup="Again", after="3d")
    initial, followup = cli.json("schedule", draft["id"], "--at", "+1h")["threads"][0]["messages"]

    class LateClock(SystemClock):  # the real clock, two days on: a tick that runs late
        def now(self):
            return super().now() + timedelta(days=2)

    db = cli.db()
    report = tick(db, clock=LateClock())
    assert report["sent"] == [initial["id"]]
    sent_at = db.value("SELECT sent_at_utc FROM messages WHERE id = ?", (initial["id"],))
    moved = db.value("SELECT send_at_utc FROM messages WHERE id = ?", (followup["id"],))
    assert sent_at > initial["send_at"]
    from outreach_cli.timeparse import from_text

    assert from_text(moved) - from_text(sent_at) == timedelta(hours=72)


def test_F3_simulated_clock_followup_follows_initial(world):
    draft = compose(world, "kat", followup="Again", after="3d")
    threads = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"]
    initial, followup = threads[0]["messages"]
    assert followup["send_at"] == "2026-12-05T09:00:00Z"
    assert followup["delay_hours"] == 72
    world.json("reschedule", initial["id"], "--at", "2026-12-04T09:00")
    thread = world.json("thread", threads[0]["id"])
    assert thread["messages"][1]["send_at"] == "2026-12-07T09:00:00Z"


def test_F4_response_cancels_followup(world):
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world.json("tick", "--to", "2026-12-03T09:00")
    replied = world.json("reply", thread["id"])
    assert replied["messages"][1]["status"] == "canceled"
    assert replied["messages"][1]["cancel_reason"] == "responded"
    tick = world.json("tick", "--by", "2w")
    assert tick["sent"] == []


def test_F5_followup_of_unsent_initial_is_canceled(world):
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world("candidates", "opt-out", "kat")
    tick = world.json("tick", "--to", "2026-12-03T00:00")
    reasons = {c["id"]: c["reason"] for c in tick["canceled"]}
    initial, followup = (m["id"] for m in thread["messages"])
    assert reasons == {initial: "recipient_unavailable", followup: "initial_not_sent"}
    assert tick["refunded"] == 2


def test_F5_user_cancel_of_initial_cancels_followup(world):
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    result = world.json("cancel", thread["messages"][0]["id"])
    assert [c["reason"] for c in result["canceled"]] == ["canceled", "initial_not_sent"]


def test_F6_automation_disabled_cancels_and_refuses(world):
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world("contract", "set", "--followups", "off")
    start = balance(world)
    tick = world.json("tick", "--to", "2026-12-20")
    assert {"id": thread["messages"][1]["id"], "reason": "automation_disabled"} in tick["canceled"]
    assert balance(world) == start + 1
    other = compose(world, "grace")
    world.refused("followup", other["id"], "--body", "Again", code="automation_disabled")
