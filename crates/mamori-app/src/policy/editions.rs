//! The life of an edition: 起案, changes to its profile, 決裁 (submit, send back, decide),
//! 施行 and 廃止, each guarded by the status it was read with and audited.

use super::*;
use crate::committee::{committee_name_in, deliberating_role, deliberations_on};

impl App {
    /// Editions of the user's body, newest first. Staff see the editions that were decided;
    /// drafts and editions under review are visible to policy editors and the deciding role.
    pub async fn policy_editions(&self, user: &CurrentUser) -> Result<Vec<Edition>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let all = policy::list_editions(&mut conn, body.id).await?;
        Ok(all.into_iter().filter(|e| may_see(user, e)).collect())
    }

    pub async fn policy_history(&self, user: &CurrentUser) -> Result<Vec<HistoryLine>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        Ok(revision_history(
            &policy::list_editions(&mut conn, body.id).await?,
        ))
    }

    pub async fn policy_edition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
    ) -> Result<EditionView, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let edition = policy::find_edition(&mut conn, body.id, number)
            .await?
            .filter(|e| may_see(user, e))
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        let published_at = policy::published_at(&mut conn, edition.id).await?;
        let acknowledged_at = match user.account.person_id {
            Some(person) => policy::acknowledged_at(&mut conn, edition.id, person).await?,
            None => None,
        };
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let decide_exception = ruling.profile.as_ref().and_then(|p| {
            p.separation
                .exceptions
                .get(&SodRule::ApplicantApprover)
                .cloned()
        });
        let committee =
            deliberating_role(&ruling, &edition).map(|key| committee_name_in(&ruling.roles, key));
        let deliberations = deliberations_on(&mut conn, &edition).await?;
        Ok(EditionView {
            edition,
            published_at,
            acknowledged_at,
            decide_exception,
            committee,
            deliberations,
        })
    }

    /// Starts the body's first edition (制定) from the guideline, as a draft.
    pub async fn create_first_edition(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        title: &str,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let body = may.body(user)?.clone();
        let title = non_empty("題名", title)?;
        let mut tx = self.store().begin_write().await?;
        if !policy::list_editions(&mut tx, body.id).await?.is_empty() {
            return Err(AppError::Conflict(
                "既に版があります。次の版は既存の版から作成してください".to_owned(),
            ));
        }
        let roles = org::list_role_definitions(&mut tx, body.id)
            .await?
            .into_iter()
            .map(|r| RoleSetting {
                key: r.key,
                name: r.name,
                post: None,
            })
            .collect();
        let profile = default_profile(&body, roles)?;
        let edition = Edition::first(body.id, title, profile, self.now());
        self.insert_edition(&mut tx, user.actor(), &edition, meta)
            .await?;
        tx.commit().await?;
        Ok(edition)
    }

    /// Starts the next edition as a copy of `from`.
    pub async fn new_policy_draft(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        from: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let body = may.body(user)?.clone();
        let mut tx = self.store().begin_write().await?;
        let editions = policy::list_editions(&mut tx, body.id).await?;
        if let Some(open) = editions.iter().find(|e| e.is_open()) {
            return Err(AppError::Conflict(format!(
                "{}が{}です。新しい版は、それが施行されてから作成してください",
                open.number,
                open.status.label()
            )));
        }
        let source = editions
            .iter()
            .find(|e| e.number == from)
            .ok_or_else(|| AppError::NotFound(format!("{from}")))?;
        let edition = source.new_draft(
            mamori_domain::policy::next_number(&editions, from),
            self.now(),
        );
        self.insert_edition(&mut tx, user.actor(), &edition, meta)
            .await?;
        tx.commit().await?;
        Ok(edition)
    }

    pub(crate) async fn insert_edition(
        &self,
        tx: &mut WriteTx,
        actor: mamori_domain::audit::Actor,
        edition: &Edition,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        policy::insert_edition(&mut *tx, edition, self.now()).await?;
        let entry = AuditEntry::new(actor, "policy.create_edition", "policy_edition", edition.id)
            .body(edition.body_id)
            .after(&json!({
                "number": edition.number.get(),
                "title": edition.title,
                "based_on": edition.based_on.map(EditionNumber::get),
                "revision_kind": edition.revision_kind.key(),
            }))
            .request(meta.request_id.clone());
        audit::append(tx, self.now(), entry).await?;
        Ok(())
    }

    /// Changes the profile of a draft.
    pub async fn change_policy_profile(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        number: EditionNumber,
        change: ProfileChange,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        may.body(user)?;
        let catalog = guideline()?;
        self.transition(user, number, change.action(), meta, |edition| {
            edition.ensure_editable()?;
            change.apply(&mut edition.profile, catalog)?;
            Ok(())
        })
        .await
    }

    /// 下書き → 審議中.
    pub async fn submit_policy_edition(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        number: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        may.body(user)?;
        let catalog = guideline()?;
        self.transition(user, number, "policy.submit", meta, |e| {
            e.submit(&CatalogLookup(catalog))
        })
        .await
    }

    /// 審議中 → 下書き, by an editor or by the decider, with a comment saying what to rework. The
    /// decider's 差戻し is the refusal of the 決裁: it is recorded with the deciding role.
    pub async fn send_back_policy_edition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        comment: &str,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let roles = user.role_keys();
        let editor = user.policy_editor().is_ok();
        let name = user.name().to_owned();
        let now = self.now();
        self.transition(user, number, "policy.send_back", meta, |e| {
            let role = e.profile.deciding_role.clone();
            let decider = roles.contains(&role);
            if !editor && !decider {
                return Err(DomainError::new(
                    "決裁する役割",
                    "差し戻しは編集者または決裁者が行います",
                ));
            }
            e.send_back(comment, &name, decider.then_some(role.as_str()), now)
        })
        .await
    }

    /// 審議中 → 決裁済, by the holder of the profile's deciding role, dated today.
    ///
    /// Whoever drafted or submitted the edition (any record of theirs on it other than a
    /// decision or a 差戻し) may not decide it: 兼務の禁止 ①, the applicant is not the approver.
    /// The profile's exception for that rule lets it pass with `sod_reason`, which is recorded.
    pub async fn decide_policy_edition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        sod_reason: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let person = user
            .account
            .person_id
            .ok_or_else(|| AppError::Forbidden("決裁は職員のアカウントで行います".to_owned()))?;
        let body = user.body()?;
        let roles = user.role_keys();
        let (exception, committee, deliberation) = {
            let mut conn = self.store().conn().await?;
            let edition = policy::find_edition(&mut conn, body.id, number)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
            let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
            let committee = deliberating_role(&ruling, &edition).map(str::to_owned);
            let deliberation = match &committee {
                Some(_) => latest_deliberation(&mut conn, &edition).await?,
                None => None,
            };
            // Who does not hold the deciding role is refused by the edition itself, naming it.
            let decider = roles.contains(&edition.profile.deciding_role);
            let drafted = decider
                && audit::has_acted(
                    &mut conn,
                    &user.actor().id,
                    ("policy_edition", &edition.id.to_string()),
                    "policy.",
                    &["policy.decide", "policy.send_back"],
                )
                .await?;
            let exception = if drafted {
                let violation = SodViolation::new(
                    SodRule::ApplicantApprover,
                    "この版を起案・審議に提出した人は決裁できません",
                );
                // The exception is the body's rule in force, never one the draft gives itself.
                let profile = ruling.profile.as_ref().unwrap_or(&edition.profile);
                Some(profile.separation.excuse(&violation, sod_reason)?)
            } else {
                None
            };
            (exception, committee, deliberation)
        };
        let account = user.account.id.to_string();
        let name = user.name().to_owned();
        let today = self.today();
        let note = exception.map(|x| json!({ "separation_exception": x }));
        self.transition_noted(user, number, "policy.decide", note, meta, |e| {
            let decision = Decision {
                by_person: person,
                by_name: name,
                role_key: e.profile.deciding_role.clone(),
                on: today,
                deliberation,
            };
            e.decide(decision, &roles, committee.as_deref(), &account)
        })
        .await
    }

    /// 決裁済 → 施行中 from a date; the edition in force until then becomes 改定済.
    pub async fn enforce_policy_edition(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        number: EditionNumber,
        effective_from: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        let body = may.body(user)?.clone();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let editions = policy::list_editions(&mut tx, body.id).await?;
        let mut edition = editions
            .iter()
            .find(|e| e.number == number)
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        let expected = edition.status;
        edition.enforce(effective_from)?;
        let before_rules =
            crate::assets::AssetRules::of(&*crate::ruling::ruling(&mut tx, body.id).await?)?;
        for previous in editions
            .iter()
            .filter(|e| e.status == EditionStatus::InForce)
        {
            let mut previous = previous.clone();
            previous.supersede()?;
            policy::update_edition(&mut tx, &previous, EditionStatus::InForce, now).await?;
            let entry = AuditEntry::new(
                user.actor(),
                "policy.supersede",
                "policy_edition",
                previous.id,
            )
            .body(body.id)
            .before(&json!({"status": "in_force"}))
            .after(&json!({"status": previous.status.key(), "by": number.get()}))
            .request(meta.request_id.clone());
            audit::append(&mut tx, now, entry).await?;
        }
        policy::update_edition(&mut tx, &edition, expected, now).await?;
        let entry = AuditEntry::new(user.actor(), "policy.enforce", "policy_edition", edition.id)
            .body(body.id)
            .before(&json!({"status": expected.key()}))
            .after(&json!({"status": edition.status.key(), "effective_from": effective_from.to_string()}))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        // A new classification scheme: the register's class filter follows it.
        let scheme = ClassificationScheme::from_toml(&edition.profile.classification_scheme)?;
        if scheme != *before_rules.scheme {
            crate::assets::reindex_levels(&mut tx, body.id, &scheme, user.actor(), meta, now)
                .await?;
        }
        tx.commit().await?;
        Ok(edition)
    }

    /// 施行中 → 廃止.
    pub async fn abolish_policy_edition(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        number: EditionNumber,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        may.body(user)?;
        self.transition(user, number, "policy.abolish", meta, Edition::abolish)
            .await
    }

    /// Loads an edition, applies `change`, saves it guarded by the status it was read with, and
    /// records before and after.
    pub(crate) async fn transition(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        action: &str,
        meta: &RequestMeta,
        change: impl FnOnce(&mut Edition) -> Result<(), DomainError>,
    ) -> Result<Edition, AppError> {
        self.transition_noted(user, number, action, None, meta, change)
            .await
    }

    /// [`Self::transition`] with `note` (an object) merged into the audit record's after-view.
    pub(super) async fn transition_noted(
        &self,
        user: &CurrentUser,
        number: EditionNumber,
        action: &str,
        note: Option<serde_json::Value>,
        meta: &RequestMeta,
        change: impl FnOnce(&mut Edition) -> Result<(), DomainError>,
    ) -> Result<Edition, AppError> {
        let body = user.body()?.clone();
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let mut edition = policy::find_edition(&mut tx, body.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{number}")))?;
        let before = edition.clone();
        change(&mut edition)?;
        policy::update_edition(&mut tx, &edition, before.status, now).await?;
        let (before_view, mut after_view) = audit_views(&before, &edition);
        if let (Some(serde_json::Value::Object(note)), serde_json::Value::Object(view)) =
            (note, &mut after_view)
        {
            view.extend(note);
        }
        let entry = AuditEntry::new(user.actor(), action, "policy_edition", edition.id)
            .body(body.id)
            .before(&before_view)
            .after(&after_view)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(edition)
    }
}

/// The 委員会's latest 議決 on the edition: of its current round if there is one (the round an
/// earlier 議決 belonged to shows in the refusal otherwise).
async fn latest_deliberation(
    conn: &mut impl mamori_store::Reads,
    edition: &Edition,
) -> Result<Option<mamori_domain::committee::Deliberation>, AppError> {
    let all = deliberations_on(conn, edition).await?;
    Ok(all
        .iter()
        .find(|d| d.round == edition.round())
        .or(all.first())
        .cloned())
}
