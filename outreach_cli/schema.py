"""Named, ordered migrations. Each runs in one transaction with the record that it ran."""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE contract (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pool INTEGER NOT NULL DEFAULT 0,
    followups_enabled INTEGER NOT NULL DEFAULT 1,
    refresh_day INTEGER NOT NULL,
    allotment_recruiter INTEGER NOT NULL DEFAULT 150,
    allotment_lite INTEGER NOT NULL DEFAULT 30
);
CREATE TABLE seats (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL CHECK (plan IN ('recruiter', 'lite')),
    timezone TEXT NOT NULL,
    balance INTEGER NOT NULL DEFAULT 0,
    daily_limit INTEGER NOT NULL DEFAULT 100,
    restricted INTEGER NOT NULL DEFAULT 0,
    monthly_limit INTEGER,
    used_this_period INTEGER NOT NULL DEFAULT 0,
    next_refresh_utc TEXT NOT NULL
);
CREATE TABLE candidates (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE,
    first_name TEXT, last_name TEXT, company TEXT, title TEXT,
    timezone TEXT, email TEXT,
    out_of_network INTEGER NOT NULL DEFAULT 0,
    opted_out INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    subject TEXT NOT NULL, body TEXT NOT NULL,
    followup_subject TEXT, followup_body TEXT, followup_delay_hours INTEGER,
    template TEXT, template_at TEXT, template_tz TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    created_utc TEXT NOT NULL
);
CREATE TABLE draft_recipients (
    draft_id INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (draft_id, candidate_id)
);
CREATE TABLE threads (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER REFERENCES drafts(id),
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    response_kind TEXT, response_utc TEXT, response_message_id INTEGER
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES threads(id),
    kind TEXT NOT NULL CHECK (kind IN ('initial', 'followup')),
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    subject TEXT NOT NULL, body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'sent', 'canceled')),
    cancel_reason TEXT,
    send_at_utc TEXT NOT NULL,
    sent_at_utc TEXT,
    timezone TEXT NOT NULL,
    timezone_source TEXT NOT NULL,
    delay_hours INTEGER,
    paid_by TEXT CHECK (paid_by IN ('seat', 'contract')),
    credit TEXT CHECK (credit IN ('charged', 'refunded'))
);
CREATE TABLE ledger (
    id INTEGER PRIMARY KEY,
    at_utc TEXT NOT NULL,
    account TEXT NOT NULL CHECK (account IN ('seat', 'contract')),
    seat_id INTEGER REFERENCES seats(id),
    delta INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('grant', 'allotment', 'charge', 'refund', 'expire', 'adjust')),
    message_id INTEGER REFERENCES messages(id)
);
CREATE INDEX messages_due ON messages (send_at_utc, kind, id) WHERE status = 'scheduled';
CREATE INDEX messages_thread ON messages (thread_id);
CREATE INDEX messages_seat_sent ON messages (seat_id, sent_at_utc) WHERE status = 'sent';
CREATE INDEX messages_seat_status ON messages (seat_id, status);
CREATE INDEX threads_draft ON threads (draft_id);
CREATE INDEX threads_candidate ON threads (candidate_id);
CREATE INDEX ledger_message ON ledger (message_id);
CREATE INDEX ledger_seat ON ledger (seat_id, id);
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL, body TEXT NOT NULL,
    at_local TEXT, at_tz TEXT,
    followup_subject TEXT, followup_body TEXT, followup_delay_hours INTEGER,
    created_utc TEXT NOT NULL
);
""",
    ),
    # L8: ids of rows that can be deleted (a discarded draft, a deleted template) are never given again;
    # SQLite only promises that with AUTOINCREMENT, which needs the tables rebuilt. L5: each seat remembers
    # the monthly period (local YYYY-MM) of its last allotment, so moving the refresh moment cannot grant
    # a second one in the same period; for existing seats it is read from their last allotment row (its UTC
    # time plus 12 hours lands on the local refresh day for every zone from UTC-12 to UTC+12).
    (
        "0002_ids_never_reused_and_allotted_period",
        """
CREATE TABLE drafts_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    subject TEXT NOT NULL, body TEXT NOT NULL,
    followup_subject TEXT, followup_body TEXT, followup_delay_hours INTEGER,
    template TEXT, template_at TEXT, template_tz TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    created_utc TEXT NOT NULL
);
INSERT INTO drafts_new (id, seat_id, subject, body, followup_subject, followup_body, followup_delay_hours,
                        template, template_at, template_tz, status, created_utc)
    SELECT id, seat_id, subject, body, followup_subject, followup_body, followup_delay_hours,
           template, template_at, template_tz, status, created_utc FROM drafts;
DROP TABLE drafts;
ALTER TABLE drafts_new RENAME TO drafts;
CREATE TABLE templates_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL, body TEXT NOT NULL,
    at_local TEXT, at_tz TEXT,
    followup_subject TEXT, followup_body TEXT, followup_delay_hours INTEGER,
    created_utc TEXT NOT NULL
);
INSERT INTO templates_new (id, name, subject, body, at_local, at_tz, followup_subject, followup_body,
                           followup_delay_hours, created_utc)
    SELECT id, name, subject, body, at_local, at_tz, followup_subject, followup_body,
           followup_delay_hours, created_utc FROM templates;
DROP TABLE templates;
ALTER TABLE templates_new RENAME TO templates;
ALTER TABLE seats ADD COLUMN allotted_period TEXT;
UPDATE seats SET allotted_period = (
    SELECT strftime('%Y-%m', max(l.at_utc), '+12 hours') FROM ledger l
    WHERE l.seat_id = seats.id AND l.reason = 'allotment');
""",
    ),
    (
        "0003_delivery",
        """
CREATE TABLE messages_new (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES threads(id),
    kind TEXT NOT NULL CHECK (kind IN ('initial', 'followup')),
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    subject TEXT NOT NULL, body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'sent', 'canceled', 'failed', 'unknown')),
    cancel_reason TEXT,
    send_at_utc TEXT NOT NULL,
    sent_at_utc TEXT,
    timezone TEXT NOT NULL,
    timezone_source TEXT NOT NULL,
    delay_hours INTEGER,
    paid_by TEXT CHECK (paid_by IN ('seat', 'contract')),
    credit TEXT CHECK (credit IN ('charged', 'refunded')),
    internet_message_id TEXT NOT NULL DEFAULT ('<' || lower(hex(randomblob(16))) || '@outreach.invalid>'),
    attempts INTEGER NOT NULL DEFAULT 0,
    retry_at_utc TEXT,
    first_attempt_utc TEXT,
    failure TEXT,
    transport_id TEXT,
    claimed_by TEXT,
    claim_expires_utc TEXT
);
INSERT INTO messages_new (id, thread_id, kind, seat_id, candidate_id, subject, body, status, cancel_reason,
    send_at_utc, sent_at_utc, timezone, timezone_source, delay_hours, paid_by, credit)
SELECT id, thread_id, kind, seat_id, candidate_id, subject, body, status, cancel_reason,
    send_at_utc, sent_at_utc, timezone, timezone_source, delay_hours, paid_by, credit FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_due ON messages (send_at_utc, kind, id) WHERE status = 'scheduled';
CREATE INDEX messages_thread ON messages (thread_id);
CREATE INDEX messages_seat_sent ON messages (seat_id, sent_at_utc) WHERE status = 'sent';
CREATE INDEX messages_seat_status ON messages (seat_id, status);
CREATE UNIQUE INDEX messages_internet_id ON messages (internet_message_id);
CREATE INDEX messages_in_flight ON messages (claim_expires_utc) WHERE status = 'sending';
ALTER TABLE seats ADD COLUMN from_address TEXT;
CREATE TABLE seat_transports (
    seat_id INTEGER PRIMARY KEY REFERENCES seats(id),
    kind TEXT NOT NULL CHECK (kind IN ('none', 'outbox', 'smtp', 'sendmail', 'exec')),
    options TEXT NOT NULL DEFAULT '{}'
);
""",
    ),
    # D5: a retry falls due at its retry_at, so the due moment is coalesce(retry_at_utc, send_at_utc); the due
    # index is rebuilt on that expression (the tick's due query and `clock set` use the same expression).
    # last_attempt_utc: when the latest attempt was made (the due moment on a simulated clock, the real time on
    # the system clock): `resolve --sent` takes it as the best known sent time.
    (
        "0004_delivery_retries",
        """
DROP INDEX messages_due;
CREATE INDEX messages_due ON messages (coalesce(retry_at_utc, send_at_utc), kind, id) WHERE status = 'scheduled';
ALTER TABLE messages ADD COLUMN last_attempt_utc TEXT;
""",
    ),
    # Incoming mail (I1-I7): each seat's mailbox and its source cursor, every mail read once (I3), and a
    # candidate whose email hard-bounced (I5). Ignored mail keeps only its ids and when it was read (I4).
    (
        "0005_incoming",
        """
CREATE TABLE seat_mailboxes (
    seat_id INTEGER PRIMARY KEY REFERENCES seats(id),
    kind TEXT NOT NULL CHECK (kind IN ('maildir', 'mbox', 'imap')),
    options TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL,
    cursor TEXT
);
CREATE TABLE incoming (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    message_id TEXT NOT NULL UNIQUE,
    source TEXT,
    source_key TEXT,
    read_at_utc TEXT NOT NULL,
    from_address TEXT, from_name TEXT, subject TEXT, date_utc TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'auto_reply', 'bounce', 'unmatched', 'ignored')),
    hard INTEGER,
    bounce_status TEXT,
    thread_id INTEGER REFERENCES threads(id),
    matched_message_id INTEGER REFERENCES messages(id),
    matched_by TEXT CHECK (matched_by IN ('in_reply_to', 'references', 'bounce', 'sender', 'hand'))
);
CREATE INDEX incoming_source_key ON incoming (source, source_key);
CREATE INDEX incoming_kind ON incoming (kind, id);
CREATE INDEX candidates_email ON candidates (lower(email)) WHERE removed = 0;
ALTER TABLE candidates ADD COLUMN email_undeliverable INTEGER NOT NULL DEFAULT 0;
""",
    ),
    # Writing like a mail client (M2, M3): a seat's signature (appended after `-- ` when a message is rendered)
    # and whether its email carries a List-Unsubscribe header; an incoming mail of kind `opt_out` (M3, I7): the
    # table is rebuilt for its CHECK, keeping every row and the AUTOINCREMENT sequence (ids are never reused).
    (
        "0006_mailclient_signature_unsubscribe",
        """
ALTER TABLE seats ADD COLUMN signature TEXT;
ALTER TABLE seats ADD COLUMN list_unsubscribe INTEGER NOT NULL DEFAULT 0;
CREATE TABLE incoming_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    message_id TEXT NOT NULL UNIQUE,
    source TEXT,
    source_key TEXT,
    read_at_utc TEXT NOT NULL,
    from_address TEXT, from_name TEXT, subject TEXT, date_utc TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'auto_reply', 'bounce', 'opt_out', 'unmatched', 'ignored')),
    hard INTEGER,
    bounce_status TEXT,
    thread_id INTEGER REFERENCES threads(id),
    matched_message_id INTEGER REFERENCES messages(id),
    matched_by TEXT CHECK (matched_by IN ('in_reply_to', 'references', 'bounce', 'sender', 'hand'))
);
INSERT INTO incoming_new (id, seat_id, message_id, source, source_key, read_at_utc, from_address, from_name, subject,
                          date_utc, kind, hard, bounce_status, thread_id, matched_message_id, matched_by)
    SELECT id, seat_id, message_id, source, source_key, read_at_utc, from_address, from_name, subject,
           date_utc, kind, hard, bounce_status, thread_id, matched_message_id, matched_by FROM incoming;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'incoming')
    WHERE name = 'incoming_new' AND seq < (SELECT seq FROM sqlite_sequence WHERE name = 'incoming');
INSERT INTO sqlite_sequence (name, seq) SELECT 'incoming_new', seq FROM sqlite_sequence WHERE name = 'incoming'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'incoming_new');
DROP TABLE incoming;
ALTER TABLE incoming_new RENAME TO incoming;
CREATE INDEX incoming_source_key ON incoming (source, source_key);
CREATE INDEX incoming_kind ON incoming (kind, id);
""",
    ),
    # Sending at the right time (W1-W5): a seat's send window (its text, as `seats set --window` wrote it),
    # public holidays on or off, pace per hour and the catch-up threshold; a candidate's country (W3).
    (
        "0007_window_send_times",
        """
ALTER TABLE seats ADD COLUMN send_window TEXT;
ALTER TABLE seats ADD COLUMN holidays INTEGER NOT NULL DEFAULT 0;
ALTER TABLE seats ADD COLUMN max_per_hour INTEGER;
ALTER TABLE seats ADD COLUMN catch_up_hours INTEGER;
ALTER TABLE candidates ADD COLUMN country TEXT;
ALTER TABLE messages ADD COLUMN best TEXT;
""",
    ),
    # Replies you can trust (I8-I15): mail matched by subject (I11) and the kind opt_out (I7); the candidate a
    # mail came from, so unmatched mail holds their follow-ups (I11) and `candidates remove` erases it; a
    # candidate's other addresses (I11) and a seat's other sender addresses (I8).
    (
        "0008_replies_trust",
        """
CREATE TABLE incoming_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    message_id TEXT NOT NULL UNIQUE,
    source TEXT,
    source_key TEXT,
    read_at_utc TEXT NOT NULL,
    from_address TEXT, from_name TEXT, subject TEXT, date_utc TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'auto_reply', 'bounce', 'opt_out', 'unmatched', 'ignored')),
    hard INTEGER,
    bounce_status TEXT,
    thread_id INTEGER REFERENCES threads(id),
    matched_message_id INTEGER REFERENCES messages(id),
    matched_by TEXT CHECK (matched_by IN ('in_reply_to', 'references', 'bounce', 'sender', 'subject', 'hand')),
    candidate_id INTEGER REFERENCES candidates(id)
);
INSERT INTO incoming_new (id, seat_id, message_id, source, source_key, read_at_utc, from_address, from_name, subject,
    date_utc, kind, hard, bounce_status, thread_id, matched_message_id, matched_by)
SELECT id, seat_id, message_id, source, source_key, read_at_utc, from_address, from_name, subject,
    date_utc, kind, hard, bounce_status, thread_id, matched_message_id, matched_by FROM incoming;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'incoming')
    WHERE name = 'incoming_new' AND seq < (SELECT seq FROM sqlite_sequence WHERE name = 'incoming');
INSERT INTO sqlite_sequence (name, seq) SELECT 'incoming_new', seq FROM sqlite_sequence WHERE name = 'incoming'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'incoming_new');
DROP TABLE incoming;
ALTER TABLE incoming_new RENAME TO incoming;
CREATE INDEX incoming_source_key ON incoming (source, source_key);
CREATE INDEX incoming_kind ON incoming (kind, id);
CREATE INDEX incoming_candidate ON incoming (candidate_id) WHERE candidate_id IS NOT NULL;
UPDATE incoming SET candidate_id = (SELECT c.id FROM candidates c WHERE c.removed = 0
    AND lower(c.email) = lower(incoming.from_address) LIMIT 1) WHERE from_address IS NOT NULL;
CREATE TABLE candidate_emails (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    email TEXT NOT NULL,
    PRIMARY KEY (candidate_id, email)
);
CREATE INDEX candidate_emails_email ON candidate_emails (lower(email));
CREATE TABLE candidate_past_emails (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    email TEXT NOT NULL,
    PRIMARY KEY (candidate_id, email)
);
CREATE TABLE seat_addresses (
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    address TEXT NOT NULL,
    PRIMARY KEY (seat_id, address)
);
""",
    ),
    # D10: a claim remembers the transport (kind and settings) that made it; D12: why a message is held.
    (
        "0009_delivery_claim_transport",
        """
ALTER TABLE messages ADD COLUMN claim_transport TEXT;
ALTER TABLE messages ADD COLUMN held_reason TEXT;
""",
    ),
    # Replies, second pass (I12, I13): when the tool learned of a thread's response (a reply dated before a
    # follow-up went but read after it is no follow-up sent after a known response, I13), and which incoming mail
    # made its thread's response, so `replies reclassify` knows what it takes away (I12).
    (
        "0010_replies2_response_mail",
        """
ALTER TABLE threads ADD COLUMN response_read_utc TEXT;
ALTER TABLE incoming ADD COLUMN made_response INTEGER NOT NULL DEFAULT 0;
UPDATE incoming SET made_response = 1 WHERE id IN (SELECT min(i.id) FROM incoming i JOIN threads t ON t.id = i.thread_id
    WHERE (i.kind = 'reply' AND t.response_kind = 'reply') OR (i.kind = 'opt_out' AND t.response_kind = 'decline')
    GROUP BY i.thread_id);
""",
    ),
    # P6: a seat bound to a database role, and the contract's admin role. SQLite has no roles, so the columns
    # stay empty there (the names agree with PostgreSQL's, whose form also adds the grants' enforcement).
    (
        "0011_roles_seat_roles",
        """
ALTER TABLE seats ADD COLUMN role TEXT;
ALTER TABLE contract ADD COLUMN admin_role TEXT;
""",
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)
