//! Roles and the authority resolver: who holds which role, appointing and ending, and who may
//! permit or approve what (権限・責任等一覧表 over the organization of a date).

use super::*;

impl App {
    pub(super) async fn assignment_views(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        list: Vec<RoleAssignment>,
        defs: &[RoleDefinition],
    ) -> Result<Vec<AssignmentView>, AppError> {
        let units: HashMap<OrgUnitId, String> = org::all_units(conn, body)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let people: HashMap<PersonId, Person> = org::all_people(conn, body)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        Ok(list
            .into_iter()
            .map(|a| {
                let person = people.get(&a.person_id);
                AssignmentView {
                    role_name: defs
                        .iter()
                        .find(|d| d.key == a.role_key)
                        .map_or_else(|| a.role_key.clone(), |d| d.name.clone()),
                    person_name: person.map(|p| p.name.clone()).unwrap_or_default(),
                    staff_number: person.map(|p| p.staff_number.clone()).unwrap_or_default(),
                    scope: a
                        .unit_id
                        .and_then(|u| units.get(&u).cloned())
                        .or_else(|| a.system_name.clone()),
                    post: a.post.as_ref().map(|p| {
                        format!(
                            "{} {}",
                            units.get(&p.unit_id).cloned().unwrap_or_default(),
                            p.title
                        )
                    }),
                    assignment: a,
                }
            })
            .collect())
    }

    /// Who holds which role on `on` (the 注2 one-page list), or every assignment ever with `None`.
    pub async fn role_assignments(
        &self,
        user: &CurrentUser,
        on: Option<NaiveDate>,
    ) -> Result<Vec<AssignmentView>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let list = org::assignments(&mut conn, body.id, on).await?;
        self.assignment_views(&mut conn, body.id, list, &ruling.roles)
            .await
    }

    /// The body's role set with the names its profile gives them.
    pub async fn role_set(&self, user: &CurrentUser) -> Result<Vec<RoleDefinition>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        Ok(role_names(
            &org::list_role_definitions(&mut conn, body.id).await?,
            ruling.profile.as_ref(),
        ))
    }

    /// Assigns a role. Unit roles need a unit, system roles a system name, body roles neither.
    pub async fn assign_role(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        input: AssignmentInput,
        meta: &RequestMeta,
    ) -> Result<RoleAssignment, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let defs = org::list_role_definitions(&mut tx, body.id).await?;
        let def = defs
            .iter()
            .find(|d| d.key == input.role)
            .ok_or_else(|| invalid(field::ROLE, "団体の役割から選んでください"))?;
        let person = org::find_person(&mut tx, body.id, input.person)
            .await?
            .ok_or_else(|| invalid(field::PERSON, "職員を選んでください"))?;
        // Authority is never self-granted: another editor (or the setup of the body) names
        // the editor to a role.
        if user.account.person_id == Some(person.id) {
            return Err(AppError::Forbidden(
                "自分自身への役割の任命（任命は別の組織編集者が行います）".to_owned(),
            ));
        }
        if input.valid_to.is_some_and(|to| to < input.valid_from) {
            return Err(invalid(field::VALID_TO, "終了日は開始日以後にしてください"));
        }
        let system = input
            .system
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let (unit, system) = match def.scope {
            RoleScope::Body => (None, None),
            RoleScope::Unit => {
                let units = org::units_on(&mut tx, body.id, input.valid_from).await?;
                let unit = input
                    .unit
                    .filter(|u| units.iter().any(|x| x.id == *u))
                    .ok_or_else(|| {
                        invalid(
                            field::UNIT,
                            format!(
                                "{}は所属ごとの役割です。開始日に存在する組織を選んでください",
                                def.name
                            ),
                        )
                    })?;
                (Some(unit), None)
            }
            RoleScope::System => {
                let system = system.ok_or_else(|| {
                    invalid(
                        field::SYSTEM,
                        format!(
                            "{}は情報システムごとの役割です。情報システム名を入力してください",
                            def.name
                        ),
                    )
                })?;
                (None, Some(system))
            }
        };
        let existing = org::assignments(&mut tx, body.id, Some(input.valid_from)).await?;
        if existing.iter().any(|a| {
            a.role_key == def.key
                && a.person_id == person.id
                && a.unit_id == unit
                && a.system_name == system
        }) {
            return Err(invalid(
                field::ROLE,
                format!("{}さんは開始日に既にこの役割を担っています", person.name),
            ));
        }
        let assignment = RoleAssignment {
            id: RoleAssignmentId::new(),
            body_id: body.id,
            role_key: def.key.clone(),
            person_id: person.id,
            unit_id: unit,
            system_name: system,
            is_deputy: input.is_deputy,
            valid_from: input.valid_from,
            valid_to: input.valid_to,
            post: input.tie_to_post.then(|| Post {
                unit_id: person.unit_id,
                title: person.title.clone(),
            }),
        };
        org::insert_assignment(&mut tx, &assignment, now).await?;
        let entry = AuditEntry::new(
            user.actor(),
            "role_assignment.create",
            "role_assignment",
            assignment.id,
        )
        .body(body.id)
        .after(&assignment)
        .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        // A role that decides (the profile's deciding role) or gives permissions (the CISO, the
        // 統括, …) is told to those who hold it now, so that a new holder is never a surprise.
        let deciding = crate::ruling::ruling(&mut tx, body.id)
            .await?
            .profile
            .as_ref()
            .map_or_else(|| "ciso".to_owned(), |p| p.deciding_role.clone());
        if def.key == deciding || !def.grants.is_empty() {
            let holders: Vec<PersonId> = existing
                .iter()
                .filter(|a| a.role_key == def.key && a.person_id != person.id)
                .map(|a| a.person_id)
                .collect();
            let notice = Notice {
                recipients: holders,
                subject: format!("役割の任命: {}", def.name),
                text: format!(
                    "{}さんが{}さんを{}に任命しました（{}から）。\n\
                     心当たりのない任命は、情報セキュリティの担当にすぐに知らせてください。",
                    user.name(),
                    person.name,
                    def.name,
                    mamori_domain::wareki::format_gregorian_as_wareki(input.valid_from),
                ),
                link: Some("/org/roles".to_owned()),
            };
            self.notify_in(&mut tx, body.id, &notice, now).await?;
        }
        tx.commit().await?;
        Ok(assignment)
    }

    /// Ends an assignment on `last_day` (inclusive). The past stays: who held the role on any
    /// earlier date is still answered.
    pub async fn end_role(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: RoleAssignmentId,
        last_day: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<RoleAssignment, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let before = org::find_assignment(&mut tx, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("役割の任命".to_owned()))?;
        if last_day < before.valid_from {
            return Err(invalid(
                field::VALID_TO,
                format!("終了日は開始日（{}）以後にしてください", before.valid_from),
            ));
        }
        if before.valid_to.is_some_and(|to| to <= last_day) {
            return Err(invalid(
                field::VALID_TO,
                "この任命はその日より前に終了しています",
            ));
        }
        org::end_assignment(&mut tx, id, last_day).await?;
        let after = RoleAssignment {
            valid_to: Some(last_day),
            ..before.clone()
        };
        let entry = AuditEntry::new(user.actor(), "role_assignment.end", "role_assignment", id)
            .body(body.id)
            .before(&before)
            .after(&after)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Who may permit or approve `clause` for a unit (and system) on `on`.
    pub async fn who_may(
        &self,
        user: &CurrentUser,
        clause: &str,
        context: &Context,
        on: NaiveDate,
    ) -> Result<Vec<Authority>, AppError> {
        self.approvers(user.body()?.id, clause, context, on).await
    }

    /// «Who may permit or approve `clause` here on `on`» for a body, without a signed-in user
    /// (`mamori authority approvers`).
    pub async fn approvers(
        &self,
        body: BodyId,
        clause: &str,
        context: &Context,
        on: NaiveDate,
    ) -> Result<Vec<Authority>, AppError> {
        let clause = clause.trim();
        if guideline()?.clause(clause).is_none() {
            return Err(invalid(
                field::CLAUSE,
                format!("条項「{clause}」はガイドラインにありません"),
            ));
        }
        let mut conn = self.store().conn().await?;
        let (ruling, snapshot) = crate::ruling::ruling_and_org(&mut conn, body, on).await?;
        let matrix = ruling.matrix.clone();
        Ok(snapshot.who_may(&matrix, clause, context)?)
    }

    /// The unit of a body with this code or (unique) name on `on`, for the command line.
    pub async fn unit_by_code_or_name(
        &self,
        body: BodyId,
        text: &str,
        on: NaiveDate,
    ) -> Result<OrgUnit, AppError> {
        let mut conn = self.store().conn().await?;
        let units = org::units_on(&mut conn, body, on).await?;
        let text = text.trim();
        if let Some(u) = units.iter().find(|u| u.code == text) {
            return Ok(u.clone());
        }
        let named: Vec<&OrgUnit> = units.iter().filter(|u| u.name == text).collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(invalid(field::UNIT, format!("組織「{text}」はありません"))),
            _ => Err(invalid(
                field::UNIT,
                format!("「{text}」という組織が複数あります。組織コードで指定してください"),
            )),
        }
    }

    /// What `person` may permit or approve on `on`.
    pub async fn what_may(
        &self,
        user: &CurrentUser,
        person: PersonId,
        on: NaiveDate,
    ) -> Result<Vec<Power>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let (ruling, snapshot) = crate::ruling::ruling_and_org(&mut conn, body.id, on).await?;
        Ok(snapshot.what_may(&ruling.matrix, person))
    }

    /// The clauses with 許 or 承 in the body's matrix, with titles, for the resolver screen.
    pub async fn deciding_clauses(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<DecidingClause>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let ruling = crate::ruling::ruling(&mut conn, body.id).await?;
        let matrix = ruling.matrix.clone();
        let catalog = guideline()?;
        let mut out: Vec<(u32, DecidingClause)> = matrix
            .deciding_clauses()
            .map(|(id, marks)| {
                let clause = catalog.clause(id);
                (
                    clause.map_or(u32::MAX, |c| c.order),
                    DecidingClause {
                        clause: id.to_owned(),
                        title: clause.map(|c| c.title.clone()).unwrap_or_default(),
                        marks: marks
                            .iter()
                            .filter(|m| m.mark.decides())
                            .map(|m| (m.role.clone(), m.mark))
                            .collect(),
                    },
                )
            })
            .collect();
        out.sort_by_key(|(order, _)| *order);
        Ok(out.into_iter().map(|(_, c)| c).collect())
    }
}
