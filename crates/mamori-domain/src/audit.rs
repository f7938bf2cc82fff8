//! The audit trail's hash chain.
//!
//! Every state change appends one record; each record's hash covers the previous record's hash
//! and the record's own canonical form, so editing, deleting or inserting a row out of band breaks
//! the chain at that row. This module holds the pure part: the canonical form, the hash, and the
//! walk that finds the first broken link. Storage and transactions live in the store.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action prefix of a read: opening or taking away what the policy protects (`read.asset`,
/// `read.export`, `read.audit`, `read.attachment`). Reads share the chain with the changes, so
/// deleting one is detected the same way.
pub const READ_PREFIX: &str = "read.";

/// Who caused a change: an account, or the system itself (start-up, demo loading, migrations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The account id, or `system`.
    pub id: String,
    /// What a reader sees: the login, or e.g. `system:demo`.
    pub label: String,
}

impl Actor {
    pub fn system(purpose: &str) -> Self {
        Self {
            id: "system".to_owned(),
            label: format!("system:{purpose}"),
        }
    }
}

/// A change about to be recorded: everything but its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: Actor,
    pub body_id: Option<String>,
    /// What happened, as `noun.verb`: `account.create`, `auth.login`, `auth.login_failed` …
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// The state before and after, as JSON text (`None` for a creation or a deletion).
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: Option<String>,
}

impl AuditEntry {
    pub fn new(actor: Actor, action: &str, target_type: &str, target_id: impl ToString) -> Self {
        Self {
            actor,
            body_id: None,
            action: action.to_owned(),
            target_type: target_type.to_owned(),
            target_id: target_id.to_string(),
            before: None,
            after: None,
            request_id: None,
        }
    }

    pub fn body(mut self, body_id: impl ToString) -> Self {
        self.body_id = Some(body_id.to_string());
        self
    }

    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_string(value).ok();
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_string(value).ok();
        self
    }

    /// Sets the after-state from JSON text already serialized.
    pub fn after_json(mut self, json: Option<String>) -> Self {
        self.after = json;
        self
    }

    pub fn request(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Whether the record is of a read rather than a change.
    pub fn is_read(&self) -> bool {
        self.action.starts_with(READ_PREFIX)
    }
}

/// A record as stored: the entry plus its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The fixed text form of a time in the chain: RFC 3339, UTC, microseconds. The store keeps the
/// same text, so the hash never depends on how a database prints a timestamp.
pub fn chain_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[derive(Serialize)]
struct Canonical<'a> {
    v: u8,
    seq: i64,
    at: String,
    actor_id: &'a str,
    actor_label: &'a str,
    body_id: Option<&'a str>,
    action: &'a str,
    target_type: &'a str,
    target_id: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
    request_id: Option<&'a str>,
}

/// `SHA-256(prev_hash ‖ canonical record)`, hex. The canonical record is a JSON object with a
/// fixed key order whose `before`/`after` are the stored JSON text itself, so verifying never
/// re-serializes user data.
pub fn chain_hash(prev_hash: &str, seq: i64, at: DateTime<Utc>, entry: &AuditEntry) -> String {
    let canonical = Canonical {
        v: 1,
        seq,
        at: chain_time(at),
        actor_id: &entry.actor.id,
        actor_label: &entry.actor.label,
        body_id: entry.body_id.as_deref(),
        action: &entry.action,
        target_type: &entry.target_type,
        target_id: &entry.target_id,
        before: entry.before.as_deref(),
        after: entry.after.as_deref(),
        request_id: entry.request_id.as_deref(),
    };
    // Serializing a struct of strings and integers cannot fail; an empty fallback would still
    // produce a hash that verification rejects, never a silent pass.
    let text = serde_json::to_string(&canonical).unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(text.as_bytes());
    hex::encode(hasher.finalize())
}

impl AuditRecord {
    /// Seals an entry as the record after `prev` (or the first one).
    pub fn seal(prev: Option<(i64, &str)>, at: DateTime<Utc>, entry: AuditEntry) -> Self {
        let (seq, prev_hash) = match prev {
            Some((seq, hash)) => (seq + 1, hash.to_owned()),
            None => (1, GENESIS_HASH.to_owned()),
        };
        let hash = chain_hash(&prev_hash, seq, at, &entry);
        Self {
            seq,
            at,
            entry,
            prev_hash,
            hash,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Long texts of a recorded state, stored once

/// A string of a recorded state at least this long (in bytes) is stored once, apart from the
/// record, and the record keeps `{"$blob": "<sha256>"}` in its place. An unchanged clause text
/// is then not written again by every later transition of its edition.
pub const BLOB_MIN_BYTES: usize = 1024;

/// The key of a reference to a stored text. No recorded state has a field of this name.
pub const BLOB_KEY: &str = "$blob";

/// The SHA-256 of a stored text, hex: its key.
pub fn blob_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// A recorded state with its long strings taken out: the JSON text to record and the texts to
/// store once, by hash. A text that is not JSON, or holds no long string, is returned as it is.
pub fn compact_state(json: &str) -> (String, Vec<(String, String)>) {
    if json.len() < BLOB_MIN_BYTES {
        return (json.to_owned(), Vec::new());
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(json) else {
        return (json.to_owned(), Vec::new());
    };
    let mut blobs = Vec::new();
    take_long_strings(&mut value, &mut blobs);
    if blobs.is_empty() {
        return (json.to_owned(), blobs);
    }
    (
        serde_json::to_string(&value).unwrap_or_else(|_| json.to_owned()),
        blobs,
    )
}

fn take_long_strings(value: &mut serde_json::Value, blobs: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::String(s) if s.len() >= BLOB_MIN_BYTES => {
            let content = std::mem::take(s);
            let hash = blob_hash(&content);
            *value = serde_json::json!({ BLOB_KEY: hash });
            if !blobs.iter().any(|(h, _)| *h == hash) {
                blobs.push((hash, content));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| take_long_strings(v, blobs)),
        Value::Object(map) => map.values_mut().for_each(|v| take_long_strings(v, blobs)),
        _ => {}
    }
}

/// The hashes of the stored texts a recorded state refers to.
pub fn blob_refs(json: &str) -> Vec<String> {
    if !json.contains(BLOB_KEY) {
        return Vec::new();
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk_refs(&value, &mut |hash| {
        if !out.iter().any(|h| h == hash) {
            out.push(hash.to_owned());
        }
    });
    out
}

/// The recorded state with each reference replaced by its text (`texts` gives the text of a
/// hash; a reference without one is left as it is).
pub fn expand_state(json: &str, texts: &dyn Fn(&str) -> Option<String>) -> String {
    if !json.contains(BLOB_KEY) {
        return json.to_owned();
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_owned();
    };
    put_back(&mut value, texts);
    serde_json::to_string(&value).unwrap_or_else(|_| json.to_owned())
}

fn reference(value: &serde_json::Value) -> Option<&str> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.get(BLOB_KEY)?
        .as_str()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn walk_refs(value: &serde_json::Value, found: &mut dyn FnMut(&str)) {
    if let Some(hash) = reference(value) {
        found(hash);
        return;
    }
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk_refs(v, found)),
        serde_json::Value::Object(map) => map.values().for_each(|v| walk_refs(v, found)),
        _ => {}
    }
}

fn put_back(value: &mut serde_json::Value, texts: &dyn Fn(&str) -> Option<String>) {
    if let Some(text) = reference(value).and_then(texts) {
        *value = serde_json::Value::String(text);
        return;
    }
    match value {
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| put_back(v, texts)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| put_back(v, texts)),
        _ => {}
    }
}

/// Why the chain is broken at a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("記録 {seq}: 通し番号が飛んでいます（{expected} のはず）— 記録の削除または挿入")]
    Gap { seq: i64, expected: i64 },
    #[error("記録 {seq}: 直前の記録のハッシュと一致しません — 記録の削除、挿入または改ざん")]
    PrevMismatch { seq: i64 },
    #[error("記録 {seq}: 内容がハッシュと一致しません — 記録の改ざん")]
    HashMismatch { seq: i64 },
    #[error(
        "記録の末尾が一致しません: 最終記録は {expected_seq} のはずが {found_seq} です — 末尾の記録の削除または追加"
    )]
    HeadMismatch { expected_seq: i64, found_seq: i64 },
    #[error(
        "記録が控え（アンカー）より短くなっています: 控えは {anchor_seq} 件目まで、今の記録は {found_seq} 件目まで — 末尾の記録の削除（巻き戻し）"
    )]
    BehindAnchor { anchor_seq: i64, found_seq: i64 },
    #[error(
        "記録 {seq}: 控え（アンカー）のハッシュと一致しません — 控えを取った後に記録が作り直されました"
    )]
    AnchorMismatch { seq: i64 },
    #[error(
        "記録 {seq}: 別に保存した長い文（{hash}）がないか、ハッシュと一致しません — 保存した文の削除または改ざん"
    )]
    BlobMismatch { seq: i64, hash: String },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            Self::Gap { seq, .. } | Self::PrevMismatch { seq } | Self::HashMismatch { seq } => *seq,
            Self::HeadMismatch { found_seq, .. } | Self::BehindAnchor { found_seq, .. } => {
                *found_seq
            }
            Self::AnchorMismatch { seq } | Self::BlobMismatch { seq, .. } => *seq,
        }
    }
}

/// The head of the chain written down outside the database (a file next to the backups, a 決裁
/// record): a later chain must extend it. A trail cut short and its head rewound still verifies
/// on its own; against an anchor it does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
}

impl AuditAnchor {
    /// Largest anchor file read: it holds three short values.
    pub const MAX_BYTES: usize = 4096;

    /// An anchor file's text (JSON as [`AuditAnchor::to_text`] writes it).
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() > Self::MAX_BYTES {
            return Err(format!(
                "控え（アンカー）のファイルが大きすぎます（上限 {} バイト）",
                Self::MAX_BYTES
            ));
        }
        let anchor: Self = serde_json::from_str(text)
            .map_err(|e| format!("控え（アンカー）のファイルを読めません: {e}"))?;
        let hex = anchor.hash.len() == 64 && anchor.hash.bytes().all(|b| b.is_ascii_hexdigit());
        if anchor.seq < 0 || !hex {
            return Err("控え（アンカー）の通し番号またはハッシュが正しくありません".to_owned());
        }
        Ok(anchor)
    }

    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Checks a record against the anchor as the chain is walked.
    pub fn check(&self, record: &AuditRecord) -> Result<(), ChainBreak> {
        if record.seq == self.seq && record.hash != self.hash {
            return Err(ChainBreak::AnchorMismatch { seq: record.seq });
        }
        Ok(())
    }

    /// After the walk: the chain reached the anchor.
    pub fn reached(&self, last_seq: i64) -> Result<(), ChainBreak> {
        if last_seq < self.seq {
            return Err(ChainBreak::BehindAnchor {
                anchor_seq: self.seq,
                found_seq: last_seq,
            });
        }
        Ok(())
    }
}

/// Walks records in `seq` order, one at a time, so a chain of millions of rows is verified in
/// constant memory.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    last: Option<(i64, String)>,
    count: u64,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        let (expected_seq, expected_prev) = match &self.last {
            Some((seq, hash)) => (seq + 1, hash.as_str()),
            None => (1, GENESIS_HASH),
        };
        if record.seq != expected_seq {
            return Err(ChainBreak::Gap {
                seq: record.seq,
                expected: expected_seq,
            });
        }
        if record.prev_hash != expected_prev {
            return Err(ChainBreak::PrevMismatch { seq: record.seq });
        }
        if chain_hash(&record.prev_hash, record.seq, record.at, &record.entry) != record.hash {
            return Err(ChainBreak::HashMismatch { seq: record.seq });
        }
        self.last = Some((record.seq, record.hash.clone()));
        self.count += 1;
        Ok(())
    }

    /// Compares the end of the walk with the chain head the store keeps, which catches a deleted
    /// or appended last record.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let found = self.last.as_ref().map(|(s, h)| (*s, h.as_str()));
        match (found, head) {
            (None, None) => Ok(self.count),
            (Some((fs, fh)), Some((hs, hh))) if fs == hs && fh == hh => Ok(self.count),
            (found, head) => Err(ChainBreak::HeadMismatch {
                expected_seq: head.map_or(0, |(s, _)| s),
                found_seq: found.map_or(0, |(s, _)| s),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let at = Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, i as u32).unwrap();
            let entry = AuditEntry::new(Actor::system("test"), "thing.create", "thing", i)
                .after(&serde_json::json!({"名前": format!("第{i}号")}));
            let prev = out.last().map(|r| (r.seq, r.hash.as_str()));
            let rec = AuditRecord::seal(prev, at, entry);
            out.push(rec);
        }
        out
    }

    #[test]
    fn a_long_text_is_taken_out_once_and_put_back_unchanged() {
        let clause = "第五条 情報資産の取扱い。".repeat(200);
        let state = serde_json::json!({
            "status": "draft",
            "clauses": [{"id": "L-1", "text": clause}, {"id": "L-2", "text": clause}],
            "title": "短い文",
        })
        .to_string();
        let (compact, blobs) = compact_state(&state);
        // One text, stored once, though it appears twice.
        assert_eq!(blobs.len(), 1);
        assert_eq!(blobs[0].1, clause);
        assert_eq!(blobs[0].0, blob_hash(&clause));
        assert!(compact.len() < 300, "{compact}");
        assert!(compact.contains("短い文"));
        assert_eq!(blob_refs(&compact), [blobs[0].0.clone()]);
        let back = expand_state(&compact, &|h| {
            blobs.iter().find(|(k, _)| k == h).map(|(_, t)| t.clone())
        });
        let a: serde_json::Value = serde_json::from_str(&back).unwrap();
        let b: serde_json::Value = serde_json::from_str(&state).unwrap();
        assert_eq!(a, b);
        // The next transition's state shares the text: the same reference.
        let next = state.replace("\"draft\"", "\"submitted\"");
        let (_, again) = compact_state(&next);
        assert_eq!(again[0].0, blobs[0].0);
    }

    #[test]
    fn a_short_state_or_text_that_is_not_json_is_recorded_as_it_is() {
        let short = r#"{"name":"市民課"}"#;
        assert_eq!(compact_state(short), (short.to_owned(), Vec::new()));
        let not_json = "x".repeat(BLOB_MIN_BYTES * 2);
        assert_eq!(compact_state(&not_json), (not_json.clone(), Vec::new()));
        assert!(blob_refs(short).is_empty());
        // An object that merely looks like a reference but holds no hash is not one.
        assert!(blob_refs(r#"{"$blob":"not-a-hash"}"#).is_empty());
    }

    fn verify(records: &[AuditRecord], head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::new();
        for r in records {
            v.push(r)?;
        }
        v.finish(head)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        let head = c.last().map(|r| (r.seq, r.hash.as_str()));
        assert_eq!(verify(&c, head).unwrap(), 5);
    }

    #[test]
    fn an_edited_record_is_named() {
        let mut c = chain(5);
        c[2].entry.after = Some(r#"{"名前":"改ざん"}"#.to_owned());
        let head = (c[4].seq, c[4].hash.clone());
        let err = verify(&c, Some((head.0, &head.1))).unwrap_err();
        assert_eq!(err, ChainBreak::HashMismatch { seq: 3 });
    }

    #[test]
    fn a_deleted_record_is_named() {
        let mut c = chain(5);
        c.remove(1);
        let head = (c[3].seq, c[3].hash.clone());
        let err = verify(&c, Some((head.0, &head.1))).unwrap_err();
        assert_eq!(
            err,
            ChainBreak::Gap {
                seq: 3,
                expected: 2
            }
        );
    }

    #[test]
    fn a_deleted_last_record_is_caught_by_the_head() {
        let mut c = chain(5);
        let head = (c[4].seq, c[4].hash.clone());
        c.pop();
        let err = verify(&c, Some((head.0, &head.1))).unwrap_err();
        assert_eq!(
            err,
            ChainBreak::HeadMismatch {
                expected_seq: 5,
                found_seq: 4
            }
        );
    }

    #[test]
    fn a_record_inserted_with_a_recomputed_hash_still_breaks_the_next_link() {
        let c = chain(4);
        // An intruder renumbers and rehashes a forged record 3, but cannot rehash record 4
        // without rewriting the rest of the chain and the head.
        let forged_entry = AuditEntry::new(Actor::system("forged"), "thing.create", "thing", 99);
        let forged = AuditRecord::seal(Some((c[1].seq, &c[1].hash)), c[2].at, forged_entry);
        let tampered = vec![c[0].clone(), c[1].clone(), forged, c[3].clone()];
        let head = (c[3].seq, c[3].hash.clone());
        let err = verify(&tampered, Some((head.0, &head.1))).unwrap_err();
        assert_eq!(err, ChainBreak::PrevMismatch { seq: 4 });
    }

    #[test]
    fn the_hash_covers_every_field() {
        let base = chain(1).remove(0);
        let mut variants = Vec::new();
        let mut e = base.entry.clone();
        e.actor.label = "someone".into();
        variants.push(e);
        let mut e = base.entry.clone();
        e.body_id = Some("b".into());
        variants.push(e);
        let mut e = base.entry.clone();
        e.request_id = Some("r".into());
        variants.push(e);
        let mut e = base.entry.clone();
        e.target_id = "x".into();
        variants.push(e);
        for e in variants {
            assert_ne!(chain_hash(GENESIS_HASH, 1, base.at, &e), base.hash);
        }
        assert_ne!(chain_hash(GENESIS_HASH, 2, base.at, &base.entry), base.hash);
    }
}
