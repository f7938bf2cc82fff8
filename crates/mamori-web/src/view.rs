//! What every screen shares: the page chrome (header, navigation) and display helpers for dates.

use chrono::{DateTime, Utc};
use mamori_app::CurrentUser;
use mamori_app::access::permission;

/// Changes with every release so browsers fetch new assets.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// The header and navigation around every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub body_name: Option<String>,
    pub user_name: Option<String>,
    pub user_detail: Option<String>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub asset_version: &'static str,
    /// The 「お知らせ」 link in the header: shown to a person of a body.
    pub notifications_link: bool,
    /// The person's unread お知らせ, shown beside the link.
    pub unread: usize,
}

impl Chrome {
    /// A page for a signed-in user. The navigation lists only what exists and what the user may
    /// open.
    pub fn for_user(title: impl Into<String>, user: &CurrentUser, current: &str) -> Self {
        // The guideline is public text: every signed-in user may read it.
        let mut nav = vec![
            NavItem {
                label: "ホーム",
                href: "/",
                current: current == "/",
            },
            NavItem {
                label: "ガイドライン",
                href: "/catalog",
                current: current == "/catalog",
            },
        ];
        if user.body.is_some() {
            nav.push(NavItem {
                label: "情報セキュリティポリシー",
                href: "/policy",
                current: current == "/policy",
            });
            nav.push(NavItem {
                label: "組織",
                href: "/org",
                current: current == "/org",
            });
            nav.push(NavItem {
                label: "情報資産",
                href: "/assets",
                current: current == "/assets",
            });
            nav.push(NavItem {
                label: "申請・承認",
                href: "/approvals",
                current: current == "/approvals",
            });
            nav.push(NavItem {
                label: "インシデント",
                href: "/incidents",
                current: current == "/incidents",
            });
        }
        if user.has(permission::AUDIT_READ) {
            nav.push(NavItem {
                label: "監査証跡",
                href: "/audit",
                current: current == "/audit",
            });
        }
        if user.installation_admin {
            nav.push(NavItem {
                label: "バックアップ",
                href: "/admin/backups",
                current: current == "/admin/backups",
            });
        }
        let user_detail = user
            .person
            .as_ref()
            .map(|p| format!("{} {}", p.unit, p.title))
            .or_else(|| {
                user.account
                    .is_system_admin
                    .then(|| "システム管理者".to_owned())
            });
        Self {
            title: title.into(),
            body_name: user.body.as_ref().map(|b| b.name.clone()),
            user_name: Some(user.name().to_owned()),
            user_detail,
            csrf: user.csrf_token.clone().unwrap_or_default(),
            nav,
            asset_version: ASSET_VERSION,
            notifications_link: user.body.is_some() && user.account.person_id.is_some(),
            unread: user.unread_notifications,
        }
    }

    /// A page for someone not signed in (login, error pages).
    pub fn anonymous(title: impl Into<String>, csrf: String) -> Self {
        Self {
            title: title.into(),
            body_name: None,
            user_name: None,
            user_detail: None,
            csrf,
            nav: Vec::new(),
            asset_version: ASSET_VERSION,
            notifications_link: false,
            unread: 0,
        }
    }
}

/// 「令和8年11月21日 22:51:03」 in Japan time.
pub fn datetime_ja(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&mamori_app::clock::jst());
    format!(
        "{} {}",
        mamori_domain::wareki::format_gregorian_as_wareki(local.date_naive()),
        local.format("%H:%M:%S")
    )
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The longest redirect target taken from a request; anything longer goes home.
const MAX_NEXT_LEN: usize = 2048;

/// A redirect target taken from a request must stay on this site: only an absolute path of
/// this origin (`/…`, not `//host` nor `/\host`), of printable ASCII only — no control
/// characters (browsers drop tabs and line breaks, so `/\t/evil.example` would become
/// `//evil.example`), no spaces, no backslashes (read as `/` by browsers), nothing a header
/// cannot carry — and a valid URI path. Anything else goes home.
pub fn safe_next(next: &str) -> &str {
    let on_this_site = next.len() <= MAX_NEXT_LEN
        && next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && next.split('#').next().is_some_and(|path| {
            path.parse::<axum::http::uri::PathAndQuery>()
                .is_ok_and(|p| p.as_str() == path)
        });
    if on_this_site { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn a_redirect_target_stays_on_this_site() {
        for ok in [
            "/",
            "/assets?page=2",
            "/approvals/0190a1b2-c3d4",
            "/org/people#p1",
        ] {
            assert_eq!(safe_next(ok), ok, "{ok:?} is a path of this site");
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example/phish",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\u{b}/evil.example",
            "/\u{c}/evil.example",
            "/a\\b",
            "/a b",
            "/\u{202e}txt",
            "evil.example",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?} must go home");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(3000))), "/");
    }
}
