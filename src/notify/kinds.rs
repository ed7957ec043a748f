//! What the platform sends, and which of it a user may switch off. Pure.

use crate::types::text_enum;

text_enum! {
    /// A kind of message; each has its template in `templates/notify`.
    pub enum Kind {
        /// The link that verifies a new e-mail address.
        EmailVerification = "email_verification",
        /// A new tender in a category (and league) the user follows.
        TenderPublished = "tender_published",
        /// An invitation to bid (投标邀请书), at an invited tender's
        /// publication, to the invited enterprises' bidding accounts.
        TenderInvitation = "tender_invitation",
        /// An amendment, to every enterprise that took the documents.
        TenderAmended = "tender_amended",
        /// An answered clarification, to every enterprise that took the
        /// documents.
        ClarificationAnswered = "clarification_answered",
        /// The bid's receipt, with its RFC 3161 timestamp token.
        BidReceipt = "bid_receipt",
        /// The opening record, to the bidders.
        OpeningRecord = "opening_record",
        /// Too few bidders at the deadline: the bids are not opened, to
        /// the enterprises that bid.
        BidsNotOpened = "bids_not_opened",
        /// An objection's answer, to whoever raised it.
        ObjectionAnswered = "objection_answered",
        /// An invitation to sit on a committee, answered by a deadline.
        ExpertInvitation = "expert_invitation",
        /// The evaluation room is open, to its members.
        RoomOpened = "room_opened",
        /// The committee signed its report, to the tenderer and its agent.
        EvaluationFinished = "evaluation_finished",
        /// Candidates publicised, to the bidders.
        CandidatesPublicised = "candidates_publicised",
        /// The notice of award (中标通知书), signed, to the winner.
        AwardNotice = "award_notice",
        /// The result notice, signed, to every other bidder.
        ResultNotice = "result_notice",
        /// A supervision alert, to supervisors in scope who asked for them.
        SupervisionAlert = "supervision_alert",
        /// A custodian asked to release its share of an opening key.
        ShareRequest = "share_request",
    }
}

/// Whether a user may choose not to get a kind by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Always sent, to the inbox and by e-mail: the procedure depends on
    /// the recipient knowing.
    Procedural,
    /// Sent unless the user switched it off (then the inbox only).
    Optional,
    /// Sent only to users who asked for it.
    OptIn,
}

impl Kind {
    pub fn class(self) -> Class {
        use Kind::*;
        match self {
            // The receipt is the bidder's proof of a bid in time; the award
            // and result notices are owed to every bidder (电子招标投标办法
            // 第36条: the notice of award to the winner and the result to
            // the others, through the platform); amendments and answered
            // clarifications are owed to everyone who took the documents
            // (招标投标法实施条例 第21条: "以书面形式通知所有获取招标文件的
            // 潜在投标人"); an invitation to bid is how an invited tender
            // reaches the only enterprises that may bid (招标投标法 第17条);
            // invitations, rooms and share requests are what the procedure
            // waits for; bids not opened end the enterprises' part in the
            // procedure (招标投标法实施条例 第44条: it must be run again, and
            // they bid again).
            EmailVerification
            | TenderInvitation
            | BidReceipt
            | AwardNotice
            | ResultNotice
            | TenderAmended
            | ClarificationAnswered
            | ExpertInvitation
            | RoomOpened
            | ShareRequest
            | BidsNotOpened
            | ObjectionAnswered => Class::Procedural,
            TenderPublished | OpeningRecord | EvaluationFinished | CandidatesPublicised => {
                Class::Optional
            }
            SupervisionAlert => Class::OptIn,
        }
    }

    /// Whether a user's choice matters for this kind.
    pub fn choosable(self) -> bool {
        self.class() != Class::Procedural
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_procedure_needs_cannot_be_switched_off() {
        for kind in [
            Kind::BidReceipt,
            Kind::TenderInvitation,
            Kind::ExpertInvitation,
            Kind::AwardNotice,
            Kind::ResultNotice,
            Kind::ShareRequest,
        ] {
            assert!(!kind.choosable(), "{kind:?}");
        }
        assert_eq!(Kind::SupervisionAlert.class(), Class::OptIn);
        assert_eq!(Kind::TenderPublished.class(), Class::Optional);
    }
}
