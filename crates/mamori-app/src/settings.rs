//! Settings the use cases read. What a body edits (names, periods of its policy) is audited data
//! in the database, not here; these are installation-wide technical limits and the mail server.

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
    /// E-mail of the お知らせ through SMTP; `None`: in-app notifications only.
    pub mail: Option<MailSettings>,
    /// Scheduled backups; `None`: only `mamori backup` at the console.
    pub backup: Option<BackupSettings>,
}

/// Where `serve` keeps its daily backups and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSettings {
    /// The folder, as given in `backup_dir`.
    pub dir: String,
    /// Generations kept (at least 1).
    pub keep: usize,
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
            mail: None,
            backup: None,
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

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTls {
    /// No encryption (a relay on the same host or a closed network only).
    Plain,
    /// STARTTLS on a plain connection (usually port 587); the upgrade is required.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl MailTls {
    pub fn key(self) -> &'static str {
        match self {
            Self::Plain => "none",
            Self::StartTls => "starttls",
            Self::Tls => "tls",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::Plain => 25,
            Self::StartTls => 587,
            Self::Tls => 465,
        }
    }
}

/// The SMTP server mail goes through, the sender, and where links in mail point.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub tls: MailTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender: `mamori@city.example.lg.jp` or `mamori <mamori@city.example.lg.jp>`.
    pub from: String,
    /// Where people open mamori, e.g. `https://mamori.city.example.lg.jp`; links in mail start
    /// with it.
    pub public_url: String,
}

/// The password never reaches a log line.
impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl MailSettings {
    /// Mail from the installation's flat settings: `smtp_url`
    /// (`smtp://USER:PASSWORD@HOST:PORT?tls=none|starttls|tls`, or `smtps://` for TLS),
    /// `mail_from` and `public_url`. An empty `smtp_url` turns mail off (`Ok(None)`). Each
    /// problem names its setting, in Japanese.
    pub fn parse(
        smtp_url: &str,
        mail_from: &str,
        public_url: &str,
    ) -> Result<Option<Self>, Vec<String>> {
        let smtp_url = smtp_url.trim();
        if smtp_url.is_empty() {
            return Ok(None);
        }
        let mut problems = Vec::new();
        let server = parse_smtp_url(smtp_url).map_err(|p| format!("smtp_url: {p}"));
        if let Ok(s) = &server
            && s.password.is_some()
            && s.tls == MailTls::Plain
        {
            problems.push(
                "smtp_url: 暗号化なし（tls=none）ではパスワードを送れません。tls=starttls または tls を指定してください"
                    .to_owned(),
            );
        }
        let from = mail_from.trim();
        if from.is_empty() {
            problems.push(
                "mail_from: メールを送るときは送信者のアドレスを指定してください（例: mamori@city.example.lg.jp）"
                    .to_owned(),
            );
        } else if from.parse::<lettre::message::Mailbox>().is_err() {
            problems.push(format!(
                "mail_from: 「{from}」はメールアドレスの形式ではありません（例: mamori@city.example.lg.jp）"
            ));
        }
        let public_url = public_url.trim().trim_end_matches('/');
        let host_of_url = public_url
            .strip_prefix("https://")
            .or_else(|| public_url.strip_prefix("http://"));
        if public_url.is_empty() {
            problems.push(
                "public_url: メールのリンク先にする mamori のURLを指定してください（例: https://mamori.city.example.lg.jp）"
                    .to_owned(),
            );
        } else if host_of_url.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            problems.push(format!(
                "public_url: 「{public_url}」は http:// または https:// で始まるURLではありません"
            ));
        }
        match server {
            Ok(server) if problems.is_empty() => Ok(Some(Self {
                from: from.to_owned(),
                public_url: public_url.to_owned(),
                ..server
            })),
            Ok(_) => Err(problems),
            Err(p) => {
                problems.insert(0, p);
                Err(problems)
            }
        }
    }

    /// The link to a path inside mamori.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}

/// `smtp_url` with its password replaced by `***`, for `config check` and logs.
pub fn redacted_smtp_url(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => raw.to_owned(),
        },
        None => raw.to_owned(),
    }
}

fn percent_decode(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    "ユーザー名・パスワードの「%」の後には16進数2桁が必要です".to_owned()
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "ユーザー名・パスワードが UTF-8 ではありません".to_owned())
}

/// The server part of `smtp_url`; `from` and `public_url` are left empty.
fn parse_smtp_url(raw: &str) -> Result<MailSettings, String> {
    const FORM: &str =
        "smtp://ユーザー:パスワード@ホスト:ポート?tls=starttls の形式で指定してください";
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| format!("「{raw}」は {FORM}"))?;
    let scheme_tls = match scheme.to_ascii_lowercase().as_str() {
        "smtp" => None,
        "smtps" => Some(MailTls::Tls),
        other => return Err(format!("「{other}://」は使えません。{FORM}")),
    };
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    let address = address.strip_suffix('/').unwrap_or(address);
    if address.contains('/') {
        return Err(format!("「{raw}」にパスは指定できません。{FORM}"));
    }
    let (userinfo, hostport) = match address.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, address),
    };
    let (username, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((user, pass)) => (Some(percent_decode(user)?), Some(percent_decode(pass)?)),
            None => (Some(percent_decode(u)?), None),
        },
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("「{hostport}」のIPv6アドレスが「]」で閉じていません"))?;
        (h, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(format!("ホスト名がありません。{FORM}"));
    }
    let mut tls = scheme_tls;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "tls" {
            return Err(format!(
                "「{key}」という指定はありません（使えるのは tls だけです）"
            ));
        }
        let asked = match value.to_ascii_lowercase().as_str() {
            "none" => MailTls::Plain,
            "starttls" => MailTls::StartTls,
            "tls" => MailTls::Tls,
            _ => {
                return Err(format!(
                    "tls=「{value}」は指定できません（none、starttls、tls のいずれか）"
                ));
            }
        };
        if scheme_tls.is_some_and(|t| t != asked) {
            return Err("smtps:// は TLS で接続します。tls の指定と矛盾しています".to_owned());
        }
        tls = Some(asked);
    }
    // Without a word on it, the connection is upgraded with STARTTLS: plain text must be asked.
    let tls = tls.unwrap_or(MailTls::StartTls);
    let port = match port {
        None => tls.default_port(),
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("ポート「{p}」は 1〜65535 の数で指定してください"))?,
    };
    Ok(MailSettings {
        host: host.to_owned(),
        port,
        tls,
        username,
        password,
        from: String::new(),
        public_url: String::new(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const FROM: &str = "mamori@city.example.lg.jp";
    const URL: &str = "https://mamori.city.example.lg.jp/";

    #[test]
    fn an_empty_smtp_url_turns_mail_off() {
        assert_eq!(MailSettings::parse("", "", ""), Ok(None));
        assert_eq!(MailSettings::parse("  ", FROM, URL), Ok(None));
    }

    #[test]
    fn the_url_gives_server_port_tls_and_credentials() {
        let m = MailSettings::parse(
            "smtp://user%40city:p%3Ass@mail.city.example:2525",
            FROM,
            URL,
        )
        .unwrap()
        .unwrap();
        assert_eq!(m.host, "mail.city.example");
        assert_eq!(m.port, 2525);
        assert_eq!(
            m.tls,
            MailTls::StartTls,
            "STARTTLS unless plain text is asked"
        );
        assert_eq!(m.username.as_deref(), Some("user@city"));
        assert_eq!(m.password.as_deref(), Some("p:ss"));
        assert_eq!(m.public_url, "https://mamori.city.example.lg.jp");
        assert_eq!(
            m.link("/approvals/1"),
            "https://mamori.city.example.lg.jp/approvals/1"
        );

        let m = MailSettings::parse("smtps://relay.example", FROM, URL)
            .unwrap()
            .unwrap();
        assert_eq!((m.tls, m.port), (MailTls::Tls, 465));
        let m = MailSettings::parse("smtp://127.0.0.1?tls=none", FROM, URL)
            .unwrap()
            .unwrap();
        assert_eq!((m.tls, m.port, m.username), (MailTls::Plain, 25, None));
        let m = MailSettings::parse("smtp://[::1]:1025?tls=none", FROM, URL)
            .unwrap()
            .unwrap();
        assert_eq!((m.host.as_str(), m.port), ("::1", 1025));
    }

    #[test]
    fn problems_name_the_setting() {
        let cases = [
            ("http://mail.example", FROM, URL, "smtp_url"),
            ("smtp://mail.example?tls=ssl", FROM, URL, "smtp_url"),
            ("smtp://mail.example:0", FROM, URL, "smtp_url"),
            ("smtp://u:pw@mail.example?tls=none", FROM, URL, "smtp_url"),
            ("smtps://mail.example?tls=none", FROM, URL, "smtp_url"),
            ("smtp://mail.example", "", URL, "mail_from"),
            ("smtp://mail.example", "not an address", URL, "mail_from"),
            ("smtp://mail.example", FROM, "", "public_url"),
            ("smtp://mail.example", FROM, "mamori.example", "public_url"),
        ];
        for (url, from, public, key) in cases {
            let problems = MailSettings::parse(url, from, public).unwrap_err();
            assert!(
                problems.iter().any(|p| p.starts_with(&format!("{key}: "))),
                "{url} {from} {public}: {problems:?}"
            );
        }
    }

    #[test]
    fn the_password_is_hidden() {
        let m = MailSettings::parse("smtp://mamori:hunter2@mail.example", FROM, URL)
            .unwrap()
            .unwrap();
        assert!(!format!("{m:?}").contains("hunter2"));
        assert_eq!(
            redacted_smtp_url("smtp://mamori:hunter2@mail.example:587?tls=starttls"),
            "smtp://mamori:***@mail.example:587?tls=starttls"
        );
        assert_eq!(
            redacted_smtp_url("smtp://mail.example"),
            "smtp://mail.example"
        );
    }
}
