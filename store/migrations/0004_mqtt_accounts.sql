-- Broker accounts: one per household hub, plus the platform's own services. Only the hash is
-- kept (in the format mosquitto_passwd writes); a password is shown once, when it is made.
CREATE TABLE mqtt_accounts (
    username      text PRIMARY KEY,
    household_id  text REFERENCES households (id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('hub', 'service')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'hub') = (household_id IS NOT NULL))
);
