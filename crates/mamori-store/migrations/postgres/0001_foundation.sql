-- Foundation: bodies, organization skeleton, accounts, sessions, the audit trail.
-- Ids are UUIDv7 text, times RFC 3339 UTC text, flags 0/1 integers: the same on both backends.

CREATE TABLE bodies (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE org_units (
    id          TEXT PRIMARY KEY,
    body_id     TEXT NOT NULL REFERENCES bodies(id),
    parent_id   TEXT REFERENCES org_units(id),
    code        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    agency_kind TEXT NOT NULL,
    name        TEXT NOT NULL,
    sort_order  BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (body_id, code)
);

CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    body_id         TEXT NOT NULL REFERENCES bodies(id),
    staff_number    TEXT NOT NULL,
    name            TEXT NOT NULL,
    name_kana       TEXT NOT NULL,
    unit_id         TEXT NOT NULL REFERENCES org_units(id),
    title           TEXT NOT NULL,
    employment_kind TEXT NOT NULL,
    email           TEXT,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (body_id, staff_number)
);
CREATE INDEX people_unit ON people (unit_id);

CREATE TABLE role_definitions (
    body_id     TEXT NOT NULL REFERENCES bodies(id),
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    scope       TEXT NOT NULL,
    grants      TEXT NOT NULL,
    sort_order  BIGINT NOT NULL,
    PRIMARY KEY (body_id, key)
);

CREATE TABLE role_assignments (
    id          TEXT PRIMARY KEY,
    body_id     TEXT NOT NULL REFERENCES bodies(id),
    role_key    TEXT NOT NULL,
    person_id   TEXT NOT NULL REFERENCES people(id),
    unit_id     TEXT REFERENCES org_units(id),
    system_name TEXT,
    is_deputy   BIGINT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    created_at  TEXT NOT NULL,
    FOREIGN KEY (body_id, role_key) REFERENCES role_definitions(body_id, key)
);
CREATE INDEX role_assignments_person ON role_assignments (person_id);

CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,
    body_id             TEXT REFERENCES bodies(id),
    login               TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    person_id           TEXT REFERENCES people(id),
    is_system_admin     BIGINT NOT NULL,
    disabled            BIGINT NOT NULL,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked      BIGINT NOT NULL
);

-- Failed logins are counted per login name, whether or not such an account exists, so the
-- answer never tells an attacker which logins are real.
CREATE TABLE login_throttle (
    login           TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until    TEXT
);

-- The chain head: the last sequence number and hash. Every audited write transaction first
-- updates this row, which serializes appends on both backends, and `audit verify` compares the
-- end of the chain with it to catch a deleted or appended last record.
CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_label  TEXT NOT NULL,
    body_id      TEXT,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    request_id   TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_label, seq);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (監査証跡は追記のみです)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
