//! A SQLite database file for one run of a bench, removed (with its WAL and shared-memory files)
//! when the run ends, however it ends.

use std::path::{Path, PathBuf};

/// A scratch database path in the temporary folder, named for the process.
#[derive(Debug)]
pub struct ScratchSqlite(PathBuf);

impl ScratchSqlite {
    /// `name` tells the benches apart: `mamori-http-bench` → `/tmp/mamori-http-bench-PID.db`.
    pub fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!("{name}-{}.db", std::process::id())))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchSqlite {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            // Nothing to remove is as good as removed.
            let _ = std::fs::remove_file(path);
        }
    }
}
