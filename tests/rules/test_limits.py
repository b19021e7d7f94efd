"""L1-L8 and K8's remembered switch: a hostile first day must not brick, corrupt or mis-send anything.
Each test names its rule; every refusal goes through `Cli.refused`, which proves nothing changed."""

import sqlite3

import pytest

from tests.support.helpers import START, balance, compose

# ---------------------------------------------------------------- L1: times within 1970..2999, durations <= 10y


def test_L1_tick_to_year_9999_refused(world):
    world.refused("tick", "--to", "9999-12-31 23:00", code="invalid_time")
    assert world.json("clock")["now"] == "2026-12-01T08:00:00Z"
    assert world.json("tick", "--by", "1d")["to"] == "2026-12-02T08:00:00Z"  # not bricked


@pytest.mark.parametrize("by", ["99999999w", "523w", "3654d", "99999999999999999999d"])
def test_L1_tick_by_more_than_ten_years_refused(world, by):
    world.refused("tick", "--by", by, code="invalid_time")


def test_L1_ten_years_is_the_longest_duration(world):
    assert world.json("tick", "--by", "3653d", "--dry-run")["to"] == "2036-12-01T08:00:00Z"


@pytest.mark.parametrize(
    "at",
    [
        "9999-12-31 23:59",
        "0001-01-01T00:00+01:00",
        "2027-01-01T09:00+25:00",
        "1969-12-31T23:00Z",
        "3000-01-01T00:00Z",
        "+99999999w",
    ],
)
def test_L1_reschedule_and_schedule_out_of_range_refused(world, at):
    draft = compose(world, "kat", followup="Again")
    world.refused("schedule", draft["id"], "--at", at, code="invalid_time")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world.refused("reschedule", "1", "--at", at, code="invalid_time")


def test_L1_followup_time_past_2999_refused(world):
    draft = compose(world, "kat", followup="Again")
    world.refused("schedule", draft["id"], "--at", "2999-12-30T09:00Z", code="invalid_time")


def test_L1_init_simulated_clock_in_year_9999_leaves_no_file(cli):
    cli.refused("init", "--simulated-clock", "9999-06-01", code="invalid_time")
    assert not cli.db_path.exists()


def test_L1_clock_set_and_template_time_out_of_range_refused(world):
    world.refused("clock", "set", "9999-12-31", code="invalid_time")
    world.refused(
        "templates", "save", "far", "--subject", "s", "--body", "b", "--at", "9999-01-01 09:00", code="invalid_time"
    )


# ---------------------------------------------------------------- L2: counts 0..1,000,000,000


@pytest.mark.parametrize(
    "args",
    [
        ("seats", "set", "ada", "--daily-limit", "99999999999999999999"),
        ("seats", "add", "bo", "--credits", "9223372036854775807"),
        ("seats", "add", "bo", "--daily-limit", "1000000001"),
        ("contract", "set", "--pool", "9223372036854775808"),
        ("contract", "set", "--monthly-limit", "99999999999999999999", "--for", "ada"),
        ("contract", "set", "--pool", "-1"),
    ],
)
def test_L2_counts_over_a_billion_refused(world, args):
    world.refused(*args, code="invalid_input")


def test_L2_a_billion_is_accepted(world):
    assert world.json("contract", "set", "--pool", "1000000000")["pool"] == 1_000_000_000


def test_L2_K2_a_daily_limit_of_zero_pauses_the_seat(world):
    """Zero is a count: a daily limit of 0 is accepted and cancels every due message `daily_limit`, refunded."""
    assert world.json("seats", "set", "ada", "--daily-limit", "0")["daily_limit"] == 0
    draft = compose(world, "grace", "alan", followup="Again", after="3d")
    start = balance(world)
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    assert balance(world) < start
    tick = world.json("tick", "--to", "2026-12-08T00:00")
    reasons = sorted(c["reason"] for c in tick["canceled"])
    assert reasons == ["daily_limit", "daily_limit", "initial_not_sent", "initial_not_sent"], tick
    assert tick["sent"] == [] and balance(world) == start  # nothing sent, every credit back
    world.refused("seats", "set", "ada", "--daily-limit", "-1", code="invalid_input")


@pytest.mark.parametrize(
    "args",
    [
        ("seats", "add", "bo", "--daily-limit", "0", "--credits", "0"),
        ("contract", "set", "--monthly-limit", "0", "--for", "ada"),
    ],
)
def test_L2_zero_is_a_count_for_seats_add_and_the_monthly_limit(world, args):
    world.json(*args)


def test_L2_init_with_a_daily_limit_of_zero(cli):
    assert cli.json("init", "--seat", "ada", "--tz", "UTC", "--daily-limit", "0")["seat"]["daily_limit"] == 0


@pytest.mark.parametrize("option", ["--credits", "--daily-limit"])
def test_L2_L4_init_with_a_huge_count_leaves_no_file(cli, option):
    cli.refused("init", option, "99999999999999999999", code="invalid_input")
    assert not cli.db_path.exists() and list(cli.db_path.parent.iterdir()) == []


# ---------------------------------------------------------------- L3: zone names inside --at


@pytest.mark.parametrize(
    "at", ["Dec 3 2027 5pm EST", "Dec 3 2027 9am PST", "2027-12-03 17:00 CET", "Dec 3 2027 5pm GMT+3"]
)
def test_L3_written_zone_abbreviation_refused_with_hint(world, at):
    draft = compose(world, "kat")
    message = world.refused("schedule", draft["id"], "--at", at, code="invalid_time")
    assert "--tz" in message


def test_L3_numeric_offset_and_z_honoured(world):
    draft = compose(world, "kat")
    thread = world.json("schedule", draft["id"], "--at", "Dec 3 2027 5pm -0500")["threads"][0]
    assert thread["messages"][0]["send_at"] == "2027-12-03T22:00:00Z"
    draft = compose(world, "grace")
    thread = world.json("schedule", draft["id"], "--at", "2027-12-03T17:00Z", "--tz", "Asia/Tokyo")["threads"][0]
    assert thread["messages"][0]["send_at"] == "2027-12-03T17:00:00Z"


def test_L3_no_dateutil_warning_leaks(world):
    draft = compose(world, "kat")
    result = world("schedule", draft["id"], "--at", "Dec 3 2027 5pm EST", code=1)
    assert "Warning" not in result.stderr and ".py" not in result.stderr


def test_L3_template_time_with_zone_name_refused(world):
    world.refused(
        "templates", "save", "t", "--subject", "s", "--body", "b", "--at", "Dec 3 2027 5pm EST", code="invalid_time"
    )


# ---------------------------------------------------------------- L4: a failed init leaves no file


def test_L4_init_failing_while_building_leaves_no_file(cli, monkeypatch):
    from outreach_cli.services import setup

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    with monkeypatch.context() as patched:
        patched.setattr(setup, "_add_seat", broken)
        cli("init", "--simulated-clock", START, code=1)
    assert list(cli.db_path.parent.iterdir()) == []
    cli("init", "--simulated-clock", START)  # the path is free for the next try
    assert cli.json("doctor")["ok"] is True


# ---------------------------------------------------------------- L5: one allotment per seat per period


def _allotments(cli):
    return [r for r in cli.json("credits", "--ledger")["ledger"] if r["reason"] == "allotment"]


def test_L5_zone_change_after_refresh_grants_no_second_allotment(cli):
    cli("init", "--seat", "ada", "--tz", "Europe/London", "--simulated-clock", START)
    cli("contract", "set", "--monthly-limit", "10", "--for", "ada", "--pool", "100")
    cli.json("tick", "--to", "2027-01-01T01:00Z")  # the January refresh at 00:00 London
    assert len(_allotments(cli)) == 1
    cli("candidates", "add", "kat", "--first-name", "K", "--last-name", "J")
    cli.json("schedule", compose(cli, "kat")["id"], "--at", "2027-01-02T09:00")
    cli("seats", "set", "ada", "--tz", "America/Los_Angeles")  # its midnight is still ahead, the same January
    cli.json("tick", "--to", "2027-01-05T00:00Z")
    assert len(_allotments(cli)) == 1
    assert cli.json("credits")["seat"]["used_this_period"] == 1
    cli.json("tick", "--to", "2027-02-01T09:00Z")  # February's comes at Los Angeles midnight
    assert [r["at"] for r in _allotments(cli)] == ["2027-01-01T00:00:00Z", "2027-02-01T08:00:00Z"]


def test_L5_refresh_day_change_after_refresh_grants_no_second_allotment(world):
    world.json("tick", "--to", "2027-01-01T01:00Z")
    world("contract", "set", "--refresh-day", "5")
    world.json("tick", "--to", "2027-01-20T00:00Z")
    assert len(_allotments(world)) == 1
    world.json("tick", "--to", "2027-02-06T00:00Z")
    assert [r["at"] for r in _allotments(world)] == ["2027-01-01T00:00:00Z", "2027-02-05T00:00:00Z"]


# ---------------------------------------------------------------- L7: rescheduling a follow-up keeps F2


def test_L7_reschedule_followup_keeps_delay_bounds_and_updates_delay(world):
    draft = compose(world, "kat", followup="Again", after="3d")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world.json("tick", "--to", "2026-12-02T10:00")  # the initial is sent at 09:00
    world.refused("reschedule", "2", "--at", "+1h", code="invalid_delay")
    world.refused("reschedule", "2", "--at", "+60d", code="invalid_delay")
    world.refused("reschedule", "2", "--at", "2026-12-05T08:59", code="invalid_delay")  # 71h59m
    thread = world.json("reschedule", "2", "--at", "2026-12-09T09:00")["thread"]
    followup = thread["messages"][1]
    assert followup["send_at"] == "2026-12-09T09:00:00Z" and followup["delay_hours"] == 7 * 24
    assert world.json("reschedule", "2", "--at", "2026-12-30T09:00")["thread"]["messages"][1]["delay_hours"] == 28 * 24


# ---------------------------------------------------------------- storage


def test_L4_connection_is_synchronous_full(world, monkeypatch):
    """README: WAL with synchronous=FULL, so a message marked sent stays sent after a power cut. Python's
    SQLite defaults to FULL, but a build with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL) does not: the
    connection must set it itself."""
    from outreach_cli import db as dbmod

    connect = sqlite3.connect

    def normal_by_default(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    monkeypatch.setattr(dbmod.sqlite3, "connect", normal_by_default)
    db = world.db()
    try:
        assert db.value("PRAGMA synchronous") == 2
    finally:
        db.close()


def test_L1_balance_after_tick_is_unchanged_by_refused_commands(world):
    start = balance(world)
    world.refused("tick", "--to", "3000-01-01T00:00Z", code="invalid_time")
    assert balance(world) == start


# ---------------------------------------------------------------- L6: rules rechecked when a message is due


def test_L6_followup_of_a_seat_now_lite_is_canceled_and_refunded(world):
    draft = compose(world, "kat", followup="Again", after="3d")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world.json("tick", "--to", "2026-12-03")
    world("seats", "set", "ada", "--plan", "lite")
    start = balance(world)
    tick = world.json("tick", "--to", "2026-12-06")
    assert tick["sent"] == [] and tick["canceled"] == [{"id": 2, "reason": "followup_not_available"}]
    assert balance(world) == start + 1
    assert world.json("doctor")["ok"] is True


def test_L6_lite_seat_to_candidate_now_out_of_network_is_canceled_and_refunded(world):
    world("seats", "add", "bo", "--plan", "lite", "--tz", "UTC")
    draft = world.json("compose", "--seat", "bo", "--to", "kat", "--subject", "Hi", "--body", "Hello")
    world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")
    world("candidates", "set", "kat", "--out-of-network")
    start = balance(world, "bo")
    tick = world.json("tick", "--to", "2026-12-03")
    assert tick["sent"] == [] and tick["canceled"] == [{"id": 1, "reason": "recipient_unavailable"}]
    assert balance(world, "bo") == start + 1


# ---------------------------------------------------------------- L8: ids never reused


def test_L8_discarded_draft_id_is_never_reused(world):
    first = compose(world, "kat")
    second = compose(world, "grace")
    world.json("cancel", "--draft", second["id"])
    assert compose(world, "alan")["id"] == second["id"] + 1
    world.json("cancel", "--draft", first["id"])
    assert compose(world, "kat")["id"] == second["id"] + 2


def test_L8_deleted_template_id_is_never_reused(world):
    world("templates", "save", "a", "--subject", "s", "--body", "b")
    world("templates", "save", "b", "--subject", "s", "--body", "b")
    db = world.db()
    last = db.value("SELECT max(id) FROM templates")
    db.close()
    world("templates", "delete", "b")
    world("templates", "save", "c", "--subject", "s", "--body", "b")
    db = world.db()
    assert db.value("SELECT id FROM templates WHERE name = 'c'") == last + 1
    db.close()


# ---------------------------------------------------------------- K8: clock set on a system-clock database


def test_K8_clock_set_on_system_clock_needs_simulate_and_then_warns(cli, real_time):
    real_time("2027-03-01T09:00")
    cli("init", "--tz", "UTC")
    cli.refused("clock", "set", "+10m", code="invalid_state")
    assert cli.json("clock")["mode"] == "system"
    state = cli.json("clock", "set", "+10m", "--simulate")
    assert state["mode"] == "simulated"
    cli.json("clock", "system", code=1)  # ahead of the real time: the clock never runs backwards
    real_time("2027-03-02T09:00")  # a day of real time passes: the simulated clock is left behind
    result = cli("tick", "--by", "1h")
    warnings = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "behind the real time" in warnings[0]


def test_K8_database_born_simulated_never_warns(world):
    result = world("tick", "--by", "1h")
    assert result.stderr == ""


# ---------------------------------------------------------------- L10: a damaged file


def _overwrite_page(path, table, source_table):
    """Overwrite the root page of `table` with a copy of `source_table`'s: a real page of this file, so
    SQLite reads it without noticing, as after a torn write or a bad sector remapped."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    roots = dict(conn.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'table'"))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(path, "r+b") as raw:
        raw.seek((roots[source_table] - 1) * page_size)
        page = raw.read(page_size)
        raw.seek((roots[table] - 1) * page_size)
        raw.write(page)


def test_L10_damaged_settings_page_is_refused_and_found_by_doctor(world):
    compose(world, "kat")
    _overwrite_page(world.db_path, "settings", "draft_recipients")
    for command in (["clock"], ["inbox"], ["credits", "--ledger"], ["stats"]):
        result = world(*command, "--json", code=1)
        assert '"database_error"' in result.stdout and "Traceback" not in result.stderr, command
    doctor = world("doctor", "--json", code=1)
    assert "integrity" in doctor.stdout and "Traceback" not in doctor.stderr


def test_L10_damaged_messages_page_is_a_doctor_finding(world):
    draft = compose(world, "kat", "grace", "alan")
    world.json("schedule", draft["id"], "--at", "+1d")
    _overwrite_page(world.db_path, "messages", "candidates")
    doctor = world("doctor", "--json", code=1)
    assert '"check": "integrity"' in doctor.stdout and "Traceback" not in doctor.stderr
    from outreach_cli.cli import app

    inbox = world.runner.invoke(app, ["inbox", "--folder", "scheduled"])
    assert inbox.exit_code in (0, 1) and "Traceback" not in inbox.stderr


def test_L10_missing_clock_setting_is_database_error(world):
    db = world.db()
    with db.transaction():
        db.execute("DELETE FROM settings WHERE key = 'clock_mode'")
    db.close()
    world.refused("clock", code="database_error")
    doctor = world.json("doctor", code=1)
    assert doctor["findings"][0]["check"] == "clock"


# ---------------------------------------------------------------- a valid database in a read-only directory


def test_valid_database_in_read_only_directory_names_the_real_cause(world):
    import os
    import subprocess

    directory = str(world.db_path.parent)
    if os.geteuid() == 0:  # root ignores permission bits: make the directory immutable instead
        if subprocess.run(["chattr", "+i", directory], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not supported on this filesystem")
    else:
        os.chmod(directory, 0o555)
    try:
        message = world.refused("inbox", code="database_error")
        assert "not SQLite" not in message and "-wal" in message and "directory" in message
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", directory])
        else:
            os.chmod(directory, 0o755)


# ---------------------------------------------------------------- small ones


def test_R1_already_responded_wording(world):
    draft = compose(world, "kat")
    world.json("schedule", draft["id"], "--at", "+1h")
    world.json("tick", "--by", "2h")
    world.json("reply", "1")
    message = world.refused("reply", "1", code="already_responded")
    assert "a accept" not in message and "(accept)" in message


def test_removed_handles_show_and_add_agree(world):
    world.json("candidates", "remove", "kat")
    shown = world.refused("candidates", "show", "removed-3", code="not_found")
    added = world.refused(
        "candidates", "add", "removed-3", "--first-name", "A", "--last-name", "B", code="invalid_input"
    )
    assert "removed" in shown and "removed" in added
    world.refused("candidates", "add", "removed-99", "--first-name", "A", "--last-name", "B", code="invalid_input")


def test_empty_tz_and_empty_by_are_refused(world):
    draft = compose(world, "kat")
    world.refused("schedule", draft["id"], "--at", "+1d", "--tz", "", code="unknown_timezone")
    world.refused("tick", "--by", "", code="invalid_time")
    world.refused("tick", "--to", "", code="invalid_time")
    world.refused(
        "templates",
        "save",
        "t",
        "--subject",
        "s",
        "--body",
        "b",
        "--at",
        "2027-01-01 09:00",
        "--tz",
        "",
        code="unknown_timezone",
    )


def test_L4_init_with_empty_tz_is_refused_and_leaves_no_file(cli):
    cli.refused("init", "--tz", "", code="unknown_timezone")
    assert not cli.db_path.exists()


def test_csv_duplicate_header_column_is_refused_by_name(world, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("handle,first_name,last_name,first_name\nbob,Bob,Smith,Robert\n")
    message = world.refused("candidates", "import", path, code="invalid_input")
    assert "'first_name'" in message and "twice" in message


def test_csv_a_repeated_unknown_column_is_ignored_like_any_unknown_column(world, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("handle,first_name,last_name,notes,notes\nbob,Bob,Smith,a,b\n")
    world("candidates", "import", path)
    assert world.json("candidates", "show", "bob")["first_name"] == "Bob"


def test_csv_unterminated_quote_is_named_with_its_line(world, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('handle,first_name,last_name\nbob,Bob,Smith\n"eve,Eve,Adams\nzed,Zed,Z\n')
    message = world.refused("candidates", "import", path, code="invalid_input")
    assert "line 3" in message and "quote" in message and "last name" not in message


def test_R3_stats_until_a_date_includes_that_whole_day(world):
    draft = compose(world, "kat")
    world.json("schedule", draft["id"], "--at", "2026-12-02T15:00")
    world.json("tick", "--to", "2026-12-03")
    assert world.json("stats", "--since", "2026-12-02", "--until", "2026-12-02")["sent"] == 1
    assert world.json("stats", "--since", "2026-12-02", "--until", "2026-12-02T12:00")["sent"] == 0


def test_L1_tick_to_the_last_moment_works_and_later_ticks_still_run(cli):
    cli("init", "--tz", "Pacific/Kiritimati", "--simulated-clock", "2999-10-01T00:00Z")
    assert cli.json("tick", "--to", "2999-12-31T23:59:59Z")["to"] == "2999-12-31T23:59:59Z"
    assert cli.json("tick")["sent"] == []  # not bricked: a plain tick still runs
    cli.refused("tick", "--by", "1m", code="invalid_time")
    assert cli.json("doctor")["ok"] is True


def test_L10_missing_default_seat_setting_is_database_error(world):
    db = world.db()
    with db.transaction():
        db.execute("DELETE FROM settings WHERE key = 'default_seat_id'")
    db.close()
    for command in (["inbox"], ["credits"], ["stats"], ["compose", "--to", "kat", "--subject", "s", "--body", "b"]):
        world.refused(*command, code="database_error")


def test_L3_abbreviation_hint_suggests_its_own_zone(world):
    draft = compose(world, "kat")
    assert "--tz America/Los_Angeles" in world.refused(
        "schedule", draft["id"], "--at", "Dec 3 2027 9am PST", code="invalid_time"
    )
    assert "--tz Europe/Paris" in world.refused(
        "schedule", draft["id"], "--at", "Dec 3 2027 9am CET", code="invalid_time"
    )


def test_L2_grant_cannot_push_a_balance_past_the_limit(world):
    seat = world.json("seats", "show", "ada")
    room = 1_000_000_000 - seat["balance"]
    world.refused("seats", "grant", "ada", room + 1, code="invalid_input")
    assert world.json("seats", "grant", "ada", room)["balance"] == 1_000_000_000
    world.refused("seats", "grant", "ada", 1, code="invalid_input")


def test_R3_stats_since_and_until_the_same_day_counts_that_day_and_reversed_is_refused(world):
    world.json("stats", "--since", "2026-12-01", "--until", "2026-12-01")
    world.refused("stats", "--since", "2026-12-09", "--until", "2026-12-08", code="invalid_time")


def test_K4_removed_handles_are_never_suggested_to_be_added(world):
    """Every sentence about a removed-N handle agrees: it names removed candidates, and is never to be added."""
    world.json("candidates", "remove", "kat")
    for args in (("candidates", "show", "removed-3"), ("candidates", "show", "removed-99")):
        message = world.refused(*args, code="not_found")
        assert "removed" in message and "candidates add" not in message
    message = world.refused("compose", "--to", "removed-3", "--subject", "s", "--body", "b", code="not_found")
    assert "removed" in message and "candidates add" not in message


def test_L10_a_file_cut_short_is_a_doctor_finding_not_a_refusal(world):
    """A file SQLite cannot even open because it is damaged: doctor still answers with a finding."""
    data = world.db_path.read_bytes()
    world.db_path.write_bytes(data[:100])
    for side in ("-wal", "-shm"):
        world.db_path.with_name(world.db_path.name + side).unlink(missing_ok=True)
    result = world("doctor", "--json", code=1)
    import json

    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["findings"][0]["check"] == "integrity", doc
    assert "error" not in doc and "Traceback" not in result.stderr
    assert '"database_error"' in world("clock", "--json", code=1).stdout  # other commands still refuse


def _damage(path, how):
    """Damage a real database file the ways disks and people do: pages 3-6 zeroed or random, a garbage
    header, the file cut in half, or garbage from the first byte."""
    import os

    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = path.read_bytes()
    pages = {"zeros": bytes(4 * page_size), "random": os.urandom(4 * page_size)}
    if how in pages:
        data = data[: 2 * page_size] + pages[how] + data[6 * page_size :]
    elif how == "header":
        data = os.urandom(100) + data[100:]
    elif how == "half":
        data = data[: len(data) // 2]
    else:
        data = os.urandom(len(data))
    path.write_bytes(data)


@pytest.mark.parametrize("how", ["zeros", "random", "header", "half", "garbage"])
def test_L10_doctor_on_a_damaged_file_reports_a_finding_and_what_to_do(world, how):
    draft = compose(world, "kat", "grace", "alan")
    world.json("schedule", draft["id"], "--at", "+1d")
    _damage(world.db_path, how)
    import json

    result = world("doctor", "--json", code=1)
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and "error" not in doc and "Traceback" not in result.stderr, doc
    assert doc["findings"][0]["check"] == "integrity"
    assert "backup" in doc["findings"][0]["message"] and ".recover" in doc["findings"][0]["message"]
    human = world("doctor", code=1)
    assert "[integrity]" in human.stdout and ".recover" in human.stdout and "Traceback" not in human.stderr
    assert '"database_error"' in world("clock", "--json", code=1).stdout  # other commands refuse
