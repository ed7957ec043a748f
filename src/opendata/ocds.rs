//! Mapping tenders to OCDS 1.1 (pure): releases, packages, records and the
//! compiled release by the OCDS merge rules.

use super::OcdsSettings;
use crate::tenders::model::{Category, Evaluation, Method, NoticeKind, TenderStatus};
use crate::tenders::store::{Notice, TenderDetail};
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
        NoticeKind::Tender
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

/// The release a notice publishes: the tender as it stood at that notice.
pub fn release(settings: &OcdsSettings, t: &TenderDetail, notice: &Notice) -> Value {
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
    tender.insert("hasEnquiries".into(), json!(!t.clarifications.is_empty()));
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
    release
}

/// Lots are not in the OCDS core schema; they come from the Lots extension,
/// which packages declare.
pub const LOTS_EXTENSION: &str = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json";

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
        "extensions": [LOTS_EXTENSION],
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
        "extensions": [LOTS_EXTENSION],
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
}
