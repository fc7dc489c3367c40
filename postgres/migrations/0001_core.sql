-- Core schema: facilities, units, tickets with their numbering and event
-- history, idempotency keys, staff accounts and sessions.

CREATE TABLE settings (
    key   text PRIMARY KEY,
    value bytea NOT NULL
);

CREATE TABLE facilities (
    id             bigserial PRIMARY KEY,
    code           text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    name           text NOT NULL,
    kind           text NOT NULL DEFAULT 'puskesmas' CHECK (kind IN ('puskesmas', 'rumah_sakit')),
    timezone       text NOT NULL DEFAULT 'Asia/Jakarta',
    booking_window integer NOT NULL DEFAULT 7 CHECK (booking_window BETWEEN 0 AND 90),
    show_names     boolean NOT NULL DEFAULT false,
    announcement   text NOT NULL DEFAULT '',
    -- event_seq is the seq of the facility's last committed queue event.
    -- Every queue write locks this row first, which orders the facility's
    -- events exactly and keeps lock order the same in every transaction.
    event_seq      bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE units (
    id                bigserial PRIMARY KEY,
    facility_id       bigint NOT NULL REFERENCES facilities (id),
    code              text NOT NULL CHECK (code ~ '^[A-Z0-9_]{1,20}$'),
    name              text NOT NULL,
    prefix            text NOT NULL CHECK (prefix ~ '^[A-Z]$'),
    daily_quota       integer NOT NULL DEFAULT 100 CHECK (daily_quota > 0),
    opens_min         integer NOT NULL DEFAULT 420 CHECK (opens_min BETWEEN 0 AND 1440),
    closes_min        integer NOT NULL DEFAULT 840 CHECK (closes_min BETWEEN 0 AND 1440),
    open_days         integer NOT NULL DEFAULT 126, -- Monday to Saturday
    policy_mode       text NOT NULL DEFAULT 'ratio' CHECK (policy_mode IN ('fifo', 'ratio', 'strict')),
    policy_every      integer NOT NULL DEFAULT 2,
    policy_max_wait   integer NOT NULL DEFAULT 1800,
    requeue_ahead     integer NOT NULL DEFAULT 3,
    default_service_s integer NOT NULL DEFAULT 300,
    UNIQUE (facility_id, code)
);

CREATE TABLE ticket_numbers (
    unit_id      bigint NOT NULL REFERENCES units (id),
    service_date date NOT NULL,
    last         integer NOT NULL,
    -- last_key is the order key of the last booking: keys rise with numbers,
    -- so arrival order and number order agree.
    last_key     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, service_date)
);

CREATE TABLE tickets (
    id             text PRIMARY KEY,
    facility_id    bigint NOT NULL REFERENCES facilities (id),
    unit_id        bigint NOT NULL REFERENCES units (id),
    service_date   date NOT NULL,
    number         integer NOT NULL,
    code           text NOT NULL,
    status         text NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'done', 'skipped', 'cancelled', 'transferred')),
    priority       text NOT NULL DEFAULT '',
    channel        text NOT NULL,
    name           text NOT NULL DEFAULT '',
    phone          text NOT NULL DEFAULT '',
    nik            text NOT NULL DEFAULT '',
    bpjs           text NOT NULL DEFAULT '',
    -- Keyed hashes (HMAC-SHA256 with the deployment secret) find a person's
    -- other tickets without an index over the personal data itself.
    phone_hash     bytea,
    nik_hash       bytea,
    bpjs_hash      bytea,
    notify         boolean NOT NULL DEFAULT false,
    counter        text NOT NULL DEFAULT '',
    visit_id       text NOT NULL,
    order_key      bigint NOT NULL,
    issued_at      timestamptz NOT NULL,
    called_at      timestamptz,
    started_at     timestamptz,
    finished_at    timestamptz,
    call_count     integer NOT NULL DEFAULT 0,
    transferred_to text NOT NULL DEFAULT '',
    from_unit      text NOT NULL DEFAULT '',
    UNIQUE (unit_id, service_date, number)
);

CREATE INDEX tickets_unit_day_status ON tickets (unit_id, service_date, status);
CREATE INDEX tickets_facility_day ON tickets (facility_id, service_date);
CREATE INDEX tickets_nik_hash ON tickets (nik_hash) WHERE nik_hash IS NOT NULL;
CREATE INDEX tickets_bpjs_hash ON tickets (bpjs_hash) WHERE bpjs_hash IS NOT NULL;
CREATE INDEX tickets_phone_hash ON tickets (phone_hash) WHERE phone_hash IS NOT NULL;

-- ticket_events is the append-only history of every committed queue change.
-- seq rises by exactly one per facility.
CREATE TABLE ticket_events (
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    seq          bigint NOT NULL,
    unit_id      bigint NOT NULL REFERENCES units (id),
    service_date date NOT NULL,
    kind         text NOT NULL,
    ticket_id    text NOT NULL,
    code         text NOT NULL,
    counter      text NOT NULL DEFAULT '',
    actor        text NOT NULL DEFAULT '',
    at           timestamptz NOT NULL,
    waiting      integer NOT NULL,
    current_code text NOT NULL DEFAULT '',
    current_counter text NOT NULL DEFAULT '',
    PRIMARY KEY (facility_id, seq)
);

CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id);
CREATE INDEX ticket_events_unit_day ON ticket_events (unit_id, service_date);

CREATE TABLE idempotency_keys (
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    ticket_id    text NOT NULL REFERENCES tickets (id),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (facility_id, key)
);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    facility_id   bigint REFERENCES facilities (id), -- NULL: the whole district
    username      text NOT NULL UNIQUE,
    role          text NOT NULL CHECK (role IN ('admin', 'staff', 'kader', 'dinkes')),
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id_hash    bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);
