//! `mamori setup --file FILE`: the first-run setup of the 団体 for scripted installs, from the
//! same fields as the setup screen.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use mamori::settings::Settings;
use mamori_app::RequestMeta;
use mamori_app::setup::SetupForm;

/// A setup file is a few hundred bytes; anything near this is not one.
const MAX_SETUP_FILE: u64 = 64 * 1024;

pub(crate) async fn run(settings: Settings, file: &Path) -> anyhow::Result<ExitCode> {
    register(settings, file, true).await
}

/// `mamori body create --file`: one more 団体 in an installation that has some.
pub(crate) async fn create_body(settings: Settings, file: &Path) -> anyhow::Result<ExitCode> {
    register(settings, file, false).await
}

/// `mamori body list`: the installation's 団体.
pub(crate) async fn list_bodies(settings: Settings) -> anyhow::Result<ExitCode> {
    let app = crate::app_for_cli(&settings).await?;
    let bodies = app.bodies().await?;
    if bodies.is_empty() {
        println!("団体はまだありません（mamori setup で設定します）。");
    }
    for b in bodies {
        println!(
            "{}\t{}\t{}",
            b.code,
            b.name,
            b.kind.map_or("", mamori_domain::body::BodyKind::label)
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn register(settings: Settings, file: &Path, first: bool) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    std::fs::File::open(file)
        .with_context(|| format!("{} を開けません", file.display()))?
        .take(MAX_SETUP_FILE + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("{} を UTF-8 のテキストとして読めません", file.display()))?;
    if text.len() as u64 > MAX_SETUP_FILE {
        bail!("{} が大きすぎます（64 KB まで）", file.display());
    }
    let mut form: SetupForm = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} を読めません: {}", file.display(), e.message()))?;
    if form.administrator.password.is_empty() {
        println!(
            "管理者「{}」のパスワードを入力してください。",
            form.administrator.login
        );
        form.administrator.password = crate::read_password()?;
    }
    let app = crate::app_for_cli(&settings).await?;
    let meta = RequestMeta::default();
    let outcome = if first {
        app.set_up(&form, crate::console_actor(), &meta).await
    } else {
        app.add_body(&form, crate::console_actor(), &meta).await
    }
    .map_err(crate::backup_cmd::operator_message)?;
    println!(
        "団体「{}」（全国地方公共団体コード {}）を登録しました。管理者のログインID: {}",
        outcome.body.name, outcome.body.code, outcome.login
    );
    match outcome.edition {
        Some(n) => println!("ポリシーの第{n}版（案）をガイドラインの例文から作りました。"),
        None => println!("ポリシーはまだありません（画面の「ポリシー」から始められます）。"),
    }
    Ok(ExitCode::SUCCESS)
}
