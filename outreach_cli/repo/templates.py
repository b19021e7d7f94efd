"""The SQL of saved templates (T1-T4)."""

from __future__ import annotations

_COLUMNS = (
    "name",
    "subject",
    "body",
    "at_local",
    "at_tz",
    "followup_subject",
    "followup_body",
    "followup_delay_hours",
    "created_utc",
)


def find_template_named(db, name: str):
    """The template of that name, or None."""
    return db.one("SELECT * FROM templates WHERE name = ?", (name,))


def save_template(db, **fields) -> None:
    """Insert a template, replacing one of the same name (a new row, so a new id)."""
    db.execute("DELETE FROM templates WHERE name = ?", (fields["name"],))
    db.execute(
        f"INSERT INTO templates ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
        tuple(fields[c] for c in _COLUMNS),
    )


def delete_template(db, template_id: int) -> None:
    db.execute("DELETE FROM templates WHERE id = ?", (template_id,))


def search_templates(db, words: list[str]):
    """Templates in which every word (lower case) appears in the name, subject or body of either message."""
    where, params = [], []
    for word in words:
        like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            "(lower(name) LIKE ? ESCAPE '\\' OR lower(subject) LIKE ? ESCAPE '\\' OR lower(body) LIKE ? "
            "ESCAPE '\\' OR lower(coalesce(followup_subject, '')) LIKE ? ESCAPE '\\' "
            "OR lower(coalesce(followup_body, '')) LIKE ? ESCAPE '\\')"
        )
        params += [like] * 5
    sql = "SELECT * FROM templates" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY name"
    return db.all(sql, params)
