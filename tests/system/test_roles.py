"""P6: on PostgreSQL each recruiter to their own seat, enforced by the database (grants, row-level security,
guard triggers), so a recruiter with psql can do no more than with outreach. The cluster is the session's real,
throw-away one (tests/support/postgres.py); the roles ada, bob and boss log in without a password (trust)."""

from __future__ import annotations

import pytest

from tests.support.helpers import Cli
from tests.support.postgres import snapshot

ROLES = ("ada", "bob", "boss", "eve")


class As(Cli):
    """outreach run as one database role (the URI's user); `refused` proves nothing changed by reading every row
    as the owner, whom row-level security does not hide anything from."""

    def __init__(self, uri, owner_uri):
        super().__init__(uri)
        self.owner_uri = owner_uri

    def __call__(self, *args, code=0):
        return super().__call__("--db", self.db_path, *args, code=code)

    def snapshot(self):
        return snapshot(self.owner_uri)


@pytest.fixture
def team(pg_cluster, monkeypatch):
    """A contract on PostgreSQL set up by its owner: seats ada and bob bound to their roles, carl bound to none,
    boss the admin; a simulated clock; two candidates. Returns {role: As} with "owner" too."""
    admin = pg_cluster.admin()
    for role in ROLES:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            admin.execute(f"CREATE ROLE {role} LOGIN")
    uri = pg_cluster.fresh_uri()
    monkeypatch.setenv("OUTREACH_DB", uri)
    name = uri.split("/")[3].split("?")[0]
    who = {"owner": As(uri, uri)}
    who.update({role: As(pg_cluster.uri(name, role), uri) for role in ROLES})
    owner = who["owner"]
    owner("init", "--seat", "ada", "--tz", "UTC", "--credits", "10", "--simulated-clock", "2026-12-01T08:00")
    owner("seats", "add", "bob", "--tz", "UTC", "--credits", "10")
    owner("seats", "add", "carl", "--tz", "UTC", "--credits", "10")
    owner("contract", "set", "--admin", "boss", "--pool", "20")
    owner("seats", "set", "ada", "--role", "ada")
    owner("seats", "set", "bob", "--role", "bob")
    owner("seats", "set", "carl", "--role", "ada")  # grants carl's future role nothing yet: unbound below
    owner("seats", "set", "carl", "--no-role")
    for handle in ("grace", "alan"):
        owner("candidates", "add", handle, "--first-name", handle.title(), "--last-name", "Q", "--tz", "UTC")
    return who


def _schedule(cli, seat, to="grace", at="2026-12-01T10:00"):
    draft = cli.json("compose", "--seat", seat, "--to", to, "--subject", "Hi", "--body", "A role")
    return cli.json("schedule", draft["id"], "--at", at)["threads"][0]["messages"][0]


def _connect(cli):
    import psycopg

    return psycopg.connect(cli.db_path, autocommit=True)


def test_P6_a_recruiter_schedules_and_ticks_for_her_own_seat_only(team):
    ada, bob, owner = team["ada"], team["bob"], team["owner"]
    mine = _schedule(ada, "ada")
    theirs = _schedule(bob, "bob", to="alan")
    assert ada.json("credits", "--seat", "ada")["seat"]["balance"] == 9
    done = ada.json("tick", "--to", "2026-12-01T12:00")
    assert done["sent"] == [mine["id"]]  # bob's message is not hers to send
    assert owner.json("inbox", "--seat", "bob")[0]["status"] == "scheduled"
    assert bob.json("tick")["sent"] == [theirs["id"]]
    assert [m["id"] for m in ada.json("inbox", "--seat", "ada", "--folder", "sent")] == [mine["id"]]
    assert owner.json("doctor") == {"ok": True, "findings": []}


def test_P6_outreach_refuses_acting_for_another_seat(team):
    ada, bob = team["ada"], team["bob"]
    draft = bob.json("compose", "--seat", "bob", "--to", "grace", "--subject", "Hi", "--body", "A role")
    for args in (
        ("compose", "--seat", "bob", "--to", "grace", "--subject", "Hi", "--body", "B"),
        ("seats", "set", "bob", "--tz", "Europe/Paris"),
        ("credits", "--seat", "bob"),
    ):
        assert "belongs to the database role bob" in ada.refused(*args, code="permission_denied")
    # the default seat (init's) is ada's: bob names his own
    assert "--seat" in bob.refused(
        "compose", "--to", "grace", "--subject", "Hi", "--body", "B", code="permission_denied"
    )
    # bob's draft is not even visible to ada: the database hides it
    ada.refused("schedule", draft["id"], "--at", "2026-12-01T10:00", code="not_found")


def test_P6_psql_as_a_recruiter_cannot_do_more_than_outreach(team):
    """What outreach refuses, the database refuses too: ada connected with psycopg (as with psql)."""
    import psycopg

    ada, bob, owner = team["ada"], team["bob"], team["owner"]
    mine = _schedule(ada, "ada")
    theirs = _schedule(bob, "bob", to="alan")
    before = owner.snapshot()
    with _connect(ada) as conn:
        assert conn.execute("UPDATE messages SET status = 'canceled' WHERE id = %s", (theirs["id"],)).rowcount == 0
        assert (
            conn.execute("DELETE FROM messages WHERE seat_id = (SELECT id FROM seats WHERE name = 'bob')").rowcount == 0
        )
        assert conn.execute("SELECT count(*) FROM messages WHERE id = %s", (theirs["id"],)).fetchone()[0] == 0
        assert conn.execute("UPDATE seats SET restricted = 1, timezone = 'Asia/Tokyo' WHERE name = 'bob'").rowcount == 0
        assert conn.execute("UPDATE settings SET value = 'system' WHERE key = 'clock_mode'").rowcount == 0
        refusals = [
            # credits out of nothing, for bob's seat or her own
            "INSERT INTO ledger (at_utc, account, seat_id, delta, reason) SELECT 'x', 'seat', id, 50, 'grant' "
            "FROM seats WHERE name = 'bob'",
            "INSERT INTO ledger (at_utc, account, seat_id, delta, reason) SELECT 'x', 'seat', id, 50, 'grant' "
            "FROM seats WHERE name = 'ada'",
            "UPDATE contract SET pool = 1000000",
            "UPDATE seats SET balance = 1000 WHERE name = 'ada'",
            "UPDATE seats SET role = NULL WHERE name = 'ada'",
            # a refund of a message charged once, taken twice (the first is hers: it is what cancel does)
            f"INSERT INTO ledger (at_utc, account, seat_id, delta, reason, message_id) SELECT 'x', 'seat', seat_id, 1, "
            f"'refund', id FROM messages WHERE id = {mine['id']}; "
            f"INSERT INTO ledger (at_utc, account, seat_id, delta, reason, message_id) SELECT 'x', 'seat', seat_id, 1, "
            f"'refund', id FROM messages WHERE id = {mine['id']}",
            # an allotment that is not due
            "INSERT INTO ledger (at_utc, account, seat_id, delta, reason) SELECT next_refresh_utc, 'seat', id, 150, "
            "'allotment' FROM seats WHERE name = 'ada'",
            # an allotment for a month before the seat existed (the refresh moment moved back by hand)
            "UPDATE seats SET next_refresh_utc = '2026-11-01T00:00:00Z' WHERE name = 'ada'; "
            "INSERT INTO ledger (at_utc, account, seat_id, delta, reason) SELECT next_refresh_utc, 'seat', id, 150, "
            "'allotment' FROM seats WHERE name = 'ada'",
            # a message written for bob's seat
            f"INSERT INTO messages (thread_id, kind, seat_id, candidate_id, subject, body, status, send_at_utc, timezone, "
            f"timezone_source) SELECT thread_id, 'followup', seat_id, candidate_id, 's', 'b', 'scheduled', send_at_utc, "
            f"timezone, timezone_source FROM messages WHERE id = {mine['id']} "
            f"UNION ALL SELECT 1, 'followup', (SELECT id FROM seats WHERE name = 'bob'), 1, 's', 'b', 'scheduled', 'x', "
            f"'UTC', 'seat' LIMIT 2",
        ]
        for sql in refusals:
            try:
                with conn.transaction():
                    conn.execute(sql)
            except psycopg.errors.InsufficientPrivilege:
                continue
            raise AssertionError(f"not refused: {sql}")
    assert owner.snapshot() == before


def test_P6_the_refunds_and_charges_of_a_recruiter_stay_exact(team):
    """A recruiter's role moves no balance itself: the database moves it for the ledger rows it may write, from
    her seat and from the contract pool (C7), and every balance still equals its ledger."""
    boss, ada, owner = team["boss"], team["ada"], team["owner"]
    boss("contract", "set", "--monthly-limit", "5", "--for", "ada")
    message = _schedule(ada, "ada")
    assert owner.json("contract", "show")["pool"] == 19
    assert ada.json("credits", "--seat", "ada")["seat"]["used_this_period"] == 1
    ada.json("cancel", "--thread", message["thread_id"])
    assert owner.json("contract", "show")["pool"] == 20  # refunded to the pool; the used count stays (C7)
    assert ada.json("credits", "--seat", "ada")["seat"]["used_this_period"] == 1
    ada.json("tick", "--to", "2027-01-02")  # her monthly refresh: the allotment comes through the database too
    seat = ada.json("credits", "--seat", "ada")["seat"]
    assert seat["balance"] == 10 + 150 and seat["used_this_period"] == 0
    assert owner.json("doctor") == {"ok": True, "findings": []}
    ledger = owner.json("credits", "--ledger", "--contract")
    assert sum(r["delta"] for r in ledger["ledger"]) == ledger["contract"]["pool"]


def test_P6_a_recruiters_refresh_keeps_the_cap(team):
    """C9 through a recruiter's tick: the database cuts the balance to four allotments with an `expire` row."""
    team["boss"]("seats", "grant", "ada", "700")
    report = team["ada"].json("tick", "--to", "2027-01-02")
    assert [r for r in report["refreshes"] if r["seat"] != "carl"] == [  # carl's seat is bound to no role: hers too
        {"seat": "ada", "at": "2027-01-01T00:00:00Z", "allotment": 150, "expired": 260}
    ]
    ledger = team["ada"].json("credits", "--seat", "ada", "--ledger")
    assert ledger["seat"]["balance"] == 600 == sum(row["delta"] for row in ledger["ledger"])
    assert [row["reason"] for row in ledger["ledger"]][-2:] == ["allotment", "expire"]
    assert team["owner"].json("doctor") == {"ok": True, "findings": []}


def test_P6_only_the_admin_changes_the_contract_grants_and_restricts(team):
    ada, boss = team["ada"], team["boss"]
    for args in (
        ("contract", "set", "--pool", "500"),
        ("contract", "set", "--followups", "off"),
        ("contract", "set", "--admin", "ada"),
        ("seats", "grant", "ada", "5"),
        ("seats", "restrict", "bob"),
        ("seats", "add", "eve", "--tz", "UTC"),
        ("seats", "set", "ada", "--plan", "lite"),
        ("seats", "set", "ada", "--no-role"),
    ):
        assert "boss" in ada.refused(*args, code="permission_denied")
    assert boss.json("contract", "set", "--pool", "500")["pool"] == 500
    assert boss.json("seats", "grant", "ada", "5")["balance"] == 15
    assert boss.json("seats", "restrict", "bob")["restricted"] is True
    boss.json("seats", "add", "eve", "--tz", "UTC")
    boss.json("seats", "set", "eve", "--role", "ada")  # the admin binds seats too (it may pass the grants on)
    assert ada.json("seats", "show", "eve")["role"] == "ada"
    assert team["owner"].json("contract", "show")["admin"] == "boss"


def test_P6_a_seat_without_a_role_behaves_as_today(team):
    """carl's seat is bound to no role: every role given access acts for it, as before P6."""
    ada, bob, owner = team["ada"], team["bob"], team["owner"]
    mine = _schedule(ada, "carl")
    bob.json("cancel", "--thread", mine["thread_id"])
    assert owner.json("credits", "--seat", "carl")["seat"]["balance"] == 10
    again = _schedule(bob, "carl", to="alan")
    assert ada.json("tick", "--to", "2026-12-01T12:00")["sent"] == [again["id"]]
    assert owner.json("doctor") == {"ok": True, "findings": []}


def test_P6_what_reaches_every_seat_is_the_owners(team, tmp_path):
    """Erasing a candidate or copying the database would silently miss the rows of seats bound to other roles."""
    ada, owner = team["ada"], team["owner"]
    _schedule(team["bob"], "bob")
    assert "bob" in ada.refused("candidates", "remove", "grace", code="permission_denied")
    assert "bob" in ada.refused("db", "copy", "--to", tmp_path / "mine.db", code="permission_denied")
    assert not (tmp_path / "mine.db").exists()
    assert owner.json("candidates", "remove", "grace")["removed"] is True


def test_P6_a_role_outreach_granted_nothing_is_permission_denied(team):
    """eve can log in but was bound to no seat: the database refuses her (SQLSTATE 42501), one sentence."""
    message = team["eve"].refused("credits", code="permission_denied")
    assert "permission denied" in message and "\n" not in message


def test_P6_a_role_that_does_not_exist_is_refused(team):
    assert "CREATE ROLE" in team["owner"].refused("seats", "set", "ada", "--role", "nobody_here", code="invalid_input")


def test_P6_sqlite_has_no_roles(cli):
    cli("init", "--seat", "ada", "--tz", "UTC")
    assert "PostgreSQL" in cli.refused("seats", "set", "ada", "--role", "ada", code="invalid_input")
    assert "PostgreSQL" in cli.refused("contract", "set", "--admin", "boss", code="invalid_input")
    assert cli.json("seats", "show", "ada")["role"] is None


def test_P6_every_table_with_a_seat_has_row_level_security(team):
    """A seat-owned table added later must be protected too, or binding a role would open it to every role."""
    with _connect(team["owner"]) as conn:
        unprotected = [
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relrowsecurity AND EXISTS "
                "(SELECT 1 FROM information_schema.columns i WHERE i.table_name = c.relname "
                "AND i.column_name IN ('seat_id', 'draft_id'))"
            )
        ]
    assert unprotected == []
