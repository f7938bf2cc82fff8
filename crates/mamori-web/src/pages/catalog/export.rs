//! /catalog/export: the catalog as an OSCAL document and as an Excel workbook.

use super::*;

/// `Content-Disposition` for a download: an ASCII name for old clients and the Japanese name in
/// RFC 5987 form (`filename*=UTF-8''…`) for the others.
pub(crate) fn attachment(ascii_name: &str, name: &str) -> HeaderValue {
    let value = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        url_encode(name)
    );
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment"))
}

/// A file made from the catalog: its bytes, type and names.
struct ExportFile {
    bytes: Vec<u8>,
    content_type: &'static str,
    ascii_name: String,
    name: String,
}

/// Sends a file written from the catalog as a download.
fn download(file: Result<ExportFile, mamori_io::ExportError>) -> Result<Response, PageError> {
    match file.map_err(|e| AppError::Internal(e.to_string())) {
        Ok(f) => {
            let mut response = f.bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(f.content_type),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                attachment(&f.ascii_name, &f.name),
            );
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_oscal(
    State(state): State<AppState>,
    _session: Session,
    Guideline(c): Guideline,
) -> Result<Response, PageError> {
    let edition = &c.edition().id;
    let document = mamori_io::oscal::catalog(c.data(), state.app.now());
    let file = mamori_io::oscal::to_json(&document).map(|bytes| ExportFile {
        bytes,
        content_type: "application/json",
        ascii_name: format!("guideline-catalog-{edition}-oscal.json"),
        name: format!("ガイドライン_{edition}_OSCAL.json"),
    });
    download(file)
}

pub async fn export_xlsx(
    _session: Session,
    Guideline(c): Guideline,
) -> Result<Response, PageError> {
    let edition = &c.edition().id;
    let file = mamori_io::xlsx::catalog_workbook(c.data()).map(|bytes| ExportFile {
        bytes,
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ascii_name: format!("guideline-catalog-{edition}.xlsx"),
        name: format!("ガイドライン条項一覧_{edition}.xlsx"),
    });
    download(file)
}
