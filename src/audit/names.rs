//! Display names for audit events, derived when they are read, like a view:
//! who acted (the user's name, or for an enterprise's user acting for it,
//! the enterprise's), what the event is about where that has a name (a
//! tender's title, an organisation's, an expert's, a user's, a bid's
//! bidder), and the tender's title. The log's entries hold ids only: names
//! change (an organisation renamed) and are never hashed into a leaf.
//!
//! A name is given only where the reader may know it
//! ([`super::sealing::nameable`]): no bidder's name before the opening,
//! no member's to those who wait for the result.

use super::entry::AuditEvent;
use super::sealing;
use crate::db::DbConn;
use crate::db::schema::{bids, experts, organisations, tenders, users};
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
    let sight: Vec<sealing::Nameable> = events
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
            sealing::nameable(
                tender,
                &e.actor_role,
                &e.action,
                &e.object_type,
                bidders_seen,
                committee_seen,
            )
        })
        .collect();
    // What to look up: only what will be shown.
    let mut user_ids: HashSet<&str> = HashSet::new();
    let mut org_ids: HashSet<String> = HashSet::new();
    let mut expert_ids: HashSet<&str> = HashSet::new();
    let mut bid_ids: HashSet<&str> = HashSet::new();
    for (e, s) in events.iter().zip(&sight) {
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
        .map(|(event, s)| {
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
