//! The guideline catalog as an OSCAL 1.1 catalog in JSON.
//!
//! Shape: `catalog` → `groups` for 基本方針 and 対策基準 → `groups` per chapter → `groups` per
//! section (where the chapter has sections) → `controls`, one per leaf clause, at the deepest
//! heading above it. A control carries the 例文 with its lead-ins as the `statement` part and its
//! own 解説 as the `guidance` part; chapter and section 解説 go on their group, once.
//!
//! OSCAL ids are tokens (`^[_a-zA-Z][\w\-.]*$`, kept to ASCII here so every tool accepts them), so
//! a clause id such as `S-2.(2)⑧(イ)` becomes `s-2_2_c8_i`; the original id is kept in the
//! `label` property. Properties mamori defines (推奨, roles and marks, artifact kinds) are in the
//! [`NAMESPACE`] namespace.

use chrono::{DateTime, SecondsFormat, Utc};
use mamori_catalog::id::Marker;
use mamori_catalog::{Catalog, Clause, ClauseId, Section, SectionLevel};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::catalog_text::{clause_commentary, commentary_text};

/// The OSCAL version the export follows.
pub const OSCAL_VERSION: &str = "1.1.2";
/// Namespace of the properties mamori defines.
pub const NAMESPACE: &str = "urn:mamori:oscal";

/// The whole document: `{"catalog": …}`.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub catalog: OscalCatalog,
}

#[derive(Debug, Clone, Serialize)]
pub struct OscalCatalog {
    pub uuid: String,
    pub metadata: Metadata,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    pub title: String,
    pub published: String,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: String,
    pub props: Vec<Prop>,
    pub roles: Vec<Role>,
    pub remarks: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Prop {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

impl Prop {
    fn core(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            ns: None,
            value: value.into(),
            class: None,
            remarks: None,
        }
    }

    fn mamori(name: &str, value: impl Into<String>) -> Self {
        Self {
            ns: Some(NAMESPACE.to_owned()),
            ..Self::core(name, value)
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub id: String,
    pub name: String,
    pub prose: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: String,
    pub class: String,
    pub title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub id: String,
    pub class: String,
    pub title: String,
    pub props: Vec<Prop>,
    pub parts: Vec<Part>,
}

/// Romanised katakana item markers (ア, イ, …): ids must be ASCII tokens.
fn kana_token(k: char) -> String {
    const TABLE: &[(char, &str)] = &[
        ('ア', "a"),
        ('イ', "i"),
        ('ウ', "u"),
        ('エ', "e"),
        ('オ', "o"),
        ('カ', "ka"),
        ('キ', "ki"),
        ('ク', "ku"),
        ('ケ', "ke"),
        ('コ', "ko"),
        ('サ', "sa"),
        ('シ', "shi"),
        ('ス', "su"),
        ('セ', "se"),
        ('ソ', "so"),
        ('タ', "ta"),
        ('チ', "chi"),
        ('ツ', "tsu"),
        ('テ', "te"),
        ('ト', "to"),
    ];
    TABLE
        .iter()
        .find(|(c, _)| *c == k)
        .map_or_else(|| format!("u{:x}", k as u32), |(_, t)| (*t).to_owned())
}

/// The OSCAL token of a clause id: `S-2.(2)⑧(イ)` → `s-2_2_c8_i`, `S-7.1.①` → `s-7.1_c1`,
/// `S-8.2.(1)柱書` → `s-8.2_1_lead`. Each marker kind has its own shape (digits, `c` + digits,
/// letters, `lead`), so two ids never share a token.
pub fn control_id(id: &ClauseId) -> String {
    let mut out = format!(
        "{}-{}",
        id.part().letter().to_ascii_lowercase(),
        id.chapter()
    );
    if let Some(s) = id.section() {
        out.push_str(&format!(".{s}"));
    }
    for m in id.markers() {
        out.push('_');
        match m {
            Marker::Paren(n) => out.push_str(&n.to_string()),
            Marker::Circled(n) => out.push_str(&format!("c{n}")),
            Marker::Kana(k) => out.push_str(&kana_token(*k)),
            Marker::LeadIn => out.push_str("lead"),
        }
    }
    out
}

/// The OSCAL token of a heading id: `S` → `standards`, `S-4.1` → `s-4.1`.
pub fn group_id(id: &str) -> String {
    match id {
        "B" => "basic-policy".to_owned(),
        "S" => "standards".to_owned(),
        other => other.to_ascii_lowercase(),
    }
}

/// A stable UUID for the catalog of one edition: OSCAL wants the same subject to keep its uuid
/// across re-exports, so it is derived from the edition rather than drawn at random.
fn catalog_uuid(edition_id: &str) -> String {
    let digest = Sha256::digest(format!("mamori guideline catalog {edition_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The deepest part/chapter/section heading above a clause: the group its control goes in.
fn home_group<'a>(catalog: &'a Catalog, clause: &'a Clause) -> Option<&'a str> {
    clause
        .path
        .iter()
        .rev()
        .find(|p| {
            catalog
                .section(&p.id)
                .is_some_and(|s| s.level != SectionLevel::Item)
        })
        .map(|p| p.id.as_str())
}

fn control(catalog: &Catalog, clause: &Clause) -> Control {
    let id = control_id(&clause.id);
    let mut props = vec![
        Prop::core("label", clause.id.as_str()),
        Prop::core("sort-id", format!("{:04}", clause.order)),
        Prop::mamori("recommended", clause.recommended.to_string()),
    ];
    for a in &clause.artifacts {
        props.push(Prop {
            remarks: (!a.detail.is_empty()).then(|| a.detail.clone()),
            ..Prop::mamori("artifact", a.kind.key())
        });
    }
    for r in &clause.roles {
        props.push(Prop {
            class: Some(r.mark.key().to_owned()),
            remarks: r.reconstructed.then(|| "例文から再構成".to_owned()),
            ..Prop::mamori("role", r.role.key())
        });
    }
    if clause.matrix_reconstructed {
        props.push(Prop::mamori("matrix-reconstructed", "true"));
    }
    let mut parts = vec![Part {
        id: format!("{id}_smt"),
        name: "statement".to_owned(),
        prose: clause.full_text(),
    }];
    let guidance = clause_commentary(catalog, clause);
    if !guidance.is_empty() {
        parts.push(Part {
            id: format!("{id}_gdn"),
            name: "guidance".to_owned(),
            prose: guidance,
        });
    }
    Control {
        id,
        class: "clause".to_owned(),
        title: clause.title.clone(),
        props,
        parts,
    }
}

fn group(catalog: &Catalog, section: &Section) -> Group {
    let id = group_id(&section.id);
    let children = catalog.sections.iter().filter(|s| match section.level {
        SectionLevel::Part => s.level == SectionLevel::Chapter && s.part == section.part,
        SectionLevel::Chapter => {
            s.level == SectionLevel::Section && s.id.starts_with(&format!("{}.", section.id))
        }
        SectionLevel::Section | SectionLevel::Item => false,
    });
    let mut parts = Vec::new();
    if let Some(c) = &section.commentary {
        let prose = commentary_text(c);
        if !prose.is_empty() {
            parts.push(Part {
                id: format!("{id}_gdn"),
                name: "guidance".to_owned(),
                prose,
            });
        }
    }
    Group {
        class: match section.level {
            SectionLevel::Part => "part",
            SectionLevel::Chapter => "chapter",
            SectionLevel::Section | SectionLevel::Item => "section",
        }
        .to_owned(),
        title: section.title.clone().unwrap_or_else(|| section.id.clone()),
        props: vec![Prop::core("label", section.id.as_str())],
        parts,
        groups: children.map(|s| group(catalog, s)).collect(),
        controls: catalog
            .clauses
            .iter()
            .filter(|c| home_group(catalog, c) == Some(section.id.as_str()))
            .map(|c| control(catalog, c))
            .collect(),
        id,
    }
}

/// The OSCAL catalog of the guideline, stamped `last-modified` at `now`.
pub fn catalog(catalog: &Catalog, now: DateTime<Utc>) -> Document {
    let e = &catalog.edition;
    let mut props = vec![Prop::mamori("edition", e.id.as_str())];
    props.extend(
        catalog
            .revisions
            .iter()
            .map(|r| Prop::mamori("revision-set", r.id.as_str())),
    );
    Document {
        catalog: OscalCatalog {
            uuid: catalog_uuid(&e.id),
            metadata: Metadata {
                title: format!("{}（{}版）", e.title, e.published),
                published: format!("{}-01T00:00:00+09:00", e.published_iso),
                last_modified: now.to_rfc3339_opts(SecondsFormat::Secs, true),
                version: e.id.clone(),
                oscal_version: OSCAL_VERSION.to_owned(),
                props,
                roles: catalog
                    .roles
                    .iter()
                    .map(|r| Role {
                        id: r.key.key().to_owned(),
                        title: r.name.clone(),
                    })
                    .collect(),
                remarks: format!(
                    "{}「{}」の基本方針・対策基準（例文）と解説。mamori が書き出したもの。",
                    e.issuer, e.title
                ),
            },
            groups: catalog
                .sections
                .iter()
                .filter(|s| s.level == SectionLevel::Part)
                .map(|s| group(catalog, s))
                .collect(),
        },
    }
}

/// The document as pretty-printed JSON bytes.
pub fn to_json(document: &Document) -> Result<Vec<u8>, crate::ExportError> {
    let mut bytes = serde_json::to_vec_pretty(document)?;
    bytes.push(b'\n');
    Ok(bytes)
}
