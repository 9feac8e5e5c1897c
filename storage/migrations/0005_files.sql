-- Files the bot sends as uploads (e.g. a session's .ics), kept in the database so the CLI and the
-- running bot share them without a shared folder.
CREATE TABLE files (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    mime_type   TEXT    NOT NULL,
    data        BLOB    NOT NULL,
    created_at  TEXT    NOT NULL
);
