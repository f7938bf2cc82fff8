//! `mamori`: information-security management for Japanese local governments, in one binary.

/// The server's requests allocate and free many small values on every worker thread at once;
/// mimalloc's per-thread heaps serve that without the contention of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod assets_cmd;
mod authority_cmd;
mod backup_cmd;
mod catalog_cmd;
mod gap_cmd;
mod org_cmd;
mod setup_cmd;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use mamori::settings::{Settings, default_file};
use mamori::startup::{Application, open_store};
use mamori_app::accounts::NewAdmin;
use mamori_app::audit_trail::Verification;
use mamori_app::{App, RequestMeta, SystemClock};
use mamori_domain::audit::Actor;

#[derive(Parser, Debug)]
#[command(
    name = "mamori",
    version,
    about = "地方公共団体の情報セキュリティ管理システム"
)]
struct Cli {
    /// Settings file (default: ./mamori.toml when it exists, or $MAMORI_CONFIG)
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://… (overrides the settings; also $MAMORI_DATABASE_URL)
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web application
    Serve {
        /// Load the demo body (みほん市) and its logins, once
        #[arg(long)]
        demo: bool,
        /// Address to listen on, e.g. 0.0.0.0:8080
        #[arg(long)]
        bind: Option<String>,
    },
    /// Set up the 団体 on a database that has none (the setup screen's fields, from a TOML file)
    Setup {
        /// The setup file: [body], [administrator], [holders.ciso], [holders.chief_security_officer]
        #[arg(long)]
        file: PathBuf,
    },
    /// Write a backup of the whole database (while serve runs): one archive with a manifest
    Backup {
        #[arg(long)]
        output: PathBuf,
    },
    /// Restore a backup into an empty SQLite or PostgreSQL database (--database-url), and verify it
    Restore {
        /// The backup archive
        file: PathBuf,
    },
    /// The installation's 団体: list them, or register one more from a setup file
    Body {
        #[command(subcommand)]
        command: BodyCommand,
    },
    /// Apply database migrations and exit
    Migrate,
    /// Installation tasks: accounts and API tokens
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Exit 0 when the server at URL answers healthy
    Healthcheck {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
    },
    /// Print or check the settings
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The audit trail
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The guideline catalog: build, export, stats, show, search
    Catalog {
        #[command(subcommand)]
        command: catalog_cmd::CatalogCommand,
    },
    /// The body's information-security policy
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// The authority resolver: who may permit or approve what
    Authority {
        #[command(subcommand)]
        command: authority_cmd::AuthorityCommand,
    },
    /// The organization: import and export people and units, apply 人事異動
    Org {
        #[command(subcommand)]
        command: org_cmd::OrgCommand,
    },
    /// The 情報資産台帳: import, export, rule checks
    Assets {
        #[command(subcommand)]
        command: assets_cmd::AssetsCommand,
    },
    /// Gap analysis of an existing policy against the guideline (no database needed)
    Gap {
        #[command(subcommand)]
        command: gap_cmd::GapCommand,
    },
    /// Benchmarks that print figures
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
enum BodyCommand {
    /// Code, name and kind of every 団体
    List,
    /// Register one more 団体 (the fields of `mamori setup`; its code must be new)
    Create {
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Serve the demo body with N more assets on a scratch SQLite database and load a few API
    /// requests with C clients for S seconds each: requests/s, p50 and p99 side by side
    Http {
        #[arg(long, default_value_t = 1000)]
        assets: u64,
        #[arg(long, default_value_t = 8)]
        clients: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Only this request (to profile it alone)
        #[arg(long, value_enum)]
        only: Option<mamori::http_bench::Request>,
    },
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Compare two editions, or an edition with the guideline
    Diff {
        /// Edition number, or `guideline`
        #[arg(long)]
        from: String,
        /// Edition number, or `guideline`
        #[arg(long)]
        to: String,
        /// The body's code (may be left out when there is one body)
        #[arg(long)]
        body: Option<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Import the body's existing policy (txt, md, docx, pdf) as a new draft edition in its own
    /// structure: its numbers, headings and words, linked to the guideline by the analysis
    Import {
        /// The policy file
        file: PathBuf,
        /// The body's code (may be left out when there is one body)
        #[arg(long)]
        body: Option<String>,
    },
    /// Publish an edition as a document
    Export {
        /// Edition number, or `latest` (the edition in force)
        #[arg(long, default_value = "latest")]
        edition: String,
        /// The body's code (may be left out when there is one body)
        #[arg(long)]
        body: Option<String>,
        #[arg(long, value_enum)]
        format: DocumentFormat,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DocumentFormat {
    Html,
    Docx,
    Pdf,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create a system-administrator account; the password is read from the terminal or stdin
    Create {
        #[arg(long)]
        login: String,
        /// Display name (default: the login)
        #[arg(long)]
        name: Option<String>,
    },
    /// Print a new API bearer token for an account
    Token {
        #[arg(long)]
        login: String,
        /// What the token is for, kept with it
        #[arg(long, default_value = "CLI")]
        label: String,
        /// How long it lives: 90d, 12h or 30m (default: until revoked)
        #[arg(long, value_parser = parse_lifetime)]
        expires_in: Option<chrono::Duration>,
    },
    /// List or revoke API tokens
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Set a new password for an account (read from the terminal or stdin); its sessions end and
    /// the person must change it at the next sign-in
    ResetPassword {
        #[arg(long)]
        login: String,
    },
}

#[derive(Subcommand, Debug)]
enum TokensCommand {
    /// Every token: id, login, label, created, last used, expiry, state (never the secret)
    List,
    /// Revoke a token by its id
    Revoke { id: String },
}

/// 「90d」「12h」「30m」 as a duration.
fn parse_lifetime(raw: &str) -> Result<chrono::Duration, String> {
    let raw = raw.trim();
    let (number, unit) = raw.split_at(raw.len().saturating_sub(1));
    let n: i64 = number
        .parse()
        .ok()
        .filter(|n| (1..=3650 * 24 * 60).contains(n))
        .ok_or_else(|| {
            format!("「{raw}」: 90d、12h、30m のように数と単位（d, h, m）で指定してください")
        })?;
    match unit {
        "d" if n <= 3650 => Ok(chrono::Duration::days(n)),
        "h" if n <= 3650 * 24 => Ok(chrono::Duration::hours(n)),
        "m" => Ok(chrono::Duration::minutes(n)),
        _ => Err(format!(
            "「{raw}」: 90d、12h、30m のように数と単位（d, h, m）で、10年以内で指定してください"
        )),
    }
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print a commented settings file with the defaults
    PrintDefault,
    /// Check the settings (file, environment) and print them, password hidden
    Check,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the hash chain; exit 0 when intact, 1 naming the first broken record
    Verify {
        /// An anchor file written earlier (`audit anchor`, or by the server): the chain must
        /// extend it, so a trail cut short and rewound is caught
        #[arg(long)]
        anchor: Option<std::path::PathBuf>,
    },
    /// Write the chain's head (sequence number, hash, time) to an anchor file, kept outside the
    /// database (next to the backups); `serve` also writes `audit_anchor_file` daily
    Anchor {
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Measure the audit-trail queries on a scratch database filled with N records
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        /// An empty database to fill (default: a new SQLite file in the temp folder, removed after)
        #[arg(long)]
        into: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("エラー: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Config {
            command: ConfigCommand::PrintDefault,
        } => {
            print!("{}", default_file());
            return Ok(ExitCode::SUCCESS);
        }
        // The catalog is embedded data: no settings, database or runtime needed.
        Command::Catalog { command } => return catalog_cmd::run(command),
        Command::Gap { command } => return gap_cmd::run(command),
        _ => {}
    }
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(url) = cli.database_url {
        settings.database_url = url;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve { demo, bind } => {
                if let Some(bind) = bind {
                    settings.bind = bind;
                }
                serve(settings, demo).await
            }
            Command::Setup { file } => setup_cmd::run(settings, &file).await,
            Command::Body {
                command: BodyCommand::List,
            } => setup_cmd::list_bodies(settings).await,
            Command::Body {
                command: BodyCommand::Create { file },
            } => setup_cmd::create_body(settings, &file).await,
            Command::Backup { output } => backup_cmd::backup(settings, &output).await,
            Command::Restore { file } => backup_cmd::restore(settings, &file).await,
            Command::Migrate => {
                let store = open_store(&settings).await?;
                println!("データベース {} は最新です。", store.url());
                Ok(ExitCode::SUCCESS)
            }
            Command::Admin { command } => admin(settings, command).await,
            Command::Healthcheck { url } => healthcheck(&url).await,
            Command::Config {
                command: ConfigCommand::Check,
            } => {
                print!("{}", settings.to_redacted_toml());
                let problems = settings.problems();
                if problems.is_empty() {
                    eprintln!("設定に問題はありません。");
                    Ok(ExitCode::SUCCESS)
                } else {
                    for p in problems {
                        eprintln!("誤り: {p}");
                    }
                    Ok(ExitCode::from(1))
                }
            }
            Command::Config {
                command: ConfigCommand::PrintDefault,
            } => Ok(ExitCode::SUCCESS),
            Command::Audit {
                command: AuditCommand::Verify { anchor },
            } => verify(settings, anchor.as_deref()).await,
            Command::Audit {
                command: AuditCommand::Anchor { output },
            } => {
                let app = app_for_cli(&settings).await?;
                let anchor = write_anchor(&app, &output).await?;
                println!(
                    "控え（アンカー）を書きました: {}（通し番号 {}、ハッシュ {}）",
                    output.display(),
                    anchor.seq,
                    anchor.hash
                );
                Ok(ExitCode::SUCCESS)
            }
            Command::Audit {
                command: AuditCommand::Bench { records, into },
            } => bench(records, into).await,
            Command::Policy {
                command:
                    PolicyCommand::Diff {
                        from,
                        to,
                        body,
                        format,
                    },
            } => policy_diff(settings, &from, &to, body.as_deref(), format).await,
            Command::Policy {
                command:
                    PolicyCommand::Export {
                        edition,
                        body,
                        format,
                        output,
                    },
            } => policy_export(settings, &edition, body.as_deref(), format, &output).await,
            Command::Policy {
                command: PolicyCommand::Import { file, body },
            } => policy_import(settings, &file, body.as_deref()).await,
            Command::Authority { command } => {
                let app = app_for_cli(&settings).await?;
                authority_cmd::run(&app, command).await
            }
            Command::Org { command } => {
                let app = app_for_cli(&settings).await?;
                org_cmd::run(&app, command, console_actor()).await
            }
            Command::Assets { command } => {
                let app = app_for_cli(&settings).await?;
                assets_cmd::run(&app, command, console_actor()).await
            }
            Command::Bench {
                command:
                    BenchCommand::Http {
                        assets,
                        clients,
                        seconds,
                        only,
                    },
            } => http_bench(assets, clients, seconds, only).await,
            Command::Catalog { .. } | Command::Gap { .. } => Ok(ExitCode::SUCCESS),
        }
    })
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<ExitCode> {
    init_logging(&settings.log);
    let application = Application::build(&settings, Arc::new(SystemClock)).await?;
    if demo {
        let summary = application.app().load_demo().await?;
        if summary.loaded_now {
            println!("デモ団体「{}」を登録しました。", summary.body_name);
        } else {
            println!("デモ団体「{}」は登録済みです。", summary.body_name);
        }
        println!(
            "デモ用ログイン: {}（パスワードはすべて {}）",
            summary.logins.join(", "),
            summary.password
        );
    }
    let port = application.port();
    let host = settings
        .bind
        .rsplit_once(':')
        .map_or("127.0.0.1", |(h, _)| h);
    let host = if host == "0.0.0.0" || host == "[::]" {
        "127.0.0.1"
    } else {
        host
    };
    // 人事異動 confirmed ahead take effect on their date, and approvals past their validity
    // become 期限切れ: check at start and every hour.
    let app = application.app().clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match app.apply_due_transfers().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(applied = n, "人事異動を適用しました"),
                Err(e) => tracing::error!(error = %e, "人事異動を適用できません"),
            }
            match app.approvals().expire_due_applications().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "有効期限を過ぎた承認を期限切れにしました"),
                Err(e) => tracing::error!(error = %e, "承認の期限切れを記録できません"),
            }
            match app.expire_pending_imports().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(expired = n, "取り込まれなかったアップロードを削除しました")
                }
                Err(e) => tracing::error!(error = %e, "古いアップロードを削除できません"),
            }
            match app.approvals().remind_exception_reviews().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminded = n, "見直しの時期の例外措置を知らせました"),
                Err(e) => tracing::error!(error = %e, "例外措置の見直しを知らせられません"),
            }
        }
    });
    // The reporting chain of an incident: a step that has not acknowledged within its hours is
    // passed on to the next. Checked every five minutes (the index makes an idle check one read).
    let app = application.app().clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            match app.incidents().escalate_due().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(told = n, "確認のないインシデントの報告を次の段に伝えました")
                }
                Err(e) => tracing::error!(error = %e, "インシデントの報告を次の段に伝えられません"),
            }
        }
    });
    // The chain's head outside the database: at start and every day.
    if !settings.audit_anchor_file.trim().is_empty() {
        let app = application.app().clone();
        let path = std::path::PathBuf::from(settings.audit_anchor_file.trim());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
            loop {
                tick.tick().await;
                match write_anchor(&app, &path).await {
                    Ok(a) => {
                        tracing::info!(seq = a.seq, file = %path.display(), "監査証跡の控えを書きました")
                    }
                    Err(e) => tracing::error!(error = %e, "監査証跡の控えを書けません"),
                }
            }
        });
    }
    // Backups into `backup_dir`: at start and every day.
    if application.app().settings().backup.is_some() {
        backup_cmd::spawn_scheduled(application.app().clone());
    }
    // お知らせ by e-mail: the outbox is sent every 30 seconds; a failure waits for the next run.
    if let Some(mail) = &application.app().settings().mail {
        tracing::info!(host = %mail.host, port = mail.port, tls = mail.tls.key(), "メールの送信を有効にしました");
        let app = application.app().clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                tick.tick().await;
                match app.send_pending_mail().await {
                    Ok(run) if run.sent == 0 && run.failed == 0 => {}
                    Ok(run) => {
                        tracing::info!(sent = run.sent, failed = run.failed, "メールを送信しました")
                    }
                    Err(e) => tracing::error!(error = %e, "メールの送信を開始できません"),
                }
            }
        });
    }
    println!("mamori を起動しました: http://{host}:{port}/  （停止は Ctrl+C）");
    if let Some(token) = application.app().open_setup().await? {
        println!(
            "団体がまだ登録されていません。次のURLを開いて設定してください（このURLは一度だけ、このサーバーが動いている間だけ使えます）:\n  http://{host}:{port}/setup?token={token}"
        );
    }
    application.run_until(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

pub(crate) async fn app_for_cli(settings: &Settings) -> anyhow::Result<App> {
    let store = open_store(settings).await?;
    Ok(App::new(
        store,
        Arc::new(SystemClock),
        settings.app_settings(),
    ))
}

/// Reads the new password without echo from a terminal (twice), or one line from piped stdin.
pub(crate) fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("パスワード: ").context("パスワードを読めません")?;
        let again =
            rpassword::prompt_password("パスワード（確認）: ").context("パスワードを読めません")?;
        if first != again {
            bail!("パスワードが一致しません");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("標準入力からパスワードを読めません")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub(crate) fn console_actor() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    Actor {
        id: "system".to_owned(),
        label: format!("system:cli:{user}"),
    }
}

async fn admin(settings: Settings, command: AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::Create { login, name } => {
            let password = read_password()?;
            let new = NewAdmin::parse(
                &login,
                name.as_deref(),
                &password,
                settings.password_min_length,
            )?;
            let app = app_for_cli(&settings).await?;
            let account = app.create_admin(new, console_actor()).await?;
            eprintln!("システム管理者「{}」を作成しました。", account.login);
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::Token {
            login,
            label,
            expires_in,
        } => {
            let app = app_for_cli(&settings).await?;
            let token = app
                .issue_api_token(
                    &login,
                    &label,
                    expires_in,
                    console_actor(),
                    &RequestMeta::default(),
                )
                .await?;
            println!("{token}");
            let _ = std::io::stdout().flush();
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::Tokens {
            command: TokensCommand::List,
        } => {
            let app = app_for_cli(&settings).await?;
            let now = app.now();
            println!("ID\tログインID\tラベル\t作成\t最終利用\t有効期限\t状態");
            for t in app.all_api_tokens().await? {
                let state = if t.revoked {
                    "失効"
                } else if t.expires_at.is_some_and(|e| e <= now) {
                    "期限切れ"
                } else {
                    "有効"
                };
                let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
                    t.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339())
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{state}",
                    t.id,
                    t.login,
                    t.label,
                    t.created_at.to_rfc3339(),
                    at(t.last_used_at),
                    at(t.expires_at),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::Tokens {
            command: TokensCommand::Revoke { id },
        } => {
            let app = app_for_cli(&settings).await?;
            app.revoke_api_token(None, &id, console_actor(), &RequestMeta::default())
                .await?;
            eprintln!("API トークン {id} を失効させました。");
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::ResetPassword { login } => {
            let password = read_password()?;
            let app = app_for_cli(&settings).await?;
            let account = app
                .reset_password(&login, &password, console_actor())
                .await?;
            eprintln!(
                "「{}」のパスワードを設定しました。次のログインで本人が変更します。",
                account.login
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn healthcheck(url: &str) -> anyhow::Result<ExitCode> {
    let url = format!("{}/api/v1/health", url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()?;
    match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => {
            println!("正常: {url}");
            Ok(ExitCode::SUCCESS)
        }
        Ok(r) => {
            eprintln!("異常: {url} が {} を返しました", r.status());
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("異常: {url} に接続できません（{e}）");
            Ok(ExitCode::from(1))
        }
    }
}

async fn bench(records: u64, into: Option<String>) -> anyhow::Result<ExitCode> {
    // Without a database to write into, a scratch file, removed when the bench ends (with one,
    // the scratch path is never created and there is nothing to remove).
    let scratch = mamori::scratch::ScratchSqlite::new("mamori-bench");
    let url = match &into {
        Some(url) => mamori_store::DatabaseUrl::parse(url)?,
        None => mamori_store::DatabaseUrl::Sqlite(scratch.path().to_path_buf()),
    };
    eprintln!("ベンチマーク: {url} に {records} 件を書き込みます");
    let result = mamori::bench::run(&url, records, |n| {
        if n % 100_000 == 0 || n == records {
            eprintln!("  {n} / {records} 件");
        }
    })
    .await;
    drop(scratch);
    let figures = result?;
    println!("{:<48} {:>12} {:>8}", "measurement", "time", "rows");
    for f in figures {
        println!(
            "{:<48} {:>9.3} ms {:>8}",
            f.what,
            f.time.as_secs_f64() * 1000.0,
            f.rows
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn http_bench(
    assets: u64,
    clients: usize,
    seconds: u64,
    only: Option<mamori::http_bench::Request>,
) -> anyhow::Result<ExitCode> {
    let figures = mamori::http_bench::run(assets, clients.max(1), seconds.max(1), only).await?;
    println!(
        "{:<32} {:>10} {:>9} {:>9} {:>8} {:>7}",
        "request", "req/s", "p50 ms", "p99 ms", "n", "errors"
    );
    for f in &figures {
        println!(
            "{:<32} {:>10.0} {:>9.2} {:>9.2} {:>8} {:>7}",
            f.what,
            f.per_second,
            f.p50.as_secs_f64() * 1000.0,
            f.p99.as_secs_f64() * 1000.0,
            f.requests,
            f.errors
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The bytes of an input file, refused before anything is read when it is larger than `max`
/// (a file the user names is outside input like an upload; it may also be a device or a pipe
/// that never ends, hence the bounded read).
/// `mamori policy import FILE`: the body's own document as a new draft edition.
async fn policy_import(
    settings: Settings,
    file: &std::path::Path,
    body: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let app = app_for_cli(&settings).await?;
    let body = body_for(&app, body).await?;
    let bytes = read_input(file, mamori_app::gap::MAX_GAP_BYTES)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match app
        .import_own_policy_as_operator(&body, console_actor(), &name, bytes)
        .await
    {
        Ok(done) => {
            println!(
                "{}の{}（下書き）「{}」として取り込みました: 規定 {} 件（うちガイドラインと対応付けたもの {} 件、対応するガイドラインの条項 {} 件）。",
                body.name,
                done.edition.number,
                done.edition.title,
                done.provisions,
                done.linked,
                done.clauses
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(mamori_app::AppError::Invalid(e)) => {
            eprintln!("誤り: {}: {}", e.field, e.message);
            Ok(ExitCode::from(1))
        }
        Err(mamori_app::AppError::Conflict(m)) => {
            eprintln!("取り込めません: {m}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(backup_cmd::operator_message(e)),
    }
}

pub(crate) fn read_input(path: &std::path::Path, max: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let shown = path.display();
    let too_large = || anyhow::anyhow!("{shown} は大きすぎます（上限 {} MB）", max / 1024 / 1024);
    let file = std::fs::File::open(path).with_context(|| format!("{shown} を読めません"))?;
    if file.metadata().is_ok_and(|m| m.len() > max as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{shown} を読めません"))?;
    if bytes.len() > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The body a command works on: the one named, or the only one.
pub(crate) async fn body_for(
    app: &App,
    code: Option<&str>,
) -> anyhow::Result<mamori_domain::org::Body> {
    let bodies = app.bodies().await?;
    match code {
        Some(code) => bodies
            .into_iter()
            .find(|b| b.code == code)
            .ok_or_else(|| anyhow::anyhow!("団体コード「{code}」の団体はありません")),
        None => match bodies.len() {
            1 => bodies
                .into_iter()
                .next()
                .ok_or_else(|| anyhow::anyhow!("団体がありません")),
            0 => bail!(
                "団体がありません（mamori setup か serve の設定画面で登録します。serve --demo でデモ団体を登録できます）"
            ),
            _ => bail!(
                "団体が複数あります。--body で団体コードを指定してください: {}",
                bodies
                    .iter()
                    .map(|b| b.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

async fn policy_export(
    settings: Settings,
    edition: &str,
    body: Option<&str>,
    format: DocumentFormat,
    output: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let number = match edition.trim() {
        "latest" => None,
        n => Some(
            mamori_domain::policy::EditionNumber::parse(n)
                .map_err(|e| anyhow::anyhow!("--edition: {}", e.message))?,
        ),
    };
    let app = app_for_cli(&settings).await?;
    let body = body_for(&app, body).await?;
    let (edition, history) = app.policy_for_publication(body.id, number, true).await?;
    let catalog = mamori_app::policy::guideline()?;
    let doc = mamori_io::policy_document::build(&edition, &history, catalog)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = match format {
        DocumentFormat::Html => mamori_web::render_policy_document(&doc, true)
            .map_err(|e| anyhow::anyhow!("HTML を作成できません: {e}"))?
            .into_bytes(),
        DocumentFormat::Docx => mamori_io::docx::policy_docx(&doc)?,
        DocumentFormat::Pdf => mamori_pdf::policy_pdf(&doc)?,
    };
    std::fs::write(output, bytes)
        .with_context(|| format!("{} に書き込めません", output.display()))?;
    eprintln!(
        "{} {} を {} に出力しました。",
        body.name,
        doc.edition_caption(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn policy_diff(
    settings: Settings,
    from: &str,
    to: &str,
    body: Option<&str>,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    use mamori_app::policy::DiffSide;
    use mamori_domain::diff::ClauseChangeKind;
    let from = DiffSide::parse(from).map_err(|e| anyhow::anyhow!("--from: {}", e.message))?;
    let to = DiffSide::parse(to).map_err(|e| anyhow::anyhow!("--to: {}", e.message))?;
    let app = app_for_cli(&settings).await?;
    let body = body_for(&app, body).await?;
    let diff = app.policy_diff(body.id, from, to, true).await?;
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&diff)?);
        return Ok(ExitCode::SUCCESS);
    }
    let s = &diff.summary;
    println!(
        "{}: {} → {}  追加 {} ・ 削除 {} ・ 文言の変更 {} ・ 移動 {} ・ 変更なし {}",
        body.name,
        from.label(),
        to.label(),
        s.added,
        s.removed,
        s.changed,
        s.moved,
        s.unchanged
    );
    for c in &diff.changes {
        let label = c
            .new_label
            .as_ref()
            .or(c.old_label.as_ref())
            .unwrap_or(&c.key);
        let kind = match &c.kind {
            ClauseChangeKind::Unchanged { .. } if !c.moved && !c.retitled => continue,
            ClauseChangeKind::Unchanged { .. } => "",
            ClauseChangeKind::Added { .. } => "追加",
            ClauseChangeKind::Removed { .. } => "削除",
            ClauseChangeKind::Changed { .. } => "変更",
        };
        let moved = if c.moved { " 移動" } else { "" };
        println!("  [{kind}{moved}] {label}");
        if let ClauseChangeKind::Changed { segments } = &c.kind {
            use mamori_domain::diff::SegmentKind;
            let line: String = segments
                .iter()
                .map(|seg| match seg.kind {
                    SegmentKind::Equal => seg.text.clone(),
                    SegmentKind::Deleted => format!("[-{}-]", seg.text),
                    SegmentKind::Inserted => format!("{{+{}+}}", seg.text),
                })
                .collect();
            println!("      {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the chain's head to `path` (through a temporary file, so a reader never sees half).
pub(crate) async fn write_anchor(
    app: &App,
    path: &std::path::Path,
) -> anyhow::Result<mamori_domain::audit::AuditAnchor> {
    let anchor = app.audit_anchor().await?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{} を作れません", dir.display()))?;
    }
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, anchor.to_text())
        .with_context(|| format!("{} に書き込めません", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("{} に書き込めません", path.display()))?;
    Ok(anchor)
}

async fn verify(settings: Settings, anchor: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let anchor = match anchor {
        Some(path) => {
            let bytes = read_input(path, mamori_domain::audit::AuditAnchor::MAX_BYTES)?;
            let text = String::from_utf8_lossy(&bytes);
            Some(
                mamori_domain::audit::AuditAnchor::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let app = app_for_cli(&settings).await?;
    match app.verify_audit_trail_against(anchor.as_ref()).await? {
        Verification::Intact { records, head_hash } => {
            println!("監査証跡は完全です: {records} 件、最終ハッシュ {head_hash}");
            if let Some(a) = &anchor {
                println!("控え（アンカー）の通し番号 {} から続いています", a.seq);
            }
            Ok(ExitCode::SUCCESS)
        }
        Verification::Broken(broken) => {
            eprintln!("監査証跡が壊れています: {broken}");
            eprintln!("最初に不整合が見つかった記録: 通し番号 {}", broken.seq());
            Ok(ExitCode::from(1))
        }
    }
}
