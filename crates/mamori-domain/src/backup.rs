//! The record of the installation's backups: each one taken (by the schedule, from the screen or
//! by `mamori backup`), what it holds, and whether the file was read back whole.
//!
//! The archive's format is the application's; here is only what the administrator's screen and
//! the checks rely on: a backup counts only once its file has been read back and every part
//! matched its manifest.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::BackupRunId;

/// The schedule takes one a day; a day and two hours without a verified backup means at least
/// one was missed.
pub const OVERDUE_AFTER_HOURS: i64 = 26;

/// The longest failure text kept with a run.
const MAX_DETAIL_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// `serve`'s daily backup into `backup_dir`.
    Scheduled,
    /// An administrator asked for one on the screen.
    Manual,
    /// `mamori backup --output FILE` at the console.
    Command,
}

impl Trigger {
    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "定期",
            Self::Manual => "画面から",
            Self::Command => "コマンド",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Manual => "manual",
            Self::Command => "command",
        }
    }
}

/// What a written archive holds, from its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contents {
    pub bytes: u64,
    pub tables: u64,
    pub rows: u64,
    /// The audit trail's sequence number at the snapshot.
    pub audit_seq: i64,
    /// SHA-256 of the whole file, to compare a copy on another medium with.
    pub sha256: String,
}

/// One reading of the file back: every part against the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub at: DateTime<Utc>,
    /// `None`: whole. Otherwise what did not match, in Japanese.
    pub problem: Option<String>,
}

impl Check {
    pub fn passed(at: DateTime<Utc>) -> Self {
        Self { at, problem: None }
    }

    pub fn failed(at: DateTime<Utc>, problem: &str) -> Self {
        Self {
            at,
            problem: Some(bounded(problem)),
        }
    }

    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

fn bounded(text: &str) -> String {
    if text.chars().count() <= MAX_DETAIL_CHARS {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(MAX_DETAIL_CHARS).collect();
        out.push('…');
        out
    }
}

/// One backup taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRun {
    pub id: BackupRunId,
    pub trigger: Trigger,
    /// Who asked: the administrator's login, or `system:…` for the schedule and the console.
    pub by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The file, as the server sees its path.
    pub file: String,
    /// What was written; `None` when writing failed.
    pub contents: Option<Contents>,
    /// Why writing failed.
    pub error: Option<String>,
    /// The latest reading of the file back (right after writing, and each later check).
    pub check: Option<Check>,
    /// When the schedule removed the file as older than the generations kept.
    pub removed_at: Option<DateTime<Utc>>,
}

/// Where a backup stands, for the screen and for deciding whether the installation is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Written and read back whole at its latest check.
    Verified,
    /// Written, but its latest reading found a part that does not match (or it is unreadable).
    Damaged,
    /// Nothing usable was written.
    Failed,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            Self::Verified => "検証済み",
            Self::Damaged => "検証で不一致",
            Self::Failed => "失敗",
        }
    }
}

impl BackupRun {
    /// A backup whose file was written, with the reading of it back.
    pub fn written(
        trigger: Trigger,
        by: &str,
        file: &str,
        (started_at, finished_at): (DateTime<Utc>, DateTime<Utc>),
        contents: Contents,
        check: Check,
    ) -> Self {
        Self {
            contents: Some(contents),
            check: Some(check),
            ..Self::taken(trigger, by, file, started_at, finished_at)
        }
    }

    /// A backup that could not be written.
    pub fn failed(
        trigger: Trigger,
        by: &str,
        file: &str,
        (started_at, finished_at): (DateTime<Utc>, DateTime<Utc>),
        error: &str,
    ) -> Self {
        Self {
            error: Some(bounded(error)),
            ..Self::taken(trigger, by, file, started_at, finished_at)
        }
    }

    fn taken(
        trigger: Trigger,
        by: &str,
        file: &str,
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: BackupRunId::new(),
            trigger,
            by: by.to_owned(),
            started_at,
            finished_at,
            file: file.to_owned(),
            contents: None,
            error: None,
            check: None,
            removed_at: None,
        }
    }

    pub fn state(&self) -> State {
        match (&self.contents, &self.check) {
            (None, _) => State::Failed,
            (Some(_), Some(c)) if c.ok() => State::Verified,
            (Some(_), _) => State::Damaged,
        }
    }

    /// The same backup after another reading of its file.
    pub fn rechecked(&self, check: Check) -> Self {
        Self {
            check: Some(check),
            ..self.clone()
        }
    }
}

/// When the newest verified backup whose file is still kept was taken (of `runs`, any order).
pub fn last_verified(runs: &[BackupRun]) -> Option<DateTime<Utc>> {
    runs.iter()
        .filter(|r| r.state() == State::Verified && r.removed_at.is_none())
        .map(|r| r.finished_at)
        .max()
}

/// Whether the installation has gone too long without a verified backup: the newest verified
/// run is more than [`OVERDUE_AFTER_HOURS`] old, or there is none.
pub fn overdue(runs: &[BackupRun], now: DateTime<Utc>) -> bool {
    last_verified(runs).is_none_or(|last| now - last > Duration::hours(OVERDUE_AFTER_HOURS))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(hour: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hour)
    }

    fn contents() -> Contents {
        Contents {
            bytes: 10,
            tables: 3,
            rows: 40,
            audit_seq: 7,
            sha256: "ab".repeat(32),
        }
    }

    fn verified(hour: i64) -> BackupRun {
        BackupRun::written(
            Trigger::Scheduled,
            "system:定期バックアップ",
            "/b/x.zip",
            (at(hour), at(hour)),
            contents(),
            Check::passed(at(hour)),
        )
    }

    #[test]
    fn a_backup_counts_only_when_its_latest_reading_matched() {
        let run = verified(0);
        assert_eq!(run.state(), State::Verified);
        let damaged = run.rechecked(Check::failed(at(5), "表 people の内容が目録と一致しません"));
        assert_eq!(damaged.state(), State::Damaged);
        assert_eq!(damaged.contents, run.contents);
        let failed = BackupRun::failed(
            Trigger::Manual,
            "admin",
            "/b/y.zip",
            (at(0), at(0)),
            "書き込めません",
        );
        assert_eq!(failed.state(), State::Failed);
        assert!(overdue(&[damaged, failed], at(1)));
    }

    #[test]
    fn overdue_after_a_missed_day_or_when_the_verified_file_is_gone() {
        assert!(overdue(&[], at(0)));
        let runs = [verified(0)];
        assert!(!overdue(&runs, at(OVERDUE_AFTER_HOURS)));
        assert!(overdue(&runs, at(OVERDUE_AFTER_HOURS + 1)));
        let mut removed = verified(10);
        removed.removed_at = Some(at(11));
        assert!(overdue(&[removed], at(12)));
    }

    #[test]
    fn a_long_failure_text_is_cut() {
        let run = BackupRun::failed(
            Trigger::Command,
            "system:cli",
            "/b/z.zip",
            (at(0), at(0)),
            &"あ".repeat(2000),
        );
        assert_eq!(run.error.unwrap().chars().count(), MAX_DETAIL_CHARS + 1);
    }
}
