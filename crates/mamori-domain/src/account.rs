//! Login accounts: the rules for login names and passwords, independent of how they are stored.

use std::fmt;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::DomainError;
use crate::ids::{AccountId, BodyId, PersonId};

/// A login account. Its password hash is not part of it: only the sign-in use case reads that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    /// The body the account works in; `None` for an installation-wide system administrator.
    pub body_id: Option<BodyId>,
    pub login: Login,
    pub display_name: DisplayName,
    /// The person (職員等) behind the account, whose role assignments give its authority.
    pub person_id: Option<PersonId>,
    /// May do installation tasks (accounts, settings); gives no authority in a body's policy.
    pub is_system_admin: bool,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A login name: 3–64 characters of ASCII letters, digits, `.`, `_`, `-`, `@`; compared in
/// lower case so that `Kacho` and `kacho` are one account. Full-width input is folded (NFKC)
/// because Japanese IMEs often leave it on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Login(String);

impl Login {
    pub const FIELD: &'static str = "ログインID";

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let folded: String = raw.nfkc().collect::<String>().trim().to_lowercase();
        if folded.is_empty() {
            return Err(DomainError::new(Self::FIELD, "入力してください"));
        }
        let len = folded.chars().count();
        if !(3..=64).contains(&len) {
            return Err(DomainError::new(
                Self::FIELD,
                "3文字以上64文字以下で入力してください",
            ));
        }
        if !folded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        {
            return Err(DomainError::new(
                Self::FIELD,
                "半角英数字と「. _ - @」だけが使えます",
            ));
        }
        Ok(Self(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a new password must satisfy: the minimum length comes from the caller (the body's
/// profile parameter 「パスワードの最小文字数」, else the installation's setting), never from a
/// constant here; the login, when given, may not be part of it.
#[derive(Debug, Clone, Copy)]
pub struct PasswordRule<'a> {
    pub min_len: usize,
    pub login: Option<&'a str>,
}

const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// Whether `raw` is one of the embedded common passwords, as typed or with the digits and
/// symbols at its end taken off.
fn is_common(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    let base = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|common| common == lower || (!base.is_empty() && common == base))
}

/// A new password as chosen by a person. The value is never printed.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub const FIELD: &'static str = "パスワード";

    pub fn parse(raw: &str, rule: &PasswordRule<'_>) -> Result<Self, DomainError> {
        let min_len = rule.min_len;
        let len = raw.chars().count();
        if len < min_len {
            return Err(DomainError::new(
                Self::FIELD,
                format!("{min_len}文字以上で入力してください"),
            ));
        }
        if len > 256 {
            return Err(DomainError::new(
                Self::FIELD,
                "256文字以下で入力してください",
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(DomainError::new(Self::FIELD, "制御文字は使えません"));
        }
        let mut chars = raw.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(DomainError::new(
                Self::FIELD,
                "同じ文字だけのパスワードは使えません",
            ));
        }
        if let Some(login) = rule.login.map(str::to_lowercase)
            && login.chars().count() >= 3
            && raw.to_lowercase().contains(&login)
        {
            return Err(DomainError::new(
                Self::FIELD,
                "ログインIDを含むパスワードは使えません",
            ));
        }
        if is_common(raw) {
            return Err(DomainError::new(
                Self::FIELD,
                "よく使われるパスワード（password、12345678、qwerty などとその末尾に数字を付けたもの）は使えません",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A display name such as 「山田 太郎」 or 「システム管理者」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub const FIELD: &'static str = "氏名";

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value: String = raw.nfkc().collect::<String>().trim().to_owned();
        if value.is_empty() {
            return Err(DomainError::new(Self::FIELD, "入力してください"));
        }
        crate::text::check(Self::FIELD, &value, 100, false)?;
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn logins_are_folded_to_one_spelling() {
        assert_eq!(Login::parse(" Kacho ").unwrap().as_str(), "kacho");
        assert_eq!(Login::parse("ｋａｃｈｏ").unwrap().as_str(), "kacho");
    }

    #[test]
    fn bad_logins_name_the_field_and_rule() {
        for (raw, rule) in [
            ("", "入力してください"),
            ("ab", "3文字以上"),
            ("課長さん", "半角英数字"),
            ("a b c", "半角英数字"),
        ] {
            let err = Login::parse(raw).unwrap_err();
            assert_eq!(err.field, "ログインID");
            assert!(err.message.contains(rule), "{raw}: {}", err.message);
        }
    }

    #[test]
    fn password_length_comes_from_the_caller() {
        let rule = |min_len| PasswordRule {
            min_len,
            login: None,
        };
        assert!(NewPassword::parse("shortz", &rule(8)).is_err());
        assert!(NewPassword::parse("shortz", &rule(5)).is_ok());
        let err = NewPassword::parse("1234567", &rule(12)).unwrap_err();
        assert!(err.message.contains("12文字以上"));
        assert_eq!(
            format!(
                "{:?}",
                NewPassword::parse("kumo-no-ue-7", &rule(8)).unwrap()
            ),
            "NewPassword(***)"
        );
    }

    #[test]
    fn common_repeated_and_login_bearing_passwords_are_refused_whatever_their_length() {
        let rule = PasswordRule {
            min_len: 10,
            login: Some("tokatsu"),
        };
        for (raw, why) in [
            ("aaaaaaaaaa", "同じ文字だけ"),
            ("password12", "よく使われる"),
            ("Password2026!", "よく使われる"),
            ("1234567890", "よく使われる"),
            ("qwertyuiop", "よく使われる"),
            ("tokatsu2026", "ログインID"),
            ("my-TOKATSU-pw", "ログインID"),
        ] {
            let err = NewPassword::parse(raw, &rule).unwrap_err();
            assert!(err.to_string().contains(why), "{raw}: {err}");
            assert_eq!(err.field, NewPassword::FIELD);
        }
        assert!(NewPassword::parse("kawa-no-nagare-9", &rule).is_ok());
        // Without a login to compare, only the other rules apply.
        let rule = PasswordRule {
            min_len: 10,
            login: None,
        };
        assert!(NewPassword::parse("tokatsu2026", &rule).is_ok());
    }
}
