//! 許可・承認の申請: the inbox (承認待ち and one's own applications), the application form
//! generated from the kind's fields, an application with its route and history and the decision
//! form, and each kind's 台帳. Works without JavaScript.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::approvals::{
    ApplicationView, Apply, Decide, ExceptionReview, FieldInput, Filing, FollowUp, Resubmit,
};
use mamori_app::attachments::Upload;
use mamori_app::{AppError, CurrentUser};
use mamori_domain::approval::{Application, ApplicationKind, Decision, FieldKind, LedgerRow};
use mamori_domain::authority::Holder;
use mamori_domain::ids::{ApplicationId, AssetEventId};
use serde::Deserialize;

use super::forms::{FormPage, Problem, form_page, refused, show};
use super::imports::download;
use crate::AppState;
use crate::csrf::{VerifiedForm, VerifiedUpload};
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::render;
use crate::view::{Chrome, NavItem, datetime_ja};

fn chrome(title: impl Into<String>, user: &CurrentUser) -> Chrome {
    Chrome::for_user(title, user, "/approvals")
}

fn sub_nav(current: &str) -> Vec<NavItem> {
    [
        ("承認待ち・申請", "/approvals"),
        ("新しく申請", "/approvals/new"),
        ("例外措置の見直し", "/approvals/exceptions"),
        ("台帳", "/ledgers"),
    ]
    .into_iter()
    .map(|(label, href)| NavItem {
        label,
        href,
        current: href == current,
    })
    .collect()
}

#[derive(Debug)]
struct Line {
    id: String,
    number: String,
    kind: String,
    applicant: String,
    unit: String,
    status: &'static str,
    submitted: String,
}

fn line(a: &Application) -> Line {
    Line {
        id: a.id.to_string(),
        number: a.number.clone(),
        kind: a.kind_name.clone(),
        applicant: a.applicant_name.clone(),
        unit: a.unit_name.clone(),
        status: a.status.label(),
        submitted: a.submitted_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

#[derive(Template, Debug)]
#[template(path = "approvals.html")]
struct InboxPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    waiting: Vec<Line>,
    mine: Vec<Line>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InboxQuery {
    done: String,
}

pub async fn inbox(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        Ok::<_, AppError>(InboxPage {
            chrome: chrome("承認待ち・申請", user),
            sub_nav: sub_nav("/approvals"),
            waiting: state
                .app
                .approvals()
                .inbox(user)
                .await?
                .iter()
                .map(line)
                .collect(),
            mine: state
                .app
                .approvals()
                .my_applications(user)
                .await?
                .iter()
                .map(line)
                .collect(),
            notice: (q.done == "withdrawn").then(|| "申請を取り下げました。".to_owned()),
        })
    }
    .await;
    match page {
        Ok(p) => Ok(render(StatusCode::OK, &p)),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// /approvals/new

#[derive(Debug)]
struct FieldView {
    key: String,
    label: String,
    required: bool,
    help: String,
    /// `text`, `textarea`, `date`, `select`, `attachment` (references and files).
    input: &'static str,
    options: Vec<String>,
    value: String,
    hint: String,
}

#[derive(Template, Debug)]
#[template(path = "approval_form.html")]
struct NewPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    kind: String,
    kind_name: String,
    clause: String,
    /// The route as people read it.
    route: String,
    event: String,
    fields: Vec<FieldView>,
    problem: Problem,
}

form_page!(NewPage, DetailPage);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    kind: String,
    event: String,
    asset: String,
}

fn field_views(kind: &ApplicationKind, values: &FieldInput) -> Vec<FieldView> {
    kind.fields
        .iter()
        .map(|f| {
            let (input, options, hint) = match &f.kind {
                FieldKind::Text { max } if max.is_some_and(|m| m > 200) => {
                    ("textarea", Vec::new(), String::new())
                }
                FieldKind::Text { .. } => ("text", Vec::new(), String::new()),
                FieldKind::Date => ("date", Vec::new(), String::new()),
                FieldKind::Period => (
                    "text",
                    Vec::new(),
                    "2026-04-01〜2026-04-10 のように入力".to_owned(),
                ),
                FieldKind::Choice { options } => ("select", options.clone(), String::new()),
                FieldKind::Assets => (
                    "text",
                    Vec::new(),
                    "管理番号（例: IA-000001）。複数は「、」で区切る".to_owned(),
                ),
                FieldKind::People => (
                    "text",
                    Vec::new(),
                    "職員番号。複数は「、」で区切る".to_owned(),
                ),
                FieldKind::Attachment => (
                    "attachment",
                    Vec::new(),
                    "ファイルを添付するか、文書の名称・保存場所を入力（1ファイル10MBまで）"
                        .to_owned(),
                ),
            };
            FieldView {
                key: f.key.clone(),
                label: f.label.clone(),
                required: f.required,
                help: f.help.clone().unwrap_or_default(),
                input,
                options,
                value: values.get(&f.key).cloned().unwrap_or_default(),
                hint,
            }
        })
        .collect()
}

async fn new_page(
    state: &AppState,
    user: &CurrentUser,
    kind_key: &str,
    event: &str,
    values: &FieldInput,
    problem: Problem,
) -> Result<NewPage, AppError> {
    let kinds = state.app.approvals().application_kind_routes(user).await?;
    let (kind, route) = kinds
        .iter()
        .find(|(k, _)| k.key == kind_key || k.clause == kind_key)
        .ok_or_else(|| AppError::NotFound("申請の種類".to_owned()))?;
    Ok(NewPage {
        chrome: chrome(format!("{}の申請", kind.name), user),
        sub_nav: sub_nav("/approvals/new"),
        route: route.clone(),
        kind: kind.key.clone(),
        kind_name: kind.name.clone(),
        clause: kind.clause.clone(),
        event: event.to_owned(),
        fields: field_views(kind, values),
        problem,
    })
}

#[derive(Template, Debug)]
#[template(path = "approval_kinds.html")]
struct KindsPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    /// Kinds with a form of their own first, then the generic ones.
    kinds: Vec<KindLine>,
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    if q.kind.trim().is_empty() {
        let user = &session.user;
        return match state.app.approvals().application_kind_routes(user).await {
            Ok(kinds) => Ok(render(
                StatusCode::OK,
                &KindsPage {
                    chrome: chrome("新しく申請", user),
                    sub_nav: sub_nav("/approvals/new"),
                    kinds: kind_lines(kinds),
                },
            )),
            Err(e) => Err(e.into()),
        };
    }
    let values: FieldInput = Some(q.asset.trim())
        .filter(|a| !a.is_empty())
        .map(|a| ("assets".to_owned(), a.to_owned()))
        .into_iter()
        .collect();
    show(
        new_page(
            &state,
            &session.user,
            &q.kind,
            &q.event,
            &values,
            Problem::default(),
        )
        .await,
    )
}

/// The typed values (`f_<key>`) and the files (`u_<key>`) of an application form.
fn posted_values(form: &VerifiedUpload) -> (FieldInput, Vec<Upload>) {
    let values = form
        .fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("f_").map(|k| (k.to_owned(), v.clone())))
        .collect();
    let uploads = form
        .files
        .iter()
        .filter_map(|(field, name, content)| {
            field.strip_prefix("u_").map(|key| Upload {
                field: key.to_owned(),
                file_name: name.clone(),
                content: content.clone(),
            })
        })
        .collect();
    (values, uploads)
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedUpload,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let kind = form.get("kind").to_owned();
    let event_raw = form.get("event").trim().to_owned();
    let (values, uploads) = posted_values(&form);
    let result = async {
        let event = match event_raw.as_str() {
            "" => None,
            e => Some(
                e.parse::<AssetEventId>()
                    .map_err(|_| AppError::NotFound("許可待ちの記録".to_owned()))?,
            ),
        };
        state
            .app
            .approvals()
            .apply(
                user,
                Apply {
                    kind: &kind,
                    fields: &values,
                    uploads: &uploads,
                    filing: Filing::Submit,
                    asset_event: event,
                },
                &meta,
            )
            .await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/approvals/{id}?done=submitted")).into_response()),
        Err(e) => match refused(e, "application-form") {
            Ok(problem) => show(new_page(&state, user, &kind, &event_raw, &values, problem).await),
            Err(e) => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// /approvals/{id}

#[derive(Debug)]
struct SeatLine {
    step: String,
    who: String,
    decision: String,
    current: bool,
}

#[derive(Debug)]
struct HistoryLine {
    at: String,
    what: &'static str,
    to: &'static str,
    comment: String,
}

#[derive(Template, Debug)]
#[template(path = "approval.html")]
struct DetailPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    v: ApplicationView,
    id: String,
    status: &'static str,
    seats: Vec<SeatLine>,
    history: Vec<HistoryLine>,
    notice: Option<String>,
    problem: Problem,
    /// The fields of the correction form (下書き・差戻し).
    fields: Vec<FieldView>,
    /// Today, the default 返却日.
    today: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailQuery {
    done: String,
}

async fn detail_page(
    state: &AppState,
    user: &CurrentUser,
    id: ApplicationId,
    notice: Option<String>,
    problem: Problem,
    typed: Option<&FieldInput>,
) -> Result<DetailPage, AppError> {
    let v = state.app.approvals().application(user, id).await?;
    let fields = field_views(&v.kind, typed.unwrap_or(&v.form));
    let a = &v.application;
    let mut seats = Vec::new();
    if let Some(route) = &a.route {
        for (i, step) in route.steps.iter().enumerate() {
            for seat in &step.seats {
                let names: Vec<String> = seat.candidates.iter().map(Holder::label).collect();
                seats.push(SeatLine {
                    step: format!("第{}段階 {}", i + 1, step.label),
                    who: format!("{}: {}", seat.place(), names.join("、")),
                    decision: seat.decision.as_ref().map_or_else(String::new, |d| {
                        format!(
                            "{}（{}{}、{}）{}",
                            d.decision.label(),
                            d.by_name,
                            if d.by_deputy { "・代決" } else { "" },
                            datetime_ja(d.at),
                            d.comment
                                .as_deref()
                                .map(|c| format!(" 「{c}」"))
                                .unwrap_or_default()
                        )
                    }),
                    current: a.status == mamori_domain::approval::Status::Submitted
                        && i == a.current_step,
                });
            }
        }
    }
    let history = a
        .history
        .iter()
        .map(|e| HistoryLine {
            at: datetime_ja(e.at),
            what: e.kind.label(),
            to: e.to.label(),
            comment: e.comment.clone().unwrap_or_default(),
        })
        .collect();
    Ok(DetailPage {
        chrome: chrome(format!("{} {}", a.number, a.kind_name), user),
        sub_nav: sub_nav(""),
        id: a.id.to_string(),
        status: a.status.label(),
        seats,
        history,
        v,
        notice,
        problem,
        fields,
        today: state.app.today().to_string(),
    })
}

pub async fn show_application(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_str() {
        "submitted" => Some("申請しました。承認者の承認待ちになります。".to_owned()),
        "decided" => Some("決裁を記録しました。".to_owned()),
        "started" => Some("実施を記録しました。".to_owned()),
        "returned" => Some("返却を記録しました。".to_owned()),
        "completed" => Some("完了にしました。".to_owned()),
        "reported" => Some("事後報告をしました。決裁者の確認待ちになります。".to_owned()),
        _ => None,
    };
    let page = async {
        let id = app_id(&id)?;
        detail_page(&state, &session.user, id, notice, Problem::default(), None).await
    }
    .await;
    show(page)
}

/// The application named in a path; what is not an id is not found.
pub(crate) fn app_id(raw: &str) -> Result<ApplicationId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("申請".to_owned()))
}

/// The signed-in person and the application of a form posted to `/approvals/{id}/…`.
fn posted<'f>(
    session: Option<&'f Session>,
    id: &str,
) -> Result<(&'f CurrentUser, ApplicationId), AppError> {
    let session = session.ok_or(AppError::Unauthenticated)?;
    Ok((&session.user, app_id(id)?))
}

/// A refused change shown on the application page with the message at `form` (and what was
/// typed into the correction form); other errors as their page.
async fn on_detail(
    state: &AppState,
    user: &CurrentUser,
    id: ApplicationId,
    error: AppError,
    form: &str,
    typed: Option<&FieldInput>,
) -> Result<Response, PageError> {
    let problem = refused(error, form)?;
    show(detail_page(state, user, id, None, problem, typed).await)
}

pub async fn decide(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, id) = posted(form.session.as_ref(), &id)?;
    let result = async {
        let decision = Decision::parse(form.get("decision")).ok_or_else(|| {
            AppError::Invalid(mamori_domain::DomainError::new(
                "決裁",
                "承認・差戻し・却下のいずれかを選んでください",
            ))
        })?;
        let step: usize = form.get("step").parse().unwrap_or(usize::MAX);
        let seen: u32 = form.get("version").parse().unwrap_or(u32::MAX);
        let comment = Some(form.get("comment").trim().to_owned()).filter(|c| !c.is_empty());
        let reason = Some(form.get("sod_reason").trim().to_owned()).filter(|c| !c.is_empty());
        state
            .app
            .approvals()
            .decide(
                user,
                Decide {
                    id,
                    step,
                    decision,
                    comment,
                    sod_reason: reason,
                    seen,
                },
                &meta,
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/approvals/{id}?done=decided")).into_response()),
        Err(e) => on_detail(&state, user, id, e, "decision-form", None).await,
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let result = async {
        let id = app_id(&id)?;
        let seen: u32 = form.get("version").parse().unwrap_or(u32::MAX);
        state
            .app
            .approvals()
            .withdraw(&session.user, id, seen, &meta)
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/approvals?done=withdrawn").into_response()),
        Err(e) => Err(e.into()),
    }
}

/// 下書き・差戻し corrected and 申請 (again).
pub async fn resubmit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedUpload,
) -> Result<Response, PageError> {
    let (user, id) = posted(form.session.as_ref(), &id)?;
    let (values, uploads) = posted_values(&form);
    let seen: u32 = form.get("version").parse().unwrap_or(u32::MAX);
    match state
        .app
        .approvals()
        .resubmit(
            user,
            Resubmit {
                id,
                fields: &values,
                uploads: &uploads,
                seen,
            },
            &meta,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/approvals/{id}?done=submitted")).into_response()),
        Err(e) => on_detail(&state, user, id, e, "application-form", Some(&values)).await,
    }
}

/// An attached file, as it was given.
pub async fn file(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let result = async {
        let id = app_id(&id)?;
        let file = file
            .parse()
            .map_err(|_| AppError::NotFound("添付資料".to_owned()))?;
        state
            .app
            .approvals()
            .application_file(&session.user, id, file, &meta)
            .await
    }
    .await;
    match result {
        Ok((f, content)) => Ok(download(content, &f.file_name, &f.content_type)),
        Err(e) => Err(e.into()),
    }
}

/// 実施・返却・完了 and the 事後報告 of an emergency application.
pub async fn follow_up(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, id) = posted(form.session.as_ref(), &id)?;
    let result = async {
        let (what, done) = match form.get("what") {
            "start" => (FollowUp::Start, "started"),
            "complete" => (FollowUp::Complete, "completed"),
            "report" => (FollowUp::Report, "reported"),
            "return" => {
                let on = chrono::NaiveDate::parse_from_str(form.get("on").trim(), "%Y-%m-%d")
                    .map_err(|_| {
                        AppError::Invalid(mamori_domain::DomainError::new(
                            mamori_domain::approval::field::FOLLOW_UP,
                            "返却日を 2026-04-01 のように入力してください",
                        ))
                    })?;
                (FollowUp::Return { on }, "returned")
            }
            _ => {
                return Err(AppError::Invalid(mamori_domain::DomainError::new(
                    mamori_domain::approval::field::STATUS,
                    "実施・返却・完了・事後報告のいずれかを選んでください",
                )));
            }
        };
        let seen: u32 = form.get("version").parse().unwrap_or(u32::MAX);
        state
            .app
            .approvals()
            .follow_up(user, id, what, seen, &meta)
            .await?;
        Ok(done)
    }
    .await;
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/approvals/{id}?done={done}")).into_response()),
        Err(e) => on_detail(&state, user, id, e, "follow-up-form", None).await,
    }
}

// ---------------------------------------------------------------------------------------------
// /approvals/exceptions

#[derive(Debug)]
struct ReviewLine {
    id: String,
    number: String,
    applicant: String,
    unit: String,
    content: String,
    measures: String,
    until: String,
    left: String,
}

#[derive(Template, Debug)]
#[template(path = "approval_exceptions.html")]
struct ExceptionsPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    window: u32,
    reviews: Vec<ReviewLine>,
}

fn review_line(r: ExceptionReview) -> ReviewLine {
    let a = &r.application;
    ReviewLine {
        id: a.id.to_string(),
        number: a.number.clone(),
        applicant: a.applicant_name.clone(),
        unit: a.unit_name.clone(),
        content: a.kind_name.clone(),
        measures: r.measures.clone(),
        until: a.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        left: match r.days_left {
            d if d < 0 => format!("{}日超過", -d),
            0 => "本日まで".to_owned(),
            d => format!("あと{d}日"),
        },
    }
}

pub async fn exceptions(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    match state.app.approvals().exception_reviews(user).await {
        Ok((window, reviews)) => Ok(render(
            StatusCode::OK,
            &ExceptionsPage {
                chrome: chrome("例外措置の見直し", user),
                sub_nav: sub_nav("/approvals/exceptions"),
                window,
                reviews: reviews.into_iter().map(review_line).collect(),
            },
        )),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// /ledgers

#[derive(Debug)]
struct KindLine {
    key: String,
    name: String,
    clause: String,
    /// The deciding roles, in route order.
    route: String,
}

/// The kinds, those with a form of their own (a key other than the clause) first.
fn kind_lines(mut kinds: Vec<(ApplicationKind, String)>) -> Vec<KindLine> {
    kinds.sort_by_key(|(k, _)| k.key == k.clause);
    kinds
        .into_iter()
        .map(|(k, route)| KindLine {
            route,
            key: k.key,
            name: k.name,
            clause: k.clause,
        })
        .collect()
}

#[derive(Template, Debug)]
#[template(path = "ledgers.html")]
struct LedgersPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    kinds: Vec<KindLine>,
}

pub async fn ledgers(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    match state.app.approvals().application_kind_routes(user).await {
        Ok(kinds) => Ok(render(
            StatusCode::OK,
            &LedgersPage {
                chrome: chrome("台帳", user),
                sub_nav: sub_nav("/ledgers"),
                kinds: kind_lines(kinds),
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, Debug)]
#[template(path = "ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    key: String,
    name: String,
    clause: String,
    rows: Vec<LedgerRow>,
    q: crate::api::approvals::LedgerQuery,
    /// The filter as a query string, for the Excel link.
    query: String,
    /// (key, label) of the states, for the filter.
    statuses: Vec<(&'static str, &'static str)>,
    problem: Problem,
}

pub async fn ledger(
    State(state): State<AppState>,
    session: Session,
    Path(key): Path<String>,
    Query(q): Query<crate::api::approvals::LedgerQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let (filter, problem) = match q.filter() {
        Ok(f) => (f, Problem::default()),
        Err(e) => match refused(e, "ledger-filter") {
            Ok(problem) => (Default::default(), problem),
            Err(e) => return Err(e.into()),
        },
    };
    let query = [
        ("status", &q.status),
        ("unit", &q.unit),
        ("from", &q.from),
        ("to", &q.to),
        ("attention", &q.attention),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(|v| format!("&{k}={}", crate::view::url_encode(v)))
    })
    .collect::<String>();
    match state.app.approvals().ledger(user, &key, &filter).await {
        Ok((kind, rows)) => {
            let page = LedgerPage {
                chrome: chrome(format!("{}の台帳", kind.name), user),
                sub_nav: sub_nav("/ledgers"),
                key: kind.key,
                name: kind.name,
                clause: kind.clause,
                rows,
                q,
                query,
                statuses: mamori_domain::approval::Status::ALL
                    .into_iter()
                    .filter(|s| *s != mamori_domain::approval::Status::Draft)
                    .map(|s| (s.key(), s.label()))
                    .collect(),
                problem,
            };
            Ok(render(page.problem.status(), &page))
        }
        Err(e) => Err(e.into()),
    }
}
