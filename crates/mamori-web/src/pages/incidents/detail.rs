//! One incident: its chain, triage, reports outside, timeline, members, 再発防止策 and closing,
//! the changes posted from it, and its files and 報告書.

use super::*;

#[derive(Debug)]
struct ChainLine {
    n: usize,
    role: String,
    holders: String,
    /// 未通知, 確認待ち, 確認済み, 該当者なし
    state: &'static str,
    state_class: &'static str,
    told: String,
    deadline: String,
    acknowledged: String,
    escalated: bool,
    gap: String,
    late: bool,
}

fn chain_lines(i: &Incident, now: chrono::DateTime<Utc>) -> Vec<ChainLine> {
    i.chain
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let (state, state_class) = match (&s.acknowledged, s.told_at, s.holders.is_empty()) {
                (Some(_), _, _) => ("確認済み", "status-in_force"),
                (None, _, true) => ("該当者なし", "status-failed"),
                (None, Some(_), false) => ("確認待ち", "status-away"),
                (None, None, false) => ("未通知", "status-draft"),
            };
            ChainLine {
                n: n + 1,
                role: s.label(),
                holders: s
                    .holders
                    .iter()
                    .map(mamori_domain::authority::Holder::label)
                    .collect::<Vec<_>>()
                    .join("、"),
                state,
                state_class,
                told: s.told_at.map(datetime_ja).unwrap_or_default(),
                deadline: if s.acknowledged.is_none() {
                    s.lapses_at().map(datetime_ja).unwrap_or_default()
                } else {
                    String::new()
                },
                acknowledged: s
                    .acknowledged
                    .as_ref()
                    .map(|a| format!("{}（{}）", a.by.name, datetime_ja(a.at)))
                    .unwrap_or_default(),
                escalated: s.escalated,
                gap: s.gap.clone().unwrap_or_default(),
                late: s.acknowledged.is_none() && s.lapses_at().is_some_and(|at| at <= now),
            }
        })
        .collect()
}

#[derive(Debug)]
struct StageLine {
    recipient: String,
    basis: String,
    stage: &'static str,
    due: String,
    sent: String,
    content: String,
    /// (file id, name) of the copy of what was sent.
    file: Option<(String, String)>,
    overdue: bool,
    due_soon: bool,
}

fn stage_lines(i: &Incident, today: NaiveDate) -> Vec<StageLine> {
    let soon = today + chrono::Duration::days(2);
    i.external
        .iter()
        .flat_map(|e| {
            e.stages().map(move |(kind, s)| StageLine {
                recipient: e.recipient.clone(),
                basis: e.basis.clone(),
                stage: e.stage_label(kind),
                due: s.due.to_string(),
                sent: s
                    .sent
                    .as_ref()
                    .map(|x| format!("{}（{}）", x.on, x.by.name))
                    .unwrap_or_default(),
                content: s
                    .sent
                    .as_ref()
                    .map(|x| x.content.clone())
                    .unwrap_or_default(),
                file: s
                    .sent
                    .as_ref()
                    .and_then(|x| x.file.as_ref())
                    .map(|f| (f.id.to_string(), f.name.clone())),
                overdue: i.status.is_open() && s.is_overdue(today),
                due_soon: i.status.is_open() && s.sent.is_none() && s.due >= today && s.due <= soon,
            })
        })
        .collect()
}

#[derive(Debug)]
struct EntryLine {
    at: String,
    by: String,
    what: String,
    permit: String,
    text: String,
    /// (file id, name, size and SHA-256, custody) of an evidence file.
    file: Option<(String, String, String, String)>,
}

fn entry_lines(i: &Incident) -> Vec<EntryLine> {
    let name_of = |id: IncidentFileId| {
        i.evidence()
            .find(|f| f.id == id)
            .map_or_else(String::new, |f| f.name.clone())
    };
    i.timeline
        .iter()
        .map(|e| {
            let permit = match &e.kind {
                EntryKind::Action {
                    role_name, permit, ..
                } => match permit {
                    Permit::Permitted { by } => format!(
                        "{}の許可（{}）",
                        role_name.as_deref().unwrap_or("権限者"),
                        by.name
                    ),
                    Permit::ReportedAfter => format!(
                        "緊急のため実施し、{}へ事後報告",
                        role_name.as_deref().unwrap_or("権限者")
                    ),
                    Permit::NotNeeded => "許可不要".to_owned(),
                },
                EntryKind::Evidence {
                    copy_of: Some(original),
                    ..
                } => format!("原本「{}」の複製", name_of(*original)),
                _ => String::new(),
            };
            let file = match &e.kind {
                EntryKind::Evidence { file, custody, .. } => Some((
                    file.id.to_string(),
                    file.name.clone(),
                    format!("{} バイト、SHA-256 {}", file.size_bytes, file.sha256),
                    custody.clone(),
                )),
                _ => None,
            };
            EntryLine {
                at: datetime_ja(e.at),
                by: e.by.name.clone(),
                what: e.kind.label(),
                permit,
                text: e.text.clone(),
                file,
            }
        })
        .collect()
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "report" => "報告の受付",
        "triage" => "判断",
        "acknowledge" => "報告の確認",
        "escalate" => "確認がなく上位へ報告",
        "external" => "外部への報告",
        "entry" => "対応の記録",
        "member" => "対応者の追加",
        "measures" => "再発防止策の起案",
        "approve" => "再発防止策の承認",
        "close" => "終結",
        _ => "記録",
    }
}

/// The transitions with who made them (the periodic run's escalation has nobody): the names are
/// those the incident records of each person.
fn history_lines(i: &Incident) -> Vec<(String, &'static str, String)> {
    let mut names: HashMap<PersonId, &str> = HashMap::new();
    let named = i
        .reporter
        .iter()
        .chain(std::iter::once(&i.received_by))
        .chain(&i.members)
        .chain(i.triage.iter().map(|t| &t.by))
        .chain(i.timeline.iter().map(|e| &e.by))
        .chain(i.measures.iter().map(|m| &m.proposed_by))
        .chain(i.closing.iter().map(|c| &c.by))
        .chain(
            i.chain
                .iter()
                .filter_map(|s| s.acknowledged.as_ref().map(|a| &a.by)),
        );
    for n in named {
        names.entry(n.person).or_insert(n.name.as_str());
    }
    for h in i.chain.iter().flat_map(|s| &s.holders) {
        names.entry(h.person).or_insert(h.name.as_str());
    }
    i.history
        .iter()
        .map(|e| {
            let by = match e.by {
                Some(p) => names.get(&p).map_or_else(String::new, |n| (*n).to_owned()),
                None => "（期限による自動の報告）".to_owned(),
            };
            (datetime_ja(e.at), event_label(&e.kind), by)
        })
        .collect()
}

/// Done-messages after a change, by the `done` of the redirect.
fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "reported" => "報告を受け付けました。CSIRT と報告の連絡先に知らせました。",
        "acknowledge" => "報告を確認しました。次の報告先に知らせました。",
        "triage" => "判断を記録しました。",
        "external" => "外部への報告を記録しました。",
        "entry" => "対応の記録を追加しました。",
        "member" => "対応者を追加しました。",
        "measures" => "再発防止策を起案しました。承認を依頼しました。",
        "approve" => "再発防止策の承認を記録しました。",
        "close" => "インシデントを終結しました。",
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "incident.html")]
struct DetailPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    v: IncidentView,
    id: String,
    version: u32,
    reporter: String,
    chain: Vec<ChainLine>,
    stages: Vec<StageLine>,
    entries: Vec<EntryLine>,
    history: Vec<(String, &'static str, String)>,
    /// The triage form as last typed (or as decided).
    t: TriageForm,
    categories: Vec<Choice>,
    severities: Vec<(Choice, String)>,
    actions: Vec<Choice>,
    people: Vec<Choice>,
    originals: Vec<Choice>,
    /// Unsent stages of the reports outside, for the form.
    unsent: Vec<Choice>,
    approval: String,
    /// For a policy editor: the draft edition (its number) in which the measures' clauses can be
    /// changed, `Some(0)` when there is no draft yet.
    draft: Option<u32>,
    /// Noticed, received, triaged, measures proposed, closed — in Japan time.
    times: (String, String, String, String, String),
    open: bool,
    handling: bool,
    overdue: bool,
    today: String,
    notice: Option<&'static str>,
    problem: Problem,
}

form_page!(DetailPage);

/// The triage form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TriageForm {
    judgement: String,
    category: String,
    severity: String,
    personal_data: String,
    sensitive: String,
    my_number: String,
    affected_people: String,
    note: String,
}

impl TriageForm {
    fn of(i: &Incident) -> Self {
        match &i.triage {
            Some(t) => Self {
                judgement: if i.status == Status::NotIncident {
                    "no".to_owned()
                } else {
                    "yes".to_owned()
                },
                category: t.category.clone(),
                severity: t.severity.clone(),
                personal_data: flag(t.personal_data),
                sensitive: flag(t.sensitive),
                my_number: flag(t.my_number),
                affected_people: t.affected_people.map(|n| n.to_string()).unwrap_or_default(),
                note: t.note.clone(),
            },
            None => Self {
                judgement: "yes".to_owned(),
                ..Self::default()
            },
        }
    }
}

fn flag(on: bool) -> String {
    if on { "1".to_owned() } else { String::new() }
}

async fn detail_page(
    state: &AppState,
    user: &CurrentUser,
    id: IncidentId,
    notice: Option<&'static str>,
    problem: Problem,
    typed_triage: Option<TriageForm>,
) -> Result<DetailPage, AppError> {
    let v = state.app.incidents().incident(user, id).await?;
    let i = &v.incident;
    let now = state.app.now();
    let t = typed_triage.unwrap_or_else(|| TriageForm::of(i));
    let people = if v.may.handle {
        state
            .app
            .all_people(user)
            .await?
            .into_iter()
            .filter(|p| p.person.status == mamori_domain::org::PersonStatus::Active)
            .map(|p| Choice {
                value: p.person.id.to_string(),
                label: format!(
                    "{}（{} {}）",
                    p.person.name, p.unit_name, p.person.staff_number
                ),
                selected: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    let approval = match i.measures.as_ref().and_then(|m| m.approved.as_ref()) {
        Some(a) => match &a.by {
            ApprovedBy::Committee {
                held_on, committee, ..
            } => format!(
                "{}の議決（{}の会議）により承認",
                committee,
                mamori_domain::wareki::format_gregorian_as_wareki(*held_on)
            ),
            ApprovedBy::Role { by, role_name } => {
                format!("{role_name}（{}）が{}に承認", by.name, a.on)
            }
        },
        None => String::new(),
    };
    // The measures touch clauses of the policy: a policy editor goes from here to the draft.
    let draft = match (&i.measures, user.policy_editor()) {
        (Some(_), Ok(_)) => Some(
            state
                .app
                .policy_editions(user)
                .await?
                .iter()
                .find(|e| e.status == mamori_domain::policy::EditionStatus::Draft)
                .map_or(0, |e| e.number.get()),
        ),
        _ => None,
    };
    let reporter = match &i.reporter {
        Some(r) => r.name.clone(),
        None => format!("{}（{}）", i.channel.label(), i.contact),
    };
    let actions = v
        .rules
        .actions
        .iter()
        .map(|a| Choice {
            value: a.key.clone(),
            label: match (&a.role, a.permission) {
                (Some(_), Permission::Before) => format!("{}（事前の許可が必要）", a.label),
                (Some(_), Permission::AfterAllowed) => {
                    format!("{}（事前の許可、緊急時は事後報告）", a.label)
                }
                _ => a.label.clone(),
            },
            selected: false,
        })
        .collect();
    let originals = i
        .evidence()
        .map(|f| Choice {
            value: f.id.to_string(),
            label: f.name.clone(),
            selected: false,
        })
        .collect();
    let unsent = i
        .external
        .iter()
        .flat_map(|e| {
            e.stages()
                .filter(|(_, s)| s.sent.is_none())
                .map(move |(kind, s)| Choice {
                    value: format!("{}:{}", e.key, kind.key()),
                    label: format!("{} {}（期限 {}）", e.recipient, e.stage_label(kind), s.due),
                    selected: false,
                })
        })
        .collect();
    let categories = category_choices(&v.rules, &t.category);
    let severities = v
        .rules
        .severities
        .iter()
        .map(|s| {
            (
                Choice {
                    value: s.key.clone(),
                    label: s.label.clone(),
                    selected: s.key == t.severity,
                },
                s.criteria.clone(),
            )
        })
        .collect();
    Ok(DetailPage {
        chrome: chrome(format!("{} インシデント", i.number), user),
        sub_nav: sub_nav(""),
        id: i.id.to_string(),
        version: i.version,
        reporter,
        chain: chain_lines(i, now),
        stages: stage_lines(i, v.today),
        entries: entry_lines(i),
        history: history_lines(i),
        t,
        categories,
        severities,
        actions,
        people,
        originals,
        unsent,
        approval,
        draft,
        times: (
            datetime_ja(i.noticed_at),
            datetime_ja(i.reported_at),
            i.triage
                .as_ref()
                .map(|t| datetime_ja(t.at))
                .unwrap_or_default(),
            i.measures
                .as_ref()
                .map(|m| datetime_ja(m.proposed_at))
                .unwrap_or_default(),
            i.closing
                .as_ref()
                .map(|c| datetime_ja(c.at))
                .unwrap_or_default(),
        ),
        open: i.status.is_open(),
        handling: i.status == Status::Handling,
        overdue: i.is_overdue(v.today),
        today: v.today.to_string(),
        notice,
        problem,
        v,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailQuery {
    done: String,
}

pub async fn show_incident(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let page = async {
        let id = incident_id(&id)?;
        detail_page(
            &state,
            &session.user,
            id,
            notice(&q.done),
            Problem::default(),
            None,
        )
        .await
    }
    .await;
    show(page)
}

fn person_field(field: &str, raw: &str, what: &str) -> Result<Option<PersonId>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw
            .parse()
            .map(Some)
            .map_err(|_| invalid(field, format!("{what}を職員の一覧から選んでください"))),
    }
}

/// A change posted from the incident's page: `action` is `acknowledge`, `triage`, `member`,
/// `measures`, `approve` or `close`.
pub async fn act(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, action)): Path<(String, String)>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let session = form.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let user = &session.user;
    let id = incident_id(&id)?;
    let seen: u32 = form.get("version").parse().unwrap_or(u32::MAX);
    let incidents = state.app.incidents();
    let mut typed_triage = None;
    let (result, form_id) = match action.as_str() {
        "acknowledge" => (
            incidents.acknowledge(user, id, seen, &meta).await,
            "acknowledge-form",
        ),
        "triage" => {
            let t: TriageForm = crate::pages::forms::typed(&form);
            let result = async {
                let is_incident = match t.judgement.as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => {
                        return Err(invalid(
                            field::JUDGEMENT,
                            "インシデントか非該当かを選んでください",
                        ));
                    }
                };
                incidents
                    .triage(
                        user,
                        Triage {
                            id,
                            seen,
                            is_incident,
                            category: t.category.clone(),
                            severity: t.severity.clone(),
                            personal_data: !t.personal_data.is_empty(),
                            sensitive: !t.sensitive.is_empty(),
                            my_number: !t.my_number.is_empty(),
                            affected_people: t.affected_people.clone(),
                            note: t.note.clone(),
                            unit: None,
                        },
                        &meta,
                    )
                    .await
            }
            .await;
            typed_triage = Some(t);
            (result, "triage-form")
        }
        "member" => {
            let result = async {
                let person = person_field(field::MEMBER, form.get("person"), "対応者")?
                    .ok_or_else(|| {
                        invalid(field::MEMBER, "対応者を職員の一覧から選んでください")
                    })?;
                incidents.add_member(user, id, seen, person, &meta).await
            }
            .await;
            (result, "member-form")
        }
        "measures" => (
            incidents
                .propose_measures(
                    user,
                    ProposeMeasures {
                        id,
                        seen,
                        root_cause: form.get("root_cause").to_owned(),
                        plan: form.get("plan").to_owned(),
                        clauses: form.get("clauses").to_owned(),
                    },
                    &meta,
                )
                .await,
            "measures-form",
        ),
        "approve" => (
            incidents.approve_measures(user, id, seen, &meta).await,
            "approve-form",
        ),
        "close" => (
            incidents
                .close(
                    user,
                    Close {
                        id,
                        seen,
                        lessons: form.get("lessons").to_owned(),
                        review: form.get("review").to_owned(),
                    },
                    &meta,
                )
                .await,
            "close-form",
        ),
        _ => return Err(AppError::NotFound("操作".to_owned()).into()),
    };
    after_change(&state, user, id, result, (&action, form_id), typed_triage).await
}

/// After a change: back to the incident with the done-message of `done`, or the incident with
/// the refusal next to the form `form` (and the triage as typed).
async fn after_change(
    state: &AppState,
    user: &CurrentUser,
    id: IncidentId,
    result: Result<Incident, AppError>,
    (done, form): (&str, &str),
    typed_triage: Option<TriageForm>,
) -> Result<Response, PageError> {
    match result {
        Ok(i) => Ok(Redirect::to(&format!("/incidents/{}?done={done}", i.id)).into_response()),
        Err(e) => {
            let problem = refused(e, form)?;
            show(detail_page(state, user, id, None, problem, typed_triage).await)
        }
    }
}

/// A stage of a report outside as sent (multipart: the copy of what was sent may come with it).
pub async fn record_external(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedUpload,
) -> Result<Response, PageError> {
    let session = form.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let user = &session.user;
    let id = incident_id(&id)?;
    let (key, stage) = form.get("report").split_once(':').unwrap_or(("", ""));
    let result = state
        .app
        .incidents()
        .record_external(
            user,
            RecordExternal {
                id,
                seen: form.get("version").parse().unwrap_or(u32::MAX),
                key: key.to_owned(),
                stage: stage.to_owned(),
                sent_on: form.get("sent_on").to_owned(),
                content: form.get("content").to_owned(),
                file: form.file.clone(),
            },
            &meta,
        )
        .await;
    after_change(
        &state,
        user,
        id,
        result,
        ("external", "external-form"),
        None,
    )
    .await
}

/// An entry of the timeline (multipart: an evidence file may come with it).
pub async fn add_entry(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedUpload,
) -> Result<Response, PageError> {
    let session = form.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let user = &session.user;
    let id = incident_id(&id)?;
    let result = async {
        let permitted_by =
            person_field(field::PERMITTED_BY, form.get("permitted_by"), "許可した人")?;
        let copy_of =
            match form.get("copy_of").trim() {
                "" => None,
                raw => Some(raw.parse().map_err(|_| {
                    invalid(field::EVIDENCE, "複製の元の証拠を一覧から選んでください")
                })?),
            };
        state
            .app
            .incidents()
            .add_entry(
                user,
                AddEntry {
                    id,
                    seen: form.get("version").parse().unwrap_or(u32::MAX),
                    kind: form.get("kind").to_owned(),
                    action: form.get("action").to_owned(),
                    permitted_by,
                    report_after: !form.get("report_after").is_empty(),
                    text: form.get("text").to_owned(),
                    custody: form.get("custody").to_owned(),
                    copy_of,
                    file: form.file.clone(),
                },
                &meta,
            )
            .await
    }
    .await;
    after_change(&state, user, id, result, ("entry", "entry-form"), None).await
}

/// The 報告書 of one incident, as Word.
pub async fn report_docx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = incident_id(&id)?;
    let (name, bytes) = state.app.incidents().report_docx(&session.user, id).await?;
    Ok(download(bytes, &name, DOCX))
}

/// A file kept with the incident, as it was received.
pub async fn file(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = incident_id(&id)?;
    let file: IncidentFileId = file
        .parse()
        .map_err(|_| AppError::NotFound("ファイル".to_owned()))?;
    let (name, content_type, bytes) = state
        .app
        .incidents()
        .file(&session.user, id, file, &meta)
        .await?;
    Ok(download(bytes, &name, &content_type))
}

/// The 報告書 of one incident, as PDF.
pub async fn report_pdf(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = incident_id(&id)?;
    let (name, doc) = state
        .app
        .incidents()
        .report_document(&session.user, id)
        .await?;
    pdf_download(name, doc).await
}
