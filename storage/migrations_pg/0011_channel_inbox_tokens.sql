-- rowid: SQLite's implicit row number, which orders events received in the same instant.
CREATE TABLE channel_inbox (
    rowid        bigint GENERATED ALWAYS AS IDENTITY,
    channel      text   NOT NULL,
    key          text   NOT NULL,
    body         text   NOT NULL,
    received_at  timestamptz NOT NULL,
    handled_at   timestamptz,
    attempts     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, key)
);
CREATE INDEX channel_inbox_pending ON channel_inbox (channel, received_at) WHERE handled_at IS NULL;

CREATE TABLE channel_tokens (
    channel        text PRIMARY KEY,
    access_token   text NOT NULL,
    refresh_token  text NOT NULL,
    expires_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
