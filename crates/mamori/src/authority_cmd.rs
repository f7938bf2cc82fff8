//! `mamori authority`: ask the authority resolver from the command line.

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use mamori_app::App;
use mamori_domain::authority::{Context, Holder, MatrixMark};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum AuthorityCommand {
    /// Who may permit (許) or approve (承) a clause for a unit on a date
    Approvers {
        /// Clause id, e.g. 'S-2.(2)⑧(イ)'
        #[arg(long)]
        clause: String,
        /// Unit code or name (for roles per unit; the answer walks up the tree)
        #[arg(long)]
        unit: Option<String>,
        /// Information system name (for roles per system)
        #[arg(long)]
        system: Option<String>,
        /// 基準日 YYYY-MM-DD (default today)
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Body code (may be left out when there is one body)
        #[arg(long)]
        body: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Text,
    Json,
}

pub async fn run(app: &App, command: AuthorityCommand) -> anyhow::Result<ExitCode> {
    let AuthorityCommand::Approvers {
        clause,
        unit,
        system,
        date,
        body,
        format,
    } = command;
    let body = crate::body_for(app, body.as_deref()).await?;
    let on = date.unwrap_or_else(|| app.today());
    let unit = match unit.as_deref() {
        Some(u) => Some(app.unit_by_code_or_name(body.id, u, on).await?),
        None => None,
    };
    let context = Context {
        unit: unit.as_ref().map(|u| u.id),
        system,
    };
    let answer = match app.approvers(body.id, &clause, &context, on).await {
        Ok(a) => a,
        Err(mamori_app::AppError::Invalid(e)) => {
            eprintln!("誤り: {}: {}", e.field, e.message);
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    match format {
        Format::Json => {
            let roles: Vec<_> = answer
                .iter()
                .map(|a| {
                    json!({
                        "role": a.role,
                        "role_name": a.role_name,
                        "mark": if a.mark == MatrixMark::Approves { "approves" } else { "permits" },
                        "unit": a.unit_name,
                        "walked_up": a.walked_up,
                        "holders": a.holders.iter().map(|h| json!({
                            "person_id": h.person.to_string(),
                            "name": h.name,
                            "deputy": h.is_deputy,
                        })).collect::<Vec<_>>(),
                        "gap": a.gap,
                    })
                })
                .collect();
            let out = json!({
                "body": body.code,
                "clause": clause.trim(),
                "unit": unit.as_ref().map(|u| u.name.clone()),
                "date": on.to_string(),
                "approvers": roles,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Text => {
            for a in &answer {
                let scope = a
                    .unit_name
                    .as_deref()
                    .map(|u| format!("（{u}）"))
                    .unwrap_or_default();
                let who = if a.holders.is_empty() {
                    a.gap.clone().unwrap_or_default()
                } else {
                    a.holders
                        .iter()
                        .map(Holder::label)
                        .collect::<Vec<_>>()
                        .join("、")
                };
                println!("{} {}{scope}: {who}", a.mark.symbol(), a.role_name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
