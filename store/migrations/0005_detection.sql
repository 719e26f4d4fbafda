-- Detection's learned baselines, versioned per household (refitted daily; kept for audit and
-- so that a restart resumes with what was learned), and how far it has read the readings.

CREATE TABLE baselines (
    household_id text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    version      integer NOT NULL,
    fitted_at    timestamptz NOT NULL,
    days_learned integer NOT NULL,
    model        jsonb NOT NULL,
    PRIMARY KEY (household_id, version)
);
