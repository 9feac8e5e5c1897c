-- Channel adapters' own state (issue 14). The inbox holds each webhook event as received, keyed
-- by the channel's dedupe key, so a webhook answers at once and an event Zalo retries is handled
-- once; handled_at is set when a flow has handled it. channel_tokens keeps each channel's API
-- credentials: Zalo's refresh token is single-use, so the new pair is stored before the old one
-- is forgotten, and a restart uses the stored pair.
CREATE TABLE channel_inbox (
    channel      TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    handled_at   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, key)
);
CREATE INDEX channel_inbox_pending ON channel_inbox (channel, received_at) WHERE handled_at IS NULL;

CREATE TABLE channel_tokens (
    channel        TEXT PRIMARY KEY,
    access_token   TEXT NOT NULL,
    refresh_token  TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
