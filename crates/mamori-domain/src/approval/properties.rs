use proptest::prelude::*;

use super::tests::{actor, approve, at, ctx, date, new_app, staged, transport_fields, world};
use super::*;
use crate::separation::SodPolicy;

/// An operation on an application: who (0 staff, 1 課長, 2 部長, 3 CISO, 4 情報課長) does what.
#[derive(Debug, Clone, Copy)]
enum Op {
    Submit(usize),
    Decide(usize, usize, u8),
    Withdraw(usize),
    Start(usize),
    Complete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..5).prop_map(Op::Submit),
        (0usize..5, 0usize..3, 0u8..3).prop_map(|(p, s, d)| Op::Decide(p, s, d)),
        (0usize..5).prop_map(Op::Withdraw),
        (0usize..5).prop_map(Op::Start),
        (0usize..5).prop_map(Op::Complete),
    ]
}

proptest! {
    /// Whatever is tried: a refused transition changes nothing; an accepted one adds exactly
    /// one event and one version; nobody but a candidate of the current step decides; the
    /// applicant never decides; the status only leaves a final state never.
    #[test]
    fn every_transition_is_one_version_and_only_candidates_decide(
        ops in proptest::collection::vec(op(), 1..25), consult in any::<bool>()
    ) {
        let w = world();
        let people = [w.staff, w.kacho, w.bucho, w.ciso, w.other_kacho];
        let k = staged(&w, consult);
        let fields = transport_fields(date(2026, 4, 2));
        let mut app = Application::draft(&k, new_app(&w, fields.clone()), at(2026, 4, 1)).unwrap();
        let sod = SodPolicy::default();
        for op in ops {
            let when = at(2026, 4, 1);
            let before = app.clone();
            let result = match op {
                Op::Submit(p) => {
                    let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &fields, None).unwrap();
                    app.submit(&k, route, &actor(people[p], &app, when))
                }
                Op::Decide(p, s, d) => {
                    let decision = [Decision::Approve, Decision::Return, Decision::Reject][usize::from(d)];
                    let input = DecisionInput { step: s, decision, comment: Some("理由".into()), sod_reason: None };
                    let awaited = app.awaits(people[p]) && s == app.current_step;
                    let r = app.decide(&k, &input, &sod, &actor(people[p], &app, when));
                    if r.is_ok() {
                        prop_assert!(awaited);
                        prop_assert_ne!(people[p], w.staff);
                    }
                    if awaited && people[p] != w.staff {
                        prop_assert!(r.is_ok(), "{:?}", r);
                    }
                    r
                }
                Op::Withdraw(p) => app.withdraw(None, &actor(people[p], &app, when)),
                Op::Start(p) => app.start(&actor(people[p], &app, when)),
                Op::Complete(p) => app.complete(&actor(people[p], &app, when)),
            };
            match result {
                Ok(next) => {
                    prop_assert!(!before.status.is_final());
                    prop_assert_eq!(next.version, before.version + 1);
                    prop_assert_eq!(next.history.len(), before.history.len() + 1);
                    prop_assert_eq!(next.history.last().unwrap().version, next.version);
                    prop_assert_eq!(next.history.last().unwrap().from, Some(before.status));
                    app = next;
                }
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    prop_assert_eq!(&app, &before);
                }
            }
        }
    }

    /// A text field accepts exactly the values within its maximum.
    #[test]
    fn text_fields_hold_their_maximum(len in 1usize..60, max in 1u32..40) {
        let def = FieldDef {
            key: "t".into(),
            label: "件名".into(),
            kind: FieldKind::Text { max: Some(max) },
            required: true,
            help: None,
        };
        let value = "情".repeat(len);
        prop_assert_eq!(def.parse(&value).is_ok(), len <= max as usize);
    }

    /// 合議 completes when every seat has approved, in any order, and not before.
    #[test]
    fn a_consultation_completes_only_when_all_have_approved(kacho_first in any::<bool>()) {
        let w = world();
        let k = staged(&w, true);
        let fields = transport_fields(date(2026, 4, 2));
        let app = Application::draft(&k, new_app(&w, fields.clone()), at(2026, 4, 1)).unwrap();
        let route = resolve_route(&k, &w.snap, &w.matrix, &ctx(&w), &fields, None).unwrap();
        let mut app = app.submit(&k, route, &actor(w.staff, &app, at(2026, 4, 1))).unwrap();
        let order = if kacho_first { [w.kacho, w.other_kacho] } else { [w.other_kacho, w.kacho] };
        for (i, p) in order.into_iter().enumerate() {
            prop_assert_eq!(app.current_step, 0);
            app = app.decide(&k, &approve(0), &SodPolicy::default(), &actor(p, &app, at(2026, 4, 1))).unwrap();
            prop_assert_eq!(app.current_step, i);
        }
        prop_assert_eq!(app.current_step, 1);
    }
}
