//! Invited tendering (邀请招标): the enterprises a tender invites, who alone
//! may take its documents and bid.
//!
//! The rules. 招标投标法 第17条: a tenderer that tenders by invitation sends
//! an invitation to bid (投标邀请书) to at least three specific legal persons
//! or other organisations able to perform the contract and of good standing.
//! 政府采购法 第34条: goods or services bought by invited tendering invite at
//! least three suppliers chosen at random among those meeting the
//! qualification; 政府采购货物和服务招标投标管理办法 (财政部令第87号) 第14条 says
//! how the list they are drawn from is made (a prequalification notice, a
//! supplier library of a finance department at provincial level or above,
//! or the purchaser's written recommendation, the last two with at least
//! twice as many candidates as are drawn), that the draw is witnessed by at
//! least two of the purchaser's staff and recorded, and that the
//! invitations go to all invitees **at the same time**.
//!
//! What the platform does with them:
//! - A tender names its invitees in the draft (`TenderInput::invitees`), by
//!   unified social credit code (GB 32100), so that an enterprise not yet
//!   registered on the platform can be invited: it is recognised when it
//!   signs in with a certificate carrying that code. At least
//!   [`MIN_INVITEES`]; none for the other methods.
//! - Only an invitee's members may download the published documents
//!   ([`may_take_documents`]), ask a clarification or bid ([`require_invited`]:
//!   starting an upload, submitting, completing an upload); everyone else
//!   gets 403 `not-invited`. The tender's staff (its managers, supervisors in
//!   scope, operators who see the invitees) still read the documents.
//! - The list is fixed at publication: the invitations all go out then, at
//!   once (87号令 第14条), and an amendment cannot add or remove an invitee
//!   (`AmendedTerms` has no such field): an enterprise invited later would
//!   have less than the legal period to prepare (招标投标法 第24条; 政府采购法
//!   第35条) and the others would not be invited on equal terms. To invite
//!   others, the tender is cancelled and tendered again.
//! - At publication each invitee that is a registered organisation is sent
//!   the invitation to bid (`tender_invitation`) through the platform, to
//!   its bidding accounts; the subscribers' "new tender" message is not
//!   sent, since the notice is no public call for bids. An invitee not
//!   registered gets nothing from the platform (the tenderer sends it its
//!   invitation) and can still take part once it signs in.
//! - The tender stays on the public board (the procedure is public: its
//!   notices, result, and that it is by invitation), but **who** is invited
//!   is sealed like who bid ([`crate::audit::sealing`]): the invitees are the
//!   potential bidders, and 招标投标法 第22条 forbids disclosing their names
//!   or number. Only the tender's managers, supervisors in scope and
//!   operators as [`Area::Invitees`] grants ([`sees_invitees`]) see the list;
//!   each invited enterprise learns only that it is invited (the detail's
//!   `invited`). Open data never carries it (the OCDS release is built from
//!   the public view of the tender).
//!
//! Not done here: the random draw among qualified suppliers (政府采购法 第34条)
//! happens off the platform; the platform records its result, the list.

use super::model::Method;
use super::store::{self, TenderRow};
use crate::audit::sealing::Standing;
use crate::db::schema::{organisations, tender_invitees};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::identity::policy::Area;
use crate::identity::store::OrganisationRef;
use crate::identity::{Principal, Role};
use crate::types::OrganisationId;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::model::MIN_INVITEES;

/// Whether someone standing so to a tender of `tender_league` sees whom it
/// invites: its managers (tenderer, agent), supervisors whose scope holds
/// it, and operators as [`Area::Invitees`] grants (the platform's, and the
/// tender's own league's). Unlike the bidders, the list is theirs from the
/// draft on: they made it, or they check it. Nobody else, at any time.
pub fn sees_invitees(standing: &Standing, tender_league: &str) -> bool {
    standing.manages
        || standing.supervises
        || standing
            .operator
            .is_some_and(|kind| kind.operates(Area::Invitees, Some(tender_league)))
}

/// Whether the tender is by invitation.
pub fn by_invitation(row: &TenderRow) -> bool {
    row.method == Method::InvitedTendering.code()
}

/// One invited enterprise, as those who may see the list see it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Invitee {
    /// Its unified social credit code, as the tender names it.
    pub credit_code: String,
    /// The registered organisation holding the code now; null if none is.
    pub organisation: Option<OrganisationRef>,
    /// When the invitation went out (the publication); null on a draft.
    pub invited_at: Option<DateTime<Utc>>,
    /// How many of its bidding accounts were sent the invitation on the
    /// platform at publication (0: it was not registered then, or had no
    /// bidding account; the tenderer sends it the invitation itself).
    pub notified_users: i32,
}

/// Replaces a draft's invitees (in the draft's transaction).
pub fn write(conn: &mut DbConn, tender_id: &str, codes: &[String]) -> Result<(), AppError> {
    diesel::delete(tender_invitees::table.filter(tender_invitees::tender_id.eq(tender_id)))
        .execute(conn)?;
    for (i, code) in codes.iter().enumerate() {
        diesel::insert_into(tender_invitees::table)
            .values((
                tender_invitees::tender_id.eq(tender_id),
                tender_invitees::credit_code.eq(code),
                tender_invitees::position.eq(i as i32 + 1),
                tender_invitees::notified_users.eq(0),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The invitees' credit codes, in the order the tender gave them.
pub fn codes(conn: &mut DbConn, tender_id: &str) -> Result<Vec<String>, AppError> {
    Ok(tender_invitees::table
        .filter(tender_invitees::tender_id.eq(tender_id))
        .order(tender_invitees::position.asc())
        .select(tender_invitees::credit_code)
        .load(conn)?)
}

/// Code, invited at, users told, organisation id and name.
type InviteeRow = (
    String,
    Option<NaiveDateTime>,
    i32,
    Option<String>,
    Option<String>,
);

/// The invitees in full (for those who may see them).
pub fn list(conn: &mut DbConn, tender_id: &str) -> Result<Vec<Invitee>, AppError> {
    let rows: Vec<InviteeRow> = tender_invitees::table
        .left_join(
            organisations::table
                .on(organisations::credit_code.eq(tender_invitees::credit_code.nullable())),
        )
        .filter(tender_invitees::tender_id.eq(tender_id))
        .order(tender_invitees::position.asc())
        .select((
            tender_invitees::credit_code,
            tender_invitees::invited_at,
            tender_invitees::notified_users,
            organisations::id.nullable(),
            organisations::name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(credit_code, invited_at, notified_users, id, name)| Invitee {
                credit_code,
                organisation: id.zip(name).map(|(id, name)| OrganisationRef {
                    id: OrganisationId::from_db(id),
                    name,
                }),
                invited_at: invited_at.map(from_db_time),
                notified_users,
            },
        )
        .collect())
}

/// The credit code of an organisation, if it has one.
fn credit_code_of(conn: &mut DbConn, organisation_id: &str) -> Result<Option<String>, AppError> {
    Ok(organisations::table
        .find(organisation_id)
        .select(organisations::credit_code)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Whether the organisation is invited to the tender (by its credit code).
pub fn is_invited(
    conn: &mut DbConn,
    tender_id: &str,
    organisation_id: &str,
) -> Result<bool, AppError> {
    let Some(code) = credit_code_of(conn, organisation_id)? else {
        return Ok(false);
    };
    Ok(tender_invitees::table
        .find((tender_id, code))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// What an enterprise that is not invited tried to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Take the tender's documents.
    Documents,
    /// Ask a clarification question.
    Ask,
    /// Start an upload or bid.
    Bid,
}

fn refusal(step: Step) -> AppError {
    let (action, reason) = match step {
        Step::Documents => ("take its documents", "tender.not-invited-documents"),
        Step::Ask => ("ask about it", "tender.not-invited-ask"),
        Step::Bid => ("bid", "tender.not-invited-bid"),
    };
    AppError::NotInvited(format!(
        "this tender is an invited tendering: only the enterprises it invites may {action} \
         (招标投标法 第17条; 政府采购法 第34条), and yours is not one of them"
    ))
    .because(reason, serde_json::json!({}))
}

/// Refuses (403 `not-invited`) an organisation that is not invited to an
/// invited tender, before it asks, starts an upload or bids; any
/// organisation passes on another method. `step` says what it tried.
pub fn require_invited(
    conn: &mut DbConn,
    row: &TenderRow,
    organisation_id: Option<&str>,
    step: Step,
) -> Result<(), AppError> {
    if !by_invitation(row) {
        return Ok(());
    }
    match organisation_id {
        Some(org) if is_invited(conn, &row.id, org)? => Ok(()),
        _ => Err(refusal(step)),
    }
}

/// Whether `principal` sees the tender's invitees ([`sees_invitees`]).
pub fn seen_by(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
) -> Result<bool, AppError> {
    if !principal.is_authenticated() {
        return Ok(false);
    }
    let standing = store::standing(conn, row, principal)?;
    Ok(sees_invitees(&standing, &row.league_code))
}

/// Whether `principal` may download the tender's published documents:
/// anyone on another method; on an invited tender, those who see the
/// invitees and the members of an invited organisation. Signed out: 401;
/// anyone else: 403 `not-invited`.
pub fn may_take_documents(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
) -> Result<(), AppError> {
    if !by_invitation(row) || seen_by(conn, row, principal)? {
        return Ok(());
    }
    if !principal.is_authenticated() {
        return Err(AppError::Unauthenticated(
            "the documents of an invited tender are for the enterprises it invites: sign in \
             as one of them"
                .into(),
        )
        .because("tender.invited-sign-in", serde_json::json!({})));
    }
    let org = principal.organisation.as_ref().map(|o| o.as_str());
    require_invited(conn, row, org, Step::Documents)
}

/// What the viewer of a tender's detail learns of its invitees: the list
/// if it may see it, and, for an enterprise's bidding user, whether its
/// enterprise is invited. Both `None` for a tender not by invitation.
pub fn for_viewer(
    conn: &mut DbConn,
    row: &TenderRow,
    viewer: &Principal,
) -> Result<(Option<Vec<Invitee>>, Option<bool>), AppError> {
    if !by_invitation(row) {
        return Ok((None, None));
    }
    let list = if seen_by(conn, row, viewer)? {
        Some(list(conn, &row.id)?)
    } else {
        None
    };
    let invited = match (&viewer.organisation, viewer.has(Role::Bidder)) {
        (Some(org), true) => Some(is_invited(conn, &row.id, org.as_str())?),
        _ => None,
    };
    Ok((list, invited))
}

/// One invitee as its invitation went out at publication.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub credit_code: String,
    pub org_id: Option<String>,
    pub notified_users: i32,
}

/// Marks the invitations sent at `now`: for each invitee, the registered
/// organisation holding its code and how many users were told
/// (`notify(organisation id) -> users told`, called once per registered
/// invitee, in order).
pub fn mark_sent(
    conn: &mut DbConn,
    tender_id: &str,
    now: DateTime<Utc>,
    mut notify: impl FnMut(&mut DbConn, &str) -> Result<usize, AppError>,
) -> Result<Vec<Sent>, AppError> {
    let mut sent = Vec::new();
    for code in codes(conn, tender_id)? {
        let org: Option<String> = organisations::table
            .filter(organisations::credit_code.eq(&code))
            .select(organisations::id)
            .first(conn)
            .optional()?;
        let told = match &org {
            Some(org) => i32::try_from(notify(conn, org)?).unwrap_or(i32::MAX),
            None => 0,
        };
        diesel::update(tender_invitees::table.find((tender_id, &code)))
            .set((
                tender_invitees::org_id.eq(org.as_deref()),
                tender_invitees::invited_at.eq(to_db_time(now)),
                tender_invitees::notified_users.eq(told),
            ))
            .execute(conn)?;
        sent.push(Sent {
            credit_code: code,
            org_id: org,
            notified_users: told,
        });
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::policy::OperatorKind;
    use crate::tenders::model::TenderInput;

    fn code(first17: &str) -> String {
        crate::types::CreditCode::with_check_digit(first17)
            .unwrap()
            .as_str()
            .to_string()
    }

    fn input(method: &str, invitees: &[String]) -> TenderInput {
        serde_json::from_value(serde_json::json!({
            "title": "道路工程",
            "category": "engineering_construction",
            "method": method,
            "budget": {"amount_fen": 100, "currency": "CNY"},
            "evaluation": {"method": "lowest_evaluated_price"},
            "terms": {"bid_validity_days": 90},
            "dates": {
                "documents_available_at": "2026-01-01T00:00:00Z",
                "clarification_deadline": "2026-01-10T00:00:00Z",
                "bid_deadline": "2026-01-25T00:00:00Z",
                "publicity_days": 3
            },
            "invitees": invitees,
        }))
        .unwrap()
    }

    fn fields(input: &TenderInput) -> Vec<String> {
        input.validate().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn invited_tendering_names_three_valid_distinct_invitees() {
        let [a, b, c] = [
            code("91450100MA5T0001A"),
            code("91450100MA5T0002B"),
            code("91450100MA5T0003C"),
        ];
        let three = [a.clone(), b.clone(), c.clone()];
        assert!(fields(&input("invited_tendering", &three)).is_empty());
        assert_eq!(
            fields(&input("invited_tendering", &three[..2])),
            ["invitees"]
        );
        assert_eq!(fields(&input("invited_tendering", &[])), ["invitees"]);
        let twice = [a.clone(), b.clone(), a.clone()];
        assert_eq!(fields(&input("invited_tendering", &twice)), ["invitees[2]"]);
        let mut wrong = c.clone();
        wrong.replace_range(17.., if c.ends_with('0') { "1" } else { "0" });
        assert_eq!(
            fields(&input("invited_tendering", &[a.clone(), b.clone(), wrong])),
            ["invitees[2]"]
        );
        // Other methods name none; without the field, none.
        assert!(fields(&input("open_tendering", &[])).is_empty());
        assert_eq!(fields(&input("open_tendering", &three)), ["invitees"]);
        let absent: TenderInput = serde_json::from_value({
            let mut v = serde_json::to_value(input("open_tendering", &[])).unwrap();
            v.as_object_mut().unwrap().remove("invitees");
            v
        })
        .unwrap();
        assert!(absent.invitees.is_empty());
    }

    #[test]
    fn the_list_is_for_the_tenders_staff_only() {
        let s = |manages, supervises, operator| Standing {
            manages,
            supervises,
            operator,
        };
        assert!(sees_invitees(&s(true, false, None), "NNG"));
        assert!(sees_invitees(&s(false, true, None), "NNG"));
        assert!(sees_invitees(
            &s(false, false, Some(OperatorKind::Platform)),
            "NNG"
        ));
        assert!(sees_invitees(
            &s(false, false, Some(OperatorKind::League("NNG"))),
            "NNG"
        ));
        assert!(!sees_invitees(
            &s(false, false, Some(OperatorKind::League("LZH"))),
            "NNG"
        ));
        // A bidder, an expert, the public: nobody else.
        assert!(!sees_invitees(&Standing::default(), "NNG"));
    }
}
