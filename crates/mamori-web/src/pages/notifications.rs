//! お知らせ: the signed-in person's notifications, newest first, each marked read with a plain
//! form (no JavaScript needed).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_domain::ids::NotificationId;
use serde::Deserialize;

use crate::AppState;
use crate::csrf::VerifiedForm;
use crate::error::PageError;
use crate::extract::Session;
use crate::pages::render;
use crate::view::{Chrome, datetime_ja, safe_next};

#[derive(Debug)]
struct Line {
    id: String,
    subject: String,
    text: String,
    link: Option<String>,
    at: String,
    unread: bool,
}

#[derive(Template, Debug)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    lines: Vec<Line>,
    unread: usize,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    done: String,
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let user = &session.user;
    let page = async {
        let lines: Vec<Line> = state
            .app
            .notifications(user)
            .await?
            .into_iter()
            .map(|n| Line {
                id: n.id.to_string(),
                subject: n.subject,
                text: n.text,
                link: n.link,
                at: datetime_ja(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect();
        Ok::<_, AppError>(NotificationsPage {
            chrome: Chrome::for_user("お知らせ", user, "/notifications"),
            unread: user.unread_notifications,
            lines,
            notice: (q.done == "read").then(|| "既読にしました。".to_owned()),
        })
    }
    .await;
    match page {
        Ok(p) => Ok(render(StatusCode::OK, &p)),
        Err(e) => Err(e.into()),
    }
}

/// Marks one notification read and goes back: to `next` (a path on this site, e.g. the
/// application it links to) or to the list.
pub async fn mark_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, PageError> {
    let Some(session) = form.session.as_ref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let result = async {
        let id: NotificationId = id
            .parse()
            .map_err(|_| AppError::NotFound("お知らせ".to_owned()))?;
        state.app.mark_notification_read(&session.user, id).await
    }
    .await;
    match result {
        Ok(()) => {
            let next = form.get("next");
            let target = if next.is_empty() {
                "/notifications?done=read".to_owned()
            } else {
                safe_next(next).to_owned()
            };
            Ok(Redirect::to(&target).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
