//! The HTTP test harness: the real application, built by the same startup path as `main`, on
//! port 0, with a fresh database per test and a clock the test moves.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use mamori::{Application, Settings};
use mamori_app::{App, ManualClock};
use mamori_store::testing::TestDatabase;
use reqwest::{Client, Response, StatusCode, redirect};

pub const DEMO_PASSWORD: &str = "mamori-demo";

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub db: TestDatabase,
    pub settings: Settings,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub struct Options {
    pub demo: bool,
    pub secure_cookies: bool,
    /// Mail through this SMTP server (`smtp://127.0.0.1:PORT?tls=none`); `None`: no mail.
    pub smtp_url: Option<String>,
    /// Scheduled backups into this folder, keeping this many; `None`: none scheduled.
    pub backups: Option<(std::path::PathBuf, i64)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo: true,
            secure_cookies: false,
            smtp_url: None,
            backups: None,
        }
    }
}

/// The sender and public URL of the tests' mail settings.
pub const MAIL_FROM: &str = "mamori@city.mihon.example";
pub const PUBLIC_URL: &str = "https://mamori.city.mihon.example";

impl TestApp {
    /// The application with the demo body loaded.
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> Self {
        let db = TestDatabase::new().await.expect("test database");
        let settings = Settings {
            bind: "127.0.0.1:0".into(),
            database_url: db.url_string(),
            secure_cookies: options.secure_cookies,
            smtp_url: options.smtp_url.clone().unwrap_or_default(),
            mail_from: MAIL_FROM.into(),
            public_url: PUBLIC_URL.into(),
            backup_dir: options
                .backups
                .as_ref()
                .map(|(dir, _)| dir.display().to_string())
                .unwrap_or_default(),
            backup_keep: options.backups.as_ref().map_or(7, |(_, keep)| *keep),
            ..Settings::default()
        };
        // A fixed day inside a fiscal year: 令和8年6月1日 10:00 JST.
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap(),
        ));
        let application = Application::build(&settings, clock.clone())
            .await
            .expect("build");
        let app = application.app().clone();
        if options.demo {
            app.load_demo().await.expect("demo");
        }
        let base = format!("http://127.0.0.1:{}", application.port());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(application.run_until(async {
            let _ = rx.await;
        }));
        Self {
            base,
            app,
            clock,
            db,
            settings,
            shutdown: Some(tx),
        }
    }

    /// A browser: keeps cookies, does not follow redirects (tests look at them).
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Opens the login page and returns the CSRF token of its form.
    pub async fn login_form(&self, browser: &Client) -> String {
        let page = browser.get(self.url("/login")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        csrf_of(&page.text().await.unwrap())
    }

    pub async fn post_login(&self, browser: &Client, login: &str, password: &str) -> Response {
        let csrf = self.login_form(browser).await;
        browser
            .post(self.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Signs in and returns the browser, asserting success.
    pub async fn signed_in(&self, login: &str) -> Client {
        let browser = self.browser();
        let r = self.post_login(&browser, login, DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login {login}");
        browser
    }

    /// Opens a page as `browser` and returns its status and text.
    pub async fn page(&self, browser: &Client, path: &str) -> (StatusCode, String) {
        let r = browser.get(self.url(path)).send().await.unwrap();
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    /// A new API bearer token for `login`, issued through the use case.
    pub async fn api_token(&self, login: &str) -> String {
        self.app
            .issue_api_token(
                login,
                "test",
                None,
                mamori_domain::audit::Actor::system("test"),
                &Default::default(),
            )
            .await
            .unwrap()
    }

    /// The signed-in user behind `login`, as the use cases see them.
    pub async fn user(&self, login: &str) -> mamori_app::CurrentUser {
        let token = self.api_token(login).await;
        self.app.token_user(&token).await.unwrap().unwrap()
    }

    /// A new policy draft from the edition in force with `changes`, by the 統括 (`tokatsu`).
    pub async fn policy_draft(
        &self,
        changes: Vec<mamori_app::policy::ProfileChange>,
    ) -> mamori_domain::policy::EditionNumber {
        use mamori_domain::policy::EditionStatus;
        let editor = self.user("tokatsu").await;
        let may = editor.policy_editor().unwrap();
        let meta = mamori_app::RequestMeta::default();
        let in_force = self
            .app
            .policy_editions(&editor)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.status == EditionStatus::InForce)
            .unwrap()
            .number;
        let n = self
            .app
            .new_policy_draft(&editor, &may, in_force, &meta)
            .await
            .unwrap()
            .number;
        for change in changes {
            self.app
                .change_policy_profile(&editor, &may, n, change, &meta)
                .await
                .unwrap();
        }
        n
    }

    /// 審議, 決裁 by the CISO and 施行 today of the draft `n`.
    pub async fn bring_into_force(&self, n: mamori_domain::policy::EditionNumber) {
        let editor = self.user("tokatsu").await;
        let may = editor.policy_editor().unwrap();
        let meta = mamori_app::RequestMeta::default();
        self.app
            .submit_policy_edition(&editor, &may, n, &meta)
            .await
            .unwrap();
        let ciso = self.user("ciso").await;
        self.app
            .decide_policy_edition(&ciso, n, None, &meta)
            .await
            .unwrap();
        let e = self
            .app
            .enforce_policy_edition(&editor, &may, n, self.app.today(), &meta)
            .await
            .unwrap();
        assert_eq!(e.status, mamori_domain::policy::EditionStatus::InForce);
    }

    pub async fn audit_count(&self) -> i64 {
        let mut conn = self.app.store().conn().await.unwrap();
        mamori_store::audit::count(&mut conn).await.unwrap()
    }

    /// Runs the real `mamori` binary against this test's database.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        use std::io::Write;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"));
        cmd.args(args)
            .arg("--database-url")
            .arg(self.db.url_string())
            .env_remove("MAMORI_CONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        } else {
            drop(child.stdin.take());
        }
        child.wait_with_output().unwrap()
    }
}

/// Runs the real binary with `args` alone (a command that names its database, or needs none).
pub fn mamori(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(args)
        .env_remove("MAMORI_CONFIG")
        .output()
        .unwrap()
}

/// The value of the first `_csrf` hidden field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = r#"name="_csrf" value=""#;
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The text of the page's error alert.
pub fn alert_of(html: &str) -> Option<String> {
    let start = html.find(r#"role="alert""#)?;
    let rest = &html[start..];
    let p = rest.find("<p>")? + 3;
    let end = rest[p..].find("</p>")?;
    Some(rest[p..p + end].to_owned())
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The setup file of a second 団体, さくら市 (code 092142), whose administrator is its 統括
/// `sakura-admin` with the password `sakura-setup-2026`.
pub fn second_body_file() -> String {
    r#"[body]
name = "さくら市"
code = "092142"
kind = "市"

[administrator]
login = "sakura-admin"
name = "桜田 三郎"
password = "sakura-setup-2026"
holder = "chief_security_officer"

[holders.chief_security_officer]
staff_number = "3001"
name = "桜田 三郎"
title = "情報政策課長"
unit = "情報政策課"
"#
    .to_owned()
}
