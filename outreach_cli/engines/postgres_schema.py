"""The PostgreSQL form of each migration of schema.MIGRATIONS, under the same name (P2): one list of names, in
one order, each applied in one transaction with its record, on either engine. A migration added to
schema.MIGRATIONS needs its PostgreSQL form here too (tests/system/test_postgres.py checks the names agree).

Types: ids are identity columns (PostgreSQL never gives a sequence value twice, so L8 needs no AUTOINCREMENT
rebuild); counts are BIGINT; times stay the same `...Z` text as on SQLite, so every query compares them alike."""

# P6, enforced by the database itself (docs/postgresql.md, "Roles"). The role that ran `init` owns the tables and,
# like a superuser, is not bound by row-level security (it could drop the policies anyway); every other role
# is. Who is who, evaluated as the connected role (current_user):
#   outreach_is_owner()     a member of the tables' owner (superusers too);
#   outreach_is_admin()     the owner, or a member of the role `contract set --admin` named;
#   outreach_acting_seats() the seats the role may act for: unbound ones, its own, every seat for the owner.
# Seat-owned rows (drafts, threads, messages, incoming mail, a seat's transport, mailbox and addresses) are
# visible and writable only for those seats. Seats, the contract, the ledger and the settings are readable by
# all; the contract and the clock's settings are written by the admin only; a seat's credits, plan, limits,
# restriction and role only by the admin (a trigger, since row-level security cannot look at columns).
# A recruiter never moves a balance: a ledger row it may write (a charge of its own message not charged yet, the
# refund of one charged once, its seat's monthly allotment when due) is checked by a policy, and a trigger
# that runs as the owner moves the balance, the pool and the marks that go with it.
ROLES = """
ALTER TABLE seats ADD COLUMN role TEXT;
ALTER TABLE contract ADD COLUMN admin_role TEXT;

CREATE FUNCTION outreach_is_owner() RETURNS boolean LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'seats'::regclass), 'MEMBER') $$;
CREATE FUNCTION outreach_is_admin() RETURNS boolean LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT outreach_is_owner() OR EXISTS (SELECT 1 FROM contract c JOIN pg_roles r ON r.rolname = c.admin_role
                                          WHERE pg_has_role(current_user, r.oid, 'MEMBER')) $$;
CREATE FUNCTION outreach_acting_seats() RETURNS SETOF bigint LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT s.id FROM seats s WHERE s.role IS NULL OR outreach_is_owner() OR EXISTS (
        SELECT 1 FROM pg_roles r WHERE r.rolname = s.role AND pg_has_role(current_user, r.oid, 'MEMBER')) $$;

DO $do$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['drafts', 'threads', 'messages', 'incoming', 'seat_transports', 'seat_mailboxes',
                             'seat_addresses'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY outreach_seat ON %I USING (seat_id IN (SELECT outreach_acting_seats())) '
                       'WITH CHECK (seat_id IN (SELECT outreach_acting_seats()))', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['seats', 'contract', 'ledger', 'settings'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY outreach_read ON %I FOR SELECT USING (true)', t);
        EXECUTE format('CREATE POLICY outreach_admin ON %I USING (outreach_is_admin()) WITH CHECK (outreach_is_admin())', t);
    END LOOP;
END $do$;
ALTER TABLE draft_recipients ENABLE ROW LEVEL SECURITY;
CREATE POLICY outreach_seat ON draft_recipients USING (draft_id IN (SELECT id FROM drafts))
    WITH CHECK (draft_id IN (SELECT id FROM drafts));

-- seats: a recruiter changes its own seats' settings; the guard keeps the admin's columns the admin's
CREATE POLICY outreach_own ON seats FOR UPDATE USING (id IN (SELECT outreach_acting_seats()))
    WITH CHECK (id IN (SELECT outreach_acting_seats()));
CREATE FUNCTION outreach_seat_guard() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF (NEW.balance, NEW.used_this_period, NEW.allotted_period, NEW.restricted, NEW.monthly_limit, NEW.plan,
        NEW.role, NEW.name) IS DISTINCT FROM (OLD.balance, OLD.used_this_period, OLD.allotted_period,
        OLD.restricted, OLD.monthly_limit, OLD.plan, OLD.role, OLD.name) THEN
        RAISE EXCEPTION 'only the contract''s admin role may change a seat''s credits, plan, limits, restriction '
                        'or role' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outreach_seat_guard BEFORE UPDATE ON seats FOR EACH ROW WHEN (NOT outreach_is_admin())
    EXECUTE FUNCTION outreach_seat_guard();

-- settings: a tick on a simulated clock moves it and records its target (K5), whoever runs it, as `tick --to`
-- allows; on the system clock (the server's, P4) and for every other setting, only the admin writes
CREATE FUNCTION outreach_simulated() RETURNS boolean LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT EXISTS (SELECT 1 FROM settings WHERE key = 'clock_mode' AND value = 'simulated') $$;
CREATE POLICY outreach_tick ON settings USING (key IN ('clock_now_utc', 'tick_target_utc') AND outreach_simulated())
    WITH CHECK (key IN ('clock_now_utc', 'tick_target_utc') AND outreach_simulated());

-- ledger: the rows a recruiter may write for a seat it acts for
CREATE FUNCTION outreach_move_allowed(at text, acct text, seat bigint, amount bigint, why text, msg bigint)
RETURNS boolean LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
DECLARE
    net bigint;
    paid text;
    s record;
    c record;
    local timestamp;
    period text;
    clock text;
BEGIN
    IF seat IS NULL OR seat NOT IN (SELECT outreach_acting_seats()) THEN
        RETURN false;
    END IF;
    IF why IN ('charge', 'refund') THEN
        IF msg IS NULL OR NOT EXISTS (SELECT 1 FROM messages WHERE id = msg AND seat_id = seat) THEN
            RETURN false;
        END IF;
        SELECT coalesce(-sum(l.delta), 0) INTO net FROM ledger l
            WHERE l.message_id = msg AND l.reason IN ('charge', 'refund');
        IF why = 'charge' THEN
            RETURN amount = -1 AND net = 0;  -- C1: one credit, once
        END IF;
        SELECT l.account INTO paid FROM ledger l WHERE l.message_id = msg AND l.reason = 'charge'
            ORDER BY l.id DESC LIMIT 1;
        RETURN amount = 1 AND net = 1 AND acct = paid;  -- C10: at most once per charge, to the account that paid
    END IF;
    IF why <> 'allotment' OR acct <> 'seat' OR msg IS NOT NULL THEN
        RETURN false;  -- grants, adjustments and expiries are the admin's (the trigger cuts an allotment to the cap)
    END IF;
    -- C9, L5: the plan's allotment at the seat's refresh moment (the contract's refresh day in the seat's zone),
    -- due by the clock, each monthly period once and in order: the period after the last one allotted, or, for a
    -- seat never refreshed, one after its creation (its first ledger row) or the clock's own period
    SELECT * INTO s FROM seats WHERE id = seat;
    SELECT * INTO c FROM contract WHERE id = 1;
    local := at::timestamptz AT TIME ZONE s.timezone;
    period := to_char(local, 'YYYY-MM');
    clock := CASE WHEN outreach_simulated()
                  THEN (SELECT max(value) FROM settings WHERE key IN ('clock_now_utc', 'tick_target_utc'))
                  ELSE to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END;
    RETURN at = s.next_refresh_utc AND at <= clock
        AND amount = CASE s.plan WHEN 'lite' THEN c.allotment_lite ELSE c.allotment_recruiter END
        AND extract(day FROM local) = least(c.refresh_day,
                                            extract(day FROM date_trunc('month', local) + interval '1 month - 1 day'))
        AND CASE WHEN s.allotted_period IS NOT NULL
                 THEN period = to_char(to_date(s.allotted_period, 'YYYY-MM') + interval '1 month', 'YYYY-MM')
                 ELSE coalesce((SELECT min(l.at_utc) FROM ledger l WHERE l.seat_id = seat) < at, false)
                      OR period = to_char(clock::timestamptz AT TIME ZONE s.timezone, 'YYYY-MM') END;
    RETURN false;
END $$;
CREATE POLICY outreach_move ON ledger FOR INSERT
    WITH CHECK (outreach_move_allowed(at_utc, account, seat_id, delta, reason, message_id));
CREATE FUNCTION outreach_ledger_moved() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
AS $$
DECLARE
    left_over bigint;
BEGIN
    IF NEW.account = 'contract' THEN
        UPDATE contract SET pool = pool + NEW.delta WHERE id = 1;
    ELSE
        UPDATE seats SET balance = balance + NEW.delta WHERE id = NEW.seat_id;
    END IF;
    IF NEW.reason = 'charge' THEN
        UPDATE messages SET paid_by = NEW.account, credit = 'charged' WHERE id = NEW.message_id;
        IF NEW.account = 'contract' THEN  -- C7: counted against the admin's monthly limit
            UPDATE seats SET used_this_period = used_this_period + 1 WHERE id = NEW.seat_id;
        END IF;
    ELSIF NEW.reason = 'refund' THEN
        UPDATE messages SET credit = 'refunded' WHERE id = NEW.message_id;
    ELSIF NEW.reason = 'allotment' THEN  -- C9: the admin count restarts, and the balance is cut to four allotments
        UPDATE seats SET used_this_period = 0,
            allotted_period = to_char(NEW.at_utc::timestamptz AT TIME ZONE timezone, 'YYYY-MM') WHERE id = NEW.seat_id
            RETURNING balance INTO left_over;
        IF left_over > 4 * NEW.delta THEN
            INSERT INTO ledger (at_utc, account, seat_id, delta, reason)
                VALUES (NEW.at_utc, 'seat', NEW.seat_id, 4 * NEW.delta - left_over, 'expire');
            UPDATE seats SET balance = 4 * NEW.delta WHERE id = NEW.seat_id;
        END IF;
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION outreach_ledger_moved() FROM PUBLIC;
CREATE TRIGGER outreach_ledger_moved AFTER INSERT ON ledger FOR EACH ROW WHEN (NOT outreach_is_admin())
    EXECUTE FUNCTION outreach_ledger_moved();
"""

MIGRATIONS: dict[str, str] = {
    "0001_initial": """
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE contract (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    pool BIGINT NOT NULL DEFAULT 0,
    followups_enabled BIGINT NOT NULL DEFAULT 1,
    refresh_day BIGINT NOT NULL,
    allotment_recruiter BIGINT NOT NULL DEFAULT 150,
    allotment_lite BIGINT NOT NULL DEFAULT 30
);
CREATE TABLE seats (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL CHECK (plan IN ('recruiter', 'lite')),
    timezone TEXT NOT NULL,
    balance BIGINT NOT NULL DEFAULT 0,
    daily_limit BIGINT NOT NULL DEFAULT 100,
    restricted BIGINT NOT NULL DEFAULT 0,
    monthly_limit BIGINT,
    used_this_period BIGINT NOT NULL DEFAULT 0,
    next_refresh_utc TEXT NOT NULL
);
CREATE TABLE candidates (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE,
    first_name TEXT, last_name TEXT, company TEXT, title TEXT,
    timezone TEXT, email TEXT,
    out_of_network BIGINT NOT NULL DEFAULT 0,
    opted_out BIGINT NOT NULL DEFAULT 0,
    removed BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE drafts (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    seat_id BIGINT NOT NULL REFERENCES seats(id),
    subject TEXT NOT NULL, body TEXT NOT NULL,
    followup_subject TEXT, followup_body TEXT, followup_delay_hours BIGINT,
    template TEXT, template_at TEXT, template_tz TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    created_utc TEXT NOT NULL
);
CREATE TABLE draft_recipients (
    draft_id BIGINT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (draft_id, candidate_id)
);
CREATE TABLE threads (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    draft_id BIGINT REFERENCES drafts(id),
    seat_id BIGINT NOT NULL REFERENCES seats(id),
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    response_kind TEXT, response_utc TEXT, response_message_id BIGINT
);
CREATE TABLE messages (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    thread_id BIGINT NOT NULL REFERENCES threads(id),
    kind TEXT NOT NULL CHECK (kind IN ('initial', 'followup')),
    seat_id BIGINT NOT NULL REFERENCES seats(id),
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    subject TEXT NOT NULL, body TEXT NOT NULL,
    status TEXT NOT NULL CONSTRAINT messages_status_check CHECK (status IN ('scheduled', 'sent', 'canceled')),
    cancel_reason TEXT,
    send_at_utc TEXT NOT NULL,
    sent_at_utc TEXT,
    timezone TEXT NOT NULL,
    timezone_source TEXT NOT NULL,
    delay_hours BIGINT,
    paid_by TEXT CHECK (paid_by IN ('seat', 'contract')),
    credit TEXT CHECK (credit IN ('charged', 'refunded'))
);
CREATE TABLE ledger (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at_utc TEXT NOT NULL,
    account TEXT NOT NULL CHECK (account IN ('seat', 'contract')),
    seat_id BIGINT REFERENCES seats(id),
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('grant', 'allotment', 'charge', 'refund', 'expire', 'adjust')),
    message_id BIGINT REFERENCES messages(id)
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
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL, body TEXT NOT NULL,
    at_local TEXT, at_tz TEXT,
    followup_subject TEXT, followup_body TEXT, followup_delay_hours BIGINT,
    created_utc TEXT NOT NULL
);
""",
    # L8 holds already (identity columns never repeat a value); L5's allotted period as on SQLite.
    "0002_ids_never_reused_and_allotted_period": """
ALTER TABLE seats ADD COLUMN allotted_period TEXT;
UPDATE seats SET allotted_period = (
    SELECT to_char((max(l.at_utc)::timestamptz AT TIME ZONE 'UTC') + interval '12 hours', 'YYYY-MM')
    FROM ledger l WHERE l.seat_id = seats.id AND l.reason = 'allotment');
""",
    "0003_delivery": """
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check
    CHECK (status IN ('scheduled', 'sending', 'sent', 'canceled', 'failed', 'unknown'));
ALTER TABLE messages
    ADD COLUMN internet_message_id TEXT NOT NULL
        DEFAULT ('<' || replace(gen_random_uuid()::text, '-', '') || '@outreach.invalid>'),
    ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN retry_at_utc TEXT,
    ADD COLUMN first_attempt_utc TEXT,
    ADD COLUMN failure TEXT,
    ADD COLUMN transport_id TEXT,
    ADD COLUMN claimed_by TEXT,
    ADD COLUMN claim_expires_utc TEXT;
CREATE UNIQUE INDEX messages_internet_id ON messages (internet_message_id);
CREATE INDEX messages_in_flight ON messages (claim_expires_utc) WHERE status = 'sending';
ALTER TABLE seats ADD COLUMN from_address TEXT;
CREATE TABLE seat_transports (
    seat_id BIGINT PRIMARY KEY REFERENCES seats(id),
    kind TEXT NOT NULL CHECK (kind IN ('none', 'outbox', 'smtp', 'sendmail', 'exec')),
    options TEXT NOT NULL DEFAULT '{}'
);
""",
    "0004_delivery_retries": """
DROP INDEX messages_due;
CREATE INDEX messages_due ON messages (coalesce(retry_at_utc, send_at_utc), kind, id) WHERE status = 'scheduled';
ALTER TABLE messages ADD COLUMN last_attempt_utc TEXT;
""",
    "0005_incoming": """
CREATE TABLE seat_mailboxes (
    seat_id BIGINT PRIMARY KEY REFERENCES seats(id),
    kind TEXT NOT NULL CHECK (kind IN ('maildir', 'mbox', 'imap')),
    options TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL,
    cursor TEXT
);
CREATE TABLE incoming (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    seat_id BIGINT NOT NULL REFERENCES seats(id),
    message_id TEXT NOT NULL UNIQUE,
    source TEXT,
    source_key TEXT,
    read_at_utc TEXT NOT NULL,
    from_address TEXT, from_name TEXT, subject TEXT, date_utc TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'auto_reply', 'bounce', 'unmatched', 'ignored')),
    hard BIGINT,
    bounce_status TEXT,
    thread_id BIGINT REFERENCES threads(id),
    matched_message_id BIGINT REFERENCES messages(id),
    matched_by TEXT CHECK (matched_by IN ('in_reply_to', 'references', 'bounce', 'sender', 'hand'))
);
CREATE INDEX incoming_source_key ON incoming (source, source_key);
CREATE INDEX incoming_kind ON incoming (kind, id);
CREATE INDEX candidates_email ON candidates (lower(email)) WHERE removed = 0;
ALTER TABLE candidates ADD COLUMN email_undeliverable BIGINT NOT NULL DEFAULT 0;
""",
    "0006_mailclient_signature_unsubscribe": """
ALTER TABLE seats ADD COLUMN signature TEXT;
ALTER TABLE seats ADD COLUMN list_unsubscribe BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incoming DROP CONSTRAINT incoming_kind_check;
ALTER TABLE incoming ADD CONSTRAINT incoming_kind_check
    CHECK (kind IN ('reply', 'auto_reply', 'bounce', 'opt_out', 'unmatched', 'ignored'));
""",
    "0007_window_send_times": """
ALTER TABLE seats ADD COLUMN send_window TEXT;
ALTER TABLE seats ADD COLUMN holidays BIGINT NOT NULL DEFAULT 0;
ALTER TABLE seats ADD COLUMN max_per_hour BIGINT;
ALTER TABLE seats ADD COLUMN catch_up_hours BIGINT;
ALTER TABLE candidates ADD COLUMN country TEXT;
ALTER TABLE messages ADD COLUMN best TEXT;
""",
    "0008_replies_trust": """
ALTER TABLE incoming DROP CONSTRAINT incoming_matched_by_check;
ALTER TABLE incoming ADD CONSTRAINT incoming_matched_by_check
    CHECK (matched_by IN ('in_reply_to', 'references', 'bounce', 'sender', 'subject', 'hand'));
ALTER TABLE incoming ADD COLUMN candidate_id BIGINT REFERENCES candidates(id);
CREATE INDEX incoming_candidate ON incoming (candidate_id) WHERE candidate_id IS NOT NULL;
UPDATE incoming SET candidate_id = (SELECT c.id FROM candidates c WHERE c.removed = 0
    AND lower(c.email) = lower(incoming.from_address) LIMIT 1) WHERE from_address IS NOT NULL;
CREATE TABLE candidate_emails (
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    email TEXT NOT NULL,
    PRIMARY KEY (candidate_id, email)
);
CREATE INDEX candidate_emails_email ON candidate_emails (lower(email));
CREATE TABLE candidate_past_emails (
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    email TEXT NOT NULL,
    PRIMARY KEY (candidate_id, email)
);
CREATE TABLE seat_addresses (
    seat_id BIGINT NOT NULL REFERENCES seats(id),
    address TEXT NOT NULL,
    PRIMARY KEY (seat_id, address)
);
""",
    "0009_delivery_claim_transport": """
ALTER TABLE messages ADD COLUMN claim_transport TEXT;
ALTER TABLE messages ADD COLUMN held_reason TEXT;
""",
    "0010_replies2_response_mail": """
ALTER TABLE threads ADD COLUMN response_read_utc TEXT;
ALTER TABLE incoming ADD COLUMN made_response BIGINT NOT NULL DEFAULT 0;
UPDATE incoming SET made_response = 1 WHERE id IN (SELECT min(i.id) FROM incoming i JOIN threads t ON t.id = i.thread_id
    WHERE (i.kind = 'reply' AND t.response_kind = 'reply') OR (i.kind = 'opt_out' AND t.response_kind = 'decline')
    GROUP BY i.thread_id);
""",
    "0011_roles_seat_roles": ROLES,
}
