-- National integrations: the Mobile JKN provider web service (BPJS Antrean
-- FKTP calls us), the outbox of calls we make to BPJS and SATUSEHAT, their
-- per-facility settings, and referrals from a Puskesmas to a hospital.
-- Facilities and units are named by code so these tables stay independent
-- of the queue schema.

-- jkn_accounts holds the credentials BPJS uses to call a facility's
-- provider web service. The password is an argon2id hash.
CREATE TABLE jkn_accounts (
    facility      text        PRIMARY KEY,
    username      text        NOT NULL,
    password_hash text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- jkn_tokens are the x-token values handed out by GET auth, stored hashed.
CREATE TABLE jkn_tokens (
    token_hash bytea       PRIMARY KEY,
    facility   text        NOT NULL,
    username   text        NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX jkn_tokens_expiry ON jkn_tokens (expires_at);

-- jkn_poli maps a PCare poli code to a unit of the facility, with the
-- doctor BPJS expects in antrean/add for tickets of that unit.
CREATE TABLE jkn_poli (
    facility   text    NOT NULL,
    kodepoli   text    NOT NULL CHECK (kodepoli ~ '^[A-Za-z0-9]{1,10}$'),
    unit       text    NOT NULL,
    kodedokter integer NOT NULL DEFAULT 0,
    namadokter text    NOT NULL DEFAULT '',
    jampraktek text    NOT NULL DEFAULT '',
    PRIMARY KEY (facility, kodepoli),
    UNIQUE (facility, unit)
);

-- jkn_patients are the patients registered through POST peserta: the
-- medical record number (norm) the facility gives a JKN card holder.
CREATE SEQUENCE jkn_norm_seq;

CREATE TABLE jkn_patients (
    facility   text        NOT NULL,
    nomorkartu text        NOT NULL,
    nik        text        NOT NULL,
    nama       text        NOT NULL,
    norm       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (facility, nomorkartu),
    UNIQUE (facility, norm)
);

-- bpjs_settings are a facility's credentials for the antreanfktp API.
CREATE TABLE bpjs_settings (
    facility       text        PRIMARY KEY,
    enabled        boolean     NOT NULL DEFAULT true,
    base_url       text        NOT NULL,
    cons_id        text        NOT NULL,
    secret         text        NOT NULL,
    user_key       text        NOT NULL,
    pcare_user     text        NOT NULL DEFAULT '',
    pcare_password text        NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- satusehat_settings are a facility's SATUSEHAT client credentials.
CREATE TABLE satusehat_settings (
    facility        text        PRIMARY KEY,
    enabled         boolean     NOT NULL DEFAULT true,
    environment     text        NOT NULL CHECK (environment IN ('sandbox', 'production', 'development', 'custom')),
    base_url        text        NOT NULL,
    client_id       text        NOT NULL,
    client_secret   text        NOT NULL,
    organization_id text        NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- satusehat_locations maps a unit to its SATUSEHAT Location (and,
-- optionally, the Practitioner who attends there).
CREATE TABLE satusehat_locations (
    facility     text NOT NULL,
    unit         text NOT NULL,
    location_id  text NOT NULL,
    practitioner text NOT NULL DEFAULT '',
    PRIMARY KEY (facility, unit)
);

-- satusehat_patients caches the IHS number of a NIK, keyed by a keyed hash
-- of the NIK so the cache holds no NIK.
CREATE TABLE satusehat_patients (
    nik_hash   bytea       PRIMARY KEY,
    ihs        text        NOT NULL,
    name       text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- satusehat_encounters remembers the Encounter created for a ticket.
CREATE TABLE satusehat_encounters (
    ticket_id    text        PRIMARY KEY,
    encounter_id text        NOT NULL,
    status       text        NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- integration_outbox holds one row per call to make to BPJS or SATUSEHAT.
-- Rows are inserted inside the queue transaction that causes them, and
-- sent by integration workers (FIFO per ticket and target, at least once,
-- with backoff). payload holds only the event's own data; personal data is
-- read from the ticket when sending.
CREATE TABLE integration_outbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key      text        UNIQUE,
    target          text        NOT NULL CHECK (target IN ('bpjs', 'satusehat')),
    kind            text        NOT NULL,
    facility        text        NOT NULL,
    unit            text        NOT NULL,
    ticket_id       text        NOT NULL,
    code            text        NOT NULL DEFAULT '',
    payload         jsonb       NOT NULL DEFAULT '{}',
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    locked_by       text        NOT NULL DEFAULT '',
    sent_at         timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX integration_outbox_due ON integration_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX integration_outbox_ticket ON integration_outbox (ticket_id, target, id);
CREATE INDEX integration_outbox_dead ON integration_outbox (facility, updated_at DESC) WHERE state = 'dead';

-- referrals records a patient referred from a Puskesmas unit to a hospital.
CREATE TABLE referrals (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_ticket_id   text        NOT NULL UNIQUE,
    to_facility    text        NOT NULL,
    to_unit        text        NOT NULL,
    from_ticket_id text        NOT NULL,
    from_facility  text        NOT NULL,
    from_unit      text        NOT NULL,
    reason         text        NOT NULL,
    actor          text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL
);

CREATE INDEX referrals_to ON referrals (to_facility, created_at DESC);
CREATE INDEX referrals_from ON referrals (from_ticket_id);
