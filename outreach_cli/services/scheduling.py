"""schedule, reschedule and cancel (S1-S6, F1, F3, F5, F6, C1, C5, K3, K4, T4, T5)."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import placeholders, repo
from ..clock import Clock
from ..errors import (
    CANDIDATE_OPTED_OUT,
    INVALID_DELAY,
    INVALID_INPUT,
    INVALID_MESSAGE,
    INVALID_STATE,
    MISSING_VALUE,
    OUT_OF_NETWORK,
    SEAT_RESTRICTED,
    TIME_IN_PAST,
    UNKNOWN_TIMEZONE,
    OutreachError,
    Refusals,
    refuse,
)
from ..repo import delivery as repo_delivery
from ..repo import scheduling as repo_scheduling
from ..results import Canceled, Discarded, RescheduleResult, ScheduleResult
from ..shapes import Stream
from ..shapes import thread as thread_shape
from ..timeparse import from_text, get_zone, localize, parse_when, shift, to_text
from .common import get_message, get_thread, use_case
from .credits import charge, check_can_pay, payer, refund, refund_many
from .decision import cancellations
from .drafts import BODY_MAX, DELAY_MAX_HOURS, DELAY_MIN_HOURS, SUBJECT_MAX, check_followup_allowed, open_draft
from .placement import FOLLOWUP_MAX, placer_of

if TYPE_CHECKING:
    from .best import BestTime

SYSTEM_REASONS = (
    "daily_limit",
    "sender_restricted",
    "recipient_unavailable",
    "automation_disabled",
    "followup_not_available",
    "initial_not_sent",
)


class TimeChoice:
    """Resolves `--at` per recipient (S2, S3, S4), parsing once per zone."""

    def __init__(self, when: str | None, tz: str | None, seat, now, past_means_now: bool = False):
        if tz is not None and not tz.strip():
            raise refuse(
                UNKNOWN_TIMEZONE,
                "--tz is empty; give sender, recipient or an IANA zone such as Europe/Paris, or leave --tz out.",
            )
        self.when, self.tz, self.seat, self.now = when, tz or "sender", seat, now
        self.past_means_now = past_means_now
        self.explicit = None if self.tz in ("sender", "recipient") else get_zone(self.tz)
        self._cache: dict[str, tuple] = {}
        self.warnings: list[str] = []
        self.past_zones: set[str] = set()  # W2: zones where a template time in the past became now
        self.outside = 0  # W2: explicit times outside the seat's window (one warning counts them)

    def best_text(self, candidate) -> None:
        return None  # W6: only `--at best` records a slot's figures

    def picked(self, zone_name: str) -> bool:
        """W2: the tool picked this moment (--now, a template time in the past), so the window places it."""
        return self.when is None or zone_name in self.past_zones

    def for_candidate(self, candidate):
        if self.explicit is not None:
            zone_name, source = self.explicit.zone, "explicit"
        elif self.tz == "recipient" and candidate["timezone"]:
            zone_name, source = candidate["timezone"], "recipient"
        else:
            zone_name, source = self.seat["timezone"], "sender"
        if self.when is None:
            return self.now, zone_name, source
        if zone_name not in self._cache:
            instant, warning = parse_when(self.when, get_zone(zone_name), self.now)
            if warning and warning not in self.warnings:
                self.warnings.append(warning)
            if instant < self.now:
                if not self.past_means_now:
                    raise refuse(
                        TIME_IN_PAST,
                        f"{self.when} in {zone_name} ({to_text(instant)}) is in the past "
                        f"(now is {to_text(self.now)}); pick a later time or use --now.",
                    )
                self.warnings.append(
                    f"The template's time {self.when} in {zone_name} is in the past, "
                    "so the message is scheduled for now."
                )
                instant = self.now
                self.past_zones.add(zone_name)
            self._cache[zone_name] = instant
        return self._cache[zone_name], zone_name, source


def _check_sender(seat) -> None:
    if seat["restricted"]:
        raise refuse(
            SEAT_RESTRICTED,
            f"Seat {seat['name']} is restricted and cannot schedule messages; drafts can still be composed.",
        )


def _check_recipient(seat, candidate) -> None:
    if candidate["opted_out"]:
        raise refuse(
            CANDIDATE_OPTED_OUT,
            f"Candidate {candidate['handle']} has opted out of messages; compose the draft again without them.",
        )
    if candidate["out_of_network"] and seat["plan"] == "lite":
        raise refuse(
            OUT_OF_NETWORK,
            f"Candidate {candidate['handle']} is out of network, which a lite seat "
            "cannot message; compose again without them, or from a recruiter seat.",
        )


def sender_name(seat) -> str:
    """D14: `{sender_name}` is the display name of the seat's --from address when it has one, else the seat's name."""
    if seat["from_address"]:
        from ..mail import parse_address

        parsed = parse_address(seat["from_address"])
        if parsed and parsed[0].strip():
            return parsed[0].strip()
    return seat["name"]


class _Texts:
    """The draft's texts parsed once, rendered per recipient (T5, S6); gaps and overlong texts are
    collected for every recipient so one refusal can name them all."""

    def __init__(self, draft, seat) -> None:
        self.personal = placeholders.Personaliser.of_draft(draft, sender_name(seat), seat["signature"])
        self.two = draft["followup_body"] is not None
        self.missing: list[tuple[str, str]] = []  # (handle, the fields it lacks)
        self.too_long: list[str] = []

    def render(self, candidate) -> list[tuple[str, str]]:
        texts, gaps = self.personal.render(candidate)
        out = [(texts["subject"], texts["body"])]
        if self.two:
            out.append((texts["followup_subject"], texts["followup_body"]))
        for subject, body in out:
            if not subject.strip() or len(subject) > SUBJECT_MAX or not body.strip() or len(body) > BODY_MAX:
                self.too_long.append(candidate["handle"])
        if gaps:
            self.missing.append((candidate["handle"], ", ".join(gaps)))
        return out

    @property
    def ok(self) -> bool:
        return not (self.missing or self.too_long)

    def add_problems(self, problems: _Problems) -> None:
        if self.missing:
            by_fields: dict[str, list[str]] = {}
            for handle, fields in self.missing:  # every candidate named, grouped by what they lack
                by_fields.setdefault(fields, []).append(handle)
            shown = "; ".join(f"{fields} for {', '.join(handles)}" for fields, handles in by_fields.items())
            problems.add(
                refuse(
                    MISSING_VALUE,
                    f"Some placeholders have no value and no fallback: {shown}. "
                    "Fill in those candidates or add a fallback like {company|your team}.",
                ),
                f"some placeholders have no value and no fallback ({shown})",
            )
        if self.too_long:
            shown = ", ".join(dict.fromkeys(self.too_long[:5]))
            problems.add(
                refuse(
                    INVALID_MESSAGE,
                    f"After personalisation the text for {shown} is empty or over the "
                    f"limit (subject {SUBJECT_MAX}, body {BODY_MAX} characters).",
                )
            )


class _Problems:
    """Point 10 of issue 21: `schedule` names every problem of a draft, not only the first. The checks that are
    about the draft (its recipients, follow-up, credits, addresses, texts and time) add their refusal here; one
    problem is refused as it always was, several in one sentence, `Draft 3 cannot be scheduled: A; B; and C.`,
    with the first one's code and every one in the JSON error's `problems: [{code, message}]`."""

    def __init__(self, draft_id: int):
        self.draft_id = draft_id
        self.found: list[tuple[OutreachError, str]] = []

    def add(self, error: OutreachError, clause: str | None = None) -> None:
        if clause is None:  # the refusal's first clause, inside a longer sentence
            first = error.message.split("; ")[0].rstrip(".")
            clause = first[:1].lower() + first[1:]
        self.found.append((error, clause))

    def check(self, check, *args, clause: str | None = None):
        try:
            return check(*args)
        except OutreachError as exc:
            self.add(exc, clause)
            return None

    def refuse_if_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0][0]
        if self.found:
            clauses = [clause for _error, clause in self.found]
            listed = "; ".join(clauses[:-1]) + "; and " + clauses[-1]
            raise Refusals(
                f"Draft {self.draft_id} cannot be scheduled: {listed}.",
                self.found[0][0].code,
                [{"code": error.code, "message": error.message} for error, _clause in self.found],
            )


def _message_ids(from_address: str | None):
    """A maker of new Message-IDs in the sender's domain (mail.message_id_maker); a seat without an address gets
    mail.FALLBACK_DOMAIN without importing the email package (start-up time of every bulk schedule)."""
    if not from_address:
        return lambda: f"<{os.urandom(16).hex()}@outreach.invalid>"
    from .. import mail

    return mail.message_id_maker(from_address)


def _check_addresses(db, seat, draft_id: int, problems: _Problems) -> None:
    """D3: a seat with an email transport needs a sender address, and every recipient an email; one refusal
    names the seat and each candidate without one."""
    kind = repo_delivery.transport_kind(db, seat["id"])
    if kind == "none":
        return
    from ..transports import transport_class

    if not transport_class(kind).email:
        return
    gaps = []
    if not seat["from_address"]:
        gaps.append(
            f'seat {seat["name"]} has no sender address (`outreach seats set {seat["name"]} --from "Name <address>"`)'
        )
    missing = repo_delivery.recipients_without_email(db, draft_id)
    if missing:
        more = " and more" if len(missing) == 50 else ""
        gaps.append(f"email for {', '.join(missing)}{more} (`outreach candidates set HANDLE --email ADDRESS`)")
    if gaps:
        problems.add(
            refuse(MISSING_VALUE, f"The seat's transport sends email, so: {'; '.join(gaps)}. Nothing was scheduled."),
            "the seat's transport sends email, but "
            + " and ".join(
                [f"seat {seat['name']} has no sender address"] * (not seat["from_address"])
                + [
                    f"{', '.join(missing)}{' and more' if len(missing) == 50 else ''} "
                    f"{'have' if len(missing) > 1 else 'has'} no email"
                ]
                * bool(missing)
            ),
        )


def _check_recipients(db, seat, draft_id: int, problems: _Problems) -> int:
    """K4 for every recipient at once, in SQL; returns how many there are."""
    count = repo.draft_recipient_count(db, draft_id)
    if not count:
        raise refuse(INVALID_STATE, f"Draft {draft_id} has no recipients left; compose a new one.")
    opted_out = repo.find_first_opted_out_recipient(db, draft_id)
    if opted_out is not None:
        problems.check(_check_recipient, seat, opted_out)
    if seat["plan"] == "lite":
        outside = repo.find_first_out_of_network_recipient(db, draft_id)
        if outside is not None:
            problems.check(_check_recipient, seat, outside)
    from ..repo.incoming import undeliverable_recipients

    bounced = undeliverable_recipients(db, draft_id)
    if bounced:  # I5: a hard bounce marked their email undeliverable
        problems.add(
            refuse(
                MISSING_VALUE,
                f"The email of {', '.join(bounced)} bounced as undeliverable (email); "
                "set a working one with `outreach candidates set HANDLE --email ADDRESS`.",
            )
        )
    return count


def schedule(
    db, *, draft_id, at: str | None = None, tz: str | None = None, now_flag: bool = False, clock: Clock
) -> ScheduleResult:
    """Schedule a draft for all its recipients in one transaction (C1), checks included: recipients are
    read, rendered and written a chunk at a time, and any refusal rolls the whole draft back. Then D15: when some
    local day of the seat holds more messages than its daily limit, one warning names each day and how many K2
    would cancel, as `agenda` counts them (its rehearsal runs only then: a schedule within the limit costs one
    count per day its messages touch)."""
    result, crowded = _schedule(db, draft_id=draft_id, at=at, tz=tz, now_flag=now_flag, clock=clock)
    if crowded:
        result["warnings"] += _daily_limit_warning(db, crowded, clock)
    return result


def _crowded_days(db, seat, due_counts: dict, now) -> list:
    """The seat's local days this draft's messages fall on where its scheduled and sent messages outnumber the
    daily limit (K2), overdue ones counted today; a cheap count, told exactly by `agenda` afterwards."""
    zone = get_zone(seat["timezone"])
    today = now.astimezone(zone).date()
    days = sorted({max(from_text(text).astimezone(zone).date(), today) for text in due_counts})
    crowded = []
    for day in days:
        start, _ = localize(datetime(day.year, day.month, day.day), zone)
        following = day + timedelta(days=1)
        end, _ = localize(datetime(following.year, following.month, following.day), zone)
        due = repo_scheduling.scheduled_between(db, seat["id"], "" if day == today else to_text(start), to_text(end))
        if due + repo.count_sent_between(db, seat["id"], to_text(start), to_text(end)) > seat["daily_limit"]:
            crowded.append(day)
    return crowded and [seat["name"], crowded]


def _daily_limit_warning(db, crowded, clock) -> list[str]:
    """D15: the days `agenda` shows over the limit, among those the draft's messages fall on, in one line."""
    from .agenda import MAX_DAYS, agenda

    seat_name, days = crowded
    today = clock.now().astimezone(get_zone(repo.find_seat_by_name(db, seat_name)["timezone"])).date()
    span = min((days[-1] - today).days + 1, MAX_DAYS)
    over = [
        (entry["date"], entry["over_limit"], entry["daily_limit"])
        for entry in agenda(db, seat_name=seat_name, days=span, clock=clock)
        if entry["over_limit"] and date.fromisoformat(entry["date"]) in days
    ]
    if not over:
        return []
    listed = ", ".join(f"{n} on {date.fromisoformat(d).strftime('%a')} {d}" for d, n, _limit in over)
    return [
        f"Seat {seat_name}'s daily limit of {over[0][2]} means the tick would cancel and refund {listed} "
        "(with the follow-up of each canceled initial); see `outreach agenda`, spread the messages over more "
        f"days, or raise the limit with `outreach seats set {seat_name} --daily-limit N`."
    ]


@use_case
def _schedule(db, *, draft_id, at: str | None, tz: str | None, now_flag: bool, clock: Clock):
    draft = open_draft(db, draft_id)
    seat = repo.find_seat_by_id(db, draft["seat_id"])
    _check_sender(seat)
    problems = _Problems(draft["id"])
    count = _check_recipients(db, seat, draft["id"], problems)
    has_followup = draft["followup_body"] is not None
    if has_followup:
        problems.check(
            check_followup_allowed,
            db,
            seat,
            clause=f"it has a follow-up, which seat {seat['name']} cannot send"
            if seat["plan"] != "recruiter"
            else "it has a follow-up, and automated follow-ups are turned off for this contract",
        )
    now = clock.now()
    if now_flag and at:
        raise refuse(INVALID_INPUT, "Give either --at or --now, not both.")
    from_template = False
    if not now_flag and at is None:
        if not draft["template_at"]:
            raise refuse(INVALID_INPUT, "Say when to send it: --at WHEN (e.g. 2026-12-01T09:00 or +2h) or --now.")
        at, tz, from_template = draft["template_at"], (tz if tz is not None else draft["template_tz"]), True
    if at is not None and at.strip().lower() == "best":  # W6
        from .best import BestTime

        times: TimeChoice | BestTime = BestTime(db, seat, now)
    else:
        times = TimeChoice(None if now_flag else at, tz, seat, now, past_means_now=from_template)
    per_thread = 2 if has_followup else 1
    problems.check(check_can_pay, db, seat, count * per_thread)
    _check_addresses(db, seat, draft["id"], problems)
    texts = _Texts(draft, seat)
    due_counts: dict = {}
    _insert_threads(db, draft, seat, times, texts, now, problems, due_counts)
    times.warnings += _outside_window_warning(seat, times)
    repo.update_draft(db, draft["id"], status="scheduled")
    threads = Stream(
        count, lambda: (thread_shape(row, messages) for row, messages in repo.iter_threads_of_draft(db, draft["id"]))
    )
    return (
        {
            "draft_id": draft["id"],
            "threads": threads,
            "credits_charged": count * per_thread,
            "warnings": times.warnings,
        },
        _crowded_days(db, seat, due_counts, now),
    )


def _insert_threads(db, draft, seat, times, texts, now, problems: _Problems, due_counts: dict) -> None:
    """`due_counts`: filled with how many of the new messages fall due at each moment (D15's daily check)."""
    account = payer(seat)
    delay = draft["followup_delay_hours"]
    instant_text: dict = {}
    new_id = _message_ids(seat["from_address"])  # D3: stable, every retry reuses it
    placer = placer_of(seat)
    message_ids: list[int] = []
    for chunk in repo.iter_draft_recipients(db, draft["id"]):
        planned = []
        for candidate in chunk:
            try:
                instant, zone_name, source = times.for_candidate(candidate)
            except OutreachError as exc:  # a time in the past: no text can be placed, but the rest is named
                texts.add_problems(problems)
                problems.add(exc)
                problems.refuse_if_any()
            key = instant if placer is None else (instant, zone_name, candidate["timezone"], candidate["country"])
            if key not in instant_text:
                instant_text[key] = _planned_times(placer, times, instant, zone_name, candidate, delay)
            initial_at, followup_at, outside = instant_text[key]
            times.outside += outside
            rendered = texts.render(candidate)
            if not texts.ok or problems.found:
                continue  # keep reading to name every problem; nothing of this draft will be kept
            planned.append(
                (candidate["id"], zone_name, source, initial_at, followup_at, rendered, times.best_text(candidate))
            )
        if not texts.ok or problems.found:
            continue
        thread_of = repo_scheduling.insert_threads(db, draft["id"], seat["id"], [p[0] for p in planned])
        message_rows = []
        for candidate_id, zone_name, source, initial_at, followup_at, rendered, best in planned:
            thread_id = thread_of[candidate_id]
            due_counts[initial_at] = due_counts.get(initial_at, 0) + 1
            if len(rendered) > 1:
                due_counts[followup_at] = due_counts.get(followup_at, 0) + 1
            for kind, (subject, body) in zip(("initial", "followup"), rendered, strict=False):  # one or two messages
                followup = kind == "followup"
                message_rows.append(
                    (
                        thread_id,
                        kind,
                        seat["id"],
                        candidate_id,
                        subject,
                        body,
                        "scheduled",
                        followup_at if followup else initial_at,
                        zone_name,
                        source,
                        delay if followup else None,
                        account,
                        "charged",
                        new_id(),
                        None if followup else best,
                    )
                )
        message_ids += repo_scheduling.insert_messages(db, message_rows)
    texts.add_problems(problems)
    problems.refuse_if_any()
    charge(db, seat, message_ids, to_text(now), mark=False)


def _planned_times(placer, times, instant, zone_name, candidate, delay) -> tuple[str, str, int]:
    """The initial's and the follow-up's times (W2): a moment the tool picked moves to the window's next opening;
    an explicit one is kept (counted, for one warning); the follow-up's due moment is always placed, never past
    F2's 28 days. Returns (initial, follow-up, 1 when the explicit time is outside the window)."""
    followup = shift(instant, timedelta(hours=delay or 0), "follow-up time")
    if placer is None:
        return to_text(instant), to_text(followup), 0
    outside = 0
    if times.picked(zone_name):
        instant = placer.place(instant, candidate["timezone"], candidate["country"])[0]
        followup = shift(instant, timedelta(hours=delay or 0), "follow-up time")
    elif not placer.is_open(instant, candidate["timezone"], candidate["country"]):
        outside = 1
    if delay:
        followup = placer.place(followup, candidate["timezone"], candidate["country"], instant + FOLLOWUP_MAX)[0]
    return to_text(instant), to_text(followup), outside


def _outside_window_warning(seat, times) -> list[str]:
    count = times.outside
    if not count:
        return []
    return [
        f"{count} message{'s' if count != 1 else ''} will go outside seat {seat['name']}'s window "
        f"({seat['send_window']}) at the time written, which is kept."
    ]


# ---------------------------------------------------------------- cancel (C5)


def cancel_and_refund(db, message, reason: str, at_text: str, out: list | None = None, followup=None) -> int:
    """Cancel a scheduled message and return its credit (C5, C6); with `followup` (an initial's), that one too
    when still scheduled, as `initial_not_sent` (F5). The tick takes the same decision (decision.cancellations)
    a batch at a time."""
    pairs = cancellations(message, reason, followup)
    repo_delivery.cancel(db, pairs)
    if out is not None:
        out.extend({"id": mid, "reason": why} for why, mid in pairs)
    rows = {message["id"]: message, **({followup["id"]: followup} if followup is not None else {})}
    return refund_many(db, [rows[mid] for _why, mid in pairs], at_text)


def refund_failed(db, message, at_text: str, canceled: list | None = None) -> int:
    """A message that failed (D5) or bounced (I5) returns its credit (C6, at most once: C10); an initial takes its
    still-scheduled follow-up with it, canceled `initial_not_sent` and refunded (F5). Returns the credits."""
    refunded = refund(db, message, at_text)
    if message["kind"] == "initial":
        followup = repo.find_followup_of(db, message["thread_id"])
        if followup is not None and followup["status"] == "scheduled":
            refunded += cancel_and_refund(db, followup, "initial_not_sent", at_text, canceled)
    return refunded


def cancel(db, *, message_id=None, thread_id=None, draft_id=None, clock: Clock) -> Canceled | Discarded:
    """`cancel`: one message, a thread's scheduled messages, or a draft (discarded)."""
    if sum(x is not None for x in (message_id, thread_id, draft_id)) != 1:
        raise refuse(INVALID_INPUT, "Give exactly one of MESSAGE, --thread THREAD or --draft DRAFT.")
    if message_id is not None:
        return cancel_message(db, message_id=message_id, clock=clock)
    if thread_id is not None:
        return cancel_thread(db, thread_id=thread_id, clock=clock)
    from .drafts import discard

    return discard(db, draft_id=draft_id)


@use_case
def cancel_message(db, *, message_id, clock: Clock) -> Canceled:
    message = get_message(db, message_id)
    if message["status"] != "scheduled":
        raise refuse(
            INVALID_STATE, f"Message {message['id']} is {message['status']}; only scheduled messages can be canceled."
        )
    at_text = to_text(clock.now())
    canceled: list = []
    followup = repo.find_followup_of(db, message["thread_id"]) if message["kind"] == "initial" else None
    refunded = cancel_and_refund(db, message, "canceled", at_text, canceled, followup)
    return Canceled(canceled, refunded)


@use_case
def cancel_thread(db, *, thread_id, clock: Clock) -> Canceled:
    thread = get_thread(db, thread_id)
    scheduled = [m for m in repo.thread_messages(db, thread["id"]) if m["status"] == "scheduled"]
    if not scheduled:
        raise refuse(INVALID_STATE, f"Thread {thread['id']} has no scheduled messages to cancel.")
    at_text = to_text(clock.now())
    canceled: list = []
    refunded = sum(cancel_and_refund(db, m, "canceled", at_text, canceled) for m in scheduled)
    return Canceled(canceled, refunded)


# ---------------------------------------------------------------- reschedule


def _followup_delay(initial, instant) -> int:
    """L7: a rescheduled follow-up keeps F2, counted from the moment its initial was sent (a follow-up can
    only be rescheduled once its initial went); returns the new delay in whole hours (minutes dropped)."""
    sent_at = from_text(initial["sent_at_utc"])
    delay = instant - sent_at
    if not timedelta(hours=DELAY_MIN_HOURS) <= delay <= timedelta(hours=DELAY_MAX_HOURS):
        raise refuse(
            INVALID_DELAY,
            f"A follow-up goes 72 hours to 28 days after its initial message, which was "
            f"sent at {to_text(sent_at)}; pick a time from {to_text(sent_at + timedelta(hours=DELAY_MIN_HOURS))} "
            f"to {to_text(sent_at + timedelta(hours=DELAY_MAX_HOURS))}.",
        )
    return int(delay.total_seconds() // 3600)


def _check_reschedule_address(db, seat, candidate) -> None:
    """D17: a rescheduled message is refused as `schedule` would refuse its recipient: an email marked
    undeliverable by a bounce (I5), or, with an email transport, a missing sender address or recipient email (D3)."""
    if candidate["email_undeliverable"]:
        raise refuse(
            MISSING_VALUE,
            f"The email of {candidate['handle']} bounced as undeliverable (email); set a "
            "working one with `outreach candidates set HANDLE --email ADDRESS`.",
        )
    from ..transports import transport_class

    if transport_class(repo_delivery.transport_kind(db, seat["id"])).email:
        if not seat["from_address"]:
            raise refuse(
                MISSING_VALUE,
                f"Seat {seat['name']} has no sender address (`outreach seats set "
                f'{seat["name"]} --from "Name <address>"`); nothing was rescheduled.',
            )
        if not (candidate["email"] or "").strip():
            raise refuse(
                MISSING_VALUE,
                f"Candidate {candidate['handle']} has no email (`outreach candidates set "
                f"{candidate['handle']} --email ADDRESS`); nothing was rescheduled.",
            )


@use_case
def reschedule(
    db, *, message_id, at: str | None = None, tz: str | None = None, now_flag: bool = False, clock: Clock
) -> RescheduleResult:
    message = get_message(db, message_id)
    thread = get_thread(db, message["thread_id"])
    seat = repo.find_seat_by_id(db, message["seat_id"])
    if thread["response_kind"]:
        raise refuse(INVALID_STATE, f"Thread {thread['id']} already has a response; nothing more is sent.")
    if message["status"] == "failed":  # D17: a failed message goes again only as a new draft (charged, checked)
        raise refuse(
            INVALID_STATE,
            f"Message {message['id']} failed; to send it again, compose and schedule a new "
            "draft (it is charged and its address checked like any schedule).",
        )
    if message["status"] not in ("scheduled", "canceled") or (
        message["status"] == "canceled" and message["cancel_reason"] not in SYSTEM_REASONS
    ):
        raise refuse(
            INVALID_STATE,
            f"Message {message['id']} is {message['status']}; only scheduled messages or "
            "messages the system canceled can be rescheduled.",
        )
    if bool(at) == bool(now_flag):
        raise refuse(INVALID_INPUT, "Say when to send it: --at WHEN or --now.")
    initial = repo.find_initial_of(db, thread["id"])
    if message["kind"] == "followup":
        if initial["status"] != "sent":
            raise refuse(
                INVALID_STATE,
                f"A follow-up's time follows its initial message; reschedule message {initial['id']} instead.",
            )
        check_followup_allowed(db, seat)
    _check_sender(seat)
    candidate = repo.find_candidate_by_id(db, message["candidate_id"])
    if candidate["removed"]:
        raise refuse(INVALID_STATE, "That candidate was removed; their messages cannot be sent.")
    _check_recipient(seat, candidate)
    _check_reschedule_address(db, seat, candidate)
    now = clock.now()
    choice = (
        tz
        if tz is not None
        else (
            message["timezone"]
            if message["timezone_source"] == "explicit"
            else ("recipient" if message["timezone_source"] == "recipient" else "sender")
        )
    )
    if at is not None and at.strip().lower() == "best":  # W6
        from .best import BestTime

        times: TimeChoice | BestTime = BestTime(db, seat, now)
    else:
        times = TimeChoice(None if now_flag else at, choice, seat, now)
    instant, zone_name, source = times.for_candidate(candidate)
    followup = repo.find_followup_of(db, thread["id"]) if message["kind"] == "initial" else None
    revive = [message] if message["status"] == "canceled" or message["credit"] == "refunded" else []
    warnings = list(times.warnings)
    placer = placer_of(seat)
    if placer is not None and source != "best":  # W2: --now is placed; an explicit --at is kept, with a warning
        if now_flag:
            limit = from_text(initial["sent_at_utc"]) + FOLLOWUP_MAX if message["kind"] == "followup" else None
            instant = placer.place(instant, candidate["timezone"], candidate["country"], limit)[0]
        elif not placer.is_open(instant, candidate["timezone"], candidate["country"]):
            warnings.append(
                f"Message {message['id']} will go outside seat {seat['name']}'s window "
                f"({seat['send_window']}) at the time written, which is kept."
            )
    if followup is not None and followup["status"] == "scheduled" and followup["credit"] == "refunded":
        revive.append(followup)  # D17: whatever goes again carries its charge
    elif followup is not None and followup["status"] == "canceled" and followup["cancel_reason"] == "initial_not_sent":
        try:
            check_followup_allowed(db, seat)
            revive.append(followup)
        except OutreachError as exc:  # the initial goes; its follow-up stays canceled and we say why
            warnings.append(f"The follow-up stays canceled: {exc}")
    fields = {}
    if message["kind"] == "followup":
        fields["delay_hours"] = _followup_delay(initial, instant)
    repo.set_message(
        db,
        message["id"],
        status="scheduled",
        cancel_reason=None,
        send_at_utc=to_text(instant),
        timezone=zone_name,
        timezone_source=source,
        best=times.best_text(candidate),
        **fields,
    )
    revived_ids = {m["id"] for m in revive}
    if followup is not None and (followup["status"] == "scheduled" or followup["id"] in revived_ids):
        followup_at = shift(instant, timedelta(hours=followup["delay_hours"]), "follow-up time")
        if placer is not None:
            followup_at = placer.place(
                followup_at, candidate["timezone"], candidate["country"], instant + FOLLOWUP_MAX
            )[0]
        repo.set_message(db, followup["id"], status="scheduled", cancel_reason=None, send_at_utc=to_text(followup_at))
    if revive:
        charge(db, seat, [m["id"] for m in revive], to_text(now))  # refuses, and rolls all back, if it cannot pay
    messages = repo.thread_messages(db, thread["id"])
    return {
        "thread": thread_shape(get_thread(db, thread["id"]), messages),
        "credits_charged": len(revive),
        "warnings": warnings,
    }
