//! What the screens with forms share: a refused input shown next to its field (422), the page
//! or its htmx part, form fields read into a struct, and the redirect after a change.

use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_domain::DomainError;
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;

use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::pages::{is_htmx, render, vary_on_htmx};

/// A refused input: the message next to its field, and the whole of it in the alert above.
#[derive(Debug, Default)]
pub(crate) struct Problem {
    pub(crate) field: String,
    pub(crate) message: String,
    pub(crate) summary: String,
    /// The id of the form that was refused, for the alert's link to it.
    pub(crate) form: String,
}

impl Problem {
    pub(crate) fn new(error: &DomainError, form: &str) -> Self {
        Self {
            field: error.field.clone(),
            message: error.message.clone(),
            summary: error.to_string(),
            form: form.to_owned(),
        }
    }

    /// The message for `field` when that field was refused.
    pub(crate) fn at(&self, field: &str) -> Option<&str> {
        (!self.summary.is_empty() && self.field == field).then_some(self.message.as_str())
    }

    pub(crate) fn is_some(&self) -> bool {
        !self.summary.is_empty()
    }

    pub(crate) fn status(&self) -> StatusCode {
        if self.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }
}

/// A date or choice of a query that cannot be read: the screen shows the default instead, with
/// the message (the parsers only refuse input, so the error is always `Invalid`).
pub(crate) fn unreadable(error: &AppError, form: &str) -> Problem {
    match error {
        AppError::Invalid(e) => Problem::new(e, form),
        other => Problem {
            summary: other.to_string(),
            form: form.to_owned(),
            ..Problem::default()
        },
    }
}

/// A screen with forms: 422 when it shows a refused input again, else 200.
pub(crate) trait FormPage: Template {
    fn problem(&self) -> &Problem;
}

macro_rules! form_page {
    ($($page:ty),*) => {
        $(impl FormPage for $page {
            fn problem(&self) -> &Problem {
                &self.problem
            }
        })*
    };
}

/// Shows a form page with the status its problem gives, or the error page.
pub(crate) fn show(page: Result<impl FormPage, AppError>) -> Result<Response, PageError> {
    let page = page?;
    Ok(render(page.problem().status(), &page))
}

/// The full page, or only `part` of it for an htmx request.
pub(crate) fn show_or_part<P: FormPage, R: Template>(
    headers: &HeaderMap,
    page: Result<P, AppError>,
    part: impl Fn(&P) -> &R,
) -> Result<Response, PageError> {
    let page = page?;
    Ok(page_or_part(
        headers,
        page.problem().status(),
        &page,
        part(&page),
    ))
}

/// The fields of a form as typed, into one of the form structs (fields it lacks stay empty).
pub(crate) fn typed<T: DeserializeOwned + Default>(form: &VerifiedForm) -> T {
    let fields = form.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    T::deserialize(MapDeserializer::<_, serde::de::value::Error>::new(fields)).unwrap_or_default()
}

/// Bad input becomes a [`Problem`] for the form `form`; anything else stays an error page.
pub(crate) fn refused(error: AppError, form: &str) -> Result<Problem, AppError> {
    match error {
        AppError::Invalid(e) => Ok(Problem::new(&e, form)),
        other => Err(other),
    }
}

/// The end of a change: on success the redirect to `to(value)`, a refused input as the inner
/// `Err` for the form to show again, anything else as the outer error (its error page).
pub(crate) fn settle<T>(
    result: Result<T, AppError>,
    form: &str,
    to: impl FnOnce(T) -> String,
) -> Result<Result<Response, Problem>, PageError> {
    match result {
        Ok(value) => Ok(Ok(Redirect::to(&to(value)).into_response())),
        Err(e) => Ok(Err(refused(e, form)?)),
    }
}

/// One option of a select box.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// The full page, or only its results for an htmx request.
pub(crate) fn page_or_part(
    headers: &HeaderMap,
    status: StatusCode,
    page: &impl Template,
    part: &impl Template,
) -> Response {
    vary_on_htmx(if is_htmx(headers) {
        render(status, part)
    } else {
        render(status, page)
    })
}

pub(crate) use form_page;
