//! Every route of the router × every kind of user of the demo (and anonymous), with the status
//! each must get, from one table. The routes are read from the router's source, so a route
//! added without a row here fails this test, and a row whose route is gone fails it too.
//!
//! The users: anonymous; `shokuin` (a 職員 of 市民課); `kacho` (the 課長 of 市民課, its
//! 情報セキュリティ管理者); `tokatsu` (統括情報セキュリティ責任者: policy, organization and
//! assets editor); `ciso`; `admin` (an installation administrator with no body).
//!
//! A request carries only what reaches the check (the session, its CSRF token, a real id of the
//! demo where the route names one), so a status answers "may this user reach this?": 200/303
//! after a permitted action or page, 403 refused, 404 not theirs to see (or no such id), 422 a
//! permitted form sent empty, 303 to the login page or 401 for the anonymous.
//!
//! `MAMORI_MATRIX_PRINT=1 cargo test -p mamori --test authorization_matrix -- --nocapture`
//! prints the statuses observed in the table's layout, for review when a route is added.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::{TestApp, csrf_of};
use reqwest::{Client, Method};

const USERS: [&str; 6] = ["anonymous", "shokuin", "kacho", "tokatsu", "ciso", "admin"];

/// `METHOD path-as-routed | statuses for USERS`. `$NAME` in a path stands for a real id of the
/// demo (see `ids`); `{...}` parts the table does not fill are sent as an id that does not
/// exist.
const MATRIX: &str = include_str!("authorization_matrix.txt");

/// The routes in the router's source: `.route("path", get(..).post(..))`, with the API's under
/// `/api/v1`.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (source, prefix) in [
        (include_str!("../../../mamori-web/src/lib.rs"), ""),
        (include_str!("../../../mamori-web/src/api.rs"), "/api/v1"),
    ] {
        for chunk in source.split(".route(").skip(1) {
            let path = chunk.split('"').nth(1).unwrap();
            // The handlers of this route: up to the next `.route(` (already split) or the end
            // of the router.
            let handlers = chunk.split(".fallback(").next().unwrap();
            let handlers = handlers.split(".nest(").next().unwrap();
            for (method, marker) in [
                ("GET", "get("),
                ("POST", "post("),
                ("PUT", "put("),
                ("DELETE", "delete("),
            ] {
                if handlers.contains(marker) {
                    routes.insert((method.to_owned(), format!("{prefix}{path}")));
                }
            }
        }
    }
    routes
}

struct Row {
    method: String,
    route: String,
    url: String,
    expected: Vec<u16>,
}

fn rows() -> Vec<Row> {
    MATRIX
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (left, right) = line.split_once('|').unwrap_or_else(|| panic!("{line}"));
            let mut left = left.split_whitespace();
            let method = left.next().unwrap().to_owned();
            let route = left.next().unwrap().to_owned();
            let url = left.next().unwrap_or(&route).to_owned();
            let expected: Vec<u16> = right
                .split_whitespace()
                .map(|s| s.parse().unwrap())
                .collect();
            assert_eq!(expected.len(), USERS.len(), "{line}");
            Row {
                method,
                route,
                url,
                expected,
            }
        })
        .collect()
}

/// Real ids of the demo, by the names the table uses: the first row of each table.
async fn ids(t: &TestApp) -> BTreeMap<&'static str, String> {
    let mut conn = t.app.store().conn().await.unwrap();
    let mut ids = BTreeMap::new();
    for (name, query) in [
        ("ASSET", "SELECT id FROM assets ORDER BY asset_no"),
        ("UNIT", "SELECT id FROM org_units ORDER BY code"),
        ("PERSON", "SELECT id FROM people ORDER BY staff_number"),
        ("RISK", "SELECT id FROM risks ORDER BY id"),
        ("TRANSFER", "SELECT id FROM transfers ORDER BY id"),
        ("APPLICATION", "SELECT id FROM applications ORDER BY id"),
        ("NOTIFICATION", "SELECT id FROM notifications ORDER BY id"),
        ("ASSIGNMENT", "SELECT id FROM role_assignments ORDER BY id"),
        ("INCIDENT", "SELECT id FROM incidents ORDER BY number"),
    ] {
        let id: Option<String> = sqlx::query_scalar(query)
            .fetch_optional(conn.raw())
            .await
            .unwrap();
        ids.insert(name, id.unwrap_or_else(|| panic!("the demo has no {name}")));
    }
    ids
}

fn fill(url: &str, ids: &BTreeMap<&'static str, String>) -> String {
    let mut url = url.to_owned();
    for (name, id) in ids {
        url = url.replace(&format!("${name}"), id);
    }
    // Parts the table leaves as they are routed: an id that exists nowhere.
    let mut out = String::new();
    let mut rest = url.as_str();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        out.push_str("00000000-0000-7000-8000-000000000000");
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

struct Caller {
    browser: Option<Client>,
    csrf: String,
    token: Option<String>,
}

async fn caller(t: &TestApp, user: &str) -> Caller {
    if user == "anonymous" {
        let browser = t.browser();
        let csrf = t.login_form(&browser).await;
        return Caller {
            browser: Some(browser),
            csrf,
            token: None,
        };
    }
    let browser = t.signed_in(user).await;
    let (_, home) = t.page(&browser, "/").await;
    Caller {
        browser: Some(browser),
        csrf: csrf_of(&home),
        token: Some(t.api_token(user).await),
    }
}

async fn status_of(t: &TestApp, who: &Caller, method: &str, url: &str) -> u16 {
    let method: Method = method.parse().unwrap();
    let request = if url.starts_with("/api/") {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = client.request(method.clone(), t.url(url));
        let r = match &who.token {
            Some(token) => r.bearer_auth(token),
            None => r,
        };
        if method == Method::GET {
            r
        } else {
            r.header("content-type", "application/json").body("{}")
        }
    } else {
        let browser = who.browser.as_ref().unwrap();
        let r = browser.request(method.clone(), t.url(url));
        if method == Method::GET {
            r
        } else {
            r.form(&[("_csrf", who.csrf.as_str())])
        }
    };
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_answers_every_user_as_the_table_says() {
    let rows = rows();
    // The table and the router name the same routes.
    let in_table: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.clone(), r.route.clone()))
        .collect();
    let in_router = routes_in_source();
    let missing: Vec<_> = in_router.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&in_router).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without a row in authorization_matrix.txt: {missing:?}; rows without a route: {stale:?}"
    );

    let t = TestApp::spawn().await;
    let ids = ids(&t).await;
    let mut callers = Vec::new();
    for user in USERS {
        callers.push(caller(&t, user).await);
    }
    let print = std::env::var_os("MAMORI_MATRIX_PRINT").is_some();
    let mut wrong = Vec::new();
    for row in &rows {
        // Signing out ends the session the other rows use: each user signs out last, on a
        // session of its own.
        let logout = row.route == "/logout";
        let mut seen = Vec::new();
        for (i, user) in USERS.iter().enumerate() {
            let who = if logout {
                caller(&t, user).await
            } else {
                Caller {
                    browser: callers[i].browser.clone(),
                    csrf: callers[i].csrf.clone(),
                    token: callers[i].token.clone(),
                }
            };
            let status = status_of(&t, &who, &row.method, &fill(&row.url, &ids)).await;
            if status != row.expected[i] {
                wrong.push(format!(
                    "{} {} as {user}: expected {}, got {status}",
                    row.method, row.url, row.expected[i]
                ));
            }
            seen.push(status.to_string());
        }
        if print {
            let left = if row.url == row.route {
                format!("{} {}", row.method, row.route)
            } else {
                format!("{} {} {}", row.method, row.route, row.url)
            };
            println!("{left:<78} | {}", seen.join(" "));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The 統括 (and administrator) of a second 団体 in the same database, registered as an operator
/// does it (`mamori body create`), sent over every route of the table with the demo's ids: where
/// a route names one of the demo's records the answer is 403 or 404, and no page or API answer
/// they get holds the demo's name or one of those ids.
#[tokio::test]
async fn another_bodys_user_reaches_nothing_of_the_demo_through_any_route() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sakura.toml");
    std::fs::write(&file, common::second_body_file()).unwrap();
    let out = t.cli(&["body", "create", "--file", file.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let browser = t.browser();
    let r = t
        .post_login(&browser, "sakura-admin", "sakura-setup-2026")
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, home) = t.page(&browser, "/").await;
    assert!(home.contains("さくら市"), "signed in to its own body");
    let token = t
        .app
        .issue_api_token(
            "sakura-admin",
            "test",
            None,
            mamori_domain::audit::Actor::system("test"),
            &Default::default(),
        )
        .await
        .unwrap();
    let other = Caller {
        browser: Some(browser),
        csrf: csrf_of(&home),
        token: Some(token),
    };
    let ids = ids(&t).await;
    let mut wrong = Vec::new();
    for row in rows() {
        if row.route == "/logout" {
            continue;
        }
        let url = fill(&row.url, &ids);
        let status = status_of(&t, &other, &row.method, &url).await;
        // A record named in the path is not found or refused; one named in the query may also
        // be refused as input that does not name anything of the user's body.
        let in_query = row
            .url
            .split_once('?')
            .is_some_and(|(_, q)| q.contains('$'));
        if row.url.contains('$') && !matches!(status, 403 | 404) && !(in_query && status == 422) {
            wrong.push(format!(
                "{} {url}: {status} on the demo's record",
                row.method
            ));
        }
        if row.method == "GET" && status == 200 {
            let r = other.browser.as_ref().unwrap().get(t.url(&url));
            let r = match (&other.token, url.starts_with("/api/")) {
                (Some(token), true) => r.bearer_auth(token),
                _ => r,
            };
            let bytes = r.send().await.unwrap().bytes().await.unwrap();
            let text = String::from_utf8_lossy(&bytes);
            if text.contains("みほん市") || ids.values().any(|id| text.contains(id.as_str())) {
                wrong.push(format!("GET {url}: shows the demo's data"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
