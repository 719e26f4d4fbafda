-- The daily reassurance digest: at most one per family contact per local day, recorded before
-- its messages go out (through the outbox, like every notification), so no restart and no
-- second alerts process can send a day's digest twice.

CREATE TABLE digests (
    id           bigserial PRIMARY KEY,
    contact_id   bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    household_id text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    -- The household's local calendar day it speaks of.
    day          date NOT NULL,
    created_at   timestamptz NOT NULL,
    UNIQUE (contact_id, day)
);

-- Which digest took each queued item (NULL while it waits for the next one).
ALTER TABLE digest_entries ADD COLUMN digest_id bigint REFERENCES digests (id) ON DELETE SET NULL;

-- A notification is about an alert or about a digest, never both, never neither.
ALTER TABLE notifications
    ALTER COLUMN alert_id DROP NOT NULL,
    ADD COLUMN digest_id bigint REFERENCES digests (id) ON DELETE CASCADE,
    ADD CONSTRAINT notifications_about_an_alert_or_a_digest CHECK ((alert_id IS NULL) <> (digest_id IS NULL)),
    DROP CONSTRAINT notifications_event_check,
    ADD CONSTRAINT notifications_event_check
        CHECK (event IN ('raised', 'escalated', 'resolved', 'delivery_problem', 'digest'));
CREATE INDEX notifications_digest ON notifications (digest_id) WHERE digest_id IS NOT NULL;
