//! `mamori audit bench`: fills a scratch database with audit records through the real append path
//! and prints how long the audit-trail queries take, so the "fast at millions of rows" goal is a
//! measured figure, not a belief.

use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::{TimeZone, Utc};
use mamori_app::audit_trail::Verification;
use mamori_app::{App, AppSettings, SystemClock};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_store::audit::{self, AuditFilter};
use mamori_store::{DatabaseUrl, Store};

const BATCH: u64 = 5_000;
const ACTORS: u64 = 200;

/// One measured figure.
#[derive(Debug)]
pub struct Figure {
    pub what: String,
    pub time: Duration,
    pub rows: usize,
}

/// Fills `url` (which must hold no audit records) with `records` records and measures the
/// queries. Returns the figures in the order measured.
pub async fn run(
    url: &DatabaseUrl,
    records: u64,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Vec<Figure>> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    {
        let mut conn = store.conn().await?;
        if audit::head(&mut conn).await?.0 != 0 {
            bail!("ベンチマークは監査証跡が空のデータベースでのみ実行できます（{url}）");
        }
    }
    let mut figures = Vec::new();
    // The records are dated from a fixed day, so every run writes the same chain.
    let start = Utc
        .with_ymd_and_hms(2020, 4, 1, 0, 0, 0)
        .single()
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    let t = Instant::now();
    let mut written = 0;
    while written < records {
        let mut tx = store.begin_write().await?;
        let n = BATCH.min(records - written);
        for i in written..written + n {
            let actor = format!("user{:03}", i % ACTORS);
            let entry = AuditEntry::new(
                Actor {
                    id: actor.clone(),
                    label: actor,
                },
                if i % 10 == 0 {
                    "auth.login"
                } else {
                    "thing.update"
                },
                "thing",
                i % 10_000,
            )
            .after(&serde_json::json!({"name": format!("記録{i}"), "value": i}));
            // One record a minute: a few million records span several years.
            let at = start + chrono::Duration::minutes(i as i64);
            audit::append(&mut tx, at, entry).await?;
        }
        tx.commit().await?;
        written += n;
        progress(written);
    }
    figures.push(Figure {
        what: format!("append {records} records ({BATCH} per transaction)"),
        time: t.elapsed(),
        rows: records as usize,
    });

    let mut conn = store.conn().await?;
    let mut measure = async |what: &str, filter: AuditFilter| -> anyhow::Result<()> {
        let t = Instant::now();
        let rows = audit::list(&mut conn, &filter, 50).await?;
        figures.push(Figure {
            what: what.to_owned(),
            time: t.elapsed(),
            rows: rows.len(),
        });
        Ok(())
    };
    let total = records as i64;
    measure("first page (newest 50)", AuditFilter::default()).await?;
    measure(
        "page in the middle (keyset)",
        AuditFilter {
            before_seq: Some(total / 2),
            ..Default::default()
        },
    )
    .await?;
    measure(
        "last page (keyset)",
        AuditFilter {
            before_seq: Some(51),
            ..Default::default()
        },
    )
    .await?;
    measure(
        "one actor, first page",
        AuditFilter {
            actor: Some("user007".into()),
            ..Default::default()
        },
    )
    .await?;
    measure(
        "one actor, deep page",
        AuditFilter {
            actor: Some("user007".into()),
            before_seq: Some(total / 10),
            ..Default::default()
        },
    )
    .await?;
    measure(
        "one target",
        AuditFilter {
            target_type: Some("thing".into()),
            target_id: Some("4242".into()),
            ..Default::default()
        },
    )
    .await?;
    measure(
        "one month, first page",
        AuditFilter {
            from: Some(start + chrono::Duration::days(365)),
            until: Some(start + chrono::Duration::days(395)),
            ..Default::default()
        },
    )
    .await?;

    let app = App::new(
        store,
        std::sync::Arc::new(SystemClock),
        AppSettings::default(),
    );
    let t = Instant::now();
    let verification = app.verify_audit_trail().await?;
    let checked = match verification {
        Verification::Intact { records, .. } => records as usize,
        Verification::Broken(b) => bail!("検証に失敗しました: {b}"),
    };
    figures.push(Figure {
        what: "verify the whole chain".to_owned(),
        time: t.elapsed(),
        rows: checked,
    });
    Ok(figures)
}
