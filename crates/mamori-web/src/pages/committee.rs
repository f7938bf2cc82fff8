//! 委員会: the meetings of the body's deliberating committee with their 議決, the form the 事務局
//! records a meeting with (members present, 議題, 全会一致 or 賛否, 議事録 file), and one meeting.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::committee::{CommitteeView, ItemForm, MeetingForm};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::committee::{Meeting, field};
use mamori_domain::ids::MeetingId;
use mamori_domain::wareki::format_gregorian_as_wareki;

use super::forms::{FormPage, Problem, form_page, refused, show};
use super::imports::download;
use crate::AppState;
use crate::csrf::VerifiedUpload;
use crate::error::PageError;
use crate::extract::Session;
use crate::pages::render;
use crate::view::{Chrome, datetime_ja};

/// The 議題 rows the form offers; empty rows are not 議題.
const ITEM_ROWS: usize = 3;

fn chrome(title: impl Into<String>, user: &CurrentUser) -> Chrome {
    Chrome::for_user(title, user, "/policy")
}

#[derive(Debug)]
struct MeetingLine {
    id: String,
    held_on: String,
    attendance: String,
    items: Vec<String>,
    has_minutes: bool,
}

fn attendance(m: &Meeting) -> String {
    format!("委員{}人中{}人出席", m.members, m.attendees.len())
}

#[derive(Template)]
#[template(path = "committee.html")]
struct ListPage {
    chrome: Chrome,
    view: CommitteeView,
    meetings: Vec<MeetingLine>,
    can_record: bool,
    recorded: bool,
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let (view, meetings) = state.app.committee_meetings(user).await?;
    let page = ListPage {
        chrome: chrome(view.role_name.clone(), user),
        meetings: meetings
            .iter()
            .map(|m| MeetingLine {
                id: m.id.to_string(),
                held_on: format_gregorian_as_wareki(m.held_on),
                attendance: attendance(m),
                items: m
                    .items
                    .iter()
                    .map(|i| format!("{}（{}）", i.title, i.vote.label()))
                    .collect(),
                has_minutes: m.minutes.is_some(),
            })
            .collect(),
        view,
        can_record: user.policy_editor().is_ok(),
        recorded: q.contains_key("recorded"),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Clone)]
struct ItemRow {
    n: usize,
    title: String,
    edition: String,
    incident: String,
    unanimous: bool,
    in_favour: String,
    against: String,
    abstain: String,
    note: String,
}

#[derive(Template)]
#[template(path = "committee_form.html")]
struct FormPageView {
    chrome: Chrome,
    view: CommitteeView,
    problem: Problem,
    held_on: String,
    /// (person id, name, checked)
    members: Vec<(String, String, bool)>,
    items: Vec<ItemRow>,
    editions: Vec<String>,
    f_held_on: &'static str,
    f_attendees: &'static str,
    f_agenda: &'static str,
    f_vote: &'static str,
    f_minutes: &'static str,
}

form_page!(FormPageView);

fn form_view(
    user: &CurrentUser,
    view: CommitteeView,
    form: &MeetingForm,
    today: chrono::NaiveDate,
    problem: Problem,
) -> FormPageView {
    let mut items: Vec<ItemRow> = form
        .items
        .iter()
        .map(|i| ItemRow {
            title: i.title.clone(),
            edition: i.edition.clone(),
            incident: i.incident.clone(),
            unanimous: i.vote == "unanimous",
            in_favour: i.in_favour.clone(),
            against: i.against.clone(),
            abstain: i.abstain.clone(),
            note: i.note.clone(),
            n: 0,
        })
        .collect();
    if form.items.is_empty() {
        // A fresh form: the editions under review come first, decided unanimously unless the
        // 事務局 says otherwise.
        items.extend(view.under_review.iter().map(|(n, _)| ItemRow {
            edition: n.to_string(),
            unanimous: true,
            ..ItemRow::default()
        }));
    }
    items.resize_with(ITEM_ROWS.max(items.len()), || ItemRow {
        unanimous: true,
        ..ItemRow::default()
    });
    for (n, row) in items.iter_mut().enumerate() {
        row.n = n;
    }
    let members = view
        .members
        .iter()
        .map(|m| {
            let id = m.person_id.to_string();
            let checked = form.attendees.contains(&id);
            (id, m.name.clone(), checked)
        })
        .collect();
    FormPageView {
        chrome: chrome(format!("{}の会議を記録", view.role_name), user),
        editions: view
            .under_review
            .iter()
            .map(|(n, _)| n.to_string())
            .collect(),
        view,
        problem,
        held_on: if form.held_on.is_empty() {
            today.to_string()
        } else {
            form.held_on.clone()
        },
        members,
        items,
        f_held_on: field::HELD_ON,
        f_attendees: field::ATTENDEES,
        f_agenda: field::AGENDA,
        f_vote: field::VOTE,
        f_minutes: field::MINUTES,
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    user.policy_editor()?;
    let view = state.app.committee(user).await?;
    show(Ok(form_view(
        user,
        view,
        &MeetingForm::default(),
        state.app.today(),
        Problem::default(),
    )))
}

fn posted(form: &VerifiedUpload) -> MeetingForm {
    let attendees = form
        .fields
        .iter()
        .filter(|(k, v)| k.starts_with("attendee-") && !v.is_empty())
        .map(|(k, _)| k.trim_start_matches("attendee-").to_owned())
        .collect();
    let items = (0..ITEM_ROWS)
        .map(|n| {
            let get = |name: &str| form.get(&format!("{name}-{n}")).to_owned();
            ItemForm {
                title: get("title"),
                edition: get("edition"),
                incident: get("incident"),
                vote: get("vote"),
                in_favour: get("for"),
                against: get("against"),
                abstain: get("abstain"),
                note: get("note"),
            }
        })
        .collect();
    let minutes = form
        .files
        .iter()
        .find(|(name, _, _)| name == "minutes")
        .map(|(_, file, content)| (file.clone(), content.clone()));
    MeetingForm {
        held_on: form.get("held_on").to_owned(),
        attendees,
        items,
        minutes,
    }
}

pub async fn create(
    State(state): State<AppState>,
    crate::extract::Meta(meta): crate::extract::Meta,
    form: VerifiedUpload,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let user = &session.user;
    let may = user.policy_editor()?;
    let typed = posted(&form);
    match state.app.record_meeting(user, &may, &typed, &meta).await {
        Ok(m) => Ok(Redirect::to(&format!("/committee/{}?recorded=1", m.id)).into_response()),
        Err(e) => {
            let problem = refused(e, "meeting-form")?;
            let view = state.app.committee(user).await?;
            show(Ok(form_view(
                user,
                view,
                &typed,
                state.app.today(),
                problem,
            )))
        }
    }
}

/// A 議題 as the meeting page shows it.
#[derive(Debug)]
struct ItemLine {
    title: String,
    /// (href, label) of what it decided on.
    subject: Option<(String, String)>,
    vote: String,
    carried: bool,
    note: String,
}

#[derive(Template)]
#[template(path = "committee_meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    role_name: String,
    id: String,
    held_on: String,
    attendance: String,
    attendees: Vec<String>,
    items: Vec<ItemLine>,
    minutes: Option<(String, String)>,
    recorded: String,
    just_recorded: bool,
}

fn meeting_id(raw: &str) -> Result<MeetingId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("会議の記録".to_owned()))
}

pub async fn show_meeting(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let id = meeting_id(&id)?;
    let (role_name, m) = state.app.committee_meeting(user, id).await?;
    let held_on = format_gregorian_as_wareki(m.held_on);
    let page = MeetingPage {
        chrome: chrome(format!("{held_on}の{role_name}"), user),
        role_name,
        id: m.id.to_string(),
        attendance: attendance(&m),
        held_on,
        attendees: m.attendees.iter().map(|a| a.name.clone()).collect(),
        items: m
            .items
            .iter()
            .map(|i| {
                let link = i.subject.as_ref().map(|s| match s {
                    mamori_domain::committee::Subject::Edition { number, .. } => {
                        (format!("/policy/{}", number.get()), s.label())
                    }
                    mamori_domain::committee::Subject::Incident { id, .. } => {
                        (format!("/incidents/{id}"), s.label())
                    }
                });
                ItemLine {
                    title: i.title.clone(),
                    subject: link,
                    vote: i.vote.label(),
                    carried: i.vote.carried(),
                    note: i.note.clone(),
                }
            })
            .collect(),
        minutes: m
            .minutes
            .as_ref()
            .map(|f| (f.file_name.clone(), format!("{} バイト", f.size_bytes))),
        recorded: format!("{}（{}）", m.recorded_by_name, datetime_ja(m.recorded_at)),
        just_recorded: q.contains_key("recorded"),
    };
    Ok(render(StatusCode::OK, &page))
}

pub async fn minutes(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = meeting_id(&id)?;
    let (file, content) = state.app.committee_minutes(&session.user, id).await?;
    Ok(download(content, &file.file_name, &file.content_type))
}
