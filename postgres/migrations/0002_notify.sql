-- Patient notifications: a transactional outbox, per-facility templates,
-- per-unit "near" thresholds and web push subscriptions. Owned by package notify;
-- it references no other table so the queue schema can change independently.

-- notify_outbox holds one row per message to one recipient on one channel.
-- The queue inserts rows inside its own transactions (notify.Enqueue), so a
-- queue change and the messages it causes commit or roll back together.
-- id is the idempotency key sent to providers; it never changes across retries.
CREATE TABLE notify_outbox (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- seq orders messages of one ticket and channel; delivery is FIFO per (ticket_id, channel).
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    -- dedupe_key makes a second enqueue of the same logical message a no-op;
    -- NULL for occurrences of repeatable kinds that carry no event id.
    dedupe_key      text        UNIQUE,
    kind            text        NOT NULL CHECK (kind IN ('booked', 'near', 'called', 'skipped', 'cancelled')),
    -- channel '' means the deployment's default channel, resolved by the worker.
    channel         text        NOT NULL DEFAULT '',
    ticket_id       text        NOT NULL,
    facility        text        NOT NULL,
    unit            text        NOT NULL,
    code            text        NOT NULL,
    -- recipient is E.164 (+62...), or '' for web push (the subscriptions are the address).
    recipient       text        NOT NULL DEFAULT '',
    body            text        NOT NULL,
    -- pending: waiting or being sent; sent: accepted by the provider; dead: failed
    -- permanently or out of attempts (shown to admins); stale: dropped, too old to be useful.
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead', 'stale')),
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- locked_until/locked_by are the lease of the worker sending the row; an expired
    -- lease makes the row claimable again (the worker crashed or hung).
    locked_until    timestamptz,
    locked_by       text        NOT NULL DEFAULT '',
    sent_at         timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX notify_outbox_due ON notify_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notify_outbox_ticket_pending ON notify_outbox (ticket_id, channel, seq) WHERE state = 'pending';
CREATE INDEX notify_outbox_dead ON notify_outbox (facility, updated_at DESC) WHERE state = 'dead';

-- notify_templates overrides the built-in Bahasa Indonesia text of one kind for one
-- facility, or switches that kind off there. An empty body keeps the built-in text.
CREATE TABLE notify_templates (
    facility text    NOT NULL,
    kind     text    NOT NULL CHECK (kind IN ('booked', 'near', 'called', 'skipped', 'cancelled')),
    body     text    NOT NULL DEFAULT '',
    enabled  boolean NOT NULL DEFAULT true,
    PRIMARY KEY (facility, kind)
);

-- notify_unit_settings holds per-unit notification settings; a missing row means defaults.
CREATE TABLE notify_unit_settings (
    facility   text    NOT NULL,
    unit       text    NOT NULL,
    -- near_ahead: send "near" when this many people or fewer are ahead.
    near_ahead integer NOT NULL CHECK (near_ahead BETWEEN 1 AND 100),
    PRIMARY KEY (facility, unit)
);

-- notify_push_subscriptions holds the browser PushSubscription objects of a ticket.
-- Subscribing is the patient's opt-in to web push for that ticket.
CREATE TABLE notify_push_subscriptions (
    ticket_id    text        NOT NULL,
    endpoint     text        NOT NULL,
    subscription jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, endpoint)
);
