//! /policy/{number}/acknowledgements: who has acknowledged an edition, unit by unit.

use super::*;

#[derive(Debug)]
struct RollupRow {
    unit: String,
    department: bool,
    staff: i64,
    acknowledged: i64,
    percent: i64,
    missing: String,
}

#[derive(Template, Debug)]
#[template(path = "policy_acknowledgements.html")]
struct RollupPage {
    chrome: Chrome,
    number: u32,
    edition_label: String,
    rows: Vec<RollupRow>,
    total_staff: i64,
    total_acknowledged: i64,
}

pub async fn acknowledgements(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let n = edition_in_path(&number)?;
    let editor = user.policy_editor()?;
    let units: Vec<UnitRollup> = state.app.policy_acknowledgements(user, &editor, n).await?;
    let rows: Vec<RollupRow> = units
        .into_iter()
        .filter(|u| u.staff > 0)
        .map(|u| RollupRow {
            percent: if u.staff > 0 {
                u.acknowledged * 100 / u.staff
            } else {
                0
            },
            missing: u
                .missing
                .iter()
                .map(|(name, title)| format!("{name}（{title}）"))
                .collect::<Vec<_>>()
                .join("、"),
            unit: u.unit_name,
            department: u.is_department,
            staff: u.staff,
            acknowledged: u.acknowledged,
        })
        .collect();
    let page = RollupPage {
        chrome: Chrome::for_user(format!("{n} 確認状況"), user, "/policy"),
        number: n.get(),
        edition_label: n.to_string(),
        // Departments already include their sections; count the top of each tree once.
        total_staff: rows.iter().filter(|r| r.department).map(|r| r.staff).sum(),
        total_acknowledged: rows
            .iter()
            .filter(|r| r.department)
            .map(|r| r.acknowledged)
            .sum(),
        rows,
    };
    Ok(render(StatusCode::OK, &page))
}
