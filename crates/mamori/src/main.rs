//! `mamori`: information-security management for Japanese local governments, in one binary.

mod catalog_cmd;

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
    },
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
    Verify,
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
                command: AuditCommand::Verify,
            } => verify(settings).await,
            Command::Catalog { .. } => Ok(ExitCode::SUCCESS),
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
    println!("mamori を起動しました: http://{host}:{port}/  （停止は Ctrl+C）");
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

async fn app_for_cli(settings: &Settings) -> anyhow::Result<App> {
    let store = open_store(settings).await?;
    Ok(App::new(
        store,
        Arc::new(SystemClock),
        settings.app_settings(),
    ))
}

/// Reads the new password without echo from a terminal (twice), or one line from piped stdin.
fn read_password() -> anyhow::Result<String> {
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

fn console_actor() -> Actor {
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
        AdminCommand::Token { login, label } => {
            let app = app_for_cli(&settings).await?;
            let token = app
                .issue_api_token(&login, &label, console_actor(), &RequestMeta::default())
                .await?;
            println!("{token}");
            let _ = std::io::stdout().flush();
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

async fn verify(settings: Settings) -> anyhow::Result<ExitCode> {
    let app = app_for_cli(&settings).await?;
    match app.verify_audit_trail().await? {
        Verification::Intact { records, head_hash } => {
            println!("監査証跡は完全です: {records} 件、最終ハッシュ {head_hash}");
            Ok(ExitCode::SUCCESS)
        }
        Verification::Broken(broken) => {
            eprintln!("監査証跡が壊れています: {broken}");
            eprintln!("最初に不整合が見つかった記録: 通し番号 {}", broken.seq());
            Ok(ExitCode::from(1))
        }
    }
}
