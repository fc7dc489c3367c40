-- Days a facility does not serve (national holidays, collective leave,
-- training days): booking for one is refused with its reason and the next
-- open day.
CREATE TABLE closed_days (
    facility_id bigint NOT NULL REFERENCES facilities(id) ON DELETE CASCADE,
    day         date   NOT NULL,
    reason      text   NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
    PRIMARY KEY (facility_id, day)
);
