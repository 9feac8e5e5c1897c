CREATE TABLE link_codes (
    person_id    bigint PRIMARY KEY REFERENCES persons (id),
    code_hash    text   NOT NULL,
    channel      text   NOT NULL,
    external_id  text   NOT NULL,
    issued_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX link_codes_hash ON link_codes (code_hash, issued_at);

CREATE TABLE link_wrong_tries (
    channel      text   NOT NULL,
    external_id  text   NOT NULL,
    at           timestamptz NOT NULL
);
CREATE INDEX link_wrong_tries_account ON link_wrong_tries (channel, external_id, at);
