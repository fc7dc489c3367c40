-- Settings behind the pages: the counters (rooms, desks) staff call patients
-- to. A counter may belong to one unit or serve any ('').

CREATE TABLE counters (
    id          bigserial PRIMARY KEY,
    facility_id bigint NOT NULL REFERENCES facilities (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    unit_code   text NOT NULL DEFAULT '',
    position    integer NOT NULL DEFAULT 0,
    UNIQUE (facility_id, name)
);
