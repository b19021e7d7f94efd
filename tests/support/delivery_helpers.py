"""Helpers for the delivery tests: a real SMTP server in its own process (tests/support/smtpserver.py) on a
free 127.0.0.1 port, trustme certificates, and small scripts that play sendmail or an exec command.
Its fixtures, `certificates` and `smtp_server`, are registered in tests/conftest.py."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

SERVER = Path(__file__).with_name("smtpserver.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Certificates:
    """A test CA and a server certificate for 127.0.0.1 and localhost; `other_ca` signed nothing."""

    def __init__(self, directory: Path):
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = directory / "ca.pem"
        self.cert_file = directory / "server-cert.pem"
        self.key_file = directory / "server-key.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        cert.private_key_pem.write_to_path(str(self.key_file))
        with open(self.cert_file, "wb") as out:
            for blob in cert.cert_chain_pems:
                out.write(blob.bytes())
        self.other_ca_file = directory / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(self.other_ca_file))
        only_localhost = ca.issue_cert("localhost")
        self.localhost_cert_file = directory / "localhost-cert.pem"
        self.localhost_key_file = directory / "localhost-key.pem"
        only_localhost.private_key_pem.write_to_path(str(self.localhost_key_file))
        with open(self.localhost_cert_file, "wb") as out:
            for blob in only_localhost.cert_chain_pems:
                out.write(blob.bytes())


class SmtpServer:
    """One server process; `messages()` reads back what it received."""

    def __init__(
        self,
        directory: Path,
        certificates: Certificates | None = None,
        *,
        tls="none",
        answer="accept",
        user=None,
        password=None,
        idle=300,
        cert=None,
        key=None,
        port=None,
        refuse_rcpt=None,
        xoauth2_token=None,
    ):
        self.port = port or free_port()
        self.record = directory / f"smtp-{self.port}.jsonl"
        self.record.touch()
        args = [
            sys.executable,
            str(SERVER),
            "--port",
            str(self.port),
            "--record",
            str(self.record),
            "--tls",
            tls,
            "--answer",
            answer,
            "--idle",
            str(idle),
        ]
        if tls != "none":
            args += ["--cert", str(cert or certificates.cert_file), "--key", str(key or certificates.key_file)]
        if user and xoauth2_token:
            args += ["--user", user, "--xoauth2-token", xoauth2_token]
        elif user:
            args += ["--user", user, "--password", password]
        if refuse_rcpt:
            args += ["--refuse-rcpt", refuse_rcpt]
        self.log = open(directory / f"smtp-{self.port}.log", "wb")  # noqa: SIM115 - the server writes it while it runs; closed by stop()
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the SMTP server exited: {Path(self.log.name).read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the SMTP server did not start within 20 s")

    def messages(self) -> list[dict]:
        out = []
        for line in self.record.read_text().splitlines():
            entry = json.loads(line)
            entry["raw"] = base64.b64decode(entry["raw"])
            out.append(entry)
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def script(directory: Path, name: str, exit_code: int = 0, *, hang: bool = False, stdout: str = "") -> Path:
    """A sendmail-like or exec command: records its arguments and stdin into NAME.calls (one JSON line
    per run), prints `stdout`, then exits with `exit_code` (or sleeps for ever)."""
    path = directory / name
    calls = directory / f"{name}.calls"
    path.write_text(f"""#!{sys.executable}
import json, os, sys, time
data = sys.stdin.buffer.read()
with open({str(calls)!r}, "a") as out:
    out.write(json.dumps({{"argv": sys.argv[1:], "stdin": data.decode("utf-8", "replace")}}) + "\\n")
    out.flush()
    os.fsync(out.fileno())
sys.stdout.write({stdout!r})
sys.stdout.flush()
if {hang!r}:
    time.sleep(3600)
sys.exit({exit_code})
""")
    path.chmod(0o755)
    return path


def calls(path: Path) -> list[dict]:
    record = path.with_name(path.name + ".calls")
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


def use_smtp(cli, server, timeout=5):
    """The seat's transport: the test's SMTP server on loopback, no TLS."""
    cli(
        "delivery",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        server.port,
        "--security",
        "none",
        "--timeout",
        timeout,
    )


def schedule(cli, *handles, at="2026-12-01 09:00", followup=None, after="3d"):
    from tests.support.helpers import compose

    draft = compose(cli, *handles, followup=followup, after=after)
    return cli.json("schedule", draft["id"], "--at", at, "--tz", "UTC")


def row(cli, message_id):
    """The message's row in the SQLite file, every column."""
    import sqlite3

    conn = sqlite3.connect(cli.db_path)
    conn.row_factory = sqlite3.Row
    found = dict(conn.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone())
    conn.close()
    return found
