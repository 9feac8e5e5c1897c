-- People and their channel accounts (issue 13): a person (resident or staff) has an id of ours
-- and one or more accounts (channel, external id). Everything that referred to a Telegram id now
-- refers to the person; existing Telegram ids are kept as the person ids, so no reference in
-- petitions, registrations, drafts, surveys or the audit log has to be rewritten.
CREATE TABLE persons (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL
);

CREATE TABLE accounts (
    channel          TEXT    NOT NULL,
    external_id      TEXT    NOT NULL,
    person_id        INTEGER NOT NULL REFERENCES persons (id),
    reachable        INTEGER NOT NULL DEFAULT 1,
    last_inbound_at  TEXT,
    created_at       TEXT    NOT NULL,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX accounts_person ON accounts (person_id, last_inbound_at);

INSERT INTO persons (id, created_at)
SELECT id, min(at) FROM (
    SELECT telegram_id AS id, created_at AS at FROM residents
    UNION ALL SELECT telegram_id, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') FROM staff
    UNION ALL SELECT user_id, updated_at FROM chat_states
    UNION ALL SELECT user_id, registered_at FROM session_registrations
    UNION ALL SELECT user_id, invited_at FROM survey_answers
    UNION ALL SELECT author_id, created_at FROM petitions WHERE author_id IS NOT NULL
    UNION ALL SELECT chat_id, created_at FROM outbox
)
GROUP BY id;

INSERT INTO accounts (channel, external_id, person_id, reachable, created_at)
SELECT 'telegram', CAST(p.id AS TEXT), p.id, coalesce(r.reachable, 1), p.created_at
FROM persons p LEFT JOIN residents r ON r.telegram_id = p.id;

ALTER TABLE residents RENAME COLUMN telegram_id TO person_id;
ALTER TABLE staff RENAME COLUMN telegram_id TO person_id;

-- The outbox row says what to say in neutral terms (kind, text, neutral buttons) and to whom:
-- the person, and the channel and address it goes to; the channel that delivered it and the
-- message id there are recorded when it is sent. Old rows keep their content: the Bot API
-- keyboard becomes neutral buttons, the Telegram method becomes the content kind.
CREATE TABLE outbox_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    event               TEXT    NOT NULL,
    person_id           INTEGER,
    channel             TEXT    NOT NULL,
    address             TEXT    NOT NULL,
    kind                TEXT    NOT NULL DEFAULT 'text'
                        CHECK (kind IN ('text', 'photo', 'document', 'venue')),
    text                TEXT    NOT NULL,
    media               TEXT,
    params              TEXT    NOT NULL DEFAULT '{}',
    buttons             TEXT,
    idempotency_key     TEXT    NOT NULL UNIQUE,
    priority            INTEGER NOT NULL CHECK (priority IN (0, 1)),
    status              TEXT    NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked',
                                          'cancelled')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT    NOT NULL,
    last_error          TEXT,
    delivered_channel   TEXT,
    channel_message_id  TEXT,
    plain_text          INTEGER NOT NULL DEFAULT 0,
    broadcast_id        INTEGER REFERENCES broadcasts (id),
    created_at          TEXT    NOT NULL,
    sent_at             TEXT
);

INSERT INTO outbox_new (id, event, person_id, channel, address, kind, text, media, params,
                        buttons, idempotency_key, priority, status, attempts, next_attempt_at,
                        last_error, delivered_channel, channel_message_id, plain_text,
                        broadcast_id, created_at, sent_at)
SELECT o.id, o.event, o.chat_id, 'telegram', CAST(o.chat_id AS TEXT),
       CASE o.method WHEN 'sendPhoto' THEN 'photo' WHEN 'sendDocument' THEN 'document'
                     WHEN 'sendVenue' THEN 'venue' ELSE 'text' END,
       o.text, o.media, o.params,
       CASE WHEN json_extract(o.keyboard, '$.inline_keyboard') IS NULL THEN NULL ELSE (
           SELECT json_group_array(json(r.line)) FROM (
               SELECT (
                   SELECT json_group_array(
                       CASE WHEN json_extract(b.value, '$.callback_data') IS NOT NULL
                            THEN json_object('label', json_extract(b.value, '$.text'),
                                             'value', json_extract(b.value, '$.callback_data'))
                            ELSE json_object('label', json_extract(b.value, '$.text'),
                                             'value', json_extract(b.value, '$.url'),
                                             'kind', 'url') END)
                   FROM json_each(row_items.value) AS b
               ) AS line
               FROM json_each(o.keyboard, '$.inline_keyboard') AS row_items
               ORDER BY row_items.key
           ) AS r
       ) END,
       o.idempotency_key, o.priority, o.status, o.attempts, o.next_attempt_at, o.last_error,
       CASE WHEN o.status = 'sent' THEN 'telegram' END,
       CAST(o.telegram_message_id AS TEXT), o.plain_text, o.broadcast_id, o.created_at, o.sent_at
FROM outbox o;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (channel, priority, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_address_pending ON outbox (channel, address) WHERE status = 'pending';
CREATE INDEX outbox_in_flight ON outbox (id) WHERE status = 'sending';
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_person ON outbox (person_id) WHERE person_id IS NOT NULL;

-- The broadcast's progress message is a neutral message reference.
ALTER TABLE broadcasts ADD COLUMN progress_channel TEXT;
ALTER TABLE broadcasts ADD COLUMN progress_address TEXT;
ALTER TABLE broadcasts ADD COLUMN progress_message TEXT;
UPDATE broadcasts
SET progress_channel = 'telegram',
    progress_address = CAST(progress_chat_id AS TEXT),
    progress_message = CAST(progress_message_id AS TEXT)
WHERE progress_chat_id IS NOT NULL AND progress_message_id IS NOT NULL;
ALTER TABLE broadcasts DROP COLUMN progress_chat_id;
ALTER TABLE broadcasts DROP COLUMN progress_message_id;
