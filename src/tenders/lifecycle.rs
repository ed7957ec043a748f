//! The tender lifecycle as an explicit state machine (pure).
//!
//! ```text
//! draft → published → opening → evaluating → candidates_publicised → awarded → closed
//!   ↘ cancelled (from any open state)      ↘ failed (from published onwards)
//! ```
//!
//! The path after the evaluation depends on the category. Construction
//! publicises its candidates before the award (招标投标法实施条例 第54条:
//! 公示中标候选人，公示期不得少于3日). Government procurement has no
//! candidate publicity: the purchaser confirms the winner from the report
//! and the result is published (财政部令第87号 第68条–第69条), so
//! `evaluating → awarded`. Land and property transfers follow their own
//! rules (auction, listing: the auction issue); until then they go from
//! the evaluation to the award too, with the signed record of how the
//! price was reached (`super::results`).

use super::model::{Category, NoticeKind, TenderStatus};
use crate::types::text_enum;

text_enum! {
    /// An action that moves a tender through its lifecycle.
    pub enum Action {
        Publish = "publish",
        StartOpening = "start_opening",
        StartEvaluation = "start_evaluation",
        PubliciseCandidates = "publicise_candidates",
        Award = "award",
        Close = "close",
        Cancel = "cancel",
        Fail = "fail",
    }
}

impl Action {
    /// The notice an action publishes.
    pub fn notice_kind(self) -> NoticeKind {
        match self {
            Action::Publish => NoticeKind::Tender,
            Action::StartOpening => NoticeKind::Opening,
            Action::StartEvaluation => NoticeKind::Evaluation,
            Action::PubliciseCandidates => NoticeKind::Candidates,
            Action::Award => NoticeKind::Award,
            Action::Close => NoticeKind::Closure,
            Action::Cancel => NoticeKind::Cancellation,
            Action::Fail => NoticeKind::Failure,
        }
    }
}

/// Whether tenders of `category` publicise their candidates before the
/// award (construction: 招标投标法实施条例 第54条).
pub fn publicises_candidates(category: Category) -> bool {
    category == Category::EngineeringConstruction
}

/// The state an action leads to from `from` for a tender of `category`, or
/// `None` if the lifecycle does not allow it.
pub fn next(category: Category, from: TenderStatus, action: Action) -> Option<TenderStatus> {
    use Action as A;
    use TenderStatus as S;
    let publicity = publicises_candidates(category);
    match (from, action) {
        (S::Draft, A::Publish) => Some(S::Published),
        (S::Published, A::StartOpening) => Some(S::Opening),
        (S::Opening, A::StartEvaluation) => Some(S::Evaluating),
        (S::Evaluating, A::PubliciseCandidates) if publicity => Some(S::CandidatesPublicised),
        (S::Evaluating, A::Award) if !publicity => Some(S::Awarded),
        (S::CandidatesPublicised, A::Award) => Some(S::Awarded),
        (S::Awarded, A::Close) => Some(S::Closed),
        (
            S::Draft | S::Published | S::Opening | S::Evaluating | S::CandidatesPublicised,
            A::Cancel,
        ) => Some(S::Cancelled),
        // After the award too, while no contract is signed (the route
        // checks that): the winner refuses to sign and the procedure is run
        // again (政府采购法实施条例 第49条; 招标投标法实施条例 第55条), or a
        // complaint upheld annuls the result (财政部令第94号 第32条).
        (
            S::Published | S::Opening | S::Evaluating | S::CandidatesPublicised | S::Awarded,
            A::Fail,
        ) => Some(S::Failed),
        _ => None,
    }
}

/// The actions allowed from a state (for clients and error messages).
pub fn allowed(category: Category, from: TenderStatus) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| next(category, from, *a).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use TenderStatus as S;

    const C: Category = Category::EngineeringConstruction;
    const GP: Category = Category::GovernmentProcurement;

    fn next(from: TenderStatus, action: Action) -> Option<TenderStatus> {
        super::next(C, from, action)
    }

    fn allowed(from: TenderStatus) -> Vec<Action> {
        super::allowed(C, from)
    }

    #[test]
    fn procurement_land_and_property_award_without_candidate_publicity() {
        for category in [GP, Category::LandMiningRights, Category::StateOwnedProperty] {
            assert_eq!(
                super::next(category, S::Evaluating, Action::Award),
                Some(S::Awarded),
                "{category:?}"
            );
            assert_eq!(
                super::next(category, S::Evaluating, Action::PubliciseCandidates),
                None,
                "{category:?}"
            );
            assert!(
                !super::allowed(category, S::Evaluating).contains(&Action::PubliciseCandidates)
            );
        }
        // Construction publicises first: no award straight from the evaluation.
        assert_eq!(next(S::Evaluating, Action::Award), None);
        assert_eq!(
            next(S::Evaluating, Action::PubliciseCandidates),
            Some(S::CandidatesPublicised)
        );
    }

    #[test]
    fn happy_path() {
        let path = [
            (Action::Publish, S::Published),
            (Action::StartOpening, S::Opening),
            (Action::StartEvaluation, S::Evaluating),
            (Action::PubliciseCandidates, S::CandidatesPublicised),
            (Action::Award, S::Awarded),
            (Action::Close, S::Closed),
        ];
        let mut state = S::Draft;
        for (action, expected) in path {
            state = next(state, action).unwrap();
            assert_eq!(state, expected);
        }
        assert!(allowed(state).is_empty(), "closed is final");
    }

    #[test]
    fn no_skipping_and_no_way_back() {
        assert_eq!(next(S::Draft, Action::StartOpening), None);
        assert_eq!(next(S::Published, Action::Award), None);
        assert_eq!(next(S::Published, Action::Publish), None);
        assert_eq!(next(S::Closed, Action::Cancel), None);
        assert_eq!(next(S::Cancelled, Action::Publish), None);
        assert_eq!(next(S::Failed, Action::Fail), None);
        assert_eq!(
            next(S::Draft, Action::Fail),
            None,
            "a draft is cancelled, not failed"
        );
        assert_eq!(
            next(S::Awarded, Action::Cancel),
            None,
            "an award stands; it is closed"
        );
    }

    #[test]
    fn every_state_is_reachable_from_draft() {
        let mut seen = vec![S::Draft];
        let mut frontier = vec![S::Draft];
        while let Some(s) = frontier.pop() {
            for a in allowed(s) {
                let n = next(s, a).unwrap();
                if !seen.contains(&n) {
                    seen.push(n);
                    frontier.push(n);
                }
            }
        }
        for s in S::ALL {
            assert!(seen.contains(s), "{s:?} unreachable");
        }
        // Without candidate publicity every state but that one is reachable.
        let mut seen = vec![S::Draft];
        let mut frontier = vec![S::Draft];
        while let Some(s) = frontier.pop() {
            for a in super::allowed(GP, s) {
                let n = super::next(GP, s, a).unwrap();
                if !seen.contains(&n) {
                    seen.push(n);
                    frontier.push(n);
                }
            }
        }
        for s in S::ALL {
            assert_eq!(
                seen.contains(s),
                *s != S::CandidatesPublicised,
                "{s:?} in government procurement"
            );
        }
    }
}
