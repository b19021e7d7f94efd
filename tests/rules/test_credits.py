"""C1-C10: credit accounting."""

from tests.support.helpers import balance, compose


def _ledger(cli, seat=None):
    args = ["credits", "--ledger"] + (["--seat", seat] if seat else [])
    return cli.json(*args)["ledger"]


def test_C1_charges_every_message_at_scheduling(world):
    draft = compose(world, "grace", "alan", "kat", followup="Again")
    start = balance(world)
    result = world.json("schedule", draft["id"], "--at", "+1d")
    assert result["credits_charged"] == 6
    assert balance(world) == start - 6
    charges = [r for r in _ledger(world) if r["reason"] == "charge"]
    assert len(charges) == 6 and {r["delta"] for r in charges} == {-1}


def test_C1_all_or_nothing_when_credits_short(cli):
    cli("init", "--credits", "5", "--simulated-clock", "2026-12-01T08:00", "--tz", "UTC")
    for h in ("a1", "a2", "a3"):
        cli("candidates", "add", h, "--first-name", "A", "--last-name", "B")
    draft = compose(cli, "a1", "a2", "a3", followup="Again")
    message = cli.refused("schedule", draft["id"], "--at", "+1d", code="insufficient_credits")
    assert "6" in message and "5" in message


def test_C2_reply_to_initial_refunds_both(world):
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    start = balance(world)
    world.json("tick", "--to", "2026-12-03")
    replied = world.json("reply", thread["id"])
    assert replied["refunded"] == 2 and balance(world) == start + 2
    assert replied["response"]["message_id"] == thread["messages"][0]["id"]


def test_C3_reply_to_followup_refunds_one(world):
    draft = compose(world, "kat", followup="Again", after="3d")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world.json("tick", "--to", "2026-12-06")
    start = balance(world)
    replied = world.json("reply", thread["id"], "--decline")
    assert replied["refunded"] == 1 and balance(world) == start + 1
    assert replied["response"] == {
        "kind": "decline",
        "at": "2026-12-06T00:00:00Z",
        "message_id": thread["messages"][1]["id"],
    }
    refund = [r for r in _ledger(world) if r["reason"] == "refund"]
    assert [r["message_id"] for r in refund] == [thread["messages"][1]["id"]]


def test_C4_late_response_refunds_nothing(world):
    draft = compose(world, "kat")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world.json("tick", "--to", "2027-03-03T09:01")  # 91 days later
    start = balance(world)
    replied = world.json("reply", thread["id"])
    assert replied["refunded"] == 0 and balance(world) == start
    assert replied["response"]["kind"] == "accept"


def test_C4_response_at_exactly_90_days_refunds(world):
    draft = compose(world, "kat")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world.json("tick", "--to", "2027-03-02T09:00")  # exactly 90 days
    assert world.json("reply", thread["id"])["refunded"] == 1


def test_C4_sent_message_without_response_is_never_refunded(world):
    draft = compose(world, "kat")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world.json("tick", "--to", "2027-06-01")
    assert [r for r in _ledger(world) if r["reason"] == "refund"] == []


def test_C5_cancel_refunds_initial_and_followup(world):
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "+1d")["threads"][0]
    start = balance(world)
    result = world.json("cancel", thread["messages"][0]["id"])
    assert result["refunded"] == 2 and balance(world) == start + 2


def test_C5_cancel_followup_leaves_initial(world):
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "+1d")["threads"][0]
    result = world.json("cancel", thread["messages"][1]["id"])
    assert result["canceled"] == [{"id": thread["messages"][1]["id"], "reason": "canceled"}]
    assert world.json("thread", thread["id"])["messages"][0]["status"] == "scheduled"
    world.refused("cancel", thread["messages"][1]["id"], code="invalid_state")  # no second refund


def test_C5_cancel_thread(world):
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "+1d")["threads"][0]
    assert world.json("cancel", "--thread", thread["id"])["refunded"] == 2


def test_C6_system_cancels_are_refunded(world):
    draft = compose(world, "kat", "grace", followup="Again")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world("seats", "restrict", "ada")
    start = balance(world)
    tick = world.json("tick", "--to", "2026-12-03")
    assert sorted(c["reason"] for c in tick["canceled"]) == [
        "initial_not_sent",
        "initial_not_sent",
        "sender_restricted",
        "sender_restricted",
    ]
    assert tick["refunded"] == 4 and balance(world) == start + 4


def test_C7_monthly_limit_pays_from_pool_and_refunds_to_pool(world):
    world("contract", "set", "--pool", "100", "--monthly-limit", "3", "--for", "ada")
    start = balance(world)
    draft = compose(world, "kat", followup="Again")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    credits = world.json("credits")
    assert credits["contract"]["pool"] == 98 and credits["seat"]["balance"] == start
    assert credits["seat"]["used_this_period"] == 2
    world.json("cancel", thread["messages"][0]["id"])
    credits = world.json("credits")
    assert credits["contract"]["pool"] == 100 and credits["seat"]["balance"] == start
    assert credits["seat"]["used_this_period"] == 2  # refunds do not reduce the used count
    more = compose(world, "grace", "alan")
    message = world.refused("schedule", more["id"], "--at", "+1d", code="monthly_limit_reached")
    assert "1 left" in message


def test_C7_pool_short_is_insufficient_credits(world):
    world("contract", "set", "--pool", "1", "--monthly-limit", "10", "--for", "ada")
    draft = compose(world, "kat", followup="Again")
    world.refused("schedule", draft["id"], "--at", "+1d", code="insufficient_credits")


def test_C8_scheduled_messages_still_go_when_credits_run_out(cli):
    cli("init", "--credits", "2", "--simulated-clock", "2026-12-01T08:00", "--tz", "UTC")
    cli("candidates", "add", "kat", "--first-name", "K", "--last-name", "J")
    draft = compose(cli, "kat", followup="Again", after="3d")
    cli.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    assert balance(cli) == 0
    assert len(cli.json("tick", "--to", "2026-12-06")["sent"]) == 2


def test_C9_monthly_refresh_allotment_cap_and_expire(cli):
    cli("init", "--credits", "590", "--simulated-clock", "2026-12-15T12:00", "--tz", "Europe/Paris")
    credits = cli.json("credits")
    assert credits["seat"]["next_refresh"] == "2027-01-14T23:00:00Z"  # 15 Jan 00:00 in Paris
    tick = cli.json("tick", "--to", "2027-01-20")
    assert tick["refreshes"] == [{"seat": "me", "at": "2027-01-14T23:00:00Z", "allotment": 150, "expired": 140}]
    assert balance(cli) == 600  # 590 + 150 cut to 4 x 150
    reasons = [r["reason"] for r in _ledger(cli)]
    assert reasons == ["grant", "allotment", "expire"]


def test_C9_refresh_day_past_month_end_falls_on_last_day(cli):
    cli("init", "--credits", "0", "--simulated-clock", "2027-01-31T12:00", "--tz", "UTC")
    assert cli.json("credits")["seat"]["next_refresh"] == "2027-02-28T00:00:00Z"
    tick = cli.json("tick", "--to", "2027-04-01")
    assert [r["at"] for r in tick["refreshes"]] == ["2027-02-28T00:00:00Z", "2027-03-31T00:00:00Z"]


def test_C9_refresh_restarts_admin_monthly_count(world):
    world("contract", "set", "--pool", "100", "--monthly-limit", "2", "--for", "ada")
    draft = compose(world, "kat", followup="Again")
    world.json("schedule", draft["id"], "--at", "+1d")
    assert world.json("credits")["seat"]["used_this_period"] == 2
    world.json("tick", "--to", "2027-01-02")
    assert world.json("credits")["seat"]["used_this_period"] == 0


def test_C9_lite_allotment_and_configurable_refresh_day(world):
    world("seats", "add", "bo", "--plan", "lite", "--credits", "0", "--tz", "UTC")
    world("contract", "set", "--refresh-day", "10")
    tick = world.json("tick", "--to", "2026-12-11")
    got = {r["seat"]: r["allotment"] for r in tick["refreshes"]}
    assert got == {"ada": 150, "bo": 30}


def test_C10_balances_equal_ledger_and_each_message_charged_once(world):
    draft = compose(world, "grace", "alan", "kat", followup="Again", after="3d")
    threads = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"]
    world.json("tick", "--to", "2026-12-03")
    world.json("reply", threads[0]["id"])
    world.json("cancel", threads[1]["messages"][1]["id"])
    world.json("tick", "--to", "2027-02-01")
    ledger = _ledger(world)
    assert sum(r["delta"] for r in ledger if r["account"] == "seat") == balance(world)
    per_message = {}
    for row in ledger:
        if row["message_id"]:
            per_message.setdefault(row["message_id"], []).append(row["reason"])
    for reasons in per_message.values():
        assert reasons.count("charge") == 1 and reasons.count("refund") <= 1
    assert world.json("doctor")["ok"] is True


def test_C10_cascaded_refund_is_dated_when_the_initial_was_canceled(world):
    """A follow-up canceled because its initial hit the daily limit is refunded at that moment, not at its
    own (future) send time; doctor flags ledger rows dated after a simulated clock."""
    world("seats", "set", "ada", "--daily-limit", "1")
    draft = compose(world, "grace", "kat", followup="Again")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world.json("tick", "--to", "2026-12-03")
    refunds = [r for r in _ledger(world) if r["reason"] == "refund"]
    assert [r["at"] for r in refunds] == ["2026-12-02T09:00:00Z", "2026-12-02T09:00:00Z"]
    assert world.json("doctor")["ok"] is True
