//! Bidders sealed until the opening. Before a tender's opening starts, no
//! one but a bidding enterprise itself learns which enterprises obtained
//! its documents or bid, or how many (招标投标法 第22条): not its managers,
//! not operators of any kind, not supervisors.
//!
//! The committee and its comparison sealed until the result. Until a
//! tender's result is decided (awarded or closed), who sits on its
//! committee stays confidential (招标投标法 第37条: "评标委员会成员的名单在
//! 中标结果确定前应当保密"), and so do the evaluation and the comparison of
//! the bids (第44条): the record's events about the committee and its room
//! (an invitation, an answer, a score, a signature) are read in full only
//! by supervisors whose scope holds the tender and the platform's
//! operators ([`sees_committee`]); a league's operators get them as their
//! leaf hash alone, as they do a bidder's event before the opening.
//!
//! This module holds the rule, in plain code over plain data: which audit
//! events concern a bidder, when a tender counts as opened, and who sees its
//! bidders once it is; and the two reads of the database that apply it. The
//! readers of the record (the events listing and export, the transparency
//! log's entries, the supervisors' live feed and alerts, the bid listings)
//! all ask it. The log's hashes still cover every entry in full: a sealed
//! entry is served as its leaf hash alone, as an entry outside a
//! supervisor's scope is, so every proof still verifies.

use crate::db::DbConn;
use crate::db::schema::{openings, tenders};
use crate::error::AppError;
use crate::identity::policy::{Area, OperatorKind};
use crate::tenders::model::TenderStatus;
use diesel::prelude::*;
use std::collections::HashSet;

/// The role bidders act in, as the log records it.
pub const BIDDER_ROLE: &str = "bidder";

/// Object types whose subject is a bidder: its bids (submitted, replaced,
/// withdrawn; their receipts), its upload sessions, and its application
/// to a trade found by price (applied, qualified, deposit, quotes).
pub const BIDDER_OBJECTS: &[&str] = &[
    "bid",
    "bid_upload",
    SEALED_NOTIFICATION,
    crate::auctions::store::APPLICANT_OBJECT,
];

/// The object type of events about a message that tells who bid (a bid
/// receipt's delivery): as sealed as the bid.
pub const SEALED_NOTIFICATION: &str = "sealed_notification";

/// Statuses a tender reaches only through its opening.
pub const OPENED: &[TenderStatus] = &[
    TenderStatus::Opening,
    TenderStatus::Evaluating,
    TenderStatus::CandidatesPublicised,
    TenderStatus::Awarded,
    TenderStatus::Closed,
];

/// Statuses a tender reaches before or after its opening: it counts as
/// opened only if an opening was started.
pub const ENDED: &[TenderStatus] = &[TenderStatus::Cancelled, TenderStatus::Failed];

/// Statuses at which a tender's result is decided (招标投标法 第37条 "中标
/// 结果确定"): the award is made, or the procedure closed after it. The
/// candidates' publicity (`candidates_publicised`) is not the result: it
/// shows the candidates and their scores, not the committee.
pub const DECIDED: &[TenderStatus] = &[TenderStatus::Awarded, TenderStatus::Closed];

/// Whether a tender in `status` has its result decided.
pub fn decided(status: TenderStatus) -> bool {
    DECIDED.contains(&status)
}

/// The status codes of tenders whose result is decided (for queries).
pub fn decided_codes() -> Vec<&'static str> {
    DECIDED.iter().map(|s| s.code()).collect()
}

/// The role members act in, as the log records it.
pub const EXPERT_ROLE: &str = "expert";

/// Action prefixes of events about a tender's committee (invitations,
/// answers, replacements: `committee.*`) or its room (every room event,
/// the bid documents its members read: `room.*`).
pub const COMMITTEE_ACTIONS: &[&str] = &["committee.", "room."];

/// Why the committee's events are left out until the result: said
/// wherever they could be, the same whether or not anything was.
pub const COMMITTEE_NOTE: &str = "Until a tender's result is decided (awarded or closed), who sits \
     on its committee and how it evaluated are confidential (招标投标法 第37条, 第44条): events \
     about the committee and its evaluation room are left out for everyone but supervisors whose \
     scope holds the tender and the platform's operators until then.";

/// Whether an audit event tells who sits on a tender's committee or how
/// it evaluated: a member acted, or the event is about the committee or
/// its room. The draw's own events (`draw.*`) hold hashes and the seed,
/// never a name, and stay readable.
pub fn concerns_committee(tender_id: Option<&str>, actor_role: &str, action: &str) -> bool {
    tender_id.is_some()
        && (actor_role == EXPERT_ROLE || COMMITTEE_ACTIONS.iter().any(|p| action.starts_with(p)))
}

/// Whether someone standing so reads the committee's events of a tender
/// (`decided`: its result is): before the result, supervisors whose scope
/// holds it and the platform's operators (who keep the record and check
/// the draw); after it, whoever reads the tender's record at all. A
/// league's operators are its centre's staff, not the platform's: they
/// wait for the result (venue staff read their venue's sign-in sheet, a
/// separate reading).
pub fn sees_committee(decided: bool, standing: &Standing) -> bool {
    decided || standing.supervises || standing.operator == Some(OperatorKind::Platform)
}

/// Statuses a tender reaches once its evaluation has started.
pub const EVALUATION_STARTED: &[TenderStatus] = &[
    TenderStatus::Evaluating,
    TenderStatus::CandidatesPublicised,
    TenderStatus::Awarded,
    TenderStatus::Closed,
];

/// Whether someone standing so reads who sits on the committee of a
/// tender in `status`: those who read the committee's events
/// ([`sees_committee`]: supervisors in scope and the platform's operators
/// at any time, everyone after the result, when government procurement
/// publishes the list in its result notice, 政府采购法实施条例 第43条); and,
/// once the evaluation has started, the tender's managers (its tenderer's
/// and agent's staff), who organise the evaluation (they mark a member who
/// did not come) and are bound by 第37条 themselves. A league's operators
/// running the procedure for the tenderer are not its managers here; as
/// venue staff they read their venue's sign-in sheet. The room's members
/// see each other in the room.
pub fn sees_members(status: TenderStatus, standing: &Standing) -> bool {
    sees_committee(decided(status), standing)
        || (standing.manages && EVALUATION_STARTED.contains(&status))
}

/// How much of the evaluation report a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportSight {
    /// The report as signed: every member, every mark, flag and
    /// clarification.
    Full,
    /// What the law publishes after the result: the committee's names,
    /// the bids' means, totals, ranking, candidates and rejections; never a
    /// member's own marks (`evaluation::disclosure::public_report`).
    Public,
}

/// Who reads the evaluation report of a tender in `status`, its room
/// `closed` (signed by the whole committee) or not, by a reader who is a
/// sitting `member` of the room or stands so; `None`: nobody else.
///
/// The evaluation and the comparison are confidential until the result
/// (招标投标法 第44条): before it, the members and the watchers
/// (supervisors in scope, the platform's operators) read the report once
/// it is ready; the tenderer's and agent's staff once the room has closed,
/// the committee handing them its signed report (招标投标法实施条例
/// 第53条), with the members' names in it. After the result the public
/// (a league's operators and bidders included) reads what the law
/// publishes ([`ReportSight::Public`]).
pub fn report_sight(
    status: TenderStatus,
    closed: bool,
    member: bool,
    standing: &Standing,
) -> Option<ReportSight> {
    if member || sees_committee(false, standing) {
        Some(ReportSight::Full)
    } else if !closed {
        None
    } else if standing.manages {
        Some(ReportSight::Full)
    } else if decided(status) {
        Some(ReportSight::Public)
    } else {
        None
    }
}

/// Why staff are shown no bidder before the opening: said wherever
/// something is left out, the same whether or not anything was.
pub const SEALED_NOTE: &str = "Until a tender's opening starts, who obtained its documents or bid, \
     and how many, is disclosed to no one but each bidding enterprise itself \
     (招标投标法 第22条): bids and events whose actor or subject is a bidder are left out \
     until then.";

/// Whether a tender in `status` has been opened: its opening has started
/// (`opening_started`: an opening was begun, which a tender cancelled or
/// failed before its deadline never had).
pub fn opened(status: TenderStatus, opening_started: bool) -> bool {
    OPENED.contains(&status) || (ENDED.contains(&status) && opening_started)
}

/// Whether an audit event names a bidder of a tender: a bidder acted (took
/// part in a clarification, started an upload, submitted, replaced or
/// withdrew a bid) or the event is about a bid or an upload session.
/// Events about no tender (a sign-in, say) say nothing about bidding.
pub fn concerns_bidder(tender_id: Option<&str>, actor_role: &str, object_type: &str) -> bool {
    tender_id.is_some() && (actor_role == BIDDER_ROLE || BIDDER_OBJECTS.contains(&object_type))
}

/// Which names an audit event may be read with (see
/// [`crate::audit::names`]): the actor's, and the object's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nameable {
    pub actor: bool,
    pub object: bool,
}

/// Which names an event may carry to a reader who, for its tender, sees
/// its bidders (`bidders_seen`) and its committee (`committee_seen`): none
/// of an event that names a bidder the reader may not know yet, nor of one
/// about the committee or its room (or naming an expert about a tender)
/// the reader may not read yet; otherwise both. The readers of the record
/// leave such events out whole already; this holds the names to the same
/// rule wherever an event is served.
pub fn nameable(
    tender_id: Option<&str>,
    actor_role: &str,
    action: &str,
    object_type: &str,
    bidders_seen: bool,
    committee_seen: bool,
) -> Nameable {
    let bidder = concerns_bidder(tender_id, actor_role, object_type) && !bidders_seen;
    let committee = (concerns_committee(tender_id, actor_role, action)
        || (tender_id.is_some() && object_type == EXPERT_OBJECT))
        && !committee_seen;
    let shown = !(bidder || committee);
    Nameable {
        actor: shown,
        object: shown,
    }
}

/// The object type of events about an expert.
pub const EXPERT_OBJECT: &str = "expert";

/// How a member of staff stands to one tender.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing<'a> {
    /// Manages it: a member of its tenderer or agent organisation.
    pub manages: bool,
    /// A supervisor whose scope holds it.
    pub supervises: bool,
    /// An operator, of the platform or of a league.
    pub operator: Option<OperatorKind<'a>>,
}

/// Whether someone standing so sees the bidders of a tender of
/// `tender_league`: nobody before the opening; after it, the tender's
/// managers, supervisors in scope, the platform operator, and operators of
/// the tender's own league.
pub fn sees_bidders(opened: bool, standing: &Standing, tender_league: &str) -> bool {
    opened
        && (standing.manages
            || standing.supervises
            || standing
                .operator
                .is_some_and(|kind| kind.operates(Area::AuditLog, Some(tender_league))))
}

/// "bidder 3": how an alert names a bidder before the opening.
pub fn label(n: i32) -> String {
    format!("bidder {n}")
}

/// Labels for `bidders` on one tender, given the labels already handed
/// out there (`taken`): a bidder keeps its label; new ones get the next
/// numbers, in the order given. Returns the new labels only.
pub fn assign_labels(taken: &[(String, i32)], bidders: &[String]) -> Vec<(String, i32)> {
    let mut next = taken.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let mut new = Vec::new();
    for bidder in bidders {
        let known = taken.iter().chain(new.iter()).any(|(b, _)| b == bidder);
        if !known {
            next += 1;
            new.push((bidder.clone(), next));
        }
    }
    new
}

/// The status codes of tenders surely opened, and of those opened only
/// if an opening started (for queries).
pub fn status_codes() -> (Vec<&'static str>, Vec<&'static str>) {
    (
        OPENED.iter().map(|s| s.code()).collect(),
        ENDED.iter().map(|s| s.code()).collect(),
    )
}

/// Which of `tender_ids` have been opened.
pub fn opened_tenders(
    conn: &mut DbConn,
    tender_ids: &[String],
) -> Result<HashSet<String>, AppError> {
    if tender_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<(String, String)> = tenders::table
        .filter(tenders::id.eq_any(tender_ids))
        .select((tenders::id, tenders::status))
        .load(conn)?;
    let started: HashSet<String> = openings::table
        .filter(openings::tender_id.eq_any(tender_ids))
        .select(openings::tender_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut out = HashSet::new();
    for (id, status) in rows {
        if opened(TenderStatus::from_db(&status)?, started.contains(&id)) {
            out.insert(id);
        }
    }
    Ok(out)
}

/// Which of `tender_ids` have their result decided.
pub fn decided_tenders(
    conn: &mut DbConn,
    tender_ids: &[String],
) -> Result<HashSet<String>, AppError> {
    if tender_ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(tenders::table
        .filter(tenders::id.eq_any(tender_ids))
        .filter(tenders::status.eq_any(decided_codes()))
        .select(tenders::id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Whether the tender `tender_id` has been opened.
pub fn tender_opened(conn: &mut DbConn, tender_id: &str) -> Result<bool, AppError> {
    Ok(opened_tenders(conn, &[tender_id.to_string()])?.contains(tender_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tender_is_opened_once_its_opening_has_started() {
        use TenderStatus as S;
        for s in [S::Draft, S::Published] {
            assert!(!opened(s, false));
        }
        for s in [
            S::Opening,
            S::Evaluating,
            S::CandidatesPublicised,
            S::Awarded,
            S::Closed,
        ] {
            assert!(opened(s, true), "{s:?}");
        }
        // Cancelled or failed before the deadline: never opened, sealed
        // for good; after an opening had started: opened.
        for s in [S::Cancelled, S::Failed] {
            assert!(!opened(s, false), "{s:?}");
            assert!(opened(s, true), "{s:?}");
        }
    }

    #[test]
    fn events_by_or_about_bidders_of_a_tender_concern_bidders() {
        let t = Some("t");
        assert!(concerns_bidder(t, "bidder", "bid"));
        assert!(concerns_bidder(t, "bidder", "clarification"));
        assert!(concerns_bidder(t, "bidder", "tender_document"));
        // The platform dropping an expired upload: its subject is a bidder.
        assert!(concerns_bidder(t, "operator", "bid_upload"));
        assert!(concerns_bidder(t, "operator", "bid"));
        assert!(!concerns_bidder(t, "tenderer", "tender"));
        assert!(!concerns_bidder(t, "operator", "alert"));
        // A bidder signing in concerns no tender.
        assert!(!concerns_bidder(None, "bidder", "session"));
    }

    #[test]
    fn before_the_opening_nobody_sees_bidders_after_it_only_those_concerned() {
        let all = [
            Standing {
                manages: true,
                ..Standing::default()
            },
            Standing {
                supervises: true,
                ..Standing::default()
            },
            Standing {
                operator: Some(OperatorKind::Platform),
                ..Standing::default()
            },
            Standing {
                operator: Some(OperatorKind::League("NNG")),
                ..Standing::default()
            },
        ];
        for s in &all {
            assert!(!sees_bidders(false, s, "NNG"), "{s:?}");
            assert!(sees_bidders(true, s, "NNG"), "{s:?}");
        }
        let other_league = Standing {
            operator: Some(OperatorKind::League("LZH")),
            ..Standing::default()
        };
        assert!(!sees_bidders(true, &other_league, "NNG"));
        assert!(!sees_bidders(true, &Standing::default(), "NNG"));
    }

    #[test]
    fn a_result_is_decided_once_awarded_or_closed_and_not_at_the_candidates() {
        use TenderStatus as S;
        for s in [S::Awarded, S::Closed] {
            assert!(decided(s), "{s:?}");
        }
        for s in [
            S::Draft,
            S::Published,
            S::Opening,
            S::Evaluating,
            S::CandidatesPublicised,
            S::Cancelled,
            S::Failed,
        ] {
            assert!(!decided(s), "{s:?}");
        }
        assert_eq!(decided_codes(), ["awarded", "closed"]);
    }

    #[test]
    fn events_by_members_or_about_the_committee_or_room_concern_the_committee() {
        let t = Some("t");
        assert!(concerns_committee(t, "expert", "session.open"));
        assert!(concerns_committee(t, "operator", "committee.invited"));
        assert!(concerns_committee(t, "system", "committee.expired"));
        assert!(concerns_committee(t, "tenderer", "committee.no_show"));
        assert!(concerns_committee(t, "expert", "room.score.given"));
        assert!(concerns_committee(t, "tenderer", "room.opened"));
        assert!(concerns_committee(t, "supervisor", "room.container_read"));
        // The draw's events hold hashes and the seed: readable.
        assert!(!concerns_committee(t, "operator", "draw.drawn"));
        assert!(!concerns_committee(t, "supervisor", "draw.contributed"));
        assert!(!concerns_committee(t, "tenderer", "tender.award"));
        // "roomy." is no room event; events of no tender concern none.
        assert!(!concerns_committee(t, "tenderer", "roomy.thing"));
        assert!(!concerns_committee(None, "expert", "expert.availability"));
        assert!(!concerns_committee(None, "operator", "committee.invited"));
    }

    #[test]
    fn before_the_result_only_supervisors_and_the_platform_read_the_committee() {
        let supervisor = Standing {
            supervises: true,
            ..Standing::default()
        };
        let platform = Standing {
            operator: Some(OperatorKind::Platform),
            ..Standing::default()
        };
        let league = Standing {
            operator: Some(OperatorKind::League("NNG")),
            ..Standing::default()
        };
        let manager = Standing {
            manages: true,
            ..Standing::default()
        };
        for s in [&supervisor, &platform] {
            assert!(sees_committee(false, s), "{s:?}");
            assert!(sees_committee(true, s), "{s:?}");
        }
        for s in [&league, &manager, &Standing::default()] {
            assert!(!sees_committee(false, s), "{s:?}");
            assert!(sees_committee(true, s), "{s:?}");
        }
    }

    /// Every way a reader can stand to a tender, by name.
    fn standings() -> Vec<(&'static str, Standing<'static>)> {
        vec![
            ("public", Standing::default()),
            (
                "manager",
                Standing {
                    manages: true,
                    ..Standing::default()
                },
            ),
            (
                "supervisor",
                Standing {
                    supervises: true,
                    ..Standing::default()
                },
            ),
            (
                "platform",
                Standing {
                    operator: Some(OperatorKind::Platform),
                    ..Standing::default()
                },
            ),
            (
                "league",
                Standing {
                    operator: Some(OperatorKind::League("NNG")),
                    ..Standing::default()
                },
            ),
        ]
    }

    #[test]
    fn members_are_named_to_watchers_to_managers_once_evaluating_and_to_all_after_the_result() {
        use TenderStatus as S;
        let all = [
            S::Draft,
            S::Published,
            S::Opening,
            S::Evaluating,
            S::CandidatesPublicised,
            S::Awarded,
            S::Closed,
            S::Cancelled,
            S::Failed,
        ];
        for (who, standing) in standings() {
            for status in all {
                let expected = match who {
                    "supervisor" | "platform" => true,
                    "manager" => EVALUATION_STARTED.contains(&status),
                    _ => matches!(status, S::Awarded | S::Closed),
                };
                assert_eq!(
                    sees_members(status, &standing),
                    expected,
                    "{who} at {status:?}"
                );
            }
        }
    }

    #[test]
    fn the_report_is_for_the_room_then_the_tenderer_then_published_after_the_result() {
        use ReportSight::{Full, Public};
        use TenderStatus as S;
        for (who, standing) in standings() {
            for status in [S::Evaluating, S::CandidatesPublicised, S::Failed] {
                // Open room: the members and the watchers only.
                let open = report_sight(status, false, false, &standing);
                let watcher = matches!(who, "supervisor" | "platform");
                assert_eq!(open, watcher.then_some(Full), "{who} {status:?} open");
                // Closed, before the result: the managers too.
                let closed = report_sight(status, true, false, &standing);
                let full = watcher || who == "manager";
                assert_eq!(closed, full.then_some(Full), "{who} {status:?} closed");
            }
            for status in [S::Awarded, S::Closed] {
                let expected = if matches!(who, "supervisor" | "platform" | "manager") {
                    Full
                } else {
                    Public
                };
                assert_eq!(
                    report_sight(status, true, false, &standing),
                    Some(expected),
                    "{who} {status:?}"
                );
            }
        }
        // A sitting member reads it in full at every stage.
        for status in [S::Evaluating, S::CandidatesPublicised, S::Awarded] {
            for closed in [false, true] {
                assert_eq!(
                    report_sight(status, closed, true, &Standing::default()),
                    Some(Full)
                );
            }
        }
        // Awarded without a closed room (no signed report): nobody outside.
        assert_eq!(
            report_sight(S::Awarded, false, false, &Standing::default()),
            None
        );
    }

    #[test]
    fn names_follow_the_seals() {
        let t = Some("t");
        let both = Nameable {
            actor: true,
            object: true,
        };
        let none = Nameable {
            actor: false,
            object: false,
        };
        // A bid before the opening: neither its bidder nor who acted.
        assert_eq!(
            nameable(t, "bidder", "bid.submitted", "bid", false, true),
            none
        );
        assert_eq!(
            nameable(t, "bidder", "bid.submitted", "bid", true, false),
            both
        );
        // The committee before the result, to one who waits for it.
        assert_eq!(
            nameable(t, "expert", "room.score.given", "room", true, false),
            none
        );
        assert_eq!(
            nameable(t, "operator", "committee.invited", "expert", true, false),
            none
        );
        assert_eq!(
            nameable(t, "operator", "expert.updated", "expert", true, false),
            none
        );
        assert_eq!(
            nameable(t, "operator", "committee.invited", "expert", true, true),
            both
        );
        // What names neither: always.
        assert_eq!(
            nameable(t, "tenderer", "tender.publish", "tender", false, false),
            both
        );
        // An expert's own record, of no tender: named.
        assert_eq!(
            nameable(None, "operator", "expert.updated", "expert", false, false),
            both
        );
    }

    #[test]
    fn labels_are_stable_per_tender_and_new_bidders_get_the_next() {
        let first = assign_labels(&[], &["b".into(), "a".into(), "b".into()]);
        assert_eq!(first, [("b".to_string(), 1), ("a".to_string(), 2)]);
        let second = assign_labels(&first, &["a".into(), "c".into()]);
        assert_eq!(second, [("c".to_string(), 3)]);
        assert!(assign_labels(&first, &["a".into()]).is_empty());
        assert_eq!(label(3), "bidder 3");
    }
}
