-- Long texts of recorded states, stored once by their SHA-256: the audit record keeps
-- {"$blob": "<sha256>"} in their place, and its chain hash covers that reference. Verification
-- checks that each referenced text is here and still has its hash. Append-only like the trail.
CREATE TABLE audit_blobs (
    hash     TEXT PRIMARY KEY,
    content  TEXT NOT NULL
);
CREATE TRIGGER audit_blobs_no_update BEFORE UPDATE ON audit_blobs
BEGIN
    SELECT RAISE(ABORT, 'audit_blobs is append-only (監査証跡は追記のみです)');
END;
CREATE TRIGGER audit_blobs_no_delete BEFORE DELETE ON audit_blobs
BEGIN
    SELECT RAISE(ABORT, 'audit_blobs is append-only (監査証跡は追記のみです)');
END;
