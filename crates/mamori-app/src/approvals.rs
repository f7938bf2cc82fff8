//! 許可・承認の申請: applications of every kind the policy creates, routed through the authority
//! resolver, decided step by step with 兼務の禁止 checked at each, and their ledgers.
//!
//! The kinds are the catalog's APPROVAL clauses with the deciding roles of the body's matrix
//! (`mamori_domain::approval::default_kinds`). An application is kept whole; every transition is
//! written only if the application is still at the version the actor read, so of two approvers
//! deciding one step at once exactly one succeeds and the other gets a conflict. An application
//! that permits a waiting asset record completes that record when it is approved.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use mamori_catalog::model::ArtifactKind;
use mamori_domain::approval::{
    self, Actor as ApprovalActor, Application, ApplicationKind, ApprovalClause, ApprovalError,
    Decision, DecisionInput, FieldValue, FieldValues, LedgerRow, NewApplication, Status,
};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::authority::Context;
use mamori_domain::classification::Classification;
use mamori_domain::ids::{ApplicationId, AssetEventId, BodyId, PersonId};
use mamori_domain::policy::Profile;
use mamori_store::approvals as store;
use mamori_store::assets::{self as asset_store, EventStatus};
use mamori_store::{AnyConnection, WriteTx, audit, org};
use serde::Serialize;

use crate::assets::rules_of;
use crate::organization::{authority_matrix, ruling_profile};
use crate::policy::guideline;
use crate::{App, AppError, CurrentUser, RequestMeta};

/// Days before its 期限 that an application counts as expiring in the ledgers.
pub const EXPIRY_WINDOW_DAYS: u32 = 30;

fn refused(e: ApprovalError) -> AppError {
    match e {
        ApprovalError::Invalid(errors) => errors.into_iter().next().map_or_else(
            || AppError::Internal("approval refused without a reason".to_owned()),
            AppError::Invalid,
        ),
        ApprovalError::Forbidden(e) => AppError::Forbidden(e.message),
        stale @ ApprovalError::Stale { .. } => AppError::Conflict(stale.to_string()),
    }
}

/// The body's kinds: one per APPROVAL clause of the catalog that has a deciding role in the
/// body's matrix.
pub(crate) fn kinds_of(profile: Option<&Profile>) -> Result<Vec<ApplicationKind>, AppError> {
    let catalog = guideline()?;
    let matrix = authority_matrix(profile)?;
    let clauses: Vec<ApprovalClause> = catalog
        .clauses
        .iter()
        .filter(|c| c.artifacts.iter().any(|a| a.kind == ArtifactKind::Approval))
        .map(|c| {
            let id = c.id.to_string();
            ApprovalClause {
                deciding_roles: matrix
                    .row(&id)
                    .iter()
                    .filter(|m| m.mark.decides())
                    .map(|m| m.role.clone())
                    .collect(),
                id,
                title: c.title.clone(),
            }
        })
        .collect();
    approval::default_kinds(&clauses).map_err(|errors| {
        errors.into_iter().next().map_or_else(
            || AppError::Internal("application kinds".to_owned()),
            AppError::Invalid,
        )
    })
}

/// What filing an application does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// 起案 only.
    Draft,
    /// 起案 and 申請 at once.
    Submit,
    /// 緊急時: acted on that date before any approval; the 事後報告 is due by the kind's rule.
    Emergency { acted_on: chrono::NaiveDate },
}

/// An application with what the screens show beside it.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    pub application: Application,
    pub kind: ApplicationKind,
    /// The asset record the application permits, if any.
    pub asset_event: Option<AssetEventId>,
    /// Field values in the kind's order, as text: `(label, value)`.
    pub values: Vec<(String, String)>,
    /// The signed-in person may decide the current step.
    pub may_decide: bool,
    /// The signed-in person is the applicant and may still withdraw.
    pub may_withdraw: bool,
}

/// Who acts: the person behind the account.
fn person_of(user: &CurrentUser) -> Result<PersonId, AppError> {
    user.account.person_id.ok_or_else(|| {
        AppError::Forbidden("職員に結び付いていないアカウントでの申請・決裁".to_owned())
    })
}

fn kind_of<'a>(kinds: &'a [ApplicationKind], key: &str) -> Result<&'a ApplicationKind, AppError> {
    kinds
        .iter()
        .find(|k| k.key == key || k.clause == key)
        .ok_or_else(|| AppError::NotFound("申請の種類".to_owned()))
}

/// Appends the audit record of the application's last transition.
async fn audit_last(
    tx: &mut WriteTx,
    body: BodyId,
    app: &Application,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(event) = app.history.last() else {
        return Ok(());
    };
    let entry = AuditEntry::new(actor, event.kind.action(), "application", app.id)
        .body(body)
        .after(&serde_json::json!({
            "number": app.number,
            "kind": app.kind,
            "clause": app.clause,
            "from": event.from.map(Status::key),
            "to": event.to.key(),
            "step": event.step,
            "comment": event.comment,
            "version": app.version,
        }))
        .request(meta.request_id.clone());
    audit::append(tx, now, entry).await?;
    Ok(())
}

/// Writes the application if nobody changed it since `seen`; else a conflict, nothing written.
async fn save(
    conn: &mut AnyConnection,
    app: &Application,
    seen: u32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if store::update_application(conn, app, seen, now).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "この申請は他の操作で更新されています。画面を読み込み直してください".to_owned(),
        ))
    }
}

fn field_values(kind: &ApplicationKind, app: &Application) -> Vec<(String, String)> {
    kind.fields
        .iter()
        .map(|f| {
            (
                f.label.clone(),
                app.fields
                    .get(&f.key)
                    .map(FieldValue::display)
                    .unwrap_or_default(),
            )
        })
        .collect()
}

impl App {
    /// The kinds of application of the body.
    pub async fn application_kinds(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<ApplicationKind>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let profile = ruling_profile(&mut conn, body.id).await?;
        kinds_of(profile.as_ref())
    }

    /// 起案 and, with `submit`, 申請: the fields as typed (by field key), checked against the kind;
    /// the route is resolved for the applicant's unit on today's organization. With
    /// `asset_event`, the application permits that waiting asset record.
    pub async fn apply(
        &self,
        user: &CurrentUser,
        kind_key: &str,
        raw: &BTreeMap<String, String>,
        filing: Filing,
        asset_event: Option<AssetEventId>,
        meta: &RequestMeta,
    ) -> Result<ApplicationId, AppError> {
        let body = user.body()?;
        let person = person_of(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let id = self
            .apply_in(
                &mut tx,
                body.id,
                person,
                user.actor(),
                kind_key,
                raw,
                filing,
                asset_event,
                meta,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// [`apply`](Self::apply) in the caller's transaction, for `person`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn apply_in(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        person: PersonId,
        actor: Actor,
        kind_key: &str,
        raw: &BTreeMap<String, String>,
        filing: Filing,
        asset_event: Option<AssetEventId>,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<ApplicationId, AppError> {
        let today = self.today();
        let profile = ruling_profile(tx.conn(), body).await?;
        let kinds = kinds_of(profile.as_ref())?;
        let kind = kind_of(&kinds, kind_key)?;
        let mut fields = FieldValues::new();
        for def in &kind.fields {
            let text = raw.get(&def.key).map(String::as_str).unwrap_or("");
            if let Some(v) = def.parse(text)? {
                fields.insert(def.key.clone(), v);
            }
        }
        if let Some(event) = asset_event {
            let e = asset_store::get_event(tx.conn(), body, event)
                .await?
                .ok_or_else(|| AppError::NotFound("許可待ちの記録".to_owned()))?;
            if e.status != EventStatus::AwaitingApproval {
                return Err(AppError::Conflict(
                    "この記録は許可待ちではありません".to_owned(),
                ));
            }
            if store::application_of_event(tx.conn(), event)
                .await?
                .is_some()
            {
                return Err(AppError::Conflict(
                    "この記録の許可は既に申請されています".to_owned(),
                ));
            }
            if let Some(def) = kind.fields.iter().find(|f| {
                matches!(f.kind, approval::FieldKind::Assets) && !fields.contains_key(&f.key)
            }) {
                fields.insert(def.key.clone(), FieldValue::Assets(vec![e.asset_id]));
            }
        }
        let me = org::find_person(tx.conn(), person)
            .await?
            .ok_or_else(|| AppError::NotFound("申請者".to_owned()))?;
        let units = self.unit_names(tx.conn(), body).await?;
        let year = mamori_domain::fiscal_year::FiscalYear::of(today).year();
        let number = store::next_application_number(tx.conn(), body, year).await?;
        let new = NewApplication {
            id: ApplicationId::new(),
            number,
            applicant: person,
            applicant_name: me.name.clone(),
            unit: Some(me.unit_id),
            unit_name: units.get(&me.unit_id).cloned().unwrap_or_default(),
            subjects: Vec::new(),
            fields,
        };
        let mut app = match filing {
            Filing::Emergency { acted_on } => {
                Application::act_in_emergency(kind, new, acted_on, now)
            }
            Filing::Draft | Filing::Submit => Application::draft(kind, new, now),
        }
        .map_err(refused)?;
        store::insert_application(tx.conn(), body, &app, asset_event, now).await?;
        audit_last(tx, body, &app, actor.clone(), meta, now).await?;
        self.notify_application(tx, body, &app, now).await?;
        if filing == Filing::Submit {
            let seen = app.version;
            app = self
                .submitted(tx.conn(), body, profile.as_ref(), kind, &app, person, now)
                .await?;
            save(tx.conn(), &app, seen, now).await?;
            audit_last(tx, body, &app, actor.clone(), meta, now).await?;
            self.notify_application(tx, body, &app, now).await?;
        }
        Ok(app.id)
    }

    /// The application after 申請: the route resolved on today's organization.
    #[allow(clippy::too_many_arguments)]
    async fn submitted(
        &self,
        conn: &mut AnyConnection,
        body: BodyId,
        profile: Option<&Profile>,
        kind: &ApplicationKind,
        app: &Application,
        person: PersonId,
        now: DateTime<Utc>,
    ) -> Result<Application, AppError> {
        let snapshot = self.org_snapshot(conn, body, self.today(), profile).await?;
        let matrix = authority_matrix(profile)?;
        // 専決 on the classification asks for the highest classification of the assets named.
        let (rules, _) = rules_of(conn, body).await?;
        let mut classes: Vec<Classification> = Vec::new();
        for v in app.fields.values() {
            if let FieldValue::Assets(ids) = v {
                for r in asset_store::get_assets(conn, body, ids).await? {
                    if let Ok(c) = rules.classification(&r) {
                        classes.push(c);
                    }
                }
            }
        }
        let highest = rules.scheme.highest(&classes)?;
        let route = approval::resolve_route(
            kind,
            &snapshot,
            &matrix,
            &Context {
                unit: app.unit,
                system: None,
            },
            &app.fields,
            highest.as_ref().map(|c| (&rules.scheme, c)),
        )?;
        app.submit(
            kind,
            route,
            &ApprovalActor {
                by: person,
                at: now,
                version: app.version,
            },
        )
        .map_err(refused)
    }

    /// One application, with what the signed-in person may do with it.
    pub async fn application(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
    ) -> Result<ApplicationView, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let (app, asset_event) = store::get_application(&mut conn, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        let profile = ruling_profile(&mut conn, body.id).await?;
        let kinds = kinds_of(profile.as_ref())?;
        let kind = kind_of(&kinds, &app.kind)?.clone();
        let person = user.account.person_id;
        // Assets and people by what people read: 管理番号 and name, the person's name.
        let mut values = field_values(&kind, &app);
        for (def, value) in kind.fields.iter().zip(values.iter_mut()) {
            match app.fields.get(&def.key) {
                Some(FieldValue::Assets(ids)) => {
                    let records = asset_store::get_assets(&mut conn, body.id, ids).await?;
                    value.1 = records
                        .iter()
                        .map(|r| format!("{} {}", r.asset_no, r.name))
                        .collect::<Vec<_>>()
                        .join("、");
                }
                Some(FieldValue::People(ids)) => {
                    let mut names = Vec::new();
                    for id in ids {
                        if let Some(p) = org::find_person(&mut conn, *id).await? {
                            names.push(p.name);
                        }
                    }
                    value.1 = names.join("、");
                }
                _ => {}
            }
        }
        Ok(ApplicationView {
            values,
            // The applicant and the people the application is about never decide it.
            may_decide: person
                .is_some_and(|p| app.awaits(p) && p != app.applicant && !app.subjects.contains(&p)),
            may_withdraw: person == Some(app.applicant) && !app.status.is_final(),
            application: app,
            kind,
            asset_event,
        })
    }

    /// 承認・差戻し・却下 of the current step, by the person who read version `seen`. Not a
    /// candidate of the step: 403; the applicant or a subject: refused naming 兼務の禁止 (unless
    /// the profile allows an exception and a reason is given); someone else decided first: 409.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_application(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
        step: usize,
        decision: Decision,
        comment: Option<String>,
        sod_reason: Option<String>,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<Application, AppError> {
        let body = user.body()?;
        let person = person_of(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let next = self
            .decide_in(
                &mut tx,
                body.id,
                person,
                user.actor(),
                id,
                DecisionInput {
                    step,
                    decision,
                    comment,
                    sod_reason,
                },
                seen,
                meta,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// [`decide_application`](Self::decide_application) in the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn decide_in(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        person: PersonId,
        actor: Actor,
        id: ApplicationId,
        input: DecisionInput,
        seen: u32,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<Application, AppError> {
        let step = input.step;
        let (app, asset_event) = store::get_application(tx.conn(), body, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        let profile = ruling_profile(tx.conn(), body).await?;
        let kinds = kinds_of(profile.as_ref())?;
        let kind = kind_of(&kinds, &app.kind)?;
        let sod = profile
            .as_ref()
            .map(|p| p.separation.clone())
            .unwrap_or_default();
        let next = app
            .decide(
                kind,
                &input,
                &sod,
                &ApprovalActor {
                    by: person,
                    at: now,
                    version: seen,
                },
            )
            .map_err(refused)?;
        save(tx.conn(), &next, seen, now).await?;
        audit_last(tx, body, &next, actor.clone(), meta, now).await?;
        self.notify_application(tx, body, &next, now).await?;
        let exception = next
            .route
            .as_ref()
            .and_then(|r| r.steps.get(step))
            .into_iter()
            .flat_map(|s| &s.seats)
            .filter_map(|s| s.decision.as_ref())
            .find(|d| d.by == person)
            .and_then(|d| d.sod_exception.clone());
        if let Some(exception) = exception {
            let entry = AuditEntry::new(actor.clone(), "separation.exception", "application", id)
                .body(body)
                .after(&exception)
                .request(meta.request_id.clone());
            audit::append(tx, now, entry).await?;
        }
        if next.status == Status::Approved
            && let Some(event) = asset_event
        {
            self.complete_asset_event(tx, body, event, &next, actor.clone(), meta, now)
                .await?;
        }
        Ok(next)
    }

    /// The asset record an approved application permits happens now: recorded with the
    /// application's number as its approval, and 廃棄 / 保管 change the asset.
    #[allow(clippy::too_many_arguments)]
    async fn complete_asset_event(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        event: AssetEventId,
        app: &Application,
        actor: Actor,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let Some(mut e) = asset_store::get_event(tx.conn(), body, event).await? else {
            return Ok(());
        };
        if e.status != EventStatus::AwaitingApproval {
            return Ok(());
        }
        e.status = EventStatus::Completed;
        e.approval = Some(app.number.clone());
        e.completed_at = Some(now);
        asset_store::update_event(tx.conn(), &e).await?;
        if let Some(mut record) = asset_store::get_asset(tx.conn(), body, e.asset_id).await? {
            let mut changed = false;
            if e.action == mamori_domain::classification::Action::Disposal {
                record.status = mamori_domain::asset::AssetStatus::Disposed;
                changed = true;
            }
            if let Some(location) = &e.new_location {
                record.location = location.clone();
                changed = true;
            }
            if changed {
                let (rules, _) = rules_of(tx.conn(), body).await?;
                let levels = match rules.classification(&record) {
                    Ok(c) => rules.level_rows(&c)?,
                    Err(_) => Vec::new(),
                };
                record.updated_at = now;
                asset_store::update_asset(tx.conn(), &record, &levels).await?;
            }
        }
        let entry = AuditEntry::new(actor, "asset.action", "asset", e.asset_id)
            .body(body)
            .after(&serde_json::json!({
                "event": e.id.to_string(),
                "action": e.action.key(),
                "status": e.status.key(),
                "approval": app.number,
            }))
            .request(meta.request_id.clone());
        audit::append(tx, now, entry).await?;
        Ok(())
    }

    /// 取下げ by the applicant. A waiting asset record it permitted is withdrawn with it.
    pub async fn withdraw_application(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?;
        let person = person_of(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let (app, asset_event) = store::get_application(tx.conn(), body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        let next = app
            .withdraw(
                None,
                &ApprovalActor {
                    by: person,
                    at: now,
                    version: seen,
                },
            )
            .map_err(refused)?;
        save(tx.conn(), &next, seen, now).await?;
        audit_last(&mut tx, body.id, &next, user.actor(), meta, now).await?;
        self.notify_application(&mut tx, body.id, &next, now)
            .await?;
        if let Some(event) = asset_event
            && let Some(mut e) = asset_store::get_event(tx.conn(), body.id, event).await?
            && e.status == EventStatus::AwaitingApproval
        {
            e.status = EventStatus::Withdrawn;
            asset_store::update_event(tx.conn(), &e).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// 承認待ち: the applications whose current step the signed-in person may decide.
    pub async fn inbox(&self, user: &CurrentUser) -> Result<Vec<Application>, AppError> {
        let body = user.body()?;
        let Some(person) = user.account.person_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.store().conn().await?;
        Ok(
            store::list_applications(&mut conn, body.id, None, &[Status::Submitted.key()])
                .await?
                .into_iter()
                .map(|(a, _)| a)
                .filter(|a| a.awaits(person))
                .collect(),
        )
    }

    /// The signed-in person's own applications, newest first.
    pub async fn my_applications(&self, user: &CurrentUser) -> Result<Vec<Application>, AppError> {
        let body = user.body()?;
        let Some(person) = user.account.person_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.store().conn().await?;
        Ok(store::list_applications(&mut conn, body.id, None, &[])
            .await?
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| a.applicant == person)
            .collect())
    }

    /// The 台帳 of one kind (by key or clause): one row per application that was submitted.
    pub async fn ledger(
        &self,
        user: &CurrentUser,
        kind_key: &str,
    ) -> Result<(ApplicationKind, Vec<LedgerRow>), AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let profile = ruling_profile(&mut conn, body.id).await?;
        let kinds = kinds_of(profile.as_ref())?;
        let kind = kind_of(&kinds, kind_key)?.clone();
        let today = self.today();
        let rows = store::list_applications(&mut conn, body.id, Some(&kind.clause), &[])
            .await?
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| a.kind == kind.key && a.status != Status::Draft)
            .map(|a| LedgerRow::build(&a, &kind, today, EXPIRY_WINDOW_DAYS))
            .collect();
        Ok((kind, rows))
    }
}
