"""T5: placeholders, fallbacks, literal braces, safe rendering."""

from tests.support.helpers import compose


def test_T5_rendered_per_recipient_and_stored_rendered(world):
    draft = compose(
        world,
        "grace",
        "kat",
        subject="{first_name}, a role at {company|our team}",
        body="Dear {full_name} ({title|engineer}) from {sender_name}: {{not a field}}",
    )
    threads = world.json("schedule", draft["id"], "--at", "+1d")["threads"]
    got = {t["candidate"]: t["messages"][0] for t in threads}
    assert got["grace"]["subject"] == "Grace, a role at Navy"
    assert got["grace"]["body"] == "Dear Grace Hopper (Admiral) from ada: {not a field}"
    assert got["kat"]["subject"] == "Katherine, a role at our team"
    assert got["kat"]["body"] == "Dear Katherine Johnson (engineer) from ada: {not a field}"


def test_T5_unknown_placeholder_refused_when_saved(world):
    message = world.refused(
        "compose", "--to", "kat", "--subject", "Hi {nickname}", "--body", "x", code="unknown_placeholder"
    )
    assert "{nickname}" in message
    world.refused("compose", "--to", "kat", "--subject", "Hi", "--body", "a { b", code="unknown_placeholder")
    draft = compose(world, "kat")
    world.refused("followup", draft["id"], "--body", "{salary}", code="unknown_placeholder")


def test_T5_missing_value_names_each_candidate_and_field(world):
    draft = compose(world, "grace", "alan", "kat", subject="Hi {first_name}", body="At {company}, as {title}")
    message = world.refused("schedule", draft["id"], "--at", "+1d", code="missing_value")
    assert "company, title for alan, kat" in message and "grace" not in message


def test_T5_rendering_never_evaluates_code_or_attributes(world):
    for text in ("{first_name.__class__}", "{first_name[0]}", "{0}", "{first_name!r}", "{__import__('os')}"):
        world.refused("compose", "--to", "kat", "--subject", text, "--body", "x", code="unknown_placeholder")
    world("candidates", "set", "kat", "--company", "{title} {{x}} %s ${HOME}")
    draft = compose(world, "kat", subject="About {company}", body="x")
    subject = world.json("schedule", draft["id"], "--at", "+1d")["threads"][0]["messages"][0]["subject"]
    assert subject == "About {title} {{x}} %s ${HOME}"  # values are inserted as text, never re-read


def test_T5_missing_value_names_every_candidate_in_a_bulk_draft(world, tmp_path):
    rows = "".join(f"p{i},P{i},Q{i}\n" for i in range(40))
    (tmp_path / "c.csv").write_text("handle,first_name,last_name\n" + rows)
    world("candidates", "import", tmp_path / "c.csv")
    draft = world.json(
        "compose",
        "--to-file",
        tmp_path / "c.csv",
        "--to",
        "grace",
        "--subject",
        "Hi",
        "--body",
        "At {company}, {title}",
    )
    message = world.refused("schedule", draft["id"], "--at", "+1d", code="missing_value")
    assert "company, title for " + ", ".join(f"p{i}" for i in range(40)) in message
    assert "grace" not in message
