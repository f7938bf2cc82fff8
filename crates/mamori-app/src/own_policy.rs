//! The body's own policy document as an edition: an analysed upload imported as it is written —
//! its provisions with their numbers, headings and words, in their order, nothing of the
//! guideline added — each provision linked to the clauses the analysis found it implements.

use std::collections::BTreeMap;

use mamori_domain::DomainError;
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::org::Body;
use mamori_domain::policy::document::{
    ClauseLink, LinkOrigin, MAX_DEPTH, MAX_FRONT_LINES, OwnDocument, OwnProvision,
};
use mamori_domain::policy::{Edition, Profile};
use mamori_gap::{Document, Report, Status};
use mamori_store::{audit, org, policy as policy_store};
use serde_json::json;

use crate::access::PolicyEditor;
use crate::gap::{FILE, PENDING_KIND, check_upload, draft_for_import, unreadable};
use crate::policy::{CatalogLookup, audit_views, guideline};
use crate::{App, AppError, CurrentUser, RequestMeta};

/// The document as an edition holds it. What comes before the first numbered provision (the
/// title, 前文, 目次) is kept as front matter; every other provision stays, numbered or not.
/// Links come from the clauses the analysis found covered or partly covered, with its score.
pub fn own_document(doc: &Document, report: &Report, source: &str) -> OwnDocument {
    let first_numbered = doc
        .provisions
        .iter()
        .position(|p| !p.label.is_empty())
        .unwrap_or(0);
    let front_matter: Vec<String> = doc.provisions[..first_numbered]
        .iter()
        .flat_map(|p| p.full_text().lines().map(str::to_owned).collect::<Vec<_>>())
        .take(MAX_FRONT_LINES)
        .collect();
    let mut provisions: Vec<OwnProvision> = doc.provisions[first_numbered..]
        .iter()
        .enumerate()
        .map(|(i, p)| OwnProvision {
            key: format!("p{}", i + 1),
            depth: u8::try_from(p.depth).unwrap_or(MAX_DEPTH).min(MAX_DEPTH),
            number: p.written.clone(),
            heading: p.title.clone(),
            text: p.text.clone(),
            links: Vec::new(),
            local: false,
            refused: Vec::new(),
        })
        .collect();
    let keys: Vec<String> = provisions.iter().map(|p| p.key.clone()).collect();
    let mut found = links_from(report, &doc.provisions[first_numbered..], &keys);
    for p in &mut provisions {
        p.links = found.remove(&p.key).unwrap_or_default();
    }
    OwnDocument {
        source: Some(source.to_owned()),
        history: mamori_domain::policy::document::history_in(
            front_matter
                .iter()
                .map(String::as_str)
                .chain(provisions.iter().flat_map(|p| p.text.lines())),
        ),
        front_matter,
        provisions,
        decisions: BTreeMap::new(),
    }
}

/// The links an analysis finds, by provision key: the provisions it matched to clauses it found
/// covered or partly covered, with its score. `segments[i]` is the provision keyed `keys[i]`.
fn links_from(
    report: &Report,
    segments: &[mamori_gap::Provision],
    keys: &[String],
) -> BTreeMap<String, Vec<ClauseLink>> {
    let mut found: BTreeMap<String, Vec<ClauseLink>> = BTreeMap::new();
    for clause in &report.clauses {
        if clause.status == Status::Omitted {
            continue;
        }
        for m in &clause.matches {
            let Some(key) = segments
                .iter()
                .position(|p| p.line == m.line && p.path == m.provision)
                .and_then(|at| keys.get(at))
            else {
                continue;
            };
            let links = found.entry(key.clone()).or_default();
            if links.iter().all(|l| l.clause != clause.id) {
                links.push(ClauseLink {
                    clause: clause.id.clone(),
                    origin: LinkOrigin::Analysis,
                    score: Some((m.score.clamp(0.0, 1.0) * 1000.0).round() as u16),
                    missing: (clause.status == Status::Partial).then(|| {
                        clause
                            .missing
                            .clone()
                            .unwrap_or_else(|| "一部の記述が見当たりません".to_owned())
                    }),
                });
            }
        }
    }
    found
}

/// An edition's own provisions as the analyzer reads a document: in order, the line being the
/// position, nesting by depth.
fn as_segments(doc: &OwnDocument) -> Vec<mamori_gap::Provision> {
    let mut out: Vec<mamori_gap::Provision> = Vec::with_capacity(doc.provisions.len());
    for (i, p) in doc.provisions.iter().enumerate() {
        let parent = (0..i).rev().find(|j| doc.provisions[*j].depth < p.depth);
        let label = mamori_gap::segment::fold_width(&p.number);
        let path = match parent {
            Some(j) => format!(
                "{} {}",
                out[j].path,
                if label.is_empty() { &p.heading } else { &label }
            ),
            None if label.is_empty() => p.heading.clone(),
            None => label.clone(),
        };
        out.push(mamori_gap::Provision {
            index: i,
            path,
            label,
            written: p.number.clone(),
            title: p.heading.clone(),
            text: p.text.clone(),
            line: i + 1,
            last_line: i + 1,
            depth: usize::from(p.depth),
            parent,
        });
    }
    out
}

/// One clause of the worklist: what the body's document lacks, with the 例文 in its terms and
/// where a provision for it would go.
#[derive(Debug, Clone)]
pub struct GapItem {
    pub clause: String,
    pub title: String,
    /// `B`, `S-1` … `S-9`.
    pub chapter: String,
    pub recommended: bool,
    /// The 例文 in the body's words, role names and classification labels.
    pub text: String,
    /// The provision it would follow: (key, caption); `None`: the end of the document.
    pub after: Option<(String, String)>,
    /// Found only in part (一部不足): what the analysis did not find.
    pub partial: Option<String>,
}

/// A decision taken: (clause, title, decision, its place or reason or the added provision).
#[derive(Debug, Clone)]
pub struct GapDone {
    pub clause: String,
    pub title: String,
    pub decision: &'static str,
    pub detail: String,
}

/// The 例文 as the body's policy would say them: its word for itself, its role names, its
/// classification levels. The worklist and the link review show the same text.
pub fn in_body_terms(profile: &Profile) -> Result<impl Fn(&str) -> String + '_, AppError> {
    use mamori_domain::classification::ClassificationScheme;
    let roles: Vec<(String, String)> = crate::roles::guideline_role_set()?
        .into_iter()
        .map(|r| (r.key, r.name))
        .collect();
    let terms = ClassificationScheme::from_toml(&profile.classification_scheme)?
        .guideline_terms()
        .clone();
    Ok(move |model_text: &str| profile.in_body_terms(model_text, &roles, &terms))
}

/// The worklist of an edition in the body's own structure: the open clauses in the guideline's
/// order and the decisions taken.
pub fn worklist(edition: &Edition) -> Result<(Vec<GapItem>, Vec<GapDone>), AppError> {
    use mamori_domain::policy::document::GapDecision;
    let catalog = guideline()?;
    let profile = &edition.profile;
    let doc = profile.document.as_ref().ok_or_else(|| {
        AppError::NotFound("本市の文書の構成の版（この版はガイドラインの構成です）".to_owned())
    })?;
    let in_terms = in_body_terms(profile)?;
    let order: Vec<&str> = catalog.clauses.iter().map(|c| c.id.as_str()).collect();
    let unlinked: std::collections::BTreeSet<&str> =
        doc.open_gaps(order.iter().copied()).into_iter().collect();
    // In the guideline's order: the clauses no provision implements, and those one implements
    // only in part (placed after the provision that holds the rest).
    let open = catalog
        .clauses
        .iter()
        .filter_map(|c| {
            let id = c.id.as_str();
            let (partial, after) = match doc.partly_there(id) {
                Some((p, missing)) => (Some(missing.to_owned()), Some(p)),
                None if unlinked.contains(id) => (None, doc.suggested_place(id, &order)),
                None => return None,
            };
            Some(GapItem {
                clause: c.id.to_string(),
                title: c.title.clone(),
                chapter: c.id.chapter_key(),
                recommended: c.recommended,
                text: in_terms(&c.model_text),
                after: after.map(|p| (p.key.clone(), p.caption())),
                partial,
            })
        })
        .collect();
    let done = doc
        .decisions
        .iter()
        .map(|(clause, d)| GapDone {
            clause: clause.clone(),
            title: catalog
                .clause(clause)
                .map(|c| c.title.clone())
                .unwrap_or_default(),
            decision: d.label(),
            detail: match d {
                GapDecision::Added { provision } => doc
                    .provisions
                    .iter()
                    .find(|p| &p.key == provision)
                    .map(|p| format!("{}　{}", p.caption(), p.text))
                    .unwrap_or_default(),
                GapDecision::Elsewhere { place } => place.clone(),
                GapDecision::NotAdopted { reason } => reason.clone(),
            },
        })
        .collect();
    Ok((open, done))
}

/// What the import made.
#[derive(Debug, Clone)]
pub struct OwnImport {
    pub edition: Edition,
    pub provisions: usize,
    /// Provisions linked to at least one guideline clause.
    pub linked: usize,
    /// Guideline clauses some provision implements.
    pub clauses: usize,
}

impl App {
    /// Analyses an own-document draft again (after the analyzer improved, or its text changed):
    /// the analysis's links are replaced; what a person confirmed, set, took off or marked 独自
    /// stays. Audited as `policy.reanalyse_links`.
    pub async fn reanalyse_own_policy(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        number: mamori_domain::policy::EditionNumber,
        meta: &RequestMeta,
    ) -> Result<Edition, AppError> {
        may.body(user)?;
        let view = self.policy_edition(user, number).await?;
        let Some(own) = view.edition.profile.document.clone() else {
            return Err(AppError::Invalid(DomainError::new(
                mamori_domain::policy::document::field::DOCUMENT,
                "この版は本市の文書の構成ではありません",
            )));
        };
        view.edition.ensure_editable()?;
        let catalog = guideline()?;
        let title = view.edition.title.clone();
        let found = tokio::task::spawn_blocking(move || {
            let segments = as_segments(&own);
            let report =
                mamori_gap::Analyzer::new(catalog).analyze(&title, segments.len(), &segments);
            let keys: Vec<String> = own.provisions.iter().map(|p| p.key.clone()).collect();
            links_from(&report, &segments, &keys)
        })
        .await
        .map_err(|e| AppError::Internal(format!("policy reanalysis: {e}")))?;
        self.transition(user, number, "policy.reanalyse_links", meta, |edition| {
            edition.ensure_editable()?;
            match edition.profile.document.as_mut() {
                Some(doc) => {
                    doc.merge_analysis(&found);
                    Ok(())
                }
                None => Err(DomainError::new(
                    mamori_domain::policy::document::field::DOCUMENT,
                    "この版は本市の文書の構成ではありません",
                )),
            }
        })
        .await
    }

    /// Imports an analysed upload as a new draft edition in the body's own structure (see the
    /// module). The draft follows the edition in force (its roles, scheme, periods stay), or is
    /// the body's first. One transaction: the edition's create record, one record of the
    /// import, the upload removed.
    pub async fn import_own_policy(
        &self,
        user: &CurrentUser,
        may: &PolicyEditor,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<OwnImport, AppError> {
        let body = may.body(user)?.clone();
        let (analysis, bytes) = self.gap_analysis_and_upload(user, id).await?;
        let doc = read_document(&analysis.file_name, bytes).await?;
        self.import_own_in(
            &body,
            user.actor(),
            &analysis.file_name,
            &doc,
            &analysis.report,
            Some(id),
            meta,
        )
        .await
    }

    /// `mamori policy import FILE`: the operator at the server's console imports a policy file
    /// for a body, as the screen does, without the upload step.
    pub async fn import_own_policy_as_operator(
        &self,
        body: &Body,
        actor: Actor,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<OwnImport, AppError> {
        check_upload(file_name, &bytes)?;
        let doc = read_document(file_name, bytes).await?;
        let catalog = guideline()?;
        let report = {
            let doc = doc.clone();
            tokio::task::spawn_blocking(move || mamori_gap::analyze(catalog, &doc))
                .await
                .map_err(|e| AppError::Internal(format!("policy import: {e}")))?
        };
        self.import_own_in(
            body,
            actor,
            file_name,
            &doc,
            &report,
            None,
            &RequestMeta::default(),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn import_own_in(
        &self,
        body: &Body,
        actor: Actor,
        file_name: &str,
        doc: &Document,
        report: &Report,
        upload: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<OwnImport, AppError> {
        let catalog = guideline()?;
        let own = own_document(doc, report, file_name);
        if let Some(problem) = own.problems(&CatalogLookup(catalog)).into_iter().next() {
            return Err(AppError::Invalid(DomainError::new(
                FILE,
                format!(
                    "{}: {}（何も変更していません）",
                    problem.field, problem.message
                ),
            )));
        }
        let linked = own
            .provisions
            .iter()
            .filter(|p| !p.links.is_empty())
            .count();
        let clauses = own.linked_clauses().len();
        let provisions = own.provisions.len();

        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        // The upload may have been imported meanwhile.
        if let Some(id) = upload
            && org::pending_import(&mut tx, body.id, id)
                .await?
                .filter(|(k, ..)| k == PENDING_KIND)
                .is_none()
        {
            return Err(AppError::NotFound("分析した文書".to_owned()));
        }
        let mut edition = draft_for_import(&mut tx, body, &doc.title, now).await?;
        // The body's first edition in mamori is the document as it stands: its 第10版 stays
        // 第10版, a revision of the kind its 改定履歴 names last.
        if edition.based_on.is_none()
            && let Some(n) = mamori_domain::policy::document::current_edition(&own.history)
            && let Ok(number) = mamori_domain::policy::EditionNumber::new(n)
        {
            edition.number = number;
            if n > 1 {
                edition.revision_kind = match own.history.last().map(|h| h.kind.as_str()) {
                    Some("全部改正") => mamori_domain::policy::RevisionKind::FullAmendment,
                    _ => mamori_domain::policy::RevisionKind::PartialAmendment,
                };
            }
        }
        self.insert_edition(&mut tx, actor.clone(), &edition, meta)
            .await?;
        let before = edition.clone();
        if !doc.title.trim().is_empty() {
            edition.title = doc.title.trim().chars().take(200).collect();
        }
        edition.profile.document = Some(own);
        policy_store::update_edition(&mut tx, &edition, before.status, now).await?;
        let (before_view, mut after_view) = audit_views(&before, &edition);
        if let Some(view) = after_view.as_object_mut() {
            view.insert(
                "own_import".to_owned(),
                json!({
                    "file_name": file_name,
                    "document_title": doc.title,
                    "provisions": provisions,
                    "linked_provisions": linked,
                    "clauses": clauses,
                }),
            );
        }
        let entry = AuditEntry::new(actor, "policy.import_own", "policy_edition", edition.id)
            .body(body.id)
            .before(&before_view)
            .after(&after_view)
            .request(meta.request_id.clone());
        audit::append(&mut tx, now, entry).await?;
        if let Some(id) = upload {
            org::delete_pending_import(&mut tx, id).await?;
        }
        tx.commit().await?;
        Ok(OwnImport {
            edition,
            provisions,
            linked,
            clauses,
        })
    }
}

/// Reads and cuts a policy file, off the async threads (the readers bound size and time).
async fn read_document(file_name: &str, bytes: Vec<u8>) -> Result<Document, AppError> {
    let name = file_name.to_owned();
    tokio::task::spawn_blocking(move || Document::from_bytes(&bytes, &name))
        .await
        .map_err(|e| AppError::Internal(format!("policy import: {e}")))?
        .map_err(unreadable)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const REIKI: &str = "みほん町情報セキュリティ対策規程\n\
目次\n\
第1章　総則\n\
（目的）\n\
第1条　この規程は、本町が保有する情報資産の機密性、完全性及び可用性を維持するため、本町が実施する情報セキュリティ対策について基本的な事項を定めることを目的とする。\n\
（定義）\n\
第2条　この規程において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。\n\
（1）　ネットワーク　コンピュータ等を相互に接続するための通信網及びその構成機器をいう。\n\
（2）　情報システム　コンピュータ、ネットワーク及び電磁的記録媒体で構成され、情報処理を行う仕組みをいう。\n\
第2章　組織体制\n\
（最高情報セキュリティ責任者）\n\
第3条　副町長を最高情報セキュリティ責任者（CISO）とする。\n\
2　CISOは、本町における全てのネットワーク、情報システム等の情報資産の管理及び情報セキュリティ対策に関する最終決定権限及び責任を有する。\n";

    #[test]
    fn a_reiki_style_policy_keeps_its_numbers_words_and_order() {
        let doc = Document::from_text(REIKI).unwrap();
        let report = mamori_gap::analyze(guideline().unwrap(), &doc);
        let own = own_document(&doc, &report, "kitei.txt");
        let captions: Vec<String> = own.provisions.iter().map(OwnProvision::caption).collect();
        assert!(captions.iter().any(|c| c.contains("第1条")), "{captions:?}");
        let article1 = own.provisions.iter().find(|p| p.number == "第1条").unwrap();
        assert!(
            article1.text.starts_with("この規程は、本町が保有する"),
            "{article1:?}"
        );
        let order: Vec<&str> = own
            .provisions
            .iter()
            .filter(|p| p.number.starts_with('第'))
            .map(|p| p.number.as_str())
            .collect();
        assert_eq!(
            order,
            ["第1章", "第1条", "第2条", "第2章", "第3条"],
            "{captions:?}"
        );
        // Nothing of the guideline is added: every provision's text is the document's.
        for p in &own.provisions {
            if !p.text.is_empty() {
                let first = p.text.lines().next().unwrap();
                assert!(
                    REIKI.replace('　', " ").contains(first.trim()) || REIKI.contains(first.trim()),
                    "{p:?}"
                );
            }
        }
        assert!(own.front_matter.iter().any(|l| l.contains("対策規程")));
        // The purpose article implements the 基本方針's purpose.
        assert!(
            article1.links.iter().any(|l| l.clause.starts_with('B')),
            "{article1:?}"
        );
        assert!(
            own.problems(&crate::policy::CatalogLookup(guideline().unwrap()))
                .is_empty()
        );
    }
}
