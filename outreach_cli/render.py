"""Human output: Rich tables readable at 80 columns, local times next to UTC.
Rich is imported here only, and only when a human asks for output."""
from __future__ import annotations

from .timeparse import from_text, hours_text, local_text

MAX_ROWS = 50


def _console():
    from rich.console import Console
    return Console(highlight=False, soft_wrap=False)


def _table(title: str | None, *columns: str, keep: tuple[str, ...] = ()):
    """A table; columns named in `keep` never wrap (ids, times), the others fold."""
    from rich import box
    from rich.table import Table
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False, collapse_padding=True)
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in keep)
    return table


def _add(table, *cells) -> None:
    """Add a row of plain text: candidates' names are data, never Rich markup."""
    from rich.text import Text
    table.add_row(*(cell if isinstance(cell, Text) else Text(str(cell)) for cell in cells))


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
    return message["status"]


def _when(message: dict) -> tuple[str, str]:
    """The local time in the zone the message uses (year dropped to fit 80 columns), and UTC."""
    moment = message["sent_at"] or message["send_at"]
    return _local(moment, message["timezone"])[5:], _utc(moment)[5:]


def messages(rows: list[dict], title: str = "Messages") -> None:
    _listing(title, rows, ("Msg", "Thr", "Kind", "To", "Status", "When (local)", "UTC"), lambda row: (
        str(row["id"]), str(row["thread_id"]), "follow-up" if row["kind"] == "followup" else row["kind"],
        row["candidate"], _status(row), *_when(row)), MAX_ROWS, keep=("Msg", "Thr", "Kind", "When (local)", "UTC"))


def schedule_result(result: dict) -> None:
    from itertools import islice
    count = len(result["threads"])
    shown = [m for t in islice(result["threads"], MAX_ROWS // 2) for m in t["messages"]]
    messages(shown, f"Draft {result['draft_id']} scheduled: {count} thread(s)")
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
    console.print(f"Draft {result['id']} ({result['status']}) from seat {result['seat']}"
                  + (f", template {result['template']}" if result["template"] else ""), markup=False)
    console.print(f"To ({len(result['recipients'])}): " + ", ".join(result["recipients"][:10])
                  + (" ..." if len(result["recipients"]) > 10 else ""), markup=False)
    _messages_text(console, result)
    if result.get("template_at"):
        console.print(f"Saved time: {result['template_at']} ({result['template_tz'] or 'sender'})")


def _listing(title: str, rows: list, columns: tuple, cells, limit: int | None = None, keep: tuple = ()) -> None:
    """A titled table of rows ("Title: none." when empty), cut at `limit` rows with a note."""
    console = _console()
    if not rows:
        console.print(f"{title}: none.")
        return
    table = _table(title, *columns, keep=keep)
    for row in rows[:limit]:
        _add(table, *cells(row))
    console.print(table)
    if limit and len(rows) > limit:
        console.print(f"... and {len(rows) - limit} more (use --json for all).")


def drafts(rows: list[dict]) -> None:
    _listing("Drafts", rows, ("Draft", "To", "Subject", "Follow-up"), lambda row: (
        str(row["id"]), str(len(row["recipients"])), row["subject"],
        hours_text(row["followup"]["delay_hours"]) if row["followup"] else "-"))


def thread(result: dict) -> None:
    messages(result["messages"], f"Thread {result['id']}: {result['seat']} -> {result['candidate']}")
    response = result["response"]
    console = _console()
    if response:
        console.print(f"Response: {response['kind']} at {_utc(response['at'])} to message {response['message_id']}.")
    if "refunded" in result:
        console.print(f"Refunded {result['refunded']} credit(s).")


def reschedule_result(result: dict) -> None:
    thread(result["thread"])
    if result["credits_charged"]:
        _console().print(f"Charged {result['credits_charged']} credit(s) again.")


def cancel_result(result: dict) -> None:
    console = _console()
    if "discarded" in result:
        console.print(f"Draft {result['draft_id']} discarded.")
        return
    for item in result["canceled"]:
        why = "" if item["reason"] == "canceled" else f" ({item['reason']})"
        console.print(f"Message {item['id']} canceled{why}.")
    console.print(f"Refunded {result['refunded']} credit(s).")


def tick_result(result: dict) -> None:
    console = _console()
    prefix = "(dry run) would " if result["dry_run"] else ""
    span = f"{_utc(result['from'])} -> {_utc(result['to'])}"
    if not (result["sent"] or result["canceled"] or result["refreshes"]):
        console.print(f"{span}: nothing due." + (" (dry run)" if result["dry_run"] else ""))
        return
    console.print(f"{span}: {prefix}{'send' if prefix else 'sent'} {len(result['sent'])}, "
                  f"{'cancel' if prefix else 'canceled'} {len(result['canceled'])}, "
                  f"{'refund' if prefix else 'refunded'} {result['refunded']}.")
    reasons: dict[str, int] = {}
    for item in result["canceled"]:
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    for reason, count in sorted(reasons.items()):
        console.print(f"  canceled {count} x {reason}")
    for refresh in result["refreshes"]:
        cut = f", {refresh['expired']} expired over the cap" if refresh["expired"] else ""
        console.print(f"  refresh {_utc(refresh['at'])}: seat {refresh['seat']} +{refresh['allotment']}{cut}")


def seat(result: dict) -> None:
    seats([result])


def seats(rows: list[dict]) -> None:
    table = _table("Seats", "Seat", "Plan", "Zone", "Credits", "Daily", "Monthly", "Flags")
    for row in rows:
        monthly = f"{row['used_this_period']}/{row['monthly_limit']}" if row["monthly_limit"] is not None else "-"
        _add(table, row["name"], row["plan"], row["timezone"], str(row["balance"]), str(row["daily_limit"]),
                      monthly, "restricted" if row["restricted"] else "")
    _console().print(table)


def init_result(result: dict) -> None:
    console = _console()
    console.print(f"Created {result['db']}.")
    seats([result["seat"]])
    console.print(f"Clock: {result['clock']['mode']}, now {_utc(result['clock']['now'])}.")


def contract(result: dict) -> None:
    console = _console()
    limits = ", ".join(f"{k}: {v}" for k, v in result["monthly_limits"].items()) or "none"
    console.print(f"Contract pool: {result['pool']} credit(s)\nAutomated follow-ups: {result['followups']}\n"
                  f"Refresh day: {result['refresh_day']} (allotments: recruiter {result['allotments']['recruiter']}, "
                  f"lite {result['allotments']['lite']})\nAdmin monthly limits: {limits}")


def candidate(result: dict) -> None:
    candidates([result])


def candidates(rows: list[dict]) -> None:
    def cells(row):
        flags = ", ".join(f for f, on in (("out-of-network", row["out_of_network"]), ("opted out", row["opted_out"]))
                          if on)
        name = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
        return row["handle"], name, row["company"] or "-", row["timezone"] or "-", flags
    _listing("Candidates", rows, ("Handle", "Name", "Company", "Zone", "Flags"), cells, MAX_ROWS * 4)


def import_result(result: dict) -> None:
    console = _console()
    console.print(f"Imported: {result['created']} new, {result['updated']} updated.")
    for bad in result["skipped"]:
        console.print(f"  skipped line {bad['line']}: {bad['reason']}", markup=False)


def removed(result: dict) -> None:
    _console().print(f"Removed {result['handle']}: personal fields erased; history kept as "
                     f"{result['anonymous_handle']}.")


def clock(result: dict) -> None:
    _console().print(f"Clock: {result['mode']}, now {_utc(result['now'])}.")


def credits(result: dict) -> None:
    console = _console()
    seat_row = result["seat"]
    limit = (f", admin monthly limit {seat_row['used_this_period']}/{seat_row['monthly_limit']} used"
             if seat_row["monthly_limit"] is not None else "")
    console.print(f"Seat {seat_row['name']}: {seat_row['balance']} credit(s){limit}. "
                  f"Contract pool: {result['contract']['pool']}. Next refresh {_utc(seat_row['next_refresh'])}.")
    if "ledger" in result:
        table = _table("Ledger", "#", "At (UTC)", "Account", "Delta", "Reason", "Msg")
        for row in result["ledger"][-MAX_ROWS * 2:]:
            account = row["account"] if row["account"] == "contract" else f"seat {row['seat']}"
            _add(table, str(row["id"]), _utc(row["at"]), account, f"{row['delta']:+d}", row["reason"],
                          str(row["message_id"] or "-"))
        console.print(table)


def stats(result: dict) -> None:
    table = _table(f"Stats for seat {result['seat']}", "Measure", "Value")
    _add(table, "Sent", f"{result['sent']} ({result['sent_initial']} initial, {result['sent_followup']} follow-up)")
    _add(table, "Responses (within 30 days)",
                  f"{result['responses']} ({result['accepted']} accepted, {result['declined']} declined)")
    _add(table, "Response rate", f"{result['response_rate']:.0%}")
    _add(table, "Credits charged", str(result["credits_charged"]))
    _add(table, "Credits refunded", str(result["credits_refunded"]))
    _console().print(table)


def doctor(result: dict) -> None:
    console = _console()
    if result["ok"]:
        console.print("All checks passed: balances equal the ledger, no double charge or refund, "
                      "no follow-up out of order, schema current.")
        return
    for finding in result["findings"]:
        console.print(f"[{finding['check']}] {finding['message']}", markup=False)


def note(text: str) -> None:
    _console().print(text, markup=False)


def templates(rows: list[dict]) -> None:
    _listing("Templates", rows, ("Name", "Subject", "Saved time", ""), lambda row: (
        row["name"], row["subject"],
        f"{row['scheduled_at'].replace('T', ' ')} ({row['timezone']})" if row["scheduled_at"] else "-",
        _badge(row["messages"])))


def template(result: dict) -> None:
    console = _console()
    from rich.text import Text
    console.print(Text.assemble((f"Template {result['name']}", "bold"), "  ", _badge(result["messages"])))
    if result["scheduled_at"]:
        console.print(f"Saved time: {result['scheduled_at'].replace('T', ' ')} ({result['timezone']} zone)")
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
