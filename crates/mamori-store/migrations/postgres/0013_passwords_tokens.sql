-- A password set by someone else (an organization editor creating a person's account, an
-- administrator resetting it) must be changed at the next sign-in.
ALTER TABLE accounts ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- API tokens may expire; NULL: until revoked.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
