//! `mamori bench http`: the demo body (with a register of N assets) on a scratch SQLite database,
//! served on a free local port, and each of a few requests sent by C concurrent clients for S
//! seconds. Prints requests per second and p50/p99 per request, side by side in one run, so the
//! cost of a screen's use case is a printed figure next to the cost of the bare server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mamori_app::{RequestMeta, SystemClock};
use mamori_domain::audit::Actor;

use crate::Settings;
use crate::asset_bench::bench_user;
use crate::startup::Application;

/// The demo account the requests are made as (統括情報セキュリティ責任者: every unit).
const LOGIN: &str = "tokatsu";

/// What one request of the bench measured.
#[derive(Debug)]
pub struct Figure {
    pub what: &'static str,
    pub requests: usize,
    pub errors: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// One request the bench measures; `--only` picks one of them (for a profile of that one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Request {
    Health,
    Me,
    AssetPage,
    AssetList,
    CreateAsset,
}

impl Request {
    const ALL: [Request; 5] = [
        Request::Health,
        Request::Me,
        Request::AssetPage,
        Request::AssetList,
        Request::CreateAsset,
    ];

    fn label(self) -> &'static str {
        match self {
            Request::Health => "GET /api/v1/health",
            Request::Me => "GET /api/v1/me",
            Request::AssetPage => "GET /api/v1/assets/{id}",
            Request::AssetList => "GET /api/v1/assets?limit=100",
            Request::CreateAsset => "POST /api/v1/assets",
        }
    }
}

/// Runs the bench: `assets` in the register, `clients` at once, `seconds` per request; every
/// request, or only `only`.
pub async fn run(
    assets: u64,
    clients: usize,
    seconds: u64,
    only: Option<Request>,
) -> anyhow::Result<Vec<Figure>> {
    let scratch = crate::scratch::ScratchSqlite::new("mamori-http-bench");
    run_on(scratch.path(), assets, clients, seconds, only).await
}

async fn run_on(
    scratch: &std::path::Path,
    assets: u64,
    clients: usize,
    seconds: u64,
    only: Option<Request>,
) -> anyhow::Result<Vec<Figure>> {
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: format!("sqlite://{}", scratch.display()),
        ..Settings::default()
    };
    let application = Application::build(&settings, Arc::new(SystemClock)).await?;
    let app = application.app().clone();
    eprintln!("デモの団体に {assets} 件の情報資産を加えます");
    app.generate_demo_assets(assets, Actor::system("bench"), |_| {})
        .await?;
    let token = app
        .issue_api_token(
            LOGIN,
            "bench",
            None,
            Actor::system("bench"),
            &RequestMeta::default(),
        )
        .await?;
    let user = bench_user(&app, LOGIN).await?;
    let ids: Vec<String> = {
        let mut conn = app.store().conn().await?;
        let body = user.body()?.id;
        let every = (mamori_store::assets::count_assets(&mut conn, body).await? / 500).max(1);
        mamori_store::assets::sample_asset_ids(&mut conn, body, every)
            .await?
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    if ids.is_empty() {
        bail!("情報資産がありません");
    }
    let base = format!("http://127.0.0.1:{}", application.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let shared = Arc::new(Shared {
        base,
        token,
        ids,
        client,
    });
    let mut figures = Vec::new();
    for request in Request::ALL
        .into_iter()
        .filter(|r| only.is_none_or(|o| o == *r))
    {
        eprintln!("  {} …", request.label());
        figures.push(measure(&shared, request, clients, Duration::from_secs(seconds)).await?);
    }
    let _ = stop.send(());
    server.await.context("server")??;
    Ok(figures)
}

struct Shared {
    base: String,
    token: String,
    ids: Vec<String>,
    client: reqwest::Client,
}

impl Shared {
    async fn send(&self, request: Request, n: usize) -> Result<bool, reqwest::Error> {
        let url = |path: &str| format!("{}{path}", self.base);
        let builder = match request {
            Request::Health => self.client.get(url("/api/v1/health")),
            Request::Me => self.client.get(url("/api/v1/me")),
            Request::AssetPage => self.client.get(url(&format!(
                "/api/v1/assets/{}",
                self.ids[n % self.ids.len()]
            ))),
            Request::AssetList => self.client.get(url("/api/v1/assets?limit=100")),
            Request::CreateAsset => {
                self.client
                    .post(url("/api/v1/assets"))
                    .json(&serde_json::json!({
                        "kind": "情報",
                        "name": format!("負荷試験の資料 {n}"),
                        "classification": "機密性２・完全性１・可用性１",
                        "encrypted": true,
                    }))
            }
        };
        let response = builder.bearer_auth(&self.token).send().await?;
        let ok = response.status().is_success();
        // Read the whole body: the server's work includes writing it.
        response.bytes().await?;
        Ok(ok)
    }
}

async fn measure(
    shared: &Arc<Shared>,
    request: Request,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<Figure> {
    let start = Instant::now();
    let until = start + duration;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut errors = 0usize;
            let mut n = c * 1_000_000;
            while Instant::now() < until {
                let t = Instant::now();
                match shared.send(request, n).await {
                    Ok(true) => times.push(t.elapsed()),
                    Ok(false) | Err(_) => errors += 1,
                }
                n += 1;
            }
            (times, errors)
        }));
    }
    let mut times = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (t, e) = task.await.context("client")?;
        times.extend(t);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(Figure {
        what: request.label(),
        requests: times.len(),
        errors,
        per_second: times.len() as f64 / elapsed.max(0.001),
        p50: at(0.50),
        p99: at(0.99),
    })
}
