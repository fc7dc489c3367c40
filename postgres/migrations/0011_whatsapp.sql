-- Patients queue by WhatsApp (package whatsapp): the conversation of each
-- phone number with each facility, the incoming messages already handled,
-- and the numbers that withdrew their consent. Phones are the canonical
-- digits 628... (queue.NormalizePhone).

-- whatsapp_conversations is where one number stands in its conversation with
-- one facility. The row is locked FOR UPDATE while a message from that
-- number is handled, so two instances never answer the same number at once.
CREATE TABLE whatsapp_conversations (
    facility   text        NOT NULL,
    phone      text        NOT NULL,
    -- state: '' (idle), 'unit' (the units were listed; a number is awaited),
    -- 'name' (a unit was chosen; the patient's name is awaited).
    state      text        NOT NULL DEFAULT '' CHECK (state IN ('', 'unit', 'name')),
    -- units are the unit codes in the order they were listed (1, 2, ...).
    units      text[]      NOT NULL DEFAULT '{}',
    unit       text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (facility, phone)
);

-- whatsapp_inbound holds the gateway message id of every incoming message
-- answered: a second delivery of the same message is answered once and books
-- once. The row commits with the reply it caused.
CREATE TABLE whatsapp_inbound (
    gateway     text        NOT NULL,
    message_id  text        NOT NULL,
    facility    text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, message_id)
);

CREATE INDEX whatsapp_inbound_received ON whatsapp_inbound (received_at);

-- whatsapp_optouts are the numbers that wrote STOP: nothing is sent to them
-- any more (the notify outbox refuses them too) until they ask for a ticket again.
CREATE TABLE whatsapp_optouts (
    phone      text        PRIMARY KEY,
    stopped_at timestamptz NOT NULL DEFAULT now()
);

-- Replies of the conversation travel through the patient messages' outbox
-- as their own kind.
ALTER TABLE notify_outbox DROP CONSTRAINT notify_outbox_kind_check;
ALTER TABLE notify_outbox ADD CONSTRAINT notify_outbox_kind_check
    CHECK (kind IN ('booked', 'near', 'called', 'skipped', 'cancelled', 'reply'));

-- Tickets booked by WhatsApp get their own column in the daily rollups.
ALTER TABLE analytics_unit_days ADD COLUMN booked_whatsapp integer NOT NULL DEFAULT 0;
