//! The people of the body: the staff list, one person with their history, and saving a person.

use super::*;

impl App {
    /// People of the user's body, 50 to a page, filtered by unit (with the units below it) and
    /// by text (職員番号, 氏名, ふりがな).
    pub async fn people(
        &self,
        user: &CurrentUser,
        unit: Option<OrgUnitId>,
        text: Option<&str>,
        page: i64,
    ) -> Result<PeoplePage, AppError> {
        const PER_PAGE: i64 = 50;
        let body = user.body()?;
        let today = self.today();
        let mut conn = self.store().conn().await?;
        let units = org::all_units(&mut conn, body.id).await?;
        let names: HashMap<OrgUnitId, String> =
            units.iter().map(|u| (u.id, u.name.clone())).collect();
        let within: Option<Vec<OrgUnitId>> = match unit {
            Some(u) => {
                // Only the tree is needed here, not the roles and people of a full snapshot.
                let tree = tree_of(&org::units_on(&mut conn, body.id, today).await?, today);
                Some(
                    units
                        .iter()
                        .filter(|x| tree.is_within(x.id, u))
                        .map(|x| x.id)
                        .collect(),
                )
            }
            None => None,
        };
        let page = page.max(1);
        let (people, total) = org::search_people(
            &mut conn,
            body.id,
            within.as_deref(),
            text,
            PER_PAGE,
            (page - 1) * PER_PAGE,
        )
        .await?;
        Ok(PeoplePage {
            rows: people
                .into_iter()
                .map(|p| PersonRow {
                    unit_name: names.get(&p.unit_id).cloned().unwrap_or_default(),
                    person: p,
                })
                .collect(),
            total,
            page,
            pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        })
    }

    /// Every person of the user's body with their unit's name, by 職員番号 (for pickers).
    pub async fn all_people(&self, user: &CurrentUser) -> Result<Vec<PersonRow>, AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let names: HashMap<OrgUnitId, String> = org::all_units(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        Ok(org::all_people(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|p| PersonRow {
                unit_name: names.get(&p.unit_id).cloned().unwrap_or_default(),
                person: p,
            })
            .collect())
    }

    /// A person with history, roles and what they may decide today.
    pub async fn person(&self, user: &CurrentUser, id: PersonId) -> Result<PersonDetail, AppError> {
        let body = user.body()?;
        let today = self.today();
        let mut conn = self.store().conn().await?;
        let person = org::find_person(&mut conn, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("職員".to_owned()))?;
        let (ruling, snapshot) = crate::ruling::ruling_and_org(&mut conn, body.id, today).await?;
        let names: HashMap<OrgUnitId, String> = org::all_units(&mut conn, body.id)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let history = org::person_history(&mut conn, id)
            .await?
            .into_iter()
            .map(|v| PersonHistoryLine {
                unit_name: names.get(&v.unit_id).cloned().unwrap_or_default(),
                version: v,
            })
            .collect();
        let held = org::assignments_of(&mut conn, id).await?;
        let assignments = self
            .assignment_views(&mut conn, body.id, held, &ruling.roles)
            .await?;
        let matrix = &ruling.matrix;
        Ok(PersonDetail {
            unit_name: names.get(&person.unit_id).cloned().unwrap_or_default(),
            powers: snapshot.what_may(matrix, id),
            person,
            history,
            assignments,
        })
    }

    /// Creates or changes a person. The change holds from `effective` (today by default) and is
    /// kept in the person's history.
    pub async fn save_person(
        &self,
        user: &CurrentUser,
        may: &OrgEditor,
        id: Option<PersonId>,
        input: PersonInput,
        meta: &RequestMeta,
    ) -> Result<Person, AppError> {
        let body = may.body(user)?;
        let now = self.now();
        let effective = input.effective.unwrap_or_else(|| self.today());
        if effective > self.today() {
            return Err(invalid(
                field::EFFECTIVE,
                "先日付の異動は人事異動（一括）で登録してください",
            ));
        }
        let mut tx = self.store().begin_write().await?;
        let units = org::units_on(&mut tx, body.id, effective).await?;
        let unit = input
            .unit
            .filter(|u| units.iter().any(|x| x.id == *u))
            .ok_or_else(|| invalid(field::UNIT, "適用日に存在する組織を選んでください"))?;
        let email = input.email.trim();
        if !email.is_empty() && !valid_email(email) {
            return Err(invalid(field::EMAIL, "メールアドレスの形式ではありません"));
        }
        let employment_kind = required(field::EMPLOYMENT, &input.employment_kind)?;
        let status = PersonStatus::parse(&input.status)
            .ok_or_else(|| invalid(field::STATUS, "在職・休職・退職のいずれかを選んでください"))?;
        let mut person = Person {
            id: id.unwrap_or_default(),
            body_id: body.id,
            staff_number: required(field::STAFF_NUMBER, &input.staff_number)?,
            name: required(field::NAME, &input.name)?,
            name_kana: input.name_kana.trim().to_owned(),
            unit_id: unit,
            title: input.title.trim().to_owned(),
            employment_kind,
            email: (!email.is_empty()).then(|| email.to_owned()),
            status,
        };
        let others = org::all_people(&mut tx, body.id).await?;
        if others
            .iter()
            .any(|p| p.staff_number == person.staff_number && Some(p.id) != id)
        {
            return Err(invalid(
                field::STAFF_NUMBER,
                format!("職員番号「{}」は既に登録されています", person.staff_number),
            ));
        }
        let entry = match id {
            None => {
                org::insert_person(&mut tx, &person, effective, "登録", now).await?;
                AuditEntry::new(user.actor(), "person.create", "person", person.id).after(&person)
            }
            Some(id) => {
                let before = others
                    .into_iter()
                    .find(|p| p.id == id)
                    .ok_or_else(|| AppError::NotFound("職員".to_owned()))?;
                person.id = before.id;
                org::update_person(&mut tx, &person, effective, "変更", self.today()).await?;
                if person.moved_from(&before) {
                    crate::posts::refuse_moving_oneself(user, std::iter::once(id))?;
                    crate::posts::pass_posts(&mut tx, body.id, effective, &user.actor(), now)
                        .await?;
                }
                if person.status == PersonStatus::Retired && before.status != PersonStatus::Retired
                {
                    crate::posts::disable_accounts_of_leavers(
                        &mut tx,
                        body.id,
                        &[person.id],
                        &user.actor(),
                        now,
                    )
                    .await?;
                }
                AuditEntry::new(user.actor(), "person.change", "person", person.id)
                    .before(&before)
                    .after(&person)
            }
        };
        audit::append(
            &mut tx,
            now,
            entry.body(body.id).request(meta.request_id.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(person)
    }
}
