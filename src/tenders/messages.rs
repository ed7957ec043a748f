//! What a tender's changes tell people. Each function is called inside the
//! transaction of the change that causes its message (see `crate::notify`):
//! a new tender goes to those who follow its category in its league (an
//! invited tender instead to its invitees, as their invitation to bid); an
//! amendment and an answered clarification to everyone who took the
//! documents ([`super::takers`]); the publicised candidates to the
//! enterprises whose bids were opened. What users typed goes into
//! template fields only. Each returns how many users it wrote to.

use super::store::{TenderRow, league_name};
use super::takers;
use crate::audit::AuditContext;
use crate::db::from_db_time;
use crate::error::AppError;
use crate::notify::{self, Kind, Message};
use crate::tenders::model::{Category, Method};
use chrono::{DateTime, Utc};

/// The tender's page on the notice board, where people read it in a
/// browser (notices, documents, clarifications).
fn page(row: &TenderRow) -> String {
    format!("/#/tenders/{}", row.id)
}

/// A message about the tender: its title and reference, a link to its page.
fn about(kind: Kind, cause: String, row: &TenderRow) -> Message {
    Message::new(kind, cause)
        .tender(&row.id, &row.league_code)
        .field("title", row.title.as_str())
        .field("reference", row.reference.as_str())
        .link(page(row))
}

/// A tender just published, to the users who follow its category in its
/// league (or in every league).
pub fn published(
    conn: &mut crate::db::DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
) -> Result<usize, AppError> {
    let category = Category::from_db(&row.category)?;
    let method = Method::from_db(&row.method)?;
    let subscribers = notify::settings::subscribers(conn, category, &row.league_code)?;
    if subscribers.is_empty() {
        return Ok(0);
    }
    let league = league_name(conn, &row.league_code)?;
    let message = about(
        Kind::TenderPublished,
        format!("tender:{}:published", row.id),
        row,
    )
    .field(
        "league",
        if league.is_empty() {
            row.league_code.clone()
        } else {
            league
        },
    )
    .term("category", category.code())
    .term("method", method.code())
    .time("bid_deadline", from_db_time(row.bid_deadline));
    notify::send(conn, ctx, &message, &subscribers)
}

/// An invited tender just published: the invitation to bid (投标邀请书,
/// 招标投标法 第17条) to the bidding accounts of every invitee registered on
/// the platform, all in the publication's transaction, so at the same time
/// (87号令 第14条: "投标邀请书应当同时向所有受邀请的供应商发出"). Each
/// invitee's row records when and to how many users it went, and the audit
/// event `tender.invitations_sent` lists them (the record is read by those
/// who may see the invitees, `super::invitees`). Followers of the category
/// are not told: the notice is no public call for bids.
pub fn invitations(
    conn: &mut crate::db::DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
) -> Result<usize, AppError> {
    let category = Category::from_db(&row.category)?;
    let league = league_name(conn, &row.league_code)?;
    let tenderer = crate::identity::store::organisation_ref(conn, &row.tenderer_org_id)?
        .map(|o| o.name)
        .unwrap_or_default();
    let message = about(
        Kind::TenderInvitation,
        format!("tender:{}:invitation", row.id),
        row,
    )
    .field("tenderer", tenderer)
    .field(
        "league",
        if league.is_empty() {
            row.league_code.clone()
        } else {
            league
        },
    )
    .term("category", category.code())
    .time("bid_deadline", from_db_time(row.bid_deadline));
    let mut total = 0;
    let sent = super::invitees::mark_sent(conn, &row.id, ctx.now, |conn, org| {
        let users = notify::users_of(conn, org, crate::identity::Role::Bidder)?;
        let told = notify::send(conn, ctx, &message, &users)?;
        total += told;
        Ok(told)
    })?;
    crate::audit::record(
        conn,
        ctx,
        "tender.invitations_sent",
        "tender",
        &row.id,
        Some(&row.id),
        &serde_json::json!({ "invitees": sent }),
    )?;
    Ok(total)
}

/// Amendment `version` (titled `amendment`), to everyone who took the
/// documents; `bid_deadline` is the deadline after it.
pub fn amended(
    conn: &mut crate::db::DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    version: i32,
    amendment: &str,
    bid_deadline: DateTime<Utc>,
) -> Result<usize, AppError> {
    let takers = takers::users(conn, &row.id)?;
    let message = about(
        Kind::TenderAmended,
        format!("tender:{}:amendment:{version}", row.id),
        row,
    )
    .field("version", version.to_string())
    .field("amendment", amendment)
    .time("bid_deadline", bid_deadline);
    notify::send(conn, ctx, &message, &takers)
}

/// An answered clarification, published as number `number`.
pub struct Answered<'a> {
    pub number: i32,
    pub question: &'a str,
    pub answer: &'a str,
    /// Who asked: told even if it never took the documents.
    pub asked_by: &'a str,
}

/// An answered clarification, to everyone who took the documents and to
/// its asker (whom nobody else learns of).
pub fn clarification_answered(
    conn: &mut crate::db::DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    answered: &Answered<'_>,
) -> Result<usize, AppError> {
    let mut to = takers::users(conn, &row.id)?;
    if !answered.asked_by.is_empty() {
        to.push(answered.asked_by.to_string());
    }
    let message = about(
        Kind::ClarificationAnswered,
        format!("tender:{}:clarification:{}", row.id, answered.number),
        row,
    )
    .field("number", answered.number.to_string())
    .field("question", answered.question)
    .field("answer", answered.answer);
    notify::send(conn, ctx, &message, &to)
}

/// The candidates publicised, to the enterprises whose bids were opened.
pub fn candidates_publicised(
    conn: &mut crate::db::DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
) -> Result<usize, AppError> {
    let bidders = crate::opening::messages::opened_bidders(conn, &row.id)?;
    let message = about(
        Kind::CandidatesPublicised,
        format!("tender:{}:candidates", row.id),
        row,
    );
    notify::send(conn, ctx, &message, &bidders)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::templates::{Language, render};

    #[test]
    fn every_category_and_method_has_its_words_in_a_new_tenders_message() {
        for category in Category::ALL {
            for method in Method::ALL {
                let m = Message::new(Kind::TenderPublished, "c")
                    .field("title", "道路工程")
                    .field("reference", "NNG-2026-0001")
                    .field("league", "南宁市公共资源交易中心")
                    .term("category", category.code())
                    .term("method", method.code())
                    .time("bid_deadline", DateTime::from_timestamp(0, 0).unwrap())
                    .link("/#/tenders/t");
                for language in [Language::Zh, Language::En] {
                    let r = render(Kind::TenderPublished, language, &m)
                        .unwrap_or_else(|e| panic!("{category:?} {method:?}: {e:?}"));
                    assert!(!r.text.contains(category.code()), "{}", r.text);
                    assert!(r.text.contains("/#/tenders/t"), "{}", r.text);
                }
            }
        }
    }
}
