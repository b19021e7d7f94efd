"""Run outreach in this process and SIGKILL it at an exact point, so crash tests do not depend on timing.

    python tests/support/killpoint.py MODULE:ATTRIBUTE WHEN N -- outreach arguments...

MODULE:ATTRIBUTE names a function or a method (`outreach_cli.services.tick.batch:Run.batch`). WHEN is `before` (kill
as the Nth call starts) or `after` (kill as the Nth call returns, before its caller goes on, e.g. inside the
transaction it runs in). The process dies as a power cut or `kill -9` would stop it: no cleanup, no commit.
"""

import functools
import importlib
import os
import signal
import sys


def _patch(target: str, when: str, n: int) -> None:
    module_name, path = target.split(":")
    owner = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = getattr(owner, name)
    calls = 0

    @functools.wraps(original)
    def killing(*args, **kwargs):
        nonlocal calls
        calls += 1
        if when == "before" and calls == n:
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if when == "after" and calls == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, killing)


if __name__ == "__main__":
    target, when, n, separator, *arguments = sys.argv[1:]
    assert separator == "--" and when in ("before", "after")
    _patch(target, when, int(n))
    from outreach_cli.cli import app

    sys.argv = ["outreach", *arguments]
    app()
