-- A unit's waiting count for a day, kept beside its numbers: every queue
-- write that moves a ticket into or out of 'waiting' changes it under the
-- facility's row lock, so a booking or a call reads one row instead of
-- counting the unit's line (which grew with the line).
ALTER TABLE ticket_numbers ADD COLUMN waiting integer NOT NULL DEFAULT 0;

UPDATE ticket_numbers n SET waiting = w.count
FROM (SELECT unit_id, service_date, count(*) AS count FROM tickets WHERE status = 'waiting'
      GROUP BY unit_id, service_date) w
WHERE w.unit_id = n.unit_id AND w.service_date = n.service_date;
