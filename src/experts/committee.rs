//! A tender's committee: the draw's commitment, its seed inputs, the draw
//! itself, invitations and their answers, and replacements, all stored and
//! on the record. The rules of the draw are in [`super::draw`]; this is the
//! shell that feeds them and keeps what they decide.
//!
//! The sequence, and why nobody can steer it:
//! 1. Before the bid deadline, the tender's organiser sets the rules. The
//!    platform then takes the pool snapshot, draws a secret 32-byte value,
//!    and records the SHA-256 of all three in the audit log
//!    (`draw.committed`). The snapshot and rules cannot change afterwards.
//! 2. At the deadline the audit log's tree head is fixed: the last
//!    checkpoint signed at or before it. Nobody knew it at step 1.
//! 3. After the deadline a supervisor in scope gives its contribution (any
//!    text it chose). The platform reveals its value; the seed is computed
//!    from the three; the committee is drawn; invitations go out.
//! 4. Each invitation goes to the expert's inbox (and e-mail) and is
//!    answered by a deadline: the window configured when the committee is
//!    drawn (`invitation_answer_minutes`), the same for its replacements.
//! 5. A decline, a lapsed invitation (no answer by the deadline, marked by
//!    [`super::expiry`]), a no-show or a recusal frees a seat: the next
//!    suitable reserve is invited, on the record.
//!
//! The committee's make-up is the law's ([`super::composition`]): odd, at
//! least the minimum of the tender's category, method and value, experts
//! at least two thirds. The rest are the tenderer's representatives
//! (招标人的代表, 招标投标法 第37条; 采购人代表, 87号令 第47条), named by the
//! organiser with the rules: accounts of the tenderer's organisation that
//! hold the tenderer role (not the agent's staff, who may not sit, 87号令
//! 第47条). They are not drawn: they are stored apart from the drawn
//! members (`committee_representatives`), on the record
//! (`committee.representative`) and wherever members are shown, under the
//! same secrecy; in the room each sits as the member
//! `rep-<account id>`, at the main venue, signing with its certificate
//! session as every member does.
//!
//! Who sits is confidential until the result is decided (招标投标法 第37条:
//! "评标委员会成员的名单在中标结果确定前应当保密"): members' identities are
//! shown to platform operators and supervisors in scope; to the tender's
//! tenderer and agent once the evaluation has started; to everyone else
//! who sees the tender once it is awarded or closed (government
//! procurement then publishes the list, 政府采购法实施条例 第43条). The rule
//! is [`crate::audit::sealing::sees_members`].

use super::composition;
use super::draw::{self, Outcome, Rules, Snapshot};
use super::pool::{self, ExpertRow};
use crate::audit::{self, AuditContext};
use crate::db::schema::{
    bids, committee_members, committee_representatives, draw_replacements, draws, experts,
    organisations, tenders,
};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError};
use crate::identity::{Principal, Role};
use crate::supervision::Reader;
use crate::tenders::model::{Category, Method, TenderStatus};
use crate::tenders::store::TenderRow;
use crate::types::text_enum;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;

text_enum! {
    /// Where a committee member stands.
    pub enum MemberStatus {
        /// Invited; has not answered.
        Invited = "invited",
        Accepted = "accepted",
        Declined = "declined",
        /// Did not come (marked by the organiser).
        NoShow = "no_show",
        /// Declared a conflict of interest.
        Recused = "recused",
        /// Did not answer the invitation by its deadline.
        Expired = "expired",
    }
}

impl MemberStatus {
    /// Whether the member holds a seat.
    pub fn seated(self) -> bool {
        matches!(self, MemberStatus::Invited | MemberStatus::Accepted)
    }
}

text_enum! {
    /// What a member is: drawn from the pool, or named by the tenderer.
    pub enum MemberKind {
        Expert = "expert",
        /// The tenderer's representative (招标投标法 第37条): not drawn.
        Representative = "representative",
    }
}

/// A representative named in the rules, by account.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeInput {
    /// An account of the tenderer's organisation holding the tenderer role.
    pub user_id: String,
}

/// The rules as the organiser sets them; the platform adds the tender's
/// league and tenderer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesInput {
    /// The committee's members, representatives included: odd, at least
    /// the legal minimum of the tender's category, method and value
    /// ([`composition`]), at most 25. The draw fills the seats the
    /// representatives leave.
    pub size: u32,
    #[serde(default)]
    pub quotas: Vec<draw::Quota>,
    pub cross_site: Option<draw::CrossSite>,
    pub venues: Vec<draw::Venue>,
    /// Default 180 (at least 180 unless an operator sets it).
    pub history_days: Option<u32>,
    /// Default true (only an operator may switch it off).
    pub avoid_recent_committees: Option<bool>,
    /// Default 3 (1 to 3 unless an operator sets it; an operator's 0 means
    /// no limit).
    pub max_declines: Option<u32>,
    /// The tenderer's representatives (招标人的代表), not drawn: at most
    /// the third of the members that the experts' two thirds leave.
    #[serde(default)]
    pub representatives: Vec<RepresentativeInput>,
    /// Government procurement by tendering: the project is technically
    /// complex or of large social impact, so the committee has 7 members
    /// or more (87号令 第47条); `complex_reason` says why.
    #[serde(default)]
    pub complex: bool,
    /// 1 to 500 characters, with `complex` only.
    pub complex_reason: Option<String>,
}

/// The prefix of a representative's member id: the room and the committee
/// know it as `rep-<account id>` (account ids are UUIDs, expert ids too,
/// so the two never meet).
const REPRESENTATIVE_PREFIX: &str = "rep-";

/// The member id of the representative whose account is `user_id`.
pub fn representative_key(user_id: &str) -> String {
    format!("{REPRESENTATIVE_PREFIX}{user_id}")
}

/// The account of a representative's member id; `None` for an expert.
pub fn representative_user(member: &str) -> Option<&str> {
    member.strip_prefix(REPRESENTATIVE_PREFIX)
}

/// The member id `principal` sits under on `tender_id`'s committee as its
/// representative, if it is one still seated.
pub fn representative_of(
    conn: &mut DbConn,
    principal: &Principal,
    tender_id: &str,
) -> Result<Option<String>, AppError> {
    let Some(user) = principal.user_id.as_ref() else {
        return Ok(None);
    };
    if !principal.has(Role::Tenderer) {
        return Ok(None);
    }
    let status: Option<String> = committee_representatives::table
        .find((tender_id, user.as_str()))
        .select(committee_representatives::status)
        .first(conn)
        .optional()?;
    Ok(status
        .and_then(|s| MemberStatus::from_db(&s).ok())
        .filter(|s| s.seated())
        .map(|_| representative_key(user.as_str())))
}

/// A representative as stored: on the record and in the draw's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Representative {
    /// Its member id in the room (`rep-<account id>`).
    pub member: String,
    pub user_id: String,
    /// The account's name when it was named.
    pub name: String,
    pub organisation_id: String,
    pub organisation: String,
    pub league: String,
    /// The league of its venue: the main venue.
    pub venue: String,
    /// accepted (it sits), or recused.
    pub status: MemberStatus,
    pub named_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// The representatives of a tender's committee, in the order named.
pub fn representatives(
    conn: &mut DbConn,
    tender_id: &str,
) -> Result<Vec<Representative>, AppError> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<String>,
    );
    let rows: Vec<Row> = committee_representatives::table
        .inner_join(
            organisations::table
                .on(organisations::id.eq(committee_representatives::organisation_id)),
        )
        .filter(committee_representatives::tender_id.eq(tender_id))
        .order((
            committee_representatives::position.asc(),
            committee_representatives::user_id.asc(),
        ))
        .select((
            committee_representatives::user_id,
            committee_representatives::name,
            committee_representatives::organisation_id,
            organisations::name,
            committee_representatives::league_code,
            committee_representatives::venue_league,
            committee_representatives::status,
            committee_representatives::named_at,
            committee_representatives::left_at,
            committee_representatives::reason,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(user, name, org_id, org, league, venue, status, named, left, reason)| {
                Ok(Representative {
                    member: representative_key(&user),
                    user_id: user,
                    name,
                    organisation_id: org_id,
                    organisation: org,
                    league,
                    venue,
                    status: MemberStatus::from_db(&status)?,
                    named_at: from_db_time(named),
                    left_at: left.map(from_db_time),
                    reason,
                })
            },
        )
        .collect()
}

/// The representatives who sit (for the room's roster).
pub fn seated_representatives(
    conn: &mut DbConn,
    tender_id: &str,
) -> Result<Vec<Representative>, AppError> {
    Ok(representatives(conn, tender_id)?
        .into_iter()
        .filter(|r| r.status.seated())
        .collect())
}

/// Whether `account` may be named the tender's representative: an account
/// of the tenderer's organisation holding the tenderer role (招标人的代表,
/// 招标投标法 第37条; an agency's staff do not sit for the tenderer, 87号令
/// 第47条). Disabled accounts do not load, so they never pass.
fn may_represent(account: &Principal, tender: &TenderRow) -> bool {
    account.organisation.as_ref().map(|o| o.as_str()) == Some(tender.tenderer_org_id.as_str())
        && account.has(Role::Tenderer)
}

/// An account the organiser may name as the tenderer's representative:
/// its id, name and roles, nothing more (no contact details, no tokens).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepresentativeCandidate {
    pub user_id: crate::types::UserId,
    pub name: String,
    pub roles: Vec<Role>,
}

/// The accounts that [`check_representatives`] would accept for `tender`:
/// the enabled accounts of its tenderer's organisation holding the
/// tenderer role, by name (then id).
pub fn representative_candidates(
    conn: &mut DbConn,
    tender: &TenderRow,
) -> Result<Vec<RepresentativeCandidate>, AppError> {
    use crate::db::schema::{user_roles, users};
    let ids: Vec<String> = users::table
        .inner_join(user_roles::table.on(user_roles::user_id.eq(users::id)))
        .filter(users::organisation_id.eq(&tender.tenderer_org_id))
        .filter(users::disabled.eq(false))
        .filter(user_roles::role.eq(Role::Tenderer.code()))
        .select(users::id)
        .load(conn)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        // The same loading and test as naming them: the list never offers
        // an account the rules would refuse.
        let Some(account) = crate::identity::store::load_principal(conn, &id)? else {
            continue;
        };
        if !may_represent(&account, tender) {
            continue;
        }
        let Some(user_id) = account.user_id else {
            continue;
        };
        out.push(RepresentativeCandidate {
            user_id,
            name: account.name,
            roles: account.roles,
        });
    }
    // By name, in Rust: the databases' collations order Chinese apart.
    out.sort_by(|a, b| (&a.name, a.user_id.as_str()).cmp(&(&b.name, b.user_id.as_str())));
    Ok(out)
}

/// What is wrong with the representatives named (an account of the
/// tenderer's organisation with the tenderer role, each once), each
/// problem as a field error; the accounts that pass.
fn check_representatives(
    conn: &mut DbConn,
    tender: &TenderRow,
    named: &[RepresentativeInput],
    errors: &mut Vec<FieldError>,
) -> Result<Vec<Principal>, AppError> {
    let mut seen = BTreeSet::new();
    let mut accounts = Vec::new();
    for (i, rep) in named.iter().enumerate() {
        let field = format!("representatives[{i}].user_id");
        let Some(id) = crate::types::UserId::parse(rep.user_id.trim()) else {
            errors.push(
                FieldError::new(field, "not an account id").because("id.malformed", json!({})),
            );
            continue;
        };
        if !seen.insert(id.as_str().to_string()) {
            errors.push(
                FieldError::new(field, "named twice")
                    .because("list.duplicate", json!({ "value": id.as_str() })),
            );
            continue;
        }
        let Some(account) = crate::identity::store::load_principal(conn, id.as_str())? else {
            errors.push(
                FieldError::new(field, "no such account, or it is disabled")
                    .because("id.unknown", json!({})),
            );
            continue;
        };
        if !may_represent(&account, tender) {
            errors.push(
                FieldError::new(
                    field,
                    "the tenderer's representative is an account of the tenderer's organisation holding the tenderer role (招标人的代表, 招标投标法 第37条; 采购人代表, 87号令 第47条: an agency's staff do not sit on the committees of the procedures it runs)",
                )
                .because("committee.representative-of-tenderer", json!({})),
            );
            continue;
        }
        accounts.push(account);
    }
    Ok(accounts)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = draws)]
pub struct DrawRow {
    pub tender_id: String,
    pub rules_json: String,
    pub snapshot_json: String,
    pub platform_value: String,
    pub platform_commitment: String,
    pub committed_at: NaiveDateTime,
    pub committed_by: Option<String>,
    pub supervisor_contribution: Option<String>,
    pub contributed_by: Option<String>,
    pub tree_size: Option<i64>,
    pub tree_root: Option<Vec<u8>>,
    pub tree_signed_at: Option<NaiveDateTime>,
    pub tree_note: Option<String>,
    pub bidders_json: Option<String>,
    pub bidders_salt: Option<String>,
    pub drawn_json: Option<String>,
    pub outcome_json: Option<String>,
    pub drawn_at: Option<NaiveDateTime>,
    /// The window, in minutes, the committee's invitations are answered
    /// in (`None` for committees drawn before invitations had deadlines).
    pub answer_minutes: Option<i32>,
}

fn internal(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::Internal(anyhow::Error::new(e).context(what.to_string()))
}

impl DrawRow {
    pub fn rules(&self) -> Result<Rules, AppError> {
        serde_json::from_str(&self.rules_json).map_err(|e| internal("stored draw rules", e))
    }

    pub fn snapshot(&self) -> Result<Snapshot, AppError> {
        serde_json::from_str(&self.snapshot_json).map_err(|e| internal("stored pool snapshot", e))
    }

    /// When an invitation made at `invited_at` lapses, by the committee's
    /// window (for a committee drawn before deadlines existed, the default
    /// window).
    pub fn answer_by(&self, invited_at: DateTime<Utc>) -> DateTime<Utc> {
        let minutes = self.answer_minutes.unwrap_or(DEFAULT_ANSWER_MINUTES);
        invited_at + chrono::Duration::minutes(i64::from(minutes))
    }

    pub fn outcome(&self) -> Result<Option<Outcome>, AppError> {
        self.outcome_json
            .as_deref()
            .map(|j| serde_json::from_str(j).map_err(|e| internal("stored draw outcome", e)))
            .transpose()
    }

    /// What `draw.committed` recorded: its SHA-256 is the audit entry's
    /// payload hash.
    pub fn commitment_payload(&self) -> CommitmentPayload {
        CommitmentPayload {
            tender_id: self.tender_id.clone(),
            snapshot_sha256: draw::sha256_hex(self.snapshot_json.as_bytes()),
            rules_sha256: draw::sha256_hex(self.rules_json.as_bytes()),
            platform_commitment: self.platform_commitment.clone(),
        }
    }
}

/// The payload of the `draw.committed` audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommitmentPayload {
    pub tender_id: String,
    pub snapshot_sha256: String,
    pub rules_sha256: String,
    pub platform_commitment: String,
}

pub fn load(conn: &mut DbConn, tender_id: &str) -> Result<Option<DrawRow>, AppError> {
    Ok(draws::table
        .find(tender_id)
        .select(DrawRow::as_select())
        .first(conn)
        .optional()?)
}

/// A procedure that has no evaluation committee.
fn no_committee(category: Category, method: Method) -> AppError {
    AppError::Conflict(composition::no_committee(category, method)).because(
        match method {
            Method::Listing | Method::Auction => "committee.none-by-price",
            _ => "committee.none",
        },
        json!({ "category": category.code(), "method": method.code() }),
    )
}

/// The committee is asked for before its draw.
pub fn not_drawn() -> AppError {
    AppError::Conflict("the committee is not drawn yet".into())
        .because("committee.not-drawn", json!({}))
}

fn load_required(conn: &mut DbConn, tender_id: &str) -> Result<DrawRow, AppError> {
    load(conn, tender_id)?.ok_or_else(|| {
        AppError::NotFound("the tender's draw is not configured".into())
            .because("draw.not-configured", json!({}))
    })
}

fn credit_code_of(conn: &mut DbConn, org: &str) -> Result<Option<String>, AppError> {
    Ok(organisations::table
        .find(org)
        .select(organisations::credit_code)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The window of committees drawn before invitations had deadlines (the
/// configuration's default).
const DEFAULT_ANSWER_MINUTES: i32 = 60;

/// How long before the bid deadline the draw is committed at the latest:
/// the log signs a checkpoint within seconds, so the commitment is inside
/// the tree head the seed takes.
pub const COMMIT_MARGIN: chrono::Duration = chrono::Duration::minutes(10);

/// Sets the rules and commits the draw (the tender's organiser, before the
/// bid deadline, once).
pub fn commit(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender: &TenderRow,
    input: &RulesInput,
) -> Result<CommitmentPayload, AppError> {
    let facts = tender.facts()?;
    if composition::rule_for(facts.category, facts.method).is_none() {
        return Err(no_committee(facts.category, facts.method));
    }
    if tender.status()? != TenderStatus::Published {
        return Err(AppError::IllegalTransition(
            "the draw is committed while the tender is published, before its bid deadline".into(),
        )
        .because(
            "draw.commit-while-published",
            json!({ "status": tender.status()?.code() }),
        ));
    }
    if ctx.now + COMMIT_MARGIN >= from_db_time(tender.bid_deadline) {
        return Err(AppError::DeadlinePassed(format!(
            "the draw is committed at least {} minutes before the bid deadline, so that the commitment is in the audit log's tree head at the deadline",
            COMMIT_MARGIN.num_minutes()
        ))
        .because(
            "draw.commit-too-late",
            json!({
                "minutes": COMMIT_MARGIN.num_minutes(),
                "deadline": crate::reasons::time(from_db_time(tender.bid_deadline)),
            }),
        ));
    }
    if load(conn, &tender.id)?.is_some() {
        return Err(AppError::Conflict(
            "the draw is committed already; its rules and snapshot cannot change".into(),
        )
        .because("draw.committed-already", json!({})));
    }
    let named = u32::try_from(input.representatives.len()).unwrap_or(u32::MAX);
    let complex_reason = input
        .complex_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let rules = Rules {
        size: input.size.saturating_sub(named),
        quotas: input.quotas.clone(),
        cross_site: input.cross_site,
        venues: input
            .venues
            .iter()
            .map(|v| draw::Venue {
                league: v.league.clone(),
                name: v.name.trim().to_string(),
                main: v.main,
            })
            .collect(),
        tender_league: tender.league_code.clone(),
        tenderer: credit_code_of(conn, &tender.tenderer_org_id)?,
        history_days: input.history_days.unwrap_or(180),
        avoid_recent_committees: input.avoid_recent_committees.unwrap_or(true),
        max_declines: input.max_declines.unwrap_or(3),
        representatives: named,
        complex_reason: complex_reason.clone().filter(|_| input.complex),
    };
    let budget = tender.budget();
    let minimum = composition::minimum(&composition::Facts {
        category: facts.category,
        method: facts.method,
        budget_fen: budget.amount_fen,
        budget_in_cny: budget.currency.as_str() == "CNY",
        complex: input.complex,
    })
    .ok_or_else(|| no_committee(facts.category, facts.method))?;
    let mut errors: Vec<FieldError> = composition::check(input.size, named, &minimum);
    if input.complex && !composition::complex_applies(facts.category, facts.method) {
        errors.push(
            FieldError::new(
                "complex",
                "only government procurement by tendering has a larger committee for a complex project (87号令 第47条); choose a larger size instead",
            )
            .because("committee.complex-gp-only", json!({})),
        );
    } else if input.complex {
        crate::error::check_text(
            &mut errors,
            "complex_reason",
            input.complex_reason.as_deref().unwrap_or(""),
            true,
            500,
        );
    } else if input.complex_reason.is_some() {
        errors.push(
            FieldError::new("complex_reason", "given with \"complex\": true only")
                .because("committee.complex-reason-alone", json!({})),
        );
    }
    let accounts = check_representatives(conn, tender, &input.representatives, &mut errors)?;
    errors.extend(draw::check_rules(&rules));
    // The avoidance rules keep the same faces off a tenderer's committees:
    // its own organiser may make them stricter, only an operator laxer.
    if ctx.role != Some(Role::Operator) {
        if !rules.avoid_recent_committees {
            errors.push(
                FieldError::new(
                    "avoid_recent_committees",
                    "only an operator may switch off the avoidance of this tenderer's recent committees",
                )
                .because("draw.avoidance-operator-only", json!({})),
            );
        }
        if rules.max_declines == 0 || rules.max_declines > 3 {
            errors.push(
                FieldError::new(
                    "max_declines",
                    "1 to 3; only an operator may allow more declines",
                )
                .because("draw.declines-operator-only", json!({ "min": 1, "max": 3 })),
            );
        }
        if rules.history_days < 180 {
            errors.push(
                FieldError::new(
                    "history_days",
                    "at least 180 days; only an operator may look back less",
                )
                .because("draw.history-operator-only", json!({ "min": 180 })),
            );
        }
    }
    for (i, venue) in rules.venues.iter().enumerate() {
        let known = crate::types::LeagueCode::parse(&venue.league)
            .ok()
            .map(|code| crate::leagues::exists(conn, &code))
            .transpose()?
            .unwrap_or(false);
        if !known {
            errors.push(
                FieldError::new(format!("venues[{i}].league"), "no such league")
                    .because("league.unknown", json!({ "league": venue.league })),
            );
        }
    }
    AppError::check(errors)?;
    // A representative sits for the tenderer only: an expert of the pool
    // named as representative is not drawn as well (87号令 第47条: an expert
    // sits on its own unit's committee only as its representative).
    let representing: Vec<&str> = accounts
        .iter()
        .filter_map(|a| a.user_id.as_ref().map(|u| u.as_str()))
        .collect();
    let not_drawn: BTreeSet<String> = experts::table
        .filter(experts::user_id.eq_any(&representing))
        .select(experts::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let snapshot = Snapshot {
        taken_at: ctx.now,
        experts: pool::snapshot(conn, &tender.tenderer_org_id, rules.history_days, ctx.now)?
            .into_iter()
            .filter(|e| !not_drawn.contains(&e.id))
            .collect(),
    };
    let rules_json = serde_json::to_string(&rules).map_err(|e| internal("draw rules", e))?;
    let snapshot_json =
        serde_json::to_string(&snapshot).map_err(|e| internal("pool snapshot", e))?;
    let mut value = [0u8; 32];
    openssl::rand::rand_bytes(&mut value).map_err(|e| internal("platform value", e))?;
    diesel::insert_into(draws::table)
        .values((
            draws::tender_id.eq(&tender.id),
            draws::rules_json.eq(&rules_json),
            draws::snapshot_json.eq(&snapshot_json),
            draws::platform_value.eq(crate::identity::hex(&value)),
            draws::platform_commitment.eq(draw::commitment(&value)),
            draws::committed_at.eq(to_db_time(ctx.now)),
            draws::committed_by.eq(ctx.principal.user_id.as_ref().map(|u| u.as_str())),
        ))
        .execute(conn)?;
    let row = load_required(conn, &tender.id)?;
    let payload = row.commitment_payload();
    audit::record(
        conn,
        ctx,
        "draw.committed",
        "draw",
        &tender.id,
        Some(&tender.id),
        &payload,
    )?;
    let venue = rules
        .venues
        .iter()
        .find(|v| v.main)
        .map_or(rules.tender_league.clone(), |v| v.league.clone());
    for (position, account) in accounts.iter().enumerate() {
        name_representative(conn, ctx, tender, account, position, &venue)?;
    }
    Ok(payload)
}

/// Seats a representative named with the rules, on the record
/// (`committee.representative`, as sealed as the members' invitations).
fn name_representative(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender: &TenderRow,
    account: &Principal,
    position: usize,
    venue: &str,
) -> Result<(), AppError> {
    let user = account.user_id.as_ref().ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("a representative without an account"))
    })?;
    let organisation = tender.tenderer_org_id.as_str();
    let league = crate::identity::store::organisation_league(conn, organisation)?
        .unwrap_or_else(|| tender.league_code.clone());
    diesel::insert_into(committee_representatives::table)
        .values((
            committee_representatives::tender_id.eq(&tender.id),
            committee_representatives::user_id.eq(user.as_str()),
            committee_representatives::position.eq(position as i32),
            committee_representatives::name.eq(&account.name),
            committee_representatives::organisation_id.eq(organisation),
            committee_representatives::league_code.eq(&league),
            committee_representatives::venue_league.eq(venue),
            committee_representatives::status.eq(MemberStatus::Accepted.code()),
            committee_representatives::named_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "committee.representative",
        "user",
        user.as_str(),
        Some(&tender.id),
        &serde_json::json!({
            "member": representative_key(user.as_str()),
            "user_id": user.as_str(),
            "name": account.name,
            "organisation_id": organisation,
            "venue": venue,
        }),
    )?;
    Ok(())
}

/// A representative leaves (recused in the room): its seat is not
/// refilled, since nobody draws it; on the record as a member's leaving.
fn leave_representative(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    user: &str,
    why: Leaving,
    reason: &str,
) -> Result<(), AppError> {
    let status: Option<String> = committee_representatives::table
        .find((tender_id, user))
        .select(committee_representatives::status)
        .first(conn)
        .optional()?;
    match status.map(|s| MemberStatus::from_db(&s)).transpose()? {
        Some(s) if s.seated() => {}
        Some(_) => {
            return Err(AppError::Conflict(
                "this representative has left the committee already".into(),
            )
            .because("committee.left-already", json!({})));
        }
        None => {
            return Err(AppError::NotFound(
                "this representative is not on the tender's committee".into(),
            )
            .because("committee.not-member", json!({})));
        }
    }
    let status = why.status();
    diesel::update(committee_representatives::table.find((tender_id, user)))
        .set((
            committee_representatives::status.eq(status.code()),
            committee_representatives::left_at.eq(Some(to_db_time(ctx.now))),
            committee_representatives::reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        &format!("committee.{}", status.code()),
        "user",
        user,
        Some(tender_id),
        &serde_json::json!({"reason": reason, "member": representative_key(user), "replacement": null}),
    )
}

/// Bidders whose bids stand: their credit codes, sorted.
fn bidders_of(conn: &mut DbConn, tender_id: &str) -> Result<BTreeSet<String>, AppError> {
    let codes: Vec<Option<String>> = bids::table
        .inner_join(organisations::table.on(organisations::id.eq(bids::bidder_org_id)))
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.eq(crate::bids::store::BidStatus::Submitted.code()))
        .select(organisations::credit_code)
        .load(conn)?;
    Ok(codes.into_iter().flatten().collect())
}

/// The supervisor's contribution, 1 to 200 characters of its choosing.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContributionInput {
    #[schema(min_length = 1, max_length = 200)]
    pub contribution: String,
}

/// A supervisor in scope gives its contribution after the deadline; the
/// platform reveals its value and the committee is drawn. The invitations
/// (this committee's, and its replacements') are answered within
/// `answer_window`.
pub fn contribute_and_draw(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender: &TenderRow,
    contribution: &str,
    answer_window: chrono::Duration,
) -> Result<Outcome, AppError> {
    let mut errors = Vec::new();
    crate::error::check_text(&mut errors, "contribution", contribution, true, 200);
    AppError::check(errors)?;
    let row = load_required(conn, &tender.id)?;
    if row.drawn_at.is_some() {
        return Err(AppError::Conflict("the committee is drawn already".into())
            .because("draw.drawn-already", json!({})));
    }
    let deadline = from_db_time(tender.bid_deadline);
    if ctx.now <= deadline {
        return Err(AppError::TimeLimit(
            "the draw takes place after the bid deadline, once the audit log's tree head at the deadline is fixed"
                .into(),
        )
        .because(
            "draw.before-deadline",
            json!({ "deadline": crate::reasons::time(deadline) }),
        ));
    }
    if matches!(
        tender.status()?,
        TenderStatus::Cancelled | TenderStatus::Failed
    ) {
        return Err(AppError::IllegalTransition(
            "the tender is cancelled or failed; no committee is drawn".into(),
        )
        .because("draw.tender-ended", json!({})));
    }
    let (head, settled) = crate::audit::tlog::checkpoint_at(conn, deadline)?;
    let Some(head) = head.filter(|_| settled) else {
        return Err(AppError::Unavailable(
            "the audit log has not yet signed a checkpoint after the bid deadline; try again in a few seconds"
                .into(),
        )
        .because("draw.checkpoint-pending", json!({})));
    };
    match commitment_index(conn, &tender.id)? {
        Some(index) if index < head.tree_size => {}
        _ => {
            return Err(AppError::Conflict(
                "the draw's commitment is not in the audit log's tree head at the deadline, so the draw could not be verified; it cannot take place"
                    .into(),
            )
            .because("draw.commitment-not-logged", json!({})));
        }
    }
    let rules = row.rules()?;
    let snapshot = row.snapshot()?;
    let bidders = bidders_of(conn, &tender.id)?;
    let seed = draw::seed(&draw::SeedInputs {
        tender_id: &tender.id,
        snapshot: &row.snapshot_json,
        rules: &row.rules_json,
        platform_value: &row.platform_value,
        supervisor_contribution: contribution,
        tree_size: head.tree_size,
        tree_root: head.root,
    });
    let outcome = draw::draw(&snapshot, &rules, &bidders, &seed);
    let bidders_json = serde_json::to_string(&bidders).map_err(|e| internal("bidders", e))?;
    // The list is sealed until the opening: the log holds a commitment to
    // it that nobody can confirm by guessing, salted with a value kept
    // secret until then.
    let mut salt = [0u8; 32];
    openssl::rand::rand_bytes(&mut salt).map_err(|e| internal("bidders' salt", e))?;
    let salt = crate::identity::hex(&salt);
    let bidders_commitment = draw::bidders_commitment(&salt, &bidders);
    let outcome_json = serde_json::to_string(&outcome).map_err(|e| internal("draw outcome", e))?;
    diesel::update(draws::table.find(&tender.id))
        .set((
            draws::supervisor_contribution.eq(contribution),
            draws::contributed_by.eq(ctx.principal.user_id.as_ref().map(|u| u.as_str())),
            draws::tree_size.eq(head.tree_size as i64),
            draws::tree_root.eq(head.root.to_vec()),
            draws::tree_signed_at.eq(to_db_time(head.signed_at)),
            draws::tree_note.eq(&head.note),
            draws::bidders_json.eq(&bidders_json),
            draws::bidders_salt.eq(&salt),
            draws::drawn_json.eq(&outcome_json),
            draws::outcome_json.eq(&outcome_json),
            draws::drawn_at.eq(to_db_time(ctx.now)),
            draws::answer_minutes.eq(Some(answer_window.num_minutes() as i32)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "draw.contributed",
        "draw",
        &tender.id,
        Some(&tender.id),
        &serde_json::json!({"contribution_sha256": draw::sha256_hex(contribution.as_bytes())}),
    )?;
    let system = AuditContext::system(ctx.now);
    audit::record(
        conn,
        &system,
        "draw.drawn",
        "draw",
        &tender.id,
        Some(&tender.id),
        &serde_json::json!({
            "platform_value": row.platform_value,
            "tree_size": head.tree_size,
            "tree_root": openssl::base64::encode_block(&head.root),
            "bidders_commitment": bidders_commitment,
            "seed": outcome.seed,
            "committee": outcome.committee,
        }),
    )?;
    let answer_by = ctx.now + answer_window;
    for seat in &outcome.committee {
        invite(conn, &system, &tender.id, &rules, seat, answer_by)?;
    }
    if crate::audit::sealing::tender_opened(conn, &tender.id)? {
        Ok(outcome)
    } else {
        Ok(outcome.sealed())
    }
}

/// Invites the expert of `seat`, to answer by `answer_by`: the seat, the
/// audit event, and the invitation in the expert's inbox, together.
fn invite(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    rules: &Rules,
    seat: &draw::Seat,
    answer_by: DateTime<Utc>,
) -> Result<(), AppError> {
    diesel::insert_into(committee_members::table)
        .values((
            committee_members::tender_id.eq(tender_id),
            committee_members::expert_id.eq(&seat.expert),
            committee_members::status.eq(MemberStatus::Invited.code()),
            committee_members::venue_league.eq(&seat.venue),
            committee_members::quota.eq(seat.quota.as_deref()),
            committee_members::invited_at.eq(to_db_time(ctx.now)),
            committee_members::answer_by.eq(Some(to_db_time(answer_by))),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "committee.invited",
        "expert",
        &seat.expert,
        Some(tender_id),
        seat,
    )?;
    notify_invited(conn, ctx, tender_id, rules, seat, answer_by)
}

/// The invitation message, to the invited expert's account only (who sits
/// is confidential until the result: the message is sealed, so operators
/// following undelivered mail see no more than its state).
fn notify_invited(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    rules: &Rules,
    seat: &draw::Seat,
    answer_by: DateTime<Utc>,
) -> Result<(), AppError> {
    let (title, reference, league): (String, String, String) = tenders::table
        .find(tender_id)
        .select((tenders::title, tenders::reference, tenders::league_code))
        .first(conn)?;
    let user: String = experts::table
        .find(&seat.expert)
        .select(experts::user_id)
        .first(conn)?;
    let venue = rules
        .venues
        .iter()
        .find(|v| v.league == seat.venue)
        .map(|v| v.name.trim())
        .filter(|name| !name.is_empty())
        .unwrap_or(seat.venue.as_str())
        .to_string();
    let message = crate::notify::Message::new(
        crate::notify::Kind::ExpertInvitation,
        format!("committee:{tender_id}:invited:{}", seat.expert),
    )
    .tender(tender_id, &league)
    .field("title", title)
    .field("reference", reference)
    .field("venue", venue)
    .time("answer_by", answer_by)
    .link("/api/v1/experts/me/invitations")
    .sealed();
    crate::notify::send(conn, ctx, &message, &[user])?;
    Ok(())
}

/// Why a member leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    Declined,
    NoShow,
    Recused,
    /// The invitation was not answered by its deadline.
    Expired,
}

impl Leaving {
    fn status(self) -> MemberStatus {
        match self {
            Leaving::Declined => MemberStatus::Declined,
            Leaving::NoShow => MemberStatus::NoShow,
            Leaving::Recused => MemberStatus::Recused,
            Leaving::Expired => MemberStatus::Expired,
        }
    }
}

fn member_status(
    conn: &mut DbConn,
    tender_id: &str,
    expert_id: &str,
) -> Result<Option<MemberStatus>, AppError> {
    committee_members::table
        .find((tender_id, expert_id))
        .select(committee_members::status)
        .first::<String>(conn)
        .optional()?
        .map(|s| MemberStatus::from_db(&s))
        .transpose()
}

/// A seated member leaves; the next suitable reserve is invited. Returns
/// the new member, if a reserve fitted. A representative (`rep-…`) leaves
/// without a replacement.
pub fn leave(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    expert_id: &str,
    why: Leaving,
    reason: &str,
) -> Result<Option<draw::Seat>, AppError> {
    if let Some(user) = representative_user(expert_id) {
        leave_representative(conn, ctx, tender_id, user, why, reason)?;
        return Ok(None);
    }
    let row = load_required(conn, tender_id)?;
    let Some(mut outcome) = row.outcome()? else {
        return Err(not_drawn());
    };
    match member_status(conn, tender_id, expert_id)? {
        Some(status) if status.seated() => {}
        Some(_) => {
            return Err(
                AppError::Conflict("this expert has left the committee already".into())
                    .because("committee.left-already", json!({})),
            );
        }
        None => {
            return Err(
                AppError::NotFound("this expert is not on the tender's committee".into())
                    .because("committee.not-member", json!({})),
            );
        }
    }
    let status = why.status();
    diesel::update(committee_members::table.find((tender_id, expert_id)))
        .set((
            committee_members::status.eq(status.code()),
            committee_members::answered_at.eq(Some(to_db_time(ctx.now))),
            committee_members::reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    let rules = row.rules()?;
    let seat = outcome
        .replace(expert_id, &row.snapshot()?, &rules)
        .map_err(|m| AppError::Internal(anyhow::anyhow!("stored committee out of step: {m}")))?;
    let n: i64 = draw_replacements::table
        .filter(draw_replacements::tender_id.eq(tender_id))
        .count()
        .get_result(conn)?;
    diesel::insert_into(draw_replacements::table)
        .values((
            draw_replacements::tender_id.eq(tender_id),
            draw_replacements::n.eq(n as i32 + 1),
            draw_replacements::expert_id.eq(expert_id),
            draw_replacements::reason.eq(status.code()),
            draw_replacements::replacement_id.eq(seat.as_ref().map(|s| s.expert.as_str())),
            draw_replacements::occurred_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    let outcome_json = serde_json::to_string(&outcome).map_err(|e| internal("draw outcome", e))?;
    diesel::update(draws::table.find(tender_id))
        .set(draws::outcome_json.eq(outcome_json))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        &format!("committee.{}", status.code()),
        "expert",
        expert_id,
        Some(tender_id),
        &serde_json::json!({"reason": reason, "replacement": seat.as_ref().map(|s| &s.expert)}),
    )?;
    if let Some(seat) = &seat {
        let answer_by = row.answer_by(ctx.now);
        let system = AuditContext::system(ctx.now);
        invite(conn, &system, tender_id, &rules, seat, answer_by)?;
    }
    Ok(seat)
}

/// The invitation's deadline, if it has one (invitations made before
/// deadlines existed have none).
fn answer_by_of(
    conn: &mut DbConn,
    tender_id: &str,
    expert_id: &str,
) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(committee_members::table
        .find((tender_id, expert_id))
        .select(committee_members::answer_by)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten()
        .map(from_db_time))
}

/// The refusal of an answer given after the invitation's deadline.
fn too_late(answer_by: Option<DateTime<Utc>>) -> AppError {
    match answer_by {
        Some(at) => AppError::DeadlinePassed(format!(
            "the invitation had to be answered by {}; it has lapsed and the seat goes to a reserve",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
        .because(
            "invitation.lapsed-at",
            json!({ "deadline": crate::reasons::time(at) }),
        ),
        None => AppError::DeadlinePassed(
            "the invitation has lapsed and the seat goes to a reserve".into(),
        )
        .because("invitation.lapsed", json!({})),
    }
}

/// An invited expert accepts, or declines with a reason, by the
/// invitation's deadline; a later answer is refused and changes nothing
/// (the invitation lapses: see [`expire`]).
pub fn answer(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    expert: &ExpertRow,
    accept: bool,
    reason: Option<&str>,
) -> Result<Option<draw::Seat>, AppError> {
    let mut errors = Vec::new();
    crate::error::check_text(&mut errors, "reason", reason.unwrap_or(""), !accept, 500);
    AppError::check(errors)?;
    match member_status(conn, tender_id, &expert.id)? {
        Some(MemberStatus::Invited) => {
            let answer_by = answer_by_of(conn, tender_id, &expert.id)?;
            if answer_by.is_some_and(|at| ctx.now >= at) {
                return Err(too_late(answer_by));
            }
        }
        Some(MemberStatus::Expired) => {
            return Err(too_late(answer_by_of(conn, tender_id, &expert.id)?));
        }
        Some(_) => {
            return Err(
                AppError::Conflict("this invitation is answered already".into())
                    .because("invitation.answered-already", json!({})),
            );
        }
        None => {
            return Err(AppError::NotFound("no invitation to this tender".into())
                .because("invitation.none", json!({})));
        }
    }
    if !accept {
        return leave(
            conn,
            ctx,
            tender_id,
            &expert.id,
            Leaving::Declined,
            reason.unwrap_or(""),
        );
    }
    diesel::update(committee_members::table.find((tender_id, &expert.id)))
        .set((
            committee_members::status.eq(MemberStatus::Accepted.code()),
            committee_members::answered_at.eq(Some(to_db_time(ctx.now))),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "committee.accepted",
        "expert",
        &expert.id,
        Some(tender_id),
        &serde_json::json!({}),
    )?;
    Ok(None)
}

/// An invitation not answered by its deadline lapses: the member leaves
/// as one who declined does (`committee.expired` on the record, the
/// replacement in the draw's record with the reason `expired`) and the
/// next suitable reserve is invited. Returns `None`, changing nothing,
/// when the invitation is no longer open or not yet due (answered, or
/// lapsed, meanwhile); else the reserve invited, if one fitted.
pub fn expire(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    expert_id: &str,
) -> Result<Option<Option<draw::Seat>>, AppError> {
    if member_status(conn, tender_id, expert_id)? != Some(MemberStatus::Invited) {
        return Ok(None);
    }
    let Some(answer_by) = answer_by_of(conn, tender_id, expert_id)? else {
        return Ok(None);
    };
    if ctx.now < answer_by {
        return Ok(None);
    }
    let reason = format!(
        "no answer by {}",
        answer_by.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    leave(conn, ctx, tender_id, expert_id, Leaving::Expired, &reason).map(Some)
}

/// Lapses every invitation of `tender_id` past its deadline (see
/// [`expire`]), as a step that needs the committee as it stands (the
/// room's opening) does first; returns how many lapsed.
pub fn expire_due(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
) -> Result<usize, AppError> {
    let due: Vec<String> = committee_members::table
        .filter(committee_members::tender_id.eq(tender_id))
        .filter(committee_members::status.eq(MemberStatus::Invited.code()))
        .filter(committee_members::answer_by.le(to_db_time(ctx.now)))
        .order((
            committee_members::answer_by.asc(),
            committee_members::expert_id.asc(),
        ))
        .select(committee_members::expert_id)
        .load(conn)?;
    let mut lapsed = 0;
    for expert in due {
        if expire(conn, ctx, tender_id, &expert)?.is_some() {
            lapsed += 1;
        }
    }
    Ok(lapsed)
}

/// Invitations open past their deadline at `now` on tenders whose
/// committee still forms (published, opening or evaluating, the room not
/// yet open), as (tender, expert), oldest deadline first (at most
/// `limit`).
pub fn lapsed(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(String, String)>, AppError> {
    use crate::db::schema::evaluation_rooms;
    let room_open = diesel::dsl::exists(
        evaluation_rooms::table
            .filter(evaluation_rooms::tender_id.eq(committee_members::tender_id)),
    );
    Ok(committee_members::table
        .inner_join(tenders::table)
        .filter(committee_members::status.eq(MemberStatus::Invited.code()))
        .filter(committee_members::answer_by.le(to_db_time(now)))
        .filter(tenders::status.eq_any([
            TenderStatus::Published.code(),
            TenderStatus::Opening.code(),
            TenderStatus::Evaluating.code(),
        ]))
        .filter(diesel::dsl::not(room_open))
        .order((
            committee_members::answer_by.asc(),
            committee_members::tender_id.asc(),
            committee_members::expert_id.asc(),
        ))
        .select((committee_members::tender_id, committee_members::expert_id))
        .limit(limit)
        .load(conn)?)
}

/// One member as a reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    /// expert (drawn) or representative (named by the tenderer).
    pub kind: MemberKind,
    /// The member's id in the room: the expert's id, or `rep-<account id>`
    /// for a representative.
    pub expert_id: String,
    pub name: String,
    pub league: String,
    /// The expert's employer; the representative's organisation.
    pub employer: String,
    pub venue: draw::Venue,
    pub quota: Option<String>,
    pub status: MemberStatus,
    /// When the expert was invited; when the representative was named.
    pub invited_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// A decline's or recusal's reason: operators and supervisors only.
    pub reason: Option<String>,
}

/// The committee of a tender.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommitteeView {
    /// not_configured, committed or drawn.
    pub stage: String,
    pub rules: Option<Rules>,
    /// What the audit log holds the hash of (`draw.committed`).
    pub commitment: Option<CommitmentPayload>,
    pub committed_at: Option<DateTime<Utc>>,
    pub pool_size: Option<usize>,
    pub drawn_at: Option<DateTime<Utc>>,
    /// Seats held (invited or accepted) and accepted.
    pub seated: usize,
    pub accepted: usize,
    /// Whether the pool could not fill every seat.
    pub short: bool,
    /// Whether members' identities are hidden from this reader (see
    /// [`crate::audit::sealing::sees_members`]).
    pub sealed: bool,
    /// How many members the committee has, of which drawn experts and
    /// representatives (null before the rules are set).
    pub composition: Option<CompositionView>,
    /// The members, past and present, experts then representatives (empty
    /// while sealed).
    pub members: Vec<MemberView>,
}

/// The committee's make-up, from its committed rules.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompositionView {
    pub members: u32,
    pub experts: u32,
    pub representatives: u32,
}

/// Whether `principal` reads the draw in full: platform operators (no
/// league), supervisors whose scope holds the tender.
pub fn reads_in_full(
    conn: &mut DbConn,
    principal: &Principal,
    tender: &TenderRow,
) -> Result<bool, AppError> {
    if principal.is_platform_operator() {
        return Ok(true);
    }
    if !principal.has(Role::Supervisor) {
        // Operators of a league are its centre's staff (venue staff among
        // them), not the platform's: they do not read sealed committees.
        return Ok(false);
    }
    let reader: Reader = crate::supervision::reader(conn, principal)?;
    Ok(reader.covers(&tender.league_code, &tender.category))
}

pub fn view(
    conn: &mut DbConn,
    principal: &Principal,
    tender: &TenderRow,
) -> Result<CommitteeView, AppError> {
    let full = reads_in_full(conn, principal, tender)?;
    let standing = crate::tenders::store::standing(conn, tender, principal)?;
    let sealed = !crate::audit::sealing::sees_members(tender.status()?, &standing);
    let Some(row) = load(conn, &tender.id)? else {
        return Ok(CommitteeView {
            stage: "not_configured".into(),
            rules: None,
            commitment: None,
            committed_at: None,
            pool_size: None,
            drawn_at: None,
            seated: 0,
            accepted: 0,
            short: false,
            sealed,
            composition: None,
            members: vec![],
        });
    };
    let rules = row.rules()?;
    let members = members(conn, &tender.id, &rules, full)?;
    let seated = members.iter().filter(|m| m.status.seated()).count();
    let experts_seated = members
        .iter()
        .filter(|m| m.kind == MemberKind::Expert && m.status.seated())
        .count();
    let accepted = members
        .iter()
        .filter(|m| m.status == MemberStatus::Accepted)
        .count();
    Ok(CommitteeView {
        stage: if row.drawn_at.is_some() {
            "drawn"
        } else {
            "committed"
        }
        .into(),
        commitment: Some(row.commitment_payload()),
        committed_at: Some(from_db_time(row.committed_at)),
        pool_size: Some(row.snapshot()?.experts.len()),
        drawn_at: row.drawn_at.map(from_db_time),
        seated,
        accepted,
        short: row.drawn_at.is_some() && experts_seated < rules.size as usize,
        sealed,
        composition: Some(CompositionView {
            members: rules.size + rules.representatives,
            experts: rules.size,
            representatives: rules.representatives,
        }),
        members: if sealed { vec![] } else { members },
        rules: Some(rules),
    })
}

fn members(
    conn: &mut DbConn,
    tender_id: &str,
    rules: &Rules,
    full: bool,
) -> Result<Vec<MemberView>, AppError> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = committee_members::table
        .inner_join(experts::table)
        .filter(committee_members::tender_id.eq(tender_id))
        .select((
            experts::id,
            experts::name,
            experts::league_code,
            experts::employer_name,
            committee_members::venue_league,
            committee_members::quota,
            committee_members::invited_at,
            committee_members::answered_at,
            committee_members::reason,
            committee_members::status,
        ))
        .order((committee_members::invited_at.asc(), experts::id.asc()))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(id, name, league, employer, venue, quota, invited, answered, reason, status)| {
                let venue = rules
                    .venues
                    .iter()
                    .find(|v| v.league == venue)
                    .cloned()
                    .unwrap_or(draw::Venue {
                        league: venue,
                        name: String::new(),
                        main: false,
                    });
                Ok(MemberView {
                    kind: MemberKind::Expert,
                    expert_id: id,
                    name,
                    league,
                    employer,
                    venue,
                    quota,
                    status: MemberStatus::from_db(&status)?,
                    invited_at: from_db_time(invited),
                    answered_at: answered.map(from_db_time),
                    reason: reason.filter(|_| full),
                })
            },
        )
        .chain(representatives(conn, tender_id)?.into_iter().map(|r| {
            let venue = rules
                .venues
                .iter()
                .find(|v| v.league == r.venue)
                .cloned()
                .unwrap_or(draw::Venue {
                    league: r.venue.clone(),
                    name: String::new(),
                    main: true,
                });
            Ok(MemberView {
                kind: MemberKind::Representative,
                expert_id: r.member,
                name: r.name,
                league: r.league,
                employer: r.organisation,
                venue,
                quota: None,
                status: r.status,
                invited_at: r.named_at,
                answered_at: r.left_at,
                reason: r.reason.filter(|_| full),
            })
        }))
        .collect()
}

/// One replacement, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Replacement {
    pub expert: String,
    /// declined, no_show, recused or expired.
    pub reason: String,
    pub replacement: Option<String>,
}

/// The checkpoint the seed used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TreeHead {
    pub size: u64,
    /// Base64 of the root hash.
    pub root: String,
    pub signed_at: DateTime<Utc>,
    /// The signed note, as the log serves it.
    pub checkpoint: String,
}

/// Everything needed to replay a draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrawRecord {
    pub version: String,
    pub tender_id: String,
    pub bid_deadline: DateTime<Utc>,
    pub committed_at: DateTime<Utc>,
    /// The `draw.committed` payload; its canonical JSON's SHA-256 is the
    /// audit entry's payload hash.
    pub commitment: CommitmentPayload,
    /// The commitment's index in the audit log, once sequenced: within the
    /// tree head, so made before the seed could be known.
    pub commitment_index: Option<u64>,
    /// Where `draw.contributed` and `draw.drawn` are in the audit log.
    pub contributed_index: Option<u64>,
    pub drawn_index: Option<u64>,
    /// The exact text that was hashed.
    pub snapshot: String,
    pub rules: String,
    pub platform_value: String,
    pub supervisor_contribution: String,
    pub tree_head: TreeHead,
    /// Credit codes of the bidders whose bids stood at the draw; `None`
    /// until the tender's opening starts (招标投标法 第22条).
    pub bidders: Option<Vec<String>>,
    /// Whether the bidders are withheld: then `bidders` and
    /// `bidders_salt` are null, and `drawn.reserves` and `drawn.excluded`,
    /// which follow from the bidders, are empty.
    #[serde(default)]
    pub bidders_sealed: bool,
    /// SHA-256 (hex) of `bidders_salt`, a line feed and the bidders as
    /// compact JSON; `draw.drawn` records it (null for draws made before
    /// the commitment existed).
    pub bidders_commitment: Option<String>,
    /// The commitment's secret salt (64 hex digits), revealed with the
    /// bidders at the opening.
    pub bidders_salt: Option<String>,
    pub drawn_at: DateTime<Utc>,
    /// The draw as made: seed, committee, reserves, exclusions.
    pub drawn: Outcome,
    pub replacements: Vec<Replacement>,
    /// The committee now, after replacements.
    pub committee: Vec<draw::Seat>,
    /// The tenderer's representatives, named with the rules: members, not
    /// drawn, so outside the replay (the committed rules hold their
    /// number). Empty in records of draws made before representatives.
    #[serde(default)]
    pub representatives: Vec<Representative>,
}

/// The inputs and result of a drawn committee, for supervisors in scope
/// and platform operators.
pub fn record(
    conn: &mut DbConn,
    principal: &Principal,
    tender: &TenderRow,
) -> Result<DrawRecord, AppError> {
    // The snapshot says, of every expert in the pool, its employer, the
    // organisations it is related to and how often it declined: the record
    // is for those who check the draw, never the public.
    if !reads_in_full(conn, principal, tender)? {
        if !principal.is_authenticated() {
            return Err(
                AppError::Unauthenticated("sign in as a supervisor or an operator".into())
                    .because("auth.sign-in-first", json!({})),
            );
        }
        return Err(AppError::Forbidden(
            "the draw's record holds the pool's data: supervisors whose scope holds the tender and platform operators read it"
                .into(),
        )
        .because("draw.record-restricted", json!({})));
    }
    let row = load_required(conn, &tender.id)?;
    let (
        Some(contribution),
        Some(size),
        Some(root),
        Some(signed_at),
        Some(note),
        Some(bidders),
        Some(drawn_at),
    ) = (
        row.supervisor_contribution.clone(),
        row.tree_size,
        row.tree_root.clone(),
        row.tree_signed_at,
        row.tree_note.clone(),
        row.bidders_json.clone(),
        row.drawn_at,
    )
    else {
        return Err(not_drawn());
    };
    let now = row.outcome()?.ok_or_else(not_drawn)?;
    let replacements: Vec<(String, String, Option<String>)> = draw_replacements::table
        .filter(draw_replacements::tender_id.eq(&tender.id))
        .order(draw_replacements::n.asc())
        .select((
            draw_replacements::expert_id,
            draw_replacements::reason,
            draw_replacements::replacement_id,
        ))
        .load(conn)?;
    // The draw as it was made, stored then and never changed.
    let drawn: Outcome = row
        .drawn_json
        .as_deref()
        .map(|j| serde_json::from_str(j).map_err(|e| internal("stored draw", e)))
        .transpose()?
        .ok_or_else(not_drawn)?;
    let bidders: Vec<String> =
        serde_json::from_str(&bidders).map_err(|e| internal("stored bidders", e))?;
    // Only those who read the record in full get here, and after the
    // opening they all see the bidders (see `sealing::sees_bidders`).
    let sealed = !crate::audit::sealing::tender_opened(conn, &tender.id)?;
    let bidders_commitment = row
        .bidders_salt
        .as_deref()
        .map(|salt| draw::bidders_commitment(salt, &bidders));
    Ok(DrawRecord {
        version: draw::VERSION.into(),
        tender_id: tender.id.clone(),
        bid_deadline: from_db_time(tender.bid_deadline),
        committed_at: from_db_time(row.committed_at),
        commitment: row.commitment_payload(),
        commitment_index: commitment_index(conn, &tender.id)?,
        contributed_index: leaf_of(conn, &tender.id, "draw.contributed")?,
        drawn_index: leaf_of(conn, &tender.id, "draw.drawn")?,
        snapshot: row.snapshot_json.clone(),
        rules: row.rules_json.clone(),
        platform_value: row.platform_value.clone(),
        supervisor_contribution: contribution,
        tree_head: TreeHead {
            size: size as u64,
            root: openssl::base64::encode_block(&root),
            signed_at: from_db_time(signed_at),
            checkpoint: note,
        },
        bidders: (!sealed).then_some(bidders),
        bidders_sealed: sealed,
        bidders_commitment,
        bidders_salt: row.bidders_salt.clone().filter(|_| !sealed),
        drawn_at: from_db_time(drawn_at),
        drawn: if sealed { drawn.sealed() } else { drawn },
        replacements: replacements
            .into_iter()
            .map(|(expert, reason, replacement)| Replacement {
                expert,
                reason,
                replacement,
            })
            .collect(),
        committee: now.committee,
        representatives: representatives(conn, &tender.id)?,
    })
}

/// Where the `draw.committed` event of a tender sits in the audit log.
fn commitment_index(conn: &mut DbConn, tender_id: &str) -> Result<Option<u64>, AppError> {
    leaf_of(conn, tender_id, "draw.committed")
}

/// Where the tender's (one) `action` event sits in the audit log, once
/// sequenced.
fn leaf_of(conn: &mut DbConn, tender_id: &str, action: &str) -> Result<Option<u64>, AppError> {
    use crate::db::schema::audit_events;
    Ok(audit_events::table
        .filter(audit_events::action.eq(action))
        .filter(audit_events::tender_id.eq(tender_id))
        .select(audit_events::leaf_index)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten()
        .map(|i| i as u64))
}

/// An expert's invitations, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub tender_id: String,
    pub reference: String,
    pub title: String,
    pub bid_deadline: DateTime<Utc>,
    pub venue: draw::Venue,
    pub status: MemberStatus,
    pub invited_at: DateTime<Utc>,
    /// The deadline of the answer; an invitation not answered by then
    /// lapses (`expired`). Null for invitations made before deadlines.
    pub answer_by: Option<DateTime<Utc>>,
}

type InvitationRow = (
    String,
    String,
    String,
    NaiveDateTime,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
);

pub fn invitations(conn: &mut DbConn, expert_id: &str) -> Result<Vec<Invitation>, AppError> {
    let rows: Vec<InvitationRow> = committee_members::table
        .inner_join(tenders::table)
        .inner_join(draws::table.on(draws::tender_id.eq(committee_members::tender_id)))
        .filter(committee_members::expert_id.eq(expert_id))
        .select((
            tenders::id,
            tenders::reference,
            tenders::title,
            tenders::bid_deadline,
            committee_members::venue_league,
            committee_members::status,
            committee_members::invited_at,
            committee_members::answer_by,
            draws::rules_json,
        ))
        .order(committee_members::invited_at.desc())
        .limit(200)
        .load(conn)?;
    rows.into_iter()
        .map(
            |(tender_id, reference, title, deadline, venue, status, invited, answer_by, rules)| {
                let rules: Rules =
                    serde_json::from_str(&rules).map_err(|e| internal("stored draw rules", e))?;
                let venue = rules
                    .venues
                    .into_iter()
                    .find(|v| v.league == venue)
                    .unwrap_or(draw::Venue {
                        league: venue,
                        name: String::new(),
                        main: false,
                    });
                Ok(Invitation {
                    tender_id,
                    reference,
                    title,
                    bid_deadline: from_db_time(deadline),
                    venue,
                    status: MemberStatus::from_db(&status)?,
                    invited_at: from_db_time(invited),
                    answer_by: answer_by.map(from_db_time),
                })
            },
        )
        .collect()
}
