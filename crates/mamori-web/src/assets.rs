//! Static assets, embedded in the binary: LGWAN-side networks have no internet, so nothing is
//! ever loaded from elsewhere.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "mamori.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/mamori.css"),
    },
    Asset {
        path: "document.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/document.css"),
    },
    Asset {
        path: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/htmx-2.0.11.min.js"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../assets/favicon.svg"),
    },
    Asset {
        path: "htmx-LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../assets/htmx-LICENSE.txt"),
    },
];

pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    // URLs carry the release version, so a day of caching is safe and spares LGWAN bandwidth.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

/// The stylesheet of published documents, for exports that must stand alone.
pub const DOCUMENT_CSS: &str = include_str!("../assets/document.css");
