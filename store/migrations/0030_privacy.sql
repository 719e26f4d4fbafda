-- Privacy: erasure of a household reaches its audit trail too, but only through the one door
-- the erasure opens, and never without leaving the record that it happened.

-- The audit trail stays append-only with one exception. While a transaction erases household
-- H (it sets `telecare.erasing_household` to H, locally) and once the erasure record for H is
-- written, H's own rows may be deleted, and other rows that name H in their detail (a registry
-- import listing several homes) may have that mention replaced, nothing else about them. The
-- erasure record itself is never removed. (A superuser can still drop the trigger; production
-- runs the platform under a role that owns no tables.)
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    erasing text := nullif(current_setting('telecare.erasing_household', true), '');
BEGIN
    IF erasing IS NOT NULL AND TG_OP IN ('DELETE', 'UPDATE')
       AND OLD.action <> 'household.erased'
       AND EXISTS (SELECT 1 FROM audit_events
                   WHERE action = 'household.erased' AND subject_type = 'household' AND subject_id = erasing)
    THEN
        IF TG_OP = 'DELETE'
           AND (OLD.household_id = erasing OR (OLD.subject_type = 'household' AND OLD.subject_id = erasing)) THEN
            RETURN OLD;
        END IF;
        IF TG_OP = 'UPDATE'
           AND (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.subject_type, NEW.subject_id)
               = (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.subject_type, OLD.subject_id)
           AND NEW.household_id IS NOT DISTINCT FROM OLD.household_id
           AND strpos(NEW.detail::text, '"' || erasing || '"') = 0 THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;
