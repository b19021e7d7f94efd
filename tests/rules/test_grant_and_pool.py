"""seats grant (C10, L2), credits --ledger --contract (C7, C10), candidates opt-in (K4)."""

from tests.support.helpers import balance, compose


def test_C10_seats_grant_is_one_grant_row(world):
    start = balance(world)
    seat = world.json("seats", "grant", "ada", "25")
    assert seat["balance"] == start + 25 == balance(world)
    row = world.json("credits", "--ledger")["ledger"][-1]
    assert (row["reason"], row["delta"], row["account"], row["seat"]) == ("grant", 25, "seat", "ada")
    assert world.json("doctor")["ok"]


def test_L2_seats_grant_takes_a_whole_number_up_to_a_billion(world):
    room = 1_000_000_000 - world.json("seats", "show", "ada")["balance"]  # a balance is a count too (L2)
    world.json("seats", "grant", "ada", str(room))
    for bad in ("1000000001", "1.5", "ten", ""):
        world.refused("seats", "grant", "ada", bad, code="invalid_input")
    world.refused("seats", "grant", "nobody", "5", code="not_found")
    world("seats", "grant", "ada", "--", "-1", code=1)


def test_C10_contract_ledger_lists_every_pool_row_and_sums_to_the_pool(world):
    world("seats", "add", "ben", "--tz", "UTC")
    world("contract", "set", "--pool", "500", "--monthly-limit", "10", "--for", "ben")
    draft = world.json("compose", "--seat", "ben", "--to", "grace", "--subject", "Hi", "--body", "Hello")
    world.json("followup", draft["id"], "--body", "Again")
    world.json("schedule", draft["id"], "--at", "+1d")
    world.json("cancel", "--thread", "1")
    world("contract", "set", "--pool", "450")
    result = world.json("credits", "--ledger", "--contract")
    rows = result["ledger"]
    assert {r["account"] for r in rows} == {"contract"}
    assert [r["reason"] for r in rows] == ["adjust", "charge", "charge", "refund", "refund", "adjust"]
    assert sum(r["delta"] for r in rows) == result["contract"]["pool"] == 450
    text = world("credits", "--ledger", "--contract").stdout
    assert "Contract pool ledger" in text and "adjust" in text and "sum to 450" in text
    # the seat's own ledger does not hold the pool's adjust rows
    assert "adjust" not in {r["reason"] for r in world.json("credits", "--ledger")["ledger"]}


def test_K4_opt_in_undoes_an_opt_out(world):
    world("candidates", "opt-out", "grace")
    draft = compose(world, "grace")
    world.refused("schedule", draft["id"], "--at", "+1d", code="candidate_opted_out")
    assert world.json("candidates", "opt-in", "grace")["opted_out"] is False
    assert world.json("schedule", draft["id"], "--at", "+1d")["credits_charged"] == 1


def test_K4_opt_in_refusals(world):
    world.refused("candidates", "opt-in", "nobody", code="not_found")
    world("candidates", "remove", "kat")  # a removed candidate is gone for good: no opt-in brings them back
    world.refused("candidates", "opt-in", "kat", code="not_found")
    world.refused("candidates", "opt-in", "removed-3", code="not_found")
