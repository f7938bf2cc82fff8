//! The one startup path: `main` and the HTTP tests both build the application here, the tests on
//! port 0 with a clock they control.

use std::sync::Arc;

use anyhow::Context;
use mamori_app::{App, Clock};
use mamori_store::Store;
use mamori_web::WebConfig;
use tokio::net::TcpListener;

use crate::Settings;

pub struct Application {
    listener: TcpListener,
    app: App,
    config: WebConfig,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

/// Connects to the database and applies the migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.database()?;
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("データベース {url} に接続できません"))?;
    store
        .migrate()
        .await
        .with_context(|| format!("データベース {url} の移行（マイグレーション）に失敗しました"))?;
    Ok(store)
}

impl Application {
    /// Opens the store, migrates, and binds the listener (port 0 picks a free port).
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let problems = settings.problems();
        if !problems.is_empty() {
            anyhow::bail!("設定に誤りがあります:\n  {}", problems.join("\n  "));
        }
        let store = open_store(settings).await?;
        let app = App::new(store, clock, settings.app_settings());
        // Parse and index the embedded catalog now: a broken build fails at start, not on the
        // first visitor's click, and the first page is as fast as the others.
        app.catalog()
            .context("組み込みのガイドラインカタログを読み込めません")?;
        let listener = TcpListener::bind(&settings.bind)
            .await
            .with_context(|| format!("{} で待ち受けできません", settings.bind))?;
        Ok(Self {
            listener,
            app,
            config: WebConfig {
                secure_cookies: settings.secure_cookies,
            },
        })
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = mamori_web::router(self.app, self.config);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("サーバーが停止しました")
    }
}
