"""R1-R3: responses and the response rate."""

from tests.support.helpers import compose


def test_R1_one_response_per_thread(world):
    draft = compose(world, "kat")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world.refused("reply", thread["id"], code="invalid_state")  # nothing sent yet
    world.json("tick", "--to", "2026-12-03")
    assert world.json("reply", thread["id"])["response"]["kind"] == "accept"
    world.refused("reply", thread["id"], "--decline", code="already_responded")


def test_R1_decline(world):
    draft = compose(world, "kat")
    thread = world.json("schedule", draft["id"], "--now")["threads"][0]
    world.json("tick")
    assert world.json("reply", thread["id"], "--decline")["response"]["kind"] == "decline"


def test_R2_response_answers_latest_sent_message(world):
    draft = compose(world, "kat", followup="Again", after="3d")
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world.json("tick", "--to", "2026-12-10")
    response = world.json("reply", thread["id"])["response"]
    assert response["message_id"] == thread["messages"][1]["id"]


def test_R3_response_rate_counts_followups_and_30_day_window(world):
    draft = compose(world, "grace", "alan", "kat", followup="Again", after="3d")
    threads = {t["candidate"]: t for t in world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"]}
    world.json("tick", "--to", "2026-12-03")
    world.json("reply", threads["grace"]["id"])  # answers the initial within a day
    world.json("tick", "--to", "2027-01-20")
    world.json("reply", threads["alan"]["id"], "--decline")  # answers the follow-up after 46 days: no count
    stats = world.json("stats")
    assert stats["sent"] == 5 and stats["sent_initial"] == 3 and stats["sent_followup"] == 2
    assert stats["responses"] == 1 and stats["accepted"] == 1 and stats["declined"] == 0
    assert stats["response_rate"] == 0.2
    assert stats["credits_charged"] == 6 and stats["credits_refunded"] == 3  # grace 2, alan's follow-up 1


def test_R3_stats_period(world):
    draft = compose(world, "kat", followup="Again", after="3d")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world.json("tick", "--to", "2026-12-10")
    assert world.json("stats", "--since", "2026-12-04", "--until", "2026-12-31")["sent"] == 1
    world.refused("stats", "--since", "whenever", code="invalid_time")
