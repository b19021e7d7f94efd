"""Migrations (STYLE.md): the first released schema upgrades with its data intact; each migration is
applied in one transaction with its record; a newer database is refused, not damaged."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from outreach_cli import db as dbmod
from outreach_cli.schema import MIGRATIONS

FIXTURE = Path(__file__).parents[1] / "support" / "fixtures" / "schema_0001.db"


def _rows(path, sql):
    conn = sqlite3.connect(path)
    rows = conn.execute(sql).fetchall()
    conn.close()
    return rows


def test_first_released_schema_upgrades_with_data_intact(cli):
    shutil.copy(FIXTURE, cli.db_path)
    before = {
        t: _rows(cli.db_path, f"SELECT * FROM {t}")
        for t in ("seats", "candidates", "drafts", "threads", "messages", "ledger", "templates", "contract")
    }
    assert len(before["messages"]) == 7 and len(before["templates"]) == 1
    assert cli.json("doctor") == {"ok": True, "findings": []}
    names = [r[0] for r in _rows(cli.db_path, "SELECT name FROM _outreach_migrations ORDER BY name")]
    assert names == [n for n, _ in MIGRATIONS]
    for table, rows in before.items():  # every row as it was (new columns, if any, come last)
        after = _rows(cli.db_path, f"SELECT * FROM {table}")
        assert [row[: len(rows[0])] for row in after] == rows, table
    # The upgraded database keeps working: the story goes on.
    assert cli.json("credits")["seat"]["name"] == "ada"
    assert [t["name"] for t in cli.json("templates", "list")] == ["Backend"]
    tick = cli.json("tick", "--by", "10d")
    assert tick["sent"]
    assert cli.json("doctor")["ok"] is True


def test_new_migration_applies_once_with_its_record(cli):
    shutil.copy(FIXTURE, cli.db_path)
    extra = MIGRATIONS + [("9000_test_column", "ALTER TABLE candidates ADD COLUMN note TEXT;")]
    db = dbmod.open_existing(cli.db_path)
    dbmod.migrate(db, extra)
    dbmod.migrate(db, extra)  # a second open applies nothing more
    assert [n for n in dbmod.applied_migrations(db)][-1] == "9000_test_column"
    assert db.value("SELECT count(*) FROM candidates WHERE note IS NULL") == 3


def test_failing_migration_changes_nothing(cli):
    shutil.copy(FIXTURE, cli.db_path)
    broken = MIGRATIONS + [("9000_half", "ALTER TABLE candidates ADD COLUMN note TEXT;\nCREATE TABLE oops (;")]
    db = dbmod.open_existing(cli.db_path)
    with pytest.raises(sqlite3.DatabaseError):
        dbmod.migrate(db, broken)
    columns = [r[1] for r in db.all("PRAGMA table_info(candidates)")]
    assert "note" not in columns
    assert "9000_half" not in dbmod.applied_migrations(db)


def test_duplicate_or_unordered_migration_names_are_refused(cli):
    shutil.copy(FIXTURE, cli.db_path)
    db = dbmod.open_existing(cli.db_path)
    with pytest.raises(ValueError):
        dbmod.migrate(db, MIGRATIONS + [MIGRATIONS[0]])
    with pytest.raises(ValueError):
        dbmod.migrate(db, [("0002_b", "SELECT 1;"), ("0001_a", "SELECT 1;")])
