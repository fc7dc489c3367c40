-- Staff unit assignments, machine API tokens and the append-only audit log.

CREATE TABLE user_units (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    unit_id bigint NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, unit_id)
);

CREATE TABLE api_tokens (
    id          bigserial PRIMARY KEY,
    facility_id bigint REFERENCES facilities (id), -- NULL: the whole district
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'staff', 'kader', 'dinkes')),
    token_hash  bytea NOT NULL UNIQUE,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    last_used   timestamptz,
    revoked_at  timestamptz
);

CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text NOT NULL,
    role      text NOT NULL,
    facility  text NOT NULL DEFAULT '',
    action    text NOT NULL,
    target    text NOT NULL DEFAULT '',
    status    integer NOT NULL,
    address   text NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_facility_at ON audit_log (facility, at DESC);

-- The audit log only grows: rows are never changed or removed.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
