"""Hostile input: every odd string ends in exit 0 or a clean refusal (exit 1, one sentence, nothing changed),
never a traceback. Also the read-only file, privacy on removal, and time zones against zoneinfo."""

import os
import subprocess
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from outreach_cli.timeparse import get_zone, localize
from tests.support.helpers import compose

# The fuzzers call the functions that read hostile text directly: each example is independent (no shared
# database), and fast enough for many examples. A few whole-CLI examples below run each on a fresh database.
SETTINGS = settings(max_examples=300, deadline=None)
ODD_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
TEN_YEARS = timedelta(days=3653)
ZONE_NAMES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "UTC"]


def _refused_with(codes, call, *args):
    """Run `call`; it returns normally or refuses with one of `codes` (an OutreachError), nothing else."""
    from outreach_cli.errors import OutreachError

    try:
        return call(*args)
    except OutreachError as exc:
        assert exc.code in codes, (args, exc.code, exc.message)
        assert exc.message.strip() and "\n" not in exc.message
        return None


@SETTINGS
@given(at=ODD_TEXT, zone=st.sampled_from(ZONE_NAMES))
@example(at="+99999999999w", zone="UTC")
@example(at="9999-12-31T23:59", zone="Pacific/Chatham")
@example(at="0001-01-01", zone="America/New_York")
@example(at="2026-02-30 09:00", zone="UTC")
@example(at="\x00", zone="UTC")
@example(at="+-1d", zone="UTC")
@example(at="Dec 3 2027 5pm EST", zone="UTC")
def test_S3_L1_L3_any_at_string_is_an_instant_in_bounds_or_invalid_time(at, zone):
    from outreach_cli.timeparse import get_zone, parse_when

    result = _refused_with({"invalid_time"}, parse_when, at, get_zone(zone), NOW)
    if result is not None:
        instant, _warning = result
        assert EARLIEST <= instant <= LATEST


@SETTINGS
@given(
    moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offset_minutes=st.integers(-30 * 60, 30 * 60),
    zone=st.sampled_from(ZONE_NAMES),
    written=st.sampled_from(["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%b %d %Y %I:%M%p"]),
    with_offset=st.booleans(),
)
def test_L1_extreme_dates_and_offsets_are_in_bounds_or_refused(moment, offset_minutes, zone, written, with_offset):
    """L1 at the edges: years 1..9999, offsets past +-24h; in bounds means accepted, out means invalid_time."""
    from outreach_cli.timeparse import get_zone, parse_when

    text = moment.strftime(written) if moment.year >= 1000 else moment.isoformat(timespec="minutes")
    if with_offset:
        sign, size = ("+" if offset_minutes >= 0 else "-"), abs(offset_minutes)
        text += f"{sign}{size // 60:02d}:{size % 60:02d}"
    result = _refused_with({"invalid_time"}, parse_when, text, get_zone(zone), NOW)
    if result is not None:
        assert EARLIEST <= result[0] <= LATEST
        if with_offset:
            assert abs(offset_minutes) < 24 * 60
    elif moment.year not in (1969, 1970, 2999, 3000) and 1971 <= moment.year <= 2998:
        assert with_offset and abs(offset_minutes) >= 24 * 60, text  # only a bad offset refuses a mid-range date


@SETTINGS
@given(text=ODD_TEXT)
@example(text="99999999999999w")
@example(text="0m")
@example(text="1d-2h")
@example(text="")
def test_K6_F2_any_duration_is_read_or_invalid_time(text):
    from outreach_cli.timeparse import parse_duration

    delta = _refused_with({"invalid_time"}, parse_duration, text)
    if delta is not None:
        assert timedelta(0) <= delta <= TEN_YEARS


@SETTINGS
@given(amount=st.integers(0, 10**15), unit=st.sampled_from(["w", "d", "h", "m"]))
def test_L1_durations_up_to_ten_years_exactly(amount, unit):
    from outreach_cli.timeparse import parse_duration

    try:
        length = timedelta(**{{"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}[unit]: amount})
    except OverflowError:
        length = None
    delta = _refused_with({"invalid_time"}, parse_duration, f"{amount}{unit}")
    if length is not None and length <= TEN_YEARS:
        assert delta == length
    else:
        assert delta is None


@SETTINGS
@given(text=ODD_TEXT)
def test_F2_any_followup_delay_is_read_or_invalid_delay(text):
    from outreach_cli.services.drafts import parse_delay

    hours = _refused_with({"invalid_delay"}, parse_delay, text)
    if hours is not None:
        assert 72 <= hours <= 28 * 24


@SETTINGS
@given(zone=ODD_TEXT)
@example(zone="../../etc/passwd")
@example(zone="Europe/London\x00")
@example(zone="UTC+5")
@example(zone="")
def test_S4_any_zone_name_is_a_zone_or_unknown_timezone(zone):
    from outreach_cli.timeparse import get_zone

    _refused_with({"unknown_timezone"}, get_zone, zone)


@SETTINGS
@given(count=st.integers(-(10**30), 10**30) | st.integers(-5, 5) | st.integers(10**9 - 5, 10**9 + 5))
def test_L2_any_count_is_kept_or_invalid_input(count):
    from outreach_cli.services.setup import check_count

    kept = _refused_with({"invalid_input"}, check_count, count, "--pool")
    assert (kept is not None) == (0 <= count <= 1_000_000_000)


@SETTINGS
@given(text=ODD_TEXT, first=ODD_TEXT)
@example(text="{first_name.__class__.__mro__}", first="x")
@example(text="{0}", first="x")
@example(text="{{first_name}}", first="x")
@example(text="}}{{", first="x")
@example(text="{company|{title}}", first="x")
@example(text="{company|}", first="{last_name}")
def test_T5_any_text_is_parsed_and_rendered_or_unknown_placeholder(text, first):
    from outreach_cli import placeholders

    parts = _refused_with({"unknown_placeholder"}, placeholders.parse, text)
    if parts is None:
        return
    candidate = {"first_name": first, "last_name": "L", "company": None, "title": None, "handle": "h"}
    rendered, missing = placeholders.render(parts, placeholders.values_for(candidate, "ada"))
    assert isinstance(rendered, str) and all(isinstance(m, str) for m in missing)
    assert "__class__" not in rendered or "__class__" in first or "__class__" in text


@SETTINGS
@given(ident=ODD_TEXT)
@example(ident="1e3")
@example(ident="99999999999999999999999")
@example(ident="1; DROP TABLE messages")
def test_any_id_is_a_number_or_not_found(ident):
    from outreach_cli.repo import parse_id

    number = _refused_with({"not_found"}, parse_id, ident, "draft")
    if number is not None:
        assert 0 < number <= 2**62


@SETTINGS
@given(content=st.binary(max_size=300))
@example(content=b"\xff\xfeh\x00a\x00")
@example(content=b'handle,first_name,last_name\n"unterminated,a,b\n')
@example(content=b"handle,handle,last_name\nx,y,z\n")
def test_any_csv_bytes_are_read_or_invalid_input(tmp_path_factory, content):
    from outreach_cli.services.candidates import read_csv_rows

    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_bytes(content)

    def read_all():
        header, _lines, rows = read_csv_rows(path)
        return header, list(rows)

    _refused_with({"invalid_input"}, read_all)


def _attempt(cli, *args):
    """Run one command; a refusal must be clean and change nothing."""
    from outreach_cli.cli import app

    before = cli.snapshot()
    result = cli.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result
    assert "Traceback" not in result.stderr
    if result.exit_code:
        assert result.stderr.strip(), args
        assert cli.snapshot() == before, args
    return result


# Whole-CLI examples, each on a fresh database (a fixture per parameter): L1-L3's extremes on every command
# that takes a time, a duration or a count.
HOSTILE_TIMES = [
    "9999-12-31 23:59",
    "0001-01-01T00:00+01:00",
    "2027-01-01T09:00+25:00",
    "1969-12-31T23:59Z",
    "3000-01-01T00:00Z",
    "2999-12-31T23:59:59.5Z",
    "+99999999999w",
    "+3654d",
    "Dec 3 2027 5pm EST",
    "",
    "\x00",
    "2026-02-30 09:00",
]
HOSTILE_DURATIONS = ["99999999999999w", "523w", "3653d", "", "0m", "1d-2h", "+1d", "\x00"]
HOSTILE_COUNTS = ["99999999999999999999", "9223372036854775808", "1000000001", "1000000000", "-1", "0", "1e3"]


@pytest.mark.parametrize("at", HOSTILE_TIMES)
def test_L1_L3_every_command_taking_a_time_is_clean(world, at):
    draft = compose(world, "kat", followup="Again")
    _attempt(world, "schedule", draft["id"], "--at", at)
    world.json("schedule", compose(world, "grace")["id"], "--at", "2026-12-02T09:00")
    _attempt(world, "reschedule", "1", "--at", at)  # kat's initial, or grace's if kat's was refused
    _attempt(world, "tick", "--to", at)
    _attempt(world, "clock", "set", at)
    _attempt(world, "templates", "save", "t", "--subject", "s", "--body", "b", "--at", at)
    _attempt(world, "stats", "--since", at)
    _attempt(world, "stats", "--until", at)
    assert world.json("doctor")["ok"] is True


@pytest.mark.parametrize("at", HOSTILE_TIMES)
def test_L1_L4_init_with_any_simulated_clock_is_clean(cli, at):
    _attempt(cli, "init", "--simulated-clock", at)
    if cli.db_path.exists():
        assert cli.json("doctor")["ok"] is True
    else:
        assert list(cli.db_path.parent.iterdir()) == []


@pytest.mark.parametrize("text", HOSTILE_DURATIONS)
def test_L1_every_command_taking_a_duration_is_clean(world, text):
    _attempt(world, "tick", "--dry-run", "--by", text)
    _attempt(world, "tick", "--by", text)
    draft = compose(world, "kat")
    _attempt(world, "followup", draft["id"], "--body", "b", "--after", text)
    _attempt(
        world,
        "templates",
        "save",
        "t",
        "--subject",
        "s",
        "--body",
        "b",
        "--followup-body",
        "f",
        "--followup-after",
        text,
    )
    assert world.json("doctor")["ok"] is True


@pytest.mark.parametrize("count", HOSTILE_COUNTS)
def test_L2_every_command_taking_a_count_is_clean(world, count):
    _attempt(world, "seats", "set", "ada", "--daily-limit", count)
    _attempt(world, "seats", "add", "bo", "--credits", count)
    _attempt(world, "seats", "add", "cy", "--daily-limit", count)
    _attempt(world, "contract", "set", "--pool", count)
    _attempt(world, "contract", "set", "--monthly-limit", count, "--for", "ada")
    assert world.json("doctor")["ok"] is True


@pytest.mark.parametrize("option", ["--credits", "--daily-limit"])
@pytest.mark.parametrize("count", HOSTILE_COUNTS)
def test_L2_L4_init_with_any_count_is_clean(cli, option, count):
    _attempt(cli, "init", option, count)
    if not cli.db_path.exists():
        assert list(cli.db_path.parent.iterdir()) == []


@pytest.mark.parametrize(
    "subject,body",
    [
        ("{first_name.__class__.__mro__}", "{0}"),
        ("{{first_name}}", "}}{{"),
        ("{company|{title}}", "{company|}"),
        ("\u202eevil\u202c", "مرحبا {first_name}"),
    ],
)
def test_T5_odd_subjects_and_bodies_through_the_cli(world, subject, body):
    result = _attempt(world, "compose", "--to", "kat", "--to", "grace", "--subject", subject, "--body", body)
    if result.exit_code == 0:
        draft = result.stdout.split()[1]
        _attempt(world, "schedule", draft, "--at", "+1d")
        _attempt(world, "templates", "save", "t", "--subject", subject, "--body", body)


@pytest.mark.parametrize(
    "content",
    [
        b"handle,first_name,last_name\n" + b"x" * 200_000 + b",a,b\n",
        b"\xff\xfeh\x00a\x00",
        b'handle,first_name,last_name\n"unterminated,a,b\n',
        b'handle,first_name,last_name\nok,=HYPERLINK("http://x"),b\n',
    ],
)
def test_odd_csv_files_through_the_cli(world, tmp_path, content):
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    _attempt(world, "candidates", "import", path)


@pytest.mark.parametrize("ident", ["1e3", "99999999999999999999999", "1; DROP TABLE messages", "", "-1", "\x00"])
def test_odd_ids_through_the_cli(world, ident):
    for command in (
        ("cancel", ident),
        ("reply", ident),
        ("schedule", ident, "--now"),
        ("thread", ident),
        ("cancel", "--draft", ident),
        ("preview", ident),
    ):
        _attempt(world, *command)


def test_S6_control_characters_refused_and_rtl_text_kept(world):
    for subject in ("line\nbreak", "bell\x07", "nul\x00"):
        world.refused("compose", "--to", "kat", "--subject", subject, "--body", "b", code="invalid_message")
    world.refused("compose", "--to", "kat", "--subject", "s", "--body", "esc\x1b[31m", code="invalid_message")
    draft = world.json("compose", "--to", "kat", "--subject", "שלום {first_name}", "--body", "سطر\nثاني\tTab")
    message = world.json("schedule", draft["id"], "--at", "+1d")["threads"][0]["messages"][0]
    assert message["subject"] == "שלום Katherine" and message["body"] == "سطر\nثاني\tTab"


def test_read_only_database_reads_but_refuses_writes(world):
    """A read-only file: views work, writes are refused with one sentence. As root (CI) the file is made
    immutable, since root ignores permission bits."""
    path = str(world.db_path)
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", path], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not supported on this filesystem")
    else:
        os.chmod(path, 0o444)
    try:
        assert world.json("inbox") == []
        message = world.refused("tick", "--by", "1d", code="database_error")
        assert "read-only" in message
        world.refused("candidates", "add", "bob", "--first-name", "B", "--last-name", "C", code="database_error")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", path])
        else:
            os.chmod(path, 0o600)


def test_removed_candidate_leaves_no_personal_text(world):
    """Privacy: `candidates remove` erases names, company, title, zone, email and message text everywhere,
    including the file's free space and the WAL; doctor confirms; history keeps ids and credits."""
    world("candidates", "set", "grace", "--email", "grace.hopper@example.com")
    draft = compose(
        world,
        "grace",
        subject="Hi {first_name} {last_name}",
        body="At {company} as {title}",
        followup="Again {first_name}",
    )
    thread = world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"][0]
    world.json("tick", "--to", "2026-12-03")
    world.json("candidates", "remove", "grace")
    raw = world.db_path.read_bytes()
    wal = world.db_path.with_name(world.db_path.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    for secret in (b"Grace", b"Hopper", b"Navy", b"Admiral", b"grace.hopper@example.com", b"America/New_York"):
        assert secret not in raw, secret
    assert world.json("doctor")["ok"] is True
    kept = world.json("thread", thread["id"])
    assert kept["candidate"].startswith("removed-")
    assert [m["status"] for m in kept["messages"]] == ["sent", "canceled"]
    assert kept["messages"][0]["subject"] == "[removed]"


# ---------------------------------------------------------------- time against an independent oracle

# The oracle reads the `tzdata` package (the same tz database release as pytz), not the system's files,
# which may be older: this checks our gap and fold logic, not which machine has fresher data.
ZONEINFO_TZPATH = ()


def _oracle_zone(name: str) -> ZoneInfo:
    import zoneinfo

    zoneinfo.reset_tzpath(ZONEINFO_TZPATH)
    try:
        return ZoneInfo.no_cache(name)
    finally:
        zoneinfo.reset_tzpath()


ZONES = [
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "America/Santiago",
    "Asia/Tehran",
    "Africa/Cairo",
    "America/Havana",
    "Europe/Chisinau",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
]


@cache
def _transition_days(name: str, year: int) -> tuple:
    zone = _oracle_zone(name)
    days, day = [], datetime(year, 1, 1, 12, tzinfo=UTC)
    while day.year == year:
        if (day + timedelta(days=1)).astimezone(zone).utcoffset() != day.astimezone(zone).utcoffset():
            days.append((day + timedelta(days=1)).astimezone(zone).date())
            days.append(day.astimezone(zone).date())
        day += timedelta(days=1)
    return tuple(days) or ((datetime(year, 6, 1).date()),)


@st.composite
def wall_times(draw):
    name = draw(st.sampled_from(ZONES))
    year = draw(st.integers(2005, 2030))
    day = draw(st.sampled_from(_transition_days(name, year)))
    minute = draw(st.integers(0, 24 * 60 - 1))
    return name, datetime(day.year, day.month, day.day) + timedelta(minutes=minute)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(wall=wall_times())
def test_S4_resolution_matches_zoneinfo(wall):
    """A gap moves forward by its length and a fold takes the first occurrence: both are zoneinfo's
    fold=0 reading (PEP 495), an implementation independent of pytz's."""
    name, naive = wall
    oracle = naive.replace(tzinfo=_oracle_zone(name), fold=0).astimezone(UTC)
    ours, _warning = localize(naive, get_zone(name))
    assert ours == oracle, (name, naive)
