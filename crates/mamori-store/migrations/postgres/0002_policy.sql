-- The body's policy: editions (第N版) with the profile each fixes, and staff acknowledgement.

CREATE TABLE policy_editions (
    id             TEXT PRIMARY KEY,
    body_id        TEXT NOT NULL REFERENCES bodies(id),
    number         BIGINT NOT NULL,
    title          TEXT NOT NULL,
    status         TEXT NOT NULL,
    revision_kind  TEXT NOT NULL,
    based_on       BIGINT,
    decision_json  TEXT,
    effective_from TEXT,
    profile_json   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (body_id, number)
);

-- 周知: an edition published to staff on a date.
CREATE TABLE policy_publications (
    edition_id   TEXT PRIMARY KEY REFERENCES policy_editions(id),
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL
);

CREATE TABLE policy_acknowledgements (
    edition_id      TEXT NOT NULL REFERENCES policy_editions(id),
    person_id       TEXT NOT NULL REFERENCES people(id),
    acknowledged_at TEXT NOT NULL,
    PRIMARY KEY (edition_id, person_id)
);
