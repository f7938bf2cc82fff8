//! The 情報資産台帳 screens: the register with filters and keyset pages, registering and editing
//! an asset, the asset page (表示, handling rules, findings, what each action needs and who
//! permits it, lifecycle records), the rule checks per unit and the requests waiting for
//! permission.
//!
//! Everyone in the body may look. A person registers and edits the assets of their own unit; the
//! `asset.manage` permission (the 統括 by default) covers every unit.

pub mod import;
pub mod risks;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone};
use mamori_app::access::AssetWriter;
use mamori_app::assets::{
    ActionInput, ActionOutcome, AssetDetail, AssetInput, AssetQuery, AssetRules, UnitFindings,
    permitter_text,
};
use mamori_app::risks::RiskRow;
use mamori_app::{AppError, CurrentUser, RequestMeta};
use mamori_domain::DomainError;
use mamori_domain::asset::{
    ActionGate, AssetKind, AssetStatus, DocumentType, LIFECYCLE_ACTIONS, NetworkSegment,
};
use mamori_domain::classification::Action;
use mamori_domain::ids::{AssetEventId, AssetId, OrgUnitId};
use serde::Deserialize;

use super::forms::{Choice, FormPage, Problem, form_page, refused, show, show_or_part, unreadable};
use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::Meta;
use crate::extract::Session;
use crate::view::{Chrome, NavItem, datetime_ja, url_encode};

/// Rows on a page of the register.
const PAGE_SIZE: i64 = 50;

pub(crate) fn sub_nav(current: &str, user: &CurrentUser) -> Vec<NavItem> {
    let mut items = vec![("台帳", "/assets")];
    if user.asset_writer().is_ok() {
        items.push(("登録", "/assets/new"));
    }
    items.extend([
        ("点検結果", "/assets/findings"),
        ("許可待ち", "/assets/awaiting"),
        ("リスク台帳", "/risks"),
        ("取込・出力", "/assets/import"),
    ]);
    items
        .into_iter()
        .map(|(label, href)| NavItem {
            label,
            href,
            current: href == current,
        })
        .collect()
}

pub(crate) fn chrome(title: impl Into<String>, user: &CurrentUser) -> Chrome {
    Chrome::for_user(title, user, "/assets")
}

fn choices<T: Copy>(
    all: &[T],
    key: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|&v| Choice {
            value: key(v).to_owned(),
            label: label(v).to_owned(),
            selected: key(v) == selected,
        })
        .collect()
}

fn kind_choices(selected: &str) -> Vec<Choice> {
    choices(AssetKind::ALL, AssetKind::key, AssetKind::label, selected)
}

fn segment_choices(selected: &str) -> Vec<Choice> {
    choices(
        NetworkSegment::ALL,
        NetworkSegment::key,
        NetworkSegment::label,
        selected,
    )
}

fn status_choices(selected: &str) -> Vec<Choice> {
    choices(
        AssetStatus::ALL,
        AssetStatus::key,
        AssetStatus::label,
        selected,
    )
}

fn document_choices(selected: &str) -> Vec<Choice> {
    choices(
        DocumentType::ALL,
        DocumentType::key,
        DocumentType::label,
        selected,
    )
}

async fn unit_choices(
    state: &AppState,
    user: &CurrentUser,
    selected: &str,
) -> Result<Vec<Choice>, AppError> {
    let tree = state.app.org_tree(user, state.app.today()).await?;
    Ok(super::org::unit_choices(&tree, selected))
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(DomainError::new(field, message))
}

// ---------------------------------------------------------------------------------------------
// /assets

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterQuery {
    q: String,
    unit: String,
    kind: String,
    segment: String,
    status: String,
    class: String,
    after: String,
}

/// A filter value as sent, `None` when empty.
fn pick(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|s| !s.is_empty())
}

impl RegisterQuery {
    /// The query string of the same filters, without the cursor.
    fn filters(&self) -> String {
        [
            ("q", &self.q),
            ("unit", &self.unit),
            ("kind", &self.kind),
            ("segment", &self.segment),
            ("status", &self.status),
            ("class", &self.class),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn is_filtered(&self) -> bool {
        !self.filters().is_empty()
    }

    /// The filters for the use case; a value that cannot be read is refused naming its field.
    fn read(&self, rules: &AssetRules) -> Result<(AssetQuery, Option<AssetId>), AppError> {
        let mut query = AssetQuery {
            text: pick(&self.q).map(str::to_owned),
            ..AssetQuery::default()
        };
        match pick(&self.unit) {
            None => {}
            Some("none") => query.no_unit = true,
            Some(u) => {
                query.unit = Some(
                    u.parse::<OrgUnitId>()
                        .map_err(|_| invalid("所管課", "一覧から所管課を選んでください"))?,
                );
            }
        }
        query.kind = pick(&self.kind).map(AssetKind::parse).transpose()?;
        query.segment = pick(&self.segment).map(NetworkSegment::parse).transpose()?;
        query.status = pick(&self.status).map(AssetStatus::parse).transpose()?;
        if let Some(class) = pick(&self.class) {
            let found = rules
                .class_filters()
                .into_iter()
                .find(|(axis, level, _)| format!("{axis}:{level}") == class)
                .ok_or_else(|| invalid("分類", "一覧から分類を選んでください"))?;
            query.at_least = Some((found.0, found.1));
        }
        let after = pick(&self.after)
            .map(|a| {
                a.parse::<AssetId>()
                    .map_err(|_| invalid("ページ", "ページの指定が読めません"))
            })
            .transpose()?;
        Ok((query, after))
    }
}

#[derive(Debug)]
struct RegisterRow {
    id: String,
    asset_no: String,
    name: String,
    kind: &'static str,
    unit: String,
    segment: &'static str,
    classification: String,
    status: &'static str,
    disposed: bool,
    findings: usize,
}

#[derive(Template, Debug)]
#[template(path = "assets_results.html")]
struct RegisterResults {
    rows: Vec<RegisterRow>,
    next: Option<String>,
    first: Option<String>,
    filtered: bool,
}

#[derive(Template, Debug)]
#[template(path = "assets.html")]
struct RegisterPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    q: String,
    units: Vec<Choice>,
    no_unit: bool,
    kinds: Vec<Choice>,
    segments: Vec<Choice>,
    statuses: Vec<Choice>,
    classes: Vec<Choice>,
    can_register: bool,
    results: RegisterResults,
    problem: Problem,
}

form_page!(RegisterPage, FormPageView, DetailPage);

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        let rules = state.app.asset_rules(user).await?;
        let (query, after, problem) = match q.read(&rules) {
            Ok((query, after)) => (query, after, Problem::default()),
            Err(e) => (AssetQuery::default(), None, unreadable(&e, "assets-form")),
        };
        let found = state.app.asset_page(user, &query, after, PAGE_SIZE).await?;
        let filters = q.filters();
        let with = |extra: String| {
            if filters.is_empty() {
                extra
            } else if extra.is_empty() {
                filters.clone()
            } else {
                format!("{filters}&{extra}")
            }
        };
        let results = RegisterResults {
            rows: found
                .rows
                .iter()
                .map(|r| RegisterRow {
                    id: r.id.to_string(),
                    asset_no: r.asset_no.clone(),
                    name: r.name.clone(),
                    kind: r.kind.label(),
                    unit: r
                        .unit
                        .clone()
                        .unwrap_or_else(|| "（所管課なし）".to_owned()),
                    segment: r.segment.label(),
                    classification: r.classification.clone(),
                    status: r.status.label(),
                    disposed: r.status == AssetStatus::Disposed,
                    findings: r.findings,
                })
                .collect(),
            next: found.next.map(|n| with(format!("after={n}"))),
            first: after.map(|_| with(String::new())),
            filtered: q.is_filtered(),
        };
        let class_value = q.class.trim().to_owned();
        Ok::<_, AppError>(RegisterPage {
            chrome: chrome("情報資産台帳", user),
            sub_nav: sub_nav("/assets", user),
            q: q.q.clone(),
            units: unit_choices(&state, user, q.unit.trim()).await?,
            no_unit: q.unit.trim() == "none",
            kinds: kind_choices(q.kind.trim()),
            segments: segment_choices(q.segment.trim()),
            statuses: status_choices(q.status.trim()),
            classes: rules
                .class_filters()
                .into_iter()
                .map(|(axis, level, label)| {
                    let value = format!("{axis}:{level}");
                    Choice {
                        selected: value == class_value,
                        value,
                        label,
                    }
                })
                .collect(),
            can_register: user.asset_writer().is_ok(),
            results,
            problem,
        })
    }
    .await;
    show_or_part(&headers, page, |p| &p.results)
}

// ---------------------------------------------------------------------------------------------
// /assets/new, /assets/{id}/edit

/// The asset form's fields, as typed or as stored.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
struct AssetFields {
    asset_no: String,
    kind: String,
    name: String,
    description: String,
    owner_unit: String,
    location: String,
    segment: String,
    classification: String,
    retention: String,
    status: String,
    document_type: String,
    derived_from: String,
    holds: String,
    encrypted: String,
    locked_storage: String,
    backup: String,
    recovery_target_hours: String,
}

impl AssetFields {
    fn of(form: &VerifiedForm) -> Self {
        super::forms::typed(form)
    }

    fn input(&self) -> Result<AssetInput, AppError> {
        let owner_unit = match self.owner_unit.trim() {
            "" => None,
            u => Some(
                u.parse::<OrgUnitId>()
                    .map_err(|_| invalid("所管課", "一覧から所管課を選んでください"))?,
            ),
        };
        let on = |v: &str| !v.is_empty();
        Ok(AssetInput {
            asset_no: self.asset_no.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            owner_unit,
            location: self.location.clone(),
            segment: self.segment.clone(),
            classification: self.classification.clone(),
            retention: self.retention.clone(),
            status: self.status.clone(),
            document_type: self.document_type.clone(),
            derived_from: self.derived_from.clone(),
            holds: self.holds.clone(),
            encrypted: on(&self.encrypted),
            locked_storage: on(&self.locked_storage),
            backup: on(&self.backup),
            recovery_target_hours: self.recovery_target_hours.clone(),
        })
    }

    fn of_detail(d: &AssetDetail) -> Self {
        let a = &d.asset;
        let mark = |b: bool| if b { "on".to_owned() } else { String::new() };
        Self {
            asset_no: d.asset_no.clone(),
            kind: a.kind.key().to_owned(),
            name: a.name.clone(),
            description: a.description.clone(),
            owner_unit: a.owner_unit.map(|u| u.to_string()).unwrap_or_default(),
            location: a.location.clone(),
            segment: a.segment.key().to_owned(),
            classification: a.classification.to_string(),
            retention: match &a.retention {
                mamori_domain::asset::Retention::Unspecified => String::new(),
                r => r.label(),
            },
            status: a.status.key().to_owned(),
            document_type: a
                .document_type
                .map(|t| t.key().to_owned())
                .unwrap_or_default(),
            derived_from: d
                .derived_from
                .iter()
                .map(|l| l.asset_no.clone())
                .collect::<Vec<_>>()
                .join("、"),
            holds: d
                .holds
                .iter()
                .map(|l| l.asset_no.clone())
                .collect::<Vec<_>>()
                .join("、"),
            encrypted: mark(a.safeguards.encrypted),
            locked_storage: mark(a.safeguards.locked_storage),
            backup: mark(a.safeguards.backup),
            recovery_target_hours: a
                .safeguards
                .recovery_target_hours
                .map(|h| h.to_string())
                .unwrap_or_default(),
        }
    }
}

#[derive(Template, Debug)]
#[template(path = "asset_form.html")]
struct FormPageView {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    title: String,
    action: String,
    is_new: bool,
    f: AssetFields,
    units: Vec<Choice>,
    unit_fixed: bool,
    kinds: Vec<Choice>,
    segments: Vec<Choice>,
    statuses: Vec<Choice>,
    documents: Vec<Choice>,
    classifications: Vec<Choice>,
    scheme_name: String,
    problem: Problem,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    writer: &AssetWriter,
    id: Option<AssetId>,
    f: AssetFields,
    problem: Problem,
) -> Result<FormPageView, AppError> {
    let rules = state.app.asset_rules(user).await?;
    let mut units = unit_choices(state, user, f.owner_unit.trim()).await?;
    if !writer.all_units() {
        let own = state.app.own_unit(user, writer).await?;
        units.retain(|c| Some(c.value.as_str()) == own.map(|u| u.to_string()).as_deref());
        for c in &mut units {
            c.label = c.label.trim_start_matches('　').to_owned();
            c.selected = true;
        }
    }
    let selected_class = f.classification.trim().to_owned();
    Ok(FormPageView {
        chrome: chrome(
            if id.is_some() {
                "情報資産の変更"
            } else {
                "情報資産の登録"
            },
            user,
        ),
        sub_nav: sub_nav(if id.is_some() { "" } else { "/assets/new" }, user),
        title: if id.is_some() {
            format!("{} {}の変更", f.asset_no, f.name)
        } else {
            "情報資産の登録".to_owned()
        },
        action: id.map_or_else(|| "/assets".to_owned(), |i| format!("/assets/{i}")),
        is_new: id.is_none(),
        unit_fixed: !writer.all_units(),
        units,
        kinds: kind_choices(f.kind.trim()),
        segments: segment_choices(f.segment.trim()),
        statuses: status_choices(if f.status.trim().is_empty() {
            "in_use"
        } else {
            f.status.trim()
        }),
        documents: document_choices(f.document_type.trim()),
        classifications: rules
            .scheme
            .classifications()
            .iter()
            .rev()
            .map(|c| {
                let text = c.to_string();
                Choice {
                    selected: text == selected_class,
                    value: text.clone(),
                    label: text,
                }
            })
            .collect(),
        scheme_name: rules.scheme.name().to_owned(),
        f,
        problem,
    })
}

fn writer_of(form: &VerifiedForm) -> Result<(&CurrentUser, AssetWriter), AppError> {
    let session = form.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let writer = session.user.asset_writer()?;
    Ok((&session.user, writer))
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        let writer = user.asset_writer()?;
        let own = state.app.own_unit(user, &writer).await?;
        let f = AssetFields {
            owner_unit: own.map(|u| u.to_string()).unwrap_or_default(),
            segment: "other".to_owned(),
            ..AssetFields::default()
        };
        form_page(&state, user, &writer, None, f, Problem::default()).await
    }
    .await;
    show(page)
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, writer) = writer_of(&form)?;
    let f = AssetFields::of(&form);
    let result = match f.input() {
        Ok(input) => state.app.register_asset(user, &writer, &input, &meta).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/assets/{id}?saved=1")).into_response()),
        Err(e) => match refused(e, "asset-form") {
            Ok(problem) => show(form_page(&state, user, &writer, None, f, problem).await),
            Err(e) => Err(e.into()),
        },
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        let id = asset_id(&id)?;
        let writer = user.asset_writer()?;
        let detail = state.app.asset(user, id, &meta).await?;
        form_page(
            &state,
            user,
            &writer,
            Some(id),
            AssetFields::of_detail(&detail),
            Problem::default(),
        )
        .await
    }
    .await;
    show(page)
}

pub async fn update(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, writer) = writer_of(&form)?;
    let id = asset_id(&id)?;
    let f = AssetFields::of(&form);
    let result = match f.input() {
        Ok(input) => {
            state
                .app
                .update_asset(user, &writer, id, &input, &meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/assets/{id}?saved=1")).into_response()),
        Err(e) => match refused(e, "asset-form") {
            Ok(problem) => show(form_page(&state, user, &writer, Some(id), f, problem).await),
            Err(e) => Err(e.into()),
        },
    }
}

fn asset_id(raw: &str) -> Result<AssetId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("情報資産".to_owned()))
}

// ---------------------------------------------------------------------------------------------
// /assets/{id}

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
    let f: ActionFields = super::forms::typed(&form);
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

// ---------------------------------------------------------------------------------------------
// /assets/findings, /assets/awaiting

#[derive(Template, Debug)]
#[template(path = "assets_findings.html")]
struct FindingsPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    units: Vec<UnitFindings>,
    total: usize,
}

pub async fn findings(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    match state.app.asset_findings(user).await {
        Ok(units) => Ok(crate::pages::render(
            axum::http::StatusCode::OK,
            &FindingsPage {
                chrome: chrome("情報資産の点検結果", user),
                sub_nav: sub_nav("/assets/findings", user),
                total: units.iter().map(|u| u.findings.len()).sum(),
                units,
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug)]
struct AwaitingRow {
    asset: String,
    asset_no: String,
    name: String,
    classification: String,
    action: &'static str,
    at: String,
    details: String,
    waiting_for: String,
    by: String,
}

#[derive(Template, Debug)]
#[template(path = "assets_awaiting.html")]
struct AwaitingPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    rows: Vec<AwaitingRow>,
}

pub async fn awaiting(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    match state.app.awaiting_asset_actions(user).await {
        Ok(list) => Ok(crate::pages::render(
            axum::http::StatusCode::OK,
            &AwaitingPage {
                chrome: chrome("許可待ちの行為", user),
                sub_nav: sub_nav("/assets/awaiting", user),
                rows: list
                    .into_iter()
                    .map(|(e, a)| AwaitingRow {
                        asset: a.id.to_string(),
                        asset_no: a.asset_no,
                        name: a.name,
                        classification: a.classification,
                        action: e.action.label(),
                        at: datetime_ja(e.acted_at),
                        details: e.details,
                        waiting_for: e.required_roles.join("・"),
                        by: e.recorded_by,
                    })
                    .collect(),
            },
        )),
        Err(e) => Err(e.into()),
    }
}
