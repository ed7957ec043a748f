//! The rules of each kind of trade found by price, as data with the
//! articles they come from: what changes between kinds (and between a
//! league's local rules and the national ones) is here, never in the
//! engine's code.
//!
//! Where the text is uncertain the basis says `(check)`. Two readings are
//! settled here, each with its text:
//!
//! - **How many must want to continue** for a listing's timed phase.
//!   招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号, 2007) 第19条:
//!   "挂牌期限届满，挂牌主持人现场宣布最高报价及其报价者，并询问竞买人是否
//!   愿意继续竞价。有竞买人表示愿意继续竞价的，挂牌出让转入现场竞价". The
//!   2002 text (国土资源部令第11号 第19条) said "仍有两个或者两个以上的竞买人
//!   要求报价的". Both come to the same trade when the leader counts: one
//!   other bidder wishing to continue makes two in the timed phase, and the
//!   leader alone wishing to continue has nobody to outbid. So the rule is
//!   counted as participants, the leader and those who declared:
//!   [`ContinueRule::Declared`] with `min_participants: 2`.
//! - **The listing's ten days** are calendar days: 39号令 第18条 "挂牌时间
//!   不得少于10日" (the 2002 text said "10个工作日"). Mining rights are
//!   listed for at least 10 working days (矿业权交易规则, check).

use crate::tenders::limits::Period;
use crate::tenders::model::{Category, Method};
use crate::types::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// The kind of a trade found by price.
    pub enum TradeKind {
        /// 国有建设用地使用权挂牌出让: quotes over the listing period, then
        /// a timed phase if enough want to continue (39号令 第17–19条).
        LandListing = "land_listing",
        /// 国有建设用地使用权拍卖出让, online: free bidding, then the
        /// countdown (39号令 第15–16条).
        LandAuction = "land_auction",
        /// 矿业权挂牌出让 (矿业权交易规则).
        MiningListing = "mining_listing",
        /// 矿业权拍卖出让 (矿业权交易规则).
        MiningAuction = "mining_auction",
        /// 企业国有资产 网络竞价: free bidding, then the countdown
        /// (企业国有资产交易监督管理办法 第22条).
        PropertyOnlineBidding = "property_online_bidding",
    }
}

impl TradeKind {
    /// The category and method of the tender the trade belongs to.
    pub fn procedure(self) -> (Category, Method) {
        match self {
            TradeKind::LandListing | TradeKind::MiningListing => {
                (Category::LandMiningRights, Method::Listing)
            }
            TradeKind::LandAuction | TradeKind::MiningAuction => {
                (Category::LandMiningRights, Method::Auction)
            }
            TradeKind::PropertyOnlineBidding => (Category::StateOwnedProperty, Method::Auction),
        }
    }

    /// A listing: quotes over days, then (maybe) a timed phase.
    pub fn is_listing(self) -> bool {
        matches!(self, TradeKind::LandListing | TradeKind::MiningListing)
    }

    /// This kind's rules.
    pub fn rules(self) -> &'static KindRules {
        RULES
            .iter()
            .find(|r| r.kind == self)
            .expect("every trade kind has its rules")
    }
}

/// When a listing's timed phase follows its listing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ContinueRule {
    /// Bidders declare that they want to continue (during the listing or
    /// the window after it); the timed phase runs when the leader and those
    /// who declared are at least `min_participants`.
    Declared { min_participants: u32 },
    /// Every bidder who quoted in the listing period takes part, with no
    /// declaration (as some provinces' online rules run it); the timed phase
    /// runs when they are at least `min_participants`.
    Automatic { min_participants: u32 },
}

impl ContinueRule {
    pub fn min_participants(self) -> u32 {
        match self {
            ContinueRule::Declared { min_participants }
            | ContinueRule::Automatic { min_participants } => min_participants,
        }
    }
}

/// How the timed phase's countdown moves with a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Restart {
    /// Each accepted quote starts the whole countdown again (5 minutes
    /// "循环往复至最后5分钟内无人出价").
    EveryQuote,
    /// A quote within the last `window_secs` moves the end to
    /// `extend_secs` after it ("每最后*分钟如果有竞买人出价，将自动延迟*分钟").
    WithinLast { window_secs: u32, extend_secs: u32 },
    /// The end is fixed.
    Never,
}

/// What a trade of property with a single qualified buyer comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SingleBuyer {
    /// No bidding: an agreement on the exchange, at no less than the
    /// listing price and the reserve.
    Agreement,
    /// It bids as any trade does (one bidder may win at the start price).
    Bid,
}

/// One kind's rules, each with its article.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct KindRules {
    pub kind: TradeKind,
    /// The shortest listing period (listings; `None` for auctions).
    pub listing_min: Option<Period>,
    /// The notice's least time before the trade starts.
    pub notice_before_start: Period,
    /// Bidders a trade needs when it starts (fewer: no trade).
    pub min_bidders: u32,
    pub min_bidders_basis: &'static str,
    /// Listings: when the timed phase follows.
    pub continue_rule: Option<ContinueRule>,
    pub continue_basis: &'static str,
    /// Listings: seconds after the listing period in which bidders may
    /// still declare that they want to continue.
    pub continue_window_secs: u32,
    /// Listings: only a bidder who quoted in the listing period may take
    /// part in the timed phase.
    pub join_requires_quote: bool,
    /// The countdown's length unless the organiser sets another.
    pub default_countdown_secs: u32,
    pub restart: Restart,
    pub countdown_basis: &'static str,
    /// Whether the leading bidder may raise its own quote.
    pub leader_may_raise: bool,
    pub leader_basis: &'static str,
    pub single_buyer: SingleBuyer,
    pub single_buyer_basis: &'static str,
    /// Who wins at the close, and below the reserve.
    pub outcome_basis: &'static str,
    /// Deposits of those who did not win are refunded within this.
    pub refund: Period,
    /// The result is published within this after the close.
    pub result_publication: Period,
    /// Natural persons may apply, not only organisations.
    pub persons_may_apply: bool,
}

const LAND_NOTICE: Period = Period::calendar(
    20,
    "招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第10条: 出让人应当至少在投标、拍卖或者挂牌开始日前20日发布公告",
)
.cited("《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）第十条");
const LAND_LISTING: Period =
    Period::calendar(10, "国土资源部令第39号 第18条: 挂牌时间不得少于10日")
        .cited("《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）第十八条");
const LAND_REFUND: Period = Period::working(
    5,
    "国土资源部令第39号 第20条 (check): 未中标人、竞得人交纳的保证金，应当在招标拍卖挂牌活动结束后5个工作日内予以退还",
)
.cited("《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）第二十条");
const LAND_RESULT: Period = Period::working(
    10,
    "国土资源部令第39号 第22条 (check): 招标拍卖挂牌活动结束后，出让人应在10个工作日内将招标拍卖挂牌出让结果公布",
)
.cited("《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）第二十二条");
const LAND_CONTINUE: &str = "国土资源部令第39号 第19条: 有竞买人表示愿意继续竞价的，挂牌出让转入现场竞价 (counted with the leader: one other bidder makes two; the 2002 text, 第11号令 第19条, said 两个或者两个以上的竞买人)";
const LAND_OUTCOME: &str = "国土资源部令第39号 第16条 (auction: 最高应价或者报价未达到底价时，主持人应当终止拍卖), 第19条 (listing: (一) 只有一个竞买人报价且不低于底价的成交; (二) 出价最高者为竞得人，报价相同的，先提交报价单者为竞得人，但报价低于底价者除外; (三) 无应价者或均低于底价的不成交)";
const ONLINE_COUNTDOWN: &str = "the exchanges' online rules: 限时竞价 of 5 minutes, restarted by each valid quote (e.g. 钦州市自然资源局 网上交易: 5分钟限时竞价内如有人出价，则系统自动向后延时5分钟, check); the time is the server's";
const LEADER: &str = "the exchanges' online rules: 不可在自己出价领先状态下再次出价 (check)";
const MINING_NOTICE: Period = Period::working(
    20,
    "矿业权交易规则 (国土资规〔2017〕7号) (check): 出让公告 at least 20 working days before the trade",
);
const MINING_LISTING: Period = Period::working(
    10,
    "矿业权交易规则 (国土资规〔2017〕7号) (check): 挂牌时间不少于10个工作日",
);
const PROPERTY_NOTICE: Period = Period::working(
    20,
    "企业国有资产交易监督管理办法 (国资委 财政部令第32号) 第13条: 正式披露信息时间不得少于20个工作日",
)
.cited("《企业国有资产交易监督管理办法》（国资委 财政部令第32号）第十三条");
const PROPERTY_REFUND: Period = Period::working(
    3,
    "企业国有产权交易操作规则 (check): 未受让方的保证金在受让方确定后3个工作日内原额返还",
);
const PROPERTY_RESULT: Period = Period::working(
    5,
    "企业国有资产交易监督管理办法 第29条 (check): 交易结果 published by the exchange (5 working days: check)",
);

/// A land listing's rules: the others differ from it where they say.
const LAND_LISTING_RULES: KindRules = KindRules {
    kind: TradeKind::LandListing,
    listing_min: Some(LAND_LISTING),
    notice_before_start: LAND_NOTICE,
    min_bidders: 1,
    min_bidders_basis: "国土资源部令第39号 第19条(一): 只有一个竞买人报价，且报价不低于底价 … 挂牌成交",
    continue_rule: Some(ContinueRule::Declared {
        min_participants: 2,
    }),
    continue_basis: LAND_CONTINUE,
    continue_window_secs: 300,
    join_requires_quote: true,
    default_countdown_secs: 300,
    restart: Restart::EveryQuote,
    countdown_basis: ONLINE_COUNTDOWN,
    leader_may_raise: false,
    leader_basis: LEADER,
    single_buyer: SingleBuyer::Bid,
    single_buyer_basis: "国土资源部令第39号 第19条(一)",
    outcome_basis: LAND_OUTCOME,
    refund: LAND_REFUND,
    result_publication: LAND_RESULT,
    persons_may_apply: true,
};

/// An auction has no listing period and no declarations to continue: free
/// bidding, then the countdown.
const LAND_AUCTION_RULES: KindRules = KindRules {
    kind: TradeKind::LandAuction,
    listing_min: None,
    min_bidders_basis: "国土资源部令第39号 (2007) sets no least number for an auction (the 2002 text's 竞买人不足三人 … 终止拍卖 was dropped)",
    continue_rule: None,
    continue_basis: "—",
    continue_window_secs: 0,
    join_requires_quote: false,
    single_buyer_basis: "国土资源部令第39号 第15–16条",
    ..LAND_LISTING_RULES
};

/// Every kind's rules.
pub const RULES: &[KindRules] = &[
    LAND_LISTING_RULES,
    LAND_AUCTION_RULES,
    KindRules {
        kind: TradeKind::MiningListing,
        listing_min: Some(MINING_LISTING),
        notice_before_start: MINING_NOTICE,
        min_bidders_basis: "矿业权交易规则 (check): a listing with one bidder may close",
        single_buyer_basis: "矿业权交易规则 (check)",
        persons_may_apply: false,
        ..LAND_LISTING_RULES
    },
    KindRules {
        kind: TradeKind::MiningAuction,
        notice_before_start: MINING_NOTICE,
        min_bidders: 3,
        min_bidders_basis: "矿业权交易规则 (国土资规〔2017〕7号) (check): 拍卖出让矿业权的，竞买人不得少于3人",
        single_buyer_basis: "矿业权交易规则 (check)",
        persons_may_apply: false,
        ..LAND_AUCTION_RULES
    },
    KindRules {
        kind: TradeKind::PropertyOnlineBidding,
        notice_before_start: PROPERTY_NOTICE,
        min_bidders_basis: "企业国有资产交易监督管理办法 第22条 (check): with one qualified buyer, an agreement",
        single_buyer: SingleBuyer::Agreement,
        single_buyer_basis: "企业国有资产交易监督管理办法 第22条 and the exchanges' rules (check): 只产生一个符合条件的意向受让方的，可以采取协议方式成交，价格不得低于挂牌价",
        outcome_basis: "企业国有资产交易监督管理办法 第22条: 竞价可以采取拍卖、招投标、网络竞价以及其他竞价方式 (the highest valid quote wins; below the reserve, no sale)",
        refund: PROPERTY_REFUND,
        result_publication: PROPERTY_RESULT,
        ..LAND_AUCTION_RULES
    },
];

/// The rules as the README's table shows them (a test keeps the two equal).
pub fn markdown() -> String {
    let mut out = String::from(
        "| kind | category, method | listing at least | notice before the start | bidders at least | timed phase after a listing | countdown | leader may raise | one qualified buyer | deposits refunded within | result published within |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        let (category, method) = r.kind.procedure();
        let continuing = match r.continue_rule {
            Some(ContinueRule::Declared { min_participants }) => {
                format!("{min_participants} taking part (the leader and those who declared)")
            }
            Some(ContinueRule::Automatic { min_participants }) => {
                format!("{min_participants} taking part (all who quoted)")
            }
            None => "—".into(),
        };
        let restart = match r.restart {
            Restart::EveryQuote => "restarts on each quote".to_string(),
            Restart::WithinLast {
                window_secs,
                extend_secs,
            } => format!("a quote in the last {window_secs} s extends it to {extend_secs} s"),
            Restart::Never => "fixed".into(),
        };
        out.push_str(&format!(
            "| {} | {}, {} | {} | {} | {} | {} | {} s, {} | {} | {} | {} | {} |\n",
            r.kind.code(),
            category.code(),
            method.code(),
            r.listing_min.map_or("—".into(), |p| p.describe()),
            r.notice_before_start.describe(),
            r.min_bidders,
            continuing,
            r.default_countdown_secs,
            restart,
            if r.leader_may_raise { "yes" } else { "no" },
            match r.single_buyer {
                SingleBuyer::Agreement =>
                    "agreement, at no less than the listing price and the reserve",
                SingleBuyer::Bid => "bids as any trade",
            },
            r.refund.describe(),
            r.result_publication.describe(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row_and_its_procedure_is_allowed() {
        for kind in TradeKind::ALL {
            assert_eq!(
                RULES.iter().filter(|r| r.kind == *kind).count(),
                1,
                "{kind:?}"
            );
            let (category, method) = kind.procedure();
            assert!(
                crate::tenders::rules::allowed(category, method).is_some(),
                "{kind:?} runs as {category:?} {method:?}, which the tender rules allow"
            );
            let rules = kind.rules();
            assert_eq!(rules.listing_min.is_some(), kind.is_listing());
            assert_eq!(rules.continue_rule.is_some(), kind.is_listing());
            assert!(rules.default_countdown_secs >= 10);
        }
    }

    #[test]
    fn the_land_listing_lasts_ten_calendar_days_and_needs_two_to_continue() {
        let r = TradeKind::LandListing.rules();
        let listing = r.listing_min.unwrap();
        assert_eq!((listing.days, listing.unit_code()), (10, "calendar_days"));
        assert_eq!(r.continue_rule.unwrap().min_participants(), 2);
        let mining = TradeKind::MiningListing.rules().listing_min.unwrap();
        assert_eq!((mining.days, mining.unit_code()), (10, "working_days"));
        assert_eq!(TradeKind::MiningAuction.rules().min_bidders, 3);
    }

    #[test]
    fn the_readme_shows_the_rules_as_they_are() {
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&markdown()),
            "README.md's table of the auction rules differs from auctions::rules::markdown():\n{}",
            markdown()
        );
    }
}
