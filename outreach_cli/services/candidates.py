"""Candidate profiles, CSV import, opt-out and removal (K4)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from .. import repo
from ..clock import Clock
from ..errors import INVALID_INPUT, INVALID_STATE, OutreachError, refuse
from ..repo import candidates as repo_candidates
from ..repo import incoming as repo_incoming
from ..results import ImportResult, Removed
from ..shapes import candidate as candidate_shape
from ..timeparse import check_zone, to_text
from .common import check_every_seat, get_candidate, use_case
from .scheduling import cancel_and_refund

HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_FIELD = 500
IMPORT_COLUMNS = repo_candidates.IMPORT_COLUMNS
REMOVED_PREFIX = "removed-"
TRUE_WORDS = {"1", "true", "yes", "y"}
FALSE_WORDS = {"", "0", "false", "no", "n"}


def clean_fields(handle: str | None, fields: dict, creating: bool) -> dict:
    """Validate a candidate's fields; refuse with one sentence naming the first problem."""
    if handle is not None and not HANDLE.match(handle):
        raise refuse(INVALID_INPUT, f"The handle {handle!r} is not valid; use letters, digits, '.', '_' or '-'.")
    if handle is not None and handle.lower().startswith(REMOVED_PREFIX):
        raise refuse(
            INVALID_INPUT,
            f"Handles starting with {REMOVED_PREFIX!r} name removed candidates' anonymous "
            "history; pick another handle.",
        )
    out: dict[str, str | int | None] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if key == "out_of_network":
            out[key] = int(bool(value))
            continue
        value = value.strip()
        if len(value) > MAX_FIELD or any(ord(ch) < 32 for ch in value):
            raise refuse(INVALID_INPUT, f"The {key} is too long or holds control characters.")
        if key == "timezone":
            value = check_zone(value)
        elif key == "country" and value:
            value = check_country(value)
        elif key == "email" and value:
            value = check_email(value)
        out[key] = value or None
    if creating:
        for key in ("first_name", "last_name"):
            if not out.get(key):
                raise refuse(INVALID_INPUT, f"A candidate needs a {key.replace('_', ' ')}.")
    return out


def check_email(value: str) -> str:
    """D19: a candidate's address is a bare addr-spec with a dotted domain, an ASCII local part, and its domain
    stored IDNA-encoded (mail.stored_addr_spec)."""
    from ..mail import parse_address, stored_addr_spec

    if parse_address(value) != ("", value):
        raise refuse(
            INVALID_INPUT, f"{value!r} is not an email address; give a bare address such as grace@example.org."
        )
    try:
        return stored_addr_spec(value)
    except ValueError as exc:
        raise refuse(INVALID_INPUT, f"{value!r} cannot be used as an email address: {exc}.") from None


_COUNTRY = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def check_country(value: str) -> str:
    """W3: ISO 3166 alpha-2 (as tzdata's iso3166.tab lists it), with an optional subdivision (`GB`, `US-CA`). A
    subdivision must be one the `holidays` calendar knows for that country (its calendar is the only use of it);
    for a country the package has no calendar of, any subdivision of the right form is kept."""
    code = value.strip().upper()
    if not _COUNTRY.match(code):
        raise refuse(
            INVALID_INPUT,
            f"{value!r} is not a country code; give ISO 3166 alpha-2 such as GB, or a "
            "country with a subdivision such as US-CA.",
        )
    country, _, subdivision = code.partition("-")
    import pytz

    if country not in pytz.country_names:
        raise refuse(
            INVALID_INPUT,
            f"{value!r} is not a country code: {country} is no ISO 3166 country; give "
            "one such as GB or US, with a subdivision such as US-CA if you need it.",
        )
    if subdivision:
        import holidays

        known = holidays.list_supported_countries(include_aliases=False).get(country)
        if known is not None and subdivision not in known:
            listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise refuse(
                INVALID_INPUT,
                f"{value!r} is not a subdivision the holiday calendar knows for {country} "
                f"({listed or 'it has none'}); give {country} alone or one of those.",
            )
    return code


@use_case
def add(db, *, handle: str, **fields) -> dict:
    values = clean_fields(handle, fields, creating=True)
    if repo_candidates.handle_taken(db, handle):
        raise refuse(
            INVALID_INPUT, f"A candidate {handle!r} already exists; change them with `outreach candidates set`."
        )
    repo.insert_candidate(db, handle, **values)
    return candidate_shape(get_candidate(db, handle))


@use_case
def update(db, *, handle: str, also_email=None, **fields) -> dict:
    """Change the fields given; an empty string clears a field (clean_fields makes it None). `also_email` adds
    another address of the candidate (I11)."""
    row = get_candidate(db, handle)
    values = clean_fields(None, fields, creating=False)
    if also_email is not None:
        extra = clean_fields(None, {"email": also_email}, creating=False).get("email")
        if not extra:
            raise refuse(INVALID_INPUT, "--also-email needs an email address.")
        repo_incoming.add_candidate_email(db, row["id"], extra)
        if not values:
            return {
                **candidate_shape(get_candidate(db, handle)),
                "also_email": repo_incoming.candidate_emails(db, row["id"]),
            }
    if not values:
        raise refuse(INVALID_INPUT, "Nothing to change; give a field such as --title or --tz.")
    for key in ("first_name", "last_name"):
        if key in values and not values[key]:
            raise refuse(INVALID_INPUT, f"A candidate needs a {key.replace('_', ' ')}.")
    if "email" in values:
        repo_incoming.clear_undeliverable_if_email_changes(db, row["id"], values["email"])
    repo.update_candidate(db, row["id"], **values)
    return candidate_shape(get_candidate(db, handle))


@use_case
def opt_out(db, *, handle: str) -> dict:
    row = get_candidate(db, handle)
    repo.update_candidate(db, row["id"], opted_out=1)
    return candidate_shape(get_candidate(db, handle))


@use_case
def opt_in(db, *, handle: str) -> dict:
    """Undo an opt-out; a removed candidate stays removed (K4)."""
    row = get_candidate(db, handle)
    if row["removed"]:
        raise refuse(INVALID_STATE, f"{handle} was removed; a removed candidate cannot opt in again.")
    repo.update_candidate(db, row["id"], opted_out=0)
    return candidate_shape(get_candidate(db, handle))


def remove(db, *, handle: str, clock: Clock) -> Removed:
    """Erase personal fields everywhere; keep anonymous history (ids, credits, statuses).
    Scheduled messages to them are canceled and refunded at once (K4, C6). The WAL is then truncated
    (after the commit), so no old page image keeps the erased text."""
    result = _erase(db, handle, clock)
    db.checkpoint()
    return result


@use_case
def _erase(db, handle: str, clock: Clock) -> Removed:
    row = get_candidate(db, handle)
    check_every_seat(db, "remove a candidate (it erases their mail in every seat)")
    now_text = to_text(clock.now())
    for message in repo_candidates.scheduled_messages_of(db, row["id"]):
        cancel_and_refund(db, message, "recipient_unavailable", now_text)
    repo_candidates.erase_texts_and_drafts(db, row["id"])
    addresses = [row["email"]] if row["email"] else []  # their incoming mail loses sender, name and subject too
    repo_incoming.erase_incoming_of(db, row["id"], addresses + repo_incoming.candidate_emails(db, row["id"]))
    repo.update_candidate(
        db,
        row["id"],
        handle=f"{REMOVED_PREFIX}{row['id']}",
        first_name=None,
        last_name=None,
        company=None,
        title=None,
        timezone=None,
        email=None,
        country=None,
        removed=1,
        opted_out=1,
    )
    return {"handle": handle, "removed": True, "anonymous_handle": f"removed-{row['id']}"}


def read_csv_rows(path: Path):
    """Header names (lower-cased), a count of lines, and the rows as they are read, each with the line it
    starts on (the header is line 1)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise refuse(INVALID_INPUT, f"Cannot read {path}: {exc.strerror}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(INVALID_INPUT, f"{path} is not UTF-8 text; save it as UTF-8 CSV and try again.") from None
    del raw
    csv.field_size_limit(10 * 1024 * 1024)
    # strict: a quote left open runs to the end of the file instead of swallowing every later line quietly.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise refuse(INVALID_INPUT, f"{path} is empty; it needs a header row naming its columns.") from None
    except csv.Error as exc:
        raise refuse(INVALID_INPUT, f"{path} is not a readable CSV file ({_csv_problem(exc)}).") from None
    twice = sorted(
        {name for name in header if name in IMPORT_COLUMNS and header.count(name) > 1}
    )  # unknown ones are ignored
    if twice:
        raise refuse(INVALID_INPUT, f"{path} names the column {twice[0]!r} twice in its header row; keep one.")

    def rows():
        line = reader.line_num + 1
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    yield (
                        line,
                        dict(zip(header, record, strict=False)),
                    )  # a short or long row keeps its cells (import checks them)
                line = reader.line_num + 1
        except csv.Error as exc:
            raise refuse(INVALID_INPUT, f"{path} line {line} is not valid CSV: {_csv_problem(exc)}.") from None

    return header, text.count("\n"), rows()


def _csv_problem(exc: csv.Error) -> str:
    if "unexpected end of data" in str(exc):
        return "a quoted field opens here and its closing quote never comes"
    return str(exc)


@use_case
def import_file(
    db, *, path: Path, update_existing: bool = False, skip_bad: bool = False, progress=None, country: str | None = None
) -> ImportResult:
    """Import a CSV in one transaction, row by row; any bad row refuses the whole file (rolled back)
    unless `skip_bad`. `country` (W3, `--country`) is the country of every row that names none (no `country`
    column, or an empty cell), new and updated candidates alike; a row's own country wins."""
    default_country = check_country(country) if country is not None and country.strip() else None
    if country is not None and default_country is None:
        raise refuse(INVALID_INPUT, "--country needs a country code such as GB or US-CA.")
    header, lines, rows = read_csv_rows(path)
    if "handle" not in header:
        raise refuse(INVALID_INPUT, f"{path} has no 'handle' column; the header row must name it.")
    existing = repo_candidates.live_handle_ids(db)
    bad, batch = [], []
    seen: set[str] = set()
    created = updated = 0
    for index, (line, record) in enumerate(rows):
        try:
            handle, values = _import_row(record, existing, seen, update_existing, default_country)
        except OutreachError as exc:
            bad.append({"line": line, "reason": exc.message})
            continue
        if bad and not skip_bad:
            continue  # keep reading only to name every bad row
        if handle in existing:
            if "email" in values:
                repo_incoming.clear_undeliverable_if_email_changes(db, existing[handle], values["email"])
            repo.update_candidate(db, existing[handle], **values)
            updated += 1
        else:
            batch.append((handle, values))
            if len(batch) >= 1000:
                created += _insert_candidates(db, batch)
        if progress and index % 1000 == 0:
            progress(index, lines)
    created += _insert_candidates(db, batch)
    if bad and not skip_bad:
        reasons = "; ".join(f"line {b['line']}: {b['reason'].rstrip('.')}" for b in bad[:5])
        more = f"; and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise refuse(
            INVALID_INPUT,
            f"Nothing was imported because {len(bad)} row(s) are bad "
            f"(lines {_line_ranges([b['line'] for b in bad])}): {reasons}{more}. "
            "Fix them, or pass --skip-bad to import the good rows.",
        )
    return {"created": created, "updated": updated, "skipped": bad}


def _line_ranges(lines: list[int]) -> str:
    """Every line named, runs folded: [2, 5, 6, 7, 9] -> '2, 5-7, 9'."""
    runs: list[list[int]] = []
    for line in lines:
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _insert_candidates(db, batch: list) -> int:
    repo_candidates.insert_candidates(
        db,
        (
            (handle, *(values.get(c) for c in IMPORT_COLUMNS[1:-1]), values.get("out_of_network", 0))
            for handle, values in batch
        ),
    )
    done = len(batch)
    batch.clear()
    return done


def _import_row(record: dict, existing: dict, seen: set, update_existing: bool, default_country: str | None = None):
    handle = (record.get("handle") or "").strip()
    fields = {k: record.get(k) for k in IMPORT_COLUMNS[1:] if k in record}
    if default_country is not None and not (fields.get("country") or "").strip():
        fields["country"] = default_country  # W3: --country for the rows that name none
    if "out_of_network" in fields:
        flag = (fields["out_of_network"] or "").strip().lower()
        if flag not in TRUE_WORDS | FALSE_WORDS:
            raise refuse(INVALID_INPUT, f"out_of_network must be yes or no, not {flag!r}")
        fields["out_of_network"] = flag in TRUE_WORDS
    if handle in seen:
        raise refuse(INVALID_INPUT, f"handle {handle!r} appears twice in the file")
    if handle in existing and not update_existing:
        raise refuse(INVALID_INPUT, f"candidate {handle!r} already exists (pass --update to change them)")
    values = clean_fields(handle, fields, creating=handle not in existing)
    seen.add(handle)
    return handle, values


def handles_from_file(path: Path) -> list[str]:
    """`--to-file`: a CSV with a `handle` column, or a plain list of handles, one a line."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise refuse(INVALID_INPUT, f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise refuse(INVALID_INPUT, f"{path} is not UTF-8 text.") from None
    first = text.lstrip().split("\n", 1)[0]
    if "," in first or first.strip().lower() == "handle":
        header, _lines, rows = read_csv_rows(path)
        if "handle" not in header:
            raise refuse(INVALID_INPUT, f"{path} has no 'handle' column.")
        return [r["handle"].strip() for _line, r in rows if (r.get("handle") or "").strip()]
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def list_all(db) -> list[dict]:
    return [candidate_shape(r) for r in repo.listed_candidates(db)]


def show(db, *, handle: str) -> dict:
    return candidate_shape(get_candidate(db, handle))
