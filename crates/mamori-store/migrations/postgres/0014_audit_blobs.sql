-- Long texts of recorded states, stored once by their SHA-256: the audit record keeps
-- {"$blob": "<sha256>"} in their place, and its chain hash covers that reference. Verification
-- checks that each referenced text is here and still has its hash. Append-only like the trail.
CREATE TABLE audit_blobs (
    hash     TEXT PRIMARY KEY,
    content  TEXT NOT NULL
);
CREATE TRIGGER audit_blobs_no_update BEFORE UPDATE OR DELETE ON audit_blobs
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
