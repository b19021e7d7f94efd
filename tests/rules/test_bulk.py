"""C1 at scale: a bulk schedule to 10,000 candidates is one transaction, all or nothing."""

import pytest


@pytest.fixture
def crowd(cli, tmp_path):
    cli("init", "--tz", "Europe/Berlin", "--credits", "20000", "--simulated-clock", "2026-12-01T08:00")
    zones = ["America/New_York", "Australia/Sydney", ""]
    rows = ["handle,first_name,last_name,company,timezone"]
    rows += [f"p{i},P{i},Q{i},Co{i % 7},{zones[i % 3]}" for i in range(10_000)]
    (tmp_path / "crowd.csv").write_text("\n".join(rows) + "\n")
    assert cli.json("candidates", "import", tmp_path / "crowd.csv")["created"] == 10_000
    draft = cli.json(
        "compose", "--to-file", tmp_path / "crowd.csv", "--subject", "Hi {first_name}", "--body", "At {company}?"
    )
    cli.json("followup", draft["id"], "--body", "Again {first_name}")
    return cli, draft


def test_C1_bulk_10000_charges_once_per_message(crowd):
    cli, draft = crowd
    result = cli.json("schedule", draft["id"], "--at", "2026-12-02 09:00", "--tz", "recipient")
    assert result["credits_charged"] == 20_000 and len(result["threads"]) == 10_000
    db = cli.db()
    assert db.value("SELECT count(*) FROM messages") == 20_000
    assert db.value("SELECT count(*) FROM ledger WHERE reason = 'charge'") == 20_000
    assert db.value("SELECT count(DISTINCT message_id) FROM ledger WHERE reason = 'charge'") == 20_000
    assert cli.json("credits")["seat"]["balance"] == 0
    assert cli.json("doctor")["ok"] is True


def test_C1_bulk_10000_all_or_nothing(crowd):
    cli, draft = crowd
    cli("contract", "set", "--pool", "19999", "--monthly-limit", "100000", "--for", "me")
    message = cli.refused("schedule", draft["id"], "--now", code="insufficient_credits")
    assert "20000" in message and "19999" in message
