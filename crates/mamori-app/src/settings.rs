//! Settings the use cases read. What a body edits (names, periods of its policy) is audited data
//! in the database, not here; these are installation-wide technical limits.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSettings {
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after sign-in, however active.
    pub session_absolute_hours: i64,
    /// Consecutive failed sign-ins for one login before it is locked.
    pub lockout_threshold: i64,
    /// The first lock lasts this long; each further failure doubles it.
    pub lockout_base_minutes: i64,
    /// The longest lock.
    pub lockout_max_minutes: i64,
    /// Minimum length of a new password.
    pub password_min_length: usize,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            lockout_threshold: 5,
            lockout_base_minutes: 1,
            lockout_max_minutes: 60,
            password_min_length: 10,
        }
    }
}

impl AppSettings {
    /// Problems, each naming the setting and the rule, in Japanese.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut positive = |name: &str, value: i64| {
            if value < 1 {
                out.push(format!("{name}: 1以上を指定してください（現在 {value}）"));
            }
        };
        positive("session_idle_minutes", self.session_idle_minutes);
        positive("session_absolute_hours", self.session_absolute_hours);
        positive("lockout_threshold", self.lockout_threshold);
        positive("lockout_base_minutes", self.lockout_base_minutes);
        positive("lockout_max_minutes", self.lockout_max_minutes);
        if self.lockout_max_minutes < self.lockout_base_minutes {
            out.push("lockout_max_minutes: lockout_base_minutes 以上を指定してください".to_owned());
        }
        if self.password_min_length < 8 {
            out.push(format!(
                "password_min_length: 8以上を指定してください（現在 {}）",
                self.password_min_length
            ));
        }
        out
    }
}
