//! /policy/{number}/document: an edition as a published document, in HTML, Word or PDF.

use super::*;

/// The document of an edition the user may see.
async fn build_document(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
) -> Result<mamori_io::policy_document::PolicyDocument, AppError> {
    let (n, body, _view, include_drafts) = visible_edition(state, user, number).await?;
    let (edition, history) = state
        .app
        .policy_for_publication(body, Some(n), include_drafts)
        .await?;
    Ok(mamori_io::policy_document::build(
        &edition,
        &history,
        guideline()?,
    )?)
}

/// The edition as a published document (HTML, print-ready).
pub async fn document(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let doc = build_document(&state, &session.user, &number).await?;
    as_html(&doc, false)
}

/// The edition as a Word document.
pub async fn document_docx(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let doc = build_document(&state, &session.user, &number).await?;
    match mamori_io::docx::policy_docx(&doc) {
        Ok(bytes) => Ok(download(
            &doc,
            bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        )),
        Err(e) => Err(PageError::from(AppError::Internal(e.to_string()))),
    }
}

/// The edition as PDF.
pub async fn document_pdf(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let doc = build_document(&state, &session.user, &number).await?;
    as_pdf(doc).await
}

fn as_html(
    doc: &mamori_io::policy_document::PolicyDocument,
    standalone: bool,
) -> Result<Response, PageError> {
    match crate::document::render_policy_document(doc, standalone) {
        Ok(html) => Ok(axum::response::Html(html).into_response()),
        Err(e) => Err(PageError::from(AppError::Internal(format!(
            "document template: {e}"
        )))),
    }
}

async fn as_pdf(doc: mamori_io::policy_document::PolicyDocument) -> Result<Response, PageError> {
    let bytes = {
        let doc = doc.clone();
        crate::pages::typeset_pdf(move || mamori_pdf::policy_pdf(&doc)).await?
    };
    Ok(download(&doc, bytes, "application/pdf", "pdf"))
}

/// A document file as a download named after the policy and its edition.
fn download(
    doc: &mamori_io::policy_document::PolicyDocument,
    bytes: Vec<u8>,
    content_type: &'static str,
    extension: &str,
) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    let number = doc
        .edition_label
        .trim_start_matches('第')
        .trim_end_matches('版')
        .to_owned();
    headers.insert(
        axum::http::header::CONTENT_DISPOSITION,
        crate::pages::catalog::attachment(
            &format!("policy-edition-{number}.{extension}"),
            &format!("{}_{}.{extension}", doc.title, doc.edition_caption()),
        ),
    );
    response
}

/// The 基本方針 alone — the public part — as one HTML file for the body's website (its style
/// inside, nothing fetched from this server).
pub async fn basic_policy(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let doc = public_part(&state, &session.user, &number).await?;
    as_html(&doc, true)
}

/// The 基本方針 alone as PDF.
pub async fn basic_policy_pdf(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let doc = public_part(&state, &session.user, &number).await?;
    as_pdf(doc).await
}

async fn public_part(
    state: &AppState,
    user: &CurrentUser,
    number: &str,
) -> Result<mamori_io::policy_document::PolicyDocument, AppError> {
    build_document(state, user, number)
        .await?
        .public_only()
        .ok_or_else(|| AppError::NotFound("この版の基本方針（公開する部分）".to_owned()))
}
