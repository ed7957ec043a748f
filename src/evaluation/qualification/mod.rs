//! The purchaser's qualification review, before the room.
//!
//! In government procurement by tendering the purchaser or its agent, not
//! the committee, reviews the bidders' qualification once the bids are
//! opened, and with fewer qualified bidders than the minimum the bids are
//! not evaluated (政府采购货物和服务招标投标管理办法, 财政部令第87号 第44条:
//! "开标结束后，采购人或者采购代理机构应当依法对投标人的资格进行审查。合格
//! 投标人不足3家的，不得评标"). Which procedures review so is a row of
//! `tenders::limits` ([`QualificationReview::PurchaserOrAgent`]); in every
//! other the committee reviews qualification in its room.
//!
//! The review: once the evaluation has started and before the room opens,
//! the tender's managers record one finding per bid the opening found
//! valid (qualified or not, the reason when not, the document judged), then
//! conclude it. Concluded with every valid bid reviewed, it either fails the
//! procedure by rule or lets the room open with the qualified bids only
//! ([`store::excluded`], [`store::required_and_pending`]).
//!
//! This file is the pure part: the input and its checks, the decision at
//! the conclusion, and who may read what. `store` keeps it, `routes` is the
//! HTTP side.

pub mod routes;
pub mod store;

pub use store::{excluded, required_and_pending};

use crate::error::{FieldError, check_text};
use crate::tenders::limits::{MinimumBids, QualificationReview};
use crate::tenders::model::TenderStatus;
use serde::Deserialize;

/// At most this many characters in a finding's reason.
pub const MAX_REASON_CHARS: usize = 2000;
/// At most this many characters naming the document judged.
pub const MAX_DOCUMENT_CHARS: usize = 500;

/// One bid's finding, as the purchaser or agent records it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    /// A bid the opening found valid.
    pub bid_id: String,
    pub qualified: bool,
    /// Why not qualified (required then); a remark otherwise.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
    /// The document judged, e.g. "营业执照、资质证书（投标文件第 3 页）".
    #[schema(min_length = 1, max_length = 500)]
    pub document: String,
}

impl FindingInput {
    /// The checks that need neither the database nor the tender.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if uuid::Uuid::parse_str(&self.bid_id).is_err() {
            errors.push(
                FieldError::new("bid_id", "a bid id (UUID)")
                    .because("id.malformed", serde_json::json!({})),
            );
        }
        if !self.qualified && self.reason.trim().is_empty() {
            // The review states why a bidder fails it.
            errors.push(
                FieldError::new("reason", "a bid found not qualified needs the reason")
                    .because("qualification.reason-needed", serde_json::json!({})),
            );
        } else {
            check_text(&mut errors, "reason", &self.reason, false, MAX_REASON_CHARS);
        }
        check_text(
            &mut errors,
            "document",
            &self.document,
            true,
            MAX_DOCUMENT_CHARS,
        );
        errors
    }
}

/// The rule a procedure's review runs under: its basis and minimum, or
/// why there is no such review (the committee's, in the room).
pub fn rule_of(
    review: QualificationReview,
    minimum: MinimumBids,
) -> Result<(&'static str, u32), &'static str> {
    match (review, minimum.bids()) {
        (QualificationReview::PurchaserOrAgent { basis }, Some(bids)) => Ok((basis, bids)),
        (QualificationReview::AtRegistration, _) => Err(
            "in this procedure bidders are admitted at registration, before the auction or \
             listing; there is no review by the purchaser after an opening",
        ),
        _ => Err(
            "in this procedure the committee reviews qualification in the evaluation room; \
             there is no review by the purchaser before it",
        ),
    }
}

/// Where the tender must be for findings to be recorded or the review
/// concluded: evaluating (the opening completed, the evaluation started).
pub fn check_stage(status: TenderStatus) -> Result<(), String> {
    match status {
        TenderStatus::Evaluating => Ok(()),
        TenderStatus::Draft | TenderStatus::Published | TenderStatus::Opening => Err(format!(
            "the qualification review comes after the opening, once the evaluation has started; \
             the tender is {}",
            status.code()
        )),
        other => Err(format!(
            "the tender is {}: its qualification review is over",
            other.code()
        )),
    }
}

/// What concluding the review decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conclusion {
    /// Some valid bids are not reviewed yet.
    Pending(Vec<String>),
    /// Enough qualified: the room opens with them.
    Passes { qualified: usize },
    /// Too few qualified: the bids are not evaluated and the procedure
    /// fails, for the reason given (Chinese, then English, citing the rule).
    Fails { qualified: usize, reason: String },
}

/// Decides the conclusion: every valid bid (`valid`) must have a finding
/// (`findings`: bid and whether qualified); fewer qualified than `minimum`
/// fails the procedure (`basis`: 87号令 第44条).
pub fn conclude(
    valid: &[String],
    findings: &[(String, bool)],
    minimum: u32,
    basis: &str,
) -> Conclusion {
    let pending: Vec<String> = valid
        .iter()
        .filter(|b| !findings.iter().any(|(f, _)| f == *b))
        .cloned()
        .collect();
    if !pending.is_empty() {
        return Conclusion::Pending(pending);
    }
    let qualified = findings
        .iter()
        .filter(|(b, q)| *q && valid.contains(b))
        .count();
    if qualified < minimum as usize {
        Conclusion::Fails {
            qualified,
            reason: format!(
                "资格审查合格投标人不足{minimum}家（{qualified} 家），不得评标，本次采购失败。\
                 Fewer than {minimum} bidders qualified in the qualification review \
                 ({qualified}): the bids are not evaluated and the procedure fails. \
                 依据 Basis: {basis}"
            ),
        }
    } else {
        Conclusion::Passes { qualified }
    }
}

/// How much of a review one viewer reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sight {
    /// Every finding, who recorded it, the bids still to review: the
    /// tender's managers, supervisors in scope, the platform's operators
    /// and its league's (those who see its bidders after the opening).
    Everything,
    /// Every finding, without who recorded it: anyone, once the result is
    /// out.
    Published,
    /// The findings on this organisation's own bids: a bidder.
    Own(String),
    /// Nothing yet.
    Nothing,
}

/// Whether the result is out, so that the review is public: candidates
/// publicised or later, or the procedure ended after the review concluded.
pub fn result_out(status: TenderStatus, concluded: bool) -> bool {
    match status {
        TenderStatus::CandidatesPublicised | TenderStatus::Awarded | TenderStatus::Closed => true,
        TenderStatus::Failed | TenderStatus::Cancelled => concluded,
        _ => false,
    }
}

/// What a viewer reads: `sees_bidders` (a manager, a supervisor in scope,
/// an operator who sees the tender's bidders), `organisation` (the viewer's
/// organisation, if it bid), and whether the result is out.
pub fn sight(sees_bidders: bool, bidder_organisation: Option<&str>, result_out: bool) -> Sight {
    if sees_bidders {
        Sight::Everything
    } else if result_out {
        Sight::Published
    } else if let Some(org) = bidder_organisation {
        Sight::Own(org.to_string())
    } else {
        Sight::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenders::limits;
    use crate::tenders::model::{Category, Method};

    fn input(qualified: bool, reason: &str, document: &str) -> FindingInput {
        FindingInput {
            bid_id: uuid::Uuid::new_v4().to_string(),
            qualified,
            reason: reason.into(),
            document: document.into(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_finding_names_its_document_and_a_failed_one_its_reason() {
        assert!(input(true, "", "营业执照").validate().is_empty());
        assert!(
            input(false, "资质证书已过期", "资质证书")
                .validate()
                .is_empty()
        );
        let e = input(false, "  ", "资质证书").validate();
        assert_eq!(fields(&e), ["reason"]);
        assert!(e[0].message.contains("reason"), "{e:?}");
        assert_eq!(fields(&input(true, "", "").validate()), ["document"]);
        assert_eq!(
            fields(&input(true, "", &"页".repeat(MAX_DOCUMENT_CHARS + 1)).validate()),
            ["document"]
        );
        assert_eq!(
            fields(&input(false, &"因".repeat(MAX_REASON_CHARS + 1), "x").validate()),
            ["reason"]
        );
        assert_eq!(
            fields(&input(false, "bad\u{0007}bell", "x").validate()),
            ["reason"]
        );
        let mut bad = input(true, "", "x");
        bad.bid_id = "not-a-bid".into();
        assert_eq!(fields(&bad.validate()), ["bid_id"]);
    }

    #[test]
    fn only_government_procurement_tendering_has_the_purchasers_review() {
        for (c, m, l) in limits::TABLE {
            let rule = rule_of(l.qualification_review, l.minimum_bids);
            let gp_tendering = *c == Category::GovernmentProcurement
                && matches!(m, Method::OpenTendering | Method::InvitedTendering);
            assert_eq!(rule.is_ok(), gp_tendering, "{c:?} {m:?}");
            if let Ok((basis, minimum)) = rule {
                assert!(basis.contains("第44条"));
                assert_eq!(minimum, 3);
            }
        }
    }

    #[test]
    fn the_review_happens_while_evaluating_only() {
        use TenderStatus as S;
        assert!(check_stage(S::Evaluating).is_ok());
        for s in [S::Draft, S::Published, S::Opening] {
            assert!(
                check_stage(s).unwrap_err().contains("after the opening"),
                "{s:?}"
            );
        }
        for s in [
            S::CandidatesPublicised,
            S::Awarded,
            S::Closed,
            S::Cancelled,
            S::Failed,
        ] {
            assert!(check_stage(s).unwrap_err().contains("over"), "{s:?}");
        }
    }

    #[test]
    fn concluding_needs_every_valid_bid_and_three_qualified() {
        let valid: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let f = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
            v.iter().map(|(b, q)| (b.to_string(), *q)).collect()
        };
        assert_eq!(
            conclude(&valid, &f(&[("a", true), ("c", true)]), 3, "87号令 第44条"),
            Conclusion::Pending(vec!["b".into(), "d".into()])
        );
        assert_eq!(
            conclude(
                &valid,
                &f(&[("a", true), ("b", true), ("c", false), ("d", true)]),
                3,
                "87号令 第44条"
            ),
            Conclusion::Passes { qualified: 3 }
        );
        let Conclusion::Fails { qualified, reason } = conclude(
            &valid,
            &f(&[("a", true), ("b", false), ("c", false), ("d", true)]),
            3,
            "87号令 第44条",
        ) else {
            panic!("two qualified of four fail");
        };
        assert_eq!(qualified, 2);
        assert!(
            reason.starts_with("资格审查合格投标人不足3家（2 家）"),
            "{reason}"
        );
        assert!(
            reason.contains("Fewer than 3 bidders qualified"),
            "{reason}"
        );
        assert!(reason.ends_with("87号令 第44条"), "{reason}");
        // A finding on a bid that is not among the valid ones counts for
        // nothing.
        assert!(matches!(
            conclude(
                &valid[..3],
                &f(&[("a", true), ("b", true), ("c", false), ("z", true)]),
                3,
                "x"
            ),
            Conclusion::Fails { qualified: 2, .. }
        ));
    }

    #[test]
    fn staff_read_everything_bidders_their_own_the_public_the_result() {
        assert_eq!(sight(true, None, false), Sight::Everything);
        assert_eq!(sight(true, Some("org"), true), Sight::Everything);
        assert_eq!(sight(false, Some("org"), false), Sight::Own("org".into()));
        assert_eq!(sight(false, Some("org"), true), Sight::Published);
        assert_eq!(sight(false, None, false), Sight::Nothing);
        assert_eq!(sight(false, None, true), Sight::Published);
        use TenderStatus as S;
        assert!(!result_out(S::Evaluating, true));
        assert!(result_out(S::CandidatesPublicised, true));
        assert!(result_out(S::Failed, true));
        assert!(!result_out(S::Failed, false), "failed before any review");
        assert!(!result_out(S::Cancelled, false));
    }
}
