//! One typed `Settings`: defaults < `mamori.toml` < `MAMORI_*` environment < command-line flags.
//! What a body edits in the UI (names, periods of its policy) is audited data in the database,
//! not settings.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use mamori_app::AppSettings;
use mamori_app::settings::{BackupSettings, MailSettings, redacted_smtp_url};
use mamori_store::DatabaseUrl;
use serde::{Deserialize, Serialize};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./mamori-data/mamori.db";
pub const DEFAULT_CONFIG_FILE: &str = "mamori.toml";

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address and port to listen on.
    pub bind: String,
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`.
    pub database_url: String,
    /// Mark cookies `Secure`: set when users reach mamori over HTTPS.
    pub secure_cookies: bool,
    /// Log filter, e.g. `info` or `mamori=debug,info`.
    pub log: String,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub lockout_threshold: i64,
    pub lockout_base_minutes: i64,
    pub lockout_max_minutes: i64,
    pub password_min_length: usize,
    /// SMTP server for the お知らせ by e-mail:
    /// `smtp://USER:PASSWORD@HOST:PORT?tls=none|starttls|tls` (or `smtps://`); empty: no mail.
    pub smtp_url: String,
    /// The sender of the mail.
    pub mail_from: String,
    /// Where people open mamori (`https://…`); links in mail start with it.
    pub public_url: String,
    /// The file `serve` writes the audit chain's head to at start and daily (keep it, or copies
    /// of it, outside the database, next to the backups); empty: not written.
    pub audit_anchor_file: String,
    /// The folder `serve` writes a backup to at start and daily (`mamori backup`'s archive);
    /// empty: no scheduled backups.
    pub backup_dir: String,
    /// How many scheduled backups are kept in `backup_dir`; older ones are removed.
    pub backup_keep: i64,
}

impl Default for Settings {
    fn default() -> Self {
        let app = AppSettings::default();
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            secure_cookies: false,
            log: "info".to_owned(),
            session_idle_minutes: app.session_idle_minutes,
            session_absolute_hours: app.session_absolute_hours,
            lockout_threshold: app.lockout_threshold,
            lockout_base_minutes: app.lockout_base_minutes,
            lockout_max_minutes: app.lockout_max_minutes,
            password_min_length: app.password_min_length,
            smtp_url: String::new(),
            mail_from: String::new(),
            public_url: String::new(),
            audit_anchor_file: "./mamori-data/audit-anchor.json".to_owned(),
            backup_dir: String::new(),
            backup_keep: 7,
        }
    }
}

/// The database and mail passwords never reach a log line.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self.redacted();
        f.debug_struct("Settings")
            .field("bind", &shown.bind)
            .field("database_url", &shown.database_url)
            .field("secure_cookies", &shown.secure_cookies)
            .field("log", &shown.log)
            .field("smtp_url", &shown.smtp_url)
            .field("mail_from", &shown.mail_from)
            .field("public_url", &shown.public_url)
            .field("audit_anchor_file", &shown.audit_anchor_file)
            .field("backup_dir", &shown.backup_dir)
            .field("backup_keep", &shown.backup_keep)
            .finish_non_exhaustive()
    }
}

fn redacted_url(raw: &str) -> String {
    DatabaseUrl::parse(raw).map_or_else(|_| raw.to_owned(), |u| u.to_string())
}

impl Settings {
    /// Loads settings from the file (if any) and the environment. `explicit_file` is `--config`;
    /// when absent, `MAMORI_CONFIG` or `./mamori.toml` is read if it exists.
    pub fn load(explicit_file: Option<&Path>) -> anyhow::Result<Self> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(explicit_file, &env)
    }

    pub fn load_from(
        explicit_file: Option<&Path>,
        env: &[(String, String)],
    ) -> anyhow::Result<Self> {
        let mut table = toml::Table::try_from(Settings::default()).context("default settings")?;
        let env_file = env
            .iter()
            .find(|(k, _)| k == "MAMORI_CONFIG")
            .map(|(_, v)| PathBuf::from(v));
        let file = match explicit_file.map(Path::to_path_buf).or(env_file) {
            Some(path) => Some(path),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("設定ファイル {} を読めません", path.display()))?;
            let from_file: toml::Table = text.parse().with_context(|| {
                format!("設定ファイル {} の書式が正しくありません", path.display())
            })?;
            for (key, value) in from_file {
                if !table.contains_key(&key) {
                    bail!(
                        "設定ファイル {}: 「{key}」という設定項目はありません",
                        path.display()
                    );
                }
                table.insert(key, value);
            }
        }
        for (name, raw) in env {
            let Some(key) = name.strip_prefix("MAMORI_").map(str::to_lowercase) else {
                continue;
            };
            if key == "config" {
                continue;
            }
            let Some(current) = table.get(&key) else {
                continue;
            };
            let value = match current {
                toml::Value::Integer(_) => {
                    toml::Value::Integer(raw.trim().parse().with_context(|| {
                        format!("環境変数 {name}: 整数を指定してください（「{raw}」）")
                    })?)
                }
                toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
                    "1" | "true" | "yes" | "on" => true,
                    "0" | "false" | "no" | "off" => false,
                    _ => {
                        bail!("環境変数 {name}: true または false を指定してください（「{raw}」）")
                    }
                }),
                _ => toml::Value::String(raw.clone()),
            };
            table.insert(key, value);
        }
        let settings: Settings = table.try_into().context("設定の値の型が正しくありません")?;
        Ok(settings)
    }

    pub fn app_settings(&self) -> AppSettings {
        AppSettings {
            session_idle_minutes: self.session_idle_minutes,
            session_absolute_hours: self.session_absolute_hours,
            lockout_threshold: self.lockout_threshold,
            lockout_base_minutes: self.lockout_base_minutes,
            lockout_max_minutes: self.lockout_max_minutes,
            password_min_length: self.password_min_length,
            // A mail setting with problems is refused at start (`problems`); none here means off.
            mail: MailSettings::parse(&self.smtp_url, &self.mail_from, &self.public_url)
                .ok()
                .flatten(),
            // `backup_keep` out of range is refused at start (`problems`).
            backup: Some(self.backup_dir.trim())
                .filter(|d| !d.is_empty())
                .map(|dir| BackupSettings {
                    dir: dir.to_owned(),
                    keep: usize::try_from(self.backup_keep).unwrap_or(1).max(1),
                }),
        }
    }

    pub fn database(&self) -> anyhow::Result<DatabaseUrl> {
        Ok(DatabaseUrl::parse(&self.database_url)?)
    }

    /// Every problem, each naming the setting; empty when the settings are usable.
    pub fn problems(&self) -> Vec<String> {
        let mut out = self.app_settings().problems();
        if let Err(e) = DatabaseUrl::parse(&self.database_url) {
            out.push(format!("database_url: {e}"));
        }
        if let Err(problems) =
            MailSettings::parse(&self.smtp_url, &self.mail_from, &self.public_url)
        {
            out.extend(problems);
        }
        if !self.backup_dir.trim().is_empty() && !(1..=366).contains(&self.backup_keep) {
            out.push(format!(
                "backup_keep: 1から366の世代数を指定してください（{}）",
                self.backup_keep
            ));
        }
        if self.bind.parse::<std::net::SocketAddr>().is_err() {
            out.push(format!(
                "bind: 「{}」はアドレスとポートの形式ではありません（例: 127.0.0.1:8080）",
                self.bind
            ));
        }
        out
    }

    /// The settings as the TOML `config check` prints, with the passwords hidden.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string(&self.redacted()).unwrap_or_default()
    }

    fn redacted(&self) -> Self {
        let mut shown = self.clone();
        shown.database_url = redacted_url(&self.database_url);
        shown.smtp_url = redacted_smtp_url(&self.smtp_url);
        shown
    }
}

/// A commented `mamori.toml` with every setting at its default.
pub fn default_file() -> String {
    let d = Settings::default();
    format!(
        r#"# mamori の設定ファイル（mamori.toml）
# 優先順位: 既定値 < このファイル < 環境変数 MAMORI_<項目名の大文字> < コマンドラインの指定
# 例: MAMORI_DATABASE_URL=postgres://mamori@localhost/mamori

# 待ち受けるアドレスとポート
bind = "{bind}"

# データベース: sqlite://パス（初回起動時に作成）または postgres://ユーザー:パスワード@ホスト/DB名
database_url = "{db}"

# HTTPS で提供するときは true（Cookie に Secure を付けます）
secure_cookies = {secure}

# ログの詳しさ（error, warn, info, debug）
log = "{log}"

# セッション: 操作がないまま経過したら終了する分数と、ログインから終了までの時間
session_idle_minutes = {idle}
session_absolute_hours = {abs}

# ログインに続けて失敗したときのロック: 回数、最初のロック時間（分、失敗ごとに倍）、最長（分）
lockout_threshold = {lt}
lockout_base_minutes = {lb}
lockout_max_minutes = {lm}

# 新しいパスワードの最小文字数
password_min_length = {pw}

# 申請・承認のお知らせをメールでも送るときの SMTP サーバー（空欄ならメールは送らず、画面のお知らせだけ）
#   smtp://ユーザー:パスワード@ホスト:ポート?tls=starttls（既定。ポートの既定は 587）
#   smtps://ユーザー:パスワード@ホスト（TLS、ポートの既定は 465）
#   smtp://ホスト:25?tls=none（暗号化なし。同じ庁内の中継サーバー向け、パスワードは送れません）
# ユーザー名・パスワードの記号は %40（@）のように書きます。送信に失敗したメールは 30 秒ごとに
# 最大 5 回まで送り直します。
smtp_url = ""
# 送信者のアドレス（例: mamori@city.example.lg.jp または "mamori <mamori@city.example.lg.jp>"）
mail_from = ""
# 職員が mamori を開く URL。メールのリンクはこれで始まります（例: https://mamori.city.example.lg.jp）
public_url = ""

# 監査証跡の末尾（通し番号・ハッシュ・時刻）の控え（アンカー）を起動時と毎日書くファイル。
# データベースとは別の場所（バックアップと同じ場所など）にも写しを取っておくと、記録の末尾を
# 削って巻き戻されても `mamori audit verify --anchor ファイル` が見つけます。空欄なら書きません。
audit_anchor_file = "{anchor}"

# 起動時と毎日、バックアップ（`mamori backup` と同じファイル）を書くフォルダー。空欄なら書きません。
# データベースとは別の媒体を指定してください。`backup_keep` 世代を残し、それより古いものは消します。
backup_dir = ""
backup_keep = {keep}
"#,
        anchor = d.audit_anchor_file,
        keep = d.backup_keep,
        bind = d.bind,
        db = d.database_url,
        secure = d.secure_cookies,
        log = d.log,
        idle = d.session_idle_minutes,
        abs = d.session_absolute_hours,
        lt = d.lockout_threshold,
        lb = d.lockout_base_minutes,
        lm = d.lockout_max_minutes,
        pw = d.password_min_length,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_printed_default_file_parses_to_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mamori.toml");
        std::fs::write(&path, default_file()).unwrap();
        assert_eq!(
            Settings::load_from(Some(&path), &[]).unwrap(),
            Settings::default()
        );
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mamori.toml");
        std::fs::write(
            &path,
            "bind = \"0.0.0.0:9000\"\nsession_idle_minutes = 15\n",
        )
        .unwrap();
        let s = Settings::load_from(
            Some(&path),
            &env(&[
                ("MAMORI_SESSION_IDLE_MINUTES", "5"),
                ("MAMORI_SECURE_COOKIES", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.session_idle_minutes, 5);
        assert!(s.secure_cookies);
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mamori.toml");
        std::fs::write(&path, "bnid = \"x\"\n").unwrap();
        let err = Settings::load_from(Some(&path), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("bnid"), "{err}");
        let err = Settings::load_from(None, &env(&[("MAMORI_LOCKOUT_THRESHOLD", "five")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("MAMORI_LOCKOUT_THRESHOLD"), "{err}");
    }

    #[test]
    fn problems_name_each_setting() {
        let s = Settings {
            bind: "localhost".into(),
            database_url: "mysql://x".into(),
            session_idle_minutes: 0,
            ..Settings::default()
        };
        let problems = s.problems().join("\n");
        assert!(problems.contains("bind"));
        assert!(problems.contains("database_url"));
        assert!(problems.contains("session_idle_minutes"));
    }

    #[test]
    fn debug_hides_the_database_password() {
        let s = Settings {
            database_url: "postgres://mamori:hunter2@db/mamori".into(),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!s.to_redacted_toml().contains("hunter2"));
    }

    #[test]
    fn mail_is_off_by_default_and_on_with_the_three_keys() {
        assert_eq!(Settings::default().app_settings().mail, None);
        let s = Settings::load_from(
            None,
            &env(&[
                (
                    "MAMORI_SMTP_URL",
                    "smtp://mamori:hunter2@mail.example?tls=starttls",
                ),
                ("MAMORI_MAIL_FROM", "mamori@city.example.lg.jp"),
                ("MAMORI_PUBLIC_URL", "https://mamori.city.example.lg.jp"),
            ]),
        )
        .unwrap();
        assert!(s.problems().is_empty(), "{:?}", s.problems());
        let mail = s.app_settings().mail.unwrap();
        assert_eq!((mail.host.as_str(), mail.port), ("mail.example", 587));
        assert_eq!(mail.password.as_deref(), Some("hunter2"));
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!s.to_redacted_toml().contains("hunter2"));
        assert!(
            s.to_redacted_toml()
                .contains("smtp://mamori:***@mail.example")
        );
    }

    #[test]
    fn a_mail_setting_left_out_is_named() {
        let s = Settings {
            smtp_url: "smtp://mail.example".into(),
            ..Settings::default()
        };
        let problems = s.problems().join("\n");
        assert!(problems.contains("mail_from"), "{problems}");
        assert!(problems.contains("public_url"), "{problems}");
        assert_eq!(s.app_settings().mail, None);
    }
}
