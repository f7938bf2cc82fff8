-- The backups taken of this installation (by the schedule, from the administrator's screen or
-- by `mamori backup`): the record as JSON (what the archive holds, the latest reading of the
-- file back, when the schedule removed it). Not copied into a backup: the files are on this
-- installation's own disks.

CREATE TABLE backup_runs (
    id              TEXT PRIMARY KEY,
    started_at      TEXT NOT NULL,
    file            TEXT NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX backup_runs_started ON backup_runs (started_at, id);
CREATE INDEX backup_runs_file ON backup_runs (file);
