//! Display names for audit events, derived when they are read, like a view:
//! who acted (the user's name, or for an enterprise's user acting for it,
//! the enterprise's), what the event is about where that has a name (a
//! tender's title, an organisation's, an expert's, a user's, a bid's
//! bidder), and the tender's title. The log's entries hold ids only: names
//! change (an organisation renamed) and are never hashed into a leaf.
//!
//! Objects with no name of their own are named by what identifies them to
//! a person: a complaint by who filed it and when ("投诉（甲公司 提出，
//! 2026-12-01）"), a contract by its title and its parties, a tender
//! document by its title and file name.
//!
//! A name is given only where the reader may know it
//! ([`super::sealing::nameable`]): no bidder's name before the opening,
//! no member's to those who wait for the result.

use super::entry::AuditEvent;
use super::sealing;
use crate::db::DbConn;
use crate::db::schema::{
    bids, complaints, contracts, experts, organisations, tender_documents, tenders, users,
};
use crate::error::AppError;
use crate::supervision::Reader;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// An audit event as served to a reader: the event as logged, and the
/// names the reader may know, derived at read time (not part of the
/// logged entry nor of its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NamedEvent {
    #[serde(flatten)]
    pub event: AuditEvent,
    /// Who acted, by name: the organisation's name for a bidder's,
    /// tenderer's or agent's user, the user's name otherwise. Null for an
    /// event of no user, or whose names are sealed from this reader.
    pub actor_name: Option<String>,
    /// What the event is about, by name: a tender's title, an
    /// organisation's, an expert's or a user's name, a bid's bidder. Null
    /// where the object has no name or its names are sealed from this
    /// reader.
    pub object_name: Option<String>,
    /// The title of the tender the event is about.
    pub tender_title: Option<String>,
}

/// Roles whose users act for their organisation.
const ENTERPRISE_ROLES: &[&str] = &["bidder", "tenderer", "agent"];

/// The events with the names `reader` may know.
pub fn named(
    conn: &mut DbConn,
    reader: &Reader,
    events: Vec<AuditEvent>,
) -> Result<Vec<NamedEvent>, AppError> {
    let mut tender_ids: HashSet<String> = HashSet::new();
    for e in &events {
        tender_ids.extend(e.tender_id.clone());
        if e.object_type == "tender" {
            tender_ids.insert(e.object_id.clone());
        }
    }
    let tender_ids: Vec<String> = tender_ids.into_iter().collect();
    let mut tender_rows: HashMap<String, (String, String)> = HashMap::new();
    for chunk in tender_ids.chunks(500) {
        let rows: Vec<(String, String, String)> = tenders::table
            .filter(tenders::id.eq_any(chunk))
            .select((tenders::id, tenders::title, tenders::league_code))
            .load(conn)?;
        tender_rows.extend(rows.into_iter().map(|(id, t, l)| (id, (t, l))));
    }
    let opened = sealing::opened_tenders(conn, &tender_ids)?;
    let decided = sealing::decided_tenders(conn, &tender_ids)?;
    // Per event: which names it may carry, and whether the reader sees
    // the tender's bidders (a complaint's filer is named only then).
    let sight: Vec<(sealing::Nameable, bool)> = events
        .iter()
        .map(|e| {
            let tender = e.tender_id.as_deref();
            let (bidders_seen, committee_seen) = match tender {
                None => (true, true),
                Some(t) => (
                    tender_rows
                        .get(t)
                        .is_some_and(|(_, league)| reader.sees_bidders(opened.contains(t), league)),
                    reader.sees_committee(decided.contains(t)),
                ),
            };
            (
                sealing::nameable(
                    tender,
                    &e.actor_role,
                    &e.action,
                    &e.object_type,
                    bidders_seen,
                    committee_seen,
                ),
                bidders_seen,
            )
        })
        .collect();
    // What to look up: only what will be shown.
    let mut user_ids: HashSet<&str> = HashSet::new();
    let mut org_ids: HashSet<String> = HashSet::new();
    let mut expert_ids: HashSet<&str> = HashSet::new();
    let mut bid_ids: HashSet<&str> = HashSet::new();
    let mut complaint_ids: HashSet<&str> = HashSet::new();
    let mut contract_ids: HashSet<&str> = HashSet::new();
    let mut document_ids: HashSet<&str> = HashSet::new();
    for (e, (s, _)) in events.iter().zip(&sight) {
        if s.actor
            && let Some(a) = &e.actor_id
        {
            user_ids.insert(a);
        }
        if s.object {
            match e.object_type.as_str() {
                "user" => {
                    user_ids.insert(&e.object_id);
                }
                "organisation" => {
                    org_ids.insert(e.object_id.clone());
                }
                sealing::EXPERT_OBJECT => {
                    expert_ids.insert(&e.object_id);
                }
                "bid" => {
                    bid_ids.insert(&e.object_id);
                }
                COMPLAINT_OBJECT => {
                    complaint_ids.insert(&e.object_id);
                }
                CONTRACT_OBJECT => {
                    contract_ids.insert(&e.object_id);
                }
                DOCUMENT_OBJECT => {
                    document_ids.insert(&e.object_id);
                }
                _ => {}
            }
        }
    }
    let mut people: HashMap<String, (String, Option<String>)> = HashMap::new();
    for chunk in user_ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(String, String, Option<String>)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::name, users::organisation_id))
            .load(conn)?;
        for (id, name, org) in rows {
            org_ids.extend(org.clone());
            people.insert(id, (name, org));
        }
    }
    let mut bidders: HashMap<String, String> = HashMap::new();
    for chunk in bid_ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(String, String)> = bids::table
            .filter(bids::id.eq_any(chunk))
            .select((bids::id, bids::bidder_org_id))
            .load(conn)?;
        for (id, org) in rows {
            org_ids.insert(org.clone());
            bidders.insert(id, org);
        }
    }
    // A complaint: its filer (the organisation, else the user) and when.
    let mut complaint_rows: HashMap<String, (Option<String>, String, chrono::NaiveDateTime)> =
        HashMap::new();
    for chunk in complaint_ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(String, Option<String>, String, chrono::NaiveDateTime)> = complaints::table
            .filter(complaints::id.eq_any(chunk))
            .select((
                complaints::id,
                complaints::filer_org_id,
                complaints::filed_by,
                complaints::filed_at,
            ))
            .load(conn)?;
        for (id, org, by, at) in rows {
            org_ids.extend(org.clone());
            complaint_rows.insert(id, (org, by, at));
        }
    }
    let filers: Vec<String> = complaint_rows
        .values()
        .filter(|(org, ..)| org.is_none())
        .map(|(_, by, _)| by.clone())
        .filter(|by| !people.contains_key(by))
        .collect();
    for chunk in filers.chunks(500) {
        let rows: Vec<(String, String, Option<String>)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::name, users::organisation_id))
            .load(conn)?;
        for (id, name, org) in rows {
            people.insert(id, (name, org));
        }
    }
    // A contract: its title (in its terms) and its two parties.
    let mut contract_rows: HashMap<String, (String, String, String)> = HashMap::new();
    for chunk in contract_ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(String, String, String, String)> = contracts::table
            .filter(contracts::id.eq_any(chunk))
            .select((
                contracts::id,
                contracts::terms_json,
                contracts::purchaser_org_id,
                contracts::supplier_org_id,
            ))
            .load(conn)?;
        for (id, terms, purchaser, supplier) in rows {
            let title = serde_json::from_str::<serde_json::Value>(&terms)
                .ok()
                .and_then(|t| t["title"].as_str().map(str::to_string))
                .unwrap_or_default();
            org_ids.insert(purchaser.clone());
            org_ids.insert(supplier.clone());
            contract_rows.insert(id, (title, purchaser, supplier));
        }
    }
    let mut documents: HashMap<String, String> = HashMap::new();
    for chunk in document_ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(String, String, String)> = tender_documents::table
            .filter(tender_documents::id.eq_any(chunk))
            .select((
                tender_documents::id,
                tender_documents::title,
                tender_documents::filename,
            ))
            .load(conn)?;
        documents.extend(
            rows.into_iter()
                .map(|(id, title, file)| (id, document_name(&title, &file))),
        );
    }
    let mut orgs: HashMap<String, String> = HashMap::new();
    for chunk in org_ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(String, String)> = organisations::table
            .filter(organisations::id.eq_any(chunk))
            .select((organisations::id, organisations::name))
            .load(conn)?;
        orgs.extend(rows);
    }
    let mut expert_names: HashMap<String, String> = HashMap::new();
    for chunk in expert_ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(String, String)> = experts::table
            .filter(experts::id.eq_any(chunk))
            .select((experts::id, experts::name))
            .load(conn)?;
        expert_names.extend(rows);
    }
    let title = |id: &str| tender_rows.get(id).map(|(t, _)| t.clone());
    Ok(events
        .into_iter()
        .zip(sight)
        .map(|(event, (s, bidders_seen))| {
            let actor_name = s
                .actor
                .then(|| event.actor_id.as_ref().and_then(|a| people.get(a)))
                .flatten()
                .and_then(|(name, org)| {
                    match org {
                        Some(org) if ENTERPRISE_ROLES.contains(&event.actor_role.as_str()) => {
                            orgs.get(org).cloned()
                        }
                        _ => None,
                    }
                    .or_else(|| Some(name.clone()))
                });
            let id = event.object_id.as_str();
            let object_name = if s.object {
                match event.object_type.as_str() {
                    "tender" => title(id),
                    "user" => people.get(id).map(|(name, _)| name.clone()),
                    "organisation" => orgs.get(id).cloned(),
                    sealing::EXPERT_OBJECT => expert_names.get(id).cloned(),
                    "bid" => bidders.get(id).and_then(|org| orgs.get(org)).cloned(),
                    COMPLAINT_OBJECT => complaint_rows.get(id).map(|(org, by, at)| {
                        let filer = bidders_seen
                            .then(|| match org {
                                Some(org) => orgs.get(org).cloned(),
                                None => people.get(by).map(|(name, _)| name.clone()),
                            })
                            .flatten();
                        complaint_name(filer.as_deref(), crate::db::from_db_time(*at))
                    }),
                    CONTRACT_OBJECT => contract_rows.get(id).map(|(title, p, s)| {
                        contract_name(
                            title,
                            orgs.get(p).map(String::as_str),
                            orgs.get(s).map(String::as_str),
                        )
                    }),
                    DOCUMENT_OBJECT => documents.get(id).cloned(),
                    _ => None,
                }
            } else {
                None
            };
            let tender_title = event.tender_id.as_deref().and_then(title);
            NamedEvent {
                event,
                actor_name,
                object_name,
                tender_title,
            }
        })
        .collect())
}

/// The object types named here beyond those with a name of their own.
const COMPLAINT_OBJECT: &str = "complaint";
const CONTRACT_OBJECT: &str = "contract";
const DOCUMENT_OBJECT: &str = "document";

/// A complaint's name: "投诉（甲公司 提出，2026-12-01）", the day in
/// Beijing time; "投诉（2026-12-01 提出）" where the filer is not to be
/// named to the reader (its bidders sealed until the opening, 招标投标法
/// 第22条).
pub fn complaint_name(filer: Option<&str>, filed_at: chrono::DateTime<chrono::Utc>) -> String {
    let day = crate::calendar::beijing_date(filed_at).format("%Y-%m-%d");
    match filer {
        Some(filer) => format!("投诉（{filer} 提出，{day}）"),
        None => format!("投诉（{day} 提出）"),
    }
}

/// A contract's name: its title and its parties, "某项目合同（甲方：甲，
/// 乙方：乙）"（甲方 the purchaser or tenderer, 乙方 the supplier); the
/// parties left out where unknown.
pub fn contract_name(title: &str, purchaser: Option<&str>, supplier: Option<&str>) -> String {
    let title = if title.trim().is_empty() {
        "合同"
    } else {
        title.trim()
    };
    match (purchaser, supplier) {
        (Some(p), Some(s)) => format!("{title}（甲方：{p}，乙方：{s}）"),
        (Some(p), None) => format!("{title}（甲方：{p}）"),
        (None, Some(s)) => format!("{title}（乙方：{s}）"),
        (None, None) => title.to_string(),
    }
}

/// A tender document's name: its file name, with its title before it where
/// the title says more ("技术规格书（spec.pdf）"); the file name alone where
/// the title is empty or the file name's stem ("招标文件.pdf").
pub fn document_name(title: &str, filename: &str) -> String {
    let title = title.trim();
    let stem = filename.rsplit_once('.').map_or(filename, |(stem, _)| stem);
    if title.is_empty() || title == filename || title == stem {
        filename.to_string()
    } else {
        format!("{title}（{filename}）")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_complaint_is_named_by_its_filer_and_its_day_in_beijing_time() {
        // 2026-11-30 17:00 UTC is 1 December in Beijing.
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, 17, 0, 0)
            .unwrap();
        assert_eq!(
            complaint_name(Some("投标人2"), at),
            "投诉（投标人2 提出，2026-12-01）"
        );
        // A filer sealed from the reader: the day alone.
        assert_eq!(complaint_name(None, at), "投诉（2026-12-01 提出）");
    }

    #[test]
    fn a_contract_is_named_by_its_title_and_parties_and_a_document_by_its_file() {
        assert_eq!(
            contract_name("实验室设备合同", Some("某中学"), Some("甲公司")),
            "实验室设备合同（甲方：某中学，乙方：甲公司）"
        );
        assert_eq!(contract_name(" ", None, None), "合同");
        assert_eq!(
            document_name("招标文件", "zbwj.pdf"),
            "招标文件（zbwj.pdf）"
        );
        assert_eq!(document_name("招标文件", "招标文件.pdf"), "招标文件.pdf");
        assert_eq!(document_name("", "zbwj.pdf"), "zbwj.pdf");
        assert_eq!(document_name("zbwj.pdf", "zbwj.pdf"), "zbwj.pdf");
    }
}
