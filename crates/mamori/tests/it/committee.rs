//! The 委員会 deliberates before the 長 decides: a body whose policy names the 長 as deciding role
//! and the 委員会 as deliberating body cannot decide an edition until the 事務局 records a
//! meeting whose members present (a quorum) carried it; a meeting short of its quorum is refused
//! and records nothing; a 差戻し needs a new 議決; staff can neither read nor record meetings.

use mamori_app::RequestMeta;
use mamori_app::organization::AssignmentInput;
use mamori_app::policy::ProfileChange;
use mamori_domain::policy::{EditionNumber, EditionStatus};
use reqwest::StatusCode;
use reqwest::multipart::Form;

use crate::common::{TestApp, alert_of, csrf_of, location};

/// The 長 is held by the person of `bucho`, from today.
async fn make_bucho_head(t: &TestApp) {
    let editor = t.user("tokatsu").await;
    let may = editor.org_editor().unwrap();
    let bucho = t.user("bucho").await;
    t.app
        .assign_role(
            &editor,
            &may,
            AssignmentInput {
                role: "head_of_body".into(),
                person: bucho.account.person_id.unwrap(),
                unit: None,
                system: None,
                is_deputy: false,
                valid_from: t.app.today(),
                valid_to: None,
                tie_to_post: false,
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
}

/// Brings into force a draft that makes the 長 decide after the 委員会, then opens and submits
/// the next draft, which those rules govern.
async fn rules_in_force_and_next_draft(t: &TestApp) -> EditionNumber {
    make_bucho_head(t).await;
    let n = t
        .policy_draft(vec![
            ProfileChange::SetDecidingRole {
                key: "head_of_body".into(),
            },
            ProfileChange::SetDeliberatingRole {
                key: Some("committee".into()),
            },
        ])
        .await;
    let editor = t.user("tokatsu").await;
    let may = editor.policy_editor().unwrap();
    let meta = RequestMeta::default();
    t.app
        .submit_policy_edition(&editor, &may, n, &meta)
        .await
        .unwrap();
    // This edition is still decided under the rules in force before it: no 委員会 yet.
    let head = t.user("bucho").await;
    t.app
        .decide_policy_edition(&head, n, None, &meta)
        .await
        .unwrap();
    t.app
        .enforce_policy_edition(&editor, &may, n, t.app.today(), &meta)
        .await
        .unwrap();
    let next = t.policy_draft(vec![]).await;
    t.app
        .submit_policy_edition(&editor, &may, next, &meta)
        .await
        .unwrap();
    next
}

/// The member checkboxes of the meeting form: (field name, member name).
fn member_boxes(html: &str) -> Vec<String> {
    html.match_indices("name=\"attendee-")
        .map(|(i, _)| {
            let rest = &html[i + 6..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn post_meeting(
    t: &TestApp,
    browser: &reqwest::Client,
    attendees: &[String],
    edition: &str,
    minutes: Option<&[u8]>,
) -> reqwest::Response {
    let (status, page) = t.page(browser, "/committee/new").await;
    assert_eq!(status, StatusCode::OK);
    let mut form = Form::new()
        .text("_csrf", csrf_of(&page))
        .text("held_on", t.app.today().to_string())
        .text("title-0", "")
        .text("edition-0", edition.to_owned())
        .text("vote-0", "unanimous")
        .text("title-1", "研修計画の報告")
        .text("vote-1", "counted")
        .text("for-1", "２")
        .text("against-1", "0");
    for a in attendees {
        form = form.text(a.clone(), "1");
    }
    if let Some(bytes) = minutes {
        form = form.part(
            "minutes",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("議事録.pdf"),
        );
    }
    browser
        .post(t.url("/committee"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_head_decides_only_after_a_quorum_of_the_committee_carried_the_edition() {
    let t = TestApp::spawn().await;
    let n = rules_in_force_and_next_draft(&t).await;
    let path = format!("/policy/{}", n.get());

    // The 長 is refused, and told what is missing.
    let head = t.signed_in("bucho").await;
    let (_, page) = t.page(&head, &path).await;
    assert!(
        page.contains("審議が決裁の前に必要です"),
        "the page says so"
    );
    let csrf = csrf_of(&page);
    let decide = |csrf: String| {
        let head = head.clone();
        let url = t.url(&format!("{path}/actions/decide"));
        async move {
            head.post(url)
                .form(&[("_csrf", csrf.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let r = decide(csrf.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let alert = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(alert.contains("委員会の審議"), "{alert}");

    // Staff may neither read nor record meetings.
    let staff = t.signed_in("shokuin").await;
    assert_eq!(t.page(&staff, "/committee").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        t.page(&staff, "/committee/new").await.0,
        StatusCode::FORBIDDEN
    );

    // The 事務局 records a meeting with one member of three: short of the quorum, nothing kept.
    let clerk = t.signed_in("tokatsu").await;
    let (_, form) = t.page(&clerk, "/committee/new").await;
    let members = member_boxes(&form);
    assert_eq!(members.len(), 3, "the demo's three 委員");
    let label = n.to_string();
    let before = t.audit_count().await;
    let r = post_meeting(&t, &clerk, &members[..1], &label, None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let alert = alert_of(&r.text().await.unwrap()).unwrap();
    assert!(
        alert.contains("出席者") && alert.contains("2人以上"),
        "{alert}"
    );
    assert_eq!(t.audit_count().await, before, "nothing recorded");

    // Two of three attend and carry it unanimously; the minutes are kept with the meeting.
    let minutes = b"%PDF-1.4 minutes of the meeting";
    let r = post_meeting(&t, &clerk, &members[..2], &label, Some(minutes)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let meeting = location(&r);
    let meeting = meeting.split('?').next().unwrap().to_owned();
    assert_eq!(t.audit_count().await, before + 1, "one audit record");
    let (_, shown) = t.page(&clerk, &meeting).await;
    assert!(shown.contains("委員3人中2人出席"), "{shown}");
    assert!(shown.contains("全会一致で可決") && shown.contains("賛成2・反対0・棄権0で可決"));
    let file = clerk
        .get(t.url(&format!("{meeting}/minutes")))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.bytes().await.unwrap().as_ref(), minutes);
    // Staff cannot open a meeting either.
    assert_eq!(t.page(&staff, &meeting).await.0, StatusCode::FORBIDDEN);

    // Now the 長 decides, and the decision keeps the 議決 it followed.
    let (_, page) = t.page(&head, &path).await;
    assert!(
        page.contains("全会一致で可決"),
        "the edition shows its deliberation"
    );
    let r = decide(csrf_of(&page)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "decided");
    let head_user = t.user("bucho").await;
    let e = t.app.policy_edition(&head_user, n).await.unwrap().edition;
    assert_eq!(e.status, EditionStatus::Decided);
    let decision = e.decision.unwrap();
    assert_eq!(decision.role_key, "head_of_body");
    assert!(decision.deliberation.unwrap().vote.carried());
}

#[tokio::test]
async fn an_edition_sent_back_after_its_deliberation_needs_a_new_vote() {
    let t = TestApp::spawn().await;
    let n = rules_in_force_and_next_draft(&t).await;
    let clerk = t.signed_in("tokatsu").await;
    let (_, form) = t.page(&clerk, "/committee/new").await;
    let members = member_boxes(&form);
    let r = post_meeting(&t, &clerk, &members, &n.to_string(), None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Sent back and submitted again: the 議決 was on the edition before the rework.
    let editor = t.user("tokatsu").await;
    let may = editor.policy_editor().unwrap();
    let meta = RequestMeta::default();
    t.app
        .send_back_policy_edition(&editor, n, "第3条の表現を見直すこと", &meta)
        .await
        .unwrap();
    t.app
        .submit_policy_edition(&editor, &may, n, &meta)
        .await
        .unwrap();
    let head = t.user("bucho").await;
    let err = t
        .app
        .decide_policy_edition(&head, n, None, &meta)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("差戻しの前"), "{err}");

    // A 否決 does not let the 長 decide either.
    let (_, page) = t.page(&clerk, "/committee/new").await;
    let form = Form::new()
        .text("_csrf", csrf_of(&page))
        .text("held_on", t.app.today().to_string())
        .text("edition-0", n.to_string())
        .text("vote-0", "counted")
        .text("for-0", "1")
        .text("against-0", "2")
        .text(members[0].clone(), "1")
        .text(members[1].clone(), "1")
        .text(members[2].clone(), "1");
    let r = clerk
        .post(t.url("/committee"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let err = t
        .app
        .decide_policy_edition(&head, n, None, &meta)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("否決"), "{err}");
}
