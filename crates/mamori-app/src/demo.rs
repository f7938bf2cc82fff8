//! The demo body (みほん市), loaded once on `serve --demo`. All of it comes from
//! `data/demo-mihon.toml`; later capabilities extend that file and this loader.

use std::collections::HashMap;

use chrono::NaiveDate;
use mamori_domain::account::{Account, DisplayName, Login, NewPassword};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::ids::{AccountId, BodyId, OrgUnitId, PersonId, RoleAssignmentId};
use mamori_domain::org::{Body, OrgUnit, Person, PersonStatus, Post, RoleAssignment, UnitKind};
use mamori_domain::policy::{
    Decision, Edition, EditionNumber, EditionStatus, LocalClause, RoleSetting,
};
use mamori_store::{WriteTx, accounts, audit, org, policy};
use serde::Deserialize;

use crate::access::AssetWriter;
use crate::approvals;
use crate::assets::{self, AssetInput};
use crate::auth::hash_password;
use crate::policy::{CatalogLookup, ProfileChange, default_profile, guideline};
use crate::risks;
use crate::roles::guideline_role_set;
use crate::{App, AppError};

const DEMO: &str = include_str!("../data/demo-mihon.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoFile {
    password: String,
    body: DemoBody,
    units: Vec<DemoUnit>,
    people: Vec<DemoPerson>,
    assignments: Vec<DemoAssignment>,
    accounts: Vec<DemoAccount>,
    policy: DemoPolicy,
    #[serde(default)]
    assets: Vec<DemoAsset>,
    #[serde(default)]
    asset_events: Vec<DemoAssetEvent>,
    #[serde(default)]
    risks: Vec<DemoRisk>,
    #[serde(default)]
    applications: Vec<DemoApplication>,
    #[serde(default)]
    incidents: Vec<DemoIncident>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoIncident {
    /// The login of the 職員 who reports.
    by: String,
    summary: String,
    #[serde(default)]
    how_noticed: String,
    /// 「today-1 17:30」: the day relative to the load, the time in Japan.
    noticed_at: String,
    /// A unit code; the reporter's own unit when absent.
    unit: Option<String>,
    #[serde(default)]
    assets: Vec<String>,
    #[serde(default)]
    systems: Vec<String>,
    triage: Option<DemoTriage>,
    /// Logins that acknowledge the steps told to them, in order, after the triage.
    #[serde(default)]
    acknowledged_by: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoTriage {
    by: String,
    category: String,
    severity: String,
    #[serde(default)]
    personal_data: bool,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    my_number: bool,
    affected_people: Option<u32>,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoApplication {
    kind: String,
    by: String,
    event: Option<DemoEventRef>,
    emergency: Option<String>,
    #[serde(default)]
    fields: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    decisions: Vec<(String, String)>,
    /// After the decisions, by the applicant: 「start」, 「return:today-1」, 「complete」.
    #[serde(default)]
    follow_ups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoEventRef {
    asset: String,
    action: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAsset {
    asset_no: String,
    name: String,
    kind: String,
    unit: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    location: String,
    segment: String,
    classification: String,
    #[serde(default)]
    retention: String,
    #[serde(default)]
    document_type: String,
    #[serde(default)]
    derived_from: Vec<String>,
    #[serde(default)]
    holds: Vec<String>,
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    locked_storage: bool,
    #[serde(default)]
    backup: bool,
    recovery_target_hours: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAssetEvent {
    asset: String,
    action: String,
    by: String,
    #[serde(default)]
    details: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoRisk {
    asset: Option<String>,
    group: Option<String>,
    threat: String,
    vulnerability: String,
    likelihood: String,
    impact: String,
    #[serde(default)]
    treatment: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    reason: String,
    owner: Option<String>,
    due: Option<NaiveDate>,
    residual_likelihood: Option<String>,
    residual_impact: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPolicy {
    title: String,
    decided_by: String,
    editions: Vec<DemoEdition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoEdition {
    number: u32,
    decided_on: NaiveDate,
    effective_from: NaiveDate,
    #[serde(default)]
    adopt: Vec<String>,
    #[serde(default)]
    amendments: Vec<DemoAmendment>,
    #[serde(default)]
    local_clauses: Vec<LocalClause>,
    #[serde(default)]
    published: bool,
    #[serde(default)]
    acknowledged_by: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAmendment {
    clause: String,
    text: String,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoBody {
    code: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUnit {
    code: String,
    name: String,
    kind: String,
    agency_kind: String,
    parent: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPerson {
    staff_number: String,
    name: String,
    name_kana: String,
    unit: String,
    title: String,
    employment_kind: String,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAssignment {
    role: String,
    person: String,
    unit: Option<String>,
    system: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAccount {
    login: String,
    person: Option<String>,
    display_name: Option<String>,
    #[serde(default)]
    system_admin: bool,
}

/// What `serve --demo` tells the operator.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// False when the demo was already there and nothing was added.
    pub loaded_now: bool,
    pub body_name: String,
    pub logins: Vec<String>,
    pub password: String,
}

fn internal(what: &str) -> impl Fn(String) -> AppError + '_ {
    move |e| AppError::Internal(format!("demo-mihon.toml: {what}: {e}"))
}

/// The demo body's code.
pub(crate) fn demo_body_code() -> Result<String, AppError> {
    let file: DemoFile = toml::from_str(DEMO).map_err(|e| internal("parse")(e.to_string()))?;
    Ok(file.body.code)
}

impl App {
    /// Loads the demo body unless it is already there. One transaction: either all of it, with
    /// its audit records, or nothing.
    pub async fn load_demo(&self) -> Result<DemoSummary, AppError> {
        let file: DemoFile = toml::from_str(DEMO).map_err(|e| internal("parse")(e.to_string()))?;
        let summary = DemoSummary {
            loaded_now: false,
            body_name: file.body.name.clone(),
            logins: file.accounts.iter().map(|a| a.login.clone()).collect(),
            password: file.password.clone(),
        };
        let mut tx = self.store().begin_write().await?;
        if org::find_body_by_code(&mut tx, &file.body.code)
            .await?
            .is_some()
        {
            return Ok(summary);
        }
        // Hash before writing anything else; argon2 is the slow part.
        let password = NewPassword::parse(
            &file.password,
            &mamori_domain::account::PasswordRule {
                min_len: self.settings().password_min_length,
                login: None,
            },
        )?;
        let hash = hash_password(password.expose().to_owned()).await?;
        self.write_demo(&mut tx, &file, &hash).await?;
        tx.commit().await?;
        Ok(DemoSummary {
            loaded_now: true,
            ..summary
        })
    }

    async fn write_demo(
        &self,
        tx: &mut WriteTx,
        file: &DemoFile,
        hash: &str,
    ) -> Result<(), AppError> {
        let now = self.now();
        // Role holders take office at the start of the fiscal year the demo is loaded in.
        let today = self.today();
        let fy_start = mamori_domain::fiscal_year::FiscalYear::of(today).start();
        // The demo's units and staff are on record from the body's first policy (平成14年度).
        let since = NaiveDate::from_ymd_opt(2002, 4, 1).unwrap_or(fy_start);
        let actor = Actor::system("demo");
        let body = Body {
            id: BodyId::new(),
            code: file.body.code.clone(),
            name: file.body.name.clone(),
            kind: Some(mamori_domain::body::BodyKind::City),
            created_at: now,
        };
        org::insert_body(&mut *tx, &body).await?;
        let record = |action: &str, target_type: &str, id: String, after: &dyn erased::Json| {
            AuditEntry::new(actor.clone(), action, target_type, id)
                .body(body.id)
                .after_json(after.to_json())
        };
        audit::append(
            tx,
            now,
            record("body.create", "body", body.id.to_string(), &body),
        )
        .await?;

        for (i, role) in guideline_role_set()?.iter().enumerate() {
            org::insert_role_definition(&mut *tx, body.id, role, i as i64).await?;
            let entry = record(
                "role_definition.create",
                "role_definition",
                role.key.clone(),
                role,
            );
            audit::append(tx, now, entry).await?;
        }

        let mut units: HashMap<&str, OrgUnitId> = HashMap::new();
        for (i, u) in file.units.iter().enumerate() {
            let kind =
                UnitKind::parse(&u.kind).ok_or_else(|| internal("units.kind")(u.kind.clone()))?;
            let parent_id = match &u.parent {
                Some(code) => Some(
                    *units
                        .get(code.as_str())
                        .ok_or_else(|| internal("units.parent")(code.clone()))?,
                ),
                None => None,
            };
            let unit = OrgUnit {
                id: OrgUnitId::new(),
                body_id: body.id,
                parent_id,
                code: u.code.clone(),
                kind,
                agency_kind: u.agency_kind.clone(),
                name: u.name.clone(),
                sort_order: i as i64,
                valid_from: since,
                valid_to: None,
                successor_id: None,
            };
            org::insert_unit(&mut *tx, &unit, now).await?;
            audit::append(
                tx,
                now,
                record("org_unit.create", "org_unit", unit.id.to_string(), &unit),
            )
            .await?;
            units.insert(u.code.as_str(), unit.id);
        }
        let unit_of = |code: &str| {
            units
                .get(code)
                .copied()
                .ok_or_else(|| internal("unit")(code.to_owned()))
        };

        let mut people: HashMap<&str, PersonId> = HashMap::new();
        let mut posts: HashMap<&str, Post> = HashMap::new();
        for p in &file.people {
            let person = Person {
                id: PersonId::new(),
                body_id: body.id,
                staff_number: p.staff_number.clone(),
                name: p.name.clone(),
                name_kana: p.name_kana.clone(),
                unit_id: unit_of(&p.unit)?,
                title: p.title.clone(),
                employment_kind: p.employment_kind.clone(),
                email: p.email.clone(),
                status: PersonStatus::Active,
            };
            org::insert_person(&mut *tx, &person, since, "登録", now).await?;
            audit::append(
                tx,
                now,
                record("person.create", "person", person.id.to_string(), &person),
            )
            .await?;
            people.insert(p.staff_number.as_str(), person.id);
            posts.insert(
                p.staff_number.as_str(),
                Post {
                    unit_id: person.unit_id,
                    title: person.title.clone(),
                },
            );
        }
        let person_of = |num: &str| {
            people
                .get(num)
                .copied()
                .ok_or_else(|| internal("person")(num.to_owned()))
        };

        for a in &file.assignments {
            // Demo roles are 充て職: they follow the post (所属 + 職名) at transfers.
            let person_id = person_of(&a.person)?;
            let post = posts.get(a.person.as_str()).cloned();
            let assignment = RoleAssignment {
                id: RoleAssignmentId::new(),
                body_id: body.id,
                role_key: a.role.clone(),
                person_id,
                unit_id: a.unit.as_deref().map(unit_of).transpose()?,
                system_name: a.system.clone(),
                is_deputy: false,
                valid_from: fy_start,
                valid_to: None::<NaiveDate>,
                post,
            };
            org::insert_assignment(&mut *tx, &assignment, now).await?;
            let entry = record(
                "role_assignment.create",
                "role_assignment",
                assignment.id.to_string(),
                &assignment,
            );
            audit::append(tx, now, entry).await?;
        }

        // Next April's 人事異動, confirmed: two 課長 swap sections, and the roles tied to their
        // posts will pass on when the date comes.
        let next_april = mamori_domain::fiscal_year::FiscalYear::of(today)
            .end()
            .succ_opt()
            .unwrap_or(fy_start);
        let transfer = mamori_domain::transfer::Transfer {
            id: mamori_domain::ids::TransferId::new(),
            body_id: body.id,
            title: format!(
                "{}付け人事異動",
                mamori_domain::wareki::format_gregorian_as_wareki(next_april)
            ),
            effective_date: next_april,
            status: mamori_domain::transfer::TransferStatus::Confirmed,
            created_at: now,
            applied_at: None,
            report: None,
        };
        mamori_store::transfers::insert_transfer(&mut *tx, &transfer).await?;
        for (number, unit, title) in [("100091", "zeimu", "課長"), ("100105", "shimin", "課長")]
        {
            let m = mamori_domain::transfer::Move {
                person: person_of(number)?,
                to: mamori_domain::transfer::Position {
                    unit_id: unit_of(unit)?,
                    title: title.to_owned(),
                    status: PersonStatus::Active,
                },
            };
            mamori_store::transfers::put_move(&mut *tx, transfer.id, &m).await?;
        }
        audit::append(
            tx,
            now,
            record(
                "transfer.create",
                "transfer",
                transfer.id.to_string(),
                &transfer,
            ),
        )
        .await?;

        for a in &file.accounts {
            let person_id = a.person.as_deref().map(person_of).transpose()?;
            let display = match (&a.display_name, &a.person) {
                (Some(name), _) => name.clone(),
                (None, Some(num)) => file
                    .people
                    .iter()
                    .find(|p| &p.staff_number == num)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| a.login.clone()),
                (None, None) => a.login.clone(),
            };
            let account = Account {
                id: AccountId::new(),
                body_id: Some(body.id),
                login: Login::parse(&a.login)?,
                display_name: DisplayName::parse(&display)?,
                person_id,
                is_system_admin: a.system_admin,
                disabled: false,
                created_at: now,
            };
            accounts::insert(&mut *tx, &account, hash).await?;
            let entry = record(
                "account.create",
                "account",
                account.id.to_string(),
                &account,
            );
            audit::append(tx, now, entry).await?;
        }
        self.write_demo_policy(tx, file, &body, &people).await?;
        self.write_demo_assets(tx, file, &body, &units, &people)
            .await
    }

    /// The register, its records and the risks, through the same checks as on screen.
    async fn write_demo_assets(
        &self,
        tx: &mut WriteTx,
        file: &DemoFile,
        body: &Body,
        units: &HashMap<&str, OrgUnitId>,
        people: &HashMap<&str, PersonId>,
    ) -> Result<(), AppError> {
        let now = self.now();
        let meta = crate::RequestMeta { request_id: None };
        let rules =
            crate::assets::AssetRules::of(&*crate::ruling::ruling(&mut *tx, body.id).await?)?;
        let writer = AssetWriter::system();
        for a in &file.assets {
            let owner_unit = match &a.unit {
                Some(code) => Some(
                    *units
                        .get(code.as_str())
                        .ok_or_else(|| internal("assets.unit")(code.clone()))?,
                ),
                None => None,
            };
            let input = AssetInput {
                asset_no: a.asset_no.clone(),
                kind: a.kind.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                owner_unit,
                location: a.location.clone(),
                segment: a.segment.clone(),
                classification: a.classification.clone(),
                retention: a.retention.clone(),
                status: String::new(),
                document_type: a.document_type.clone(),
                derived_from: a.derived_from.join("、"),
                holds: a.holds.join("、"),
                encrypted: a.encrypted,
                locked_storage: a.locked_storage,
                backup: a.backup,
                recovery_target_hours: a
                    .recovery_target_hours
                    .map(|h| h.to_string())
                    .unwrap_or_default(),
            };
            assets::register_in(
                self,
                tx,
                &writer,
                &rules,
                body.id,
                &input,
                Actor::system("demo"),
                &meta,
                now,
            )
            .await?;
        }
        for e in &file.asset_events {
            let mut record = mamori_store::assets::find_by_number(&mut *tx, body.id, &e.asset)
                .await?
                .ok_or_else(|| internal("asset_events.asset")(e.asset.clone()))?;
            let account = file
                .accounts
                .iter()
                .find(|a| a.login == e.by)
                .ok_or_else(|| internal("asset_events.by")(e.by.clone()))?;
            let person = account
                .person
                .as_deref()
                .and_then(|p| people.get(p).copied());
            let action = mamori_domain::classification::Action::parse(&e.action)
                .ok_or_else(|| internal("asset_events.action")(e.action.clone()))?;
            assets::act(
                tx,
                &rules,
                &mut record,
                action,
                &assets::ActionInput {
                    at: None,
                    person,
                    details: e.details.clone(),
                    new_location: String::new(),
                },
                &e.by,
                Actor::system("demo"),
                &meta,
                now,
            )
            .await?;
        }
        for r in &file.risks {
            let owner = match &r.owner {
                Some(n) => Some(
                    *people
                        .get(n.as_str())
                        .ok_or_else(|| internal("risks.owner")(n.clone()))?,
                ),
                None => None,
            };
            let form = risks::RiskForm {
                asset_no: r.asset.clone().unwrap_or_default(),
                group_name: r.group.clone().unwrap_or_default(),
                threat: r.threat.clone(),
                vulnerability: r.vulnerability.clone(),
                likelihood: r.likelihood.clone(),
                impact: r.impact.clone(),
                treatment: r.treatment.clone(),
                plan: r.plan.clone(),
                reason: r.reason.clone(),
                owner,
                due: r.due.map(|d| d.to_string()).unwrap_or_default(),
                residual_likelihood: r.residual_likelihood.clone().unwrap_or_default(),
                residual_impact: r.residual_impact.clone().unwrap_or_default(),
            };
            risks::write_risk(tx, body.id, None, &form, Actor::system("demo"), &meta, now).await?;
        }
        self.write_demo_applications(tx, file, body, people).await?;
        self.write_demo_incidents(tx, file, body, units, people)
            .await
    }

    /// Applications through the same transitions as on screen: filed by their applicant,
    /// decided by the logins named.
    async fn write_demo_applications(
        &self,
        tx: &mut WriteTx,
        file: &DemoFile,
        body: &Body,
        people: &HashMap<&str, PersonId>,
    ) -> Result<(), AppError> {
        use mamori_domain::approval::Decision;
        let now = self.now();
        let today = self.today();
        let meta = crate::RequestMeta { request_id: None };
        let person_of = |login: &str| -> Result<PersonId, AppError> {
            file.accounts
                .iter()
                .find(|a| a.login == login)
                .and_then(|a| a.person.as_deref())
                .and_then(|p| people.get(p).copied())
                .ok_or_else(|| internal("applications.by")(login.to_owned()))
        };
        let dates = |text: &str| relative_dates(text, today);
        for a in &file.applications {
            // Assets are named by 管理番号 as on the form; dates relative to today.
            let raw: approvals::FieldInput = a
                .fields
                .iter()
                .map(|(key, value)| (key.clone(), dates(value)))
                .collect();
            let event = match &a.event {
                Some(e) => {
                    let asset = mamori_store::assets::find_by_number(&mut *tx, body.id, &e.asset)
                        .await?
                        .ok_or_else(|| internal("applications.event")(e.asset.clone()))?;
                    mamori_store::assets::events_of(&mut *tx, asset.id)
                        .await?
                        .into_iter()
                        .find(|ev| ev.action.key() == e.action)
                        .map(|ev| ev.id)
                }
                None => None,
            };
            let filing = match &a.emergency {
                Some(day) => approvals::Filing::Emergency {
                    acted_on: dates(day)
                        .parse()
                        .map_err(|_| internal("applications.emergency")(day.clone()))?,
                },
                None => approvals::Filing::Submit,
            };
            let applicant = person_of(&a.by)?;
            let by = approvals::Acting {
                body: body.id,
                person: applicant,
                actor: Actor::system("demo"),
                meta: &meta,
                now,
            };
            let id = self
                .approvals()
                .apply_in(
                    tx,
                    &by,
                    approvals::Apply {
                        kind: &a.kind,
                        fields: &raw,
                        uploads: &[],
                        filing,
                        asset_event: event,
                    },
                )
                .await?;
            for (login, decision) in &a.decisions {
                let decision = Decision::parse(decision)
                    .ok_or_else(|| internal("applications.decisions")(decision.clone()))?;
                let (app, _) = mamori_store::approvals::get_application(&mut *tx, body.id, id)
                    .await?
                    .ok_or_else(|| internal("applications")(a.kind.clone()))?;
                let decider = approvals::Acting {
                    person: person_of(login)?,
                    ..by.clone()
                };
                self.approvals()
                    .decide_in(
                        tx,
                        &decider,
                        id,
                        mamori_domain::approval::DecisionInput {
                            step: app.current_step,
                            decision,
                            comment: (decision != Decision::Approve)
                                .then(|| "デモの決裁".to_owned()),
                            sod_reason: None,
                        },
                        app.version,
                    )
                    .await?;
            }
            for step in &a.follow_ups {
                let what = match step.split_once(':') {
                    Some(("return", day)) => approvals::FollowUp::Return {
                        on: dates(day)
                            .parse()
                            .map_err(|_| internal("applications.follow_ups")(step.clone()))?,
                    },
                    _ if step == "start" => approvals::FollowUp::Start,
                    _ if step == "complete" => approvals::FollowUp::Complete,
                    _ if step == "report" => approvals::FollowUp::Report,
                    _ => return Err(internal("applications.follow_ups")(step.clone())),
                };
                let (app, _) = mamori_store::approvals::get_application(&mut *tx, body.id, id)
                    .await?
                    .ok_or_else(|| internal("applications")(a.kind.clone()))?;
                self.approvals()
                    .follow_up_in(tx, &by, id, what, app.version)
                    .await?;
            }
        }
        Ok(())
    }
}

/// 「today+7」 → the date; 「today-10〜today-3」 → both ends; anything else as written.
fn relative_dates(text: &str, today: NaiveDate) -> String {
    text.split('〜')
        .map(|part| match part.strip_prefix("today") {
            Some(offset) => {
                let days: i64 = offset.parse().unwrap_or(0);
                (today + chrono::Duration::days(days)).to_string()
            }
            None => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("〜")
}

impl App {
    /// Incidents through the same transitions as on screen: reported by the 職員 named, triaged
    /// by the CSIRT's login, the chain acknowledged by the logins named; each transition audited
    /// and its people told.
    async fn write_demo_incidents(
        &self,
        tx: &mut WriteTx,
        file: &DemoFile,
        body: &Body,
        units: &HashMap<&str, OrgUnitId>,
        people: &HashMap<&str, PersonId>,
    ) -> Result<(), AppError> {
        let now = self.now();
        let today = self.today();
        let meta = crate::RequestMeta { request_id: None };
        let acting = |login: &str| -> Result<approvals::Acting<'_>, AppError> {
            let person = file
                .accounts
                .iter()
                .find(|a| a.login == login)
                .and_then(|a| a.person.as_deref())
                .and_then(|p| people.get(p).copied())
                .ok_or_else(|| internal("incidents.by")(login.to_owned()))?;
            Ok(approvals::Acting {
                body: body.id,
                person,
                actor: Actor::system("demo"),
                meta: &meta,
                now,
            })
        };
        for d in &file.incidents {
            let (day, time) = d
                .noticed_at
                .split_once(' ')
                .ok_or_else(|| internal("incidents.noticed_at")(d.noticed_at.clone()))?;
            let unit = match &d.unit {
                Some(code) => Some(
                    *units
                        .get(code.as_str())
                        .ok_or_else(|| internal("incidents.unit")(code.clone()))?,
                ),
                None => None,
            };
            let report = crate::incidents::Report {
                summary: d.summary.clone(),
                how_noticed: d.how_noticed.clone(),
                noticed_at: format!("{}T{time}", relative_dates(day, today)),
                unit,
                assets: d.assets.clone(),
                systems: d.systems.clone(),
                ..crate::incidents::Report::default()
            };
            let mut incident = self
                .incidents()
                .report_in(tx, &acting(&d.by)?, report)
                .await?;
            if let Some(t) = &d.triage {
                let triage = crate::incidents::Triage {
                    id: incident.id,
                    seen: incident.version,
                    is_incident: true,
                    category: t.category.clone(),
                    severity: t.severity.clone(),
                    personal_data: t.personal_data,
                    sensitive: t.sensitive,
                    my_number: t.my_number,
                    affected_people: t.affected_people.map(|n| n.to_string()).unwrap_or_default(),
                    note: t.note.clone(),
                    unit: None,
                };
                incident = self
                    .incidents()
                    .triage_in(tx, &acting(&t.by)?, triage)
                    .await?;
            }
            for login in &d.acknowledged_by {
                incident = self
                    .incidents()
                    .acknowledge_in(tx, &acting(login)?, incident.id, incident.version)
                    .await?;
            }
        }
        Ok(())
    }
}

impl App {
    /// Policy editions: each goes through the same domain transitions as on screen.
    async fn write_demo_policy(
        &self,
        tx: &mut WriteTx,
        file: &DemoFile,
        body: &Body,
        people: &HashMap<&str, PersonId>,
    ) -> Result<(), AppError> {
        let now = self.now();
        let person_of = |num: &str| {
            people
                .get(num)
                .copied()
                .ok_or_else(|| internal("person")(num.to_owned()))
        };
        let catalog = guideline()?;
        let lookup = CatalogLookup(catalog);
        let decider = person_of(&file.policy.decided_by)?;
        let decider_name = file
            .people
            .iter()
            .find(|p| p.staff_number == file.policy.decided_by)
            .map_or_else(String::new, |p| p.name.clone());
        let roles: Vec<RoleSetting> = guideline_role_set()?
            .into_iter()
            .map(|r| RoleSetting {
                post: (r.key == "ciso").then(|| "副市長".to_owned()),
                key: r.key,
                name: r.name,
            })
            .collect();
        let mut previous: Option<Edition> = None;
        for d in &file.policy.editions {
            let mut edition = match previous.take() {
                None => Edition::first(
                    body.id,
                    file.policy.title.clone(),
                    default_profile(body, roles.clone())?,
                    now,
                ),
                Some(mut prev) => {
                    let next = prev.new_draft(EditionNumber::new(d.number)?, now);
                    prev.supersede()?;
                    policy::update_edition(&mut *tx, &prev, EditionStatus::InForce, now).await?;
                    next
                }
            };
            let mut changes: Vec<ProfileChange> = d
                .adopt
                .iter()
                .map(|c| ProfileChange::Adopt {
                    clause: c.clone(),
                    adopted: true,
                })
                .collect();
            changes.extend(d.amendments.iter().map(|a| ProfileChange::Amend {
                clause: a.clause.clone(),
                text: a.text.clone(),
                reason: a.reason.clone(),
            }));
            changes.extend(d.local_clauses.iter().cloned().map(ProfileChange::AddLocal));
            for change in &changes {
                change.apply(&mut edition.profile, catalog)?;
            }
            let deciding_role = edition.profile.deciding_role.clone();
            edition.submit(&lookup)?;
            edition.decide(
                Decision {
                    by_person: decider,
                    by_name: decider_name.clone(),
                    role_key: deciding_role.clone(),
                    on: d.decided_on,
                    deliberation: None,
                },
                &[deciding_role],
                None,
                "",
            )?;
            edition.enforce(d.effective_from)?;
            policy::insert_edition(&mut *tx, &edition, now).await?;
            let entry = AuditEntry::new(
                Actor::system("demo"),
                "policy.create_edition",
                "policy_edition",
                edition.id,
            )
            .body(body.id)
            .after(&serde_json::json!({
                "number": edition.number.get(),
                "status": edition.status.key(),
                "effective_from": d.effective_from.to_string(),
            }));
            audit::append(tx, now, entry).await?;
            if d.published {
                policy::publish(&mut *tx, edition.id, "system:demo", now).await?;
                for num in &d.acknowledged_by {
                    policy::acknowledge(&mut *tx, edition.id, person_of(num)?, now).await?;
                }
            }
            previous = Some(edition);
        }
        Ok(())
    }
}

/// Lets one closure record any serializable value.
mod erased {
    pub trait Json {
        fn to_json(&self) -> Option<String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Option<String> {
            serde_json::to_string(self).ok()
        }
    }
}
