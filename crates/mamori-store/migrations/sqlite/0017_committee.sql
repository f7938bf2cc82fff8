-- Meetings of the 委員会 (the role the profile names as deliberating body): the record as JSON
-- (date, members present, 議題 with their 議決), the 議事録 file beside it, and one row per 議題
-- that decides on a subject, so a workflow step finds the 議決 on its subject by index.

CREATE TABLE committee_meetings (
    id              TEXT PRIMARY KEY,
    body_id         TEXT NOT NULL REFERENCES bodies(id),
    role_key        TEXT NOT NULL,
    held_on         TEXT NOT NULL,
    data            TEXT NOT NULL,
    minutes         BLOB,
    recorded_at     TEXT NOT NULL
);
CREATE INDEX committee_meetings_body ON committee_meetings (body_id, held_on, id);

CREATE TABLE committee_resolutions (
    meeting_id      TEXT NOT NULL REFERENCES committee_meetings(id),
    position        INTEGER NOT NULL,
    body_id         TEXT NOT NULL REFERENCES bodies(id),
    subject_kind    TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    PRIMARY KEY (meeting_id, position)
);
CREATE INDEX committee_resolutions_subject ON committee_resolutions (body_id, subject_kind, subject_id);
