-- Notification outbox and broadcasts (issue #4).
-- Every message that is not the direct reply to a person's own update is an outbox row, written
-- in the same transaction as the change that caused it and delivered later by the worker.
CREATE TABLE broadcasts (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by           INTEGER NOT NULL,
    created_at           TEXT    NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('running', 'cancelled', 'finished')),
    audience_kind        TEXT    NOT NULL,
    audience_codes       TEXT    NOT NULL DEFAULT '[]',
    body                 TEXT    NOT NULL,
    media_kind           TEXT    CHECK (media_kind IN ('photo', 'document')),
    media                TEXT,
    recipients           INTEGER NOT NULL,
    skipped_muted        INTEGER NOT NULL DEFAULT 0,
    skipped_unreachable  INTEGER NOT NULL DEFAULT 0,
    progress_chat_id     INTEGER,
    progress_message_id  INTEGER,
    progress_done        INTEGER NOT NULL DEFAULT 0,
    cancelled_by         INTEGER,
    cancelled_at         TEXT,
    finished_at          TEXT
);
CREATE INDEX broadcasts_progress ON broadcasts (id) WHERE progress_done = 0;

CREATE TABLE outbox (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    event                TEXT    NOT NULL,
    chat_id              INTEGER NOT NULL,
    method               TEXT    NOT NULL DEFAULT 'sendMessage'
                         CHECK (method IN ('sendMessage', 'sendPhoto', 'sendDocument', 'sendVenue')),
    text                 TEXT    NOT NULL,
    media                TEXT,
    params               TEXT    NOT NULL DEFAULT '{}',
    keyboard             TEXT,
    idempotency_key      TEXT    NOT NULL UNIQUE,
    priority             INTEGER NOT NULL CHECK (priority IN (0, 1)),
    status               TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked',
                                           'cancelled')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TEXT    NOT NULL,
    last_error           TEXT,
    telegram_message_id  INTEGER,
    plain_text           INTEGER NOT NULL DEFAULT 0,
    broadcast_id         INTEGER REFERENCES broadcasts (id),
    created_at           TEXT    NOT NULL,
    sent_at              TEXT
);
-- The worker's due-row query: personal before mass, then oldest due first.
CREATE INDEX outbox_due ON outbox (priority, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_chat_pending ON outbox (chat_id) WHERE status = 'pending';
CREATE INDEX outbox_in_flight ON outbox (id) WHERE status = 'sending';
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
