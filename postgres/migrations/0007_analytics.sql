-- Analytics: what the live gauges and the dashboards read, and daily
-- rollups of days that are over.

-- The live state (the /metrics scrape, the district dashboard) reads only
-- today's active tickets of every unit; this keeps that read proportional
-- to the people in the building, not to the history.
CREATE INDEX tickets_active_day ON tickets (service_date, unit_id)
    WHERE status IN ('waiting', 'called', 'serving');

-- analytics_days marks a facility's day as rolled up (also a day without
-- tickets, so that it is not computed again).
CREATE TABLE analytics_days (
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    service_date date NOT NULL,
    computed_at  timestamptz NOT NULL,
    PRIMARY KEY (facility_id, service_date)
);

-- analytics_unit_days is one unit's finished day, as analytics.Summary
-- holds it. Waiting and service times are kept whole (sorted seconds) so
-- that percentiles over any set of days and units are exact, not
-- averages of percentiles. No personal data: counts and durations only.
CREATE TABLE analytics_unit_days (
    facility_id   bigint NOT NULL REFERENCES facilities (id),
    service_date  date NOT NULL,
    unit_id       bigint NOT NULL REFERENCES units (id),
    booked_online integer NOT NULL,
    booked_kiosk  integer NOT NULL,
    booked_desk   integer NOT NULL,
    booked_jkn    integer NOT NULL,
    transfers_in  integer NOT NULL,
    called        integer NOT NULL,
    served        integer NOT NULL,
    skipped       integer NOT NULL,
    cancelled     integer NOT NULL,
    transferred   integer NOT NULL,
    unserved      integer NOT NULL,
    arrivals      integer[] NOT NULL, -- 24 hourly counts, facility zone
    wait_s        integer[] NOT NULL,
    service_s     integer[] NOT NULL,
    PRIMARY KEY (facility_id, service_date, unit_id)
);

-- Send success rates per facility and period (facility dashboard).
CREATE INDEX notify_outbox_facility_created ON notify_outbox (facility, created_at);
CREATE INDEX integration_outbox_facility_created ON integration_outbox (facility, created_at);
