//! The award (定标): who wins, and the notices it owes every bidder.
//!
//! The winner is the first-ranked bid of the committee's signed report
//! unless the award names another (`winner_bid_id`), which must be a bid of
//! the tender read out as valid at the opening; naming any other than the
//! report's first needs a reason, kept on the record: for state-funded
//! projects the first candidate must be chosen unless it gives up or cannot
//! perform (招标投标法实施条例 第55条), and the tenderer must say which.
//!
//! Once the winner is decided, in the award's transaction, the platform
//! issues the notice of award (中标通知书) to the winner and a result notice
//! (中标结果通知书) to every other enterprise whose bid was opened, at the
//! same time (招标投标法 第45条: "中标人确定后，招标人应当向中标人发出中标
//! 通知书，并同时将中标结果通知所有未中标的投标人"), through the platform
//! (电子招标投标办法 第36条, as we read it: the notice of award to the
//! winner and the result notice to the unsuccessful bidders, as data
//! messages through the trading platform). Each notice is a small JSON
//! document ([`NoticeContent`]) signed by the platform's document-signing
//! key (CMS SignedData, `keys::documents`), kept as a document of the
//! procedure ([`super::procedure_documents`]) and sent to the recipient's
//! bidding accounts as a message with the signed document attached.

use super::procedure_documents::{self, DocumentKind};
use super::store::{TenderRow, TransitionInput};
use crate::audit::{self, AuditContext};
use crate::db::DbConn;
use crate::db::schema::{awards, bid_openings, bids, organisations};
use crate::error::{AppError, FieldError};
use crate::evaluation::store::SignedReport;
use crate::identity::Role;
use crate::keys::documents::DocumentSigner;
use crate::notify::{self, Attachment, Kind, Message};
use crate::opendata::OcdsSettings;
use crate::opening::record::Outcome;
use crate::tenders::model::Category;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

/// The media type of a signed notice (CMS SignedData, DER).
pub const SIGNED_MEDIA_TYPE: &str = "application/pkcs7-mime";

/// The version of the signed notices' JSON ([`NoticeContent`]).
pub const NOTICE_FORMAT: &str = "ggzy-result-notice-v1";

/// Where the law is, as the signed notices cite it.
pub const LEGAL_BASIS: [&str; 2] = [
    "《中华人民共和国招标投标法》第四十五条",
    "《电子招标投标办法》第三十六条",
];

/// An enterprise whose bid was opened, with that bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bidder {
    pub organisation_id: String,
    pub name: String,
    /// Its unified social credit code, where the platform knows it.
    pub credit_code: Option<String>,
    pub bid_id: String,
}

/// What the award decided.
#[derive(Debug, Clone, Serialize)]
pub struct Award {
    /// The first lot's winner (the whole tender's without lots).
    pub winner: Bidder,
    /// Its rank in the signed report (none without one, or when the
    /// report does not rank it).
    pub rank_in_report: Option<u32>,
    /// The SHA-256 the committee signed its report under, if there is one.
    pub report_sha256: Option<String>,
    /// Every lot awarded (lot 0 for the tender as one), with its winner,
    /// rank, value and reason; lots that failed in the report are not.
    pub lots: Vec<LotAward>,
    /// Who decided: `purchaser` (the tender's organiser) or `platform`
    /// (the first candidate standing when the purchaser did not confirm
    /// in time, 财政部令第87号 第68条).
    pub decided_by: &'static str,
    /// Every enterprise whose bid was opened and that won no lot, once each.
    #[serde(skip)]
    pub others: Vec<Bidder>,
}

/// One lot of an award.
#[derive(Debug, Clone, Serialize)]
pub struct LotAward {
    pub lot: u32,
    pub winner: Bidder,
    pub rank_in_report: Option<u32>,
    /// See [`super::results`]: the lot price as corrected and confirmed,
    /// else as read out.
    pub value_fen: i64,
    pub reason: String,
}

/// Why there is no winner without one being named.
const NO_REPORT: &str = "name the winning bid: this tender has no evaluation report signed by its \
     whole committee, whose first-ranked bid would otherwise win";

/// The winning bid and its rank in the report, decided from the signed
/// report, the bid the award names (if any), the bids read out as valid at
/// the opening, and the award's reason. Pure.
pub fn decide(
    report: Option<&SignedReport>,
    named: Option<&str>,
    valid_bids: &[&str],
    reason: &str,
) -> Result<(String, Option<u32>), AppError> {
    let rank_of = |bid: &str| {
        report
            .and_then(|r| r.ranking.iter().find(|x| x.bid_id == bid))
            .map(|x| x.rank)
    };
    let bid = match named {
        Some(bid) => bid.to_string(),
        None => report
            .and_then(|r| r.ranking.first())
            .map(|first| first.bid_id.clone())
            .ok_or_else(|| {
                AppError::invalid_field(
                    FieldError::new("winner_bid_id", NO_REPORT)
                        .because("award.name-winner", json!({})),
                )
            })?,
    };
    if !valid_bids.contains(&bid.as_str()) {
        return Err(AppError::invalid_field(
            FieldError::new(
                "winner_bid_id",
                format!(
                    "{bid} is not a bid of this tender read out as valid at its opening; only \
                     such a bid can win"
                ),
            )
            .because("award.not-valid-bid", json!({ "bid": bid })),
        ));
    }
    let rank = rank_of(&bid);
    if rank != Some(1) && reason.trim().is_empty() {
        let (why, rule, params) = match (report, rank) {
            (None, _) => (
                "there is no report signed by the whole committee".to_string(),
                "award.reason-no-report",
                json!({}),
            ),
            (Some(_), Some(rank)) => (
                format!("the signed report ranks it {rank}"),
                "award.reason-not-first",
                json!({ "rank": rank }),
            ),
            (Some(_), None) => (
                "the signed report does not rank it".to_string(),
                "award.reason-unranked",
                json!({}),
            ),
        };
        return Err(AppError::invalid_field(
            FieldError::new(
                "reason",
                format!(
                    "say why this bid wins: {why}, and for a state-funded project the first-ranked \
                     candidate wins unless it gives up, cannot perform or is disqualified \
                     (招标投标法实施条例 第55条)"
                ),
            )
            .because(rule, params),
        ));
    }
    Ok((bid, rank))
}

/// Every bid of the tender that was opened, with its outcome and bidder.
fn opened_bids(conn: &mut DbConn, tender_id: &str) -> Result<Vec<(Bidder, String)>, AppError> {
    type Row = (String, String, String, String, Option<String>);
    let rows: Vec<Row> = bid_openings::table
        .inner_join(bids::table.on(bids::id.eq(bid_openings::bid_id)))
        .inner_join(organisations::table.on(organisations::id.eq(bids::bidder_org_id)))
        .filter(bid_openings::tender_id.eq(tender_id))
        .order((bid_openings::opened_at.asc(), bid_openings::bid_id.asc()))
        .select((
            bids::id,
            bid_openings::outcome,
            organisations::id,
            organisations::name,
            organisations::credit_code,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(bid_id, outcome, organisation_id, name, credit_code)| {
            (
                Bidder {
                    organisation_id,
                    name,
                    credit_code,
                    bid_id,
                },
                outcome,
            )
        })
        .collect())
}

/// Decides the award of `row` as `input` asks (see the module and
/// [`super::results`]): per lot, the winner among the signed report's
/// candidates (the first unless another is named with a reason), and
/// everyone else to tell. Without a report (a procedure without a
/// committee) the winner is named, with a reason. Government procurement
/// past the purchaser's 5 working days takes only the first. Refuses
/// (422), changing nothing, when no winner can be decided.
pub fn choose(
    conn: &mut DbConn,
    row: &TenderRow,
    input: &TransitionInput,
    now: DateTime<Utc>,
    decided_by: &'static str,
) -> Result<Award, AppError> {
    let opened = opened_bids(conn, &row.id)?;
    let valid: Vec<&str> = opened
        .iter()
        .filter(|(_, outcome)| outcome == Outcome::Valid.code())
        .map(|(b, _)| b.bid_id.as_str())
        .collect();
    let bidder_of = |bid: &str| -> Result<Bidder, AppError> {
        opened
            .iter()
            .map(|(b, _)| b)
            .find(|b| b.bid_id == bid)
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the winning bid {bid} vanished")))
    };
    let category = row.facts()?.category;
    let report = crate::evaluation::store::signed_report(conn, &row.id)?;
    let mut lots = Vec::new();
    match &report {
        Some(report) => {
            let rule = super::results::award_rule(category);
            let in_report = super::results::report_lots(&report.json);
            let mut errors = Vec::new();
            for (i, choice) in input.lots.iter().enumerate() {
                let known = in_report.iter().any(|l| l.lot == choice.lot && !l.failed);
                if !known || input.lots[..i].iter().any(|c| c.lot == choice.lot) {
                    errors.push(
                        FieldError::new(
                            format!("lots[{i}].lot"),
                            format!(
                                "lot {} is not a lot of the signed report with candidates, or is \
                                 named twice",
                                choice.lot
                            ),
                        )
                        .because("award.lot-not-in-report", json!({ "lot": choice.lot })),
                    );
                }
            }
            if input.winner_bid_id.is_some() && in_report.len() > 1 {
                errors.push(
                    FieldError::new(
                        "winner_bid_id",
                        "this report has several lots: name each lot's winner in `lots`",
                    )
                    .because("award.name-each-lot", json!({})),
                );
            }
            AppError::check(errors)?;
            for lot in in_report.iter().filter(|l| !l.failed) {
                let choice = input
                    .lots
                    .iter()
                    .enumerate()
                    .find(|(_, c)| c.lot == lot.lot);
                let (named, reason, field) = match choice {
                    Some((i, c)) => (
                        c.winner_bid_id.as_deref(),
                        c.reason.as_str(),
                        format!("lots[{i}].winner_bid_id"),
                    ),
                    None => (
                        input.winner_bid_id.as_deref(),
                        input.reason.as_str(),
                        "winner_bid_id".to_string(),
                    ),
                };
                let chosen =
                    super::results::choose_in_lot(lot, named, &valid, reason, &field, rule)?;
                lots.push(LotAward {
                    lot: lot.lot,
                    winner: bidder_of(&chosen.bid_id)?,
                    rank_in_report: Some(chosen.rank),
                    value_fen: chosen.value_fen(),
                    reason: reason.to_string(),
                });
            }
            if lots.is_empty() {
                return Err(AppError::invalid_field(
                    FieldError::new(
                        "winner_bid_id",
                        "every lot failed in the committee's signed report: there is no \
                         candidate to award; fail the tender instead",
                    )
                    .because("award.every-lot-failed", json!({})),
                ));
            }
            if category == Category::GovernmentProcurement {
                let calendar = crate::calendar::current(conn)?;
                let deadline = super::results::confirmation_deadline(&calendar, report.signed_at)?;
                let ranks: Vec<u32> = lots.iter().filter_map(|l| l.rank_in_report).collect();
                super::results::check_confirmation(deadline, now, &ranks)?;
            }
        }
        None => {
            if crate::evaluation::store::setup_of(conn, &row.id)?.is_some() {
                return Err(AppError::invalid_field(
                    FieldError::new(
                        "winner_bid_id",
                        "the evaluation report is not yet signed by its whole committee: the \
                         winner is taken from the signed report's candidates, so the award waits \
                         for it",
                    )
                    .because("award.report-not-signed", json!({})),
                ));
            }
            if !input.lots.is_empty() {
                return Err(AppError::invalid_field(
                    FieldError::new(
                        "lots",
                        "without an evaluation report the award names one winning bid",
                    )
                    .because("award.one-winner-without-report", json!({})),
                ));
            }
            let (bid, rank) = decide(None, input.winner_bid_id.as_deref(), &valid, &input.reason)?;
            let value: Option<i64> = bid_openings::table
                .find(&bid)
                .select(bid_openings::total_price_fen)
                .first::<Option<i64>>(conn)
                .optional()?
                .flatten();
            let value = value.ok_or_else(|| {
                AppError::invalid_field(
                    FieldError::new(
                        "winner_bid_id",
                        format!("{bid} has no price read out at the opening"),
                    )
                    .because("award.no-price", json!({ "bid": bid })),
                )
            })?;
            lots.push(LotAward {
                lot: 0,
                winner: bidder_of(&bid)?,
                rank_in_report: rank,
                value_fen: value,
                reason: input.reason.clone(),
            });
        }
    }
    let mut others: Vec<Bidder> = Vec::new();
    for (bidder, _) in &opened {
        let told = lots
            .iter()
            .any(|l| l.winner.organisation_id == bidder.organisation_id)
            || others
                .iter()
                .any(|o| o.organisation_id == bidder.organisation_id);
        if !told {
            others.push(bidder.clone());
        }
    }
    let first = &lots[0];
    Ok(Award {
        winner: first.winner.clone(),
        rank_in_report: first.rank_in_report,
        report_sha256: report.map(|r| r.sha256),
        decided_by,
        lots: lots.clone(),
        others,
    })
}

/// The public award notice's text: each lot's winner, value and rank in
/// the report, who decided, and the organiser's words (`reason`). Pure.
pub fn result_text(award: &Award, reason: &str) -> String {
    let mut out = String::from("中标结果：\n");
    for lot in &award.lots {
        out.push_str(&NoticeLot::of(lot).line());
        if let Some(rank) = lot.rank_in_report {
            out.push_str(&format!("（评标报告排名第{rank}）"));
        }
        if !lot.reason.trim().is_empty() && lot.reason != reason {
            out.push_str(&format!("；理由：{}", lot.reason.trim()));
        }
        out.push('\n');
    }
    if !reason.trim().is_empty() {
        out.push_str(reason.trim());
    }
    out.trim_end().to_string()
}

/// [`result_text`] as words (`award`): per lot its winner, value (yuan,
/// as written), rank in the report and own reason, and the organiser's
/// words, for the portal to say in the reader's language
/// (`super::notice_words`). Pure.
pub fn result_words(award: &Award, reason: &str) -> super::notice_words::Said {
    let lots: Vec<serde_json::Value> = award
        .lots
        .iter()
        .map(|lot| {
            let mut l = serde_json::json!({
                "lot": lot.lot,
                "winner": lot.winner.name,
                "value": format!("{}.{:02}", lot.value_fen / 100, lot.value_fen.abs() % 100),
            });
            if let Some(rank) = lot.rank_in_report {
                l["rank"] = serde_json::json!(rank);
            }
            if !lot.reason.trim().is_empty() && lot.reason != reason {
                l["reason"] = serde_json::json!(lot.reason.trim());
            }
            l
        })
        .collect();
    let mut params = serde_json::json!({ "lots": lots, "reason": reason.trim() });
    // The platform's own reason when the first candidate stands
    // (财政部令第87号 第68条).
    if reason.trim() == super::default_award::REASON {
        params["standing"] = serde_json::json!(true);
    }
    super::notice_words::Said::new("award", params)
}

/// The enterprises that won at least one lot, once each, with the lots.
pub fn winners(award: &Award) -> Vec<(Bidder, Vec<&LotAward>)> {
    let mut out: Vec<(Bidder, Vec<&LotAward>)> = Vec::new();
    for lot in &award.lots {
        match out
            .iter_mut()
            .find(|(b, _)| b.organisation_id == lot.winner.organisation_id)
        {
            Some((_, lots)) => lots.push(lot),
            None => out.push((lot.winner.clone(), vec![lot])),
        }
    }
    out
}

/// An award as stored: one per lot awarded (lot 0 for a tender without
/// lots). The winning bid, its supplier and the value are fixed here; a
/// contract drafted from the award takes them as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, utoipa::ToSchema)]
pub struct AwardRecord {
    pub id: String,
    pub tender_id: String,
    pub lot: i32,
    pub bid_id: String,
    pub supplier_org_id: String,
    pub value_fen: i64,
    pub rank_in_report: Option<i32>,
    pub reason: String,
    #[schema(value_type = String)]
    pub decided_at: chrono::NaiveDateTime,
    pub notice_seq: Option<i32>,
}

/// The awards of `award` as they will be stored, one per lot, announced by
/// the public notice `notice_seq` (see [`record`]).
pub fn records(
    row: &TenderRow,
    award: &Award,
    decided_at: DateTime<Utc>,
    notice_seq: Option<i32>,
) -> Vec<AwardRecord> {
    award
        .lots
        .iter()
        .map(|l| AwardRecord {
            id: uuid::Uuid::new_v4().to_string(),
            tender_id: row.id.clone(),
            lot: i32::try_from(l.lot).unwrap_or(i32::MAX),
            bid_id: l.winner.bid_id.clone(),
            supplier_org_id: l.winner.organisation_id.clone(),
            value_fen: l.value_fen,
            rank_in_report: l.rank_in_report.and_then(|r| i32::try_from(r).ok()),
            reason: l.reason.clone(),
            decided_at: crate::db::to_db_time(decided_at),
            notice_seq,
        })
        .collect()
}

/// Stores the awards (one per lot) made by [`records`], in the award's
/// transaction.
pub fn record(conn: &mut DbConn, records: &[AwardRecord]) -> Result<(), AppError> {
    for record in records {
        diesel::insert_into(awards::table)
            .values((
                awards::id.eq(&record.id),
                awards::tender_id.eq(&record.tender_id),
                awards::lot.eq(record.lot),
                awards::bid_id.eq(&record.bid_id),
                awards::supplier_org_id.eq(&record.supplier_org_id),
                awards::value_fen.eq(record.value_fen),
                awards::rank_in_report.eq(record.rank_in_report),
                awards::reason.eq(&record.reason),
                awards::decided_at.eq(record.decided_at),
                awards::notice_seq.eq(record.notice_seq),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A tender's awards, by lot.
pub fn awards_of(conn: &mut DbConn, tender_id: &str) -> Result<Vec<AwardRecord>, AppError> {
    Ok(awards::table
        .filter(awards::tender_id.eq(tender_id))
        .order(awards::lot.asc())
        .select((
            awards::id,
            awards::tender_id,
            awards::lot,
            awards::bid_id,
            awards::supplier_org_id,
            awards::value_fen,
            awards::rank_in_report,
            awards::reason,
            awards::decided_at,
            awards::notice_seq,
        ))
        .load(conn)?)
}

/// A party as a signed notice names it.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub organisation_id: String,
    pub name: String,
    /// 统一社会信用代码, where the platform knows it.
    pub unified_social_credit_code: Option<String>,
}

impl Party {
    fn of(bidder: &Bidder) -> Party {
        Party {
            organisation_id: bidder.organisation_id.clone(),
            name: bidder.name.clone(),
            unified_social_credit_code: bidder.credit_code.clone(),
        }
    }
}

/// The tender as a signed notice names it.
#[derive(Debug, Clone, Serialize)]
pub struct TenderPart {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub tenderer: String,
}

/// The winner as a signed notice names it.
#[derive(Debug, Clone, Serialize)]
pub struct WinnerPart {
    #[serde(flatten)]
    pub party: Party,
    pub bid_id: String,
}

/// What the platform signs: one notice to one organisation (documented in
/// the README, "Notices of award and result notices").
#[derive(Debug, Clone, Serialize)]
pub struct NoticeContent {
    /// [`NOTICE_FORMAT`].
    pub format: &'static str,
    /// The procedure document's id (`/api/v1/tenders/{tender}/result-notices/{id}`).
    pub document_id: String,
    /// `award_notice` or `result_notice`.
    pub kind: &'static str,
    /// 中标通知书 or 中标结果通知书.
    pub title: &'static str,
    /// The platform that issues it.
    pub platform: String,
    pub tender: TenderPart,
    pub recipient: Party,
    pub winner: WinnerPart,
    pub decided_at: DateTime<Utc>,
    /// The lots it concerns: those the recipient won (notice of award), or
    /// every lot awarded (result notice); lot 0 is the tender as one.
    pub lots: Vec<NoticeLot>,
    /// The notice in words (Chinese).
    pub text: String,
    pub legal_basis: [&'static str; 2],
}

/// One lot awarded, as a signed notice names it.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeLot {
    pub lot: u32,
    pub winner: String,
    pub winner_bid_id: String,
    pub value_fen: i64,
}

impl NoticeLot {
    pub fn of(lot: &LotAward) -> NoticeLot {
        NoticeLot {
            lot: lot.lot,
            winner: lot.winner.name.clone(),
            winner_bid_id: lot.winner.bid_id.clone(),
            value_fen: lot.value_fen,
        }
    }

    fn line(&self) -> String {
        let which = if self.lot == 0 {
            "本项目".to_string()
        } else {
            format!("第{}标段", self.lot)
        };
        format!(
            "{which}：中标人 {}，中标价 {}.{:02} 元",
            self.winner,
            self.value_fen / 100,
            self.value_fen.abs() % 100
        )
    }
}

/// "2027年01月15日 16:00:00（北京时间）".
fn beijing(at: DateTime<Utc>) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(offset) => at
            .with_timezone(&offset)
            .format("%Y年%m月%d日 %H:%M:%S（北京时间）")
            .to_string(),
        None => at.to_rfc3339(),
    }
}

impl NoticeContent {
    /// The notice of `kind` to `recipient` of the award of `tender`. Pure.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: DocumentKind,
        document_id: &str,
        platform: &str,
        tender: TenderPart,
        recipient: &Bidder,
        winner: &Bidder,
        decided_at: DateTime<Utc>,
        lots: Vec<NoticeLot>,
    ) -> NoticeContent {
        let when = beijing(decided_at);
        let lines: String = lots.iter().map(|l| format!("{}\n", l.line())).collect();
        let (title, text) = match kind {
            DocumentKind::AwardNotice => (
                "中标通知书",
                format!(
                    "{recipient}：\n经评标委员会评审，招标人{tenderer}确定贵单位为“{title}”\
                     （招标编号 {reference}）的中标人，特此通知。\n{lines}请自本通知书发出之日起三十日内，\
                     按照招标文件和贵单位的投标文件与招标人订立书面合同。\n{platform}\n{when}",
                    recipient = recipient.name,
                    tenderer = tender.tenderer,
                    title = tender.title,
                    reference = tender.reference,
                ),
            ),
            DocumentKind::ResultNotice | DocumentKind::PriceRecord => (
                "中标结果通知书",
                format!(
                    "{recipient}：\n“{title}”（招标编号 {reference}）的中标人已确定为{winner}，\
                     贵单位未中标，特此通知。\n{lines}感谢贵单位的参与。\n{platform}\n{when}",
                    recipient = recipient.name,
                    title = tender.title,
                    reference = tender.reference,
                    winner = winner.name,
                ),
            ),
        };
        NoticeContent {
            format: NOTICE_FORMAT,
            document_id: document_id.to_string(),
            kind: kind.code(),
            title,
            platform: platform.to_string(),
            tender,
            recipient: Party::of(recipient),
            winner: WinnerPart {
                party: Party::of(winner),
                bid_id: winner.bid_id.clone(),
            },
            decided_at,
            lots,
            text,
            legal_basis: LEGAL_BASIS,
        }
    }

    /// The bytes signed: pretty-printed UTF-8 JSON.
    pub fn to_bytes(&self) -> Result<Vec<u8>, AppError> {
        serde_json::to_vec_pretty(self)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("notice content")))
    }
}

/// The file name a notice is sent and served under.
pub fn filename(kind: DocumentKind, tender_id: &str, recipient_org_id: &str) -> String {
    match kind {
        DocumentKind::AwardNotice => format!("award-notice-{tender_id}.p7m"),
        DocumentKind::ResultNotice => format!("result-notice-{tender_id}-{recipient_org_id}.p7m"),
        DocumentKind::PriceRecord => format!("price-record-{tender_id}.p7m"),
    }
}

/// In the award's transaction: signs, keeps and sends the notice of award
/// to the winner and a result notice to every other bidder (see the
/// module), and puts the documents' hashes on the record. Returns how many
/// documents were issued.
pub fn issue(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    award: &Award,
    signer: &DocumentSigner,
) -> Result<usize, AppError> {
    let tenderer = crate::identity::store::organisation_ref(conn, &row.tenderer_org_id)?
        .map(|o| o.name)
        .unwrap_or_default();
    let all: Vec<NoticeLot> = award.lots.iter().map(NoticeLot::of).collect();
    let won = winners(award);
    let recipients = won
        .iter()
        .map(|(w, lots)| {
            (
                DocumentKind::AwardNotice,
                w,
                lots.iter().map(|l| NoticeLot::of(l)).collect::<Vec<_>>(),
            )
        })
        .chain(
            award
                .others
                .iter()
                .map(|o| (DocumentKind::ResultNotice, o, all.clone())),
        );
    #[derive(Serialize)]
    struct Issued {
        document_id: String,
        kind: &'static str,
        recipient_org_id: String,
        sha256: String,
        recipients: usize,
    }
    let mut issued = Vec::new();
    for (kind, recipient, lots) in recipients {
        let document_id = uuid::Uuid::new_v4().to_string();
        let tender = TenderPart {
            id: row.id.clone(),
            reference: row.reference.clone(),
            title: row.title.clone(),
            tenderer: tenderer.clone(),
        };
        let content = NoticeContent::new(
            kind,
            &document_id,
            &settings.publisher_name,
            tender,
            recipient,
            if kind == DocumentKind::AwardNotice {
                recipient
            } else {
                &award.winner
            },
            ctx.now,
            lots,
        )
        .to_bytes()?;
        let signed = signer.sign(&content).map_err(AppError::Internal)?;
        let sha256 = procedure_documents::keep(
            conn,
            &procedure_documents::NewDocument {
                id: &document_id,
                tender_id: &row.id,
                kind,
                recipient_org_id: &recipient.organisation_id,
                signed: &signed,
            },
            ctx.now,
        )?;
        let users = notify::users_of(conn, &recipient.organisation_id, Role::Bidder)?;
        let sent = notify::send(
            conn,
            ctx,
            &message(kind, row, recipient, award, &document_id, &signed, ctx.now),
            &users,
        )?;
        issued.push(Issued {
            document_id,
            kind: kind.code(),
            recipient_org_id: recipient.organisation_id.clone(),
            sha256,
            recipients: sent,
        });
    }
    audit::record(
        conn,
        ctx,
        "tender.result_notices",
        "tender",
        &row.id,
        Some(&row.id),
        &issued,
    )?;
    Ok(issued.len())
}

/// The message carrying a signed notice to `recipient`'s bidding accounts.
fn message(
    kind: DocumentKind,
    row: &TenderRow,
    recipient: &Bidder,
    award: &Award,
    document_id: &str,
    signed: &[u8],
    decided_at: DateTime<Utc>,
) -> Message {
    let notice_kind = match kind {
        DocumentKind::AwardNotice => Kind::AwardNotice,
        DocumentKind::ResultNotice | DocumentKind::PriceRecord => Kind::ResultNotice,
    };
    let mut message = Message::new(notice_kind, format!("tender:{}:award", row.id))
        .tender(&row.id, &row.league_code)
        .field("title", row.title.clone())
        .field("reference", row.reference.clone())
        .field("organisation", recipient.name.clone())
        .time("decided_at", decided_at)
        .link(format!(
            "/api/v1/tenders/{}/result-notices/{document_id}",
            row.id
        ))
        .attach(Attachment::new(
            &filename(kind, &row.id, &recipient.organisation_id),
            SIGNED_MEDIA_TYPE,
            signed,
        ));
    if kind == DocumentKind::ResultNotice {
        let mut names: Vec<String> = Vec::new();
        for lot in &award.lots {
            if !names.contains(&lot.winner.name) {
                names.push(lot.winner.name.clone());
            }
        }
        message = message.field("winner", names.join("、"));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::room::Ranked;

    fn report(order: &[&str]) -> SignedReport {
        SignedReport {
            sha256: "ab".repeat(32),
            ranking: order
                .iter()
                .enumerate()
                .map(|(i, bid)| Ranked {
                    rank: i as u32 + 1,
                    label: ["A", "B", "C", "D"][i].into(),
                    bid_id: bid.to_string(),
                })
                .collect(),
            json: serde_json::Value::Null,
            signed_at: DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    fn field_of(err: AppError) -> String {
        match err {
            AppError::Validation { errors, .. } => errors[0].field.clone(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn without_a_named_winner_the_reports_first_wins() {
        let r = report(&["b2", "b1", "b3"]);
        let valid = ["b1", "b2", "b3"];
        assert_eq!(
            decide(Some(&r), None, &valid, "").unwrap(),
            ("b2".to_string(), Some(1))
        );
        // No signed report, no winner named: refused, saying what to do.
        let err = decide(None, None, &valid, "a reason").unwrap_err();
        assert!(
            err.to_string().contains("signed by its whole committee"),
            "{err}"
        );
        assert_eq!(field_of(err), "winner_bid_id");
        // A report that ranks nothing is no report.
        let empty = report(&[]);
        assert_eq!(
            field_of(decide(Some(&empty), None, &valid, "").unwrap_err()),
            "winner_bid_id"
        );
    }

    #[test]
    fn a_named_winner_must_be_valid_and_other_than_the_first_needs_a_reason() {
        let r = report(&["b2", "b1", "b3"]);
        let valid = ["b1", "b2", "b3"];
        assert_eq!(
            decide(Some(&r), Some("b2"), &valid, "").unwrap(),
            ("b2".to_string(), Some(1)),
            "the first, named: no reason needed"
        );
        let err = decide(Some(&r), Some("b1"), &valid, "  ").unwrap_err();
        assert!(err.to_string().contains("ranks it 2"), "{err}");
        assert!(err.to_string().contains("第55条"), "{err}");
        assert_eq!(field_of(err), "reason");
        assert_eq!(
            decide(Some(&r), Some("b1"), &valid, "第一名放弃中标").unwrap(),
            ("b1".to_string(), Some(2))
        );
        // Not valid at the opening (revoked, withdrawn, another tender's):
        // refused whatever the reason.
        for bad in ["b4", "", "b2 "] {
            assert_eq!(
                field_of(decide(Some(&r), Some(bad), &valid, "why").unwrap_err()),
                "winner_bid_id",
                "{bad:?}"
            );
        }
        // Without a report a named winner needs a reason too.
        assert_eq!(
            field_of(decide(None, Some("b1"), &valid, "").unwrap_err()),
            "reason"
        );
        assert_eq!(
            decide(None, Some("b1"), &valid, "单一来源").unwrap(),
            ("b1".to_string(), None)
        );
        // A report's first that was not valid cannot win by default either.
        let odd = report(&["gone", "b1"]);
        assert_eq!(
            field_of(decide(Some(&odd), None, &valid, "").unwrap_err()),
            "winner_bid_id"
        );
    }

    fn bidder(org: &str, name: &str, code: Option<&str>, bid: &str) -> Bidder {
        Bidder {
            organisation_id: org.into(),
            name: name.into(),
            credit_code: code.map(str::to_string),
            bid_id: bid.into(),
        }
    }

    #[test]
    fn a_notice_names_its_recipient_the_winner_and_the_time_in_beijing() {
        let winner = bidder(
            "o1",
            "广西第一建设有限公司",
            Some("91450100MA5T0001X"),
            "b1",
        );
        let loser = bidder("o2", "广西第二建设有限公司", None, "b2");
        let tender = TenderPart {
            id: "t1".into(),
            reference: "NNG-2027-0001".into(),
            title: "智慧教室设备采购".into(),
            tenderer: "南宁市教育局".into(),
        };
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let award = NoticeContent::new(
            DocumentKind::AwardNotice,
            "d1",
            "平台",
            tender.clone(),
            &winner,
            &winner,
            at,
            vec![],
        );
        let json: serde_json::Value = serde_json::from_slice(&award.to_bytes().unwrap()).unwrap();
        assert_eq!(json["format"], NOTICE_FORMAT);
        assert_eq!(json["kind"], "award_notice");
        assert_eq!(json["title"], "中标通知书");
        assert_eq!(
            json["recipient"]["unified_social_credit_code"],
            "91450100MA5T0001X"
        );
        assert_eq!(json["winner"]["bid_id"], "b1");
        assert_eq!(json["decided_at"], "2027-01-15T08:00:00Z");
        let text = json["text"].as_str().unwrap();
        assert!(text.starts_with("广西第一建设有限公司："), "{text}");
        assert!(
            text.contains("NNG-2027-0001") && text.contains("南宁市教育局"),
            "{text}"
        );
        assert!(
            text.contains("2027年01月15日 16:00:00（北京时间）"),
            "{text}"
        );
        let result = NoticeContent::new(
            DocumentKind::ResultNotice,
            "d2",
            "平台",
            tender,
            &loser,
            &winner,
            at,
            vec![],
        );
        let json: serde_json::Value = serde_json::from_slice(&result.to_bytes().unwrap()).unwrap();
        assert_eq!(json["title"], "中标结果通知书");
        assert_eq!(json["recipient"]["name"], "广西第二建设有限公司");
        assert_eq!(
            json["recipient"]["unified_social_credit_code"],
            serde_json::Value::Null
        );
        let text = json["text"].as_str().unwrap();
        assert!(
            text.contains("中标人已确定为广西第一建设有限公司"),
            "{text}"
        );
        assert!(text.contains("未中标"), "{text}");
    }
}
