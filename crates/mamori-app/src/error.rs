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
    /// The password was set by someone else and is to be changed before anything else.
    #[error("パスワードを変更してください（ほかの人が設定したパスワードのままです）")]
    PasswordChangeRequired,
    /// The request or a file in it is larger than the limit it names.
    #[error("{0}")]
    TooLarge(String),
    /// A store failure that is not the person's doing (the driver, a corrupt value). A missing
    /// row or a refused uniqueness rule is the person's request and becomes `NotFound` /
    /// `Conflict` in `From<StoreError>`.
    #[error("内部エラーが発生しました")]
    Store(StoreError),
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
            Self::PasswordChangeRequired => "password_change_required",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::TooLarge(_) => "too_large",
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

impl From<StoreError> for AppError {
    /// A row asked for by id that is not there (e.g. an id of another kind of import) is a
    /// 404, and a write the database's uniqueness or reference rules refuse is a 409 — never
    /// a generic 500.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("指定されたデータ".to_owned()),
            StoreError::Conflict(cause) => {
                tracing::info!(%cause, "the database refused a write");
                Self::Conflict(
                    "同じ内容のデータがすでにあるか、関連するデータと合わないため保存できませんでした。画面を読み込み直してからもう一度お試しください"
                        .to_owned(),
                )
            }
            other => Self::Store(other),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        Self::Invalid(e)
    }
}
