//! The handling actions recorded on an asset (持出し, 複製, 廃棄 …): permitted at once or
//! waiting for the application that permits them.

use super::*;

impl App {
    /// Records a lifecycle action. A prohibited action is refused; one that needs permission is
    /// recorded as a request awaiting approval and does not happen (the asset is unchanged); an
    /// allowed one is recorded, and 廃棄 and 保管 change the asset's status and location.
    pub async fn record_asset_action(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        id: AssetId,
        action: Action,
        input: &ActionInput,
        meta: &RequestMeta,
    ) -> Result<ActionOutcome, AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut record = store::get_asset(&mut tx, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("情報資産".to_owned()))?;
        self.check_writer_unit(&mut tx, body.id, writer, record.owner_unit)
            .await?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut tx, body.id).await?)?;
        let person = input.person.or(writer.person());
        let outcome = act(
            &mut tx,
            &rules,
            &mut record,
            action,
            &ActionInput {
                person,
                ..input.clone()
            },
            &user.account.login.to_string(),
            user.actor(),
            meta,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Withdraws a request that still waits for permission.
    pub async fn withdraw_asset_action(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        event: AssetEventId,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut e = store::get_event(&mut tx, body.id, event)
            .await?
            .ok_or_else(|| AppError::NotFound("記録".to_owned()))?;
        let record = store::get_asset(&mut tx, body.id, e.asset_id)
            .await?
            .ok_or_else(|| AppError::NotFound("情報資産".to_owned()))?;
        self.check_writer_unit(&mut tx, body.id, writer, record.owner_unit)
            .await?;
        if e.status != EventStatus::AwaitingApproval {
            return Err(AppError::Conflict(
                "許可待ちの申請だけを取り下げられます".to_owned(),
            ));
        }
        e.status = EventStatus::Withdrawn;
        store::update_event(&mut tx, &e).await?;
        let entry = AuditEntry::new(user.actor(), "asset.action_withdrawn", "asset", e.asset_id)
            .body(body.id)
            .after(&serde_json::json!({"event": e.id.to_string(), "action": e.action.key()}))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The body's requests waiting for permission, with their assets: for the register's list.
    pub async fn awaiting_asset_actions(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(EventLine, LinkedAsset)>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut conn, body.id).await?)?;
        let mut out = Vec::new();
        for e in store::awaiting_events(&mut conn, body.id).await? {
            let Some(r) = store::get_asset(&mut conn, body.id, e.asset_id).await? else {
                continue;
            };
            out.push((EventLine::of(e, &rules), linked_one(&rules, &r)));
        }
        Ok(out)
    }
}

/// Records `action` on the asset in the caller's transaction, with its audit record: refused when
/// prohibited, held as a request when it needs permission, done otherwise (廃棄 and 保管 change
/// the asset).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn act(
    tx: &mut WriteTx,
    rules: &AssetRules,
    record: &mut AssetRecord,
    action: Action,
    input: &ActionInput,
    recorded_by: &str,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<ActionOutcome, AppError> {
    if !asset::LIFECYCLE_ACTIONS.contains(&action) {
        return Err(AppError::Invalid(DomainError::new(
            "行為",
            "台帳に記録できる行為から選んでください",
        )));
    }
    let asset = rules.asset(record)?;
    let new_location = input.new_location.trim();
    if action == Action::Store && new_location.chars().count() > asset::LOCATION_MAX_CHARS {
        return Err(AppError::Invalid(DomainError::new(
            "保管場所",
            format!(
                "保管場所は{}文字以内で入力してください",
                asset::LOCATION_MAX_CHARS
            ),
        )));
    }
    let gate = asset::check_action(&rules.scheme, &asset, action)?;
    let person = input.person;
    let entry_input = NewLifecycleRecord {
        at: input.at.or(Some(now)),
        by: person,
        details: input.details.clone(),
        approval: None,
    };
    let (status, roles) = match &gate {
        ActionGate::Prohibited { reason } => {
            return Err(AppError::Invalid(DomainError::new("行為", reason.clone())));
        }
        ActionGate::NeedsPermission { roles, .. } => {
            // Check everything but the approval, so a request is complete when it waits.
            let mut check = entry_input.clone();
            check.approval = Some("pending".to_owned());
            LifecycleRecord::validate(&rules.scheme, &asset, action, &check)
                .map_err(first_error)?;
            (EventStatus::AwaitingApproval, roles.clone())
        }
        ActionGate::Allowed { .. } => {
            LifecycleRecord::validate(&rules.scheme, &asset, action, &entry_input)
                .map_err(first_error)?;
            (EventStatus::Completed, Vec::new())
        }
    };
    let event = AssetEvent {
        id: AssetEventId::new(),
        body_id: record.body_id,
        asset_id: record.id,
        action,
        status,
        acted_at: entry_input.at.unwrap_or(now),
        person,
        details: input.details.trim().to_owned(),
        new_location: (action == Action::Store && !new_location.is_empty())
            .then(|| new_location.to_owned()),
        approval: None,
        required_roles: roles.clone(),
        recorded_by: recorded_by.to_owned(),
        created_at: now,
        completed_at: (status == EventStatus::Completed).then_some(now),
    };
    store::insert_event(&mut *tx, &event).await?;
    let before = record.clone();
    if status == EventStatus::Completed {
        let mut changed = false;
        if action == Action::Disposal {
            record.status = AssetStatus::Disposed;
            changed = true;
        }
        if let Some(location) = &event.new_location {
            record.location = location.clone();
            changed = true;
        }
        if changed {
            record.updated_at = now;
            store::update_asset(&mut *tx, record, &rules.level_rows(&asset.classification)?)
                .await?;
        }
    }
    let audit_action = if status == EventStatus::Completed {
        "asset.action"
    } else {
        "asset.action_requested"
    };
    let entry = AuditEntry::new(actor, audit_action, "asset", record.id)
        .body(record.body_id)
        .before(&serde_json::json!({
            "status": before.status.key(),
            "location": before.location,
        }))
        .after(&serde_json::json!({
            "event": event.id.to_string(),
            "action": action.key(),
            "status": status.key(),
            "acted_at": event.acted_at,
            "person": event.person.map(|p| p.to_string()),
            "details": event.details,
            "new_location": event.new_location,
            "required_roles": roles,
            "asset_status": record.status.key(),
        }))
        .request(meta.request_id.clone());
    audit::append(tx, now, entry).await?;
    Ok(match status {
        EventStatus::AwaitingApproval => ActionOutcome::AwaitingApproval {
            event: event.id,
            roles,
        },
        _ => ActionOutcome::Recorded { event: event.id },
    })
}
