//! `mamori assets generate|bench`: a large register for the demo body, and the latency of the
//! register's pages, filters and the asset page measured through the same `App` use cases the
//! screens call (`App::asset_rules`, `App::asset_page`, `App::asset`), so "under 50 ms a page at
//! 1,000,000 assets" is a printed figure.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Subcommand;
use mamori_app::access::AuthMethod;
use mamori_app::assets::AssetQuery;
use mamori_app::{App, CurrentUser};
use mamori_domain::account::Login;
use mamori_domain::asset::{AssetKind, AssetStatus, NetworkSegment};
use mamori_domain::audit::Actor;
use mamori_domain::ids::AssetId;
use mamori_store::{accounts, assets as store, org};

/// The register's page size on screen.
const PAGE: i64 = 50;
/// The demo account the bench reads as (統括情報セキュリティ責任者: every unit's register).
const BENCH_LOGIN: &str = "ciso";

#[derive(Subcommand, Debug)]
pub enum AssetsCommand {
    /// Add N generated assets to the demo body (みほん市; loaded first when absent), for benchmarks
    Generate {
        #[arg(long)]
        count: u64,
    },
    /// Measure the register's pages, filters and the asset page on the demo body (p50/p99/max)
    Bench {
        /// Measurements per query
        #[arg(long, default_value_t = 100)]
        pages: usize,
    },
}

pub async fn run(app: &App, command: AssetsCommand, actor: Actor) -> anyhow::Result<ExitCode> {
    match command {
        AssetsCommand::Generate { count } => generate(app, count, actor).await,
        AssetsCommand::Bench { pages } => {
            let figures = bench(app, pages.max(1)).await?;
            println!(
                "{:<44} {:>9} {:>9} {:>9} {:>6} {:>6}",
                "query", "p50 ms", "p99 ms", "max ms", "rows", "n"
            );
            for f in &figures {
                println!(
                    "{:<44} {:>9.2} {:>9.2} {:>9.2} {:>6} {:>6}",
                    f.what,
                    ms(f.p50),
                    ms(f.p99),
                    ms(f.max),
                    f.rows,
                    f.samples
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn generate(app: &App, count: u64, actor: Actor) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let mut last = Instant::now();
    let summary = app
        .generate_demo_assets(count, actor, |n| {
            if last.elapsed() >= Duration::from_secs(5) || n == count {
                last = Instant::now();
                let secs = start.elapsed().as_secs_f64();
                eprintln!(
                    "  {n} / {count} 件（{:.0} 件/秒）",
                    n as f64 / secs.max(0.001)
                );
            }
        })
        .await?;
    let secs = start.elapsed().as_secs_f64();
    if summary.demo_loaded {
        println!("デモ団体「{}」を登録しました。", summary.body_name);
    }
    println!(
        "{} に情報資産を {} 件追加しました（{}〜{}、{:.1} 秒、{:.0} 件/秒）。台帳は全 {} 件です。",
        summary.body_name,
        summary.generated,
        summary.first_no.as_deref().unwrap_or("-"),
        summary.last_no.as_deref().unwrap_or("-"),
        secs,
        summary.generated as f64 / secs.max(0.001),
        summary.total
    );
    Ok(ExitCode::SUCCESS)
}

/// One measured query.
#[derive(Debug, Clone)]
pub struct Figure {
    pub what: String,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Rows on the (first measured) page.
    pub rows: usize,
    /// How many times it was measured.
    pub samples: usize,
}

fn figure(what: &str, mut times: Vec<Duration>, rows: usize) -> Figure {
    times.sort();
    let at = |q: f64| {
        let n = times.len();
        let i = ((q * n as f64).ceil() as usize).clamp(1, n.max(1)) - 1;
        times.get(i).copied().unwrap_or_default()
    };
    Figure {
        samples: times.len(),
        what: what.to_owned(),
        p50: at(0.50),
        p99: at(0.99),
        max: times.last().copied().unwrap_or_default(),
        rows,
    }
}

/// The demo account the bench reads as, as the screens see it (only its body matters to the
/// register's reads).
pub(crate) async fn bench_user(app: &App, login: &str) -> anyhow::Result<CurrentUser> {
    let mut conn = app.store().conn().await?;
    let login = Login::parse(login).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let account = accounts::find_by_login(&mut conn, &login)
        .await?
        .context("デモ団体がありません（mamori assets generate で作成できます）")?;
    let body = match account.body_id {
        Some(id) => Some(org::get_body(&mut conn, id).await?),
        None => None,
    };
    Ok(CurrentUser {
        account,
        body,
        person: None,
        roles: Vec::new(),
        permissions: BTreeSet::new(),
        method: AuthMethod::ApiToken,
        csrf_token: None,
        unread_notifications: 0,
        must_change_password: false,
        installation_admin: false,
    })
}

/// Measures each query `samples` times; deep pages start after ids spread over the register.
pub async fn bench(app: &App, samples: usize) -> anyhow::Result<Vec<Figure>> {
    let user = bench_user(app, BENCH_LOGIN).await?;
    let user = &user;
    let body = user.body()?.id;
    let (total, cursors) = {
        let mut conn = app.store().conn().await?;
        let total = store::count_assets(&mut conn, body).await?;
        let every = (total / 1000).max(1);
        (
            total,
            store::sample_asset_ids(&mut conn, body, every).await?,
        )
    };
    if cursors.is_empty() {
        bail!("台帳が空です（mamori assets generate --count N で作成できます）");
    }
    eprintln!("台帳 {total} 件で測定します（各 {samples} 回）");
    let rules = app.asset_rules(user).await?;
    let units = app.asset_units(user).await?;
    let unit = units
        .iter()
        .find(|u| u.name == "市民課")
        .or_else(|| units.first())
        .map(|u| u.id);
    let filters = rules.class_filters();
    // class_filters lists each axis highest first: the axis's lowest filter is its last entry.
    let first_axis = filters.first().map(|(a, ..)| a.clone());
    let axis_filters: Vec<&(String, String, String)> = filters
        .iter()
        .filter(|(a, ..)| Some(a) == first_axis.as_ref())
        .collect();
    let class_low = axis_filters
        .last()
        .map(|(a, l, n)| (a.clone(), l.clone(), n.clone()));
    let class_high = axis_filters
        .first()
        .map(|(a, l, n)| (a.clone(), l.clone(), n.clone()));

    let pick = |i: usize| cursors[(i * 7919 + 13) % cursors.len()];
    let mut figures = Vec::new();

    let t = time_each(samples, move |_| async move {
        app.asset_rules(user).await?;
        Ok(0)
    })
    .await?;
    figures.push(figure("分類基準・役割（画面ごと）", t.0, t.1));

    let mut queries: Vec<(String, AssetQuery)> = vec![("全件".to_owned(), AssetQuery::default())];
    if let Some(unit) = unit {
        queries.push((
            "所管課（市民課）".to_owned(),
            AssetQuery {
                unit: Some(unit),
                ..Default::default()
            },
        ));
    }
    queries.push((
        "種別（電磁的記録媒体）".to_owned(),
        AssetQuery {
            kind: Some(AssetKind::Medium),
            ..Default::default()
        },
    ));
    queries.push((
        "領域（マイナンバー利用事務系）".to_owned(),
        AssetQuery {
            segment: Some(NetworkSegment::MyNumber),
            ..Default::default()
        },
    ));
    queries.push((
        "状態（廃棄済）".to_owned(),
        AssetQuery {
            status: Some(AssetStatus::Disposed),
            ..Default::default()
        },
    ));
    for (axis, level, name) in [&class_low, &class_high].into_iter().flatten() {
        queries.push((
            format!("分類（{name}）"),
            AssetQuery {
                at_least: Some((axis.clone(), level.clone())),
                ..Default::default()
            },
        ));
    }
    if let Some(unit) = unit {
        queries.push((
            "所管課＋種別（市民課・情報システム）".to_owned(),
            AssetQuery {
                unit: Some(unit),
                kind: Some(AssetKind::InformationSystem),
                ..Default::default()
            },
        ));
        if let Some((axis, level, name)) = &class_high {
            queries.push((
                format!("所管課＋種別＋分類（{name}）"),
                AssetQuery {
                    unit: Some(unit),
                    kind: Some(AssetKind::Information),
                    at_least: Some((axis.clone(), level.clone())),
                    ..Default::default()
                },
            ));
        }
    }
    for (label, text) in [
        ("よくある語", "住民票"),
        ("まれな語", "地籍調査成果簿（令和3年度・抽出"),
        ("管理番号", "IA-500000"),
        ("ない語", "該当しない語"),
    ] {
        queries.push((
            format!("名称・番号（{label}「{text}」）"),
            AssetQuery {
                text: Some(text.to_owned()),
                ..Default::default()
            },
        ));
    }

    for (what, query) in &queries {
        let first = time_each(samples, move |_| async move {
            Ok(app.asset_page(user, query, None, PAGE).await?.rows.len())
        })
        .await?;
        figures.push(figure(&format!("{what} 先頭"), first.0, first.1));
        let deep = time_each(samples, move |i| {
            let after = pick(i);
            async move {
                Ok(app
                    .asset_page(user, query, Some(after), PAGE)
                    .await?
                    .rows
                    .len())
            }
        })
        .await?;
        figures.push(figure(&format!("{what} 途中（keyset）"), deep.0, deep.1));
    }

    let detail = time_each(samples, move |i| {
        let id: AssetId = pick(i + 1);
        async move {
            app.asset(user, id, &mamori_app::RequestMeta::default())
                .await?;
            Ok(1)
        }
    })
    .await?;
    figures.push(figure("情報資産の詳細", detail.0, detail.1));
    Ok(figures)
}

/// Time spent on one query after which it is measured no more (a scanning query at a million rows
/// would otherwise keep the bench busy for many minutes).
const QUERY_BUDGET: Duration = Duration::from_secs(10);

/// Runs `f` once unmeasured, then `samples` times (fewer once [`QUERY_BUDGET`] is spent); returns the times and the
/// rows of the first run.
async fn time_each<F, Fut>(samples: usize, mut f: F) -> anyhow::Result<(Vec<Duration>, usize)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let mut times = Vec::with_capacity(samples);
    let mut rows = 0;
    // One run first, not counted: statement preparation and the first read of its pages.
    f(samples).await?;
    for i in 0..samples {
        let t = Instant::now();
        let n = f(i).await?;
        times.push(t.elapsed());
        if i == 0 {
            rows = n;
        }
        if times.iter().sum::<Duration>() > QUERY_BUDGET {
            break;
        }
    }
    Ok((times, rows))
}
