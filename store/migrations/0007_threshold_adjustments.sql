-- What detection has learned from responders' outcomes: per household, watchdog and two-hour
-- band of local time, how far its limit is widened (1 = not at all; false alarms widen it,
-- real incidents narrow it back; see the README's "Learning from outcomes"). Recomputed from
-- the alerts' outcomes; kept for the detection service and for the pages that show it.
CREATE TABLE threshold_adjustments (
    household_id   text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    detector       text NOT NULL,
    band           smallint NOT NULL CHECK (band BETWEEN 0 AND 11),
    factor         double precision NOT NULL CHECK (factor >= 1 AND factor <= 2),
    false_alarms   integer NOT NULL,
    real_incidents integer NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (household_id, detector, band)
);
