//! The HTML publication of a policy edition: a standalone, print-ready page. Served under
//! `/policy/{n}/document` with the embedded stylesheet, and exported as one self-contained file
//! (stylesheet inlined) by `mamori policy export --format html`.

use askama::Template;
// `DocBlock` is matched by name in the template.
use mamori_io::policy_document::{DocBlock, PolicyDocument, TocEntry};

#[derive(Template)]
#[template(path = "policy_document.html")]
struct DocumentPage<'a> {
    doc: &'a PolicyDocument,
    toc: Vec<(String, Vec<TocEntry>)>,
    inline_css: Option<&'static str>,
    asset_version: &'static str,
}

/// Renders the document. `standalone` inlines the stylesheet so the file opens anywhere.
pub fn render_policy_document(
    doc: &PolicyDocument,
    standalone: bool,
) -> Result<String, askama::Error> {
    DocumentPage {
        doc,
        toc: doc.toc(2),
        inline_css: standalone.then_some(crate::assets::DOCUMENT_CSS),
        asset_version: crate::view::ASSET_VERSION,
    }
    .render()
}
