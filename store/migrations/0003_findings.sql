-- Findings: what detection and device health conclude, each with its evidence in words and
-- numbers. One row is one episode of a condition (from onset until it clears); while it
-- holds, re-evaluation updates that row instead of adding another, so a condition seen every
-- minute is one finding, not sixty an hour. The alerts service turns findings into alerts.

CREATE TABLE findings (
    id            bigserial PRIMARY KEY,
    household_id  text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    -- The condition's identity within the household, e.g. 'device_offline:front-door'.
    condition_key text NOT NULL,
    kind          text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('urgent', 'high', 'routine')),
    device_id     text,
    onset         timestamptz NOT NULL,
    detected_at   timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    cleared_at    timestamptz,
    message       text NOT NULL,
    evidence      jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX findings_one_open_per_condition ON findings (household_id, condition_key)
    WHERE cleared_at IS NULL;
CREATE INDEX findings_detected_at ON findings (detected_at);

-- When each sensor last saw the person (movement, a door, a bed or chair), beside when we last
-- heard from it at all: a sensor that still reports its battery but never sees anyone move is
-- alive yet blind, which only the difference shows.
ALTER TABLE device_state ADD COLUMN last_activity_at timestamptz;
