"""A real, throw-away PostgreSQL cluster for the tests (P1-P6), like tests/support/dovecot.py for IMAP.

`Cluster.start()` runs Debian's initdb into a temporary directory and pg_ctl with a Unix socket in that
directory on a high port (no TCP). PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` system user and is started through runuser. `available()` says in one line why not, when not.
Every test gets a database of its own (`fresh_uri()`), dropped with the cluster at the end of the session."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path(os.environ.get("OUTREACH_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def why_unavailable() -> str | None:
    if not (BIN / "initdb").exists() or not (BIN / "pg_ctl").exists():
        return f"PostgreSQL server binaries not found in {BIN} (Debian's postgresql package); PostgreSQL tests skipped"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'outreach[postgres]'); PostgreSQL tests skipped"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` system user to run the server; PostgreSQL tests skipped"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return port if port > 20000 else 54329


class Cluster:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="outreach-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.names = itertools.count(1)
        self.as_root = os.geteuid() == 0
        self._admin = None

    def _run(self, *args, check=True):
        command = [str(a) for a in args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        # The server keeps the machine's own time: a suite run under faketime (its LD_PRELOAD and FAKETIME*
        # variables) checks outreach on another date, not a PostgreSQL server whose timers no longer fire.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith(("FAKETIME", "DONT_FAKE"))}
        return subprocess.run(command, check=check, capture_output=True, text=True, cwd="/", env=env)

    def start(self) -> Cluster:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o755)
        self._run(
            BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"
        )
        options = (
            f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=100"
        )
        self._run(BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.dir / "log", "-w", "start")
        return self

    def uri(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@/{database}?host={self.dir}&port={self.port}"

    def admin(self):
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.uri(), autocommit=True)
        return self._admin

    def fresh_uri(self, user: str = "postgres") -> str:
        name = f"t{os.getpid()}_{next(self.names)}"
        self.admin().execute(f'CREATE DATABASE "{name}"')
        return self.uri(name, user)

    def recreate(self, uri: str, template: str) -> None:
        """The database of `uri` made again as a copy of the database `template` (which no one may be connected to)."""
        name = database_of(uri)
        self.admin().execute(f'DROP DATABASE "{name}"')
        self.admin().execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
        self._run(BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def database_of(uri: str) -> str:
    """The database's name in a URI of `Cluster.uri`."""
    return uri.split("@/", 1)[1].split("?", 1)[0]


def snapshot(uri: str):
    """Every row of every table of a database, to prove a refusal changed nothing (as Cli.snapshot on SQLite)."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
