-- The full registry: who lives where (pseudonymously), on what consent, who to tell, and
-- each device's dialect, vendor id, expected report interval and service dates.

ALTER TABLE households
    -- For reports: a postcode district or ward, never a full address.
    ADD COLUMN address_area text,
    ADD COLUMN monitoring_state text NOT NULL DEFAULT 'active'
        CHECK (monitoring_state IN ('active', 'paused', 'away', 'ended')),
    ADD COLUMN away_until timestamptz,
    ADD COLUMN referred_on date,
    ADD COLUMN ended_at timestamptz,
    ADD CONSTRAINT away_has_an_end CHECK (monitoring_state <> 'away' OR away_until IS NOT NULL);

-- Consent is a history: the latest record is the one in force; earlier ones stay for audit.
CREATE TABLE consents (
    id             bigserial PRIMARY KEY,
    household_id   text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    basis          text NOT NULL CHECK (basis IN ('self', 'best_interest')),
    given_by       text NOT NULL,
    -- A best-interest decision (Mental Capacity Act 2005) names its decision-maker and must
    -- be reviewed; consent by the person themselves needs neither.
    decision_maker text,
    review_on      date,
    given_on       date NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (basis = 'self' OR (decision_maker IS NOT NULL AND review_on IS NOT NULL))
);
CREATE INDEX consents_household ON consents (household_id, recorded_at DESC);

-- Family carers and others to tell. Channels are Apprise URLs (mailto://, ntfy://, ...).
CREATE TABLE contacts (
    id                bigserial PRIMARY KEY,
    household_id      text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    name              text NOT NULL,
    relationship      text,
    channels          text[] NOT NULL DEFAULT '{}',
    -- Routine news waits outside these local hours; urgent alerts do not.
    quiet_from        time,
    quiet_until       time,
    -- Local time of the daily reassurance digest, or NULL for none.
    digest_at         time,
    UNIQUE (household_id, name),
    CHECK ((quiet_from IS NULL) = (quiet_until IS NULL))
);

ALTER TABLE devices
    ADD COLUMN dialect text NOT NULL DEFAULT 'native',
    -- The id the device reports under in its own dialect (Zigbee2MQTT friendly name,
    -- Tasmota topic, Shelly id); native devices report under our own ids.
    ADD COLUMN vendor_id text,
    -- How often the device reports when all is well (a heartbeat or a periodic reading);
    -- silence longer than this (with a margin) makes it "offline". NULL: the role's default.
    ADD COLUMN expected_interval interval,
    ADD COLUMN installed_on date,
    ADD COLUMN removed_on date,
    ADD CONSTRAINT vendor_id_for_foreign_dialects CHECK (dialect = 'native' OR vendor_id IS NOT NULL);

-- A vendor id maps to at most one installed device, or ingest could not tell homes apart.
CREATE UNIQUE INDEX devices_vendor_id ON devices (dialect, vendor_id)
    WHERE vendor_id IS NOT NULL AND removed_on IS NULL;
