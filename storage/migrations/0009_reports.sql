-- Dossier and reports (issue #8): the minutes (biên bản) a secretary types for a session, and one
-- row per periodic report or reminder already sent, so a restart never sends one twice.
CREATE TABLE session_minutes (
    session_id  INTEGER PRIMARY KEY,
    text        TEXT    NOT NULL,
    updated_by  INTEGER,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE report_runs (
    kind        TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    ran_at      TEXT    NOT NULL,
    recipients  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, period)
);
