//! Reading and verifying the audit trail.

use mamori_domain::audit::{AuditAnchor, AuditRecord, ChainBreak, ChainVerifier};
use mamori_store::audit;
pub use mamori_store::audit::AuditFilter;

use crate::access::AuditReader;
use crate::{App, AppError};

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
    pub async fn audit_page(
        &self,
        _may: &AuditReader,
        filter: &AuditFilter,
        page_size: i64,
    ) -> Result<AuditPage, AppError> {
        let mut conn = self.store().conn().await?;
        let page_size = page_size.clamp(1, 500);
        // One extra row tells whether another page exists without counting the whole trail.
        let mut records = audit::list(&mut conn, filter, page_size + 1).await?;
        let next_before_seq = if records.len() as i64 > page_size {
            records.truncate(page_size as usize);
            records.last().map(|r| r.seq)
        } else {
            None
        };
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
        let (head_seq, head_hash) = audit::head(&mut conn).await?;
        let mut verifier = ChainVerifier::new();
        let mut after = 0;
        loop {
            let batch = audit::batch_after(&mut conn, after, VERIFY_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for record in &batch {
                let checked = verifier
                    .push(record)
                    .and_then(|()| anchor.map_or(Ok(()), |a| a.check(record)));
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
