-- Residents, staff, durable conversation state and the audit log.
CREATE TABLE residents (
    telegram_id    INTEGER PRIMARY KEY,
    consent        TEXT    NOT NULL CHECK (consent IN ('pending', 'given', 'refused')),
    consent_at     TEXT,
    full_name      TEXT,
    group_code     TEXT,
    phone          TEXT,
    onboarded_at   TEXT,
    notices_muted  INTEGER NOT NULL DEFAULT 0,
    reachable      INTEGER NOT NULL DEFAULT 1,
    deleted_at     TEXT,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
CREATE INDEX residents_group ON residents (group_code) WHERE consent = 'given';

CREATE TABLE staff (
    telegram_id  INTEGER PRIMARY KEY,
    full_name    TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'secretary', 'official', 'supervisor')),
    unit_code    TEXT,
    active       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE chat_states (
    user_id     INTEGER PRIMARY KEY,
    flow        TEXT NOT NULL,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT    NOT NULL,
    actor_id      INTEGER,
    action        TEXT    NOT NULL,
    subject_type  TEXT    NOT NULL,
    subject_id    TEXT    NOT NULL,
    details       TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, id);
