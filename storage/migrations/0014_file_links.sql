-- Unguessable, expiring web links to stored files, for channels that cannot carry a file
-- (Zalo takes no .ics): https://…/f/<token>/<name> on the bot's web server.
CREATE TABLE file_links (
    token       TEXT    PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files(id),
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
CREATE INDEX file_links_expiry ON file_links (expires_at);
