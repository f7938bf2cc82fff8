//! The risk register: the heat maps before and after treatment, every risk with its rating,
//! required band and treatment, the form to add or change a risk, and the body's matrix and
//! threat catalogue.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::access::RiskEditor;
use mamori_app::risks::{RiskForm, RiskRegister, RiskRow};
use mamori_app::{AppError, CurrentUser};
use mamori_domain::ids::{PersonId, RiskId};
use mamori_domain::risk::Treatment;
use serde::Deserialize;

use super::{chrome, sub_nav};
use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::{Meta, Session};
use crate::pages::forms::{Choice, FormPage, Problem, form_page, refused, show, typed};
use crate::view::{Chrome, NavItem};

/// The risk form's fields as typed or stored.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
struct RiskFields {
    asset_no: String,
    group_name: String,
    threat: String,
    vulnerability: String,
    likelihood: String,
    impact: String,
    treatment: String,
    plan: String,
    reason: String,
    owner: String,
    due: String,
    residual_likelihood: String,
    residual_impact: String,
}

impl RiskFields {
    fn of_row(r: &RiskRow) -> Self {
        let i = &r.input;
        Self {
            asset_no: r.asset_no.clone(),
            group_name: r.group_name.clone(),
            threat: i.threat.clone(),
            vulnerability: i.vulnerability.clone(),
            likelihood: i.likelihood.clone(),
            impact: i.impact.clone(),
            treatment: i.treatment.map(|t| t.key().to_owned()).unwrap_or_default(),
            plan: i.plan.clone(),
            reason: i.reason.clone(),
            owner: i.owner.map(|p| p.to_string()).unwrap_or_default(),
            due: i.due.map(|d| d.to_string()).unwrap_or_default(),
            residual_likelihood: i.residual_likelihood.clone().unwrap_or_default(),
            residual_impact: i.residual_impact.clone().unwrap_or_default(),
        }
    }

    fn form(&self) -> Result<RiskForm, AppError> {
        let owner = match self.owner.trim() {
            "" => None,
            o => Some(o.parse::<PersonId>().map_err(|_| {
                AppError::Invalid(mamori_domain::DomainError::new(
                    "担当者",
                    "一覧から担当者を選んでください",
                ))
            })?),
        };
        Ok(RiskForm {
            asset_no: self.asset_no.clone(),
            group_name: self.group_name.clone(),
            threat: self.threat.clone(),
            vulnerability: self.vulnerability.clone(),
            likelihood: self.likelihood.clone(),
            impact: self.impact.clone(),
            treatment: self.treatment.clone(),
            plan: self.plan.clone(),
            reason: self.reason.clone(),
            owner,
            due: self.due.clone(),
            residual_likelihood: self.residual_likelihood.clone(),
            residual_impact: self.residual_impact.clone(),
        })
    }
}

/// The choices of the risk form.
#[derive(Debug)]
struct RiskChoices {
    threats: Vec<(String, Vec<Choice>)>,
    likelihood: Vec<Choice>,
    impact: Vec<Choice>,
    residual_likelihood: Vec<Choice>,
    residual_impact: Vec<Choice>,
    treatments: Vec<Choice>,
    people: Vec<Choice>,
}

async fn choices_for(
    state: &AppState,
    user: &CurrentUser,
    register: &RiskRegister,
    f: &RiskFields,
) -> Result<RiskChoices, AppError> {
    let setup = &register.setup;
    let levels = |levels: &[mamori_domain::risk::RiskLevel], selected: &str| {
        levels
            .iter()
            .rev()
            .map(|l| Choice {
                value: l.key.clone(),
                label: l.label.clone(),
                selected: l.key == selected,
            })
            .collect::<Vec<_>>()
    };
    let people = state
        .app
        .all_people(user)
        .await?
        .into_iter()
        .map(|p| Choice {
            selected: p.person.id.to_string() == f.owner,
            value: p.person.id.to_string(),
            label: format!("{}（{}）", p.person.name, p.unit_name),
        })
        .collect();
    Ok(RiskChoices {
        threats: setup
            .threats
            .groups()
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    setup
                        .threats
                        .in_group(&g.key)
                        .map(|t| Choice {
                            value: t.key.clone(),
                            label: t.name.clone(),
                            selected: t.key == f.threat,
                        })
                        .collect(),
                )
            })
            .collect(),
        likelihood: levels(setup.matrix.likelihood(), &f.likelihood),
        impact: levels(setup.matrix.impact(), &f.impact),
        residual_likelihood: levels(setup.matrix.likelihood(), &f.residual_likelihood),
        residual_impact: levels(setup.matrix.impact(), &f.residual_impact),
        treatments: Treatment::ALL
            .iter()
            .map(|t| Choice {
                value: t.key().to_owned(),
                label: t.label().to_owned(),
                selected: t.key() == f.treatment,
            })
            .collect(),
        people,
    })
}

#[derive(Debug)]
struct BandLine {
    label: String,
    range: String,
    before: usize,
    after: usize,
}

#[derive(Template, Debug)]
#[template(path = "risks.html")]
struct RegisterPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    r: RiskRegister,
    bands: Vec<BandLine>,
    acceptable: String,
    can_edit: bool,
    f: RiskFields,
    c: RiskChoices,
    notice: Option<String>,
    problem: Problem,
}

#[derive(Template, Debug)]
#[template(path = "risk_form.html")]
struct EditPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    id: String,
    target: String,
    f: RiskFields,
    c: RiskChoices,
    problem: Problem,
}

#[derive(Template, Debug)]
#[template(path = "risk_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    matrix: String,
    threats: String,
    own: bool,
    can_edit: bool,
    problem: Problem,
}

form_page!(RegisterPage, EditPage, SettingsPage);

async fn register_page(
    state: &AppState,
    user: &CurrentUser,
    f: RiskFields,
    notice: Option<String>,
    problem: Problem,
) -> Result<RegisterPage, AppError> {
    let r = state.app.risk_register(user, &user.risk_reader()?).await?;
    let c = choices_for(state, user, &r, &f).await?;
    let bands = r
        .setup
        .matrix
        .bands()
        .iter()
        .map(|b| BandLine {
            label: b.label.clone(),
            range: format!("{}〜{}", b.min, b.max),
            before: r
                .inherent_counts
                .iter()
                .find(|c| c.band == b.key)
                .map_or(0, |c| c.count),
            after: r
                .current_counts
                .iter()
                .find(|c| c.band == b.key)
                .map_or(0, |c| c.count),
        })
        .collect();
    Ok(RegisterPage {
        chrome: chrome("リスク台帳", user),
        sub_nav: sub_nav("/risks", user),
        acceptable: r.band_label(r.setup.matrix.acceptable_band()),
        bands,
        can_edit: user.risk_editor().is_ok(),
        r,
        f,
        c,
        notice,
        problem,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterQuery {
    saved: String,
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    axum::extract::Query(q): axum::extract::Query<RegisterQuery>,
) -> Result<Response, PageError> {
    let notice = match q.saved.as_str() {
        "" => None,
        "deleted" => Some("リスクを削除しました。".to_owned()),
        "settings" => Some("リスクマトリクスと脅威の一覧を保存しました。".to_owned()),
        _ => Some("保存しました。".to_owned()),
    };
    show(
        register_page(
            &state,
            &session.user,
            RiskFields::default(),
            notice,
            Problem::default(),
        )
        .await,
    )
}

fn editor_of(form: &VerifiedForm) -> Result<(&CurrentUser, RiskEditor), AppError> {
    let session = form.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let editor = session.user.risk_editor()?;
    Ok((&session.user, editor))
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(&form)?;
    let f: RiskFields = typed(&form);
    let result = match f.form() {
        Ok(input) => {
            state
                .app
                .save_risk(user, &editor, None, &input, &meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/risks?saved=1").into_response()),
        Err(e) => match refused(e, "risk-form") {
            Ok(problem) => show(register_page(&state, user, f, None, problem).await),
            Err(e) => Err(e.into()),
        },
    }
}

fn risk_id(raw: &str) -> Result<RiskId, AppError> {
    raw.parse()
        .map_err(|_| AppError::NotFound("リスク".to_owned()))
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    id: RiskId,
    f: Option<RiskFields>,
    problem: Problem,
) -> Result<EditPage, AppError> {
    let r = state.app.risk_register(user, &user.risk_reader()?).await?;
    let row = r
        .rows
        .iter()
        .find(|row| row.id == id)
        .ok_or_else(|| AppError::NotFound("リスク".to_owned()))?;
    let f = f.unwrap_or_else(|| RiskFields::of_row(row));
    let c = choices_for(state, user, &r, &f).await?;
    Ok(EditPage {
        chrome: chrome("リスクの変更", user),
        sub_nav: sub_nav("", user),
        id: id.to_string(),
        target: row.target.clone(),
        f,
        c,
        problem,
    })
}

pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = async {
        session.user.risk_editor()?;
        let id = risk_id(&id)?;
        edit_page(&state, &session.user, id, None, Problem::default()).await
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
    let (user, editor) = editor_of(&form)?;
    let id = risk_id(&id)?;
    let f: RiskFields = typed(&form);
    let result = match f.form() {
        Ok(input) => {
            state
                .app
                .save_risk(user, &editor, Some(id), &input, &meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/risks?saved=1").into_response()),
        Err(e) => match refused(e, "risk-form") {
            Ok(problem) => show(edit_page(&state, user, id, Some(f), problem).await),
            Err(e) => Err(e.into()),
        },
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let result = async {
        let (user, editor) = editor_of(&form)?;
        let id = risk_id(&id)?;
        state.app.delete_risk(user, &editor, id, &meta).await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/risks?saved=deleted").into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn settings_page(
    state: &AppState,
    user: &CurrentUser,
    typed: Option<(String, String)>,
    problem: Problem,
) -> Result<SettingsPage, AppError> {
    user.risk_reader()?;
    let setup = state.app.risk_setup(user).await?;
    let (matrix, threats) = typed.unwrap_or((setup.matrix_toml, setup.threats_toml));
    Ok(SettingsPage {
        chrome: chrome("リスクマトリクスと脅威の一覧", user),
        sub_nav: sub_nav("", user),
        matrix,
        threats,
        own: setup.own,
        can_edit: user.risk_editor().is_ok(),
        problem,
    })
}

pub async fn settings(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    show(settings_page(&state, &session.user, None, Problem::default()).await)
}

pub async fn save_settings(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let (user, editor) = editor_of(&form)?;
    let matrix = form.get("matrix").to_owned();
    let threats = form.get("threats").to_owned();
    match state
        .app
        .save_risk_setup(user, &editor, &matrix, &threats, &meta)
        .await
    {
        Ok(()) => Ok(Redirect::to("/risks?saved=settings").into_response()),
        Err(e) => match refused(e, "settings-form") {
            Ok(problem) => {
                show(settings_page(&state, user, Some((matrix, threats)), problem).await)
            }
            Err(e) => Err(e.into()),
        },
    }
}
