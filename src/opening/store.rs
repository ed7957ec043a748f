//! Custody per tender: custodians' certificates, the opening key made at
//! publication (only its certificate and the encrypted shares are kept), and
//! share releases. Everything here runs inside the caller's transaction and
//! records its audit event there.

use super::custody::{self, Custodian};
use crate::audit::{self, AuditContext};
use crate::db::schema::{custody_certificates, opening_keys, opening_shares, user_roles, users};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError};
use crate::identity::Role;
use crate::tenders::store::TenderRow;
use crate::types::UserId;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use openssl::x509::X509;
use serde::{Deserialize, Serialize};

/// Who holds the shares of a tender's opening key. Omitted at publication,
/// the custodians are the publishing user, the most recently certified
/// supervisor of the tender's league, and the platform, 2 of them needed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustodyInput {
    /// Shares needed to open (at least 2, at most the number of custodians).
    #[schema(minimum = 2, maximum = 16)]
    pub threshold: u8,
    /// Users who each receive one share (they need a certificate on record:
    /// signing in with a certificate once is enough).
    #[schema(value_type = Vec<String>)]
    pub custodians: Vec<UserId>,
    /// Whether the platform holds a share too (default yes).
    #[serde(default = "yes")]
    pub platform: bool,
}

fn yes() -> bool {
    true
}

/// A custodian as published with the tender.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustodianView {
    /// The share's evaluation point.
    pub x: i32,
    /// `user` or `platform`.
    pub kind: String,
    pub user_id: Option<String>,
    pub label: String,
    /// SHA-256 of the certificate the share is encrypted to.
    pub cert_sha256: String,
    pub released_at: Option<DateTime<Utc>>,
}

/// A tender's opening key as anyone may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustodyView {
    pub tender_id: String,
    /// The opening certificate, PEM: bids are encrypted to it.
    pub certificate_pem: String,
    pub cert_sha256: String,
    pub threshold: i32,
    pub custodians: Vec<CustodianView>,
    pub created_at: DateTime<Utc>,
}

/// Remembers the certificate a user signed in with as where their key
/// shares go, when CMS can encrypt to its key (RSA or EC, not SM2).
pub fn record_custody_certificate(
    conn: &mut DbConn,
    user: &UserId,
    der: &[u8],
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Ok(cert) = X509::from_der(der) else {
        return Ok(false);
    };
    if !custody::can_receive(&cert) {
        return Ok(false);
    }
    let sha = crate::identity::hex(&openssl::sha::sha256(der));
    let subject = x509_parser::parse_x509_certificate(der)
        .map(|(_, c)| c.subject().to_string())
        .unwrap_or_default();
    let user = user.as_str();
    let now = to_db_time(now);
    // Updated in place when there is one: concurrent sign-ins of one user
    // then wait for each other on the row instead of each deleting and
    // inserting it, which made all but one fail on PostgreSQL.
    let values = (
        custody_certificates::certificate.eq(der),
        custody_certificates::sha256.eq(&sha),
        custody_certificates::subject.eq(&subject),
        custody_certificates::updated_at.eq(now),
    );
    let update = |conn: &mut DbConn| {
        diesel::update(custody_certificates::table.find(user))
            .set(values)
            .execute(conn)
    };
    if update(conn)? == 0 {
        // The user's first: another sign-in may insert theirs at the same
        // moment. The insert runs in a savepoint so that losing that race
        // leaves the transaction usable (PostgreSQL aborts it otherwise);
        // this sign-in, the later, then updates the row.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(custody_certificates::table)
                .values((custody_certificates::user_id.eq(user), values))
                .execute(conn)
        });
        match inserted {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                update(conn)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

struct Candidate {
    kind: &'static str,
    user: Option<String>,
    /// Who stands behind the custodian: its organisation, or the person;
    /// the tenderer and its agent count as one, the platform as one. No
    /// party may hold as many shares as the threshold.
    party: String,
    label: String,
    cert: X509,
}

fn candidate(
    conn: &mut DbConn,
    row: &TenderRow,
    user: &str,
) -> Result<Option<Candidate>, AppError> {
    let found: Option<(Vec<u8>, String, bool, Option<String>)> = custody_certificates::table
        .inner_join(users::table.on(users::id.eq(custody_certificates::user_id)))
        .filter(custody_certificates::user_id.eq(user))
        .select((
            custody_certificates::certificate,
            users::name,
            users::disabled,
            users::organisation_id,
        ))
        .first(conn)
        .optional()?;
    let Some((der, name, disabled, organisation)) = found else {
        return Ok(None);
    };
    let party = match organisation {
        Some(org) if org == row.tenderer_org_id || Some(&org) == row.agent_org_id.as_ref() => {
            "the tenderer and its agent".to_string()
        }
        Some(org) => format!("organisation {org}"),
        None => format!("{name} ({user})"),
    };
    if disabled {
        return Ok(None);
    }
    let cert = X509::from_der(&der).map_err(|e| {
        AppError::Internal(anyhow::Error::new(e).context("stored custody certificate"))
    })?;
    Ok(Some(Candidate {
        kind: "user",
        user: Some(user.to_string()),
        party,
        label: name,
        cert,
    }))
}

fn roles_of(conn: &mut DbConn, user: &str) -> Result<Vec<String>, AppError> {
    Ok(user_roles::table
        .filter(user_roles::user_id.eq(user))
        .select(user_roles::role)
        .load(conn)?)
}

/// The custodians the tender gets: those asked for, or the default.
fn custodians_for(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    input: Option<&CustodyInput>,
    platform: &X509,
) -> Result<(Vec<Candidate>, usize), AppError> {
    let platform_custodian = || Candidate {
        kind: "platform",
        user: None,
        party: "the platform (its operators)".into(),
        label: "platform".into(),
        cert: platform.clone(),
    };
    let mut chosen = Vec::new();
    let threshold = match input {
        Some(input) => {
            for user in &input.custodians {
                if crate::types::UserId::parse(user.as_str()).is_none() {
                    return Err(AppError::invalid_field(
                        FieldError::new("custody.custodians", "a custodian is a user id (UUID)")
                            .because("id.malformed", serde_json::json!({})),
                    ));
                }
                if chosen
                    .iter()
                    .any(|c: &Candidate| c.user.as_deref() == Some(user.as_str()))
                {
                    return Err(AppError::invalid_field(
                        FieldError::new("custody.custodians", format!("{user} is named twice"))
                            .because(
                                "list.duplicate",
                                serde_json::json!({ "value": user.as_str() }),
                            ),
                    ));
                }
                let roles = roles_of(conn, user.as_str())?;
                if roles.iter().any(|r| r == Role::Bidder.code()) {
                    return Err(AppError::CustodyUnavailable(format!(
                        "{user} is a bidder and cannot hold a share of an opening key"
                    ))
                    .because(
                        "custody.bidder",
                        serde_json::json!({ "user": user.as_str() }),
                    ));
                }
                if roles.iter().any(|r| r == Role::Operator.code()) {
                    return Err(AppError::CustodyUnavailable(format!(
                        "{user} is an operator: operators release the platform's share and \
                         cannot hold another"
                    ))
                    .because(
                        "custody.operator",
                        serde_json::json!({ "user": user.as_str() }),
                    ));
                }
                chosen.push(candidate(conn, row, user.as_str())?.ok_or_else(|| {
                    AppError::CustodyUnavailable(format!(
                        "custodian {user} has no certificate on record that a key share can be \
                         encrypted to (an RSA or EC certificate they signed in with); they sign \
                         in with one once"
                    ))
                    .because(
                        "custody.no-certificate",
                        serde_json::json!({ "user": user.as_str() }),
                    )
                })?);
            }
            if input.platform {
                chosen.push(platform_custodian());
            }
            usize::from(input.threshold)
        }
        None => {
            if let Some(me) = &ctx.principal.user_id
                && !ctx.principal.has(Role::Operator)
                && let Some(c) = candidate(conn, row, me.as_str())?
            {
                chosen.push(c);
            }
            let supervisors: Vec<String> = custody_certificates::table
                .inner_join(users::table.on(users::id.eq(custody_certificates::user_id)))
                .inner_join(user_roles::table.on(user_roles::user_id.eq(users::id)))
                .filter(user_roles::role.eq(Role::Supervisor.code()))
                .filter(users::league_code.eq(&row.league_code))
                .filter(users::disabled.eq(false))
                .order(custody_certificates::updated_at.desc())
                .select(users::id)
                .limit(1)
                .load(conn)?;
            for s in supervisors {
                if let Some(c) = candidate(conn, row, &s)? {
                    chosen.push(c);
                }
            }
            dedupe(&mut chosen);
            chosen.push(platform_custodian());
            if chosen.len() < 2 {
                return Err(AppError::CustodyUnavailable(
                    "no custodian besides the platform has a certificate on record: the \
                     publishing user or a supervisor of the league signs in with a certificate \
                     once, or custody names its custodians"
                        .into(),
                )
                .because("custody.too-few", serde_json::json!({})));
            }
            2
        }
    };
    // One person or one certificate is one custodian, however named.
    let before = chosen.len();
    dedupe(&mut chosen);
    if chosen.len() != before {
        return Err(AppError::invalid_field(
            FieldError::new(
                "custody.custodians",
                "two custodians share a certificate: each custodian holds their own key",
            )
            .because("custody.shared-certificate", serde_json::json!({})),
        ));
    }
    if !(2..=chosen.len()).contains(&threshold) {
        return Err(AppError::invalid_field(
            FieldError::new(
                "custody.threshold",
                format!(
                    "{threshold} of {} custodians: the threshold must be at least 2 and at most \
                     the number of custodians",
                    chosen.len()
                ),
            )
            .because(
                "number.range",
                serde_json::json!({ "min": 2, "max": chosen.len() }),
            ),
        ));
    }
    // Nobody may be able to open alone: no party holds k shares.
    let mut parties: Vec<(&str, usize)> = Vec::new();
    for c in &chosen {
        match parties.iter_mut().find(|(p, _)| *p == c.party) {
            Some((_, n)) => *n += 1,
            None => parties.push((&c.party, 1)),
        }
    }
    if let Some((party, n)) = parties.iter().find(|(_, n)| *n >= threshold) {
        return Err(AppError::CustodyUnavailable(format!(
            "{party} would hold {n} of the {threshold} shares needed to open: no single party may \
             be able to open the bids alone"
        ))
        .because(
            "custody.one-party",
            serde_json::json!({ "shares": n, "threshold": threshold }),
        ));
    }
    if chosen.len() > 16 {
        return Err(AppError::invalid_field(
            FieldError::new("custody.custodians", "at most 16 custodians")
                .because("list.too-many", serde_json::json!({ "max": 16 })),
        ));
    }
    Ok((chosen, threshold))
}

/// A user who could hold a share of a tender's opening key, as its
/// organiser chooses custodians at publication.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustodianCandidate {
    pub user_id: String,
    pub name: String,
    /// `organiser` (the tenderer's or its agent's staff: one party
    /// together), `supervisor` (the league's supervisors) or `other`.
    pub party: String,
    pub organisation: Option<String>,
    pub roles: Vec<String>,
    /// The subject of the certificate the share would be encrypted to.
    pub certificate_subject: String,
    /// When that certificate was last recorded (its holder signed in with it).
    pub certified_at: DateTime<Utc>,
}

/// An account with its certificate on record: id, name, organisation id
/// and name, the certificate's subject, when it was recorded.
type CandidateRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    NaiveDateTime,
);

/// Who can be chosen as a custodian of `row`'s opening key: the enabled
/// accounts of its tenderer's and agent's organisations and its league's
/// supervisors that have a certificate on record a share can be encrypted
/// to, and are neither bidders nor operators (the same conditions
/// [`custodians_for`] holds a choice to). The platform, always a possible
/// custodian, is not listed.
pub fn custodian_candidates(
    conn: &mut DbConn,
    row: &TenderRow,
) -> Result<Vec<CustodianCandidate>, AppError> {
    use crate::db::schema::organisations;
    let mut orgs = vec![row.tenderer_org_id.clone()];
    orgs.extend(row.agent_org_id.clone());
    let found: Vec<CandidateRow> = custody_certificates::table
        .inner_join(users::table.on(users::id.eq(custody_certificates::user_id)))
        .left_join(organisations::table.on(users::organisation_id.eq(organisations::id.nullable())))
        .filter(users::disabled.eq(false))
        .filter(
            users::organisation_id
                .eq_any(orgs.clone())
                .or(users::league_code.eq(&row.league_code).and(
                    users::id.eq_any(
                        user_roles::table
                            .filter(user_roles::role.eq(Role::Supervisor.code()))
                            .select(user_roles::user_id),
                    ),
                )),
        )
        .order((users::name.asc(), users::id.asc()))
        .select((
            users::id,
            users::name,
            users::organisation_id,
            organisations::name.nullable(),
            custody_certificates::subject,
            custody_certificates::updated_at,
        ))
        .load(conn)?;
    let mut out = Vec::new();
    for (id, name, org_id, org_name, subject, at) in found {
        let roles = roles_of(conn, &id)?;
        if roles
            .iter()
            .any(|r| r == Role::Bidder.code() || r == Role::Operator.code())
        {
            continue;
        }
        let party = if org_id.as_ref().is_some_and(|o| orgs.contains(o)) {
            "organiser"
        } else if roles.iter().any(|r| r == Role::Supervisor.code()) {
            "supervisor"
        } else {
            "other"
        };
        out.push(CustodianCandidate {
            user_id: id,
            name,
            party: party.into(),
            organisation: org_name,
            roles,
            certificate_subject: subject,
            certified_at: from_db_time(at),
        });
    }
    Ok(out)
}

/// Drops later custodians with the same user or the same certificate as an
/// earlier one.
fn dedupe(chosen: &mut Vec<Candidate>) {
    let mut seen_users = Vec::new();
    let mut seen_certs = Vec::new();
    chosen.retain(|c| {
        let cert = c.cert.to_der().unwrap_or_default();
        let fresh =
            !seen_certs.contains(&cert) && c.user.as_ref().is_none_or(|u| !seen_users.contains(u));
        if fresh {
            seen_certs.push(cert);
            if let Some(u) = &c.user {
                seen_users.push(u.clone());
            }
        }
        fresh
    });
}

/// Makes the tender's opening key at publication and puts it in custody.
pub fn create_for_tender(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    input: Option<&CustodyInput>,
    platform: &X509,
    key: &mut Option<custody::FreshKey>,
) -> Result<CustodyView, AppError> {
    let (chosen, threshold) = custodians_for(conn, ctx, row, input, platform)?;
    let bid_deadline = from_db_time(row.bid_deadline);
    let custodians: Vec<Custodian> = chosen
        .iter()
        .map(|c| Custodian {
            label: c.label.clone(),
            certificate: c.cert.clone(),
        })
        .collect();
    // The key pair was made ahead, outside any transaction (taken by the
    // caller before it began, or from the pool): this transaction only
    // splits, encrypts and inserts.
    let fresh = match key.take() {
        Some(key) => key,
        None => super::keypool::shared()
            .take_or_make()
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("opening key pair")))?,
    };
    let key = custody::create_with(
        fresh,
        &format!("Opening key of {}", row.reference),
        ctx.now - Duration::minutes(5),
        bid_deadline + Duration::days(366),
        threshold,
        &custodians,
    )
    // (`custodians_for` has held the threshold to the custodians, and the
    // key's validity is the server's own: an `Invalid` here is a bug, not
    // the request's fault.)
    .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("opening key custody")))?;
    let der = key
        .certificate
        .to_der()
        .map_err(|e| AppError::Internal(e.into()))?;
    let cert_sha = crate::identity::hex(&openssl::sha::sha256(&der));
    let now = to_db_time(ctx.now);
    diesel::insert_into(opening_keys::table)
        .values((
            opening_keys::tender_id.eq(&row.id),
            opening_keys::certificate.eq(&der),
            opening_keys::cert_sha256.eq(&cert_sha),
            opening_keys::threshold.eq(threshold as i32),
            opening_keys::custodians.eq(chosen.len() as i32),
            opening_keys::created_at.eq(now),
        ))
        .execute(conn)?;
    let mut listed = Vec::new();
    for (share, who) in key.shares.iter().zip(&chosen) {
        let cert_sha256 = crate::identity::hex(&openssl::sha::sha256(
            &who.cert
                .to_der()
                .map_err(|e| AppError::Internal(e.into()))?,
        ));
        diesel::insert_into(opening_shares::table)
            .values((
                opening_shares::tender_id.eq(&row.id),
                opening_shares::x.eq(i32::from(share.x)),
                opening_shares::custodian_kind.eq(who.kind),
                opening_shares::custodian_user_id.eq(who.user.as_deref()),
                opening_shares::custodian_label.eq(&who.label),
                opening_shares::custodian_cert_sha256.eq(&cert_sha256),
                opening_shares::encrypted_share.eq(&share.cms_der),
                opening_shares::share_sha256.eq(&share.share_sha256),
            ))
            .execute(conn)?;
        listed.push(serde_json::json!({
            "x": share.x, "kind": who.kind, "user_id": who.user, "label": who.label,
            "cert_sha256": cert_sha256, "share_sha256": share.share_sha256,
        }));
    }
    audit::record(
        conn,
        ctx,
        "opening.key_created",
        "opening_key",
        &row.id,
        Some(&row.id),
        &serde_json::json!({
            "cert_sha256": cert_sha,
            "threshold": threshold,
            "custodians": listed,
        }),
    )?;
    custody_of(conn, &row.id)?.ok_or_else(|| AppError::not_found("opening key"))
}

/// The tender's opening key and custodians, if it has been published.
pub fn custody_of(conn: &mut DbConn, tender_id: &str) -> Result<Option<CustodyView>, AppError> {
    let key: Option<(Vec<u8>, String, i32, NaiveDateTime)> = opening_keys::table
        .filter(opening_keys::tender_id.eq(tender_id))
        .select((
            opening_keys::certificate,
            opening_keys::cert_sha256,
            opening_keys::threshold,
            opening_keys::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some((der, cert_sha256, threshold, created)) = key else {
        return Ok(None);
    };
    let pem = X509::from_der(&der)
        .and_then(|c| c.to_pem())
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("stored opening cert")))?;
    type Row = (
        i32,
        String,
        Option<String>,
        String,
        String,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = opening_shares::table
        .filter(opening_shares::tender_id.eq(tender_id))
        .order(opening_shares::x.asc())
        .select((
            opening_shares::x,
            opening_shares::custodian_kind,
            opening_shares::custodian_user_id,
            opening_shares::custodian_label,
            opening_shares::custodian_cert_sha256,
            opening_shares::released_at,
        ))
        .load(conn)?;
    Ok(Some(CustodyView {
        tender_id: tender_id.to_string(),
        certificate_pem: String::from_utf8_lossy(&pem).into_owned(),
        cert_sha256,
        threshold,
        custodians: rows
            .into_iter()
            .map(
                |(x, kind, user_id, label, cert_sha256, released)| CustodianView {
                    x,
                    kind,
                    user_id,
                    label,
                    cert_sha256,
                    released_at: released.map(from_db_time),
                },
            )
            .collect(),
        created_at: from_db_time(created),
    }))
}

/// The opening certificate of a tender (DER), if it has one.
pub fn opening_certificate(conn: &mut DbConn, tender_id: &str) -> Result<Option<X509>, AppError> {
    let der: Option<Vec<u8>> = opening_keys::table
        .filter(opening_keys::tender_id.eq(tender_id))
        .select(opening_keys::certificate)
        .first(conn)
        .optional()?;
    der.map(|d| {
        X509::from_der(&d)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("stored opening cert")))
    })
    .transpose()
}

/// Who releases a share.
#[derive(Debug, Clone)]
pub enum Releaser {
    /// A custodian releasing their own share.
    User(UserId),
    /// An operator releasing the platform's share (the server decrypts it).
    Platform,
}

/// A custodian's encrypted share (CMS EnvelopedData, DER), to decrypt with
/// their own key.
pub fn encrypted_share_of(
    conn: &mut DbConn,
    tender_id: &str,
    user: &UserId,
) -> Result<(i32, Vec<u8>), AppError> {
    opening_shares::table
        .filter(opening_shares::tender_id.eq(tender_id))
        .filter(opening_shares::custodian_user_id.eq(user.as_str()))
        .select((opening_shares::x, opening_shares::encrypted_share))
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::NotFound("you hold no share of this tender's opening key".into())
                .because("opening.no-share", serde_json::json!({}))
        })
}

/// One who holds no share of the tender's opening key asked to release one.
pub fn no_share() -> AppError {
    AppError::Forbidden("you hold no share of this tender's opening key".into())
        .because("opening.no-share", serde_json::json!({}))
}

/// The platform's encrypted share of a tender's opening key.
pub fn platform_share_of(conn: &mut DbConn, tender_id: &str) -> Result<Vec<u8>, AppError> {
    opening_shares::table
        .filter(opening_shares::tender_id.eq(tender_id))
        .filter(opening_shares::custodian_kind.eq("platform"))
        .select(opening_shares::encrypted_share)
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::NotFound("the platform holds no share of this key".into())
                .because("opening.no-platform-share", serde_json::json!({}))
        })
}

/// How a release went: a wrong share is refused but the attempt is recorded,
/// so the caller commits the transaction and then reports the refusal.
#[derive(Debug)]
pub enum Released {
    Accepted {
        custodian: String,
        released: usize,
        threshold: usize,
    },
    Refused {
        custodian: String,
        reason: String,
        /// Why, as the refusal's reason key says it (`opening.share-*`).
        said: &'static str,
        /// The values its sentence names.
        params: serde_json::Value,
    },
}

/// Releases one share of the key of a tender whose opening has started. The
/// share is checked against the commitment made with the key.
pub fn release(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    who: &Releaser,
    plain: &[u8],
) -> Result<Released, AppError> {
    let mut query = opening_shares::table
        .filter(opening_shares::tender_id.eq(tender_id))
        .into_boxed();
    query = match who {
        Releaser::User(user) => query.filter(opening_shares::custodian_user_id.eq(user.as_str())),
        Releaser::Platform => query.filter(opening_shares::custodian_kind.eq("platform")),
    };
    let found: Option<(i32, String, String, Option<NaiveDateTime>)> = query
        .select((
            opening_shares::x,
            opening_shares::custodian_label,
            opening_shares::share_sha256,
            opening_shares::released_at,
        ))
        .first(conn)
        .optional()?;
    let (x, label, committed, released_at) = found.ok_or_else(no_share)?;
    if released_at.is_some() {
        return Err(
            AppError::Conflict(format!("{label}'s share has already been released")).because(
                "opening.share-released-already",
                serde_json::json!({ "custodian": label }),
            ),
        );
    }
    let refusal = match custody::read_share(plain) {
        Err(e) => Some((
            e.to_string(),
            "opening.share-unreadable",
            serde_json::json!({}),
        )),
        Ok(share) if i32::from(share.x) != x => Some((
            format!("this is share {} but {label} holds share {x}", share.x),
            "opening.share-other",
            serde_json::json!({ "presented": share.x, "held": x }),
        )),
        Ok(_) if custody::share_digest(plain) != committed => Some((
            format!(
                "the share does not match the commitment recorded for {label}'s share when the \
                 key was made"
            ),
            "opening.share-not-committed",
            serde_json::json!({}),
        )),
        Ok(_) => None,
    };
    if let Some((reason, said, params)) = refusal {
        audit::record(
            conn,
            ctx,
            "opening.share_refused",
            "opening_share",
            &format!("{tender_id}/{x}"),
            Some(tender_id),
            &serde_json::json!({ "x": x, "custodian": &label, "reason": &reason,
                "presented_sha256": custody::share_digest(plain) }),
        )?;
        return Ok(Released::Refused {
            custodian: label,
            reason,
            said,
            params,
        });
    }
    diesel::update(
        opening_shares::table
            .filter(opening_shares::tender_id.eq(tender_id))
            .filter(opening_shares::x.eq(x))
            .filter(opening_shares::released_at.is_null()),
    )
    .set((
        opening_shares::released_share.eq(plain),
        opening_shares::released_at.eq(to_db_time(ctx.now)),
        opening_shares::released_by.eq(ctx.principal.user_id.as_ref().map(|u| u.as_str())),
    ))
    .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "opening.share_released",
        "opening_share",
        &format!("{tender_id}/{x}"),
        Some(tender_id),
        &serde_json::json!({ "x": x, "custodian": &label, "share_sha256": committed }),
    )?;
    let (released, threshold) = release_count(conn, tender_id)?;
    Ok(Released::Accepted {
        custodian: label,
        released,
        threshold,
    })
}

/// How many shares are released, and how many are needed.
pub fn release_count(conn: &mut DbConn, tender_id: &str) -> Result<(usize, usize), AppError> {
    let released: i64 = opening_shares::table
        .filter(opening_shares::tender_id.eq(tender_id))
        .filter(opening_shares::released_at.is_not_null())
        .count()
        .get_result(conn)?;
    let threshold: i32 = opening_keys::table
        .filter(opening_keys::tender_id.eq(tender_id))
        .select(opening_keys::threshold)
        .first(conn)?;
    Ok((released as usize, threshold.max(0) as usize))
}

/// The released plain shares (held only while the opening runs).
pub fn released_shares(
    conn: &mut DbConn,
    tender_id: &str,
) -> Result<Vec<custody::PlainShare>, AppError> {
    let rows: Vec<Option<Vec<u8>>> = opening_shares::table
        .filter(opening_shares::tender_id.eq(tender_id))
        .filter(opening_shares::released_share.is_not_null())
        .select(opening_shares::released_share)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .flatten()
        .map(custody::PlainShare::new)
        .collect())
}

/// Erases the released shares once the opening no longer needs them.
pub fn erase_released(conn: &mut DbConn, tender_id: &str) -> Result<(), AppError> {
    diesel::update(opening_shares::table.filter(opening_shares::tender_id.eq(tender_id)))
        .set(opening_shares::released_share.eq(None::<Vec<u8>>))
        .execute(conn)?;
    Ok(())
}

/// What the opening needs when a tender moves, in the same transaction:
/// custody of the opening key at publication, the opening's own record when
/// it starts (after the deadline; the lifecycle has checked that).
pub fn on_transition(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    input: &crate::tenders::store::TransitionInput,
    platform: &X509,
    key: &mut Option<custody::FreshKey>,
) -> Result<(), AppError> {
    use crate::db::schema::openings;
    use crate::tenders::lifecycle::Action;
    match input.action {
        Action::Publish => {
            create_for_tender(conn, ctx, row, input.custody.as_ref(), platform, key)?;
        }
        _ if input.custody.is_some() => {
            return Err(AppError::invalid_field(
                FieldError::new(
                    "custody",
                    "custodians are named when the tender is published, and only then",
                )
                .because("custody.publish-only", serde_json::json!({})),
            ));
        }
        Action::StartEvaluation => {
            // A tender with bids is evaluated only once they are opened
            // (one without bids has nothing to open).
            let status = super::record::opening_status(conn, &row.id)?;
            let bids = crate::bids::store::current_bids(conn, &row.id)?.len();
            if bids > 0 && status != Some(super::OpeningStatus::Completed) {
                return Err(AppError::IllegalTransition(format!(
                    "evaluation starts once the opening is completed; the opening is {}",
                    status.map_or("not started", |s| s.code())
                ))
                .because(
                    "opening.not-completed",
                    serde_json::json!({ "opening": status.map_or("not_started", |s| s.code()) }),
                ));
            }
        }
        Action::Cancel | Action::Fail => {
            let status = super::record::opening_status(conn, &row.id)?;
            if matches!(
                status,
                Some(super::OpeningStatus::CollectingShares | super::OpeningStatus::Decrypting)
            ) {
                diesel::update(openings::table.find(&row.id))
                    .set((
                        openings::status.eq(super::OpeningStatus::Aborted.code()),
                        openings::completed_at.eq(to_db_time(ctx.now)),
                    ))
                    .execute(conn)?;
                erase_released(conn, &row.id)?;
                audit::record(
                    conn,
                    ctx,
                    "opening.aborted",
                    "opening",
                    &row.id,
                    Some(&row.id),
                    &serde_json::json!({ "because": input.action.code() }),
                )?;
            }
        }
        Action::StartOpening => {
            diesel::insert_into(openings::table)
                .values((
                    openings::tender_id.eq(&row.id),
                    openings::status.eq(super::OpeningStatus::CollectingShares.code()),
                    openings::started_at.eq(to_db_time(ctx.now)),
                ))
                .execute(conn)?;
            request_shares(conn, ctx, row)?;
        }
        _ => {}
    }
    Ok(())
}

/// Asks every custodian who is a person and has not released its share yet
/// to release it, now the opening has started (the platform's own share is
/// a key the platform releases itself).
fn request_shares(conn: &mut DbConn, ctx: &AuditContext, row: &TenderRow) -> Result<(), AppError> {
    let users: Vec<Option<String>> = opening_shares::table
        .filter(opening_shares::tender_id.eq(&row.id))
        .filter(opening_shares::custodian_kind.ne("platform"))
        .filter(opening_shares::released_at.is_null())
        .select(opening_shares::custodian_user_id)
        .load(conn)?;
    let users: Vec<String> = users.into_iter().flatten().collect();
    if users.is_empty() {
        return Ok(());
    }
    let message = crate::notify::Message::new(
        crate::notify::Kind::ShareRequest,
        format!("tender:{}:share_request", row.id),
    )
    .tender(&row.id, &row.league_code)
    .field("title", row.title.clone())
    .field("reference", row.reference.clone())
    .link(format!("/#/tenders/{}/release", row.id));
    crate::notify::send(conn, ctx, &message, &users)?;
    Ok(())
}

/// The hall event a release makes (the public learns who released, not what).
pub fn release_event(
    conn: &mut DbConn,
    tender_id: &str,
    outcome: &Released,
    now: DateTime<Utc>,
) -> Result<crate::hall::store::HallEvent, AppError> {
    let id = crate::types::TenderId::from_db(tender_id.to_string());
    match outcome {
        Released::Accepted {
            custodian,
            released,
            threshold,
        } => crate::hall::store::append(
            conn,
            &id,
            "opening.share_released",
            &serde_json::json!({ "custodian": custodian, "released": released,
                "threshold": threshold, "ready": released >= threshold }),
            now,
        ),
        Released::Refused { custodian, .. } => crate::hall::store::append(
            conn,
            &id,
            "opening.share_refused",
            &serde_json::json!({ "custodian": custodian }),
            now,
        ),
    }
}
