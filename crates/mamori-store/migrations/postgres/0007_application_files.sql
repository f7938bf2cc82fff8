-- Files attached to an application (添付資料): the field holds `file:<id>`, the bytes live here.
-- They are written in the transaction that files or corrects the application, and kept with it.

CREATE TABLE application_files (
    id             TEXT PRIMARY KEY,
    body_id        TEXT NOT NULL REFERENCES bodies(id),
    application_id TEXT NOT NULL REFERENCES applications(id),
    field_key      TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size_bytes     BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    content        BYTEA NOT NULL,
    uploaded_by    TEXT NOT NULL REFERENCES people(id),
    uploaded_at    TEXT NOT NULL
);
CREATE INDEX application_files_application ON application_files (application_id);
