-- Detection's daily features: one row per household per feature day (a day runs from an hour
-- before the person's usual rising to the same time next day; its night is the one after its
-- evening). Refreshed by the detection service's daily pass; read by routine-change detection
-- and the weekly picture. Times of day are seconds after local midnight (bedtime past 86,400
-- after midnight), durations seconds, the rest counts; NULL where the day could not tell.
CREATE TABLE daily_features (
    household_id   text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    day            date NOT NULL,
    -- Why the day is not compared with the others; NULL: it is.
    unusable       text CHECK (unusable IN ('no_data', 'hub_outage', 'out_all_day', 'not_monitored')),
    anchor_s       double precision NOT NULL,
    rising         double precision,
    bedtime        double precision,
    time_in_bed    double precision,
    night_bathroom double precision,
    night_up       double precision,
    kitchen_visits double precision,
    meals          double precision,
    kettle         double precision,
    time_out       double precision,
    outings        double precision,
    active         double precision,
    transitions    double precision,
    computed_at    timestamptz NOT NULL,
    PRIMARY KEY (household_id, day)
);
