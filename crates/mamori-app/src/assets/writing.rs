//! Registering and changing assets: every field checked against the scheme and the links, the
//! owner unit the writer's own unless they keep every unit's register, levels reindexed when a
//! new scheme comes into force.

use super::*;

impl App {
    /// Registers an asset. Every field is checked against the scheme and the links; the owner unit
    /// must be the writer's own unless they keep every unit's register.
    pub async fn register_asset(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        input: &AssetInput,
        meta: &RequestMeta,
    ) -> Result<AssetId, AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut tx, body.id).await?)?;
        let id = register_in(
            self,
            &mut tx,
            writer,
            &rules,
            body.id,
            input,
            user.actor(),
            meta,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves changes to an asset.
    pub async fn update_asset(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        id: AssetId,
        input: &AssetInput,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let before = store::get_asset(&mut tx, body.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("情報資産".to_owned()))?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut tx, body.id).await?)?;
        self.check_writer_unit(&mut tx, body.id, writer, before.owner_unit)
            .await?;
        let record = self
            .checked_record(
                &mut tx,
                writer,
                &rules,
                body.id,
                id,
                input,
                Some(&before),
                now,
            )
            .await?;
        let asset = rules.asset(&record)?;
        // A copy or a medium must stay at least at what it inherits: raising this asset above
        // one that copies or holds it would leave that one too low.
        for (_, dep_id, number, name) in store::dependents(&mut tx, id).await? {
            let Some(dep) = store::get_asset(&mut tx, body.id, dep_id).await? else {
                continue;
            };
            if dep.status == AssetStatus::Disposed {
                continue;
            }
            if let Ok(held) = rules.classification(&dep)
                && !asset::is_at_least_on_every_axis(&rules.scheme, &held, &asset.classification)?
            {
                return Err(AppError::Invalid(DomainError::new(
                    "分類",
                    format!(
                        "{number}「{name}」（{held}）がこの情報資産を複製・格納しているため、分類を{}にできません。先に{number}の分類を引き上げてください",
                        asset.classification
                    ),
                )));
            }
        }
        store::update_asset(&mut tx, &record, &rules.level_rows(&asset.classification)?).await?;
        let before_asset = rules.asset(&before).ok();
        audit::append(
            &mut tx,
            now,
            asset_entry(
                user.actor(),
                "asset.update",
                &record,
                &asset,
                before_asset.as_ref().map(|a| (&before, a)),
            )
            .request(meta.request_id.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn check_writer_unit(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        writer: &AssetWriter,
        unit: Option<OrgUnitId>,
    ) -> Result<(), AppError> {
        if writer.all_units() {
            return Ok(());
        }
        let own = self.writer_unit(conn, body, writer).await?;
        if own.is_some() && own == unit {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "自分の所属以外が所管する情報資産の登録・変更".to_owned(),
            ))
        }
    }

    /// Builds the stored record from the input: validation, links by 管理番号, inheritance, the
    /// writer's unit, the number.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn checked_record(
        &self,
        tx: &mut WriteTx,
        writer: &AssetWriter,
        rules: &AssetRules,
        body: BodyId,
        id: AssetId,
        input: &AssetInput,
        before: Option<&AssetRecord>,
        now: DateTime<Utc>,
    ) -> Result<AssetRecord, AppError> {
        let mut errors: Vec<DomainError> = Vec::new();
        let number = match check_number(&input.asset_no) {
            Ok(n) => n,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        if !number.is_empty()
            && before.is_none_or(|b| b.asset_no != number)
            && store::find_by_number(&mut *tx, body, &number)
                .await?
                .is_some()
        {
            errors.push(DomainError::new(
                FIELD_NUMBER,
                format!("管理番号「{number}」は既に使われています"),
            ));
        }
        if number.is_empty() && before.is_some() {
            errors.push(DomainError::new(FIELD_NUMBER, "管理番号を入力してください"));
        }
        let hours = match parse_hours(&input.recovery_target_hours) {
            Ok(h) => h,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let derived_from = self
            .resolve_numbers(&mut *tx, body, "複製元", &input.derived_from, &mut errors)
            .await?;
        let holds = self
            .resolve_numbers(
                &mut *tx,
                body,
                "格納する情報資産",
                &input.holds,
                &mut errors,
            )
            .await?;
        if let Some(unit) = input.owner_unit {
            let units = self.unit_names(&mut *tx, body).await?;
            if !units.contains_key(&unit) {
                errors.push(DomainError::new(
                    "所管課",
                    "所管課は現在の組織から選んでください",
                ));
            }
        }
        if !writer.all_units() {
            let own = self.writer_unit(&mut *tx, body, writer).await?;
            if input.owner_unit.is_none() || input.owner_unit != own {
                errors.push(DomainError::new(
                    "所管課",
                    "所管課には自分の所属を指定してください（他の課の情報資産は統括情報セキュリティ責任者が登録します）",
                ));
            }
        }
        let new = NewAsset {
            kind: input.kind.clone(),
            name: input.name.clone(),
            description: input.description.clone(),
            owner_unit: input.owner_unit,
            location: input.location.clone(),
            segment: input.segment.clone(),
            classification: input.classification.clone(),
            retention: input.retention.clone(),
            status: input.status.clone(),
            document_type: input.document_type.clone(),
            derived_from: derived_from.clone(),
            holds: holds.clone(),
            safeguards: Safeguards {
                encrypted: input.encrypted,
                locked_storage: input.locked_storage,
                backup: input.backup,
                recovery_target_hours: hours,
            },
        };
        let asset = match new.validate(&rules.scheme, id, body) {
            Ok(a) => Some(a),
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
        };
        // 廃棄 happens through its record (処理内容, and the permission the scheme asks for), never
        // by editing the status.
        if let (Some(b), Some(a)) = (before, &asset)
            && b.status != AssetStatus::Disposed
            && a.status == AssetStatus::Disposed
        {
            errors.push(DomainError::new(
                "状態",
                "廃棄済にするには、情報資産の画面で「廃棄」を記録してください（処理内容を記録し、分類が求める許可を得て完了します）",
            ));
        }
        if let Some(asset) = &asset {
            let mut ids = asset.derived_from.clone();
            ids.extend(asset.holds.iter().copied());
            let sources = store::get_assets(&mut *tx, body, &ids).await?;
            let mut classes = Vec::new();
            for s in &sources {
                match rules.classification(s) {
                    Ok(c) => classes.push(c),
                    Err(e) => errors.push(e),
                }
            }
            let refs: Vec<&Classification> = classes.iter().collect();
            if let Err(e) = asset::check_inherited(&rules.scheme, asset, &refs) {
                errors.push(e);
            }
        }
        if let Some(first) = errors.into_iter().next() {
            // The form shows one message at a time; the first names its field.
            return Err(AppError::Invalid(first));
        }
        let Some(asset) = asset else {
            return Err(AppError::Internal("asset validation".to_owned()));
        };
        let asset_no = if number.is_empty() {
            store::next_asset_number(&mut *tx, body, NUMBER_PREFIX).await?
        } else {
            number
        };
        Ok(AssetRecord {
            id,
            body_id: body,
            asset_no,
            kind: asset.kind,
            name: asset.name.clone(),
            description: asset.description.clone(),
            owner_unit: asset.owner_unit,
            location: asset.location.clone(),
            segment: asset.segment,
            classification: asset
                .classification
                .keys()
                .into_iter()
                .map(|(a, l)| (a.to_owned(), l.to_owned()))
                .collect(),
            retention: match &asset.retention {
                Retention::Unspecified => String::new(),
                r => r.label(),
            },
            status: asset.status,
            document_type: asset.document_type,
            safeguards: asset.safeguards.clone(),
            derived_from: asset.derived_from.clone(),
            holds: asset.holds.clone(),
            created_at: before.map_or(now, |b| b.created_at),
            updated_at: now,
        })
    }

    pub(super) async fn resolve_numbers(
        &self,
        conn: &mut impl Reads,
        body: BodyId,
        field: &str,
        text: &str,
        errors: &mut Vec<DomainError>,
    ) -> Result<Vec<AssetId>, AppError> {
        let numbers = split_numbers(text);
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let found: HashMap<String, AssetId> = store::ids_by_number(conn, body, &numbers)
            .await?
            .into_iter()
            .map(|(id, n)| (n, id))
            .collect();
        let mut out = Vec::new();
        for n in &numbers {
            match found.get(n) {
                Some(id) => out.push(*id),
                None => errors.push(DomainError::new(
                    field,
                    format!("{field}の管理番号「{n}」の情報資産は台帳にありません"),
                )),
            }
        }
        Ok(out)
    }
}

/// Rebuilds the class-filter rows of every asset of the body under `scheme` (a new edition brought
/// a new classification scheme into force), with one audit record giving the counts. An asset
/// whose stored levels the scheme lacks gets no rows: it shows an error naming 分類 until changed.
pub(crate) async fn reindex_levels(
    tx: &mut WriteTx,
    body: BodyId,
    scheme: &ClassificationScheme,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let rules = AssetRules {
        scheme: Arc::new(scheme.clone()),
        roles: Vec::new(),
        checks: CheckContext::default(),
    };
    let mut after = None;
    let (mut reindexed, mut unreadable) = (0usize, 0usize);
    loop {
        let chunk =
            store::list_assets(&mut *tx, body, &AssetFilter::default(), after, 2000).await?;
        let Some(last) = chunk.last() else { break };
        after = Some(last.id);
        for record in &chunk {
            let rows = match rules.classification(record) {
                Ok(c) => {
                    reindexed += 1;
                    rules.level_rows(&c)?
                }
                Err(_) => {
                    unreadable += 1;
                    Vec::new()
                }
            };
            store::put_level_rows(&mut *tx, body, record.id, &rows).await?;
        }
    }
    if reindexed + unreadable > 0 {
        let entry = AuditEntry::new(actor, "asset.reindex", "body", body)
            .body(body)
            .after(&serde_json::json!({
                "scheme": scheme.name(),
                "reindexed": reindexed,
                "unreadable": unreadable,
            }))
            .request(meta.request_id.clone());
        audit::append(tx, now, entry).await?;
    }
    Ok(())
}

/// Registers an asset in the caller's transaction, with its audit record.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn register_in(
    app: &App,
    tx: &mut WriteTx,
    writer: &AssetWriter,
    rules: &AssetRules,
    body: BodyId,
    input: &AssetInput,
    actor: Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<AssetId, AppError> {
    let id = AssetId::new();
    let record = app
        .checked_record(tx, writer, rules, body, id, input, None, now)
        .await?;
    let asset = rules.asset(&record)?;
    store::insert_asset(&mut *tx, &record, &rules.level_rows(&asset.classification)?).await?;
    audit::append(
        tx,
        now,
        asset_entry(actor, "asset.register", &record, &asset, None)
            .request(meta.request_id.clone()),
    )
    .await?;
    Ok(id)
}
