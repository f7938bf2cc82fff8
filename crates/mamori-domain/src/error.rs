//! Errors of the domain: what a person did wrong, in Japanese, naming the field and the rule.

/// A value that breaks a rule of the domain. The message is written for the person who typed it:
/// it names the field (in Japanese, as the screen labels it) and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DomainError {
    /// The field as the screen labels it, e.g. 「ログインID」.
    pub field: String,
    /// The rule that was broken, e.g. 「3文字以上で入力してください」.
    pub message: String,
}

impl DomainError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
