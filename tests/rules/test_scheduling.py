"""S1-S6: scheduling times, zones, DST and message limits."""

from tests.support.helpers import compose


def test_S1_future_time_is_scheduled_past_time_refused(world):
    draft = compose(world, "grace")
    message = world.refused("schedule", draft["id"], "--at", "2026-11-30T09:00", code="time_in_past")
    assert "past" in message
    result = world.json("schedule", draft["id"], "--at", "2026-12-03T09:00")
    assert result["threads"][0]["messages"][0]["status"] == "scheduled"


def test_S1_lite_seat_can_schedule_initial(world):
    world("seats", "add", "bo", "--plan", "lite", "--tz", "Europe/Paris")
    draft = world.json("compose", "--seat", "bo", "--to", "kat", "--subject", "Hi", "--body", "Hello")
    result = world.json("schedule", draft["id"], "--at", "+1d")
    assert result["threads"][0]["seat"] == "bo"


def test_S2_sender_zone_is_default(world):
    draft = compose(world, "grace")
    message = world.json("schedule", draft["id"], "--at", "2026-12-03 09:00")["threads"][0]["messages"][0]
    assert message["send_at"] == "2026-12-03T09:00:00Z"  # London is UTC+0 in December
    assert (message["timezone"], message["timezone_source"]) == ("Europe/London", "sender")


def test_S2_recipient_zone_falls_back_to_sender_per_recipient(world):
    draft = compose(world, "grace", "alan", "kat")
    threads = world.json("schedule", draft["id"], "--at", "2026-12-03 09:00", "--tz", "recipient")["threads"]
    got = {t["candidate"]: t["messages"][0] for t in threads}
    assert got["grace"]["send_at"] == "2026-12-03T14:00:00Z"  # EST, UTC-5
    assert got["grace"]["timezone_source"] == "recipient"
    assert got["alan"]["send_at"] == "2026-12-02T22:00:00Z"  # AEDT, UTC+11 (southern summer)
    assert got["alan"]["timezone_source"] == "recipient"
    assert got["kat"]["send_at"] == "2026-12-03T09:00:00Z"
    assert (got["kat"]["timezone"], got["kat"]["timezone_source"]) == ("Europe/London", "sender")


def test_S2_explicit_zone(world):
    draft = compose(world, "kat")
    message = world.json("schedule", draft["id"], "--at", "2026-12-03 09:00", "--tz", "Asia/Tokyo")["threads"][0][
        "messages"
    ][0]
    assert message["send_at"] == "2026-12-03T00:00:00Z"
    assert message["timezone_source"] == "explicit"


def test_S3_every_form_of_at(world):
    forms = {
        "2026-12-03T09:00": "2026-12-03T09:00:00Z",
        "2026-12-03 09:00": "2026-12-03T09:00:00Z",
        "Dec 3 2026 9am": "2026-12-03T09:00:00Z",
        "+2h": "2026-12-01T10:00:00Z",
        "+3d": "2026-12-04T08:00:00Z",
        "+1w": "2026-12-08T08:00:00Z",
        "2026-12-03T09:00+01:00": "2026-12-03T08:00:00Z",
    }
    for text, expected in forms.items():
        draft = compose(world, "kat")
        got = world.json("schedule", draft["id"], "--at", text)["threads"][0]["messages"][0]["send_at"]
        assert got == expected, text


def test_S3_unreadable_time_is_invalid_time(world):
    draft = compose(world, "kat")
    for text in ("tomorrowish", "+2x", "2026-13-45", ""):
        world.refused("schedule", draft["id"], "--at", text, code="invalid_time")


def test_S3_an_offset_without_its_plus_is_refused_not_read_as_a_clock_time(world):
    """dateutil reads `30m` and `2h` as clock times today, `3` as the 3rd and `-10` as the 10th; S3's offsets are
    `+2h`, so a recruiter who left out the plus is told so (and charged nothing) instead of scheduled elsewhere."""
    draft = compose(world, "kat")
    before = world.json("credits")
    for text, hint in (("30m", "+30m"), ("2h", "+2h"), ("1w", "+1w"), ("-1h", "+1h"), ("3", "+3h"), ("-10", "+10h")):
        assert hint in world.refused("schedule", draft["id"], "--at", text, code="invalid_time"), text
        assert hint in world.refused("tick", "--to", text, code="invalid_time"), text
    assert world.json("credits") == before
    # a date in ISO 8601's basic form is still a date
    got = world.json("schedule", draft["id"], "--at", "20261203")["threads"][0]["messages"][0]["send_at"]
    assert got == "2026-12-03T00:00:00Z"


def test_S4_spring_forward_gap_moves_forward_with_warning(world):
    world("tick", "--to", "2027-03-01T00:00")
    draft = compose(world, "kat")
    result = world("schedule", draft["id"], "--at", "2027-03-28 01:30", "--json")  # London skips 01:00-02:00
    import json

    doc = json.loads(result.stdout)
    assert doc["threads"][0]["messages"][0]["send_at"] == "2027-03-28T01:30:00Z"  # = 02:30 BST
    assert "does not exist" in result.stderr and "02:30" in result.stderr


def test_S4_fall_back_takes_first_occurrence(world):
    world("tick", "--to", "2027-10-01T00:00")
    draft = compose(world, "kat")
    message = world.json("schedule", draft["id"], "--at", "2027-10-31 01:30")["threads"][0]["messages"][0]
    assert message["send_at"] == "2027-10-31T00:30:00Z"  # first 01:30 is BST (UTC+1)


def test_S4_southern_hemisphere_gap_and_fold(world):
    world("tick", "--to", "2027-03-01T00:00")
    draft = compose(world, "kat")
    # Sydney falls back on 2027-04-04 at 03:00 AEDT -> 02:00 AEST: 02:30 happens twice; first is AEDT (+11).
    message = world.json("schedule", draft["id"], "--at", "2027-04-04 02:30", "--tz", "Australia/Sydney")["threads"][0][
        "messages"
    ][0]
    assert message["send_at"] == "2027-04-03T15:30:00Z"
    # Sydney springs forward on 2027-10-03 at 02:00 -> 03:00: 02:30 moves to 03:30 AEDT (+11) = 16:30Z.
    draft = compose(world, "kat")
    message = world.json("schedule", draft["id"], "--at", "2027-10-03 02:30", "--tz", "Australia/Sydney")["threads"][0][
        "messages"
    ][0]
    assert message["send_at"] == "2027-10-02T16:30:00Z"


def test_S4_unknown_zone_refused_with_suggestion(world):
    draft = compose(world, "kat")
    message = world.refused("schedule", draft["id"], "--at", "+1d", "--tz", "Europe/Lodnon", code="unknown_timezone")
    assert "Europe/London" in message
    world.refused("seats", "add", "x", "--tz", "Mars/Base", code="unknown_timezone")


def test_S5_now_is_sent_by_next_tick(world):
    draft = compose(world, "kat")
    message = world.json("schedule", draft["id"], "--now")["threads"][0]["messages"][0]
    assert message["send_at"] == "2026-12-01T08:00:00Z"
    tick = world.json("tick")
    assert tick["sent"] == [message["id"]]


def test_S6_compose_refuses_empty_and_long_text(world):
    world.refused("compose", "--to", "kat", "--subject", "", "--body", "x", code="invalid_message")
    world.refused("compose", "--to", "kat", "--subject", "s" * 201, "--body", "x", code="invalid_message")
    world.refused("compose", "--to", "kat", "--subject", "s", "--body", "b" * 1901, code="invalid_message")
    world.refused("compose", "--to", "kat", "--subject", "s", "--body", "   ", code="invalid_message")
    assert world.json("compose", "--to", "kat", "--subject", "s" * 200, "--body", "b" * 1900)["id"]


def test_S6_followup_text_limits(world):
    draft = compose(world, "kat")
    world.refused("followup", draft["id"], "--body", "b" * 1901, code="invalid_message")
    world.refused("followup", draft["id"], "--subject", "s" * 201, "--body", "b", code="invalid_message")


def test_S6_schedule_checks_rendered_text_per_recipient(world):
    world("candidates", "set", "kat", "--company", "C" * 150)
    draft = compose(world, "kat", "grace", subject="{company} " + "x" * 60, body="Hi")
    message = world.refused("schedule", draft["id"], "--at", "+1d", code="invalid_message")
    assert "kat" in message and "grace" not in message


def test_S4_zone_names_are_zones_only(world):
    """Only real zone files are zones: pytz's data folder also holds tables, which are refused."""
    for name in ("zone.tab", "tzdata.zi", "leapseconds", "Europe", "../zoneinfo/UTC"):
        world.refused("seats", "set", "ada", "--tz", name, code="unknown_timezone")
    assert (
        world.json("seats", "set", "ada", "--tz", "america/argentina/buenos_aires")["timezone"]
        == "America/Argentina/Buenos_Aires"
    )
