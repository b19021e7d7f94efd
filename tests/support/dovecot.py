"""A real IMAP server for the tests: Dovecot in the foreground, with a throw-away configuration.

    with Dovecot() as server:                    # or Dovecot(tls=trustme.CA()): IMAPS on server.ssl_port,
        server.append("INBOX", raw_bytes)        #   STARTTLS on server.port
        ImapSource(host=server.host, port=server.port, security="none", user=server.user,
                   password_env="VAR")           # VAR holding server.password

`append` goes through imaplib's APPEND, as a mail client would (creating the folder if needed);
`connect()` gives a logged-in imaplib connection for checks from a second client.

Nothing of the machine's own Dovecot configuration is used (`-c CONFIG`): the base, state and mail directories
and the log live in a fresh directory. Run as root (CI), the mail is owned by the unprivileged
`dovecot`/`nobody` user; run as anybody else, everything runs as that user. `DOVECOT_SKIP` says
in one line why the tests cannot run (Dovecot not installed), else it is None.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# OUTREACH_DOVECOT names another dovecot binary (a non-existent path makes the IMAP tests skip).
DOVECOT = os.environ.get("OUTREACH_DOVECOT") or shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVECOT_SKIP = (
    None
    if os.access(DOVECOT, os.X_OK)
    else f"Dovecot is not installed ({DOVECOT} not found; apt-get install dovecot-imapd), so the IMAP tests were skipped."
)

USER, PASSWORD = "ada", "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unprivileged_user() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    for name in ("dovecot", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user to run Dovecot's mail processes as")


class Dovecot:
    """Dovecot on 127.0.0.1: `port` speaks plain IMAP (STARTTLS offered when `tls` is given), and
    with `tls` (a trustme.CA) `ssl_port` speaks IMAPS with a certificate for 127.0.0.1/localhost."""

    host = "127.0.0.1"
    user, password = USER, PASSWORD

    def __init__(self, tls=None, oauth2_introspection_url=None):
        self.tls = tls
        self.oauth2_introspection_url = oauth2_introspection_url
        self.port = free_port()
        self.ssl_port = free_port() if tls else None
        self.process = None

    def __enter__(self) -> Dovecot:
        for attempt in range(3):  # a free port may be taken by another process before Dovecot binds it
            try:
                self.start()
                return self
            except RuntimeError:
                if attempt == 2:
                    raise
                self.port = free_port()
                self.ssl_port = free_port() if self.tls else None
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        # Not under pytest's tmp_path: Dovecot's unprivileged processes must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="outreach-dovecot-"))
        os.chmod(self.root, 0o755)
        mail_user = _unprivileged_user()
        home = self.root / "home"
        home.mkdir()
        os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
        (self.root / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{mail_user.pw_uid}:{mail_user.pw_gid}::{home}::\n"
        )
        if self.oauth2_introspection_url:
            (self.root / "dovecot-oauth2.conf.ext").write_text(self._oauth2_config())
        config = self.root / "dovecot.conf"
        config.write_text(self._config(mail_user))
        self.log = self.root / "dovecot.log"
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_until_it_answers()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                why = self.process.stderr.read().decode()[-2000:] + (
                    self.log.read_text()[-2000:] if self.log.exists() else ""
                )
                self.stop()
                raise RuntimeError(f"Dovecot exited: {why}")
            try:
                conn = imaplib.IMAP4(self.host, self.port, timeout=2)
                conn.logout()
                return
            except OSError:
                time.sleep(0.05)
        log = self.log.read_text()[-2000:] if self.log.exists() else ""
        self.stop()
        raise RuntimeError(f"Dovecot did not answer within 20 seconds: {log}")

    def _config(self, mail_user) -> str:
        me = pwd.getpwuid(os.geteuid()).pw_name
        internal = mail_user.pw_name if os.geteuid() == 0 else me
        tls = ""
        if self.tls:
            cert = self.tls.issue_cert("127.0.0.1", "localhost")
            cert.private_key_and_cert_chain_pem.write_to_path(str(self.root / "server.pem"))
            tls = f"""
ssl = yes
ssl_cert = <{self.root}/server.pem
ssl_key = <{self.root}/server.pem
"""
        else:
            tls = "ssl = no\n"
        imaps = (
            f"  inet_listener imaps {{\n    address = {self.host}\n    port = {self.ssl_port}\n    ssl = yes\n  }}\n"
            if self.tls
            else "  inet_listener imaps {\n    port = 0\n  }\n"
        )
        return f"""# A throw-away Dovecot for outreach's tests.
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
info_log_path = {self.root}/dovecot.log
protocols = imap
listen = {self.host}
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {internal}
first_valid_uid = 1
first_valid_gid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login{" xoauth2" if self.oauth2_introspection_url else ""}
{tls}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
{self._oauth2_passdb()}userdb {{
  driver = passwd-file
  args = username_format=%u {self.root}/passwd
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
{imaps}}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""

    def _oauth2_passdb(self) -> str:
        """M4: XOAUTH2 logins checked by an oauth2 passdb, whose token check is a POST to the introspection URL
        (an HTTP server the test runs); plain and login still go to the passwd file."""
        if not self.oauth2_introspection_url:
            return ""
        # No failure delay, and no penalty for an address that failed before (Dovecot's auth-penalty socket
        # closed to everyone), so a test's refused token costs no seconds.
        return f"""auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {self.root}/dovecot-oauth2.conf.ext
}}
"""

    def _oauth2_config(self) -> str:
        return f"""introspection_mode = post
introspection_url = {self.oauth2_introspection_url}
username_attribute = username
active_attribute = active
active_value = true
"""

    # -- filling it --------------------------------------------------------------------------

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(USER, PASSWORD)
        return conn

    def append(self, folder: str, *messages: bytes) -> None:
        conn = self.connect()
        try:
            if folder != "INBOX":
                conn.create(folder)  # NO when it exists: fine
            for raw in messages:
                typ, data = conn.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            conn.logout()
