//! 起案・申請 and 再申請: the fields checked against the kind, the route resolved on today's
//! organization, the application saved and its first approvers told.

use super::*;

impl Approvals<'_> {
    /// 起案 and, with [`Filing::Submit`], 申請: the fields as typed, checked against the kind;
    /// the route is resolved for the applicant's unit on today's organization. With an
    /// `asset_event`, the application permits that waiting asset record.
    pub async fn apply(
        &self,
        user: &CurrentUser,
        command: Apply<'_>,
        meta: &RequestMeta,
    ) -> Result<ApplicationId, AppError> {
        let by = self.acting(user, meta)?;
        let mut tx = self.app.store().begin_write().await?;
        let id = self.apply_in(&mut tx, &by, command).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// [`apply`](Self::apply) in the caller's transaction, for `person`.
    pub(crate) async fn apply_in(
        &self,
        tx: &mut WriteTx,
        by: &Acting<'_>,
        command: Apply<'_>,
    ) -> Result<ApplicationId, AppError> {
        let Apply {
            kind: kind_key,
            fields: raw,
            uploads,
            filing,
            asset_event,
        } = command;
        let (body, person, actor, meta, now) =
            (by.body, by.person, by.actor.clone(), by.meta, by.now);
        let id = ApplicationId::new();
        let today = self.app.today();
        let (ruling, org) = crate::ruling::ruling_and_org(&mut *tx, body, today).await?;
        let kinds = ruling.kinds()?;
        let kind = kind_of(kinds, kind_key)?;
        let (raw, staged) = attachments::stage(
            kind,
            raw.as_map(),
            uploads,
            &BTreeMap::new(),
            id,
            person,
            now,
        )?;
        let mut fields = parse_fields(&mut *tx, body, kind, &raw).await?;
        if let Some(event) = asset_event {
            let e = asset_store::get_event(&mut *tx, body, event)
                .await?
                .ok_or_else(|| AppError::NotFound("許可待ちの記録".to_owned()))?;
            if e.status != EventStatus::AwaitingApproval {
                return Err(AppError::Conflict(
                    "この記録は許可待ちではありません".to_owned(),
                ));
            }
            if store::application_of_event(&mut *tx, event)
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
        let me = org::find_person(&mut *tx, body, person)
            .await?
            .ok_or_else(|| AppError::NotFound("申請者".to_owned()))?;
        let year = mamori_domain::fiscal_year::FiscalYear::of(today).year();
        let number = store::next_application_number(&mut *tx, body, year).await?;
        let new = NewApplication {
            id,
            number,
            applicant: person,
            applicant_name: me.name.clone(),
            unit: Some(me.unit_id),
            // Today's units, as the organization read with the ruling has them.
            unit_name: org
                .units
                .get(&me.unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
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
        store::insert_application(&mut *tx, body, &app, asset_event, now).await?;
        self.transitioned(tx, body, &app, actor.clone(), meta, now)
            .await?;
        staged.save(tx, body, &actor, meta, now).await?;
        if filing == Filing::Submit {
            let seen = app.version;
            app = self
                .submitted(&mut *tx, body, (&ruling, &org), kind, &app, person, now)
                .await?;
            save(&mut *tx, &app, seen, now).await?;
            self.transitioned(tx, body, &app, actor.clone(), meta, now)
                .await?;
        }
        Ok(app.id)
    }

    /// The route of `app` resolved on today's organization: the steps of the kind for the
    /// applicant's unit, 専決 on the highest classification of the assets it names.
    pub(super) async fn route_for(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        (ruling, org): (&Ruling, &OrgView),
        kind: &ApplicationKind,
        app: &Application,
    ) -> Result<approval::Route, AppError> {
        let rules = AssetRules::of(ruling)?;
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
        Ok(approval::resolve_route(
            kind,
            org,
            &ruling.matrix,
            &Context {
                unit: app.unit,
                system: None,
            },
            &app.fields,
            highest.as_ref().map(|c| (&*rules.scheme, c)),
        )?)
    }

    /// The application after 申請: the route resolved on today's organization.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn submitted(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        rules: (&Ruling, &OrgView),
        kind: &ApplicationKind,
        app: &Application,
        person: PersonId,
        now: DateTime<Utc>,
    ) -> Result<Application, AppError> {
        let route = self.route_for(conn, body, rules, kind, app).await?;
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

    /// Corrects a 下書き or 差戻し with the values as typed and 申請 it again (applicant only),
    /// on the route resolved on today's organization.
    pub async fn resubmit(
        &self,
        user: &CurrentUser,
        command: Resubmit<'_>,
        meta: &RequestMeta,
    ) -> Result<Application, AppError> {
        let Resubmit {
            id,
            fields: raw,
            uploads,
            seen,
        } = command;
        let body = user.body()?;
        let person = person_of(user)?;
        let now = self.app.now();
        let mut tx = self.app.store().begin_write().await?;
        let (mut app, _) = store::get_application(&mut tx, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("申請".to_owned()))?;
        if app.version != seen {
            return Err(refused(ApprovalError::Stale {
                seen,
                current: app.version,
            }));
        }
        let (ruling, org) =
            crate::ruling::ruling_and_org(&mut tx, body.id, self.app.today()).await?;
        let kinds = ruling.kinds()?;
        let kind = kind_of(kinds, &app.kind)?;
        // Files already attached stay; new ones are added.
        let kept: BTreeMap<String, Vec<ApplicationFileId>> = app
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), attachments::file_ids(v)))
            .filter(|(_, ids)| !ids.is_empty())
            .collect();
        let (raw, staged) =
            attachments::stage(kind, raw.as_map(), uploads, &kept, id, person, now)?;
        let fields = parse_fields(&mut tx, body.id, kind, &raw).await?;
        staged
            .save(&mut tx, body.id, &user.actor(), meta, now)
            .await?;
        if fields != app.fields {
            let before = app.version;
            app = app
                .edit(
                    kind,
                    fields,
                    &[],
                    &ApprovalActor {
                        by: person,
                        at: now,
                        version: seen,
                    },
                )
                .map_err(refused)?;
            save(&mut tx, &app, before, now).await?;
            self.transitioned(&mut tx, body.id, &app, user.actor(), meta, now)
                .await?;
        }
        let before = app.version;
        let next = self
            .submitted(&mut tx, body.id, (&ruling, &org), kind, &app, person, now)
            .await?;
        save(&mut tx, &next, before, now).await?;
        self.transitioned(&mut tx, body.id, &next, user.actor(), meta, now)
            .await?;
        tx.commit().await?;
        Ok(next)
    }
}
