//! /policy/{number}: one edition with its profile, the actions its state allows and the changes
//! of a draft's profile.

use super::*;

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
    incident_rules: Option<String>,
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

/// An edition in the body's own structure, in figures.
#[derive(Debug)]
struct OwnSummary {
    source: Option<String>,
    provisions: usize,
    linked: usize,
    clauses: usize,
    total: usize,
    by_analysis: usize,
    settled: usize,
}

fn own_summary(own: &mamori_domain::policy::document::OwnDocument, total: usize) -> OwnSummary {
    let links = || own.provisions.iter().flat_map(|p| p.links.iter());
    OwnSummary {
        source: own.source.clone(),
        provisions: own.provisions.len(),
        linked: own
            .provisions
            .iter()
            .filter(|p| !p.links.is_empty())
            .count(),
        clauses: own.linked_clauses().len(),
        total,
        by_analysis: links().filter(|l| !l.origin.is_settled()).count(),
        settled: links().filter(|l| l.origin.is_settled()).count(),
    }
}

#[derive(Template, Debug)]
#[template(path = "policy_edition.html")]
struct EditionPage {
    chrome: Chrome,
    /// The body's own document, when the edition is one.
    own: Option<OwnSummary>,
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
    /// Its key, for the choice on the profile.
    deciding_key: String,
    /// The 委員会 that must deliberate before the 決裁, by the rule in force.
    committee: Option<String>,
    /// The 議決 on this edition: (label, meeting link, of the current round).
    deliberations: Vec<(String, String, bool)>,
    /// The draft's own choice of deliberating role (its key; empty for none).
    deliberating_key: String,
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
    /// The body's incident rules (TOML) for the editor: what was typed after a refusal, the
    /// body's own, or the guideline's to start from.
    incident_rules: String,
    /// The body has rules of its own (not the guideline's).
    own_incident_rules: bool,
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
        own: p
            .document
            .as_ref()
            .map(|own| own_summary(own, catalog.clauses.len())),
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
        deciding_key: p.deciding_role.clone(),
        committee: view.committee.clone(),
        deliberations: view
            .deliberations
            .iter()
            .map(|d| {
                (
                    d.label(),
                    format!("/committee/{}", d.meeting_id),
                    d.round == e.round(),
                )
            })
            .collect(),
        deliberating_key: p.deliberating_role.clone().unwrap_or_default(),
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
        own_incident_rules: !p.incident_rules.trim().is_empty(),
        incident_rules: typed.incident_rules.unwrap_or_else(|| {
            if p.incident_rules.trim().is_empty() {
                mamori_domain::incident::rules::GUIDELINE_RULES.to_owned()
            } else {
                p.incident_rules.clone()
            }
        }),
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
    show_edition(&state, &session.user, edition_in_path(&number)?, None, row).await
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
    let n = edition_in_path(&number)?;
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
        incident_rules: Some(form.get("toml").to_owned()).filter(|_| op == "set-incident-rules"),
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
    let n = edition_in_path(&number)?;
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
        "set-deciding-role" => ProfileChange::SetDecidingRole {
            key: form.get("key").to_owned(),
        },
        "set-deliberating-role" => ProfileChange::SetDeliberatingRole {
            key: optional("key"),
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
        "set-incident-rules" => ProfileChange::SetIncidentRules {
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
