-- お知らせ: what the approval workflow tells a person (承認依頼, 結果のお知らせ, 代決の報告), written
-- in the transaction of the transition that causes it, so a refused transition tells nobody.
-- `read_at` is NULL until the person marks it read.

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    body_id    TEXT NOT NULL REFERENCES bodies(id),
    person_id  TEXT NOT NULL REFERENCES people(id),
    subject    TEXT NOT NULL,
    text       TEXT NOT NULL,
    -- A path inside mamori (/approvals/…), or NULL.
    link       TEXT,
    created_at TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX notifications_unread ON notifications (person_id, read_at);
CREATE INDEX notifications_newest ON notifications (person_id, created_at);

-- E-mail waiting to be sent through SMTP: one row per notification to a person with an address,
-- queued only when mail is configured. A failed send counts `attempts` and keeps the error; the
-- sender retries a row until it is sent or has used its attempts.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    body_id         TEXT NOT NULL REFERENCES bodies(id),
    notification_id TEXT REFERENCES notifications(id),
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT
);
CREATE INDEX mail_outbox_pending ON mail_outbox (sent_at, attempts);
