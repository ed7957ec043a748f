//! Mapping tenders to OCDS 1.1 (pure): releases, packages, records and the
//! compiled release by the OCDS merge rules.

use super::OcdsSettings;
use crate::opening::record::Outcome;
use crate::tenders::model::{Category, Evaluation, Method, NoticeKind, TenderStatus};
use crate::tenders::store::{Notice, PublicClarification, TenderDetail};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn tag(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Tender => "tender",
        NoticeKind::Amendment => "tenderAmendment",
        NoticeKind::Cancellation => "tenderCancellation",
        NoticeKind::Contract => "contract",
        _ => "tenderUpdate",
    }
}

/// The OCDS document type of the notice itself.
fn document_type(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Clarification => "clarifications",
        NoticeKind::Cancellation => "cancellationDetails",
        NoticeKind::Candidates => "evaluationReports",
        NoticeKind::Award => "awardNotice",
        NoticeKind::ComplaintDecision => "complaints",
        NoticeKind::Contract => "contractNotice",
        NoticeKind::Tender
        | NoticeKind::Suspension
        | NoticeKind::Amendment
        | NoticeKind::Opening
        | NoticeKind::Evaluation
        | NoticeKind::Closure
        | NoticeKind::Failure => "tenderNotice",
    }
}

fn tender_status(status: TenderStatus) -> &'static str {
    match status {
        TenderStatus::Draft => "planning",
        TenderStatus::Published
        | TenderStatus::Opening
        | TenderStatus::Evaluating
        | TenderStatus::CandidatesPublicised => "active",
        TenderStatus::Awarded | TenderStatus::Closed => "complete",
        TenderStatus::Cancelled => "cancelled",
        TenderStatus::Failed => "unsuccessful",
    }
}

fn procurement_method(method: Method) -> &'static str {
    match method {
        Method::OpenTendering | Method::Auction | Method::Listing => "open",
        Method::InvitedTendering
        | Method::CompetitiveNegotiation
        | Method::CompetitiveConsultation
        | Method::Inquiry => "selective",
        Method::SingleSource => "direct",
    }
}

fn amount(fen: i64, currency: &str) -> Value {
    let money = crate::types::Money {
        amount_fen: fen,
        currency: crate::types::Currency::from_db(currency.to_string()),
    };
    json!({ "amount": money.major_units(), "currency": currency })
}

/// The release a notice publishes: the tender as it stood at that notice,
/// and, once the opening record is complete (`opening`, completed at or
/// before the notice), the bids it opened (see [`bids`]).
pub fn release(
    settings: &OcdsSettings,
    t: &TenderDetail,
    notice: &Notice,
    opening: Option<&OpeningRecord>,
) -> Value {
    let s = &t.summary;
    let currency = s.budget.currency.as_str();
    // In procurement the tenderer buys; in land-rights and state-asset
    // transfers it sells, and OCDS has no seller role: it is then only the
    // procuring entity (unless an agent runs the procedure), and no buyer.
    let buys = matches!(
        s.category,
        Category::GovernmentProcurement | Category::EngineeringConstruction
    );
    let mut tenderer_roles = Vec::new();
    if buys {
        tenderer_roles.push("buyer");
    }
    if t.agent.is_none() {
        tenderer_roles.push("procuringEntity");
    }
    let mut parties = Vec::new();
    if !tenderer_roles.is_empty() {
        parties.push(json!({ "id": t.tenderer.id.as_str(), "name": t.tenderer.name, "roles": tenderer_roles }));
    }
    let procuring = t.agent.as_ref().unwrap_or(&t.tenderer);
    if let Some(agent) = &t.agent {
        parties.push(
            json!({ "id": agent.id.as_str(), "name": agent.name, "roles": ["procuringEntity"] }),
        );
    }
    let mut tender = Map::new();
    tender.insert("id".into(), json!(s.id.as_str()));
    tender.insert("title".into(), json!(s.title));
    if !t.description.is_empty() {
        tender.insert("description".into(), json!(t.description));
    }
    tender.insert("status".into(), json!(tender_status(s.status)));
    tender.insert(
        "procuringEntity".into(),
        json!({ "id": procuring.id.as_str(), "name": procuring.name }),
    );
    tender.insert("value".into(), amount(s.budget.amount_fen, currency));
    tender.insert(
        "procurementMethod".into(),
        json!(procurement_method(s.method)),
    );
    tender.insert("procurementMethodDetails".into(), json!(s.method.code()));
    match (t.terms.subject, s.category) {
        (Some(subject), _) => {
            tender.insert("mainProcurementCategory".into(), json!(subject.code()));
        }
        (None, Category::EngineeringConstruction) => {
            tender.insert("mainProcurementCategory".into(), json!("works"));
        }
        _ => {}
    }
    let (criteria, details) = match &t.evaluation {
        // 经评审的最低投标价法: the price after evaluated adjustments.
        Evaluation::LowestEvaluatedPrice => ("costOnly", "lowest evaluated price".to_string()),
        Evaluation::LowestPrice => ("priceOnly", "lowest price".to_string()),
        Evaluation::HighestPrice => (
            "priceOnly",
            "highest price (auction or listing)".to_string(),
        ),
        Evaluation::ComprehensiveScoring { criteria, .. } => (
            "ratedCriteria",
            criteria
                .iter()
                .map(|c| format!("{} ({}): {}", c.name, c.kind.code(), c.weight))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    tender.insert("awardCriteria".into(), json!(criteria));
    tender.insert("awardCriteriaDetails".into(), json!(details));
    tender.insert("submissionMethod".into(), json!(["electronicSubmission"]));
    tender.insert(
        "tenderPeriod".into(),
        json!({ "startDate": time(t.dates.documents_available_at), "endDate": time(t.dates.bid_deadline) }),
    );
    tender.insert(
        "enquiryPeriod".into(),
        json!({ "startDate": time(t.dates.documents_available_at), "endDate": time(t.dates.clarification_deadline) }),
    );
    // Only answered clarifications are public (a pending question is seen
    // by its asker and the tender's managers alone), so both say nothing
    // of questions still waiting for their answer.
    tender.insert("hasEnquiries".into(), json!(!t.clarifications.is_empty()));
    if !t.clarifications.is_empty() {
        tender.insert("enquiries".into(), enquiries(&t.clarifications));
    }
    if !t.lots.is_empty() {
        let lots: Vec<Value> = t
            .lots
            .iter()
            .map(|l| {
                let mut lot = json!({ "id": l.number.to_string(), "title": l.title, "value": amount(l.budget_fen, currency) });
                if !l.description.is_empty() {
                    lot["description"] = json!(l.description);
                }
                lot
            })
            .collect();
        tender.insert("lots".into(), json!(lots));
    }
    let mut documents: Vec<Value> = vec![json!({
        "id": format!("notice-{}", notice.seq),
        "documentType": document_type(notice.kind),
        "title": notice.title,
        "url": settings.url(&format!("/#/tenders/{}", s.id)),
        "datePublished": time(notice.published_at),
        "language": "zh",
    })];
    documents.extend(t.documents.iter().filter(|d| d.published).map(|d| {
        let mut doc = json!({
            "id": d.id.as_str(),
            "documentType": "biddingDocuments",
            "title": d.title,
            "description": format!("{} (SHA-256 {})", d.filename, d.sha256),
            "url": settings.url(&d.download_url),
            "format": d.media_type,
        });
        if let Some(at) = d.published_at {
            doc["datePublished"] = json!(time(at));
        }
        doc
    }));
    tender.insert("documents".into(), json!(documents));
    let amendments: Vec<Value> = t
        .notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Amendment && n.seq <= notice.seq)
        .map(|n| json!({ "id": format!("amendment-{}", n.seq), "date": time(n.published_at), "rationale": n.title, "description": n.body }))
        .collect();
    if !amendments.is_empty() {
        tender.insert("amendments".into(), json!(amendments));
    }
    // Who bid, and how many, is sealed until the opening (招标投标法 第22条):
    // only a release published with or after the completed opening record
    // says anything about bids.
    let bids_section = known_at(opening, notice.published_at).map(|o| {
        let lots: Vec<u32> = t
            .lots
            .iter()
            .filter_map(|l| u32::try_from(l.number).ok())
            .collect();
        bids(o, &lots, currency)
    });
    if let Some(section) = &bids_section {
        let tenderers: Vec<Value> = section
            .tenderers
            .iter()
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect();
        tender.insert("numberOfTenderers".into(), json!(tenderers.len()));
        tender.insert("tenderers".into(), json!(tenderers));
        for (id, name) in &section.tenderers {
            add_party(&mut parties, id, name, "tenderer");
        }
    }
    let mut release = json!({
        "ocid": settings.ocid(s.id.as_str()),
        "id": format!("{}-{:04}", s.id, notice.seq),
        "date": time(notice.published_at),
        "tag": [tag(notice.kind)],
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "tender": Value::Object(tender),
    });
    if buys {
        release["buyer"] = json!({ "id": t.tenderer.id.as_str(), "name": t.tenderer.name });
    }
    if let Some(section) = bids_section {
        release["bids"] = section.bids;
    }
    release
}

/// The Enquiries extension's `tender.enquiries` from the answered
/// clarifications (澄清/答疑), as the public tender page and
/// `GET /tenders/{id}/clarifications` show them: the public number as
/// `id`, when the question was asked (`date`) and answered, the question
/// (`description`) and the answer.
///
/// Never `author` (nor an `enquirer` party): who took the documents, and
/// so who asked, is sealed until the opening (招标投标法 第22条;
/// `audit::sealing::SEALED_NOTE`), and questions are answered to all
/// anonymously, so no view of the platform ever names an asker. Nor does a
/// release say anything of a question still unanswered: those are not
/// public. No `relatedLot` either: a question is asked of the whole tender
/// and the platform records no lot it concerns.
fn enquiries(answered: &[PublicClarification]) -> Value {
    answered
        .iter()
        .map(|c| {
            json!({
                "id": c.number.to_string(),
                "date": time(c.asked_at),
                "title": format!("澄清 / clarification {}", c.number),
                "description": c.question,
                "answer": c.answer,
                "dateAnswered": time(c.answered_at),
            })
        })
        .collect()
}

/// What a `contract` release says of a published contract and its award.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractFacts {
    pub contract_id: String,
    pub award_id: String,
    pub awarded_at: DateTime<Utc>,
    /// 0 for a tender without lots.
    pub lot: i32,
    pub supplier_id: String,
    pub supplier_name: String,
    pub title: String,
    pub description: String,
    pub value_fen: i64,
    pub currency: String,
    pub date_signed: DateTime<Utc>,
    /// The performance period's first and last days.
    pub period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// Where the signed document is public (none with clauses withheld).
    pub document_url: Option<String>,
}

/// Adds a published contract to a `contract` release: the award it comes
/// from (`awards[]`, with its supplier and lot) and the contract
/// (`contracts[]`: awardID, status, value, dateSigned, period, the signed
/// document), the supplier among the parties.
pub fn add_contract(settings: &OcdsSettings, release: &mut Value, f: &ContractFacts) {
    let value = amount(f.value_fen, &f.currency);
    let mut award = json!({
        "id": f.award_id,
        "status": "active",
        "date": time(f.awarded_at),
        "value": value,
        "suppliers": [{ "id": f.supplier_id, "name": f.supplier_name }],
    });
    if f.lot > 0 {
        award["relatedLots"] = json!([f.lot.to_string()]);
    }
    let mut contract = json!({
        "id": f.contract_id,
        "awardID": f.award_id,
        "title": f.title,
        "status": "active",
        "value": value,
        "dateSigned": time(f.date_signed),
    });
    if !f.description.is_empty() {
        contract["description"] = json!(f.description);
    }
    if let Some((start, end)) = f.period {
        // Whole days in Beijing time.
        contract["period"] = json!({
            "startDate": format!("{start}T00:00:00+08:00"),
            "endDate": format!("{end}T23:59:59+08:00"),
        });
    }
    if let Some(url) = &f.document_url {
        contract["documents"] = json!([{
            "id": format!("contract-{}", f.contract_id),
            "documentType": "contractSigned",
            "title": f.title,
            "url": settings.url(url),
            "format": "application/json",
            "datePublished": release["date"],
            "language": "zh",
        }]);
    }
    if let Some(parties) = release["parties"].as_array_mut() {
        let mut list = std::mem::take(parties);
        add_party(&mut list, &f.supplier_id, &f.supplier_name, "supplier");
        *parties = list;
    }
    release["awards"] = json!([award]);
    release["contracts"] = json!([contract]);
}

/// Makes `release` (a failure notice's, after an award) say the awards
/// are cancelled: `awards[]` with each id and status `cancelled`, tagged
/// `awardCancellation` besides the tender's update.
pub fn cancel_awards(release: &mut Value, award_ids: &[String]) {
    release["awards"] = Value::Array(
        award_ids
            .iter()
            .map(|id| json!({ "id": id, "status": "cancelled" }))
            .collect(),
    );
    let mut tags: Vec<Value> = release["tag"].as_array().cloned().unwrap_or_default();
    tags.push(json!("awardCancellation"));
    release["tag"] = Value::Array(tags);
}

/// One award as an `award` release publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardedTo {
    pub award_id: String,
    /// 0: the tender as one (no `relatedLots`).
    pub lot: i32,
    pub supplier_id: String,
    pub supplier_name: String,
    pub value_fen: i64,
    pub date: DateTime<Utc>,
}

/// Makes `release` (an award notice's) an `award` release: `awards[]`,
/// one per lot awarded (id, status active, date, value, suppliers,
/// relatedLots where the tender has lots), the suppliers as parties.
pub fn add_awards(release: &mut Value, awards: &[AwardedTo], currency: &str) {
    let mut parties: Vec<Value> = release["parties"].as_array().cloned().unwrap_or_default();
    let awards: Vec<Value> = awards
        .iter()
        .map(|a| {
            add_party(&mut parties, &a.supplier_id, &a.supplier_name, "supplier");
            let mut award = json!({
                "id": a.award_id,
                "status": "active",
                "date": time(a.date),
                "value": amount(a.value_fen, currency),
                "suppliers": [{ "id": a.supplier_id, "name": a.supplier_name }],
            });
            if a.lot > 0 {
                award["relatedLots"] = json!([a.lot.to_string()]);
            }
            award
        })
        .collect();
    release["parties"] = json!(parties);
    release["awards"] = json!(awards);
    release["tag"] = json!(["award"]);
}

/// Adds `role` to the party `id`, adding the party if it is not there yet.
fn add_party(parties: &mut Vec<Value>, id: &str, name: &str, role: &str) {
    match parties.iter_mut().find(|p| p["id"] == id) {
        Some(party) => {
            if let Some(roles) = party["roles"].as_array_mut()
                && !roles.iter().any(|r| r == role)
            {
                roles.push(json!(role));
            }
        }
        None => parties.push(json!({ "id": id, "name": name, "roles": [role] })),
    }
}

/// One line of the opening record, as open data publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedBid {
    pub bid_id: String,
    pub bidder_id: String,
    pub bidder_name: String,
    pub outcome: Outcome,
    /// When the platform received the bid (its receipt's time): the bid
    /// extension's `Bid.date`.
    pub received_at: DateTime<Utc>,
    /// The schedule's total, if the bid could be read.
    pub total_price_fen: Option<i64>,
    /// The schedule's price per lot (lot number, price), if it priced lots.
    pub lot_prices: Vec<(u32, i64)>,
}

/// A completed opening record: every bid opened, in the record's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningRecord {
    pub completed_at: DateTime<Utc>,
    pub bids: Vec<OpenedBid>,
}

/// The `bids` section of a release and the enterprises that bid.
#[derive(Debug, Clone, PartialEq)]
pub struct BidsSection {
    pub bids: Value,
    /// (organisation id, name) of each bidder, once, in the record's order.
    pub tenderers: Vec<(String, String)>,
}

/// The opening record as a release published at `at` may show it: only
/// once complete by then. Before the opening who bid, and how many, is
/// sealed (招标投标法 第22条).
fn known_at(opening: Option<&OpeningRecord>, at: DateTime<Utc>) -> Option<&OpeningRecord> {
    opening.filter(|o| o.completed_at <= at)
}

/// The bid extension's `bidStatus` of what the opening found. A bid that
/// could not be opened through the bidder's doing counts as revoked
/// (视为撤销, 电子招标投标办法 第31条): it is not evaluated, `disqualified`;
/// one lost through no fault of the bidder counts as withdrawn (视为撤回).
/// The evaluation's rejections are not published here: `valid` means valid
/// at the opening, that is, passed to the evaluation.
fn bid_status(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Valid => "valid",
        Outcome::Revoked => "disqualified",
        Outcome::Withdrawn => "withdrawn",
    }
}

/// The bid extension's `bids` from the completed opening record (pure).
///
/// Each lot of a tender is a competition of its own (its bids are
/// reviewed, ranked and awarded apart), so where the tender has `lots` and
/// a bid priced them, the bid gives one detail per lot it priced, `<bid
/// id>-lot<n>` with `relatedLots: ["<n>"]` and that lot's price as its
/// value: the details then add up to the per-lot statistics, and an award
/// of a lot can name its bid (`relatedBid`). A bid with no lot prices (one
/// that could not be read, or a tender without lots) gives one detail, its
/// id the bid's, with its total if known. Each detail names the bidder
/// (`tenderers`), the date the bid was received and its status at the
/// opening.
///
/// Statistics (codes of the `bidStatistics` codelist): for the whole
/// tender `bids` (every bid opened) and `validBids` (valid at the opening),
/// each bid counted once; without lots, `lowestValidBidValue` and
/// `highestValidBidValue` of the valid totals; with lots, the four per lot
/// (`relatedLot`) over the bids that priced it.
pub fn bids(record: &OpeningRecord, lots: &[u32], currency: &str) -> BidsSection {
    let date = time(record.completed_at);
    let per_lot = !lots.is_empty() && record.bids.iter().any(|b| !b.lot_prices.is_empty());
    let mut details = Vec::new();
    let mut tenderers: Vec<(String, String)> = Vec::new();
    for b in &record.bids {
        if !tenderers.iter().any(|(id, _)| *id == b.bidder_id) {
            tenderers.push((b.bidder_id.clone(), b.bidder_name.clone()));
        }
        let detail = |id: String, fen: Option<i64>| {
            let mut d = json!({
                "id": id,
                "date": time(b.received_at),
                "status": bid_status(b.outcome),
                "tenderers": [{ "id": b.bidder_id, "name": b.bidder_name }],
            });
            if let Some(fen) = fen {
                d["value"] = amount(fen, currency);
            }
            d
        };
        let priced: Vec<(u32, i64)> = b
            .lot_prices
            .iter()
            .copied()
            .filter(|(lot, _)| per_lot && lots.contains(lot))
            .collect();
        if priced.is_empty() {
            details.push(detail(b.bid_id.clone(), b.total_price_fen));
        }
        for (lot, fen) in priced {
            let mut d = detail(format!("{}-lot{lot}", b.bid_id), Some(fen));
            d["relatedLots"] = json!([lot.to_string()]);
            details.push(d);
        }
    }
    let valid = |b: &&OpenedBid| b.outcome == Outcome::Valid;
    let mut statistics = Vec::new();
    let mut count = |id: String, measure: &str, value: usize, lot: Option<u32>, notes: &str| {
        let mut s =
            json!({ "id": id, "measure": measure, "value": value, "date": date, "notes": notes });
        if let Some(lot) = lot {
            s["relatedLot"] = json!(lot.to_string());
        }
        statistics.push(s);
    };
    count(
        "bids".into(),
        "bids",
        record.bids.len(),
        None,
        "开标时开启的投标文件数（每份计一次）/ bids opened at the opening, each counted once",
    );
    count(
        "validBids".into(),
        "validBids",
        record.bids.iter().filter(valid).count(),
        None,
        "开标有效、进入评标的投标数 / bids valid at the opening, passed to the evaluation",
    );
    let mut prices: Vec<(Option<u32>, Vec<i64>)> = Vec::new();
    if per_lot {
        for &lot in lots {
            let priced: Vec<(&OpenedBid, i64)> = record
                .bids
                .iter()
                .filter_map(|b| {
                    b.lot_prices
                        .iter()
                        .find(|(l, _)| *l == lot)
                        .map(|(_, fen)| (b, *fen))
                })
                .collect();
            if priced.is_empty() {
                continue;
            }
            count(
                format!("lot{lot}-bids"),
                "bids",
                priced.len(),
                Some(lot),
                "开标时开启的、对本标包报价的投标数 / bids opened that priced this lot",
            );
            count(
                format!("lot{lot}-validBids"),
                "validBids",
                priced.iter().filter(|(b, _)| valid(b)).count(),
                Some(lot),
                "其中开标有效的 / of which valid at the opening",
            );
            let valid_prices = priced
                .iter()
                .filter(|(b, _)| valid(b))
                .map(|(_, fen)| *fen)
                .collect();
            prices.push((Some(lot), valid_prices));
        }
    } else {
        let valid_prices = record
            .bids
            .iter()
            .filter(valid)
            .filter_map(|b| b.total_price_fen)
            .collect();
        prices.push((None, valid_prices));
    }
    for (lot, fens) in prices {
        let prefix = lot.map(|l| format!("lot{l}-")).unwrap_or_default();
        let extremes = [
            ("lowestValidBidValue", fens.iter().min()),
            ("highestValidBidValue", fens.iter().max()),
        ];
        for (measure, fen) in extremes {
            let Some(&fen) = fen else { continue };
            let money = amount(fen, currency);
            let mut s = json!({
                "id": format!("{prefix}{measure}"),
                "measure": measure,
                "value": money["amount"],
                "currency": currency,
                "date": date,
            });
            if let Some(lot) = lot {
                s["relatedLot"] = json!(lot.to_string());
            }
            statistics.push(s);
        }
    }
    BidsSection {
        bids: json!({ "statistics": statistics, "details": details }),
        tenderers,
    }
}

/// Lots are not in the OCDS core schema; they come from the Lots extension,
/// which packages declare.
pub const LOTS_EXTENSION: &str = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json";

/// Nor are bids: the Bid statistics and details extension.
pub const BID_EXTENSION: &str = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json";

/// Nor are the questions and answers of `tender.enquiries`: the Enquiries
/// extension.
pub const ENQUIRY_EXTENSION: &str = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/extension.json";

/// The extensions every package declares, whether or not its releases use
/// them yet (a feed's page or a tender's package may hold no bids, lots or
/// enquiries): one fixed list keeps every package's schema the same.
pub const EXTENSIONS: [&str; 3] = [LOTS_EXTENSION, BID_EXTENSION, ENQUIRY_EXTENSION];

/// A release package around `releases`.
pub fn release_package(
    settings: &OcdsSettings,
    uri: &str,
    releases: Vec<Value>,
    published: DateTime<Utc>,
) -> Value {
    json!({
        "uri": settings.url(uri),
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": time(published),
        "publisher": { "name": settings.publisher_name },
        "license": "https://creativecommons.org/publicdomain/zero/1.0/",
        "publicationPolicy": settings.url("/api/openapi.json"),
        "releases": releases,
    })
}

/// A record package with one record: the releases (embedded) and the
/// compiled release.
pub fn record_package(
    settings: &OcdsSettings,
    uri: &str,
    ocid: &str,
    releases: Vec<Value>,
    published: DateTime<Utc>,
) -> Value {
    let compiled = compile(ocid, &releases);
    json!({
        "uri": settings.url(uri),
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": time(published),
        "publisher": { "name": settings.publisher_name },
        "license": "https://creativecommons.org/publicdomain/zero/1.0/",
        "publicationPolicy": settings.url("/api/openapi.json"),
        "records": [{ "ocid": ocid, "releases": releases, "compiledRelease": compiled }],
    })
}

/// Merges releases in date order per the OCDS merge routine: objects merge
/// field by field, arrays of objects with `id` merge by id, other values are
/// replaced by the later release; the result is tagged `compiled`.
pub fn compile(ocid: &str, releases: &[Value]) -> Value {
    let mut ordered: Vec<&Value> = releases.iter().collect();
    ordered.sort_by(|a, b| a["date"].as_str().cmp(&b["date"].as_str()));
    let mut compiled = Value::Object(Map::new());
    for release in &ordered {
        merge(&mut compiled, release);
    }
    if let Some(obj) = compiled.as_object_mut() {
        obj.insert("id".into(), json!(format!("{ocid}-compiled")));
        obj.insert("tag".into(), json!(["compiled"]));
    }
    compiled
}

fn is_identified_array(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(|i| i.get("id").is_some()))
}

fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(target), Value::Object(source)) => {
            for (key, value) in source {
                match target.get_mut(key) {
                    Some(existing) if value.is_object() && existing.is_object() => {
                        merge(existing, value)
                    }
                    Some(existing)
                        if is_identified_array(value) && is_identified_array(existing) =>
                    {
                        let items = existing.as_array_mut().expect("checked");
                        for item in value.as_array().expect("checked") {
                            match items.iter_mut().find(|i| i.get("id") == item.get("id")) {
                                Some(old) => merge(old, item),
                                None => items.push(item.clone()),
                            }
                        }
                    }
                    _ if value.is_null() => {
                        target.remove(key);
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, source) => *target = source.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_award_release_names_each_lots_supplier_and_value() {
        let mut release = json!({"tag": ["tenderUpdate"],
            "parties": [{"id": "o1", "name": "甲", "roles": ["tenderer"]}]});
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        add_awards(
            &mut release,
            &[
                AwardedTo {
                    award_id: "a1".into(),
                    lot: 1,
                    supplier_id: "o1".into(),
                    supplier_name: "甲".into(),
                    value_fen: 12_345,
                    date: at,
                },
                AwardedTo {
                    award_id: "a2".into(),
                    lot: 0,
                    supplier_id: "o2".into(),
                    supplier_name: "乙".into(),
                    value_fen: 100,
                    date: at,
                },
            ],
            "CNY",
        );
        assert_eq!(release["tag"], json!(["award"]));
        assert_eq!(release["awards"][0]["status"], "active");
        assert_eq!(
            release["awards"][0]["value"],
            json!({"amount": 123.45, "currency": "CNY"})
        );
        assert_eq!(release["awards"][0]["relatedLots"], json!(["1"]));
        assert!(release["awards"][1].get("relatedLots").is_none());
        assert_eq!(release["awards"][1]["suppliers"][0]["id"], "o2");
        assert_eq!(
            release["parties"][0]["roles"],
            json!(["tenderer", "supplier"])
        );
        assert_eq!(release["parties"][1]["roles"], json!(["supplier"]));
    }

    #[test]
    fn an_enquiry_is_the_public_question_and_answer_and_never_its_author() {
        let answered = [PublicClarification {
            number: 2,
            question: "是否接受进口产品？".into(),
            answer: "不接受。".into(),
            asked_at: at("2026-03-01T01:00:00Z"),
            answered_at: at("2026-03-02T08:30:00Z"),
        }];
        assert_eq!(
            enquiries(&answered),
            json!([{
                "id": "2",
                "date": "2026-03-01T01:00:00Z",
                "title": "澄清 / clarification 2",
                "description": "是否接受进口产品？",
                "answer": "不接受。",
                "dateAnswered": "2026-03-02T08:30:00Z",
            }])
        );
    }

    #[test]
    fn merge_follows_ocds_rules() {
        let r1 = json!({"date": "2026-01-01T00:00:00Z", "id": "a", "tag": ["tender"], "tender": {"title": "A", "status": "active",
            "documents": [{"id": "d1", "title": "one"}], "submissionMethod": ["electronicSubmission"]}});
        let r2 = json!({"date": "2026-01-02T00:00:00Z", "id": "b", "tag": ["tenderAmendment"], "tender": {"status": "cancelled",
            "documents": [{"id": "d1", "title": "one v2"}, {"id": "d2", "title": "two"}]}});
        let c = compile("ocds-x-1", &[r2.clone(), r1.clone()]);
        assert_eq!(c["tag"], json!(["compiled"]));
        assert_eq!(c["id"], json!("ocds-x-1-compiled"));
        assert_eq!(
            c["tender"]["title"],
            json!("A"),
            "kept from the first release"
        );
        assert_eq!(
            c["tender"]["status"],
            json!("cancelled"),
            "replaced by the later one"
        );
        assert_eq!(
            c["tender"]["documents"].as_array().unwrap().len(),
            2,
            "merged by id"
        );
        assert_eq!(c["tender"]["documents"][0]["title"], json!("one v2"));
        assert_eq!(c["date"], json!("2026-01-02T00:00:00Z"));
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn opened(
        id: &str,
        bidder: &str,
        outcome: Outcome,
        total: Option<i64>,
        lots: &[(u32, i64)],
    ) -> OpenedBid {
        OpenedBid {
            bid_id: id.into(),
            bidder_id: format!("org-{bidder}"),
            bidder_name: format!("{bidder}公司"),
            outcome,
            received_at: at("2026-03-01T01:00:00Z"),
            total_price_fen: total,
            lot_prices: lots.to_vec(),
        }
    }

    fn statistic<'a>(section: &'a BidsSection, id: &str) -> &'a Value {
        section.bids["statistics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no statistic {id}"))
    }

    #[test]
    fn a_tender_without_lots_has_whole_tender_statistics_and_one_detail_per_bid() {
        let record = OpeningRecord {
            completed_at: at("2026-03-01T02:05:00Z"),
            bids: vec![
                opened("b1", "甲", Outcome::Valid, Some(90_000_000), &[]),
                opened("b2", "乙", Outcome::Valid, Some(95_000_050), &[]),
                opened("b3", "丙", Outcome::Revoked, None, &[]),
                opened("b4", "丁", Outcome::Withdrawn, None, &[]),
                opened("b5", "戊", Outcome::Valid, Some(99_000_000), &[]),
            ],
        };
        let section = bids(&record, &[], "CNY");
        assert_eq!(statistic(&section, "bids")["value"], 5);
        assert_eq!(statistic(&section, "validBids")["value"], 3);
        let lowest = statistic(&section, "lowestValidBidValue");
        assert_eq!(lowest["measure"], "lowestValidBidValue");
        assert_eq!(lowest["value"], json!(900000.0));
        assert_eq!(lowest["currency"], "CNY");
        assert_eq!(
            statistic(&section, "highestValidBidValue")["value"],
            json!(990000.0)
        );
        assert!(
            section.bids["statistics"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s.get("relatedLot").is_none())
        );
        let details = section.bids["details"].as_array().unwrap();
        assert_eq!(details.len(), 5);
        let statuses: Vec<&str> = details
            .iter()
            .map(|d| d["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            ["valid", "valid", "disqualified", "withdrawn", "valid"]
        );
        assert_eq!(
            details[1]["value"],
            json!({"amount": 950000.5, "currency": "CNY"})
        );
        assert_eq!(
            details[1]["tenderers"],
            json!([{"id": "org-乙", "name": "乙公司"}])
        );
        assert_eq!(details[1]["date"], "2026-03-01T01:00:00Z", "when received");
        assert!(
            details[2].get("value").is_none(),
            "an unread bid has no price"
        );
        assert!(details.iter().all(|d| d.get("relatedLots").is_none()));
        assert_eq!(section.tenderers.len(), 5);
    }

    #[test]
    fn lots_priced_give_statistics_and_a_detail_per_lot() {
        let record = OpeningRecord {
            completed_at: at("2026-03-01T02:05:00Z"),
            bids: vec![
                opened("b1", "甲", Outcome::Valid, Some(130), &[(1, 90), (2, 40)]),
                opened("b2", "乙", Outcome::Valid, Some(38), &[(2, 38)]),
                opened("b3", "丙", Outcome::Valid, Some(131), &[(1, 92), (2, 39)]),
                opened("b4", "丁", Outcome::Revoked, None, &[]),
            ],
        };
        let section = bids(&record, &[1, 2, 3], "CNY");
        assert_eq!(statistic(&section, "bids")["value"], 4, "each bid once");
        assert_eq!(statistic(&section, "validBids")["value"], 3);
        assert_eq!(statistic(&section, "lot1-bids")["value"], 2);
        assert_eq!(statistic(&section, "lot1-bids")["relatedLot"], "1");
        assert_eq!(statistic(&section, "lot2-bids")["value"], 3);
        assert_eq!(statistic(&section, "lot2-validBids")["value"], 3);
        assert_eq!(
            statistic(&section, "lot1-lowestValidBidValue")["value"],
            json!(0.9)
        );
        assert_eq!(
            statistic(&section, "lot1-highestValidBidValue")["value"],
            json!(0.92)
        );
        assert_eq!(
            statistic(&section, "lot2-lowestValidBidValue")["value"],
            json!(0.38)
        );
        assert_eq!(
            statistic(&section, "lot2-highestValidBidValue")["relatedLot"],
            "2"
        );
        let ids: Vec<&str> = section.bids["statistics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert!(
            !ids.iter().any(|id| id.starts_with("lot3")),
            "nobody priced lot 3"
        );
        assert!(
            !ids.contains(&"lowestValidBidValue"),
            "totals over different lots are not compared"
        );
        let details = section.bids["details"].as_array().unwrap();
        let detail_ids: Vec<&str> = details.iter().map(|d| d["id"].as_str().unwrap()).collect();
        assert_eq!(
            detail_ids,
            ["b1-lot1", "b1-lot2", "b2-lot2", "b3-lot1", "b3-lot2", "b4"]
        );
        assert_eq!(details[1]["relatedLots"], json!(["2"]));
        assert_eq!(
            details[1]["value"],
            json!({"amount": 0.4, "currency": "CNY"})
        );
        assert_eq!(details[5]["status"], "disqualified");
        assert!(details[5].get("relatedLots").is_none());
        // The details add up to the per-lot statistics.
        let in_lot2 = details
            .iter()
            .filter(|d| d["relatedLots"] == json!(["2"]))
            .count();
        assert_eq!(json!(in_lot2), statistic(&section, "lot2-bids")["value"]);
    }

    #[test]
    fn a_lot_with_no_valid_price_has_counts_but_no_extremes() {
        let record = OpeningRecord {
            completed_at: at("2026-03-01T02:05:00Z"),
            bids: vec![
                opened("b1", "甲", Outcome::Valid, Some(90), &[(1, 90)]),
                opened("b2", "乙", Outcome::Withdrawn, Some(40), &[(2, 40)]),
            ],
        };
        let section = bids(&record, &[1, 2], "CNY");
        assert_eq!(statistic(&section, "lot2-bids")["value"], 1);
        assert_eq!(statistic(&section, "lot2-validBids")["value"], 0);
        let ids: Vec<&str> = section.bids["statistics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert!(
            !ids.iter()
                .any(|id| id.starts_with("lot2-") && id.ends_with("BidValue"))
        );
    }

    #[test]
    fn one_enterprise_is_one_tenderer_party_with_its_roles_kept() {
        let mut parties = vec![json!({"id": "org-甲", "name": "甲公司", "roles": ["buyer"]})];
        add_party(&mut parties, "org-甲", "甲公司", "tenderer");
        add_party(&mut parties, "org-甲", "甲公司", "tenderer");
        add_party(&mut parties, "org-乙", "乙公司", "tenderer");
        assert_eq!(parties[0]["roles"], json!(["buyer", "tenderer"]));
        assert_eq!(
            parties[1],
            json!({"id": "org-乙", "name": "乙公司", "roles": ["tenderer"]})
        );
        let record = OpeningRecord {
            completed_at: at("2026-03-01T02:05:00Z"),
            bids: vec![
                opened("b1", "甲", Outcome::Valid, Some(1), &[]),
                opened("b2", "甲", Outcome::Valid, Some(2), &[]),
            ],
        };
        assert_eq!(bids(&record, &[], "CNY").tenderers.len(), 1);
    }

    #[test]
    fn no_release_before_the_completed_opening_shows_bids() {
        let record = OpeningRecord {
            completed_at: at("2026-03-01T02:05:00Z"),
            bids: vec![opened("b1", "甲", Outcome::Valid, Some(1), &[])],
        };
        assert_eq!(known_at(None, at("2026-03-09T00:00:00Z")), None);
        assert_eq!(known_at(Some(&record), at("2026-03-01T02:04:59Z")), None);
        assert_eq!(
            known_at(Some(&record), at("2026-03-01T02:05:00Z")),
            Some(&record)
        );
        assert_eq!(
            known_at(Some(&record), at("2026-03-02T00:00:00Z")),
            Some(&record)
        );
    }
}
