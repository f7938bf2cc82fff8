//! The asset register in and out of Excel: a staged file is checked row by row against the
//! layout, the body's scheme, today's units and the register (links by 管理番号, inheritance),
//! previewed, and applied in one transaction; the export writes the same layout, so an exported
//! register imports back unchanged.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use mamori_domain::DomainError;
use mamori_domain::asset::{self, Asset, AssetStatus, Retention};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::classification::Classification;
use mamori_domain::ids::{AssetId, BodyId, OrgUnitId};
use mamori_domain::org::{Body, OrgUnit};
use mamori_io::asset_table::{
    self, AssetExportRow, AssetRow, RowProblem, Table, UnitRef, UnitResolver,
};
use mamori_io::org_table::normalize_code;
use mamori_store::assets::{self as store, AssetRecord};
use mamori_store::{Reads, WriteTx, audit, org};
use serde::Serialize;

use crate::access::AssetWriter;
use crate::assets::{AssetRules, NUMBER_PREFIX};
use crate::org_import::{ChangeLine, ExportFormat, MAX_IMPORT_BYTES, ProblemLine};
use crate::reads::{Exported, Read};
use crate::{App, AppError, CurrentUser, RequestMeta};

const FILE: &str = "取込ファイル";
/// The `pending_imports.kind` of an asset register file.
const PENDING_KIND: &str = "assets";
/// Rows written between progress reports.
const PROGRESS_EVERY: usize = 200;

/// The preview of a staged register file.
#[derive(Debug, Clone, Serialize)]
pub struct AssetImportPreview {
    pub id: String,
    pub file_name: String,
    pub rows: usize,
    pub problems: Vec<ProblemLine>,
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// New and changed rows, in file order.
    pub changes: Vec<ChangeLine>,
}

impl AssetImportPreview {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What an applied import did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AssetImportOutcome {
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub skipped_lines: usize,
}

impl AssetImportOutcome {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "情報資産台帳の取込が終わりました: 新規 {}件、変更 {}件、変更なし {}件",
            self.created, self.changed, self.unchanged
        );
        if self.skipped_lines > 0 {
            s.push_str(&format!(
                "（誤りのある {}行は取り込んでいません）",
                self.skipped_lines
            ));
        }
        s
    }
}

/// Today's units by code, or by name when only one unit has it.
struct Units {
    by_code: HashMap<String, OrgUnitId>,
    by_name: HashMap<String, Vec<OrgUnitId>>,
    names: HashMap<OrgUnitId, String>,
    codes: HashMap<OrgUnitId, String>,
}

impl Units {
    fn new(units: &[OrgUnit]) -> Self {
        let mut by_name: HashMap<String, Vec<OrgUnitId>> = HashMap::new();
        for u in units {
            by_name.entry(u.name.clone()).or_default().push(u.id);
        }
        Self {
            by_code: units
                .iter()
                .map(|u| (normalize_code(&u.code), u.id))
                .collect(),
            by_name,
            names: units.iter().map(|u| (u.id, u.name.clone())).collect(),
            codes: units.iter().map(|u| (u.id, u.code.clone())).collect(),
        }
    }

    /// What the export writes for a unit: its name when no other unit has it, else its code.
    fn label(&self, id: OrgUnitId) -> String {
        match self.names.get(&id) {
            Some(name) if self.by_name.get(name).is_some_and(|v| v.len() == 1) => name.clone(),
            _ => self.codes.get(&id).cloned().unwrap_or_default(),
        }
    }
}

impl UnitResolver for Units {
    fn resolve(&self, text: &str) -> Option<UnitRef> {
        if let Some(id) = self.by_code.get(&normalize_code(text)) {
            return Some(UnitRef(id.to_string()));
        }
        match self.by_name.get(text.trim()).map(Vec::as_slice) {
            Some([one]) => Some(UnitRef(one.to_string())),
            _ => None,
        }
    }
}

/// One row that applying the file writes.
struct Planned {
    line: usize,
    /// The stored asset the row changes, when its 管理番号 is in the register.
    existing: Option<AssetRecord>,
    row: AssetRow,
    /// The validated asset (links not yet resolved to ids).
    asset: Asset,
    changed: bool,
}

/// A checked file.
struct Plan {
    preview: AssetImportPreview,
    rows: Vec<Planned>,
    skipped_lines: usize,
}

fn read(file_name: &str, bytes: &[u8]) -> Result<Table, AppError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(AppError::Invalid(DomainError::new(
            FILE,
            format!(
                "ファイルが大きすぎます（{}MB まで）",
                MAX_IMPORT_BYTES / 1024 / 1024
            ),
        )));
    }
    asset_table::read_table(file_name, bytes)
        .map_err(|e| AppError::Invalid(DomainError::new(FILE, e.to_string())))
}

/// The export row of a stored asset, for comparing with a file row and for writing.
fn export_row(
    rules: &AssetRules,
    record: &AssetRecord,
    units: &Units,
    numbers: &HashMap<AssetId, String>,
) -> Result<AssetExportRow, AppError> {
    let asset = rules.asset(record)?;
    let nos = |ids: &[AssetId]| {
        ids.iter()
            .map(|i| numbers.get(i).cloned().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    Ok(AssetExportRow::from_asset(
        record.asset_no.clone(),
        &asset,
        record
            .owner_unit
            .map(|u| units.label(u))
            .unwrap_or_default(),
        nos(&record.derived_from),
        nos(&record.holds),
    ))
}

/// Checks a file against the layout, the scheme, today's units and the register.
async fn plan(
    conn: &mut impl Reads,
    body: BodyId,
    today: chrono::NaiveDate,
    id: String,
    file_name: &str,
    bytes: &[u8],
) -> Result<Plan, AppError> {
    let table = read(file_name, bytes)?;
    let rules = AssetRules::of(&*crate::ruling::ruling(conn, body).await?)?;
    let units = Units::new(&org::units_on(conn, body, today).await?);
    let parsed = asset_table::parse_assets(&table, &units, &rules.scheme);
    let mut problems: Vec<RowProblem> = parsed.problems;
    let bad_lines: HashSet<usize> = problems.iter().map(|p| p.line).collect();

    // Every number the file speaks of: its own rows and their links.
    let mut wanted: Vec<String> = Vec::new();
    for r in &parsed.rows {
        wanted.extend(r.asset_no.iter().cloned());
        wanted.extend(r.derived_from_nos.iter().cloned());
        wanted.extend(r.holds_nos.iter().cloned());
    }
    wanted.sort();
    wanted.dedup();
    let in_register: HashMap<String, AssetId> = store::ids_by_number(conn, body, &wanted)
        .await?
        .into_iter()
        .map(|(id, n)| (n, id))
        .collect();
    // Numbers in the file (also of rows with problems: a link to them is not «unknown»).
    let in_file: HashSet<String> = table
        .rows
        .iter()
        .filter_map(|r| r.cells.first())
        .map(|c| normalize_code(c))
        .filter(|c| !c.is_empty())
        .collect();

    // The classification each number will have once the file is applied.
    let mut classes: HashMap<String, Classification> = HashMap::new();
    let mut existing: HashMap<String, AssetRecord> = HashMap::new();
    for (number, id) in &in_register {
        if let Some(record) = store::get_asset(conn, body, *id).await? {
            if let Ok(c) = rules.classification(&record) {
                classes.insert(number.clone(), c);
            }
            existing.insert(number.clone(), record);
        }
    }
    let mut validated: Vec<(AssetRow, Asset)> = Vec::new();
    for row in parsed.rows {
        match row.new.validate(&rules.scheme, AssetId::new(), body) {
            Ok(asset) => {
                if let Some(n) = &row.asset_no {
                    classes.insert(n.clone(), asset.classification.clone());
                }
                validated.push((row, asset));
            }
            Err(errors) => {
                for e in errors {
                    problems.push(RowProblem {
                        line: row.line,
                        column: Some(e.field.clone()),
                        message: e.message,
                    });
                }
            }
        }
    }

    // Links must name an asset of the register or of the file; a copy and a medium must be
    // classified at least at what they inherit.
    let mut rows = Vec::new();
    let linked: Vec<AssetId> = existing
        .values()
        .flat_map(|r| r.derived_from.iter().chain(&r.holds).copied())
        .collect();
    let numbers: HashMap<AssetId, String> = store::numbers_of(conn, body, &linked)
        .await?
        .into_iter()
        .collect();
    let mut created = 0;
    let mut changed = 0;
    let mut unchanged = 0;
    let mut changes = Vec::new();
    for (row, asset) in validated {
        let mut row_problems = Vec::new();
        let mut sources = Vec::new();
        for (column, list) in [
            ("複製元", &row.derived_from_nos),
            ("格納する情報資産", &row.holds_nos),
        ] {
            for n in list {
                if !in_register.contains_key(n) && !in_file.contains(n) {
                    row_problems.push(RowProblem {
                        line: row.line,
                        column: Some(column.to_owned()),
                        message: format!(
                            "{column}の管理番号「{n}」の情報資産は台帳にもこのファイルにもありません"
                        ),
                    });
                } else if let Some(c) = classes.get(n) {
                    sources.push(c.clone());
                }
            }
        }
        let refs: Vec<&Classification> = sources.iter().collect();
        if let Err(e) = asset::check_inherited(&rules.scheme, &asset, &refs) {
            row_problems.push(RowProblem {
                line: row.line,
                column: Some("分類".to_owned()),
                message: e.message,
            });
        }
        if let Some(b) = row.asset_no.as_ref().and_then(|n| existing.get(n)) {
            // The edit screen's rules hold for a file too: 廃棄 happens through its record, and
            // an asset is not raised above a copy or medium of the register that holds it.
            if b.status != AssetStatus::Disposed && asset.status == AssetStatus::Disposed {
                row_problems.push(RowProblem {
                    line: row.line,
                    column: Some("状態".to_owned()),
                    message: "廃棄済にするには、情報資産の画面で「廃棄」を記録してください（取込では廃棄済にできません）".to_owned(),
                });
            }
            for (_, dep_id, number, name) in store::dependents(conn, b.id).await? {
                if in_file.contains(&number) {
                    continue; // its own row is checked against what it inherits
                }
                let Some(dep) = store::get_asset(conn, body, dep_id).await? else {
                    continue;
                };
                if dep.status == AssetStatus::Disposed {
                    continue;
                }
                if let Ok(held) = rules.classification(&dep)
                    && !asset::is_at_least_on_every_axis(
                        &rules.scheme,
                        &held,
                        &asset.classification,
                    )?
                {
                    row_problems.push(RowProblem {
                        line: row.line,
                        column: Some("分類".to_owned()),
                        message: format!(
                            "{number}「{name}」（{held}）がこの情報資産を複製・格納しているため、分類を{}にできません",
                            asset.classification
                        ),
                    });
                }
            }
        }
        if !row_problems.is_empty() {
            problems.extend(row_problems);
            continue;
        }
        if bad_lines.contains(&row.line) {
            continue;
        }
        let before = row.asset_no.as_ref().and_then(|n| existing.get(n)).cloned();
        let is_changed = match &before {
            None => true,
            Some(b) => {
                let old = export_row(&rules, b, &units, &numbers)?;
                let new = AssetExportRow::from_asset(
                    b.asset_no.clone(),
                    &asset,
                    asset.owner_unit.map(|u| units.label(u)).unwrap_or_default(),
                    row.derived_from_nos.clone(),
                    row.holds_nos.clone(),
                );
                old != new
            }
        };
        match (&before, is_changed) {
            (None, _) => created += 1,
            (Some(_), true) => changed += 1,
            (Some(_), false) => unchanged += 1,
        }
        if is_changed {
            changes.push(ChangeLine {
                line: row.line,
                key: row
                    .asset_no
                    .clone()
                    .unwrap_or_else(|| "（自動採番）".to_owned()),
                name: asset.name.clone(),
                what: if before.is_some() {
                    "変更".to_owned()
                } else {
                    "新規".to_owned()
                },
            });
        }
        rows.push(Planned {
            line: row.line,
            existing: before,
            row,
            asset,
            changed: is_changed,
        });
    }
    // A row linking to a number that only a refused row of the file holds cannot be written
    // either (the link would name nothing): it is refused too, and so on down a chain of copies.
    loop {
        let planned: HashSet<&String> = rows
            .iter()
            .filter_map(|p| p.row.asset_no.as_ref())
            .collect();
        let stranded = |p: &Planned| -> Option<(&'static str, String)> {
            [
                ("複製元", &p.row.derived_from_nos),
                ("格納する情報資産", &p.row.holds_nos),
            ]
            .into_iter()
            .find_map(|(column, list)| {
                list.iter()
                    .find(|n| !in_register.contains_key(*n) && !planned.contains(n))
                    .map(|n| (column, n.clone()))
            })
        };
        let dropped: Vec<(usize, &'static str, String)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, p)| stranded(p).map(|(column, n)| (i, column, n)))
            .collect();
        if dropped.is_empty() {
            break;
        }
        for (i, column, n) in dropped.into_iter().rev() {
            let p = rows.remove(i);
            match (&p.existing, p.changed) {
                (None, _) => created -= 1,
                (Some(_), true) => changed -= 1,
                (Some(_), false) => unchanged -= 1,
            }
            changes.retain(|c| c.line != p.line);
            problems.push(RowProblem {
                line: p.line,
                column: Some(column.to_owned()),
                message: format!(
                    "{column}の管理番号「{n}」の行に誤りがあり取り込めないため、この行も取り込めません"
                ),
            });
        }
    }
    problems.sort_by_key(|p| p.line);
    let skipped: HashSet<usize> = problems.iter().map(|p| p.line).collect();
    Ok(Plan {
        preview: AssetImportPreview {
            id,
            file_name: file_name.to_owned(),
            rows: table.rows.len(),
            problems: problems.iter().map(ProblemLine::from).collect(),
            created,
            changed,
            unchanged,
            changes,
        },
        rows,
        skipped_lines: skipped.len(),
    })
}

fn refuse_problems(plan: &Plan, skip_invalid: bool) -> Result<(), AppError> {
    if plan.preview.problems.is_empty() || skip_invalid {
        return Ok(());
    }
    Err(AppError::Invalid(DomainError::new(
        FILE,
        format!(
            "誤りが {}件あるため取り込めません。ファイルを直すか、誤りのある行を除いて取り込んでください",
            plan.preview.problems.len()
        ),
    )))
}

/// Writes the planned rows: assets first, then their links (a link may name a row further down).
async fn write(
    tx: &mut WriteTx,
    plan: &Plan,
    rules: &AssetRules,
    body: BodyId,
    actor: &Actor,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<AssetImportOutcome, AppError> {
    let total = plan.rows.len() * 2;
    let mut ids: HashMap<String, AssetId> = HashMap::new();
    let mut records: Vec<Option<AssetRecord>> = Vec::with_capacity(plan.rows.len());
    for (i, p) in plan.rows.iter().enumerate() {
        if i % PROGRESS_EVERY == 0 {
            progress(i, total);
        }
        let id = p.existing.as_ref().map_or_else(AssetId::new, |e| e.id);
        let asset_no = match &p.row.asset_no {
            Some(n) => n.clone(),
            None => store::next_asset_number(&mut *tx, body, NUMBER_PREFIX).await?,
        };
        ids.insert(asset_no.clone(), id);
        if !p.changed {
            records.push(None);
            continue;
        }
        let a = &p.asset;
        let record = AssetRecord {
            id,
            body_id: body,
            asset_no,
            kind: a.kind,
            name: a.name.clone(),
            description: a.description.clone(),
            owner_unit: a.owner_unit,
            location: a.location.clone(),
            segment: a.segment,
            classification: a
                .classification
                .keys()
                .into_iter()
                .map(|(x, l)| (x.to_owned(), l.to_owned()))
                .collect(),
            retention: match &a.retention {
                Retention::Unspecified => String::new(),
                r => r.label(),
            },
            status: a.status,
            document_type: a.document_type,
            safeguards: a.safeguards.clone(),
            derived_from: Vec::new(),
            holds: Vec::new(),
            created_at: p.existing.as_ref().map_or(now, |e| e.created_at),
            updated_at: now,
        };
        let levels = rules.level_rows(&a.classification)?;
        if p.existing.is_some() {
            store::update_asset(&mut *tx, &record, &levels).await?;
        } else {
            store::insert_asset(&mut *tx, &record, &levels).await?;
        }
        records.push(Some(record));
    }
    // Numbers the file links to but does not hold are in the register.
    let mut missing: Vec<String> = plan
        .rows
        .iter()
        .flat_map(|p| p.row.derived_from_nos.iter().chain(&p.row.holds_nos))
        .filter(|n| !ids.contains_key(*n))
        .cloned()
        .collect();
    missing.sort();
    missing.dedup();
    for (id, n) in store::ids_by_number(&mut *tx, body, &missing).await? {
        ids.insert(n, id);
    }
    let mut outcome = AssetImportOutcome {
        created: 0,
        changed: 0,
        unchanged: 0,
        skipped_lines: plan.skipped_lines,
    };
    for (i, (p, record)) in plan.rows.iter().zip(records).enumerate() {
        if i % PROGRESS_EVERY == 0 {
            progress(plan.rows.len() + i, total);
        }
        let Some(mut record) = record else {
            outcome.unchanged += 1;
            continue;
        };
        let resolve = |nos: &[String]| -> Result<Vec<AssetId>, AppError> {
            nos.iter()
                .map(|n| {
                    ids.get(n).copied().ok_or_else(|| {
                        AppError::Internal(format!("link {n} vanished during the import"))
                    })
                })
                .collect()
        };
        record.derived_from = resolve(&p.row.derived_from_nos)?;
        record.holds = resolve(&p.row.holds_nos)?;
        if !record.derived_from.is_empty() || !record.holds.is_empty() {
            let levels = rules.level_rows(&p.asset.classification)?;
            store::update_asset(&mut *tx, &record, &levels).await?;
        }
        let before = p.existing.as_ref().and_then(|e| rules.asset(e).ok());
        let mut after = p.asset.clone();
        after.id = record.id;
        after.derived_from = record.derived_from.clone();
        after.holds = record.holds.clone();
        let mut entry = AuditEntry::new(
            actor.clone(),
            if p.existing.is_some() {
                "asset.update"
            } else {
                "asset.register"
            },
            "asset",
            record.id,
        )
        .body(body)
        .after(&serde_json::json!({
            "asset_no": record.asset_no,
            "asset": after,
            "classification": after.classification.to_string(),
            "import_line": p.line,
        }));
        if let (Some(e), Some(b)) = (&p.existing, before) {
            entry = entry.before(&serde_json::json!({
                "asset_no": e.asset_no,
                "asset": b,
                "classification": b.classification.to_string(),
            }));
            outcome.changed += 1;
        } else {
            outcome.created += 1;
        }
        audit::append(tx, now, entry).await?;
    }
    progress(total, total);
    Ok(outcome)
}

fn import_record(
    actor: Actor,
    body: BodyId,
    file_name: &str,
    outcome: &AssetImportOutcome,
    target: &str,
) -> AuditEntry {
    AuditEntry::new(actor, "asset.import", "asset_import", target)
        .body(body)
        .after(&serde_json::json!({
            "file_name": file_name,
            "created": outcome.created,
            "changed": outcome.changed,
            "unchanged": outcome.unchanged,
            "skipped_lines": outcome.skipped_lines,
        }))
}

/// Importing the register writes every unit's assets: it needs `asset.manage`.
fn check_all_units(writer: &AssetWriter) -> Result<(), AppError> {
    if writer.all_units() {
        Ok(())
    } else {
        Err(AppError::Forbidden("情報資産台帳の一括取込".to_owned()))
    }
}

impl App {
    /// Stages an uploaded register file and returns its preview. Nothing in the register changes.
    pub async fn stage_asset_import(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<AssetImportPreview, AppError> {
        check_all_units(writer)?;
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let checked = plan(
            &mut conn,
            body.id,
            self.today(),
            String::new(),
            file_name,
            bytes,
        )
        .await?;
        let id = org::put_pending_import(
            &mut conn,
            body.id,
            PENDING_KIND,
            file_name,
            bytes,
            &user.account.login.to_string(),
            self.now(),
        )
        .await?;
        Ok(AssetImportPreview {
            id,
            ..checked.preview
        })
    }

    /// The preview of a staged register file, checked again against today's register.
    pub async fn asset_import_preview(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        id: &str,
    ) -> Result<AssetImportPreview, AppError> {
        check_all_units(writer)?;
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let (_, file_name, bytes) = org::pending_import(&mut conn, body.id, id)
            .await?
            .filter(|(k, ..)| k == PENDING_KIND)
            .ok_or_else(|| AppError::NotFound("取込ファイル".to_owned()))?;
        Ok(plan(
            &mut conn,
            body.id,
            self.today(),
            id.to_owned(),
            &file_name,
            &bytes,
        )
        .await?
        .preview)
    }

    /// Applies a staged register file in one transaction and removes it. With problems, nothing
    /// changes unless `skip_invalid` is set, in which case only the valid rows are written.
    pub async fn apply_asset_import(
        &self,
        user: &CurrentUser,
        writer: &AssetWriter,
        id: &str,
        skip_invalid: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<AssetImportOutcome, AppError> {
        check_all_units(writer)?;
        let body = user.body()?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let (_, file_name, bytes) = org::pending_import(&mut tx, body.id, id)
            .await?
            .filter(|(k, ..)| k == PENDING_KIND)
            .ok_or_else(|| AppError::NotFound("取込ファイル".to_owned()))?;
        let plan = plan(
            &mut tx,
            body.id,
            self.today(),
            id.to_owned(),
            &file_name,
            &bytes,
        )
        .await?;
        refuse_problems(&plan, skip_invalid)?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut tx, body.id).await?)?;
        let outcome = write(
            &mut tx,
            &plan,
            &rules,
            body.id,
            &user.actor(),
            now,
            progress,
        )
        .await?;
        org::delete_pending_import(&mut tx, id).await?;
        audit::append(
            &mut tx,
            now,
            import_record(user.actor(), body.id, &file_name, &outcome, id),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The installation operator's import (`mamori assets import`): the same checks and
    /// transaction, acting as `actor`. With `dry_run` only the preview is returned.
    #[allow(clippy::too_many_arguments)]
    pub async fn import_assets_as_operator(
        &self,
        body: &Body,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        skip_invalid: bool,
        dry_run: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<(AssetImportPreview, Option<AssetImportOutcome>), AppError> {
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let plan = plan(
            &mut tx,
            body.id,
            self.today(),
            String::new(),
            file_name,
            bytes,
        )
        .await?;
        if dry_run {
            return Ok((plan.preview, None));
        }
        refuse_problems(&plan, skip_invalid)?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut tx, body.id).await?)?;
        let outcome = write(&mut tx, &plan, &rules, body.id, actor, now, progress).await?;
        audit::append(
            &mut tx,
            now,
            import_record(actor.clone(), body.id, file_name, &outcome, file_name),
        )
        .await?;
        tx.commit().await?;
        Ok((plan.preview, Some(outcome)))
    }

    /// The body's register in the import layout, as .xlsx or CSV, read a chunk at a time.
    pub async fn export_assets(
        &self,
        body: BodyId,
        format: ExportFormat,
    ) -> Result<Vec<u8>, AppError> {
        Ok(self.export_assets_counted(body, format).await?.0)
    }

    /// The file and its number of rows.
    async fn export_assets_counted(
        &self,
        body: BodyId,
        format: ExportFormat,
    ) -> Result<(Vec<u8>, usize), AppError> {
        let mut conn = self.store().conn().await?;
        let rules = AssetRules::of(&*crate::ruling::ruling(&mut conn, body).await?)?;
        let units = Units::new(&org::units_on(&mut conn, body, self.today()).await?);
        let mut rows: Vec<AssetExportRow> = Vec::new();
        let mut after = None;
        loop {
            let chunk = store::chunk_with_links(&mut conn, body, after, 5000).await?;
            let Some(last) = chunk.last() else { break };
            after = Some(last.id);
            let linked: Vec<AssetId> = chunk
                .iter()
                .flat_map(|r| r.derived_from.iter().chain(&r.holds).copied())
                .collect();
            let numbers: HashMap<AssetId, String> = store::numbers_of(&mut conn, body, &linked)
                .await?
                .into_iter()
                .collect();
            for record in &chunk {
                rows.push(export_row(&rules, record, &units, &numbers)?);
            }
        }
        let export_err = |e: asset_table::OrgExportError| {
            AppError::Invalid(DomainError::new("出力形式", e.to_string()))
        };
        match format {
            ExportFormat::Xlsx => asset_table::assets_xlsx(&rows),
            ExportFormat::Csv(enc) => asset_table::assets_csv(&rows, enc),
        }
        .map(|bytes| (bytes, rows.len()))
        .map_err(export_err)
    }

    /// The export for a signed-in user of the body, recorded in the audit trail as a read of
    /// the whole register.
    pub async fn export_assets_for(
        &self,
        user: &CurrentUser,
        format: ExportFormat,
        meta: &RequestMeta,
    ) -> Result<Vec<u8>, AppError> {
        let (bytes, rows) = self.export_assets_counted(user.body()?.id, format).await?;
        let read = Read::export(Exported::Assets, None, format.key(), rows);
        self.record_read(user, read, meta).await?;
        Ok(bytes)
    }
}
