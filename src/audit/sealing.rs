//! Bidders sealed until the opening. Before a tender's opening starts, no
//! one but a bidding enterprise itself learns which enterprises obtained
//! its documents or bid, or how many (招标投标法 第22条): not its managers,
//! not operators of any kind, not supervisors.
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
/// withdrawn; their receipts) and its upload sessions.
pub const BIDDER_OBJECTS: &[&str] = &["bid", "bid_upload", SEALED_NOTIFICATION];

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
    fn labels_are_stable_per_tender_and_new_bidders_get_the_next() {
        let first = assign_labels(&[], &["b".into(), "a".into(), "b".into()]);
        assert_eq!(first, [("b".to_string(), 1), ("a".to_string(), 2)]);
        let second = assign_labels(&first, &["a".into(), "c".into()]);
        assert_eq!(second, [("c".to_string(), 3)]);
        assert!(assign_labels(&first, &["a".into()]).is_empty());
        assert_eq!(label(3), "bidder 3");
    }
}
