//! The fields of an application as typed and as shown: assets by 管理番号, people by 職員番号,
//! each checked to be the body's.

use super::*;

pub(super) fn field_values(kind: &ApplicationKind, app: &Application) -> Vec<(String, String)> {
    kind.fields
        .iter()
        .map(|f| {
            (
                f.label.clone(),
                app.fields
                    .get(&f.key)
                    .map(FieldValue::display)
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// The kind's fields read from the text of a form. Assets are named by 管理番号 (or id) and
/// people by 職員番号 (or id); each must be the body's.
pub(crate) async fn parse_fields(
    conn: &mut impl Reads,
    body: BodyId,
    kind: &ApplicationKind,
    raw: &BTreeMap<String, String>,
) -> Result<FieldValues, AppError> {
    let mut fields = FieldValues::new();
    for def in &kind.fields {
        let text = raw.get(&def.key).map(String::as_str).unwrap_or("");
        let text = match def.kind {
            approval::FieldKind::Assets => asset_ids_of(conn, body, &def.label, text).await?,
            approval::FieldKind::People => person_ids_of(conn, body, &def.label, text).await?,
            _ => text.to_owned(),
        };
        if let Some(v) = def.parse(&text)? {
            fields.insert(def.key.clone(), v);
        }
    }
    Ok(fields)
}

fn not_found_in(label: &str, missing: &[&str], what: &str) -> AppError {
    AppError::Invalid(mamori_domain::DomainError::new(
        label,
        format!("「{}」という{what}はありません", missing.join("」「")),
    ))
}

/// The ids of the assets named in `text` by 管理番号 or id, as a list the field parses.
async fn asset_ids_of(
    conn: &mut impl Reads,
    body: BodyId,
    label: &str,
    text: &str,
) -> Result<String, AppError> {
    let tokens: Vec<&str> = approval::split_list(text).collect();
    if tokens.is_empty() {
        return Ok(String::new());
    }
    let numbers: Vec<String> = tokens.iter().map(|t| (*t).to_owned()).collect();
    let by_number = asset_store::ids_by_number(conn, body, &numbers).await?;
    let ids: Vec<mamori_domain::ids::AssetId> =
        tokens.iter().filter_map(|t| t.parse().ok()).collect();
    let by_id = asset_store::numbers_of(conn, body, &ids).await?;
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for t in &tokens {
        if let Some((id, _)) = by_number.iter().find(|(_, n)| n == t) {
            out.push(id.to_string());
        } else if let Some((id, _)) = by_id.iter().find(|(id, _)| id.to_string() == *t) {
            out.push(id.to_string());
        } else {
            missing.push(*t);
        }
    }
    if missing.is_empty() {
        Ok(out.join(","))
    } else {
        Err(not_found_in(label, &missing, "管理番号の情報資産"))
    }
}

/// The ids of the people named in `text` by 職員番号 or id, as a list the field parses.
async fn person_ids_of(
    conn: &mut impl Reads,
    body: BodyId,
    label: &str,
    text: &str,
) -> Result<String, AppError> {
    let tokens: Vec<&str> = approval::split_list(text).collect();
    if tokens.is_empty() {
        return Ok(String::new());
    }
    let people = org::all_people(conn, body).await?;
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for t in &tokens {
        match people
            .iter()
            .find(|p| p.staff_number == *t || p.id.to_string() == *t)
        {
            Some(p) => out.push(p.id.to_string()),
            None => missing.push(*t),
        }
    }
    if missing.is_empty() {
        Ok(out.join(","))
    } else {
        Err(not_found_in(label, &missing, "職員番号の職員"))
    }
}

/// The values of `app` as the form shows them: assets by 管理番号, people by 職員番号.
pub(super) async fn form_values(
    conn: &mut impl Reads,
    body: BodyId,
    app: &Application,
) -> Result<BTreeMap<String, String>, AppError> {
    let mut out = BTreeMap::new();
    for (key, value) in &app.fields {
        let text = match value {
            FieldValue::Assets(ids) => asset_store::numbers_of(conn, body, ids)
                .await?
                .into_iter()
                .map(|(_, n)| n)
                .collect::<Vec<_>>()
                .join("、"),
            FieldValue::People(ids) => {
                let mut numbers = Vec::new();
                for id in ids {
                    if let Some(p) = org::find_person(conn, body, *id).await? {
                        numbers.push(p.staff_number);
                    }
                }
                numbers.join("、")
            }
            other => attachments::typed_references(other).unwrap_or_else(|| other.display()),
        };
        out.insert(key.clone(), text);
    }
    Ok(out)
}
