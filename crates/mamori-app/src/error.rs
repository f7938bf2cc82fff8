//! What can go wrong in a use case, split into what the person is told (Japanese, stable code)
//! and what only the log records (the cause chain).

use mamori_domain::DomainError;
use mamori_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: names the field and the rule. Nothing was changed.
    #[error("{0}")]
    Invalid(DomainError),
    #[error("ログインIDまたはパスワードが正しくありません")]
    BadCredentials,
    #[error(
        "ログインに続けて失敗したため、このログインIDは一時的に使えません。{minutes}分ほど待ってからもう一度お試しください"
    )]
    LockedOut { minutes: i64 },
    #[error("ログインしてください")]
    Unauthenticated,
    #[error("この操作を行う権限がありません（{0}）")]
    Forbidden(String),
    #[error("{0}が見つかりません")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("内部エラーが発生しました")]
    Store(#[from] StoreError),
    #[error("内部エラーが発生しました")]
    Internal(String),
}

impl AppError {
    /// A stable, machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_input",
            Self::BadCredentials => "bad_credentials",
            Self::LockedOut { .. } => "locked_out",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Store(_) | Self::Internal(_) => "internal",
        }
    }

    /// The field a bad input concerns, for highlighting it on the form.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid(e) => Some(&e.field),
            _ => None,
        }
    }

    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Store(_) | Self::Internal(_))
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        Self::Invalid(e)
    }
}
