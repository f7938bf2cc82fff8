//! 周知 and acknowledgement: publishing an edition in force, each person's acknowledgement, the
//! roll-up per unit, and the edition as a document.

use super::*;

impl App {
    /// 周知: publishes the edition in force to staff, who can then acknowledge it.
    pub async fn publish_policy_edition(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        number: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = may.body(user)?.clone();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let edition = policy::find_edition(&mut tx, body.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        if edition.status != EditionStatus::InForce {
            return Err(DomainError::new(
                "状態",
                format!(
                    "周知できるのは施行中の版だけです（{}は{}）",
                    number,
                    edition.status.label()
                ),
            )
            .into());
        }
        if policy::published_at(&mut tx, edition.id).await?.is_some() {
            return Err(AppError::Conflict(format!("{number}は周知済みです")));
        }
        policy::publish(&mut tx, edition.id, user.account.login.as_str(), now).await?;
        let entry = AuditEntry::new(user.actor(), "policy.publish", "policy_edition", edition.id)
            .body(body.id)
            .after(&json!({"number": number.get()}))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person confirms having read a published edition.
    pub async fn acknowledge_policy_edition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?.clone();
        let person = user
            .account
            .person_id
            .ok_or_else(|| AppError::Forbidden("確認は職員のアカウントで行います".to_owned()))?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let edition = policy::find_edition(&mut tx, body.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        if policy::published_at(&mut tx, edition.id).await?.is_none() {
            return Err(
                DomainError::new("状態", format!("{number}はまだ周知されていません")).into(),
            );
        }
        if policy::acknowledged_at(&mut tx, edition.id, person)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(format!("{number}は確認済みです")));
        }
        policy::acknowledge(&mut tx, edition.id, person, now).await?;
        let entry = AuditEntry::new(
            user.actor(),
            "policy.acknowledge",
            "policy_edition",
            edition.id,
        )
        .body(body.id)
        .after(&json!({"number": number.get(), "person": person}))
        .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Per unit, who has acknowledged the edition. Editors see the whole body.
    pub async fn policy_acknowledgements(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        number: EditionNumber,
    ) -> Result<Vec<UnitRollup>, AppError> {
        let body = may.body(user)?;
        let mut conn = self.store().conn().await?;
        let edition = policy::find_edition(&mut conn, body.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        let rows = policy::acknowledgement_rollup(&mut conn, body.id, edition.id).await?;
        let mut out = Vec::new();
        for r in &rows {
            let missing = if r.staff > r.acknowledged {
                policy::not_acknowledged(&mut conn, &r.unit_id, edition.id).await?
            } else {
                Vec::new()
            };
            // A 部局's figures include its 課室 (and their 係): the roll-up a 部長 answers for.
            let (staff, acknowledged) = rows
                .iter()
                .filter(|u| u.unit_id == r.unit_id || is_under(&rows, &u.unit_id, &r.unit_id))
                .fold((0, 0), |(s, a), u| (s + u.staff, a + u.acknowledged));
            out.push(UnitRollup {
                unit_name: r.unit_name.clone(),
                is_department: r.kind == "department",
                staff,
                acknowledged,
                missing,
            });
        }
        Ok(out)
    }
}

/// Whether `unit` lies below `ancestor` in the unit tree.
fn is_under(rows: &[policy::UnitAcknowledgement], unit: &str, ancestor: &str) -> bool {
    let mut current = rows.iter().find(|u| u.unit_id == unit);
    // The tree is shallow (部局 → 課室 → 係); the bound guards against a cycle in bad data.
    for _ in 0..16 {
        match current.and_then(|u| u.parent_id.as_deref()) {
            Some(parent) if parent == ancestor => return true,
            Some(parent) => current = rows.iter().find(|u| u.unit_id == parent),
            None => return false,
        }
    }
    false
}

/// One unit's acknowledgement state.
#[derive(Debug, Clone)]
pub struct UnitRollup {
    pub unit_name: String,
    pub is_department: bool,
    /// Serving staff of the unit and every unit below it.
    pub staff: i64,
    pub acknowledged: i64,
    /// Name and 職名 of those who have not acknowledged.
    pub missing: Vec<(String, String)>,
}

impl App {
    /// The edition to publish and the body's 改定履歴. `number` `None` means the edition in
    /// force (or, when none is, the newest). Drafts only with `include_drafts`.
    pub async fn policy_for_publication(
        &self,
        body: mamori_domain::ids::BodyId,
        number: Option<EditionNumber>,
        include_drafts: bool,
    ) -> Result<(Edition, Vec<HistoryLine>), AppError> {
        let mut conn = self.store().conn().await?;
        let editions = policy::list_editions(&mut conn, body).await?;
        let chosen = match number {
            Some(n) => editions.iter().find(|e| e.number == n),
            None => editions
                .iter()
                .find(|e| e.status == EditionStatus::InForce)
                .or_else(|| editions.first()),
        }
        .filter(|e| {
            include_drafts || !matches!(e.status, EditionStatus::Draft | EditionStatus::UnderReview)
        })
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(number.map_or_else(|| "公開できる版".to_owned(), |n| n.to_string()))
        })?;
        Ok((chosen, revision_history(&editions)))
    }
}
