//! Certificate sessions: login challenges (single use), the binding of
//! certificate identities to accounts, enrolment of enterprises on first
//! login, and sessions bound to the certificate's fingerprint.

use super::{Principal, Role, new_token, token_hash};
use crate::audit::{self, AuditContext};
use crate::db::schema::{login_challenges, organisations, sessions, user_identities, users};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError};
use crate::pki::identity::CertIdentity;
use crate::types::{LeagueCode, OrganisationId, UserId};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The certificate profile a session was opened with; it bounds the roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// An enterprise certificate: tenderer, agent, bidder.
    Enterprise,
    /// A personal certificate: operator, expert, supervisor.
    Person,
}

impl Profile {
    pub fn code(self) -> &'static str {
        match self {
            Profile::Enterprise => "enterprise",
            Profile::Person => "person",
        }
    }

    pub fn from_code(code: &str) -> Option<Profile> {
        match code {
            "enterprise" => Some(Profile::Enterprise),
            "person" => Some(Profile::Person),
            _ => None,
        }
    }

    pub fn of(identity: &CertIdentity) -> Profile {
        match identity {
            CertIdentity::Enterprise { .. } => Profile::Enterprise,
            CertIdentity::Person { .. } => Profile::Person,
        }
    }

    /// The roles a certificate of this profile may act in.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Profile::Enterprise => &[Role::Tenderer, Role::Agent, Role::Bidder],
            Profile::Person => &[Role::Operator, Role::Expert, Role::Supervisor],
        }
    }

    /// The identity key stored for an account: (kind, identifier).
    pub fn key(identity: &CertIdentity) -> (&'static str, String) {
        match identity {
            CertIdentity::Enterprise { credit_code, .. } => {
                ("enterprise", credit_code.as_str().to_string())
            }
            CertIdentity::Person { id_number, .. } => ("person", id_number.as_str().to_string()),
        }
    }
}

/// How a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A signature over a one-time challenge.
    Challenge,
    /// Mutual TLS terminated by the platform.
    Mtls,
    /// Mutual TLS terminated by a trusted reverse proxy.
    Proxy,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Challenge => "challenge",
            Method::Mtls => "mtls",
            Method::Proxy => "proxy",
        }
    }

    fn from_code(code: &str) -> Option<Method> {
        match code {
            "challenge" => Some(Method::Challenge),
            "mtls" => Some(Method::Mtls),
            "proxy" => Some(Method::Proxy),
            _ => None,
        }
    }
}

/// What a request's session is bound to.
#[derive(Debug, Clone)]
pub struct Binding {
    pub session_id: String,
    pub method: Method,
    pub cert_sha256: String,
    /// The certificate (DER), validated again on every request.
    pub certificate: Vec<u8>,
}

/// A login challenge as handed out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Challenge {
    pub id: String,
    /// The exact text to sign (UTF-8, no trailing newline).
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
}

/// How long a challenge may be answered.
pub const CHALLENGE_SECONDS: i64 = 300;

/// Makes a single-use challenge naming this platform.
pub fn new_challenge(
    conn: &mut DbConn,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Challenge, AppError> {
    // Expired challenges are of no use to anyone: sweep them as we go.
    diesel::delete(
        login_challenges::table
            .filter(login_challenges::expires_at.lt(to_db_time(now - Duration::hours(1)))),
    )
    .execute(conn)?;
    let mut nonce = [0u8; 32];
    openssl::rand::rand_bytes(&mut nonce).map_err(|e| AppError::Internal(e.into()))?;
    let challenge = Challenge {
        id: uuid::Uuid::new_v4().to_string(),
        challenge: format!(
            "ggzy-login:v1:{}:{}",
            public_url.trim_end_matches('/'),
            crate::trust::lists::base64url(&nonce)
        ),
        expires_at: now + Duration::seconds(CHALLENGE_SECONDS),
    };
    diesel::insert_into(login_challenges::table)
        .values((
            login_challenges::id.eq(&challenge.id),
            login_challenges::challenge.eq(&challenge.challenge),
            login_challenges::created_at.eq(to_db_time(now)),
            login_challenges::expires_at.eq(to_db_time(challenge.expires_at)),
        ))
        .execute(conn)?;
    Ok(challenge)
}

/// The text of a challenge that can still be answered.
pub fn open_challenge(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<String, AppError> {
    let row: Option<(String, NaiveDateTime, Option<NaiveDateTime>)> = login_challenges::table
        .filter(login_challenges::id.eq(id))
        .select((
            login_challenges::challenge,
            login_challenges::expires_at,
            login_challenges::used_at,
        ))
        .first(conn)
        .optional()?;
    match row {
        Some((text, expires, None)) if from_db_time(expires) > now => Ok(text),
        Some((_, _, Some(_))) => Err(AppError::Unauthenticated(
            "this challenge has already been used; ask for a new one".into(),
        )
        .because("signin.challenge-used", json!({}))),
        _ => Err(AppError::Unauthenticated(
            "unknown or expired challenge; ask for a new one".into(),
        )
        .because("signin.challenge-unknown", json!({}))),
    }
}

/// Marks a challenge used; fails if another login used it first.
pub fn consume_challenge(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let n = diesel::update(
        login_challenges::table
            .filter(login_challenges::id.eq(id))
            .filter(login_challenges::used_at.is_null())
            .filter(login_challenges::expires_at.gt(to_db_time(now))),
    )
    .set(login_challenges::used_at.eq(Some(to_db_time(now))))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(AppError::Unauthenticated(
            "this challenge has already been used or has expired; ask for a new one".into(),
        )
        .because("signin.challenge-used", json!({})))
    }
}

/// Binds a certificate identity to an account (enrolment by an operator).
pub fn bind_identity(
    conn: &mut DbConn,
    ctx: &AuditContext,
    user: &UserId,
    kind: &str,
    identifier: &str,
) -> Result<(), AppError> {
    let taken: Option<String> = user_identities::table
        .filter(user_identities::kind.eq(kind))
        .filter(user_identities::identifier.eq(identifier))
        .select(user_identities::user_id)
        .first(conn)
        .optional()?;
    match taken {
        Some(owner) if owner == user.as_str() => return Ok(()),
        Some(_) => {
            return Err(AppError::Conflict(format!(
                "this {kind} identity is already bound to another account"
            ))
            .because("accounts.identity-taken", serde_json::json!({})));
        }
        None => {}
    }
    diesel::insert_into(user_identities::table)
        .values((
            user_identities::kind.eq(kind),
            user_identities::identifier.eq(identifier),
            user_identities::user_id.eq(user.as_str()),
            user_identities::created_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    #[derive(Serialize)]
    struct Bound<'a> {
        kind: &'a str,
        // The identifier itself is personal data; the log keeps its digest.
        identifier_sha256: String,
    }
    audit::record(
        conn,
        ctx,
        "user.identity.bind",
        "user",
        user.as_str(),
        None,
        &Bound {
            kind,
            identifier_sha256: crate::identity::hex(&openssl::sha::sha256(identifier.as_bytes())),
        },
    )
}

/// The account a certificate identity logs in to. An enterprise unknown to
/// the platform is enrolled as a bidder of the league whose service vouches
/// for its certificate; a person must have been enrolled by an operator.
pub fn account_for(
    conn: &mut DbConn,
    ctx: &AuditContext,
    identity: &CertIdentity,
    league: Option<&LeagueCode>,
) -> Result<UserId, AppError> {
    let (kind, identifier) = Profile::key(identity);
    let bound = |conn: &mut DbConn| -> Result<Option<UserId>, AppError> {
        let user: Option<String> = user_identities::table
            .filter(user_identities::kind.eq(kind))
            .filter(user_identities::identifier.eq(&identifier))
            .select(user_identities::user_id)
            .first(conn)
            .optional()?;
        Ok(user.map(UserId::from_db))
    };
    if let Some(user) = bound(conn)? {
        return Ok(user);
    }
    // Two first sign-ins of one identity at once: the second waits for the
    // first's enrolment and then finds it, instead of failing on the
    // enterprise's unique credit code (PostgreSQL; SQLite's writes are one
    // at a time already).
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(format!("ggzy.enrol:{kind}:{identifier}"))
            .execute(pg)?;
        if let Some(user) = bound(conn)? {
            return Ok(user);
        }
    }
    let CertIdentity::Enterprise {
        name, credit_code, ..
    } = identity
    else {
        return Err(AppError::Forbidden(
            "no account is enrolled for this person's identity number; an operator must enrol \
             experts, supervisors and operators (ggzy users add --id-number …)"
                .into(),
        )
        .because("signin.not-enrolled", json!({})));
    };
    // Enterprises are enrolled in the league whose CA vouches for them; no
    // enterprise certificate is vouched for by the platform's staff CA
    // (`login` refuses it first), so there is always one.
    let Some(league) = league else {
        return Err(AppError::Forbidden(
            "an enterprise is enrolled in the league whose CA vouches for it".into(),
        )
        .because("signin.not-enrolled", json!({})));
    };
    let existing: Option<(String, String)> = organisations::table
        .filter(organisations::credit_code.eq(credit_code.as_str()))
        .select((organisations::id, organisations::league_code))
        .first(conn)
        .optional()?;
    let (org, org_league) = match existing {
        Some((id, league)) => (OrganisationId::from_db(id), LeagueCode::from_db(league)),
        None => (
            super::store::find_or_create_organisation(conn, ctx, league, name, Some(credit_code))?,
            league.clone(),
        ),
    };
    let user = super::store::insert_user(
        conn,
        ctx,
        &super::store::NewUser {
            name,
            roles: &[Role::Bidder],
            league: Some(&org_league),
            organisation: Some(&org),
        },
    )?;
    bind_identity(conn, ctx, &user, kind, &identifier)?;
    audit::record(
        conn,
        ctx,
        "user.enrol_by_certificate",
        "user",
        user.as_str(),
        None,
        &serde_json::json!({ "organisation": org.as_str(), "roles": ["bidder"] }),
    )?;
    Ok(user)
}

/// A session as its owner (or an operator) sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: String,
    pub user_id: String,
    pub method: Method,
    pub profile: Profile,
    pub cert_sha256: String,
    pub cert_subject: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub client_addr: Option<String>,
}

pub struct NewSession<'a> {
    pub user: &'a UserId,
    pub method: Method,
    pub profile: Profile,
    pub cert_sha256: &'a str,
    pub cert_subject: &'a str,
    pub certificate: &'a [u8],
    pub expires_at: DateTime<Utc>,
}

/// Opens a session; returns its view and the bearer token (shown once).
pub fn open_session(
    conn: &mut DbConn,
    ctx: &AuditContext,
    new: &NewSession<'_>,
) -> Result<(SessionView, String), AppError> {
    let token = new_token().map_err(AppError::Internal)?;
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::token_hash.eq(token_hash(&token)),
            sessions::user_id.eq(new.user.as_str()),
            sessions::method.eq(new.method.code()),
            sessions::cert_sha256.eq(new.cert_sha256),
            sessions::cert_subject.eq(new.cert_subject),
            sessions::certificate.eq(new.certificate),
            sessions::profile.eq(new.profile.code()),
            sessions::created_at.eq(to_db_time(ctx.now)),
            sessions::expires_at.eq(to_db_time(new.expires_at)),
            sessions::client_addr.eq(ctx.client_addr.as_deref()),
        ))
        .execute(conn)?;
    // The certificate one signs in with is where one's opening-key shares go.
    crate::opening::store::record_custody_certificate(conn, new.user, new.certificate, ctx.now)?;
    let view = session(conn, &id)?.ok_or_else(|| AppError::not_found("session"))?;
    let audit_ctx = AuditContext {
        principal: Principal {
            user_id: Some(new.user.clone()),
            ..ctx.principal.clone()
        },
        ..ctx.clone()
    };
    audit::record(
        conn,
        &audit_ctx,
        "session.open",
        "session",
        &id,
        None,
        &serde_json::json!({
            "method": new.method.code(),
            "profile": new.profile.code(),
            "cert_sha256": new.cert_sha256,
            "cert_subject": new.cert_subject,
            "expires_at": new.expires_at,
        }),
    )?;
    Ok((view, token))
}

type SessionRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
);

fn view_of(row: SessionRow) -> Result<SessionView, AppError> {
    let (id, user, method, profile, sha, subject, created, expires, revoked, addr) = row;
    Ok(SessionView {
        method: Method::from_code(&method)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad session method {method}")))?,
        profile: Profile::from_code(&profile)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad profile {profile}")))?,
        id,
        user_id: user,
        cert_sha256: sha,
        cert_subject: subject,
        created_at: from_db_time(created),
        expires_at: from_db_time(expires),
        revoked_at: revoked.map(from_db_time),
        client_addr: addr,
    })
}

macro_rules! session_columns {
    () => {
        (
            sessions::id,
            sessions::user_id,
            sessions::method,
            sessions::profile,
            sessions::cert_sha256,
            sessions::cert_subject,
            sessions::created_at,
            sessions::expires_at,
            sessions::revoked_at,
            sessions::client_addr,
        )
    };
}

pub fn session(conn: &mut DbConn, id: &str) -> Result<Option<SessionView>, AppError> {
    let row: Option<SessionRow> = sessions::table
        .filter(sessions::id.eq(id))
        .select(session_columns!())
        .first(conn)
        .optional()?;
    row.map(view_of).transpose()
}

/// A user's sessions, newest first.
pub fn sessions_of(conn: &mut DbConn, user: &str) -> Result<Vec<SessionView>, AppError> {
    let rows: Vec<SessionRow> = sessions::table
        .filter(sessions::user_id.eq(user))
        .order(sessions::created_at.desc())
        .limit(100)
        .select(session_columns!())
        .load(conn)?;
    rows.into_iter().map(view_of).collect()
}

/// Revokes a session (idempotent: revoking twice keeps the first time).
pub fn revoke(conn: &mut DbConn, ctx: &AuditContext, id: &str) -> Result<SessionView, AppError> {
    let current = session(conn, id)?.ok_or_else(|| AppError::not_found("session"))?;
    if current.revoked_at.is_some() {
        return Ok(current);
    }
    diesel::update(sessions::table.filter(sessions::id.eq(id)))
        .set(sessions::revoked_at.eq(Some(to_db_time(ctx.now))))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "session.revoke",
        "session",
        id,
        None,
        &serde_json::json!({ "user_id": current.user_id }),
    )?;
    session(conn, id)?.ok_or_else(|| AppError::not_found("session"))
}

/// What a token lookup reads of a session: id, user, method, profile,
/// certificate SHA-256, expiry, revocation.
type TokenSessionRow = (
    String,
    String,
    String,
    String,
    String,
    Vec<u8>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// The principal behind a session token valid at `now`, with the roles its
/// certificate profile allows, and what the session is bound to.
pub fn principal_for_session(
    conn: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Principal, Binding)>, AppError> {
    let row: Option<TokenSessionRow> = sessions::table
        .filter(sessions::token_hash.eq(token_hash(token)))
        .select((
            sessions::id,
            sessions::user_id,
            sessions::method,
            sessions::profile,
            sessions::cert_sha256,
            sessions::certificate,
            sessions::expires_at,
            sessions::revoked_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, user, method, profile, sha, certificate, expires, revoked)) = row else {
        return Ok(None);
    };
    if revoked.is_some() || from_db_time(expires) <= now {
        return Ok(None);
    }
    let (Some(method), Some(profile)) = (Method::from_code(&method), Profile::from_code(&profile))
    else {
        return Ok(None);
    };
    let Some(mut principal) = super::store::load_principal(conn, &user)? else {
        return Ok(None);
    };
    principal.roles.retain(|r| profile.roles().contains(r));
    Ok(Some((
        principal,
        Binding {
            session_id: id,
            method,
            cert_sha256: sha,
            certificate,
        },
    )))
}

/// The league an account signs in under: its own, or its organisation's.
pub fn account_league(conn: &mut DbConn, user: &UserId) -> Result<Option<LeagueCode>, AppError> {
    let row: Option<(Option<String>, Option<String>)> = users::table
        .filter(users::id.eq(user.as_str()))
        .select((users::league_code, users::organisation_id))
        .first(conn)
        .optional()?;
    let Some((league, organisation)) = row else {
        return Ok(None);
    };
    if let Some(league) = league {
        return Ok(Some(LeagueCode::from_db(league)));
    }
    match organisation {
        Some(org) => Ok(super::store::organisation_league(conn, &org)?.map(LeagueCode::from_db)),
        None => Ok(None),
    }
}

/// The roles an account holds (all of them, whatever its certificate).
pub fn account_roles(conn: &mut DbConn, user: &UserId) -> Result<Vec<Role>, AppError> {
    let codes: Vec<String> = crate::db::schema::user_roles::table
        .filter(crate::db::schema::user_roles::user_id.eq(user.as_str()))
        .select(crate::db::schema::user_roles::role)
        .load(conn)?;
    Ok(codes.iter().filter_map(|c| Role::from_code(c)).collect())
}

/// Whether a user exists and is enabled (for enrolment checks).
pub fn user_enabled(conn: &mut DbConn, user: &UserId) -> Result<bool, AppError> {
    let disabled: Option<bool> = users::table
        .filter(users::id.eq(user.as_str()))
        .select(users::disabled)
        .first(conn)
        .optional()?;
    Ok(disabled == Some(false))
}

/// Binds the certificate identities an account signs in with: a person's
/// identity number (for person roles), and the organisation's credit code
/// for its first account with enterprise roles.
pub fn bind_certificate_identities(
    conn: &mut DbConn,
    ctx: &AuditContext,
    user: &UserId,
    roles: &[Role],
    credit_code: Option<&crate::types::CreditCode>,
    id_number: Option<&crate::types::ResidentId>,
) -> Result<(), AppError> {
    if let Some(id) = id_number {
        let league: Option<String> = users::table
            .filter(users::id.eq(user.as_str()))
            .select(users::league_code)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten();
        // A person of no league signs in only as a platform operator, with
        // a certificate of the platform's staff CA (`policy::signin_vouching`).
        if league.is_none() && !roles.contains(&Role::Operator) {
            return Err(AppError::invalid_field(
                FieldError::new(
                    "league",
                    "a person signing in by certificate needs a league: only that league's \
                     certificates, or those it recognises, sign in to the account (only a \
                     platform operator, of no league, signs in with the platform's staff CA)",
                )
                .because("accounts.person-needs-league", json!({})),
            ));
        }
        if !roles.iter().any(|r| Profile::Person.roles().contains(r)) {
            let persons: Vec<&str> = Profile::Person.roles().iter().map(|r| r.code()).collect();
            return Err(AppError::invalid_field(
                FieldError::new(
                    "id_number",
                    format!(
                        "an identity number signs in persons: give a role among {}",
                        persons.join(", ")
                    ),
                )
                .because(
                    "accounts.id-number-for-persons",
                    json!({ "roles": persons }),
                ),
            ));
        }
        bind_identity(conn, ctx, user, "person", id.as_str())?;
    }
    if let Some(code) = credit_code
        && roles
            .iter()
            .any(|r| Profile::Enterprise.roles().contains(r))
    {
        let taken: i64 = user_identities::table
            .filter(user_identities::kind.eq("enterprise"))
            .filter(user_identities::identifier.eq(code.as_str()))
            .count()
            .get_result(conn)?;
        if taken == 0 {
            bind_identity(conn, ctx, user, "enterprise", code.as_str())?;
        }
    }
    Ok(())
}
