-- BTS (Banyuwangi Tanggap Stunting): the district's geography down to the
-- posyandu, children and pregnant women, measurements with their WHO
-- z-scores, enrolment in the daily protein intervention, and the cadres'
-- daily delivery reports. Owned by package bts (queries in postgres/bts.go).

CREATE TABLE bts_kecamatan (
    id   bigserial PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    name text NOT NULL
);

-- bts_facilities holds what BTS adds to a facility: the kecamatan it belongs
-- to, and how its measurements turn age into a table row.
CREATE TABLE bts_facilities (
    facility_id  bigint PRIMARY KEY REFERENCES facilities (id),
    kecamatan_id bigint NOT NULL REFERENCES bts_kecamatan (id),
    method       text NOT NULL DEFAULT 'daily' CHECK (method IN ('daily', 'monthly'))
);

-- A desa (or kelurahan) lies in one kecamatan and in the working area of one
-- Puskesmas.
CREATE TABLE bts_desa (
    id           bigserial PRIMARY KEY,
    kecamatan_id bigint NOT NULL REFERENCES bts_kecamatan (id),
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    code         text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    name         text NOT NULL
);

CREATE TABLE bts_posyandu (
    id      bigserial PRIMARY KEY,
    desa_id bigint NOT NULL REFERENCES bts_desa (id),
    name    text NOT NULL,
    UNIQUE (desa_id, name)
);

-- Address and poor-family basis shared by children and pregnant women.
CREATE TABLE bts_children (
    id              bigserial PRIMARY KEY,
    facility_id     bigint NOT NULL REFERENCES facilities (id),
    nik             text NOT NULL DEFAULT '' CHECK (nik = '' OR nik ~ '^[0-9]{16}$'),
    name            text NOT NULL CHECK (name <> ''),
    sex             smallint NOT NULL CHECK (sex IN (1, 2)),
    birth_date      date NOT NULL,
    birth_weight_kg double precision,
    birth_length_cm double precision,
    mother_name     text NOT NULL DEFAULT '',
    mother_nik      text NOT NULL DEFAULT '' CHECK (mother_nik = '' OR mother_nik ~ '^[0-9]{16}$'),
    kk              text NOT NULL DEFAULT '' CHECK (kk = '' OR kk ~ '^[0-9]{16}$'),
    desa_id         bigint NOT NULL REFERENCES bts_desa (id),
    posyandu_id     bigint REFERENCES bts_posyandu (id),
    rt              text NOT NULL DEFAULT '',
    rw              text NOT NULL DEFAULT '',
    address         text NOT NULL DEFAULT '',
    lat             double precision CHECK (lat BETWEEN -90 AND 90),
    lon             double precision CHECK (lon BETWEEN -180 AND 180),
    poor_basis      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX bts_children_nik ON bts_children (nik) WHERE nik <> '';
CREATE INDEX bts_children_facility ON bts_children (facility_id);
CREATE INDEX bts_children_desa ON bts_children (desa_id);

CREATE TABLE bts_pregnancies (
    id           bigserial PRIMARY KEY,
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    nik          text NOT NULL DEFAULT '' CHECK (nik = '' OR nik ~ '^[0-9]{16}$'),
    name         text NOT NULL CHECK (name <> ''),
    birth_date   date,
    hpht         date,
    gravida      integer,
    parity       integer,
    height_cm    double precision,
    lila_cm      double precision,
    hb_g_dl      double precision,
    systolic     integer,
    diastolic    integer,
    risks        text[] NOT NULL DEFAULT '{}',
    desa_id      bigint NOT NULL REFERENCES bts_desa (id),
    posyandu_id  bigint REFERENCES bts_posyandu (id),
    rt           text NOT NULL DEFAULT '',
    rw           text NOT NULL DEFAULT '',
    address      text NOT NULL DEFAULT '',
    lat          double precision CHECK (lat BETWEEN -90 AND 90),
    lon          double precision CHECK (lon BETWEEN -180 AND 180),
    poor_basis   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bts_pregnancies_facility ON bts_pregnancies (facility_id);

-- A measurement keeps what was measured and everything computed from it, with
-- the method, so that a later change of method or of the tables never
-- silently changes a stored result. z-scores are unrounded; NULL = none.
CREATE TABLE bts_measurements (
    id           bigserial PRIMARY KEY,
    child_id     bigint NOT NULL REFERENCES bts_children (id),
    facility_id  bigint NOT NULL REFERENCES facilities (id),
    measured_on  date NOT NULL,
    weight_kg    double precision,
    lenhei_cm    double precision,
    measure      text NOT NULL DEFAULT '' CHECK (measure IN ('', 'l', 'h')),
    lila_cm      double precision,
    head_cm      double precision,
    oedema       boolean NOT NULL DEFAULT false,
    measured_by  text NOT NULL DEFAULT '',
    place        text NOT NULL CHECK (place IN ('puskesmas', 'posyandu')),
    ticket_id    text REFERENCES tickets (id),
    posyandu_id  bigint REFERENCES bts_posyandu (id),
    method       text NOT NULL CHECK (method IN ('daily', 'monthly')),
    age_days     integer NOT NULL,
    age_months   integer NOT NULL,
    clenhei_cm   double precision,
    bmi          double precision,
    zlen         double precision,
    zwei         double precision,
    zwfl         double precision,
    zbmi         double precision,
    flen         boolean NOT NULL DEFAULT false,
    fwei         boolean NOT NULL DEFAULT false,
    fwfl         boolean NOT NULL DEFAULT false,
    fbmi         boolean NOT NULL DEFAULT false,
    fmeasure     boolean NOT NULL DEFAULT false,
    tbu          text NOT NULL DEFAULT '',
    bbu          text NOT NULL DEFAULT '',
    bbtb         text NOT NULL DEFAULT '',
    imtu         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bts_measurements_child ON bts_measurements (child_id, measured_on DESC, id DESC);
CREATE INDEX bts_measurements_ticket ON bts_measurements (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE TABLE bts_enrolments (
    id            bigserial PRIMARY KEY,
    facility_id   bigint NOT NULL REFERENCES facilities (id),
    target_type   text NOT NULL CHECK (target_type IN ('baduta', 'balita', 'bumil_risti')),
    child_id      bigint REFERENCES bts_children (id),
    pregnancy_id  bigint REFERENCES bts_pregnancies (id),
    reason        text NOT NULL DEFAULT '',
    start_date    date NOT NULL,
    end_date      date NOT NULL CHECK (end_date >= start_date),
    allowance_rp  integer NOT NULL CHECK (allowance_rp >= 0),
    cadre_id      bigint REFERENCES users (id),
    supplier      text NOT NULL DEFAULT '',
    exit_reason   text NOT NULL DEFAULT '',
    exited_on     date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((child_id IS NULL) <> (pregnancy_id IS NULL)),
    CHECK ((target_type = 'bumil_risti') = (pregnancy_id IS NOT NULL))
);

CREATE INDEX bts_enrolments_facility ON bts_enrolments (facility_id);
CREATE INDEX bts_enrolments_cadre ON bts_enrolments (cadre_id);

-- One delivery report per target per day. client_id, made by the cadre's
-- phone, makes a retried upload return the first report instead of a new one.
CREATE TABLE bts_deliveries (
    id            bigserial PRIMARY KEY,
    client_id     text NOT NULL UNIQUE CHECK (client_id ~ '^[A-Za-z0-9_-]{8,64}$'),
    enrolment_id  bigint NOT NULL REFERENCES bts_enrolments (id),
    facility_id   bigint NOT NULL REFERENCES facilities (id),
    delivered_on  date NOT NULL,
    cadre_id      bigint NOT NULL REFERENCES users (id),
    items         jsonb NOT NULL DEFAULT '[]',
    total_rp      integer NOT NULL DEFAULT 0,
    consumption   text NOT NULL CHECK (consumption IN ('habis', 'sisa', 'tidak_dimakan')),
    notes         text NOT NULL DEFAULT '',
    photo         text NOT NULL, -- sha256 hex of the stored (stripped) image
    photo_bytes   integer NOT NULL,
    -- Verification data read from the uploaded photo's EXIF; never served
    -- inside the image.
    exif_taken_at text NOT NULL DEFAULT '',
    exif_lat      double precision,
    exif_lon      double precision,
    received_at   timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'rejected')),
    verified_by   bigint REFERENCES users (id),
    verified_at   timestamptz,
    review_note   text NOT NULL DEFAULT '',
    UNIQUE (enrolment_id, delivered_on)
);

CREATE INDEX bts_deliveries_facility_day ON bts_deliveries (facility_id, delivered_on);
