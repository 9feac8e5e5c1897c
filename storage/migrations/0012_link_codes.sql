-- Linking a person's accounts on two channels with a one-time 6-digit code (issue 14). One live
-- code per person: only its SHA-256 is stored (the code is shown once and never needed again),
-- with the account that showed it. link_wrong_tries counts wrong codes per typing account, so
-- guessing is stopped after a few tries an hour.
CREATE TABLE link_codes (
    person_id    INTEGER PRIMARY KEY REFERENCES persons (id),
    code_hash    TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    issued_at    TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    used_at      TEXT
);
CREATE INDEX link_codes_hash ON link_codes (code_hash, issued_at);

CREATE TABLE link_wrong_tries (
    channel      TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    at           TEXT    NOT NULL
);
CREATE INDEX link_wrong_tries_account ON link_wrong_tries (channel, external_id, at);
