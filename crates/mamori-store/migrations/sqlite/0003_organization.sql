-- Organization over time: units with their history (組織改正), people with theirs (異動・休職・
-- 退職), 人事異動 as dated batches, role assignments tied to a post, and uploaded files waiting
-- for the user to confirm an import. Dates are ISO text (YYYY-MM-DD): text order is date order.

-- A unit exists from valid_from; an abolished (merged, split) unit has valid_to and may name the
-- unit that took over its work.
ALTER TABLE org_units ADD COLUMN valid_from TEXT NOT NULL DEFAULT '1900-01-01';
ALTER TABLE org_units ADD COLUMN valid_to TEXT;
ALTER TABLE org_units ADD COLUMN successor_id TEXT REFERENCES org_units(id);

-- What a unit was called, where it hung and what it was, from each date on.
CREATE TABLE org_unit_history (
    unit_id     TEXT NOT NULL REFERENCES org_units(id),
    valid_from  TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_id   TEXT REFERENCES org_units(id),
    kind        TEXT NOT NULL,
    agency_kind TEXT NOT NULL,
    PRIMARY KEY (unit_id, valid_from)
);
INSERT INTO org_unit_history (unit_id, valid_from, name, parent_id, kind, agency_kind)
SELECT id, valid_from, name, parent_id, kind, agency_kind FROM org_units;

-- 組織改正: one line per change, for the list a 情報政策課 keeps.
CREATE TABLE org_changes (
    id             TEXT PRIMARY KEY,
    body_id        TEXT NOT NULL REFERENCES bodies(id),
    kind           TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    summary        TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX org_changes_body ON org_changes (body_id, effective_date);

-- Where a person was, with which 職名, employment and status, from each date on.
CREATE TABLE person_history (
    person_id       TEXT NOT NULL REFERENCES people(id),
    valid_from      TEXT NOT NULL,
    unit_id         TEXT NOT NULL REFERENCES org_units(id),
    title           TEXT NOT NULL,
    employment_kind TEXT NOT NULL,
    status          TEXT NOT NULL,
    cause           TEXT NOT NULL,
    PRIMARY KEY (person_id, valid_from)
);
INSERT INTO person_history (person_id, valid_from, unit_id, title, employment_kind, status, cause)
SELECT id, '1900-01-01', unit_id, title, employment_kind, status, '登録' FROM people;

-- 人事異動: a batch of moves that takes effect on one date.
CREATE TABLE transfers (
    id             TEXT PRIMARY KEY,
    body_id        TEXT NOT NULL REFERENCES bodies(id),
    title          TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    applied_at     TEXT,
    result_json    TEXT
);
CREATE INDEX transfers_body ON transfers (body_id, effective_date);

CREATE TABLE transfer_moves (
    transfer_id TEXT NOT NULL REFERENCES transfers(id),
    person_id   TEXT NOT NULL REFERENCES people(id),
    to_unit_id  TEXT NOT NULL REFERENCES org_units(id),
    to_title    TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    PRIMARY KEY (transfer_id, person_id)
);

-- An assignment tied to a post (所属 + 職名, e.g. 市民課 課長) follows the post at a transfer:
-- it ends for the person who leaves the post and starts for the one who takes it.
ALTER TABLE role_assignments ADD COLUMN post_unit_id TEXT REFERENCES org_units(id);
ALTER TABLE role_assignments ADD COLUMN post_title TEXT;
CREATE INDEX role_assignments_body_role ON role_assignments (body_id, role_key);

-- An uploaded file between preview and confirmation.
CREATE TABLE pending_imports (
    id         TEXT PRIMARY KEY,
    body_id    TEXT NOT NULL REFERENCES bodies(id),
    kind       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    content    BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The 統括情報セキュリティ責任者 maintains the organization.
UPDATE role_definitions SET grants = grants || ' org.edit' WHERE key = 'chief_security_officer';
