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
