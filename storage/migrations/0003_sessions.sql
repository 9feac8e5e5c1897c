-- Dialogue sessions (buổi đối thoại), registrations to attend and to speak (issue #5).
CREATE TABLE sessions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    kind               TEXT    NOT NULL CHECK (kind IN ('periodic', 'thematic', 'urgent', 'weekly')),
    title              TEXT    NOT NULL,
    host               TEXT    NOT NULL CHECK (host IN ('chair', 'party_secretary', 'both')),
    deputy             TEXT,
    form               TEXT    NOT NULL CHECK (form IN ('direct', 'online', 'indirect')),
    link               TEXT,
    starts_at          TEXT    NOT NULL,
    ends_at            TEXT,
    venue              TEXT    NOT NULL DEFAULT '',
    latitude           REAL,
    longitude          REAL,
    audience           TEXT    NOT NULL CHECK (audience IN ('ward', 'groups', 'social')),
    group_codes        TEXT    NOT NULL DEFAULT '[]',
    social_group       TEXT,
    capacity           INTEGER CHECK (capacity IS NULL OR capacity > 0),
    opinion_deadline   TEXT,
    status             TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'cancelled', 'held')),
    version            INTEGER NOT NULL DEFAULT 1,
    lead_time_reason   TEXT,
    cancel_reason      TEXT,
    planned_week       TEXT,
    created_by         INTEGER,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    published_at       TEXT
);
CREATE INDEX sessions_upcoming ON sessions (status, starts_at);
-- One weekly "Ngày thứ Sáu nghe dân nói" per planned Friday, even after it is moved.
CREATE UNIQUE INDEX sessions_weekly_week ON sessions (planned_week) WHERE planned_week IS NOT NULL;

CREATE TABLE session_registrations (
    session_id         INTEGER NOT NULL REFERENCES sessions (id),
    user_id            INTEGER NOT NULL,
    status             TEXT    NOT NULL
                       CHECK (status IN ('registered', 'waitlisted', 'cancelled', 'attended')),
    speaks             INTEGER NOT NULL DEFAULT 0,
    topic              TEXT,
    speaking_position  INTEGER,
    registered_at      TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_registrations_status ON session_registrations (session_id, status, registered_at);
CREATE INDEX session_registrations_user ON session_registrations (user_id, status);

-- Small facts learnt at run time that other processes (the CLI) need, e.g. the bot's username.
CREATE TABLE bot_facts (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
