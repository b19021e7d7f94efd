"""What the tests share besides fixtures: the `Cli` a test drives outreach with, the `world`'s start time,
`compose` and `balance` (tests/conftest.py registers the fixtures)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from outreach_cli.cli import app

START = "2026-12-01T08:00"  # a Tuesday; London is on GMT


class Cli:
    def __init__(self, db_path):
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(self, *args, code=0):
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
        return result

    def json(self, *args, code=0):
        result = self(*args, "--json", code=code)
        return json.loads(result.stdout)

    def refused(self, *args, code: str):
        """A refusal: exit 1, one sentence on stderr, the JSON error object on stdout, nothing changed."""
        before = self.snapshot()
        result = self(*args, "--json", code=1)
        doc = json.loads(result.stdout)
        assert doc["error"]["code"] == code, doc
        assert result.stderr.strip() and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert self.snapshot() == before, f"{args} was refused but changed the database"
        return doc["error"]["message"]

    def db(self):
        from outreach_cli.db import open_existing

        return open_existing(self.db_path)

    def snapshot(self):
        """Every row of every table, to prove a refusal changed nothing; a missing file stays missing and
        a file that is not an outreach database stays byte for byte the same."""
        import sqlite3

        if isinstance(self.db_path, str):  # a PostgreSQL URI (the `engine` fixture)
            from tests.support.postgres import snapshot

            return snapshot(self.db_path)
        if not self.db_path.is_file():
            return ("no file", self.db_path.exists())
        try:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
            try:
                tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
                return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            return self.db_path.read_bytes()


EMAILS = {"grace": "grace.hopper@mail.example.net", "alan": "alan.turing@example.net", "kat": "kat.johnson@example.org"}
SENDER = "Ada Lovelace <ada@example.com>"


def compose(
    cli, *handles, subject="Hello {first_name}", body="A role for you, {first_name}.", followup=None, after=None
):
    args = ["compose"]
    for handle in handles:
        args += ["--to", handle]
    draft = cli.json(*args, "--subject", subject, "--body", body)
    if followup:
        extra = ["--after", after] if after else []
        draft = cli.json("followup", draft["id"], "--body", followup, *extra)
    return draft


def balance(cli, seat=None):
    args = ["credits"] + (["--seat", seat] if seat else [])
    return cli.json(*args)["seat"]["balance"]
