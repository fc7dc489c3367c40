-- A unit's practice sessions per weekday (Mon-Thu 07:30-12:00, Fri
-- 07:30-10:30), optionally with the doctor or midwife and a daily capacity.
-- A unit with sessions takes its hours and weekdays from them; the capacity
-- is counted against ticket_numbers.last. Overlaps are refused by the
-- application, which replaces a unit's list whole.
CREATE TABLE unit_sessions (
    unit_id    bigint   NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    weekday    smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    starts_min int      NOT NULL CHECK (starts_min >= 0),
    ends_min   int      NOT NULL CHECK (ends_min > starts_min AND ends_min <= 1440),
    staff      text     NOT NULL DEFAULT '' CHECK (length(staff) <= 100),
    kodedokter int      NOT NULL DEFAULT 0 CHECK (kodedokter >= 0),
    capacity   int      NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    PRIMARY KEY (unit_id, weekday, starts_min)
);
