//! Long-running work (imports) with progress the screens can poll.
//!
//! A job lives in memory only: it reports how far it is and, when done, its outcome message. The
//! work itself is transactional, so a job lost to a restart changed nothing or everything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// How far a job is.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct JobStatus {
    pub title: String,
    pub done: usize,
    pub total: usize,
    /// Set when the job ends: `Ok(summary)` or `Err(message)`, in Japanese.
    pub finished: Option<Result<String, String>>,
    /// Where to go when it is done.
    pub next: Option<String>,
}

impl JobStatus {
    /// 0–100.
    pub fn percent(&self) -> usize {
        if self.total == 0 {
            return if self.finished.is_some() { 100 } else { 0 };
        }
        (self.done * 100 / self.total).min(100)
    }
}

/// The registry of jobs, shared by the app's clones.
#[derive(Debug, Clone, Default)]
pub struct Jobs {
    inner: Arc<Mutex<HashMap<String, JobStatus>>>,
}

/// A handle a job uses to report progress.
#[derive(Debug, Clone)]
pub struct JobHandle {
    id: String,
    jobs: Jobs,
}

impl Jobs {
    /// Registers a job and returns its handle; the id is unguessable.
    pub fn start(&self, title: &str) -> JobHandle {
        let id = uuid::Uuid::new_v4().to_string();
        if let Ok(mut map) = self.inner.lock() {
            // Finished jobs are kept for their page; cap the memory they take.
            if map.len() > 200 {
                map.retain(|_, j| j.finished.is_none());
            }
            map.insert(
                id.clone(),
                JobStatus {
                    title: title.to_owned(),
                    ..JobStatus::default()
                },
            );
        }
        JobHandle {
            id,
            jobs: self.clone(),
        }
    }

    pub fn status(&self, id: &str) -> Option<JobStatus> {
        self.inner.lock().ok().and_then(|m| m.get(id).cloned())
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut JobStatus)) {
        if let Ok(mut map) = self.inner.lock()
            && let Some(job) = map.get_mut(id)
        {
            f(job);
        }
    }
}

impl JobHandle {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn progress(&self, done: usize, total: usize) {
        self.jobs.update(&self.id, |j| {
            j.done = done;
            j.total = total;
        });
    }

    pub fn finish(&self, outcome: Result<String, String>, next: Option<String>) {
        self.jobs.update(&self.id, |j| {
            if outcome.is_ok() {
                j.done = j.total;
            }
            j.finished = Some(outcome);
            j.next = next;
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_job_reports_progress_and_its_outcome() {
        let jobs = Jobs::default();
        let job = jobs.start("職員の取込");
        job.progress(1000, 4000);
        assert_eq!(jobs.status(job.id()).unwrap().percent(), 25);
        job.finish(Ok("4,000人".into()), Some("/org/people".into()));
        let s = jobs.status(job.id()).unwrap();
        assert_eq!(s.percent(), 100);
        assert_eq!(s.finished, Some(Ok("4,000人".into())));
        assert!(jobs.status("unknown").is_none());
    }
}
