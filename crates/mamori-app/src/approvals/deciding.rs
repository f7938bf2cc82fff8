//! 承認・差戻し・却下, 取下げ and what follows an approval (実施・返却・完了): each transition
//! guarded by the version the actor read, audited, and told to whom it concerns.

use super::*;

impl Approvals<'_> {
    /// 承認・差戻し・却下 of the current step, by the person who read version `seen`. Not a
    /// candidate of the step: 403; the applicant or a subject: refused naming 兼務の禁止 (unless
    /// the profile allows an exception and a reason is given); someone else decided first: 409.
    pub async fn decide(
        &self,
        user: &CurrentUser,
        command: Decide,
        meta: &RequestMeta,
    ) -> Result<Application, AppError> {
        let by = self.acting(user, meta)?;
        let Decide {
            id,
            step,
            decision,
            comment,
            sod_reason,
            seen,
        } = command;
        let input = DecisionInput {
            step,
            decision,
            comment,
            sod_reason,
        };
        let mut tx = self.app.store().begin_write().await?;
        let next = self.decide_in(&mut tx, &by, id, input, seen).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// [`decide`](Self::decide) in the caller's transaction.
    pub(crate) async fn decide_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        id: ApplicationId,
        input: DecisionInput,
        seen: u32,
    ) -> Result<Application, AppError> {
        let (body, person, actor, meta, now) =
            (by.body, by.person, by.actor.clone(), by.meta, by.now);
        let step = input.step;
        let (app, asset_event) = store::get_application(&mut *tx, body, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        let ruling = crate::ruling::ruling(&mut *tx, body).await?;
        let kinds = ruling.kinds()?;
        let kind = kind_of(kinds, &app.kind)?;
        let sod = ruling
            .profile
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
        save(&mut *tx, &next, seen, now).await?;
        self.transitioned(tx, body, &next, actor.clone(), meta, now)
            .await?;
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
            self.complete_asset_event(tx, (body, &ruling), event, &next, actor.clone(), meta, now)
                .await?;
        }
        Ok(next)
    }

    /// The asset record an approved application permits happens now: recorded with the
    /// application's number as its approval, and 廃棄 / 保管 change the asset.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn complete_asset_event(
        &self,
        tx: &mut WriteTx,
        (body, ruling): (BodyId, &Ruling),
        event: AssetEventId,
        app: &Application,
        actor: Actor,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let Some(mut e) = asset_store::get_event(&mut *tx, body, event).await? else {
            return Ok(());
        };
        if e.status != EventStatus::AwaitingApproval {
            return Ok(());
        }
        e.status = EventStatus::Completed;
        e.approval = Some(app.number.clone());
        e.completed_at = Some(now);
        asset_store::update_event(&mut *tx, &e).await?;
        if let Some(mut record) = asset_store::get_asset(&mut *tx, body, e.asset_id).await? {
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
                let rules = AssetRules::of(ruling)?;
                let levels = match rules.classification(&record) {
                    Ok(c) => rules.level_rows(&c)?,
                    Err(_) => Vec::new(),
                };
                record.updated_at = now;
                asset_store::update_asset(&mut *tx, &record, &levels).await?;
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
    pub async fn withdraw(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?;
        let person = person_of(user)?;
        let now = self.app.now();
        let mut tx = self.app.store().begin_write().await?;
        let (app, asset_event) = store::get_application(&mut tx, body.id, id)
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
        save(&mut tx, &next, seen, now).await?;
        self.transitioned(&mut tx, body.id, &next, user.actor(), meta, now)
            .await?;
        if let Some(event) = asset_event
            && let Some(mut e) = asset_store::get_event(&mut tx, body.id, event).await?
            && e.status == EventStatus::AwaitingApproval
        {
            e.status = EventStatus::Withdrawn;
            asset_store::update_event(&mut tx, &e).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// 実施・返却・完了 by the applicant or someone who approved it, and the 事後報告 of an
    /// emergency application by its applicant, on the version `seen`.
    pub async fn follow_up(
        &self,
        user: &CurrentUser,
        id: ApplicationId,
        what: FollowUp,
        seen: u32,
        meta: &RequestMeta,
    ) -> Result<Application, AppError> {
        let by = self.acting(user, meta)?;
        let mut tx = self.app.store().begin_write().await?;
        let next = self.follow_up_in(&mut tx, &by, id, what, seen).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// [`follow_up`](Self::follow_up) in the caller's transaction, for `person`.
    pub(crate) async fn follow_up_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        id: ApplicationId,
        what: FollowUp,
        seen: u32,
    ) -> Result<Application, AppError> {
        let (body, person, actor, meta, now) =
            (by.body, by.person, by.actor.clone(), by.meta, by.now);
        let (app, _) = store::get_application(&mut *tx, body, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        if what != FollowUp::Report && !may_follow_up(&app, person) {
            return Err(AppError::Forbidden(
                "実施・返却・完了を記録できるのは申請者と承認した人です".to_owned(),
            ));
        }
        let by = ApprovalActor {
            by: person,
            at: now,
            version: seen,
        };
        let next = match what {
            FollowUp::Start => app.start(&by),
            FollowUp::Return { on } => app.return_item(on, &by),
            FollowUp::Complete => app.complete(&by),
            FollowUp::Report => {
                let (ruling, org) =
                    crate::ruling::ruling_and_org(&mut *tx, body, self.app.today()).await?;
                let kind = kind_of(ruling.kinds()?, &app.kind)?;
                let route = self
                    .route_for(&mut *tx, body, (&ruling, &org), kind, &app)
                    .await?;
                app.report(kind, route, &by)
            }
        }
        .map_err(refused)?;
        save(&mut *tx, &next, seen, now).await?;
        self.transitioned(tx, body, &next, actor, meta, now).await?;
        Ok(next)
    }
}
