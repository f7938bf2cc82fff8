-- 許可・承認の申請 (the approvals engine). The application is kept whole as JSON (its fields,
-- route, decisions and history, as `mamori_domain::approval::Application` serializes it); the
-- columns beside it are what lists, ledgers and the inbox filter on. `version` makes concurrent
-- decisions safe: a write names the version it read, and only one of two writers succeeds.

CREATE TABLE applications (
    id             TEXT PRIMARY KEY,
    body_id        TEXT NOT NULL REFERENCES bodies(id),
    number         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    clause         TEXT NOT NULL,
    status         TEXT NOT NULL,
    version        INTEGER NOT NULL,
    applicant_id   TEXT NOT NULL REFERENCES people(id),
    -- The lifecycle record of an asset that waits for this permission, if any.
    asset_event_id TEXT REFERENCES asset_events(id),
    data           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX applications_number ON applications (body_id, number);
CREATE INDEX applications_clause ON applications (body_id, clause, number);
CREATE INDEX applications_status ON applications (body_id, status);
CREATE INDEX applications_applicant ON applications (applicant_id);

-- 受付番号 per body and fiscal year: 2026-0001.
CREATE TABLE application_counters (
    body_id TEXT NOT NULL REFERENCES bodies(id),
    year    INTEGER NOT NULL,
    next_no INTEGER NOT NULL,
    PRIMARY KEY (body_id, year)
);
