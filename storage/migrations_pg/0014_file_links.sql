CREATE TABLE file_links (
    token       text   PRIMARY KEY,
    file_id     bigint NOT NULL REFERENCES files (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX file_links_expiry ON file_links (expires_at);
