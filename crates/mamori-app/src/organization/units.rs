//! The units of the organization: the tree of a date, one unit with its history, and creating,
//! changing and abolishing (統合・廃止) units, each dated and audited.

use super::*;

impl App {
    /// The units of the user's body on `on`, as a tree in display order (depth-first).
    pub async fn org_tree(
        &self,
        user: &CurrentUser,
        on: NaiveDate,
    ) -> Result<Vec<UnitRow>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let units = org::units_on(&mut conn, body.id, on).await?;
        let snapshot = self.org_snapshot(&mut conn, body.id, on).await?;
        let mut people_per_unit: HashMap<OrgUnitId, usize> = HashMap::new();
        for (_, _, unit, _, status) in org::people_on(&mut conn, body.id, on).await? {
            if status != PersonStatus::Retired {
                *people_per_unit.entry(unit).or_default() += 1;
            }
        }
        let mut children: BTreeMap<Option<OrgUnitId>, Vec<&OrgUnit>> = BTreeMap::new();
        let ids: std::collections::HashSet<OrgUnitId> = units.iter().map(|u| u.id).collect();
        for u in &units {
            // A parent that did not exist on the date puts the unit at the top.
            let parent = u.parent_id.filter(|p| ids.contains(p));
            children.entry(parent).or_default().push(u);
        }
        let mut out = Vec::new();
        let mut stack: Vec<(&OrgUnit, usize)> = children
            .get(&None)
            .map(|v| v.iter().rev().map(|u| (*u, 0)).collect())
            .unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        while let Some((unit, depth)) = stack.pop() {
            if !seen.insert(unit.id) {
                continue;
            }
            let holders = snapshot
                .assignments
                .iter()
                .filter(|a| a.unit == Some(unit.id))
                .map(|a| {
                    let role = snapshot
                        .roles
                        .iter()
                        .find(|r| r.key == a.role)
                        .map_or(a.role.as_str(), |r| r.name.as_str());
                    let deputy = if a.is_deputy { "（代理）" } else { "" };
                    format!("{role}{deputy}: {}", a.person_name)
                })
                .collect();
            out.push(UnitRow {
                unit: unit.clone(),
                depth,
                people: people_per_unit.get(&unit.id).copied().unwrap_or(0),
                holders,
            });
            if let Some(kids) = children.get(&Some(unit.id)) {
                for k in kids.iter().rev() {
                    stack.push((k, depth + 1));
                }
            }
        }
        Ok(out)
    }

    /// 組織改正 of the user's body, newest first.
    pub async fn org_changes(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(NaiveDate, OrgChangeKind, String)>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        Ok(org::org_changes(&mut conn, body.id).await?)
    }

    /// A unit with its names over time.
    pub async fn org_unit(
        &self,
        user: &CurrentUser,
        id: OrgUnitId,
    ) -> Result<(OrgUnit, Vec<(NaiveDate, String, Option<String>, String)>), AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let unit = org::find_unit(&mut conn, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("組織".to_owned()))?;
        let names: HashMap<OrgUnitId, String> = org::all_units(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let history = org::unit_history(&mut conn, id)
            .await?
            .into_iter()
            .map(|(from, name, parent, agency)| {
                (
                    from,
                    name,
                    parent.and_then(|p| names.get(&p).cloned()),
                    agency,
                )
            })
            .collect();
        Ok((unit, history))
    }

    /// Creates a unit, effective from a date.
    pub async fn create_unit(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        input: UnitInput,
        meta: &RequestMeta,
    ) -> Result<OrgUnit, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let unit = self.validate_unit(&mut tx, body.id, None, &input).await?;
        org::insert_unit(&mut tx, &unit, now).await?;
        org::insert_org_change(
            &mut tx,
            body.id,
            OrgChangeKind::Create,
            input.effective,
            &format!("{}を新設", unit.name),
            now,
        )
        .await?;
        let entry = AuditEntry::new(user.actor(), "org_unit.create", "org_unit", unit.id)
            .body(body.id)
            .after(&unit)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Renames a unit, moves it under another parent or changes its 行政機関 kind, from a date;
    /// earlier dates keep the earlier values.
    pub async fn change_unit(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: OrgUnitId,
        input: UnitInput,
        meta: &RequestMeta,
    ) -> Result<OrgUnit, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let before = org::find_unit(&mut tx, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("組織".to_owned()))?;
        if input.effective < before.valid_from {
            return Err(invalid(
                field::EFFECTIVE,
                format!(
                    "{}より前の日付は指定できません（組織の設置日）",
                    before.valid_from
                ),
            ));
        }
        let unit = self
            .validate_unit(&mut tx, body.id, Some(&before), &input)
            .await?;
        org::put_unit_version(&mut tx, &unit, input.effective, self.today()).await?;
        let mut parts = Vec::new();
        if unit.name != before.name {
            parts.push((
                OrgChangeKind::Rename,
                format!("{}を{}に名称変更", before.name, unit.name),
            ));
        }
        if unit.parent_id != before.parent_id || unit.agency_kind != before.agency_kind {
            parts.push((
                OrgChangeKind::Move,
                format!("{}の所管・種別を変更", unit.name),
            ));
        }
        for (kind, summary) in &parts {
            org::insert_org_change(&mut tx, body.id, *kind, input.effective, summary, now).await?;
        }
        let entry = AuditEntry::new(user.actor(), "org_unit.change", "org_unit", unit.id)
            .body(body.id)
            .before(&before)
            .after(&unit)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Abolishes a unit from `effective` (廃止), or merges it into `successor` (統合): its people
    /// and the units under it move to the successor, its own role assignments end the day before,
    /// and roles tied to its posts pass on or are reported as vacant. A split is new units plus
    /// this, with a 人事異動 for the people who go elsewhere. Returns notes on the roles that ended,
    /// passed on or were left without a holder.
    pub async fn abolish_unit(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: OrgUnitId,
        successor: Option<OrgUnitId>,
        effective: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<(OrgUnit, Vec<String>), AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let unit = org::find_unit(&mut tx, body.id, id)
            .await?
            .filter(|u| u.exists_on(effective))
            .ok_or_else(|| invalid(field::EFFECTIVE, "適用日に存在する組織ではありません"))?;
        if effective <= unit.valid_from {
            return Err(invalid(
                field::EFFECTIVE,
                format!(
                    "{}より後の日付にしてください（組織の設置日）",
                    unit.valid_from
                ),
            ));
        }
        let units = org::units_on(&mut tx, body.id, effective).await?;
        let tree = tree_of(&units, effective);
        let successor_unit = match successor {
            None => None,
            Some(s) => {
                let found = units
                    .iter()
                    .find(|u| u.id == s)
                    .ok_or_else(|| invalid("統合先", "適用日に存在する組織を選んでください"))?;
                if tree.is_within(s, id) {
                    return Err(invalid(
                        "統合先",
                        "廃止する組織自身やその下の組織には統合できません",
                    ));
                }
                Some(found.clone())
            }
        };
        // The people in the unit on the date (a merge may be dated ahead).
        let members: std::collections::HashSet<PersonId> =
            org::people_on(&mut tx, body.id, effective)
                .await?
                .into_iter()
                .filter(|(_, _, unit, _, status)| *unit == id && *status != PersonStatus::Retired)
                .map(|(p, ..)| p)
                .collect();
        let people: Vec<Person> = org::all_people(&mut tx, body.id)
            .await?
            .into_iter()
            .filter(|p| members.contains(&p.id))
            .collect();
        let children: Vec<&OrgUnit> = units.iter().filter(|u| u.parent_id == Some(id)).collect();
        let Some(target) = &successor_unit else {
            if !people.is_empty() || !children.is_empty() {
                return Err(invalid(
                    "統合先",
                    format!(
                        "{}には職員{}人と下位の組織{}があります。統合先を選ぶか、先に人事異動で異動させてください",
                        unit.name,
                        people.len(),
                        children.len()
                    ),
                ));
            }
            return self
                .finish_abolish(tx, user, unit, None, effective, now, meta)
                .await;
        };
        let actor = user.actor();
        for mut person in people {
            let before = person.clone();
            person.unit_id = target.id;
            org::update_person(&mut tx, &person, effective, "組織改正", self.today()).await?;
            let entry = AuditEntry::new(actor.clone(), "person.transfer", "person", person.id)
                .body(body.id)
                .before(&before)
                .after(&person);
            audit::append(&mut tx, now, entry).await?;
        }
        for child in children {
            let moved = OrgUnit {
                parent_id: Some(target.id),
                ..child.clone()
            };
            org::put_unit_version(&mut tx, &moved, effective, self.today()).await?;
            let entry = AuditEntry::new(actor.clone(), "org_unit.change", "org_unit", moved.id)
                .body(body.id)
                .before(child)
                .after(&moved);
            audit::append(&mut tx, now, entry).await?;
        }
        self.finish_abolish(tx, user, unit, successor_unit, effective, now, meta)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn finish_abolish(
        &self,
        mut tx: WriteTx,
        user: &CurrentUser,
        unit: OrgUnit,
        successor: Option<OrgUnit>,
        effective: NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
        meta: &RequestMeta,
    ) -> Result<(OrgUnit, Vec<String>), AppError> {
        let body = unit.body_id;
        let actor = user.actor();
        let last_day = effective.pred_opt().unwrap_or(effective);
        // The unit's own roles (its 情報セキュリティ管理者 …) end with it.
        let defs = org::list_role_definitions(&mut tx, body).await?;
        let names: HashMap<PersonId, String> = org::all_people(&mut tx, body)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let mut notes = Vec::new();
        for a in org::assignments(&mut tx, body, Some(effective)).await? {
            if a.unit_id == Some(unit.id) {
                let role = defs
                    .iter()
                    .find(|d| d.key == a.role_key)
                    .map_or(a.role_key.as_str(), |d| d.name.as_str());
                notes.push(format!(
                    "{role}（{}）: {} — 組織の廃止により終了",
                    unit.name,
                    names.get(&a.person_id).map_or("", String::as_str)
                ));
                org::end_assignment(&mut tx, a.id, last_day).await?;
                let entry = AuditEntry::new(
                    actor.clone(),
                    "role_assignment.end",
                    "role_assignment",
                    a.id,
                )
                .body(body)
                .before(&a)
                .after(&serde_json::json!({ "valid_to": last_day }));
                audit::append(&mut tx, now, entry).await?;
            }
        }
        let (passed, vacancies) =
            crate::posts::pass_posts(&mut tx, body, effective, &actor, now).await?;
        notes.extend(passed);
        notes.extend(vacancies);
        org::abolish_unit(&mut tx, unit.id, last_day, successor.as_ref().map(|s| s.id)).await?;
        let (kind, summary) = match &successor {
            Some(s) => (
                OrgChangeKind::Merge,
                format!("{}を{}に統合", unit.name, s.name),
            ),
            None => (OrgChangeKind::Abolish, format!("{}を廃止", unit.name)),
        };
        // What happened to the roles stays readable in the 組織改正 list.
        let summary = if notes.is_empty() {
            summary
        } else {
            format!("{summary}（役割: {}）", notes.join("／"))
        };
        org::insert_org_change(&mut tx, body, kind, effective, &summary, now).await?;
        let after = OrgUnit {
            valid_to: Some(last_day),
            successor_id: successor.as_ref().map(|s| s.id),
            ..unit.clone()
        };
        let entry = AuditEntry::new(actor, "org_unit.abolish", "org_unit", unit.id)
            .body(body)
            .before(&unit)
            .after(&after)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok((after, notes))
    }

    pub(super) async fn validate_unit(
        &self,
        tx: &mut WriteTx,
        body: BodyId,
        existing: Option<&OrgUnit>,
        input: &UnitInput,
    ) -> Result<OrgUnit, AppError> {
        let name = required(field::UNIT_NAME, &input.name)?;
        let agency_kind = required(field::AGENCY, &input.agency_kind)?;
        let kind = UnitKind::parse(&input.kind)
            .ok_or_else(|| invalid("種別", "部局・課室・係のいずれかを選んでください"))?;
        let units = org::units_on(&mut *tx, body, input.effective).await?;
        if let Some(parent) = input.parent {
            if !units.iter().any(|u| u.id == parent) {
                return Err(invalid(
                    field::PARENT,
                    "適用日に存在する組織を選んでください",
                ));
            }
            if let Some(me) = existing {
                let snapshot = tree_of(&units, input.effective);
                if snapshot.is_within(parent, me.id) {
                    return Err(invalid(
                        field::PARENT,
                        "自分自身や下位の組織を上位組織にすることはできません",
                    ));
                }
            }
        } else if kind != UnitKind::Department {
            return Err(invalid(
                field::PARENT,
                "課室・係には上位組織を選んでください",
            ));
        }
        if units.iter().any(|u| {
            u.name == name && u.parent_id == input.parent && Some(u.id) != existing.map(|e| e.id)
        }) {
            return Err(invalid(
                field::UNIT_NAME,
                format!("「{name}」は同じ上位組織の下に既にあります"),
            ));
        }
        Ok(match existing {
            Some(e) => OrgUnit {
                name,
                kind,
                parent_id: input.parent,
                agency_kind,
                ..e.clone()
            },
            None => {
                let code = required(field::UNIT_CODE, &input.code)?;
                if org::all_units(&mut *tx, body)
                    .await?
                    .iter()
                    .any(|u| u.code == code)
                {
                    return Err(invalid(
                        field::UNIT_CODE,
                        format!("組織コード「{code}」は既に使われています"),
                    ));
                }
                OrgUnit {
                    id: OrgUnitId::new(),
                    body_id: body,
                    parent_id: input.parent,
                    code,
                    kind,
                    agency_kind,
                    name,
                    sort_order: org::count_units(&mut *tx, body).await?,
                    valid_from: input.effective,
                    valid_to: None,
                    successor_id: None,
                }
            }
        })
    }
}
