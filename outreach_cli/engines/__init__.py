"""The database engines outreach runs on (P1). SQLite is `db.py` itself (the default, nothing more to install);
PostgreSQL is `engines/postgres.py`, imported only when `--db` or $OUTREACH_DB is a connection URI, so the
SQLite start-up never loads psycopg."""
