-- A unit's current call (its latest called or serving ticket) is read in
-- every queue transaction and for every screen snapshot; this index finds
-- it without scanning the day's called tickets.
CREATE INDEX tickets_unit_day_current ON tickets (unit_id, service_date, called_at DESC)
    WHERE status IN ('called', 'serving');

-- The heads of a unit's line (who is near the front, for "your turn is
-- near") and its latest calls (the priority ratio) are read in order.
CREATE INDEX tickets_unit_day_waiting ON tickets (unit_id, service_date, order_key, id) WHERE status = 'waiting';
CREATE INDEX tickets_unit_day_called ON tickets (unit_id, service_date, called_at DESC) WHERE called_at IS NOT NULL;
