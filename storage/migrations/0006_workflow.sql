-- The assignment workflow of petitions (issue #7A): outcome, unit, answer, group, extensions.
-- One row per petition once the secretary has acted on it; the petition row keeps its status.
CREATE TABLE petition_outcomes (
    petition_id      INTEGER PRIMARY KEY REFERENCES petitions (id),
    outcome          TEXT,
    unit_code        TEXT,
    due_on           TEXT,
    accepted_at      TEXT,
    answer_text      TEXT,
    answer_file_kind TEXT,
    answer_file_id   TEXT,
    answered_at      TEXT,
    answered_by      INTEGER,
    answered_on_time INTEGER,
    forward_note     TEXT,
    reason           TEXT,
    group_id         INTEGER,
    reopen_count     INTEGER NOT NULL DEFAULT 0,
    satisfied        INTEGER,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX petition_outcomes_unit ON petition_outcomes (unit_code, due_on) WHERE unit_code IS NOT NULL;
CREATE INDEX petition_outcomes_group ON petition_outcomes (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX petitions_status ON petitions (status, id);

-- A unit's request for more time (gia hạn); the secretary approves or refuses it.
CREATE TABLE extension_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id   INTEGER NOT NULL REFERENCES petitions (id),
    unit_code     TEXT    NOT NULL,
    requested_by  INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    current_due   TEXT    NOT NULL,
    proposed_due  TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'refused')),
    decided_by    INTEGER,
    decided_at    TEXT,
    created_at    TEXT    NOT NULL
);
CREATE INDEX extension_requests_pending ON extension_requests (petition_id) WHERE status = 'pending';
