//! Reading and verifying the audit trail.

use std::collections::HashMap;

use mamori_domain::audit::{
    AuditAnchor, AuditRecord, ChainBreak, ChainVerifier, blob_hash, blob_refs,
};
use mamori_store::audit;
pub use mamori_store::audit::{AuditFilter, RecordKind};

use crate::access::AuditReader;
use crate::reads::Read;
use crate::{App, AppError, CurrentUser, RequestMeta};

/// One page of the trail, newest first, and the cursor for the next page.
#[derive(Debug)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    pub next_before_seq: Option<i64>,
}

/// The result of walking the whole chain.
#[derive(Debug)]
pub enum Verification {
    Intact { records: u64, head_hash: String },
    Broken(ChainBreak),
}

const VERIFY_BATCH: i64 = 2000;

impl App {
    /// One page of the trail. Reading it is itself recorded, with the filters used.
    pub async fn audit_page(
        &self,
        user: &CurrentUser,
        may: &AuditReader,
        filter: &AuditFilter,
        page_size: i64,
        meta: &RequestMeta,
    ) -> Result<AuditPage, AppError> {
        may.held_by(user)?;
        let mut conn = self.store().conn().await?;
        let page_size = page_size.clamp(1, 500);
        // One extra row tells whether another page exists without counting the whole trail.
        // A body's auditors read their body's trail (and the installation's own records), never
        // another body's; an installation administrator without a body reads all of it.
        let scoped = AuditFilter {
            body: user.body.as_ref().map(|b| b.id),
            ..filter.clone()
        };
        let mut records = audit::list(&mut conn, &scoped, page_size + 1).await?;
        let next_before_seq = if records.len() as i64 > page_size {
            records.truncate(page_size as usize);
            records.last().map(|r| r.seq)
        } else {
            None
        };
        drop(conn);
        let read = Read::audit_trail(described(filter), records.len());
        self.record_read(user, read, meta).await?;
        Ok(AuditPage {
            records,
            next_before_seq,
        })
    }

    /// Walks the chain from the first record, in batches, and compares its end with the head.
    /// Runs without an actor: it changes nothing and is what an operator runs from the console.
    pub async fn verify_audit_trail(&self) -> Result<Verification, AppError> {
        self.verify_audit_trail_against(None).await
    }

    /// [`Self::verify_audit_trail`], and the chain must extend `anchor`: reach its sequence
    /// number with its hash there.
    pub async fn verify_audit_trail_against(
        &self,
        anchor: Option<&AuditAnchor>,
    ) -> Result<Verification, AppError> {
        let mut conn = self.store().conn().await?;
        // One snapshot for the head and every batch: records appended meanwhile are neither in
        // the head read nor in the walk, so a busy server does not look like a cut chain.
        let backend = self.store().backend();
        mamori_store::backup::begin_snapshot(&mut conn, backend).await?;
        let result = verify_in(&mut conn, anchor).await;
        mamori_store::backup::end_snapshot(&mut conn).await?;
        result
    }

    /// The chain's head now, to be written down outside the database.
    pub async fn audit_anchor(&self) -> Result<AuditAnchor, AppError> {
        let mut conn = self.store().conn().await?;
        let (seq, hash) = audit::head(&mut conn).await?;
        Ok(AuditAnchor {
            seq,
            hash,
            at: self.now(),
        })
    }
}

/// [`App::verify_audit_trail_against`] on a connection that holds a snapshot.
async fn verify_in(
    conn: &mut impl mamori_store::Reads,
    anchor: Option<&AuditAnchor>,
) -> Result<Verification, AppError> {
    let (head_seq, head_hash) = audit::head(conn).await?;
    let mut verifier = ChainVerifier::new();
    let mut after = 0;
    loop {
        let batch = audit::batch_after(conn, after, VERIFY_BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        let texts = stored_texts(conn, &batch).await?;
        for record in &batch {
            let checked = verifier
                .push(record)
                .and_then(|()| anchor.map_or(Ok(()), |a| a.check(record)))
                .and_then(|()| texts_intact(record, &texts));
            if let Err(broken) = checked {
                return Ok(Verification::Broken(broken));
            }
        }
    }
    let head = (head_seq > 0).then_some((head_seq, head_hash.as_str()));
    let finished = verifier.finish(head).and_then(|records| {
        anchor.map_or(Ok(()), |a| a.reached(head_seq))?;
        Ok(records)
    });
    match finished {
        Ok(records) => Ok(Verification::Intact { records, head_hash }),
        Err(broken) => Ok(Verification::Broken(broken)),
    }
}

/// The filters of a read of the trail, for its own record: only those given.
fn described(filter: &AuditFilter) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    let mut put = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            out.insert(key.to_owned(), serde_json::Value::String(v));
        }
    };
    put("actor", filter.actor.clone());
    put("target_type", filter.target_type.clone());
    put("target_id", filter.target_id.clone());
    put("action", filter.action.clone());
    put("from", filter.from.map(|t| t.to_rfc3339()));
    put("until", filter.until.map(|t| t.to_rfc3339()));
    put("before_seq", filter.before_seq.map(|s| s.to_string()));
    put(
        "kind",
        filter.kind.map(|k| {
            match k {
                audit::RecordKind::Changes => "changes",
                audit::RecordKind::Reads => "reads",
            }
            .to_owned()
        }),
    );
    serde_json::Value::Object(out)
}

/// The long texts the records of a batch refer to, as stored.
async fn stored_texts(
    conn: &mut impl mamori_store::Reads,
    batch: &[AuditRecord],
) -> Result<HashMap<String, String>, AppError> {
    let mut hashes: Vec<String> = batch.iter().flat_map(references).collect();
    if hashes.is_empty() {
        return Ok(HashMap::new());
    }
    hashes.sort();
    hashes.dedup();
    Ok(audit::blobs(conn, &hashes).await?)
}

fn references(record: &AuditRecord) -> Vec<String> {
    [&record.entry.before, &record.entry.after]
        .into_iter()
        .flatten()
        .flat_map(|state| blob_refs(state))
        .collect()
}

/// Every long text the record refers to is stored and still has its hash. The record's chain
/// hash covers the reference, so this carries the chain over to the text.
fn texts_intact(record: &AuditRecord, texts: &HashMap<String, String>) -> Result<(), ChainBreak> {
    for hash in references(record) {
        if texts.get(&hash).map(|t| blob_hash(t)).as_deref() != Some(hash.as_str()) {
            return Err(ChainBreak::BlobMismatch {
                seq: record.seq,
                hash,
            });
        }
    }
    Ok(())
}
