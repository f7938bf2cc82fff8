//! /assets/{id}: one asset with its 表示, handling rules, findings, what each action needs and who
//! permits it, and its lifecycle records.

use super::*;

form_page!(DetailPage);

#[derive(Debug)]
struct GateLine {
    action: &'static str,
    /// 「許可不要」, 「許可が必要」, 「禁止」.
    verdict: &'static str,
    class: &'static str,
    detail: String,
}

#[derive(Debug)]
struct EventRow {
    id: String,
    action: &'static str,
    status: &'static str,
    awaiting: bool,
    at: String,
    person: String,
    details: String,
    waiting_for: String,
    permission_clause: Option<String>,
    application: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "asset.html")]
struct DetailPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    id: String,
    d: AssetDetail,
    owner: String,
    retention: String,
    document_type: String,
    recovery: String,
    handling: Vec<(&'static str, String)>,
    gates: Vec<GateLine>,
    events: Vec<EventRow>,
    risks: Vec<RiskRow>,
    actions: Vec<Choice>,
    can_edit: bool,
    notice: Option<String>,
    created: String,
    updated: String,
    problem: Problem,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailQuery {
    saved: String,
    recorded: String,
}

async fn detail_page(
    state: &AppState,
    meta: &RequestMeta,
    user: &CurrentUser,
    id: AssetId,
    notice: Option<String>,
    problem: Problem,
    action: &str,
) -> Result<DetailPage, AppError> {
    let d = state.app.asset(user, id, meta).await?;
    // Threats and vulnerabilities are shown only to who may read them (the asset page is not
    // refused for it).
    let risks = match user.risk_reader() {
        Ok(reader) => state.app.asset_risks(user, &reader, id).await?,
        Err(_) => Vec::new(),
    };
    let can_edit = match user.asset_writer() {
        Ok(w) => w.all_units() || state.app.own_unit(user, &w).await? == d.asset.owner_unit,
        Err(_) => false,
    };
    let owner = d
        .owner
        .as_ref()
        .map_or_else(|| "所管課が登録されていません".to_owned(), permitter_text);
    let gates = d
        .gates
        .iter()
        .map(|g| {
            let (verdict, class, detail) = match &g.gate {
                ActionGate::Allowed { .. } => ("許可不要", "gate-ok", String::new()),
                ActionGate::NeedsPermission { .. } => (
                    "許可が必要",
                    "gate-permit",
                    g.permitters
                        .iter()
                        .map(permitter_text)
                        .collect::<Vec<_>>()
                        .join("／"),
                ),
                ActionGate::Prohibited { reason } => ("禁止", "gate-no", reason.clone()),
            };
            GateLine {
                action: g.action.label(),
                verdict,
                class,
                detail,
            }
        })
        .collect();
    let events = d
        .events
        .iter()
        .map(|e| EventRow {
            id: e.id.to_string(),
            action: e.action.label(),
            status: e.status,
            awaiting: e.awaiting,
            at: datetime_ja(e.acted_at),
            person: e.person.clone().unwrap_or_default(),
            details: match &e.new_location {
                Some(l) if e.details.is_empty() => format!("保管場所: {l}"),
                Some(l) => format!("{}（保管場所: {l}）", e.details),
                None => e.details.clone(),
            },
            waiting_for: e.required_roles.join("・"),
            permission_clause: e.permission_clause.clone(),
            application: e.application.map(|a| a.to_string()),
        })
        .collect();
    let a = &d.asset;
    Ok(DetailPage {
        chrome: chrome(format!("{} {}", d.asset_no, a.name), user),
        sub_nav: sub_nav("", user),
        id: id.to_string(),
        owner,
        retention: a.retention.label(),
        document_type: a.document_type.map(|t| t.label()).unwrap_or("—").to_owned(),
        recovery: a
            .safeguards
            .recovery_target_hours
            .map_or_else(|| "未設定".to_owned(), |h| format!("{h}時間")),
        handling: d
            .handling
            .iter()
            .map(|h| {
                (
                    h.action.label(),
                    if h.requirements.is_empty() {
                        "特になし".to_owned()
                    } else {
                        h.requirements.join("、")
                    },
                )
            })
            .collect(),
        gates,
        events,
        risks,
        actions: LIFECYCLE_ACTIONS
            .iter()
            .map(|a| Choice {
                value: a.key().to_owned(),
                label: a.label().to_owned(),
                selected: a.key() == action,
            })
            .collect(),
        can_edit,
        notice,
        created: datetime_ja(d.created_at),
        updated: datetime_ja(d.updated_at),
        d,
        problem,
    })
}

pub async fn show_asset(
    State(state): State<AppState>,
    Meta(meta): Meta,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let notice = if !q.saved.is_empty() {
        Some("保存しました。".to_owned())
    } else {
        match q.recorded.as_str() {
            "done" => Some("記録しました。".to_owned()),
            "awaiting" => Some(
                "この行為には許可が必要です。許可の申請として記録しました。許可されるまで行為は完了しません（下の「記録」の許可待ちを参照）。"
                    .to_owned(),
            ),
            "withdrawn" => Some("申請を取り下げました。".to_owned()),
            _ => None,
        }
    };
    let page = async {
        let id = asset_id(&id)?;
        detail_page(&state, &meta, user, id, notice, Problem::default(), "").await
    }
    .await;
    show(page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActionFields {
    action: String,
    at: String,
    details: String,
    new_location: String,
}

/// 「2026-11-22T10:30」 (datetime-local) in Japan time, or empty for now.
fn local_time(raw: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .map_err(|_| invalid("日時", "日時は 2026-04-01 10:30 の形式で入力してください"))?;
    let jst = chrono::FixedOffset::east_opt(9 * 3600)
        .ok_or_else(|| AppError::Internal("offset".to_owned()))?;
    jst.from_local_datetime(&naive)
        .single()
        .map(|t| Some(t.with_timezone(&chrono::Utc)))
        .ok_or_else(|| invalid("日時", "日時が読めません"))
}

pub async fn record_action(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, writer) = writer_of(&form)?;
    let id = asset_id(&id)?;
    let f: ActionFields = crate::pages::forms::typed(&form);
    let result = async {
        let action = Action::parse(f.action.trim())
            .filter(|a| LIFECYCLE_ACTIONS.contains(a))
            .ok_or_else(|| invalid("行為", "記録する行為を選んでください"))?;
        let input = ActionInput {
            at: local_time(&f.at)?,
            person: None,
            details: f.details.clone(),
            new_location: f.new_location.clone(),
        };
        state
            .app
            .record_asset_action(user, &writer, id, action, &input, &meta)
            .await
    }
    .await;
    match result {
        Ok(ActionOutcome::Recorded { .. }) => {
            Ok(Redirect::to(&format!("/assets/{id}?recorded=done#records")).into_response())
        }
        Ok(ActionOutcome::AwaitingApproval { .. }) => {
            Ok(Redirect::to(&format!("/assets/{id}?recorded=awaiting#records")).into_response())
        }
        Err(e) => match refused(e, "action-form") {
            Ok(problem) => {
                show(detail_page(&state, &meta, user, id, None, problem, f.action.trim()).await)
            }
            Err(e) => Err(e.into()),
        },
    }
}

pub async fn withdraw_action(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, event)): Path<(String, String)>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, writer) = writer_of(&form)?;
    let result = async {
        let id = asset_id(&id)?;
        let event: AssetEventId = event
            .parse()
            .map_err(|_| AppError::NotFound("記録".to_owned()))?;
        state
            .app
            .withdraw_asset_action(user, &writer, event, &meta)
            .await?;
        Ok::<_, AppError>(id)
    }
    .await;
    match result {
        Ok(id) => {
            Ok(Redirect::to(&format!("/assets/{id}?recorded=withdrawn#records")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
