//! The home page: who you are, in which body, and what you can open.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::AppState;
use crate::extract::Session;
use crate::pages::render;
use crate::view::Chrome;

#[derive(Template, Debug)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    name: String,
    body_name: Option<String>,
    roles: Vec<String>,
    today: String,
    fiscal_year: String,
    can_read_audit: bool,
    policy: Option<PolicyCard>,
    approvals: Option<mamori_app::approvals::ApprovalSummary>,
    incidents: Option<IncidentCard>,
}

/// The incidents card: what waits for this person.
#[derive(Debug, Default)]
struct IncidentCard {
    /// (id, number, summary) of the reports told to this person and not acknowledged.
    to_acknowledge: Vec<(String, String, String)>,
    /// (id, number, 「個人情報保護委員会への速報」, due, overdue) of the reports outside due within a
    /// week or late.
    reports_due: Vec<(String, String, String, String, bool)>,
    /// Reports waiting for the CSIRT's triage (for the CSIRT).
    to_triage: Option<usize>,
    /// A report outside is late.
    any_overdue: bool,
}

/// Days ahead a report outside shows on home.
const REPORTS_AHEAD_DAYS: u32 = 7;

async fn incident_card(state: &AppState, user: &mamori_app::CurrentUser) -> Option<IncidentCard> {
    use mamori_app::incidents::IncidentFilter;
    use mamori_domain::incident::Status;
    let incidents = state.app.incidents();
    let rules = incidents.rules(user).await.ok()?;
    let today = state.app.today();
    let mut card = IncidentCard::default();
    if let Some(me) = user.account.person_id {
        let mine = incidents
            .list(
                user,
                IncidentFilter {
                    statuses: vec![Status::Reported, Status::Handling],
                    naming: Some(me),
                    ..Default::default()
                },
            )
            .await
            .ok()?;
        card.to_acknowledge = mine
            .iter()
            .filter(|i| !i.awaiting(me).is_empty())
            .map(|i| {
                (
                    i.id.to_string(),
                    i.number.clone(),
                    i.summary
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .chars()
                        .take(40)
                        .collect(),
                )
            })
            .collect();
    }
    let ahead = today + chrono::Duration::days(i64::from(REPORTS_AHEAD_DAYS));
    for i in incidents.reports_due(user, REPORTS_AHEAD_DAYS).await.ok()? {
        for e in &i.external {
            if let Some((kind, stage)) = e.next_due()
                && stage.due <= ahead
            {
                card.reports_due.push((
                    i.id.to_string(),
                    i.number.clone(),
                    format!("{}への{}", e.recipient, e.stage_label(kind)),
                    stage.due.to_string(),
                    stage.is_overdue(today),
                ));
            }
        }
    }
    card.reports_due.sort_by(|a, b| a.3.cmp(&b.3));
    card.any_overdue = card.reports_due.iter().any(|r| r.4);
    if rules.handles(&user.role_keys()) {
        let waiting = IncidentFilter {
            statuses: vec![Status::Reported],
            ..Default::default()
        };
        card.to_triage = Some(incidents.list(user, waiting).await.ok()?.len());
    }
    Some(card)
}

/// The policy card: the edition in force and whether this person still has to confirm it.
#[derive(Debug)]
struct PolicyCard {
    number: u32,
    label: String,
    effective: String,
    /// Published to staff and not yet confirmed by this person.
    to_acknowledge: bool,
    acknowledged: Option<String>,
    in_progress: Option<(u32, String, &'static str)>,
}

pub async fn show(State(state): State<AppState>, session: Session) -> Response {
    let user = &session.user;
    let today = state.app.today();
    // The home page still shows when the policy cannot be read; the policy screen says why.
    let policy = match user.body {
        Some(_) => state
            .app
            .policy_summary(user)
            .await
            .ok()
            .map(|s| PolicyCard {
                number: s.in_force.as_ref().map_or(0, |v| v.edition.number.get()),
                label: s.in_force.as_ref().map_or_else(String::new, |v| {
                    format!("{} {}", v.edition.number, v.edition.title)
                }),
                effective: s
                    .in_force
                    .as_ref()
                    .and_then(|v| v.edition.effective_from)
                    .map(mamori_domain::wareki::format_gregorian_as_wareki)
                    .unwrap_or_default(),
                to_acknowledge: s.in_force.as_ref().is_some_and(|v| {
                    v.published_at.is_some()
                        && v.acknowledged_at.is_none()
                        && user.account.person_id.is_some()
                }),
                acknowledged: s
                    .in_force
                    .as_ref()
                    .and_then(|v| v.acknowledged_at)
                    .map(crate::view::datetime_ja),
                in_progress: s
                    .in_progress
                    .map(|(n, st)| (n.get(), n.to_string(), st.label())),
            }),
        None => None,
    };
    let approvals = match user.body {
        Some(_) => state.app.approvals().approval_summary(user).await.ok(),
        None => None,
    };
    let incidents = match user.body {
        Some(_) => incident_card(&state, user).await,
        None => None,
    };
    let page = HomePage {
        chrome: Chrome::for_user("ホーム", user, "/"),
        name: user.name().to_owned(),
        body_name: user.body.as_ref().map(|b| b.name.clone()),
        roles: user.roles.iter().map(|r| r.label()).collect(),
        today: mamori_domain::wareki::format_gregorian_as_wareki(today),
        fiscal_year: mamori_domain::fiscal_year::FiscalYear::of(today).to_string(),
        can_read_audit: user.has(mamori_app::access::permission::AUDIT_READ),
        policy,
        approvals,
        incidents,
    };
    render(StatusCode::OK, &page)
}
