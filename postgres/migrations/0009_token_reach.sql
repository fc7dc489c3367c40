-- An API token reaches no further than the admin who made it. Before that
-- was checked, an admin of one facility could make a dinkes token, which
-- reads every facility; only a district admin (an admin account without a
-- facility) may. Revoke the live dinkes tokens any other account made.
UPDATE api_tokens t SET revoked_at = now()
WHERE t.role = 'dinkes' AND t.revoked_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM users u
                  WHERE u.username = t.created_by AND u.role = 'admin' AND u.facility_id IS NULL);
