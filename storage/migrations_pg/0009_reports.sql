CREATE TABLE session_minutes (
    session_id  bigint PRIMARY KEY,
    text        text   NOT NULL,
    updated_by  bigint,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE report_runs (
    kind        text   NOT NULL,
    period      text   NOT NULL,
    ran_at      timestamptz NOT NULL,
    recipients  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, period)
);
