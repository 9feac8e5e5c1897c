-- Petitions (ý kiến, kiến nghị), their timeline, the tracking-code counter and digests (issue #6).
CREATE TABLE petitions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    code               TEXT    NOT NULL,
    author_id          INTEGER,
    on_behalf_name     TEXT,
    on_behalf_address  TEXT,
    on_behalf_phone    TEXT,
    filed_by           INTEGER,
    channel            TEXT    NOT NULL,
    field              TEXT    NOT NULL,
    content            TEXT    NOT NULL,
    content_key        TEXT    NOT NULL,
    concerns_address   TEXT,
    latitude           REAL,
    longitude          REAL,
    attachments        TEXT    NOT NULL DEFAULT '[]',
    -- A plain integer (no REFERENCES): NULL is the weekly listening programme.
    session_id         INTEGER,
    status             TEXT    NOT NULL DEFAULT 'received',
    named_publicly     INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT    NOT NULL,
    digested_at        TEXT,
    CHECK (author_id IS NOT NULL OR on_behalf_name IS NOT NULL)
);
CREATE UNIQUE INDEX petitions_code ON petitions (code);
CREATE INDEX petitions_author ON petitions (author_id, created_at) WHERE author_id IS NOT NULL;
CREATE INDEX petitions_session ON petitions (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX petitions_undigested ON petitions (id) WHERE digested_at IS NULL;

CREATE TABLE petition_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id  INTEGER NOT NULL REFERENCES petitions (id),
    kind         TEXT    NOT NULL,
    at           TEXT    NOT NULL,
    actor_id     INTEGER,
    details      TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX petition_events_petition ON petition_events (petition_id, id);

-- One row per (ward, year); incremented inside the filing transaction, so codes never repeat.
CREATE TABLE petition_counters (
    ward_code  TEXT    NOT NULL,
    year       INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL,
    PRIMARY KEY (ward_code, year)
);

-- Digests sent to the secretaries: at most one per window, whatever the number of petitions.
CREATE TABLE petition_digests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT    NOT NULL,
    petitions  INTEGER NOT NULL
);
