"""Bytes written per sent message by a dispatch: the WAL's growth (autocheckpoint off) while
`outreach tick` (in-process, through the service layer) or the sqlite3 limit sends the due initials.
    python rewrites.py DB TARGET outreach|limit   ->  prints {"bytes": ..., "sent": ..., "pages": ...}"""

import json
import os
import sqlite3
import sys
from pathlib import Path

db_path, target, who = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
wal = Path(str(db_path) + "-wal")
page = sqlite3.connect(db_path).execute("PRAGMA page_size").fetchone()[0]
if who == "outreach":
    from outreach_cli import db as dbmod
    from outreach_cli.services.tick import tick

    db = dbmod.open_existing(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    sent = len(tick(db, to=target)["sent"])
else:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    sys.argv = ["baselines", "limit-dispatch", str(db_path), target]
    sys.path.insert(0, str(Path(__file__).parent))
    import baselines

    sent = conn.execute(
        "SELECT count(*) FROM messages WHERE status = 'scheduled' AND send_at_utc <= ?", (target,)
    ).fetchone()[0]
    baselines.limit_dispatch(str(db_path), target)
size = os.path.getsize(wal)
print(json.dumps({"bytes": size, "sent": sent, "pages": (size - 32) // (page + 24), "page_size": page}))
