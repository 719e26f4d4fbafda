-- Accounts for the web service: people with a role, teams that cover households, carers
-- linked to the households they care for, server-side sessions, API tokens, sign-in attempts.
-- Secrets are never stored: passwords as Argon2 hashes, session and API tokens as SHA-256
-- (they are 256-bit random values, so a fast hash is enough to make a stolen table useless).

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9_.@-]{1,63}$'),
    display_name  text NOT NULL,
    role          text NOT NULL
        CHECK (role IN ('admin', 'responder', 'supervisor', 'carer', 'commissioner')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Disabled accounts keep their row: the audit trail names them.
    disabled_at   timestamptz
);

CREATE TABLE teams (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name ~ '^\S(.{0,62}\S)?$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_members (
    team_id bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- A responder team covers these households: its members see their alerts.
CREATE TABLE team_households (
    team_id      bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    household_id text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, household_id)
);
CREATE INDEX team_households_household ON team_households (household_id);

-- A carer sees only the households linked here, as the contact named (when they are one).
CREATE TABLE carer_households (
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    household_id text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    contact_id   bigint REFERENCES contacts (id) ON DELETE SET NULL,
    PRIMARY KEY (user_id, household_id)
);

-- A signed-in browser. The cookie holds the token; only its hash is here. The session ends
-- when idle too long (last_seen_at) or at expires_at, whichever comes first.
CREATE TABLE web_sessions (
    token_sha256 bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Every form the session posts must carry this (a per-session CSRF token).
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Bearer tokens for the JSON API, named so their owner can tell them apart.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    token_sha256 bytea NOT NULL UNIQUE,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Failed and successful sign-ins, for rate limiting by username and by client address.
CREATE TABLE login_attempts (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL,
    username       text NOT NULL,
    client_address text NOT NULL,
    succeeded      boolean NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, at);
CREATE INDEX login_attempts_address ON login_attempts (client_address, at);
CREATE INDEX login_attempts_at ON login_attempts (at);

-- The responder console updates live: every change to an alert is announced at commit with
-- the alert's id and household, so a listener can tell whom it concerns without a query.
CREATE FUNCTION alerts_announce_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('telecare_alerts', json_build_object('alert', NEW.id, 'household', NEW.household_id)::text);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER alerts_announce AFTER INSERT OR UPDATE ON alerts
    FOR EACH ROW EXECUTE FUNCTION alerts_announce_change();
