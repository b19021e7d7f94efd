"""K1-K8: tick and the clock."""

from tests.support.helpers import balance, compose


def test_K1_sends_in_order_with_followups_first_on_ties(world):
    a = compose(world, "kat", followup="Again", after="3d")
    world.json("schedule", a["id"], "--at", "2026-12-02T09:00")
    b = compose(world, "grace", "alan")
    world.json("schedule", b["id"], "--at", "2026-12-05T09:00")  # same instant as a's follow-up
    tick = world.json("tick", "--to", "2026-12-06")
    # kat's initial (1), then at 12-05 09:00 the follow-up (2) before the initials (3, 4).
    assert tick["sent"] == [1, 2, 3, 4]
    assert tick["to"] == "2026-12-06T00:00:00Z"
    assert world.json("clock")["now"] == "2026-12-06T00:00:00Z"
    sent = world.json("inbox", "--folder", "sent")
    assert all(m["sent_at"] == m["send_at"] for m in sent)


def test_K2_daily_limit_cancels_refunds_and_can_reschedule(world):
    world("seats", "set", "ada", "--daily-limit", "2")
    draft = compose(world, "grace", "alan", "kat")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    start = balance(world)
    tick = world.json("tick", "--to", "2026-12-03")
    assert len(tick["sent"]) == 2
    assert tick["canceled"] == [{"id": 3, "reason": "daily_limit"}]  # same instant: by id, kat is last
    assert balance(world) == start + 1
    awaiting = world.json("inbox", "--folder", "awaiting-reply")
    assert [(m["id"], m["status"]) for m in awaiting if m["status"] == "canceled"] == [(3, "canceled")]
    again = world.json("reschedule", "3", "--at", "2026-12-03T09:00")
    assert again["credits_charged"] == 1 and balance(world) == start
    assert world.json("tick", "--to", "2026-12-04")["sent"] == [3]


def test_K2_daily_limit_counts_the_seats_local_day(cli):
    cli("init", "--tz", "Asia/Tokyo", "--daily-limit", "1", "--simulated-clock", "2026-12-01T00:00")
    cli("candidates", "add", "a", "--first-name", "A", "--last-name", "A")
    cli("candidates", "add", "b", "--first-name", "B", "--last-name", "B")
    # 23:30 and 00:30 Tokyo time are different local days though the same UTC day.
    cli.json("schedule", compose(cli, "a")["id"], "--at", "2026-12-02 23:30")
    cli.json("schedule", compose(cli, "b")["id"], "--at", "2026-12-03 00:30")
    tick = cli.json("tick", "--to", "2026-12-04")
    assert len(tick["sent"]) == 2 and tick["canceled"] == []


def test_K3_restricted_seat_sends_nothing_and_cannot_schedule(world):
    draft = compose(world, "kat")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world("seats", "restrict", "ada")
    other = compose(world, "grace")  # composing still works
    world.refused("schedule", other["id"], "--at", "+1d", code="seat_restricted")
    tick = world.json("tick", "--to", "2026-12-03")
    assert tick["canceled"] == [{"id": 1, "reason": "sender_restricted"}]
    world("seats", "unrestrict", "ada")
    assert world.json("schedule", other["id"], "--at", "+1d")["credits_charged"] == 1


def test_K4_opted_out_and_out_of_network(world):
    world("candidates", "opt-out", "kat")
    draft = compose(world, "kat")
    world.refused("schedule", draft["id"], "--at", "+1d", code="candidate_opted_out")
    world("candidates", "add", "far", "--first-name", "F", "--last-name", "R", "--out-of-network")
    world("seats", "add", "bo", "--plan", "lite")
    lite = world.json("compose", "--seat", "bo", "--to", "far", "--subject", "Hi", "--body", "Hello")
    world.refused("schedule", lite["id"], "--at", "+1d", code="out_of_network")
    recruiter = compose(world, "far")
    assert world.json("schedule", recruiter["id"], "--at", "+1d")["credits_charged"] == 1


def test_K4_removed_candidate_receives_nothing(world):
    draft = compose(world, "grace", followup="Again")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    start = balance(world)
    result = world.json("candidates", "remove", "grace")
    assert result["removed"] is True
    assert balance(world) == start + 2
    assert world.json("tick", "--to", "2026-12-20")["sent"] == []
    world.refused("candidates", "show", "grace", code="not_found")
    assert world.json("doctor")["ok"] is True


def test_K5_second_tick_does_not_resend(world):
    draft = compose(world, "grace", "alan", "kat")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    assert len(world.json("tick", "--to", "2026-12-03")["sent"]) == 3
    assert world.json("tick")["sent"] == []


def test_K5_interrupted_tick_is_finished_by_the_next(world):
    """A tick killed after its first batch leaves its target recorded; a plain tick finishes."""
    from outreach_cli import repo

    draft = compose(world, "grace", "alan", "kat")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    db = world.db()
    with db.transaction():  # what a killed `tick --to 2026-12-03` leaves behind after recording its target
        repo.set_setting(db, "tick_target_utc", "2026-12-03T00:00:00Z")
    tick = world.json("tick")
    assert tick["to"] == "2026-12-03T00:00:00Z" and len(tick["sent"]) == 3


def test_K6_nothing_due_changes_nothing(world):
    before = world.snapshot()
    tick = world.json("tick")
    assert (tick["sent"], tick["canceled"], tick["refunded"]) == ([], [], 0)
    assert world.snapshot() == before
    assert "nothing due" in world("tick").stdout


def test_K6_dry_run_changes_nothing(world):
    draft = compose(world, "kat", followup="Again")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    before = world.snapshot()
    tick = world.json("tick", "--by", "31d", "--dry-run")
    assert tick["dry_run"] is True and tick["sent"] == [1, 2] and tick["refreshes"]
    assert world.snapshot() == before


def test_K6_durations_and_targets(world):
    assert world.json("tick", "--by", "1d12h")["to"] == "2026-12-02T20:00:00Z"
    assert world.json("tick", "--by", "30m")["to"] == "2026-12-02T20:30:00Z"
    assert world.json("tick", "--to", "2026-12-02T20:30")["to"] == "2026-12-02T20:30:00Z"  # equal to now
    world.refused("tick", "--to", "2026-12-01", code="invalid_time")
    world.refused("tick", "--by", "soon", code="invalid_time")


def test_K7_refresh_happens_in_order_with_messages(cli):
    """Refunds at 2027-02-14, the refresh at 02-15 00:00 and refunds at 02-15 00:00 and 02-16 land in the
    ledger in time order, and the cap (600) cuts the balance the refresh saw, not the later refunds."""
    cli("init", "--credits", "598", "--simulated-clock", "2027-01-15T12:00", "--tz", "UTC")
    for handle in ("a", "b", "c"):
        cli("candidates", "add", handle, "--first-name", "K", "--last-name", "J")
    for handle, at in (("a", "2027-02-14T12:00"), ("b", "2027-02-15T00:00"), ("c", "2027-02-16T12:00")):
        cli.json("schedule", compose(cli, handle)["id"], "--at", at)
    for handle in ("a", "b", "c"):
        cli("candidates", "opt-out", handle)  # each is canceled when due, and refunded then (C6)
    assert balance(cli) == 595
    cli.json("tick", "--to", "2027-02-17")
    rows = [(r["at"], r["reason"], r["delta"]) for r in cli.json("credits", "--ledger")["ledger"]][-5:]
    assert rows == [
        ("2027-02-14T12:00:00Z", "refund", 1),
        ("2027-02-15T00:00:00Z", "allotment", 150),  # the same instant as b: the refresh first
        ("2027-02-15T00:00:00Z", "expire", -146),  # 596 + 150 cut to 600
        ("2027-02-15T00:00:00Z", "refund", 1),
        ("2027-02-16T12:00:00Z", "refund", 1),
    ]
    assert balance(cli) == 602


def test_K8_clock_never_runs_backwards(world, real_time):
    real_time("2026-12-01T12:00")  # the real time is the test's, not today's
    world.refused("clock", "set", "2026-11-01", code="invalid_time")
    draft = compose(world, "kat")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world.refused("clock", "set", "2026-12-03", code="invalid_state")
    assert world.json("clock", "set", "2026-12-02T08:00") == {
        "now": "2026-12-02T08:00:00Z",
        "mode": "simulated",
        "warnings": [],
    }
    world.refused("clock", "system", code="invalid_state")  # simulated clock is ahead of the real one
    real_time("2026-12-02T08:00:01")  # the real time passes the simulated clock: now it may switch
    assert world.json("clock", "system")["mode"] == "system"


def test_K8_system_clock_tick_refuses_to_and_by(cli):
    cli("init", "--tz", "UTC")
    assert cli.json("clock")["mode"] == "system"
    cli.refused("tick", "--by", "1d", code="invalid_state")
