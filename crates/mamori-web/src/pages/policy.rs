//! The body's policy: editions and 改定履歴, one edition with its profile and the actions its
//! state allows, the clause editor, and the acknowledgement roll-up.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use mamori_app::organization::authority_matrix;
use mamori_app::policy::{
    EditionView, HandlingTable, MatrixColumn, ProfileChange, SCHEME_PRESETS, UnitRollup, guideline,
    guideline_organ_scope, handling_tables, matrix_columns, preset_in_use,
};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::DomainError;
use mamori_domain::authority::{MatrixMark, RoleMarkEntry};
use mamori_domain::classification::ClassificationScheme;
use mamori_domain::policy::{
    DeletedNumbering, Edition, EditionNumber, EditionStatus, HistoryLine, field,
};
use mamori_domain::separation::SodRule;
use mamori_domain::wareki::format_gregorian_as_wareki;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::Meta;
use crate::extract::Session;
use crate::pages::{parse_date, render};
use crate::view::{Chrome, datetime_ja, url_encode};

fn parse_number(raw: &str) -> Result<EditionNumber, AppError> {
    EditionNumber::parse(raw).map_err(AppError::from)
}

/// A row of the editions table.
#[derive(Debug)]
struct EditionRow {
    number: u32,
    label: String,
    title: String,
    status: &'static str,
    status_key: &'static str,
    kind: &'static str,
    decided: String,
    effective: String,
}

impl From<&Edition> for EditionRow {
    fn from(e: &Edition) -> Self {
        Self {
            number: e.number.get(),
            label: e.number.to_string(),
            title: e.title.clone(),
            status: e.status.label(),
            status_key: e.status.key(),
            kind: e.revision_kind.label(),
            decided: e
                .decision
                .as_ref()
                .map(|d| format!("{}（{}）", format_gregorian_as_wareki(d.on), d.by_name))
                .unwrap_or_default(),
            effective: e
                .effective_from
                .map(format_gregorian_as_wareki)
                .unwrap_or_default(),
        }
    }
}

#[derive(Template, Debug)]
#[template(path = "policy.html")]
struct PolicyPage {
    chrome: Chrome,
    editions: Vec<EditionRow>,
    history: Vec<String>,
    can_edit: bool,
    /// The edition a new draft would start from, when one may be started.
    draft_from: Option<u32>,
}

pub async fn list(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let user = &session.user;
    let editions = state.app.policy_editions(user).await?;
    let history = state.app.policy_history(user).await?;
    let can_edit = user.policy_editor().is_ok();
    let open = editions.iter().any(|e| {
        matches!(
            e.status,
            EditionStatus::Draft | EditionStatus::UnderReview | EditionStatus::Decided
        )
    });
    let draft_from = editions
        .iter()
        .find(|e| e.status == EditionStatus::InForce)
        .filter(|_| can_edit && !open)
        .map(|e| e.number.get());
    let page = PolicyPage {
        chrome: Chrome::for_user("情報セキュリティポリシー", user, "/policy"),
        editions: editions.iter().map(EditionRow::from).collect(),
        history: history.iter().map(HistoryLine::to_string).collect(),
        can_edit,
        draft_from,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Starts a new draft (from the edition in force) or the first edition.
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let editor = user.policy_editor()?;
    let result = match form.get("from") {
        "" => {
            state
                .app
                .create_first_edition(user, &editor, form.get("title"), &meta)
                .await
        }
        from => match parse_number(from) {
            Ok(n) => state.app.new_policy_draft(user, &editor, n, &meta).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(e) => Ok(Redirect::to(&format!("/policy/{}", e.number.get())).into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug)]
struct RecommendedRow {
    id: String,
    href_id: String,
    title: String,
    adopted: bool,
}

#[derive(Debug)]
struct ClauseRow {
    id: String,
    href_id: String,
    title: String,
    note: String,
}

#[derive(Debug)]
struct LocalRow {
    key: String,
    number: String,
    title: String,
    text: String,
    after: String,
}

#[derive(Debug)]
struct RoleRow {
    key: String,
    name: String,
    post: String,
}

#[derive(Debug)]
struct ParamRow {
    key: String,
    label: String,
    value: String,
    unit: String,
}

/// A row of the 権限・責任等一覧表 the body adjusted.
#[derive(Debug)]
struct AuthorityRow {
    id: String,
    href_id: String,
    title: String,
    /// (symbol, role as the body names it), in column order.
    marks: Vec<(&'static str, String)>,
    guideline: Vec<(&'static str, String)>,
}

/// A column of the row form, with the mark chosen ("" = なし).
#[derive(Debug)]
struct ColumnChoice {
    key: String,
    name: String,
    appointed: bool,
    mark: String,
}

/// A rule of 兼務の禁止 with the exception the profile allows.
#[derive(Debug)]
struct SeparationRow {
    key: &'static str,
    label: &'static str,
    clause: &'static str,
    href_id: String,
    case: Option<String>,
    /// The field its form names in errors, and the case as typed.
    field: String,
    typed: String,
}

#[derive(Debug)]
struct SendBackRow {
    comment: String,
    by: String,
    at: String,
}

/// What a person typed into the long fields of the edition page, kept when the change is
/// refused so that nothing typed is lost.
#[derive(Debug, Default)]
struct Typed {
    comment: String,
    scheme: Option<String>,
    organs: Option<String>,
    /// The clause of the 権限・責任等一覧表 row form; without `row_marks`, the form shows the
    /// clause's current row.
    row_clause: Option<String>,
    /// Role key → mark key, as chosen on the row form.
    row_marks: Option<BTreeMap<String, String>>,
    /// (rule key, case) of a 兼務 exception form.
    separation: Option<(String, String)>,
    approval_kinds: Option<String>,
}

/// A refused change, shown on the edition page with the status of the error.
struct Refusal {
    status: StatusCode,
    message: String,
    field: String,
    typed: Typed,
}

impl Refusal {
    fn of(error: &AppError, typed: Typed) -> Self {
        Self {
            status: crate::error::status_of(error),
            message: error.to_string(),
            field: error.field().unwrap_or_default().to_owned(),
            typed,
        }
    }
}

#[derive(Template, Debug)]
#[template(path = "policy_edition.html")]
struct EditionPage {
    chrome: Chrome,
    e: EditionRow,
    based_on: Option<String>,
    error: Option<String>,
    editable: bool,
    can_submit: bool,
    can_send_back: bool,
    can_decide: bool,
    /// The case in which the profile lets the drafter decide (兼務の禁止 ①'s exception).
    decide_exception: Option<String>,
    can_enforce: bool,
    can_publish: bool,
    can_abolish: bool,
    can_acknowledge: bool,
    can_see_rollup: bool,
    published: Option<String>,
    acknowledged: Option<String>,
    /// The latest 差戻し and how many there were.
    send_back: Option<SendBackRow>,
    send_back_count: usize,
    /// The field a refused change named, to mark it on its form.
    error_field: String,
    /// The send-back comment as typed.
    comment: String,
    deciding_role: String,
    today: String,
    recommended: Vec<RecommendedRow>,
    amendments: Vec<ClauseRow>,
    deletions: Vec<ClauseRow>,
    locals: Vec<LocalRow>,
    roles: Vec<RoleRow>,
    params: Vec<ParamRow>,
    scheme: String,
    /// From which classification on opening an asset is recorded (「機密性３」).
    read_log: String,
    /// The scheme's TOML, for the editor (what was typed, after a refusal).
    scheme_toml: String,
    /// The body's own 申請の種類 (TOML), for the editor (what was typed, after a refusal).
    approval_kinds: String,
    /// Whether the scheme is one of the shipped ones, unchanged.
    scheme_is_preset: bool,
    body_term: String,
    /// (key, name, selected) of the shipped schemes, for the selector of a draft.
    schemes: Vec<(&'static str, &'static str, bool)>,
    handling: Vec<HandlingTable>,
    organs: Vec<String>,
    /// One organ per line, for the editor.
    organs_text: String,
    /// The clause that lists the organs, as the policy reads it.
    organs_clause: String,
    organs_clause_text: String,
    /// The body amended that clause: its own wording stands instead of the list.
    organs_clause_amended: bool,
    /// (key, label, chosen) of the ways to number deleted clauses.
    numberings: Vec<(&'static str, &'static str, bool)>,
    authority_rows: Vec<AuthorityRow>,
    /// The clause and the marks per column of the row form.
    authority_clause: String,
    columns: Vec<ColumnChoice>,
    /// (key, label) of the choices of a mark, 「なし」 first.
    mark_options: Vec<(&'static str, String)>,
    separation: Vec<SeparationRow>,
}

/// The marks of a row as (symbol, role as the body names it).
fn marks_shown(marks: &[RoleMarkEntry], columns: &[MatrixColumn]) -> Vec<(&'static str, String)> {
    marks
        .iter()
        .map(|m| {
            let name = columns
                .iter()
                .find(|c| c.key == m.role)
                .map_or_else(|| m.role.clone(), |c| c.name.clone());
            (m.mark.symbol(), name)
        })
        .collect()
}

/// The body's adjusted rows of the 権限・責任等一覧表 and the row form, filled with what was
/// typed or with the current row of the clause asked for.
fn authority_section(
    p: &mamori_domain::policy::Profile,
    typed_clause: Option<String>,
    typed_marks: Option<BTreeMap<String, String>>,
) -> Result<(Vec<AuthorityRow>, String, Vec<ColumnChoice>), AppError> {
    let catalog = guideline()?;
    let columns = matrix_columns(p)?;
    let guideline_rows = authority_matrix(None)?;
    let rows = p
        .authority_overrides
        .iter()
        .map(|(id, marks)| AuthorityRow {
            id: id.clone(),
            href_id: url_encode(id),
            title: catalog
                .clause(id)
                .map_or_else(String::new, |c| c.title.clone()),
            marks: marks_shown(marks, &columns),
            guideline: marks_shown(guideline_rows.row(id), &columns),
        })
        .collect();
    let clause = typed_clause.unwrap_or_default().trim().to_owned();
    let chosen: BTreeMap<String, String> = typed_marks.unwrap_or_else(|| {
        let current = p
            .authority_overrides
            .get(&clause)
            .map_or_else(|| guideline_rows.row(&clause), Vec::as_slice);
        current
            .iter()
            .map(|m| (m.role.clone(), mark_key(m.mark).to_owned()))
            .collect()
    });
    let choices = columns
        .into_iter()
        .map(|c| ColumnChoice {
            mark: chosen.get(&c.key).cloned().unwrap_or_default(),
            key: c.key,
            name: c.name,
            appointed: c.appointed,
        })
        .collect();
    Ok((rows, clause, choices))
}

const MARKS: [MatrixMark; 4] = [
    MatrixMark::Holds,
    MatrixMark::Mentioned,
    MatrixMark::Permits,
    MatrixMark::Approves,
];

/// The key a mark is posted with.
fn mark_key(mark: MatrixMark) -> &'static str {
    match mark {
        MatrixMark::Holds => "holds",
        MatrixMark::Mentioned => "mentioned",
        MatrixMark::Permits => "permits",
        MatrixMark::Approves => "approves",
    }
}

/// The marks of a row as the form posts them: one `mark-{role}` select per column, 「なし」 empty.
fn posted_marks(form: &VerifiedForm) -> BTreeMap<String, String> {
    form.fields
        .iter()
        .filter_map(|(name, value)| {
            let role = name.strip_prefix("mark-")?;
            Some((role.to_owned(), value.trim().to_owned())).filter(|(_, v)| !v.is_empty())
        })
        .collect()
}

fn read_marks(posted: &BTreeMap<String, String>) -> Result<Vec<RoleMarkEntry>, AppError> {
    posted
        .iter()
        .map(|(role, value)| {
            let mark = MatrixMark::parse(value).ok_or_else(|| {
                AppError::Invalid(DomainError::new(
                    field::AUTHORITY,
                    format!("役割「{role}」の印「{value}」は読めません（○・△・許・承のいずれか）"),
                ))
            })?;
            Ok(RoleMarkEntry {
                role: role.clone(),
                mark,
            })
        })
        .collect()
}

fn sod_rule(key: &str) -> Result<SodRule, AppError> {
    SodRule::parse(key).ok_or_else(|| {
        AppError::Invalid(DomainError::new(
            "兼務の禁止",
            format!("「{key}」という規則はありません"),
        ))
    })
}

fn edition_page(
    user: &CurrentUser,
    view: &EditionView,
    today: NaiveDate,
    refusal: Option<Refusal>,
    row: Option<String>,
) -> Result<EditionPage, AppError> {
    let catalog = guideline()?;
    let e = &view.edition;
    let p = &e.profile;
    let editor = user.policy_editor().is_ok();
    let decider = user.role_keys().contains(&p.deciding_role);
    let title_of = |id: &str| {
        catalog
            .clause(id)
            .map_or_else(String::new, |c| c.title.clone())
    };
    let (scheme, read_log) = ClassificationScheme::from_toml(&p.classification_scheme)
        .map(|s| (s.name().to_owned(), s.read_log_label()))
        .unwrap_or_else(|e| (format!("（読み込めません: {e}）"), String::new()));
    let (error, error_field, typed) = match refusal {
        Some(r) => (Some(r.message), r.field, r.typed),
        None => (None, String::new(), Typed::default()),
    };
    let scope = match &p.organ_scope {
        Some(scope) => scope.clone(),
        None => guideline_organ_scope()?,
    };
    let organs_model = catalog
        .clause(&scope.clause)
        .map(|c| c.model_text.as_str())
        .unwrap_or_default();
    let organs_amendment = p.amendments.get(&scope.clause);
    let preset = preset_in_use(p);
    let (authority_rows, authority_clause, columns) =
        authority_section(p, typed.row_clause.or(row), typed.row_marks)?;
    let separation = SodRule::ALL
        .into_iter()
        .map(|rule| {
            let case = p.separation.exceptions.get(&rule).cloned();
            let typed = match &typed.separation {
                Some((key, text)) if key == rule.key() => text.clone(),
                _ => case.clone().unwrap_or_default(),
            };
            SeparationRow {
                key: rule.key(),
                label: rule.label(),
                clause: rule.clause(),
                href_id: url_encode(rule.clause()),
                case,
                field: field::separation(rule),
                typed,
            }
        })
        .collect();
    Ok(EditionPage {
        chrome: Chrome::for_user(format!("{} {}", e.number, e.title), user, "/policy"),
        based_on: e.based_on.map(|n| n.to_string()),
        error,
        error_field,
        comment: typed.comment,
        send_back: e.last_send_back().map(|b| SendBackRow {
            comment: b.comment.clone(),
            by: match &b.deciding_role {
                Some(role) => format!("{}（{}）", b.by_name, p.role_name(role)),
                None => b.by_name.clone(),
            },
            at: datetime_ja(b.at),
        }),
        send_back_count: e.send_backs.len(),
        editable: editor && e.status == EditionStatus::Draft,
        can_submit: editor && e.status == EditionStatus::Draft,
        can_send_back: (editor || decider) && e.status == EditionStatus::UnderReview,
        can_decide: decider && e.status == EditionStatus::UnderReview,
        decide_exception: view.decide_exception.clone(),
        can_enforce: editor && e.status == EditionStatus::Decided,
        can_publish: editor && e.status == EditionStatus::InForce && view.published_at.is_none(),
        can_abolish: editor && e.status == EditionStatus::InForce,
        can_acknowledge: view.published_at.is_some()
            && view.acknowledged_at.is_none()
            && user.account.person_id.is_some(),
        can_see_rollup: editor && view.published_at.is_some(),
        published: view.published_at.map(datetime_ja),
        acknowledged: view.acknowledged_at.map(datetime_ja),
        deciding_role: p.role_name(&p.deciding_role),
        today: today.to_string(),
        recommended: catalog
            .clauses
            .iter()
            .filter(|c| c.recommended)
            .map(|c| RecommendedRow {
                id: c.id.to_string(),
                href_id: url_encode(c.id.as_str()),
                title: c.title.clone(),
                adopted: p.adopted_recommended.contains(c.id.as_str()),
            })
            .collect(),
        amendments: p
            .amendments
            .iter()
            .map(|(id, a)| ClauseRow {
                id: id.clone(),
                href_id: url_encode(id),
                title: title_of(id),
                note: a.reason.clone().unwrap_or_default(),
            })
            .collect(),
        deletions: p
            .deletions
            .iter()
            .map(|(id, reason)| ClauseRow {
                id: id.clone(),
                href_id: url_encode(id),
                title: title_of(id),
                note: reason.clone(),
            })
            .collect(),
        locals: p
            .local_clauses
            .iter()
            .map(|c| LocalRow {
                key: c.key.clone(),
                number: c.number.clone(),
                title: c.title.clone(),
                text: c.text.clone(),
                after: c.after.clone().unwrap_or_default(),
            })
            .collect(),
        roles: p
            .roles
            .iter()
            .map(|r| RoleRow {
                key: r.key.clone(),
                name: r.name.clone(),
                post: r.post.clone().unwrap_or_default(),
            })
            .collect(),
        params: p
            .parameters
            .iter()
            .map(|x| ParamRow {
                key: x.key.clone(),
                label: x.label.clone(),
                value: x.value.clone(),
                unit: x.unit.clone().unwrap_or_default(),
            })
            .collect(),
        scheme,
        read_log,
        scheme_toml: typed
            .scheme
            .unwrap_or_else(|| p.classification_scheme.clone()),
        approval_kinds: typed
            .approval_kinds
            .unwrap_or_else(|| p.approval_kinds.clone()),
        scheme_is_preset: preset.is_some(),
        body_term: p.body_term.clone(),
        schemes: SCHEME_PRESETS
            .iter()
            .map(|(key, name)| (*key, *name, Some(*key) == preset))
            .collect(),
        handling: handling_tables(p)?,
        organs_text: typed.organs.unwrap_or_else(|| scope.organs.join("\n")),
        organs_clause_text: organs_amendment.map_or_else(
            || p.guideline_text(&scope.clause, organs_model),
            |a| a.text.clone(),
        ),
        organs_clause_amended: organs_amendment.is_some(),
        organs_clause: scope.clause,
        organs: scope.organs,
        numberings: DeletedNumbering::ALL
            .iter()
            .map(|n| (n.key(), n.label(), *n == p.deleted_numbering))
            .collect(),
        authority_rows,
        authority_clause,
        columns,
        mark_options: std::iter::once(("", "なし".to_owned()))
            .chain(
                MARKS
                    .iter()
                    .map(|m| (mark_key(*m), format!("{}（{}）", m.symbol(), m.label()))),
            )
            .collect(),
        separation,
        e: EditionRow::from(e),
    })
}

/// The edition page; `row` fills the form of the 権限・責任等一覧表 with that clause's row.
async fn show_edition(
    state: &AppState,
    user: &CurrentUser,
    number: EditionNumber,
    refusal: Option<Refusal>,
    row: Option<String>,
) -> Result<Response, PageError> {
    let view = state.app.policy_edition(user, number).await?;
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let page = edition_page(user, &view, state.app.today(), refusal, row)?;
    Ok(render(status, &page))
}

#[derive(Debug, Deserialize)]
pub struct EditionQuery {
    /// A clause whose row of the 権限・責任等一覧表 fills the row form.
    row: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<EditionQuery>,
) -> Result<Response, PageError> {
    let row = q.row.filter(|r| !r.trim().is_empty());
    match parse_number(&number) {
        Ok(n) => show_edition(&state, &session.user, n, None, row).await,
        Err(_) => Err(AppError::NotFound(format!("「{number}」という版")).into()),
    }
}

/// State changes of an edition: submit, send back, decide, enforce, publish, acknowledge.
pub async fn act(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((number, action)): Path<(String, String)>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let Ok(n) = parse_number(&number) else {
        return Err(AppError::NotFound(format!("「{number}」という版")).into());
    };
    let m = meta;
    let app = &state.app;
    let result: Result<(), AppError> = match action.as_str() {
        "submit" => match user.policy_editor() {
            Ok(ed) => app.submit_policy_edition(user, &ed, n, &m).await.map(drop),
            Err(e) => Err(e),
        },
        "send-back" => app
            .send_back_policy_edition(user, n, form.get("comment"), &m)
            .await
            .map(drop),
        "decide" => app
            .decide_policy_edition(user, n, Some(form.get("sod_reason")), &m)
            .await
            .map(drop),
        "enforce" => match (
            user.policy_editor(),
            parse_date("施行日", form.get("effective_from")),
        ) {
            (Ok(ed), Ok(date)) => app
                .enforce_policy_edition(user, &ed, n, date, &m)
                .await
                .map(drop),
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        "abolish" => match user.policy_editor() {
            Ok(ed) => app.abolish_policy_edition(user, &ed, n, &m).await.map(drop),
            Err(e) => Err(e),
        },
        "publish" => match user.policy_editor() {
            Ok(ed) => app.publish_policy_edition(user, &ed, n, &m).await,
            Err(e) => Err(e),
        },
        "acknowledge" => app.acknowledge_policy_edition(user, n, &m).await,
        _ => Err(AppError::NotFound("操作".to_owned())),
    };
    let typed = Typed {
        comment: form.get("comment").to_owned(),
        ..Typed::default()
    };
    after_change(&state, user, n, result, typed).await
}

/// After a change: back to the edition on success (303), or the edition with the message, the
/// error's status and what was typed when the change was refused.
async fn after_change(
    state: &AppState,
    user: &CurrentUser,
    n: EditionNumber,
    result: Result<(), AppError>,
    typed: Typed,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/policy/{}", n.get())).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            show_edition(state, user, n, Some(Refusal::of(&e, typed)), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// What was typed into the long fields of the edition page's profile forms.
fn typed_of(form: &VerifiedForm) -> Typed {
    let op = form.get("op");
    Typed {
        scheme: Some(form.get("toml").to_owned()).filter(|_| op == "define-scheme"),
        organs: Some(form.get("organs").to_owned()).filter(|_| op == "set-organs"),
        row_clause: Some(form.get("clause").to_owned()).filter(|_| op == "set-authority-row"),
        row_marks: Some(posted_marks(form)).filter(|_| op == "set-authority-row"),
        separation: Some((form.get("rule").to_owned(), form.get("case").to_owned()))
            .filter(|_| op == "set-separation-exception"),
        approval_kinds: Some(form.get("toml").to_owned()).filter(|_| op == "set-approval-kinds"),
        ..Typed::default()
    }
}

/// Profile changes of a draft, from the edition page and the clause editor.
pub async fn change(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(number): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let Ok(n) = parse_number(&number) else {
        return Err(AppError::NotFound(format!("「{number}」という版")).into());
    };
    let editor = user.policy_editor()?;
    let clause = form.get("clause").to_owned();
    let optional = |k: &str| Some(form.get(k).to_owned()).filter(|s| !s.trim().is_empty());
    let op = form.get("op");
    let change = match op {
        "adopt" => ProfileChange::Adopt {
            clause: clause.clone(),
            adopted: true,
        },
        "unadopt" => ProfileChange::Adopt {
            clause: clause.clone(),
            adopted: false,
        },
        "amend" => ProfileChange::Amend {
            clause: clause.clone(),
            text: form.get("text").to_owned(),
            reason: optional("reason"),
        },
        "revert" => ProfileChange::Revert {
            clause: clause.clone(),
        },
        "delete" => ProfileChange::Delete {
            clause: clause.clone(),
            reason: form.get("reason").to_owned(),
        },
        "restore" => ProfileChange::Restore {
            clause: clause.clone(),
        },
        "rename-role" => ProfileChange::RenameRole {
            key: form.get("key").to_owned(),
            name: form.get("name").to_owned(),
            post: optional("post"),
        },
        "set-body-term" => ProfileChange::SetBodyTerm {
            term: form.get("term").to_owned(),
        },
        "add-local" => ProfileChange::AddLocal(mamori_domain::policy::LocalClause {
            // A fresh key: the body's own number may change, the key never does.
            key: format!("local-{}", uuid::Uuid::now_v7().simple()),
            number: form.get("number").trim().to_owned(),
            title: form.get("title").trim().to_owned(),
            text: form.get("text").trim().to_owned(),
            after: optional("after").map(|a| a.trim().to_owned()),
        }),
        "remove-local" => ProfileChange::RemoveLocal {
            key: form.get("key").to_owned(),
        },
        "set-scheme" => ProfileChange::SetScheme {
            preset: form.get("preset").to_owned(),
        },
        "define-scheme" => ProfileChange::DefineScheme {
            toml: form.get("toml").to_owned(),
        },
        "set-approval-kinds" => ProfileChange::SetApprovalKinds {
            toml: form.get("toml").to_owned(),
        },
        "set-organs" => ProfileChange::SetOrgans {
            organs: form.get("organs").lines().map(str::to_owned).collect(),
        },
        "move-local" => ProfileChange::MoveLocal {
            key: form.get("key").to_owned(),
            number: form.get("number").to_owned(),
            after: optional("after"),
        },
        "set-deleted-numbering" => ProfileChange::SetDeletedNumbering {
            numbering: form.get("numbering").to_owned(),
        },
        "set-parameter" => ProfileChange::SetParameter {
            key: form.get("key").to_owned(),
            value: form.get("value").to_owned(),
        },
        "set-authority-row" => match read_marks(&posted_marks(&form)) {
            Ok(marks) => ProfileChange::SetAuthorityRow {
                clause: clause.trim().to_owned(),
                marks,
            },
            Err(e) => return after_change(&state, user, n, Err(e), typed_of(&form)).await,
        },
        "reset-authority-row" => ProfileChange::ResetAuthorityRow {
            clause: clause.clone(),
        },
        "set-separation-exception" | "remove-separation-exception" => {
            ProfileChange::SetSeparationException {
                rule: sod_rule(form.get("rule"))?,
                case: (op == "set-separation-exception").then(|| form.get("case").to_owned()),
            }
        }
        other => {
            return Err(AppError::Invalid(DomainError::new(
                "操作",
                format!("「{other}」という操作はありません"),
            ))
            .into());
        }
    };
    let from_clause_editor = form.get("back") == "clause";
    let result = state
        .app
        .change_policy_profile(user, &editor, n, change, &meta)
        .await
        .map(drop);
    match (result, from_clause_editor) {
        (Ok(()), true) => Ok(Redirect::to(&format!(
            "/policy/{}/clause?id={}",
            n.get(),
            url_encode(&clause)
        ))
        .into_response()),
        (Err(e @ AppError::Invalid(_)), true) => {
            clause_editor(
                &state,
                user,
                n,
                &clause,
                Some(e.to_string()),
                Some(form.get("text").to_owned()),
            )
            .await
        }
        (result, _) => after_change(&state, user, n, result, typed_of(&form)).await,
    }
}

#[derive(Template, Debug)]
#[template(path = "policy_clause.html")]
struct ClausePage {
    chrome: Chrome,
    number: u32,
    edition_label: String,
    id: String,
    title: String,
    model_text: String,
    current_text: String,
    reason: String,
    amended: bool,
    deleted: Option<String>,
    recommended: bool,
    adopted: bool,
    editable: bool,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ClauseQuery {
    id: String,
}

pub async fn clause(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<ClauseQuery>,
) -> Result<Response, PageError> {
    let Ok(n) = parse_number(&number) else {
        return Err(AppError::NotFound(format!("「{number}」という版")).into());
    };
    clause_editor(&state, &session.user, n, &q.id, None, None).await
}

async fn clause_editor(
    state: &AppState,
    user: &CurrentUser,
    n: EditionNumber,
    id: &str,
    error: Option<String>,
    typed: Option<String>,
) -> Result<Response, PageError> {
    let catalog = guideline()?;
    let Some(c) = catalog.clause(id) else {
        return Err(AppError::NotFound(format!("条項「{id}」")).into());
    };
    let view = state.app.policy_edition(user, n).await?;
    let e = &view.edition;
    let amendment = e.profile.amendments.get(id);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ClausePage {
        chrome: Chrome::for_user(format!("{} {}", id, c.title), user, "/policy"),
        number: n.get(),
        edition_label: e.number.to_string(),
        id: id.to_owned(),
        title: c.title.clone(),
        model_text: c.model_text.clone(),
        current_text: typed
            .unwrap_or_else(|| amendment.map_or_else(|| c.model_text.clone(), |a| a.text.clone())),
        reason: amendment.and_then(|a| a.reason.clone()).unwrap_or_default(),
        amended: amendment.is_some(),
        deleted: e.profile.deletions.get(id).cloned(),
        recommended: c.recommended,
        adopted: e.profile.adopted_recommended.contains(id),
        editable: user.policy_editor().is_ok() && e.status == EditionStatus::Draft,
        error,
    };
    Ok(render(status, &page))
}

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
    let Ok(n) = parse_number(&number) else {
        return Err(AppError::NotFound(format!("「{number}」という版")).into());
    };
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

/// A piece of text in the side-by-side view: `mark` is `del`, `ins` or empty.
#[derive(Debug)]
pub(crate) struct Piece {
    pub(crate) mark: &'static str,
    pub(crate) text: String,
}

#[derive(Debug)]
struct DiffRow {
    label: String,
    kind: &'static str,
    kind_label: &'static str,
    moved: bool,
    retitled: bool,
    left: Vec<Piece>,
    right: Vec<Piece>,
}

#[derive(Template, Debug)]
#[template(path = "policy_diff.html")]
struct DiffPage {
    chrome: Chrome,
    number: u32,
    from_label: String,
    to_label: String,
    choices: Vec<(String, String, bool)>,
    rows: Vec<DiffRow>,
    added: usize,
    removed: usize,
    changed: usize,
    moved: usize,
    unchanged: usize,
    show_all: bool,
}

#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    from: Option<String>,
    all: Option<String>,
}

pub(crate) fn pieces(segments: &[mamori_domain::diff::Segment]) -> Vec<Piece> {
    use mamori_domain::diff::SegmentKind;
    segments
        .iter()
        .map(|s| Piece {
            mark: match s.kind {
                SegmentKind::Equal => "",
                SegmentKind::Deleted => "del",
                SegmentKind::Inserted => "ins",
            },
            text: s.text.clone(),
        })
        .collect()
}

fn plain(text: Option<&str>) -> Vec<Piece> {
    text.map(|t| {
        vec![Piece {
            mark: "",
            text: t.to_owned(),
        }]
    })
    .unwrap_or_default()
}

pub async fn diff(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, PageError> {
    use mamori_app::policy::DiffSide;
    use mamori_domain::diff::ClauseChangeKind;
    let user = &session.user;
    let (n, body, view, may_see_drafts) = visible_edition(&state, user, &number).await?;
    let default_from = view
        .edition
        .based_on
        .map_or_else(|| "guideline".to_owned(), |b| b.get().to_string());
    let from_value = q
        .from
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or(default_from);
    let from = DiffSide::parse(&from_value).map_err(AppError::from)?;
    let result = state
        .app
        .policy_diff(body, from, DiffSide::Edition(n), may_see_drafts)
        .await?;
    let show_all = q.all.as_deref() == Some("1");
    let rows = result
        .changes
        .iter()
        .filter(|c| {
            show_all
                || c.moved
                || c.retitled
                || !matches!(c.kind, ClauseChangeKind::Unchanged { .. })
        })
        .map(|c| {
            let (kind, kind_label, left, right) = match &c.kind {
                ClauseChangeKind::Unchanged { text } => (
                    "unchanged",
                    "変更なし",
                    plain(Some(text)),
                    plain(Some(text)),
                ),
                ClauseChangeKind::Added { text } => {
                    ("added", "追加", Vec::new(), plain(Some(text)))
                }
                ClauseChangeKind::Removed { text } => {
                    ("removed", "削除", plain(Some(text)), Vec::new())
                }
                ClauseChangeKind::Changed { segments } => {
                    let (l, r) = mamori_domain::diff::side_by_side(segments);
                    ("changed", "文言の変更", pieces(&l), pieces(&r))
                }
            };
            DiffRow {
                label: c
                    .new_label
                    .clone()
                    .or_else(|| c.old_label.clone())
                    .unwrap_or_else(|| c.key.clone()),
                kind,
                kind_label,
                moved: c.moved,
                retitled: c.retitled,
                left,
                right,
            }
        })
        .collect();
    let editions = state.app.policy_editions(user).await.unwrap_or_default();
    let mut choices = vec![(
        "guideline".to_owned(),
        "ガイドライン（例文）".to_owned(),
        from == DiffSide::Guideline,
    )];
    for e in editions.iter().filter(|e| e.number != n) {
        choices.push((
            e.number.get().to_string(),
            e.number.to_string(),
            from == DiffSide::Edition(e.number),
        ));
    }
    let s = &result.summary;
    let page = DiffPage {
        chrome: Chrome::for_user(format!("{n} の比較"), user, "/policy"),
        number: n.get(),
        from_label: from.label(),
        to_label: n.to_string(),
        choices,
        rows,
        added: s.added,
        removed: s.removed,
        changed: s.changed,
        moved: s.moved,
        unchanged: s.unchanged,
        show_all,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The document of an edition the user may see.
async fn build_document(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
) -> Result<mamori_io::policy_document::PolicyDocument, AppError> {
    let (n, body, _view, include_drafts) = visible_edition(state, user, number).await?;
    let (edition, history) = state
        .app
        .policy_for_publication(body, Some(n), include_drafts)
        .await?;
    Ok(mamori_io::policy_document::build(
        &edition,
        &history,
        guideline()?,
    )?)
}

/// The edition as a published document (HTML, print-ready).
pub async fn document(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let doc = build_document(&state, &session.user, &number).await?;
    match crate::document::render_policy_document(&doc, false) {
        Ok(html) => Ok(axum::response::Html(html).into_response()),
        Err(e) => Err(PageError::from(AppError::Internal(format!(
            "document template: {e}"
        )))),
    }
}

/// The edition as a Word document.
pub async fn document_docx(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let doc = build_document(&state, &session.user, &number).await?;
    match mamori_io::docx::policy_docx(&doc) {
        Ok(bytes) => Ok(download(
            &doc,
            bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        )),
        Err(e) => Err(PageError::from(AppError::Internal(e.to_string()))),
    }
}

/// The edition as PDF.
pub async fn document_pdf(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let doc = build_document(&state, &session.user, &number).await?;
    // Typesetting takes a CPU for a second or more: keep it off the async workers.
    let typeset = {
        let doc = doc.clone();
        tokio::task::spawn_blocking(move || mamori_pdf::policy_pdf(&doc)).await
    };
    match typeset {
        Ok(Ok(bytes)) => Ok(download(&doc, bytes, "application/pdf", "pdf")),
        Ok(Err(e)) => Err(PageError::from(AppError::Internal(e.to_string()))),
        Err(e) => Err(PageError::from(AppError::Internal(format!(
            "PDF の組版が中断しました: {e}"
        )))),
    }
}

/// A document file as a download named after the policy and its edition.
fn download(
    doc: &mamori_io::policy_document::PolicyDocument,
    bytes: Vec<u8>,
    content_type: &'static str,
    extension: &str,
) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    let number = doc
        .edition_label
        .trim_start_matches('第')
        .trim_end_matches('版')
        .to_owned();
    headers.insert(
        axum::http::header::CONTENT_DISPOSITION,
        crate::pages::catalog::attachment(
            &format!("policy-edition-{number}.{extension}"),
            &format!("{}_{}.{extension}", doc.title, doc.edition_caption()),
        ),
    );
    response
}

/// The edition a read-only view shows, if the user may see it: its number, the body, the view,
/// and whether the user may also see drafts (editors and the deciding role; staff see decided
/// editions only).
async fn visible_edition(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
) -> Result<(EditionNumber, mamori_domain::ids::BodyId, EditionView, bool), AppError> {
    let n =
        parse_number(number).map_err(|_| AppError::NotFound(format!("「{number}」という版")))?;
    let body = user.body()?.id;
    let view = state.app.policy_edition(user, n).await?;
    let drafts = user.policy_editor().is_ok()
        || user
            .role_keys()
            .contains(&view.edition.profile.deciding_role);
    Ok((n, body, view, drafts))
}
