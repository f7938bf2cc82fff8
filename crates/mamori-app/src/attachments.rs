//! 添付資料: files given with an application in its attachment fields. The field keeps
//! `file:<id>` beside any typed references (a document's name and where it is kept); the bytes
//! are stored with the application, in the transaction that files or corrects it, and each file
//! leaves an audit record with its name, size and SHA-256.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use mamori_domain::DomainError;
use mamori_domain::approval::{self, ApplicationKind, FieldKind, FieldValue};
use mamori_domain::audit::{Actor, AuditEntry};
use mamori_domain::ids::{ApplicationFileId, ApplicationId, BodyId, PersonId};
use mamori_store::approvals::{self as store, ApplicationFile};
use mamori_store::{WriteTx, audit};
use sha2::{Digest, Sha256};

use crate::{AppError, RequestMeta};

/// The largest file one attachment may be.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// How a field's value names an attached file.
const FILE_PREFIX: &str = "file:";

/// A file as a form sent it: the attachment field it was given in, its name and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub field: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

/// Files checked and ready to be saved with their application.
#[derive(Debug, Default)]
pub(crate) struct Staged {
    files: Vec<(ApplicationFile, Vec<u8>)>,
}

/// The MIME type people's software expects for the usual office files.
fn content_type_of(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv",
        _ => "application/octet-stream",
    }
}

/// The file's own name, without the folders some browsers send.
fn base_name(raw: &str) -> String {
    mamori_domain::text::cleaned_name(raw.rsplit(['/', '\\']).next().unwrap_or(raw), 200)
}

/// The ids of the files a field's value names.
pub(crate) fn file_ids(value: &FieldValue) -> Vec<ApplicationFileId> {
    match value {
        FieldValue::Attachment(refs) => refs
            .iter()
            .filter_map(|r| r.strip_prefix(FILE_PREFIX))
            .filter_map(|id| id.parse().ok())
            .collect(),
        _ => Vec::new(),
    }
}

/// A field's typed references without its files: what the correction form shows.
pub(crate) fn typed_references(value: &FieldValue) -> Option<String> {
    match value {
        FieldValue::Attachment(refs) => Some(
            refs.iter()
                .filter(|r| !r.starts_with(FILE_PREFIX))
                .cloned()
                .collect::<Vec<_>>()
                .join("、"),
        ),
        _ => None,
    }
}

/// An attachment field as people read it: typed references and the names of the files.
pub(crate) fn display(value: &FieldValue, files: &[ApplicationFile]) -> Option<String> {
    let FieldValue::Attachment(refs) = value else {
        return None;
    };
    Some(
        refs.iter()
            .map(|r| match r.strip_prefix(FILE_PREFIX) {
                Some(id) => files
                    .iter()
                    .find(|f| f.id.to_string() == id)
                    .map_or_else(|| r.clone(), |f| f.file_name.clone()),
                None => r.clone(),
            })
            .collect::<Vec<_>>()
            .join("、"),
    )
}

/// An uploaded file once checked: its cleaned name, type, size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedFile {
    pub name: String,
    pub content_type: &'static str,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Checks an uploaded file for the field labelled `label`: it has a name, is not empty and is
/// within [`MAX_ATTACHMENT_BYTES`].
pub(crate) fn check_file(
    label: &str,
    raw_name: &str,
    content: &[u8],
) -> Result<CheckedFile, AppError> {
    let name = base_name(raw_name);
    let refuse = |message: String| Err(AppError::Invalid(DomainError::new(label, message)));
    if name.is_empty() {
        return refuse("ファイル名のないファイルは添付できません".to_owned());
    }
    if content.is_empty() {
        return refuse(format!("ファイル「{name}」は空です"));
    }
    if content.len() > MAX_ATTACHMENT_BYTES {
        return refuse(format!(
            "ファイル「{name}」は{}MBを超えています（{:.1}MB）",
            MAX_ATTACHMENT_BYTES / (1024 * 1024),
            content.len() as f64 / (1024.0 * 1024.0)
        ));
    }
    Ok(CheckedFile {
        content_type: content_type_of(&name),
        size_bytes: i64::try_from(content.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(content)),
        name,
    })
}

/// Checks the uploads against the kind's attachment fields and adds `file:<id>` of each to the
/// text of its field; `kept` are files the application already has, by field, which stay.
pub(crate) fn stage(
    kind: &ApplicationKind,
    raw: &BTreeMap<String, String>,
    uploads: &[Upload],
    kept: &BTreeMap<String, Vec<ApplicationFileId>>,
    application: ApplicationId,
    by: PersonId,
    now: DateTime<Utc>,
) -> Result<(BTreeMap<String, String>, Staged), AppError> {
    let mut raw = raw.clone();
    let mut staged = Staged::default();
    let add = |raw: &mut BTreeMap<String, String>, key: &str, id: ApplicationFileId| {
        let text = raw.entry(key.to_owned()).or_default();
        if !text.trim().is_empty() {
            text.push(',');
        }
        text.push_str(&format!("{FILE_PREFIX}{id}"));
    };
    for (key, ids) in kept {
        for id in ids {
            add(&mut raw, key, *id);
        }
    }
    for u in uploads {
        if u.file_name.trim().is_empty() && u.content.is_empty() {
            continue;
        }
        let def = kind
            .fields
            .iter()
            .find(|f| f.key == u.field && matches!(f.kind, FieldKind::Attachment))
            .ok_or_else(|| {
                AppError::Invalid(DomainError::new(
                    approval::field::FIELDS,
                    format!("「{}」はファイルを添付できる項目ではありません", u.field),
                ))
            })?;
        let file = check_file(&def.label, &u.file_name, &u.content)?;
        let id = ApplicationFileId::new();
        add(&mut raw, &def.key, id);
        staged.files.push((
            ApplicationFile {
                id,
                application_id: application,
                field_key: def.key.clone(),
                content_type: file.content_type.to_owned(),
                file_name: file.name,
                size_bytes: file.size_bytes,
                sha256: file.sha256,
                uploaded_by: by,
                uploaded_at: now,
            },
            u.content.clone(),
        ));
    }
    Ok((raw, staged))
}

impl Staged {
    /// Saves the files once their application is written, each with its audit record.
    pub(crate) async fn save(
        self,
        tx: &mut WriteTx,
        body: BodyId,
        actor: &Actor,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        for (file, content) in self.files {
            store::insert_file(&mut *tx, body, &file, &content).await?;
            let entry = AuditEntry::new(
                actor.clone(),
                "application.attach_file",
                "application",
                file.application_id,
            )
            .body(body)
            .after(&serde_json::json!({
                "file": file.id.to_string(),
                "field": file.field_key,
                "name": file.file_name,
                "size": file.size_bytes,
                "sha256": file.sha256,
            }))
            .request(meta.request_id.clone());
            audit::append(tx, now, entry).await?;
        }
        Ok(())
    }
}
