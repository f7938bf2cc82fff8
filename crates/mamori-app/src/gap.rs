//! ギャップ分析 on screen: an existing policy document is uploaded, kept until the user leaves it
//! (as a pending upload of kind `gap`) and analysed against the guideline on every view — the
//! analysis is fast and pure, so no result is stored. A policy editor may import the analysed
//! document as a new draft edition, so that the body starts from its own text.
//!
//! Who may use it: any member of the body may analyse (nothing changes); only a policy editor
//! may import.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use mamori_catalog::Catalog;
use mamori_domain::DomainError;
use mamori_domain::audit::AuditEntry;
use mamori_domain::policy::{Edition, EditionStatus, LocalClause, RoleSetting};
use mamori_gap::report::{Addition, ClauseResult};
use mamori_gap::{Document, GapError, Report, Status};
use mamori_store::{audit, org, policy as policy_store};
use serde_json::json;

use crate::access::PolicyEditor;
use crate::org_import::MAX_IMPORT_BYTES;
use crate::policy::{ProfileChange, audit_views, default_profile, guideline};
use crate::{App, AppError, CurrentUser, RequestMeta};

/// The `pending_imports.kind` of a document kept for gap analysis.
pub const PENDING_KIND: &str = "gap";

/// Field name of the uploaded document on screens and in errors.
pub const FILE: &str = "ファイル";

/// Largest document accepted (the same limit as the other uploads).
pub const MAX_GAP_BYTES: usize = MAX_IMPORT_BYTES;

/// The reason recorded on a clause whose wording comes from the analysed document.
pub const AMENDMENT_REASON: &str = "既存のポリシーの規定による（ギャップ分析からの取込）";

/// An uploaded document and its analysis.
#[derive(Debug, Clone)]
pub struct GapAnalysis {
    pub id: String,
    pub file_name: String,
    pub report: Report,
}

/// Counts of one chapter (基本方針, 対策基準 第1章 … 第9章).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterSummary {
    /// `B`, `S-1` … `S-9`.
    pub key: String,
    pub title: String,
    pub covered: usize,
    pub partial: usize,
    pub omitted: usize,
    /// Of the omitted, 【推奨事項】.
    pub omitted_recommended: usize,
}

impl ChapterSummary {
    pub fn total(&self) -> usize {
        self.covered + self.partial + self.omitted
    }
}

/// The chapter key of a clause id: `B`, `S-1` … `S-9`.
pub fn chapter_of(catalog: &Catalog, clause: &str) -> String {
    catalog
        .clause(clause)
        .map(|c| c.id.chapter_key())
        .unwrap_or_default()
}

/// Counts per chapter in catalog order.
pub fn chapter_summaries(catalog: &Catalog, report: &Report) -> Vec<ChapterSummary> {
    let mut out: Vec<ChapterSummary> = Vec::new();
    for result in &report.clauses {
        let key = chapter_of(catalog, &result.id);
        let index = match out.iter().position(|c| c.key == key) {
            Some(i) => i,
            None => {
                let title = catalog
                    .section(&key)
                    .and_then(|s| s.title.clone())
                    .unwrap_or_default();
                out.push(ChapterSummary {
                    key: key.clone(),
                    title,
                    covered: 0,
                    partial: 0,
                    omitted: 0,
                    omitted_recommended: 0,
                });
                out.len() - 1
            }
        };
        let chapter = &mut out[index];
        match result.status {
            Status::Covered => chapter.covered += 1,
            Status::Partial => chapter.partial += 1,
            Status::Omitted => {
                chapter.omitted += 1;
                if result.recommended {
                    chapter.omitted_recommended += 1;
                }
            }
        }
    }
    out
}

/// The document's wording for a clause: its matching provisions in document order.
pub fn document_text(result: &ClauseResult) -> String {
    let mut matches: Vec<_> = result.matches.iter().collect();
    matches.sort_by_key(|m| m.line);
    matches
        .iter()
        .map(|m| m.text.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn unreadable(e: GapError) -> AppError {
    AppError::Invalid(DomainError::new(FILE, e.to_string()))
}

/// Analyses kept for the reports' screens, and who is analysing now.
///
/// An analysis takes seconds of CPU: it is made once per upload and kept (the catalog is built
/// into the program, so a result holds until the program changes); one person runs one at a
/// time and the installation [`MAX_RUNNING`] at once, so reloading a report or sending many
/// files cannot tie the server up.
#[derive(Clone, Default)]
pub(crate) struct Analyses {
    inner: Arc<Mutex<AnalysesInner>>,
}

#[derive(Default)]
struct AnalysesInner {
    /// Newest last, at most [`KEPT_REPORTS`].
    reports: VecDeque<(String, Arc<Report>)>,
    running: HashSet<String>,
}

/// Analyses running at once in the installation.
pub const MAX_RUNNING: usize = 2;
/// Reports kept in memory.
const KEPT_REPORTS: usize = 16;
/// Analysed documents one person may keep waiting for import.
pub const MAX_PENDING_PER_PERSON: i64 = 5;
/// How long an upload waits for its import before it is removed.
pub const PENDING_HOURS: i64 = 24;

/// While alive, the person's analysis counts as running.
struct Running {
    analyses: Analyses,
    who: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut inner) = self.analyses.inner.lock() {
            inner.running.remove(&self.who);
        }
    }
}

impl Analyses {
    fn start(&self, who: &str) -> Result<Running, AppError> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| AppError::Internal("gap analyses lock".to_owned()))?;
        if inner.running.contains(who) {
            return Err(AppError::Conflict(
                "分析中の文書があります。終わってから次の文書を送ってください".to_owned(),
            ));
        }
        if inner.running.len() >= MAX_RUNNING {
            return Err(AppError::Conflict(
                "ほかの分析が実行中です。しばらくしてからもう一度送ってください".to_owned(),
            ));
        }
        inner.running.insert(who.to_owned());
        Ok(Running {
            analyses: self.clone(),
            who: who.to_owned(),
        })
    }

    fn kept(&self, id: &str) -> Option<Arc<Report>> {
        let inner = self.inner.lock().ok()?;
        inner
            .reports
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, r)| Arc::clone(r))
    }

    fn keep(&self, id: &str, report: Arc<Report>) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.reports.retain(|(k, _)| k != id);
            if inner.reports.len() >= KEPT_REPORTS {
                inner.reports.pop_front();
            }
            inner.reports.push_back((id.to_owned(), report));
        }
    }
}

/// Reads and analyses a document (CPU work, off the async threads).
async fn analyse(file_name: &str, bytes: Vec<u8>) -> Result<Report, AppError> {
    let catalog = guideline()?;
    let name = file_name.to_owned();
    tokio::task::spawn_blocking(move || {
        let doc = Document::from_bytes(&bytes, &name).map_err(unreadable)?;
        Ok(mamori_gap::analyze(catalog, &doc))
    })
    .await
    .map_err(|e| AppError::Internal(format!("gap analysis: {e}")))?
}

pub(crate) fn check_upload(file_name: &str, bytes: &[u8]) -> Result<(), AppError> {
    if bytes.is_empty() {
        return Err(AppError::Invalid(DomainError::new(
            FILE,
            format!("{file_name} は空のファイルです"),
        )));
    }
    if bytes.len() > MAX_GAP_BYTES {
        return Err(AppError::Invalid(DomainError::new(
            FILE,
            format!(
                "ファイルが大きすぎます（{} MB まで）",
                MAX_GAP_BYTES / 1024 / 1024
            ),
        )));
    }
    Ok(())
}

/// What importing an analysed document wrote.
#[derive(Debug, Clone)]
pub struct GapAdoption {
    pub edition: Edition,
    /// Partial clauses whose wording is now the document's.
    pub amended: Vec<String>,
    /// 【推奨事項】 the document covers, now adopted.
    pub adopted: Vec<String>,
    /// Clauses deleted in the edition the draft was made from that the document has.
    pub restored: Vec<String>,
    /// The document's own provisions, now local clauses: (number, title).
    pub local: Vec<(String, String)>,
    /// Clauses (not 【推奨事項】) the document omits: they keep the guideline's 例文.
    pub unaddressed: Vec<String>,
    /// Provisions before the first one that matches a clause — the title, 前文 and 目次 — which
    /// are not imported.
    pub front_matter: Vec<String>,
}

/// The changes an analysis makes to a profile, in the order they are applied.
fn changes_for(
    report: &Report,
    catalog: &Catalog,
    edition: &Edition,
) -> (Vec<ProfileChange>, GapAdoption) {
    let profile = &edition.profile;
    let mut changes = Vec::new();
    let mut outcome = GapAdoption {
        edition: edition.clone(),
        amended: Vec::new(),
        adopted: Vec::new(),
        restored: Vec::new(),
        local: Vec::new(),
        unaddressed: Vec::new(),
        front_matter: Vec::new(),
    };
    for result in &report.clauses {
        let id = result.id.clone();
        match result.status {
            Status::Covered | Status::Partial => {
                if profile.deletions.contains_key(&id) {
                    changes.push(ProfileChange::Restore { clause: id.clone() });
                    outcome.restored.push(id.clone());
                }
                if result.recommended && !profile.adopted_recommended.contains(&id) {
                    changes.push(ProfileChange::Adopt {
                        clause: id.clone(),
                        adopted: true,
                    });
                    outcome.adopted.push(id.clone());
                }
                let text = document_text(result);
                if result.status == Status::Partial && !text.is_empty() {
                    changes.push(ProfileChange::Amend {
                        clause: id.clone(),
                        text,
                        reason: Some(AMENDMENT_REASON.to_owned()),
                    });
                    outcome.amended.push(id);
                }
            }
            Status::Omitted => {
                if !result.recommended && !profile.deletions.contains_key(&id) {
                    outcome.unaddressed.push(id);
                }
            }
        }
    }
    let mut used: BTreeSet<String> = profile
        .local_clauses
        .iter()
        .map(|c| c.key.clone())
        .collect();
    let mut next = 1;
    let first_match = report
        .clauses
        .iter()
        .filter(|c| c.status != Status::Omitted)
        .flat_map(|c| c.matches.iter().map(|m| m.line))
        .min();
    for addition in &report.additions {
        if first_match.is_none_or(|first| addition.line < first) {
            outcome
                .front_matter
                .push(if addition.provision.trim().is_empty() {
                    format!("{}行目", addition.line)
                } else {
                    addition.provision.trim().to_owned()
                });
            continue;
        }
        let key = loop {
            let key = format!("gap-{next}");
            next += 1;
            if used.insert(key.clone()) {
                break key;
            }
        };
        let local = local_clause(key, addition, report, catalog);
        outcome
            .local
            .push((local.number.clone(), local.title.clone()));
        changes.push(ProfileChange::AddLocal(local));
    }
    (changes, outcome)
}

/// A local addition as a local clause, after the clause matched nearest above it.
fn local_clause(
    key: String,
    addition: &Addition,
    report: &Report,
    catalog: &Catalog,
) -> LocalClause {
    let after = report
        .clauses
        .iter()
        .filter(|c| c.status != Status::Omitted)
        .flat_map(|c| c.matches.iter().map(move |m| (m.line, c.id.as_str())))
        .filter(|(line, _)| *line <= addition.line)
        .max_by_key(|(line, id)| (*line, catalog.clause(id).map(|c| c.order)))
        .map(|(_, id)| id.to_owned());
    let text = addition.text.trim().to_owned();
    let number = if addition.provision.trim().is_empty() {
        format!("{}行目", addition.line)
    } else {
        addition.provision.trim().to_owned()
    };
    LocalClause {
        key,
        number,
        title: title_of(&text),
        text,
        after,
    }
}

/// A heading for a provision that has none: its first sentence, shortened.
fn title_of(text: &str) -> String {
    const MAX: usize = 30;
    let first = text
        .lines()
        .next()
        .unwrap_or_default()
        .split('。')
        .next()
        .unwrap_or_default()
        .trim();
    let title: String = first.chars().take(MAX).collect();
    if title.is_empty() {
        "独自の規定".to_owned()
    } else if first.chars().count() > MAX {
        format!("{title}…")
    } else {
        title
    }
}

impl App {
    /// Keeps an uploaded policy document for analysis and returns its analysis. Refused at once
    /// when the document cannot be read. Nothing in the policy changes.
    ///
    /// One person runs one analysis at a time and keeps at most [`MAX_PENDING_PER_PERSON`]
    /// analysed documents; the upload is audited, and removed (audited) after
    /// [`PENDING_HOURS`] if nobody imports it.
    pub async fn analyze_policy_document(
        &self,
        user: &CurrentUser,
        file_name: &str,
        bytes: &[u8],
        meta: &RequestMeta,
    ) -> Result<GapAnalysis, AppError> {
        let body = user.body()?;
        check_upload(file_name, bytes)?;
        self.expire_pending_imports().await?;
        let who = user.account.login.to_string();
        {
            let mut conn = self.store().conn().await?;
            if org::count_pending_imports(&mut conn, PENDING_KIND, &who).await?
                >= MAX_PENDING_PER_PERSON
            {
                return Err(AppError::Conflict(format!(
                    "取り込んでいない分析結果が {MAX_PENDING_PER_PERSON} 件あります。取り込むか、{PENDING_HOURS} 時間たって消えてから送ってください"
                )));
            }
        }
        let running = self.analyses.start(&who)?;
        let report = Arc::new(analyse(file_name, bytes.to_vec()).await?);
        drop(running);
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let id =
            org::put_pending_import(&mut tx, body.id, PENDING_KIND, file_name, bytes, &who, now)
                .await?;
        let entry = AuditEntry::new(user.actor(), "gap.upload", "pending_import", &id)
            .body(body.id)
            .after(&json!({
                "file": file_name,
                "bytes": bytes.len(),
                "clauses": report.clauses.len(),
            }))
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        tx.commit().await?;
        self.analyses.keep(&id, Arc::clone(&report));
        Ok(GapAnalysis {
            id,
            file_name: file_name.to_owned(),
            report: Arc::unwrap_or_clone(report),
        })
    }

    /// Removes uploads kept for a preview longer than [`PENDING_HOURS`] (every importer's), one
    /// audit record each. Called before each upload and by the server every hour.
    pub async fn expire_pending_imports(&self) -> Result<usize, AppError> {
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        let stale =
            org::expire_pending_imports(&mut tx, now - chrono::Duration::hours(PENDING_HOURS))
                .await?;
        for s in &stale {
            let mut entry = AuditEntry::new(
                mamori_domain::audit::Actor::system("expiry"),
                "import.expired",
                "pending_import",
                &s.id,
            )
            .before(&json!({
                "kind": s.kind,
                "file": s.file_name,
                "by": s.created_by,
            }));
            entry.body_id = Some(s.body_id.clone());
            audit::append(&mut tx, now, entry).await?;
        }
        tx.commit().await?;
        Ok(stale.len())
    }

    /// The analysis of a kept document, made again.
    pub async fn gap_analysis(
        &self,
        user: &CurrentUser,
        id: &str,
    ) -> Result<GapAnalysis, AppError> {
        Ok(self.gap_analysis_and_upload(user, id).await?.0)
    }

    /// [`Self::gap_analysis`] with the uploaded bytes, read once, for an import of them.
    pub(crate) async fn gap_analysis_and_upload(
        &self,
        user: &CurrentUser,
        id: &str,
    ) -> Result<(GapAnalysis, Vec<u8>), AppError> {
        let body = user.body()?;
        let mut conn = self.store().conn().await?;
        let (_, file_name, bytes) = org::pending_import(&mut conn, body.id, id)
            .await?
            .filter(|(k, ..)| k == PENDING_KIND)
            .ok_or_else(|| AppError::NotFound("分析した文書".to_owned()))?;
        drop(conn);
        let report = match self.analyses.kept(id) {
            Some(report) => report,
            None => {
                let running = self.analyses.start(&user.account.login.to_string())?;
                let report = Arc::new(analyse(&file_name, bytes.clone()).await?);
                drop(running);
                self.analyses.keep(id, Arc::clone(&report));
                report
            }
        };
        Ok((
            GapAnalysis {
                id: id.to_owned(),
                file_name,
                report: Arc::unwrap_or_clone(report),
            },
            bytes,
        ))
    }

    /// Imports an analysed document as a new draft edition: made from the edition in force (or
    /// the guideline when the body has none), covered clauses keep the guideline's wording,
    /// partial ones take the document's, covered 【推奨事項】 are adopted, the document's own
    /// provisions become local clauses (except the title, 前文 and 目次 before the first
    /// provision that matches a clause), omitted clauses keep the guideline's 例文. One
    /// transaction: the edition's create record, one record of the import, the upload removed.
    pub async fn adopt_gap_analysis(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<GapAdoption, AppError> {
        let body = may.body(user)?.clone();
        let catalog = guideline()?;
        let analysis = self.gap_analysis(user, id).await?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        // The upload may have been imported meanwhile.
        if pending_in(&mut tx, body.id, id).await?.is_none() {
            return Err(AppError::NotFound("分析した文書".to_owned()));
        }
        let mut edition =
            draft_for_import(&mut tx, &body, &analysis.report.document.title, now).await?;
        self.insert_edition(&mut tx, user.actor(), &edition, meta)
            .await?;
        let before = edition.clone();
        let (changes, mut outcome) = changes_for(&analysis.report, catalog, &edition);
        for change in &changes {
            change.apply(&mut edition.profile, catalog).map_err(|e| {
                AppError::Invalid(DomainError::new(
                    FILE,
                    format!("{}: {}（何も変更していません）", e.field, e.message),
                ))
            })?;
        }
        policy_store::update_edition(&mut tx, &edition, before.status, now).await?;
        let (before_view, mut after_view) = audit_views(&before, &edition);
        if let Some(view) = after_view.as_object_mut() {
            view.insert(
                "gap_import".to_owned(),
                json!({
                    "file_name": analysis.file_name,
                    "document_title": analysis.report.document.title,
                    "amended": outcome.amended,
                    "adopted_recommended": outcome.adopted,
                    "restored": outcome.restored,
                    "local_clauses": outcome.local.iter().map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>(),
                    "unaddressed": outcome.unaddressed.len(),
                    "front_matter": outcome.front_matter,
                }),
            );
        }
        let entry = AuditEntry::new(
            user.actor(),
            "policy.import_gap",
            "policy_edition",
            edition.id,
        )
        .body(body.id)
        .before(&before_view)
        .after(&after_view)
        .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        org::delete_pending_import(&mut tx, id).await?;
        tx.commit().await?;
        outcome.edition = edition;
        Ok(outcome)
    }
}

/// The draft an imported document goes into: the next edition after the one in force, or the
/// body's first (titled after the document). Refused while another edition is open, or when
/// there are editions but none in force.
pub(crate) async fn draft_for_import(
    tx: &mut mamori_store::WriteTx,
    body: &mamori_domain::org::Body,
    document_title: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Edition, AppError> {
    let editions = policy_store::list_editions(&mut *tx, body.id).await?;
    if let Some(open) = editions.iter().find(|e| e.is_open()) {
        return Err(AppError::Conflict(format!(
            "{}が{}です。取り込んで新しい版にするには、それが施行されるか廃止されてからにしてください",
            open.number,
            open.status.label()
        )));
    }
    let edition = match editions.iter().find(|e| e.status == EditionStatus::InForce) {
        Some(source) => source.new_draft(
            mamori_domain::policy::next_number(&editions, source.number),
            now,
        ),
        None if editions.is_empty() => {
            let roles = org::list_role_definitions(&mut *tx, body.id)
                .await?
                .into_iter()
                .map(|r| RoleSetting {
                    key: r.key,
                    name: r.name,
                    post: None,
                })
                .collect();
            let title = if document_title.trim().is_empty() {
                "情報セキュリティポリシー".to_owned()
            } else {
                document_title.trim().to_owned()
            };
            Edition::first(body.id, title, default_profile(body, roles)?, now)
        }
        None => {
            return Err(AppError::Conflict(
                "施行中の版がありません。取り込むには施行中の版が必要です".to_owned(),
            ));
        }
    };
    Ok(edition)
}

async fn pending_in(
    tx: &mut mamori_store::WriteTx,
    body: mamori_domain::ids::BodyId,
    id: &str,
) -> Result<Option<()>, AppError> {
    Ok(org::pending_import(&mut *tx, body, id)
        .await?
        .filter(|(k, ..)| k == PENDING_KIND)
        .map(|_| ()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn a_title_is_the_first_sentence_shortened() {
        assert_eq!(title_of("職員は研修を受ける。その他"), "職員は研修を受ける");
        assert_eq!(title_of(""), "独自の規定");
        let long = "あ".repeat(40);
        assert_eq!(title_of(&long).chars().count(), 31);
    }

    #[test]
    fn summaries_follow_the_chapters_of_the_catalog() {
        let catalog = guideline().unwrap();
        let doc = Document::from_text(
            "情報セキュリティ基本方針\n1 目的\n本基本方針は、本市が保有する情報資産の機密性、完全性及び可用性を維持するため、本市が実施する情報セキュリティ対策について基本的な事項を定めることを目的とする。\n",
        )
        .unwrap();
        let report = mamori_gap::analyze(catalog, &doc);
        let chapters = chapter_summaries(catalog, &report);
        assert_eq!(chapters.first().map(|c| c.key.as_str()), Some("B"));
        assert_eq!(chapters.len(), 10);
        let total: usize = chapters.iter().map(ChapterSummary::total).sum();
        assert_eq!(total, report.clauses.len());
        assert!(chapters[0].covered >= 1);
    }
}
