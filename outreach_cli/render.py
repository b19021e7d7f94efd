"""Human output: Rich tables readable at 80 columns, local times next to UTC.
Rich is imported here only, and only when a human asks for output."""

from __future__ import annotations

from .timeparse import from_text, hours_text, local_text

MAX_ROWS = 50


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


SHRINK_MIN = 8  # a free-text column (subject, name) is cut with "…" down to this width, never wrapped


def _fitted(title: str, columns: tuple, rows: list[tuple], drop: tuple = (), shrink: tuple = ()):
    """A table that fits the terminal without wrapping a cell: the columns in `drop` go first (in that
    order), then the free-text columns in `shrink` are cut with "…"; the others (ids, kinds, statuses)
    keep their full width. Returns the table and the names of the dropped columns, or None and the
    columns to show when even those do not fit side by side."""
    from rich.cells import cell_len
    from rich.text import Text

    width = _console().width
    natural = {
        name: max([cell_len(name)] + [max(cell_len(line) for line in str(row[i]).split("\n")) for row in rows])
        for i, name in enumerate(columns)
    }

    def needed(names, cut):
        """The table's width: each column plus its two spaces of padding."""
        widths = (min(natural[n], SHRINK_MIN) if cut and n in shrink else natural[n] for n in names)
        return sum(widths) + 2 * len(names)

    shown = list(columns)
    for name in drop:
        if needed(shown, cut=True) <= width:
            break
        shown.remove(name)
    if needed(shown, cut=True) > width:
        return None, shown  # even the columns that must stay whole do not fit side by side: stack them
    spare = width - needed(shown, cut=False)
    limits = {name: natural[name] for name in shown if name in shrink}
    for _ in range(max(0, -spare)):  # cut the widest free-text column by one, until the table fits
        widest = max((n for n in limits if limits[n] > SHRINK_MIN), key=lambda n: limits[n], default=None)
        if widest is None:
            break
        limits[widest] -= 1
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False, collapse_padding=True)
    for name in shown:
        table.add_column(
            name,
            no_wrap=True,
            overflow="ellipsis",
            max_width=limits[name] if name in limits and limits[name] < natural[name] else None,
        )
    index = [columns.index(n) for n in shown]
    for row in rows:
        table.add_row(*(row[i] if isinstance(row[i], Text) else Text(str(row[i])) for i in index))
    return table, [n for n in columns if n not in shown]


def _badge(messages: int):
    from rich.text import Text

    return Text(" 2 messages ", style="reverse") if messages == 2 else Text("")


def _utc(text: str | None) -> str:
    return "-" if not text else text[:16].replace("T", " ") + "Z"


def _local(text: str | None, zone: str | None) -> str:
    return local_text(from_text(text), zone) if text else "-"


def _status(message: dict) -> str:
    if message["status"] == "canceled" and message.get("cancel_reason") not in (None, "canceled"):
        return f"canceled\n{message['cancel_reason']}"
    if message["status"] == "scheduled" and message.get("retry_at"):
        return "retrying"
    return message["status"]


# `year` below: the clock's current year, handed in by the commands that show message times (commands/_year.py);
# None shows every year.


def _when(message: dict, year: int | None = None) -> tuple[str, str]:
    """The local time in the zone the message uses, and UTC; the year is shown only when it is not the
    clock's current year."""
    moment = message["sent_at"] or message["send_at"]
    local, utc = _local(moment, message["timezone"]), _utc(moment)
    if year is not None and local[:4] == str(year):
        local = local[5:]
    if year is not None and utc[:4] == str(year):
        utc = utc[5:]
    return local, utc


def resolved(results: list, year: int | None = None) -> None:
    """Several messages settled by one `resolve` (D18)."""
    for result in results:
        message(result, year=year)


def message(result: dict, year: int | None = None) -> None:
    """One message (resolve): its row, and what the transport said, if anything."""
    messages([result], f"Message {result['id']}", year=year)
    if result.get("refunded"):  # resolve --cancel: the message, and its follow-up, refunded (C5)
        _console().print(f"Refunded {result['refunded']} credit(s).")


def messages(rows: list[dict], title: str = "Messages", year: int | None = None) -> None:
    """Messages; a narrow terminal drops UTC, then the thread, then the local time, never id, kind,
    recipient or status."""
    _listing(
        title,
        rows,
        ("Msg", "Thr", "Kind", "To", "Status", "When (local)", "UTC"),
        lambda row: (
            str(row["id"]),
            str(row["thread_id"]),
            "follow-up" if row["kind"] == "followup" else row["kind"],
            row["candidate"],
            _status(row),
            *_when(row, year),
        ),
        MAX_ROWS,
        drop=("UTC", "Thr", "When (local)"),
    )
    _delivery_notes(rows[:MAX_ROWS])


def _delivery_notes(rows: list[dict]) -> None:
    """What the transport last said about each message that needs a look or waits for a retry (D5, D8)."""
    notes = []
    for row in rows:
        if row.get("status") in ("failed", "unknown") and row.get("failure"):
            notes.append(f"Message {row['id']} {row['status']}: {row['failure']}")
        elif row.get("status") == "scheduled" and row.get("retry_at"):
            notes.append(f"Message {row['id']} retries at {_utc(row['retry_at'])}: {row.get('failure') or '-'}")
        elif row.get("answered_at"):  # I13
            notes.append(
                f"Message {row['id']} went at {_utc(row['sent_at'])}, after the candidate had answered at "
                f"{_utc(row['answered_at'])}; its credit is refunded."
            )
    if notes:
        console = _console()
        for note in notes:
            console.print(note, markup=False)


def schedule_result(result: dict, year: int | None = None) -> None:
    from itertools import islice

    count = len(result["threads"])
    shown = [m for t in islice(result["threads"], MAX_ROWS // 2) for m in t["messages"]]
    messages(shown, f"Draft {result['draft_id']} scheduled: {count} thread(s)", year=year)
    if count > MAX_ROWS // 2:
        _console().print(f"... and {count - MAX_ROWS // 2} more thread(s) (use --json for all).")
    _console().print(f"Charged {result['credits_charged']} credit(s).")


def _messages_text(console, result: dict) -> None:
    """The initial's subject and body, then the follow-up's, as drafts and templates show them."""
    console.print(f"Subject: {result['subject']}", markup=False)
    console.print(result["body"], markup=False)
    if result["followup"]:
        f = result["followup"]
        console.print(f"[bold]Follow-up[/bold] after {hours_text(f['delay_hours'])} if no reply")
        console.print(f"Subject: {f['subject']}", markup=False)
        console.print(f["body"], markup=False)


def draft(result: dict) -> None:
    console = _console()
    console.print(
        f"Draft {result['id']} ({result['status']}) from seat {result['seat']}"
        + (f", template {result['template']}" if result["template"] else ""),
        markup=False,
    )
    console.print(
        f"To ({len(result['recipients'])}): "
        + ", ".join(result["recipients"][:10])
        + (" ..." if len(result["recipients"]) > 10 else ""),
        markup=False,
    )
    _messages_text(console, result)
    if result.get("template_at"):
        console.print(f"Saved time: {template_time(result['template_at'], result['template_tz'])}")


def _listing(
    title: str, rows: list, columns: tuple, cells, limit: int | None = None, drop: tuple = (), shrink: tuple = ()
) -> None:
    """A titled table of rows ("Title: none." when empty), cut at `limit` rows with a note, fitted to the
    terminal's width (see _fitted)."""
    console = _console()
    if not rows:
        console.print(f"{title}: none.", markup=False)
        return
    shown_rows = [cells(row) for row in rows[:limit]]
    table, names = _fitted(title, columns, shown_rows, drop, shrink)
    if table is None:
        _stacked(console, title, [columns.index(name) for name in names], shown_rows)
    else:
        console.print(table)
        if names:
            console.print(f"Not shown: {', '.join(names)}.", markup=False)
    if limit and len(rows) > limit:
        console.print(f"... and {len(rows) - limit} more (use --json for all).")


def _stacked(console, title: str, index: list[int], rows: list[tuple]) -> None:
    """Rows too wide for a table even with columns dropped (a long handle in 40 columns): each row's
    values in order, two spaces apart, a value that does not fit going whole onto an indented line."""
    width = console.width
    console.print(title, markup=False)
    for row in rows:
        lines, current = [], ""
        for text in (str(row[i]).strip().replace("\n", " ") for i in index):
            if not text:
                continue
            joined = f"{current}  {text}" if current.strip() else f"{current}{text}"
            if len(joined) <= width or not current.strip():
                current = joined
            else:
                lines.append(current)
                current = "  " + text
        lines.append(current)
        for line in lines:
            console.print(line, markup=False, overflow="fold")


def drafts(rows: list[dict]) -> None:
    _listing(
        "Drafts",
        rows,
        ("Draft", "To", "Subject", "Follow-up"),
        lambda row: (
            str(row["id"]),
            str(len(row["recipients"])),
            row["subject"],
            hours_text(row["followup"]["delay_hours"]) if row["followup"] else "-",
        ),
        drop=("Follow-up",),
        shrink=("Subject",),
    )


def thread(result: dict, year: int | None = None) -> None:
    messages(result["messages"], f"Thread {result['id']}: {result['seat']} -> {result['candidate']}", year=year)
    response = result["response"]
    console = _console()
    if response:
        console.print(f"Response: {response['kind']} at {_utc(response['at'])} to message {response['message_id']}.")


def reply_result(result: dict, year: int | None = None) -> None:
    """`reply`: the thread with its response, and the credits that came back."""
    thread(result, year=year)
    _console().print(f"Refunded {result['refunded']} credit(s).")


def reschedule_result(result: dict, year: int | None = None) -> None:
    thread(result["thread"], year=year)
    if result["credits_charged"]:
        _console().print(f"Charged {result['credits_charged']} credit(s) again.")


def cancel_result(result) -> None:
    from .results import Discarded

    console = _console()
    if isinstance(result, Discarded):
        console.print(f"Draft {result.draft_id} discarded.")
        return
    for item in result.canceled:
        why = "" if item["reason"] == "canceled" else f" ({item['reason']})"
        console.print(f"Message {item['id']} canceled{why}.")
    console.print(f"Refunded {result.refunded} credit(s).")


def tick_result(result: dict) -> None:
    console = _console()
    dry = result["dry_run"]
    span = f"{_utc(result['from'])} -> {_utc(result['to'])}"
    if result.get("incoming"):  # I2: mail read before sending
        console.print(f"Read {len(result['incoming'])} new incoming mail; see `outreach replies list`.", markup=False)
    delivery = bool(result.get("delivered") or result.get("retrying") or result.get("failed") or result.get("unknown"))
    if not (result["sent"] or result["canceled"] or result["refreshes"] or delivery or result.get("moved")):
        console.print(f"{span}: nothing due." + (" (dry run)" if result["dry_run"] else ""))
        return
    if dry:
        console.print("Dry run: nothing was changed.")
    counts = (
        f"{'would send' if dry else 'sent'} {len(result['sent'])}, "
        f"{'cancel' if dry else 'canceled'} {len(result['canceled'])}, "
        f"{'refund' if dry else 'refunded'} {result['refunded']}."
    )
    if len(span) + 2 + len(counts) <= console.width:
        console.print(f"{span}: {counts}")
    else:  # never wrap a number away from its word: the counts get a line of their own
        console.print(f"{span}:")
        console.print(f"  {counts}")
    if delivery:  # D8
        console.print(
            f"  delivered {result.get('delivered', 0)}, retrying {len(result.get('retrying', []))}, "
            f"failed {len(result.get('failed', []))}, unknown {len(result.get('unknown', []))}"
        )
    reasons: dict[str, int] = {}
    for item in result["canceled"]:
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    for reason, count in sorted(reasons.items()):
        console.print(f"  canceled {count} x {reason}")
    for move in result.get("moved", ()):  # W4, W5, W7: every move with its reason
        console.print(
            f"  {'would move' if dry else 'moved'} message {move['id']} {_utc(move['from'])} -> "
            f"{_utc(move['to'])} ({move['reason']})",
            markup=False,
        )
    for refresh in result["refreshes"]:
        cut = f", {refresh['expired']} expired over the cap" if refresh["expired"] else ""
        console.print(f"  refresh {_utc(refresh['at'])}: seat {refresh['seat']} +{refresh['allotment']}{cut}")


def seat(result: dict) -> None:
    """One seat: the table row, then its sender address when it has one (D3)."""
    seats([result])
    if result.get("from"):
        _console().print(f"From: {result['from']}", markup=False)
    if result.get("signature"):
        _console().print("Signature:\n-- \n" + result["signature"], markup=False)
    if result.get("list_unsubscribe"):
        _console().print("List-Unsubscribe: on (mailto, M3)", markup=False)
    if result.get("window"):  # W1
        _console().print(f"Window: {result['window']}", markup=False)


def seats(rows: list[dict]) -> None:
    def cells(row):
        monthly = f"{row['used_this_period']}/{row['monthly_limit']}" if row["monthly_limit"] is not None else "-"
        return (
            row["name"],
            row["plan"],
            row["timezone"],
            str(row["balance"]),
            str(row["daily_limit"]),
            monthly,
            "restricted" if row["restricted"] else "",
        )

    _listing(
        "Seats",
        rows,
        ("Seat", "Plan", "Zone", "Credits", "Daily", "Monthly", "Flags"),
        cells,
        drop=("Monthly", "Daily", "Zone", "Plan"),
        shrink=("Seat",),
    )


def init_result(result: dict) -> None:
    console = _console()
    console.print(f"Created {result['db']}.")
    seats([result["seat"]])
    console.print(f"Clock: {result['clock']['mode']}, now {_utc(result['clock']['now'])}.")


def contract(result: dict) -> None:
    console = _console()
    limits = ", ".join(f"{k}: {v}" for k, v in result["monthly_limits"].items()) or "none"
    console.print(
        f"Contract pool: {result['pool']} credit(s)\nAutomated follow-ups: {result['followups']}\n"
        f"Refresh day: {result['refresh_day']} (allotments: recruiter {result['allotments']['recruiter']}, "
        f"lite {result['allotments']['lite']})\nAdmin monthly limits: {limits}"
    )


def candidate(result: dict) -> None:
    """One candidate: the table row, then the email (a list leaves it out to keep its width)."""
    candidates([result])
    if result.get("email"):
        bounced = (
            " (bounced: undeliverable; `candidates set --email` to change it)"
            if result.get("email_undeliverable")
            else ""
        )
        _console().print(f"Email: {result['email']}{bounced}", markup=False)


def candidates(rows: list[dict]) -> None:
    def cells(row):
        flags = ", ".join(
            f
            for f, on in (
                ("out-of-network", row["out_of_network"]),
                ("opted out", row["opted_out"]),
                ("email bounced", row.get("email_undeliverable")),
            )
            if on
        )
        name = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
        return row["handle"], name, row["company"] or "-", row["timezone"] or "-", flags

    _listing(
        "Candidates",
        rows,
        ("Handle", "Name", "Company", "Zone", "Flags"),
        cells,
        MAX_ROWS * 4,
        drop=("Company", "Zone", "Name"),
        shrink=("Name", "Company"),
    )


def import_result(result: dict) -> None:
    console = _console()
    console.print(f"Imported: {result['created']} new, {result['updated']} updated.")
    for bad in result["skipped"]:
        console.print(f"  skipped line {bad['line']}: {bad['reason']}", markup=False)


def removed(result: dict) -> None:
    _console().print(
        f"Removed {result['handle']}: personal fields erased; history kept as {result['anonymous_handle']}."
    )


def clock(result: dict) -> None:
    _console().print(f"Clock: {result['mode']}, now {_utc(result['now'])}.")


def credits(result: dict) -> None:
    console = _console()
    seat_row = result["seat"]
    limit = (
        f", admin monthly limit {seat_row['used_this_period']}/{seat_row['monthly_limit']} used"
        if seat_row["monthly_limit"] is not None
        else ""
    )
    console.print(f"Seat {seat_row['name']}: {seat_row['balance']} credit(s){limit}.", markup=False)
    console.print(f"Contract pool: {result['contract']['pool']}. Next refresh {_utc(seat_row['next_refresh'])}.")
    if "ledger" in result:
        pool = result.get("ledger_of") == "contract"
        rows = result["ledger"][-MAX_ROWS * 2 :]
        _listing(
            "Contract pool ledger" if pool else "Ledger",
            rows,
            ("#", "At (UTC)", "Account", "Delta", "Reason", "Msg"),
            lambda row: (
                str(row["id"]),
                _utc(row["at"]),
                row["account"] if row["account"] == "contract" else f"seat {row['seat']}",
                f"{row['delta']:+d}",
                row["reason"],
                str(row["message_id"] or "-"),
            ),
            drop=("Account", "At (UTC)"),
            shrink=("Account",),
        )
        if len(result["ledger"]) > len(rows):
            console.print(f"Showing the last {len(rows)} of {len(result['ledger'])} rows (use --json for all).")
        if pool:
            console.print(f"The pool's rows sum to {sum(r['delta'] for r in result['ledger'])}.")


def stats(result: dict) -> None:
    rows = [
        ("Sent", f"{result['sent']} ({result['sent_initial']} initial, {result['sent_followup']} follow-up)"),
        (
            "Responses (30 days)",
            f"{result['responses']} ({result['accepted']} accepted, {result['declined']} declined"
            + (f", {result['replied']} by mail)" if result.get("replied") else ")"),
        ),
        ("Response rate", f"{result['response_rate']:.0%}"),
        ("Credits charged", str(result["credits_charged"])),
        ("Credits refunded", str(result["credits_refunded"])),
    ]
    if _console().width < 60:  # stack: the measure, then its value indented
        console = _console()
        console.print(f"Stats for seat {result['seat']}", markup=False)
        for measure, value in rows:
            line = f"  {measure}: {value}"
            console.print(line if len(line) <= console.width else f"  {measure}:\n    {value}", markup=False)
        return
    _listing(f"Stats for seat {result['seat']}", rows, ("Measure", "Value"), lambda row: row)


BAR = 20  # characters for the largest figure in the stats bar chart


def stats_by(periods: list[dict]) -> None:
    """One row per period, and a bar chart of sent (█) and responses (▒) beside it."""
    from rich.text import Text

    if not periods:
        _console().print("Stats: nothing sent yet.")
        return
    peak = max(p["sent"] for p in periods) or 1
    width = _console().width
    bar = max(4, min(BAR, width - 52))

    def cells(p):
        chart = Text("█" * round(p["sent"] * bar / peak), style="cyan")
        chart.append("\n" + "▒" * round(p["responses"] * bar / peak), style="green")
        return (
            p["first_day"],
            str(p["sent"]),
            str(p["responses"]),
            f"{p['response_rate']:.0%}",
            str(p["credits_charged"]),
            str(p["credits_refunded"]),
            chart,
        )

    _listing(
        f"Stats for seat {periods[0]['seat']}",
        periods,
        ("From", "Sent", "Resp.", "Rate", "Charged", "Refunded", "█ sent ▒ responses"),
        cells,
        drop=("█ sent ▒ responses", "Refunded", "Charged"),
    )


def agenda(days: list[dict], year: int | None = None) -> None:
    """One line per day: messages due against the daily limit; K2's cancels and the refresh marked."""
    from datetime import date

    if not days:
        return
    this_year = year if year is not None else int(days[0]["date"][:4])

    def cells(day):
        when = date.fromisoformat(day["date"])
        due = day["initials"] + day["followups"]
        notes = []
        if day["over_limit"]:
            notes.append(f"K2 cancels {day['over_limit']}")
        if day.get("canceled_other"):
            notes.append(f"{day['canceled_other']} canceled (other)")
        if day["refresh"]:
            notes.append("refresh")
        moved = [m["reason"] for m in day.get("moved", ())]  # W7
        if moved:
            notes.append("moved: " + ", ".join(f"{moved.count(r)} {r}" for r in dict.fromkeys(moved)))
        return (
            when.strftime("%a %d %b") + ("" if when.year == this_year else f" {when.year}"),
            str(day["initials"]),
            str(day["followups"]),
            f"{due}/{day['daily_limit']}",
            ", ".join(notes),
        )

    _listing(
        f"Agenda for seat {days[0]['seat']} ({days[0]['timezone']})",
        days,
        ("Day", "Initials", "Follow-ups", "Due/limit", "Notes"),
        cells,
        drop=("Follow-ups", "Initials"),
        shrink=("Notes",),
    )


def doctor(result: dict) -> None:
    console = _console()
    if result["ok"]:
        console.print(
            "All checks passed: balances equal the ledger, no double charge or refund,\n"
            "no follow-up out of order, schema current."
        )
        return
    for finding in result["findings"]:
        console.print(f"[{finding['check']}] {finding['message']}", markup=False)


def note(text: str) -> None:
    _console().print(text, markup=False)


def template_time(at: str, zone: str | None) -> str:
    """A template's saved time, one form everywhere: `2026-12-01 09:00 (recipient's zone)`."""
    zone = zone or "sender"
    where = f"{zone}'s zone" if zone in ("sender", "recipient") else zone
    return f"{at.replace('T', ' ')} ({where})"


def templates(rows: list[dict]) -> None:
    _listing(
        "Templates",
        rows,
        ("Name", "Subject", "Saved time", ""),
        lambda row: (
            row["name"],
            row["subject"],
            template_time(row["scheduled_at"], row["timezone"]) if row["scheduled_at"] else "-",
            _badge(row["messages"]),
        ),
        drop=("Saved time", "Subject"),
        shrink=("Subject", "Name"),
    )


def template(result: dict) -> None:
    console = _console()
    from rich.text import Text

    console.print(Text.assemble((f"Template {result['name']}", "bold"), "  ", _badge(result["messages"])))
    if result["scheduled_at"]:
        console.print(f"Saved time: {template_time(result['scheduled_at'], result['timezone'])}")
    _messages_text(console, result)


def preview(result: dict) -> None:
    console = _console()
    for entry in result["recipients"][:MAX_ROWS]:
        console.print(f"{entry['candidate']}: {entry['subject']}", markup=False)
        console.print(entry["body"], markup=False)
        if "followup_body" in entry:
            console.print(f"  follow-up: {entry['followup_subject']}", markup=False)
        if entry["missing"]:
            console.print(f"  missing: {', '.join(entry['missing'])}", markup=False)
    if len(result["recipients"]) > MAX_ROWS:
        console.print(f"... and {len(result['recipients']) - MAX_ROWS} more (use --json for all).")
    if result["missing"]:
        console.print(f"{len(result['missing'])} recipient(s) lack a value; schedule will refuse until fixed.")
    else:
        console.print("Every recipient has every value.")


class ImportProgress:
    """A Rich progress bar for imports of more than a few thousand rows (never under --json)."""

    THRESHOLD = 3000

    def __init__(self):
        self.bar = None
        self.task = None

    def __call__(self, done: int, total: int) -> None:
        if total < self.THRESHOLD:
            return
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(transient=True, console=_console())
            self.bar.start()
            self.task = self.bar.add_task("Importing candidates", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# ---------------------------------------------------------------- delivery (D1, D9)


def delivery_settings(result: dict) -> None:
    console = _console()
    console.print(f"Seat {result['seat']}: transport {result['kind']}")
    for key, value in result.items():
        if key not in ("seat", "kind", "warnings"):
            console.print(f"  {key.replace('_', '-')}: {'-' if value is None else value}", markup=False)


def delivery_test(result: dict) -> None:
    _console().print(f"Seat {result['seat']} ({result['kind']}): OK. {result['detail']}", markup=False)


# ---------------------------------------------------------------- incoming mail (I1-I7)


def mailbox_settings(result: dict) -> None:
    console = _console()
    console.print(f"Seat {result['seat']}: mailbox {result['kind']}", markup=False)
    for key, value in result.items():
        if key not in ("seat", "kind", "warnings"):
            console.print(f"  {key.replace('_', '-')}: {'-' if value is None else value}", markup=False)


def _incoming_cells(row: dict) -> tuple:
    kind = row["kind"] + (" (hard)" if row.get("hard") else " (soft)" if row.get("hard") is False else "")
    return (
        str(row["id"]),
        kind,
        row["from"] or "-",
        (row["subject"] or "-")[:40],
        "-" if row["thread_id"] is None else str(row["thread_id"]),
        row["matched_by"] or "-",
    )


_INCOMING_COLUMNS = ("#", "Kind", "From", "Subject", "Thread", "Matched by")


def incoming_list(rows: list[dict], title: str = "Incoming mail", limit: int | None = None) -> None:
    _listing(
        title,
        rows,
        _INCOMING_COLUMNS,
        _incoming_cells,
        limit,
        drop=("Matched by", "Subject"),
        shrink=("Subject", "From"),
    )


def incoming_result(result: dict) -> None:
    rows = result["incoming"]
    new = [row for row in rows if row.get("new", True)]
    ignored = sum(row["kind"] == "ignored" for row in new)
    shown = [row for row in rows if row["kind"] != "ignored"]
    known = len(rows) - len(new)
    notes = [f"{len(new)} new" + (f" (of which {ignored} ignored: not from a candidate)" if ignored else "")] + (
        [f"{known} already known"] if known else []
    )
    _console().print("Incoming mail: " + ", ".join(notes) + ".")
    if shown:
        incoming_list(shown, "Read", limit=50)


def incoming_one(row: dict) -> None:
    incoming_list([row], "Incoming mail")


def reclassified(row: dict) -> None:
    """I12: the mail as it now reads, and what that moved."""
    incoming_one(row)
    console = _console()
    if row["rescheduled"]:
        console.print(f"Scheduled again: message(s) {', '.join(map(str, row['rescheduled']))}.")
    if row["credits_charged"]:
        console.print(f"Charged {row['credits_charged']} credit(s).")
    if row["refunded"]:
        console.print(f"Refunded {row['refunded']} credit(s).")


def audit(result: dict) -> None:
    """M5: what the Sent folder showed."""
    console = _console()
    console.print(f"Seat {result['seat']}: {result['checked']} mail(s) in the Sent folder.", markup=False)
    for key, label in (
        ("duplicates", "delivered twice"),
        ("unknown_found", "unknown but found (they went)"),
        ("settled", "recorded sent"),
        ("missing", "sent but not in the folder"),
    ):
        if result[key]:
            console.print(f"{label}: " + ", ".join(map(str, result[key])), markup=False)
    if not (result["duplicates"] or result["unknown_found"] or result["missing"]):
        console.print("Everything sent is there, once.")


HEAT = " ░▒▓█"  # W6: the heat map's shades, from the lowest smoothed rate to the highest


def stats_by_hour(result: dict) -> None:
    """W6: a weekday x hour heat map of the smoothed response rate (76 columns), or at under 80 columns a plain
    table of the slots that have history."""
    console = _console()
    print_ = lambda text: console.print(text, markup=False)  # noqa: E731
    if not result["sent"]:
        print_(f"Seat {result['seat']}: no initial message sent yet; --at best uses Tue-Thu 09:00-11:00.")
        return
    print_(
        f"Seat {result['seat']}: {result['sent']} sent, {result['responses']} answered "
        f"({result['overall_rate']:.0%}); smoothed rate by local weekday and hour"
    )
    slots = {(s["weekday"], s["hour"]): s for s in result["slots"]}
    if console.width >= 80:
        rates = [s["rate"] for s in result["slots"]]
        low, high = min(rates), max(rates)
        print_("    " + "".join(f"{h:^3}" if h % 3 == 0 else "   " for h in range(24)).rstrip())
        for day in result["days"]:
            cells = []
            for hour in range(24):
                slot = slots[(day, hour)]
                if not slot["sent"]:
                    cells.append(" · ")
                    continue
                level = 0 if high == low else round((slot["rate"] - low) / (high - low) * (len(HEAT) - 1))
                cells.append(HEAT[max(1, level)] * 3)
            print_(f"{day} " + "".join(cells))
        print_(f"    {HEAT[1]} lowest {low:.0%} ... {HEAT[-1]} highest {high:.0%}; · nothing sent")
        return
    rows = [s for s in result["slots"] if s["sent"]]
    rows.sort(key=lambda s: -s["rate"])
    _listing(
        "By hour",
        rows,
        ("Slot", "Sent", "Resp", "Rate"),
        lambda s: (f"{s['weekday']} {s['hour']:02d}h", str(s["sent"]), str(s["responses"]), f"{s['rate']:.0%}"),
    )
