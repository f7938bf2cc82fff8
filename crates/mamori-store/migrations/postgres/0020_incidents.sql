-- 情報セキュリティインシデント: each kept whole as JSON (report, triage, chain, reports outside,
-- timeline, measures, closing) with the columns the ledger filters on; the people it names (for
-- "what concerns me" without reading every record); its files (evidence with their SHA-256,
-- copies of reports sent); the numbers per 年度.

CREATE TABLE incidents (
    id              TEXT PRIMARY KEY,
    body_id         TEXT NOT NULL REFERENCES bodies(id),
    number          TEXT NOT NULL,
    status          TEXT NOT NULL,
    category        TEXT NOT NULL,
    severity        TEXT NOT NULL,
    reported_at     TEXT NOT NULL,
    -- The earliest due day of a report outside not yet sent.
    next_due        TEXT,
    -- When the first told, unacknowledged step of the chain lapses (the escalation run's index).
    next_lapse      TEXT,
    data            TEXT NOT NULL,
    version         BIGINT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (body_id, number)
);
CREATE INDEX incidents_body ON incidents (body_id, reported_at, id);
CREATE INDEX incidents_lapse ON incidents (next_lapse);

CREATE TABLE incident_people (
    incident_id     TEXT NOT NULL REFERENCES incidents(id),
    body_id         TEXT NOT NULL REFERENCES bodies(id),
    person_id       TEXT NOT NULL,
    PRIMARY KEY (incident_id, person_id)
);
CREATE INDEX incident_people_person ON incident_people (body_id, person_id);

CREATE TABLE incident_files (
    id              TEXT PRIMARY KEY,
    incident_id     TEXT NOT NULL REFERENCES incidents(id),
    body_id         TEXT NOT NULL REFERENCES bodies(id),
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    content         BYTEA NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX incident_files_incident ON incident_files (incident_id);

CREATE TABLE incident_counters (
    body_id         TEXT NOT NULL REFERENCES bodies(id),
    year            BIGINT NOT NULL,
    next_no         BIGINT NOT NULL,
    PRIMARY KEY (body_id, year)
);
