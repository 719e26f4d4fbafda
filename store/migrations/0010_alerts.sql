-- Alerts: findings turned into alerts people act on, the notifications that tell them (a
-- transactional outbox), check-ins, the digest queue, and the append-only audit trail.

-- Per-household alert policy. A person known to wander makes a night-time exit urgent; a
-- check-in window holds a non-urgent alert back that long so the person can say "I'm fine"
-- first (NULL: no check-in, for someone who could not be expected to answer one).
ALTER TABLE households
    ADD COLUMN known_to_wander boolean NOT NULL DEFAULT false,
    ADD COLUMN checkin_window interval CHECK (checkin_window > interval '0');

-- Who is told what, where a household differs from the defaults: `applies_to` is a finding
-- kind or a severity; a kind's row wins over its severity's.
CREATE TABLE alert_routes (
    household_id text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    applies_to   text NOT NULL,
    audiences    text[] NOT NULL
        CHECK (audiences <@ ARRAY['family', 'duty_team', 'supervisor', 'device_team']),
    PRIMARY KEY (household_id, applies_to)
);

-- Who did what, when and why: alert changes, and (from the web service) every read of
-- personal data. No foreign keys: the trail outlives the rows it speaks of.
CREATE TABLE audit_events (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    action       text NOT NULL,
    subject_type text NOT NULL,
    subject_id   text NOT NULL,
    household_id text,
    detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id, id);
CREATE INDEX audit_events_household ON audit_events (household_id, at);

-- Append-only, whoever asks: rows can be added, never changed or removed. (A superuser can
-- still drop the trigger; production runs the platform under a role that owns no tables.)
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- One alert per episode of concern: repeated findings of the same condition while it is
-- unresolved are merged into it (`occurrences`). Deadlines are columns, so timers survive
-- any restart: whatever process looks next acts on what has fallen due.
CREATE TABLE alerts (
    id                   bigserial PRIMARY KEY,
    household_id         text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    condition_key        text NOT NULL,
    kind                 text NOT NULL,
    severity             text NOT NULL CHECK (severity IN ('urgent', 'high', 'routine')),
    state                text NOT NULL
        CHECK (state IN ('checking', 'open', 'acknowledged', 'escalated', 'resolved')),
    device_id            text,
    onset                timestamptz NOT NULL,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    message              text NOT NULL,
    evidence             jsonb NOT NULL,
    occurrences          integer NOT NULL DEFAULT 1,
    last_finding_id      bigint NOT NULL,
    -- When people were first told (NULL while waiting for the person to check in).
    raised_at            timestamptz,
    checkin_until        timestamptz,
    ack_deadline         timestamptz,
    escalation_level     integer NOT NULL DEFAULT 0,
    acknowledged_at      timestamptz,
    acknowledged_by      text,
    condition_cleared_at timestamptz,
    resolved_at          timestamptz,
    resolved_by          text,
    outcome              text CHECK (outcome IN (
        'false_alarm', 'resolved_by_phone', 'responder_visit', 'family_attended',
        'emergency_services', 'hospital_admission', 'other', 'condition_cleared', 'person_checked_in')),
    CHECK ((state = 'resolved') = (outcome IS NOT NULL)),
    CHECK (state <> 'checking' OR checkin_until IS NOT NULL)
);
CREATE UNIQUE INDEX alerts_one_unresolved_per_condition ON alerts (household_id, condition_key)
    WHERE state <> 'resolved';
CREATE INDEX alerts_ack_deadline ON alerts (ack_deadline) WHERE ack_deadline IS NOT NULL;
CREATE INDEX alerts_checkin_until ON alerts (checkin_until) WHERE state = 'checking';
CREATE INDEX alerts_created_at ON alerts (created_at);

-- Which finding episodes each alert has taken in; a finding belongs to one alert at most.
CREATE TABLE alert_findings (
    finding_id bigint PRIMARY KEY REFERENCES findings (id) ON DELETE CASCADE,
    alert_id   bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE
);
CREATE INDEX alert_findings_alert ON alert_findings (alert_id);

-- Every change to a finding, queued in the transaction that makes it: the router cannot miss
-- one however long it was down, and it is woken at commit. Rows are removed once routed.
CREATE TABLE alert_finding_inbox (
    id         bigserial PRIMARY KEY,
    finding_id bigint NOT NULL
);

CREATE FUNCTION alert_finding_inbox_add() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO alert_finding_inbox (finding_id) VALUES (NEW.id);
    PERFORM pg_notify('telecare_findings', '');
    RETURN NULL;
END
$fn$;
CREATE TRIGGER findings_to_alert_inbox AFTER INSERT OR UPDATE ON findings
    FOR EACH ROW EXECUTE FUNCTION alert_finding_inbox_add();
-- Findings open before alerts existed are routed on the first pass.
INSERT INTO alert_finding_inbox (finding_id) SELECT id FROM findings WHERE cleared_at IS NULL ORDER BY id;

-- The outbox: each message to one channel of one recipient, written in the transaction that
-- changed the alert. The idempotency key travels with the message (an HTTP header, an email
-- header) so a receiver can drop the resend that follows a crash in doubt.
CREATE TABLE notifications (
    id                    bigserial PRIMARY KEY,
    idempotency_key       uuid NOT NULL UNIQUE,
    alert_id              bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    household_id          text NOT NULL,
    event                 text NOT NULL CHECK (event IN ('raised', 'escalated', 'resolved', 'delivery_problem')),
    audience              text NOT NULL CHECK (audience IN ('family', 'duty_team', 'supervisor', 'device_team')),
    contact_id            bigint REFERENCES contacts (id) ON DELETE SET NULL,
    -- An Apprise URL; holds addresses and secrets, so it is never logged.
    channel               text NOT NULL,
    title                 text NOT NULL,
    body                  text NOT NULL,
    created_at            timestamptz NOT NULL,
    -- Quiet hours hold a message until here; "unreachable" is counted from here too.
    deliver_after         timestamptz NOT NULL,
    state                 text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'withdrawn', 'undeliverable')),
    attempts              integer NOT NULL DEFAULT 0,
    -- When the dispatcher should next look: the next retry, or a claim's lease end.
    next_attempt_at       timestamptz NOT NULL,
    sent_at               timestamptz,
    problem_raised_at     timestamptz,
    about_notification_id bigint REFERENCES notifications (id) ON DELETE CASCADE
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX notifications_alert ON notifications (alert_id, channel, id);

CREATE TABLE notification_attempts (
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    attempt         integer NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    -- NULL while in flight; 'in_doubt' when its dispatcher stopped before recording the result.
    outcome         text CHECK (outcome IN ('sent', 'failed', 'unusable', 'in_doubt')),
    PRIMARY KEY (notification_id, attempt)
);

-- Routine news for family carers who chose a daily digest: queued here instead of sent, for
-- the digest to gather at each contact's `digest_at`.
CREATE TABLE digest_entries (
    id          bigserial PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    alert_id    bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    queued_at   timestamptz NOT NULL,
    digested_at timestamptz,
    UNIQUE (contact_id, alert_id)
);
CREATE INDEX digest_entries_waiting ON digest_entries (contact_id) WHERE digested_at IS NULL;

-- "I'm fine" from the person: a pendant's cancel, a web link, the command line.
CREATE TABLE checkins (
    id           bigserial PRIMARY KEY,
    household_id text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    source       text NOT NULL CHECK (source IN ('pendant', 'web_link', 'command_line'))
);
CREATE INDEX checkins_household ON checkins (household_id, at);

-- A household's standing "I'm fine" link. Only the token's SHA-256 is kept.
CREATE TABLE checkin_tokens (
    token_sha256 bytea PRIMARY KEY,
    household_id text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
