-- Secrets of this installation, made on first use and never shown: e.g. the key of the hash
-- under which a failed sign-in with a login name no account has is recorded (the typed text, maybe
-- a password typed into the wrong field, is never stored).
CREATE TABLE installation_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
