//! The report form: every 職員's short report, and the CSIRT's intake of reports from outside.

use super::*;

/// The report form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    channel: String,
    contact: String,
    summary: String,
    how_noticed: String,
    noticed_at: String,
    unit: String,
    assets: String,
    systems: String,
}

/// The lines (or 「、」-separated parts) of a text area.
fn items(raw: &str) -> Vec<String> {
    raw.split(['\n', '、', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ReportForm {
    fn report(&self) -> Result<Report, AppError> {
        let unit = match self.unit.trim() {
            "" => None,
            raw => Some(
                raw.parse::<OrgUnitId>()
                    .map_err(|_| invalid(field::UNIT, "所属を組織の一覧から選んでください"))?,
            ),
        };
        Ok(Report {
            channel: Some(self.channel.trim().to_owned()).filter(|c| !c.is_empty()),
            contact: self.contact.clone(),
            summary: self.summary.clone(),
            how_noticed: self.how_noticed.clone(),
            noticed_at: self.noticed_at.clone(),
            unit,
            assets: items(&self.assets),
            systems: items(&self.systems),
        })
    }
}

#[derive(Template)]
#[template(path = "incident_new.html")]
struct NewPage {
    chrome: Chrome,
    sub_nav: Vec<NavItem>,
    /// The CSIRT also takes in reports from outside.
    intake: bool,
    channels: Vec<Choice>,
    units: Vec<Choice>,
    f: ReportForm,
    problem: Problem,
}

form_page!(NewPage);

async fn new_page(
    state: &AppState,
    user: &CurrentUser,
    mut f: ReportForm,
    problem: Problem,
) -> Result<NewPage, AppError> {
    let rules = state.app.incidents().rules(user).await?;
    let intake = handles(&rules, user);
    if f.noticed_at.is_empty() {
        f.noticed_at = state
            .app
            .now()
            .with_timezone(&mamori_app::clock::jst())
            .format("%Y-%m-%dT%H:%M")
            .to_string();
    }
    let tree = state.app.org_tree(user, state.app.today()).await?;
    let mut units = crate::pages::org::unit_choices(&tree, f.unit.trim());
    units.insert(
        0,
        Choice {
            value: String::new(),
            label: if intake {
                "（所属なし・自分の所属）".to_owned()
            } else {
                "自分の所属".to_owned()
            },
            selected: f.unit.trim().is_empty(),
        },
    );
    let channels = std::iter::once(Channel::Staff)
        .chain(Channel::OUTSIDE)
        .map(|c| Choice {
            value: c.key().to_owned(),
            label: c.label().to_owned(),
            selected: c.key() == f.channel || (f.channel.is_empty() && c == Channel::Staff),
        })
        .collect();
    Ok(NewPage {
        chrome: chrome("インシデントを報告", user),
        sub_nav: sub_nav("/incidents/new"),
        intake,
        channels,
        units,
        f,
        problem,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user = &session.user;
    show(new_page(&state, user, ReportForm::default(), Problem::default()).await)
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let session = form.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let user = &session.user;
    let typed: ReportForm = crate::pages::forms::typed(&form);
    let result = async {
        let report = typed.report()?;
        state.app.incidents().report(user, report, &meta).await
    }
    .await;
    match result {
        Ok(i) => Ok(Redirect::to(&format!("/incidents/{}?done=reported", i.id)).into_response()),
        Err(e) => {
            let problem = refused(e, "report-form")?;
            show(new_page(&state, user, typed, problem).await)
        }
    }
}
