-- A unit's current call (its latest called or serving ticket) is read in
-- every queue transaction and for every screen snapshot; this index finds
-- it without scanning the day's called tickets.
CREATE INDEX tickets_unit_day_current ON tickets (unit_id, service_date, called_at DESC)
    WHERE status IN ('called', 'serving');
