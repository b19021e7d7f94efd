"""T1-T4 (and S2 through templates): saved one- and two-message templates."""

from tests.support.helpers import compose

SUBJECT = "{first_name}, a backend role"
BODY = "Hi {first_name}, your work at {company|your company} caught my eye."


def _save(cli, name="Backend", *extra):
    return cli.json("templates", "save", name, "--subject", SUBJECT, "--body", BODY, *extra)


def test_T1_template_with_two_messages_and_saved_time(world):
    saved = _save(
        world,
        "Backend",
        "--followup-body",
        "Any thoughts?",
        "--followup-after",
        "4d",
        "--at",
        "2026-12-03 09:00",
        "--tz",
        "recipient",
    )
    assert saved["messages"] == 2
    assert saved["scheduled_at"] == "2026-12-03T09:00" and saved["timezone"] == "recipient"
    assert saved["followup"] == {"subject": "Re: " + SUBJECT, "body": "Any thoughts?", "delay_hours": 96}
    assert world.json("templates", "show", "Backend") == saved


def test_T1_unique_name_and_replace(world):
    _save(world)
    world.refused("templates", "save", "Backend", "--subject", "x", "--body", "y", code="template_exists")
    replaced = world.json("templates", "save", "Backend", "--subject", "x", "--body", "y", "--replace")
    assert replaced["subject"] == "x"


def test_T1_template_validation(world):
    world.refused("templates", "save", "T", "--subject", "", "--body", "y", code="invalid_message")
    world.refused("templates", "save", "T", "--subject", "s", "--body", "{salary}", code="unknown_placeholder")
    world.refused(
        "templates",
        "save",
        "T",
        "--subject",
        "s",
        "--body",
        "b",
        "--followup-body",
        "f",
        "--followup-after",
        "2d",
        code="invalid_delay",
    )
    world.refused("templates", "save", "T", "--subject", "s", "--body", "b", "--at", "+2d", code="invalid_time")
    world.refused(
        "templates", "save", "T", "--subject", "s", "--body", "b", "--at", "2026-12-01T09:00+02:00", code="invalid_time"
    )
    world.refused(
        "templates",
        "save",
        "T",
        "--subject",
        "s",
        "--body",
        "b",
        "--at",
        "2026-12-01 9:00",
        "--tz",
        "Nowhere/Land",
        code="unknown_timezone",
    )
    world.refused("templates", "show", "nope", code="not_found")


def test_T2_save_from_draft_with_or_without_followup(world):
    draft = compose(world, "kat", subject="From a draft", body="Body {first_name}", followup="Nudge", after="5d")
    both = world.json("templates", "save", "Both", "--from-draft", draft["id"])
    assert both["messages"] == 2 and both["followup"]["delay_hours"] == 120
    single = world.json("templates", "save", "Single", "--from-draft", draft["id"], "--no-followup")
    assert single["messages"] == 1 and single["followup"] is None
    world.refused("templates", "save", "X", "--from-draft", "999", code="not_found")


def test_T3_search_every_word_any_case_and_badge(world):
    _save(world, "Backend", "--followup-body", "Checking in")
    world.json("templates", "save", "Designer", "--subject", "Design at Acme", "--body", "Hello")
    assert [t["name"] for t in world.json("templates", "list", "--search", "ACME")] == ["Designer"]
    assert [t["name"] for t in world.json("templates", "list", "--search", "backend caught")] == ["Backend"]
    assert [t["name"] for t in world.json("templates", "list", "--search", "checking")] == ["Backend"]
    assert world.json("templates", "list", "--search", "backend design") == []
    assert world.json("templates", "list", "--search", "100%") == []
    listed = world.json("templates", "list")
    assert [(t["name"], t["messages"]) for t in listed] == [("Backend", 2), ("Designer", 1)]
    assert set(listed[0]) >= {"name", "messages", "subject", "scheduled_at"}
    human = world("templates", "list").stdout
    backend_line = next(line for line in human.splitlines() if "Backend" in line)
    designer_line = next(line for line in human.splitlines() if "Designer" in line)
    assert "2 messages" in backend_line and "2 messages" not in designer_line


def test_T4_schedule_with_no_at_uses_saved_time_per_recipient(world):
    """A 2-message template for a bulk message to candidates in three zones, one without a zone (S2)."""
    _save(
        world,
        "Backend",
        "--followup-body",
        "Any thoughts, {first_name}?",
        "--followup-after",
        "3d",
        "--at",
        "2026-12-03 09:00",
        "--tz",
        "recipient",
    )
    draft = world.json("compose", "--template", "Backend", "--to", "grace", "--to", "alan", "--to", "kat")
    assert draft["template"] == "Backend" and draft["followup"]["delay_hours"] == 72
    result = world.json("schedule", draft["id"])
    got = {t["candidate"]: t["messages"] for t in result["threads"]}
    assert got["grace"][0]["send_at"] == "2026-12-03T14:00:00Z"  # New York
    assert got["alan"][0]["send_at"] == "2026-12-02T22:00:00Z"  # Sydney
    assert got["kat"][0]["send_at"] == "2026-12-03T09:00:00Z"  # no zone: the seat's (London)
    assert got["kat"][0]["timezone_source"] == "sender"
    assert got["grace"][1]["send_at"] == "2026-12-06T14:00:00Z"
    assert got["grace"][1]["body"] == "Any thoughts, Grace?"
    assert result["credits_charged"] == 6


def test_T4_saved_time_in_the_past_means_now_and_says_so(world):
    _save(world, "Old", "--at", "2026-11-01 09:00")
    draft = world.json("compose", "--template", "Old", "--to", "kat")
    result = world("schedule", draft["id"], "--json")
    import json

    doc = json.loads(result.stdout)
    assert doc["threads"][0]["messages"][0]["send_at"] == "2026-12-01T08:00:00Z"
    assert "in the past" in result.stderr
    assert world.json("tick")["sent"] == [doc["threads"][0]["messages"][0]["id"]]


def test_T4_command_line_overrides_template(world):
    _save(world, "Backend", "--at", "2026-12-03 09:00")
    draft = world.json("compose", "--template", "Backend", "--to", "kat", "--subject", "Custom {first_name}")
    assert draft["subject"] == "Custom {first_name}" and draft["body"] == BODY
    message = world.json("schedule", draft["id"], "--at", "2026-12-05 10:00")["threads"][0]["messages"][0]
    assert message["send_at"] == "2026-12-05T10:00:00Z"


def test_T4_template_without_time_needs_at(world):
    _save(world, "Plain")
    draft = world.json("compose", "--template", "Plain", "--to", "kat")
    world.refused("schedule", draft["id"], code="invalid_input")


def test_T1_deleting_template_keeps_drafts(world):
    _save(world, "Backend")
    draft = world.json("compose", "--template", "Backend", "--to", "kat")
    world.json("templates", "delete", "Backend")
    assert world.json("templates", "list") == []
    assert world.json("draft", draft["id"])["body"] == BODY
    assert world.json("schedule", draft["id"], "--now")["credits_charged"] == 1


def test_T5_preview_shows_rendered_text_and_gaps(world):
    draft = compose(world, "grace", "kat", subject="Hi {first_name}", body="At {company}")
    before = world.snapshot()
    preview = world.json("preview", draft["id"])
    assert world.snapshot() == before
    got = {r["candidate"]: r for r in preview["recipients"]}
    assert got["grace"]["body"] == "At Navy" and got["grace"]["missing"] == []
    assert got["kat"]["missing"] == ["company"]
    assert preview["missing"] == ["kat"]
