-- The staff dashboard (/quan-ly): one-time login links the bot sends (/web, «Đăng nhập web»)
-- and the browser sessions they open. Only SHA-256 hashes of the link token and of the session
-- cookie are stored; the CSRF token is put into every form, so it is kept as it is.
CREATE TABLE web_login_links (
    token_hash  TEXT        PRIMARY KEY,
    person_id   BIGINT      NOT NULL REFERENCES persons (id),
    issued_at   TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX web_login_links_person ON web_login_links (person_id);

CREATE TABLE web_sessions (
    id_hash       TEXT        PRIMARY KEY,
    person_id     BIGINT      NOT NULL REFERENCES persons (id),
    csrf_token    TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ
);
CREATE INDEX web_sessions_person ON web_sessions (person_id);
