"""I5, I9: every sample of the shared mail corpus (294 real bounces, delivery reports and auto-replies nobody on
this project wrote; ../shared/mail-corpus, manifest.json gives each sample's class) goes through the path a real
mail takes (`replies import`: parse, classify, match, settle) against a thread of our own, and ends as its
manifest entry says. See docs/rules.md ("Replies you can trust") for how a class is checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.helpers import Cli

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "mail-corpus"
if not (CORPUS / "manifest.json").is_file():
    pytest.skip(f"the shared mail corpus is not at {CORPUS}", allow_module_level=True)

SAMPLES = json.loads((CORPUS / "manifest.json").read_text())["samples"]
SEAT_FROM = "Ada Lovelace <ada@recruiting.example.com>"


_IDS = [sample["message_id"] for sample in SAMPLES]


def _email(index: int, sample: dict) -> str:
    """Matched by its sender (and a person's mail, which matches by its sender whatever it quotes): the candidate
    has the sample's From address; else an address of our own."""
    if sample["rewrite"] == "none" or sample["expected"] == "reply":
        return sample["from"]
    return f"c{index}@corpus.example.com"


@pytest.fixture(scope="module")
def corpus_world(tmp_path_factory):
    """One database, one candidate and one sent thread (a follow-up still scheduled) per sample."""
    root = tmp_path_factory.mktemp("corpus")
    cli = Cli(root / "outreach.db")
    db = ("--db", cli.db_path)
    cli("init", "--seat", "ada", "--tz", "UTC", "--simulated-clock", "2026-12-01T08:00", "--credits", "1000", *db)
    cli("seats", "set", "ada", "--from", SEAT_FROM, "--daily-limit", "1000", *db)
    lines = ["handle,first_name,last_name,email"]
    lines += [f"s{index},Sample,{index},{_email(index, sample)}" for index, sample in enumerate(SAMPLES)]
    (root / "people.csv").write_text("\n".join(lines) + "\n")
    cli("candidates", "import", root / "people.csv", *db)
    (root / "to.txt").write_text("\n".join(f"s{index}" for index in range(len(SAMPLES))) + "\n")
    draft = cli.json("compose", "--to-file", root / "to.txt", "--subject", "A role", "--body", "Hello", *db)
    cli.json("followup", draft["id"], "--body", "Any thoughts?", *db)
    scheduled = cli.json("schedule", draft["id"], "--now", *db)
    cli("tick", *db)
    threads = {thread["candidate"]: thread for thread in scheduled["threads"]}
    return cli, threads


def _ours(raw: bytes, sample: dict, our_id: str) -> bytes:
    """The sample made to refer to our message, as the corpus README says: each id of replace_ids becomes ours
    in the body and in the top-level In-Reply-To/References (never the report's own Message-ID). A sample whose
    own Message-ID another sample shares (copies of one report) gets one of its own, or I3 would take it for
    the mail already read."""
    own = sample["message_id"]
    if own and _IDS.count(own) > 1:
        raw = raw.replace(f"<{own}>".encode(), f"<{SAMPLES.index(sample)}.{own}>".encode(), 1)
    if sample["rewrite"] == "add-in-reply-to":
        newline = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
        return b"In-Reply-To: " + our_id.encode() + newline + raw
    if sample["rewrite"] != "replace":
        return raw
    found = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[: found.start()], raw[found.start() :]) if found else (raw, b"")
    lines, current = [], b""
    for line in head.split(b"\n"):
        if line[:1] not in (b" ", b"\t"):
            current = line.split(b":", 1)[0].strip().lower()
        if current != b"message-id":
            line = _replace(line, sample, our_id)
        lines.append(line)
    return b"\n".join(lines) + _replace(body, sample, our_id)


def _replace(data: bytes, sample: dict, our_id: str) -> bytes:
    for old in sample["replace_ids"]:
        data = data.replace(f"<{old}>".encode(), our_id.encode())
    return data


def _thread_state(cli, thread_id: int) -> dict:
    return cli.json("thread", thread_id, "--db", cli.db_path)


@pytest.mark.parametrize("index", range(len(SAMPLES)), ids=[sample["file"] for sample in SAMPLES])
def test_I5_I9_every_corpus_sample_ends_as_its_manifest_says(corpus_world, index):
    cli, threads = corpus_world
    sample = SAMPLES[index]
    thread = threads[f"s{index}"]
    initial = thread["messages"][0]
    raw = _ours((CORPUS / "samples" / sample["file"]).read_bytes(), sample, initial["internet_message_id"])
    (cli.db_path.parent / "mail.eml").write_bytes(raw)
    [incoming] = cli.json("replies", "import", cli.db_path.parent / "mail.eml", "--db", cli.db_path)["incoming"]
    after = _thread_state(cli, thread["id"])
    first, followup = after["messages"]
    expected, check = sample["expected"], sample["check"]
    gave_up = any(item.get("action") == "failed" for item in sample["dsn"])
    where = f"{sample['file']} ({sample['basis']}): {incoming['kind']}, {first['status']}, {first['failure']}"
    assert incoming["kind"] != "reply" or expected == "reply", where
    if expected == "reply":
        assert incoming["kind"] == "reply" and after["response"] is not None, where
        return
    assert after["response"] is None, where  # a robot never answers for the candidate
    if expected == "hard":
        if check == "strict":
            assert incoming["kind"] == "bounce" and incoming["hard"] is True, where
            assert first["status"] == "failed" and first["failure"].startswith("bounced:"), where
            assert followup["status"] == "canceled" and followup["cancel_reason"] == "initial_not_sent", where
        return
    if expected == "soft":  # Action: failed with a 4.x.x code is accepted as hard too (the MTA gave up)
        if check == "strict" and not gave_up:
            assert incoming["kind"] == "bounce" and incoming["hard"] is False, where
            assert first["status"] == "sent" and followup["status"] == "scheduled", where
        return
    # auto_reply, challenge, other: recorded, and the follow-up still goes
    assert first["status"] == "sent" and followup["status"] == "scheduled", where
    if expected in ("auto_reply", "challenge"):
        assert incoming["kind"] == "auto_reply", where
