-- Deadlines (thời hạn), reminders and escalation (issue #7, 7B).
-- next_remind_on is the next local date the scan must look at the row; the partial index keeps
-- the scan's cost proportional to what is due, not to what is stored.
CREATE TABLE deadlines (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    kind              TEXT    NOT NULL,
    subject_type      TEXT    NOT NULL,
    subject_id        TEXT    NOT NULL,
    unit_code         TEXT,
    due_on            TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'open',
    opened_at         TEXT    NOT NULL,
    closed_at         TEXT,
    last_reminded_on  TEXT,
    escalated_on      TEXT,
    next_remind_on    TEXT,
    note              TEXT
);
CREATE UNIQUE INDEX deadlines_open_subject ON deadlines (kind, subject_type, subject_id)
    WHERE status = 'open';
CREATE INDEX deadlines_subject ON deadlines (subject_type, subject_id, kind, id);
CREATE INDEX deadlines_next ON deadlines (next_remind_on) WHERE status = 'open';
CREATE INDEX deadlines_open_due ON deadlines (due_on) WHERE status = 'open';
CREATE INDEX deadlines_open_unit ON deadlines (unit_code, due_on) WHERE status = 'open';

-- The conclusion notice (thông báo kết luận) of a session: the secretary's free text, the
-- "complex / beyond authority" reason that moves its deadline to 15 working days, publication.
CREATE TABLE conclusion_notices (
    session_id      INTEGER PRIMARY KEY,
    free_text       TEXT    NOT NULL DEFAULT '',
    complex_reason  TEXT,
    published_at    TEXT,
    published_by    INTEGER,
    updated_at      TEXT    NOT NULL
);

-- Post-session satisfaction survey (seed 002): one answer per person per session.
CREATE TABLE survey_answers (
    session_id   INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    score        INTEGER CHECK (score IS NULL OR score BETWEEN 1 AND 5),
    comment      TEXT,
    invited_at   TEXT    NOT NULL,
    answered_at  TEXT,
    PRIMARY KEY (session_id, user_id)
);
