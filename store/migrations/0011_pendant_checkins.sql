-- A pendant's cancel is one check-in, however often detection reads it again (it re-reads the
-- last day of readings after a restart).
CREATE UNIQUE INDEX checkins_one_per_pendant_press ON checkins (household_id, at) WHERE source = 'pendant';
