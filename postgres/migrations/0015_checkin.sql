-- Arrival check-in. A unit may require that a patient who booked from
-- afar (online, Mobile JKN, WhatsApp) checks in when she arrives: her
-- ticket is 'booked' (holding its number, not callable) until then, and
-- 'no_show' when she has not come by the end of her window plus the
-- unit's grace. A patient who comes after that rejoins by the unit's rule:
-- 'back' of the line, 'requeue' behind a few (as a skipped patient), or
-- 'refuse' (she takes a new number).
ALTER TABLE units
    ADD COLUMN checkin_required  boolean NOT NULL DEFAULT false,
    ADD COLUMN checkin_grace_min integer NOT NULL DEFAULT 15 CHECK (checkin_grace_min BETWEEN 0 AND 240),
    ADD COLUMN noshow_rule       text NOT NULL DEFAULT 'back' CHECK (noshow_rule IN ('back', 'requeue', 'refuse'));

ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check
    CHECK (status IN ('booked', 'waiting', 'called', 'serving', 'done', 'skipped', 'cancelled', 'transferred', 'no_show'));

-- The window a booked patient was given when she booked (her appointment),
-- and when she checked in.
ALTER TABLE tickets
    ADD COLUMN window_start  timestamptz,
    ADD COLUMN window_end    timestamptz,
    ADD COLUMN checked_in_at timestamptz;

-- The no-show sweep reads only the tickets still expected.
CREATE INDEX tickets_booked ON tickets (service_date) WHERE status = 'booked';
