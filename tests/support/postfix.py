"""A real Postfix for the tests: a private instance (`postfix -c DIR start-fg`) with its own configuration, queue
and mail in a fresh temporary directory, listening on 127.0.0.1 only, on a free port.

    with Postfix() as server:         # server.port: SMTP; server.maildir: the seat's Maildir (DSNs land there)
        ...send to anything@elsewhere.example: default_transport = error bounces it at once...
        server.wait_for_mail()        # the paths of the mail delivered to server.address

`default_transport = error` and `relay_transport = error`: nothing can leave the machine; mail to any domain but
ours is bounced by Postfix's own error agent, which writes a real DSN back to the sender. Mail to
`server.address` is delivered by the `virtual` agent into `server.maildir`. `POSTFIX_SKIP` says in one line
why the tests cannot run (not installed, not root), else it is None.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

POSTFIX = "/usr/sbin/postfix"
DOMAIN = "outreach-test.example"


def _skip_reason() -> str | None:
    if not os.access(POSTFIX, os.X_OK):
        return f"Postfix is not installed ({POSTFIX} not found; apt-get install postfix), so its tests were skipped."
    if os.geteuid() != 0:
        return "A private Postfix instance needs root (postfix -c DIR), so the Postfix tests were skipped."
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "There is no postfix user (apt-get install postfix), so the Postfix tests were skipped."
    return None


POSTFIX_SKIP = _skip_reason()

MASTER = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

MAIN = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.{domain}
mydomain = {domain}
myorigin = {domain}
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
default_transport = error
relay_transport = error
virtual_mailbox_domains = {domain}
virtual_mailbox_base = {root}/mail
virtual_mailbox_maps = inline:{{ada@{domain}=ada/}}
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_minimum_uid = {uid}
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file = /dev/stdout
smtputf8_enable = no
smtpd_reject_unlisted_recipient = no
smtpd_reject_unlisted_sender = no
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postfix:
    host = "127.0.0.1"
    address = f"ada@{DOMAIN}"

    def __enter__(self) -> Postfix:
        self.root = Path(tempfile.mkdtemp(prefix="outreach-postfix-"))
        os.chmod(self.root, 0o755)
        self.port = free_port()
        owner = pwd.getpwnam("nobody")
        for folder in ("conf", "queue", "data", "mail"):
            (self.root / folder).mkdir()
        shutil.chown(self.root / "data", "postfix", "postfix")
        shutil.chown(self.root / "mail", owner.pw_uid, owner.pw_gid)
        self.conf = self.root / "conf"
        (self.conf / "main.cf").write_text(
            MAIN.format(root=self.root, domain=DOMAIN, uid=owner.pw_uid, gid=owner.pw_gid)
        )
        (self.conf / "master.cf").write_text(MASTER.format(port=self.port))
        self.maildir = self.root / "mail" / "ada"
        self.log = open(self.root / "maillog", "wb")  # start-fg logs to its stdout (maillog_file = /dev/stdout)
        self.process = subprocess.Popen(
            [POSTFIX, "-c", str(self.conf), "start-fg"],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("the private Postfix did not start")

    def sendmail(self) -> str:
        """The sendmail command of this instance (Postfix's own sendmail with its configuration)."""
        return f"/usr/sbin/sendmail -C {self.conf}"

    def wait_for_mail(self, count: int = 1, timeout: float = 30) -> list[Path]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = sorted((self.maildir / "new").glob("*")) if (self.maildir / "new").is_dir() else []
            if len(found) >= count:
                return found
            time.sleep(0.2)
        log = (self.root / "maillog").read_text(errors="replace") if (self.root / "maillog").exists() else ""
        raise AssertionError(f"Postfix delivered no mail to {self.maildir}; its log:\n{log[-3000:]}")

    def __exit__(self, *exc) -> None:
        subprocess.run(
            [POSTFIX, "-c", str(self.conf), "stop"], stdin=subprocess.DEVNULL, capture_output=True, timeout=30
        )
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)
