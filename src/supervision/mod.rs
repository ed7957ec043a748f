//! Supervision: who may read which part of the record; the signals
//! supervisors hunt for (`signals`, pure) kept as alerts (`alerts`), each
//! said as a key and params too (`said`); their live feed of the log
//! (`live`).
//!
//! Administrative supervision is per category of trade (the finance bureau
//! for government procurement, development and reform for construction,
//! natural resources for land and mining, state assets for property);
//! discipline inspection and audit see every category. Each supervises one
//! league, or the whole region when it has none. Supervisors read; no write
//! endpoint accepts them (every one asks for another role). Until a
//! tender's opening, nothing they read names its bidders or tells how many
//! there are ([`crate::audit::sealing`]): its alerts name bidders by label.

use crate::db::DbConn;
use crate::db::schema::{supervisor_scopes, tenders};
use crate::error::{AppError, FieldError};
use crate::identity::policy::{Area, OperatorKind};
use crate::identity::{Principal, Role};
use crate::tenders::model::Category;
use crate::types::{LeagueCode, text_enum};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

pub mod alerts;
pub mod feed;
pub mod live;
pub mod said;
pub mod signals;

text_enum! {
    /// The kind of supervision a supervisor exercises.
    pub enum SupervisorKind {
        /// Administrative supervision of one category of trade.
        Administrative = "administrative",
        /// Discipline inspection, across categories.
        Discipline = "discipline",
        /// Audit, across categories.
        Audit = "audit",
    }
}

/// Requests a supervisor may make that are not reads: signing in and out,
/// checking a certificate or a seal (computations that store nothing),
/// releasing the opening-key share it holds as a custodian, acknowledging
/// an alert, adding its contribution to a committee draw's seed, and
/// keeping its own inbox: its address, its language and the messages it
/// wants (supervision alerts are sent only to those who ask), which it has
/// read (method, route pattern).
pub const SUPERVISOR_WRITES: &[(&str, &str)] = &[
    ("POST", "/api/v1/auth/challenges"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/mtls"),
    ("DELETE", "/api/v1/auth/session"),
    ("POST", "/api/v1/auth/sessions/{id}/revoke"),
    ("POST", "/api/v1/trust/validate"),
    ("POST", "/api/v1/seals/verify-signature"),
    ("POST", "/api/v1/seals/verify-seal"),
    ("POST", "/api/v1/tenders/{id}/opening/shares"),
    ("POST", "/api/v1/supervision/alerts/{id}/acknowledge"),
    ("POST", "/api/v1/tenders/{id}/committee/contribution"),
    // The administrative supervisor's handling of a complaint (投诉), the
    // only writes of supervision proper; the handlers refuse discipline and
    // audit supervisors and those whose scope does not hold the tender
    // (`objections::store::handling_supervisor`).
    (
        "POST",
        "/api/v1/tenders/{id}/complaints/{complaint}/acceptance",
    ),
    (
        "POST",
        "/api/v1/tenders/{id}/complaints/{complaint}/decision",
    ),
    (
        "POST",
        "/api/v1/tenders/{id}/complaints/{complaint}/suspension",
    ),
    (
        "POST",
        "/api/v1/tenders/{id}/complaints/{complaint}/resumption",
    ),
    ("PUT", "/api/v1/me/email"),
    ("DELETE", "/api/v1/me/email"),
    ("POST", "/api/v1/email-verifications"),
    ("PUT", "/api/v1/me/notification-settings"),
    ("PUT", "/api/v1/me/subscriptions"),
    ("POST", "/api/v1/me/notifications/{id}/read"),
    ("POST", "/api/v1/me/notifications/read-all"),
];

/// Middleware, after the principal is known: a supervisor's request that
/// would change anything is refused before any handler runs, whatever other
/// role the account holds: supervisors read the record and change nothing.
pub async fn read_only(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    use actix_web::HttpMessage;
    use actix_web::http::Method;
    let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let supervisor = req
        .extensions()
        .get::<Principal>()
        .is_some_and(|p| p.has(Role::Supervisor));
    if supervisor && !reads {
        let pattern = req.match_pattern().unwrap_or_default();
        let allowed = SUPERVISOR_WRITES
            .iter()
            .any(|(m, p)| *m == req.method().as_str() && *p == pattern);
        if !allowed {
            let error = AppError::Forbidden(
                "supervisors read the record and change nothing: this request would change it"
                    .into(),
            )
            .because("supervision.read-only", json!({}));
            let response = actix_web::ResponseError::error_response(&error);
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// What a supervisor may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Scope {
    /// `None` for a supervisor whose kind was never set: every category of
    /// its league, as before kinds existed.
    pub kind: Option<SupervisorKind>,
    /// The category an administrative supervisor watches.
    pub category: Option<Category>,
    /// `None`: the whole region.
    pub league: Option<LeagueCode>,
}

impl Scope {
    /// Whether a tender of `league` and `category` is in scope.
    pub fn covers(&self, league: &str, category: &str) -> bool {
        let league_ok = self.league.as_ref().is_none_or(|l| l.as_str() == league);
        let category_ok = match self.kind {
            Some(SupervisorKind::Administrative) => {
                self.category.is_some_and(|c| c.code() == category)
            }
            _ => true,
        };
        league_ok && category_ok
    }

    /// Whether events that concern no tender (sign-ins, the trust registry,
    /// accounts) are in scope: for supervisors across categories only.
    pub fn covers_platform_events(&self) -> bool {
        self.kind != Some(SupervisorKind::Administrative)
    }
}

/// Who reads the record.
#[derive(Debug, Clone)]
pub enum Reader {
    /// Operators run the platform and read all of it (but bidders, see
    /// [`Reader::sees_bidders`]): the platform's (no league) or a league's.
    Operator(Option<LeagueCode>),
    Supervisor(Scope),
}

impl Reader {
    /// A platform operator reads every league's record, a league operator
    /// its own league's tenders' (`identity::policy`, `Area::AuditLog`).
    pub fn covers(&self, league: &str, category: &str) -> bool {
        match self {
            Reader::Operator(_) => self.operates_record(Some(league)),
            Reader::Supervisor(s) => s.covers(league, category),
        }
    }

    pub fn covers_platform_events(&self) -> bool {
        match self {
            // Events of no tender (accounts, registries, keys) are of no
            // one league: the platform's.
            Reader::Operator(_) => self.operates_record(None),
            Reader::Supervisor(s) => s.covers_platform_events(),
        }
    }

    /// The operator kind of an operator reader.
    fn operator_kind(&self) -> Option<OperatorKind<'_>> {
        match self {
            Reader::Operator(None) => Some(OperatorKind::Platform),
            Reader::Operator(Some(l)) => Some(OperatorKind::League(l.as_str())),
            Reader::Supervisor(_) => None,
        }
    }

    /// Whether an operator reader reads the record of `league`'s tenders
    /// (`None`: events of no tender), by `identity::policy`.
    fn operates_record(&self, league: Option<&str>) -> bool {
        self.operator_kind()
            .is_some_and(|kind| kind.operates(Area::AuditLog, league))
    }

    /// Whether this reader, once it reads an event about a tender of
    /// `league` at all, sees the bidders it names if the tender is
    /// `opened` (the rule of [`crate::audit::sealing::sees_bidders`]).
    pub fn sees_bidders(&self, opened: bool, league: &str) -> bool {
        crate::audit::sealing::sees_bidders(opened, &self.standing(), league)
    }

    /// Whether this reader, once it reads an event about a tender at all,
    /// reads what it says of the committee and its room if the tender's
    /// result is `decided` (the rule of
    /// [`crate::audit::sealing::sees_committee`]).
    pub fn sees_committee(&self, decided: bool) -> bool {
        crate::audit::sealing::sees_committee(decided, &self.standing())
    }

    /// How this reader stands to a tender whose events it reads at all.
    fn standing(&self) -> crate::audit::sealing::Standing<'_> {
        use crate::audit::sealing::Standing;
        match self {
            Reader::Operator(_) => Standing {
                operator: self.operator_kind(),
                ..Standing::default()
            },
            // Events out of its scope it does not read at all.
            Reader::Supervisor(_) => Standing {
                supervises: true,
                ..Standing::default()
            },
        }
    }

    /// The league a league operator reads bidders of (`None` for everyone
    /// else: supervisors are held to their scope otherwise).
    pub fn bidders_league(&self) -> Option<&LeagueCode> {
        match self {
            Reader::Operator(l) => l.as_ref(),
            Reader::Supervisor(_) => None,
        }
    }

    /// The one rule: an event about no tender, by
    /// [`Reader::covers_platform_events`]; about a tender at `place`
    /// (league, category), by [`Reader::covers`]; about a tender the
    /// platform does not hold, operators only.
    pub fn sees(&self, tender_id: Option<&str>, place: Option<&(String, String)>) -> bool {
        match (tender_id, place) {
            (None, _) => self.covers_platform_events(),
            (Some(_), Some((league, category))) => self.covers(league, category),
            (Some(_), None) => matches!(self, Reader::Operator(None)),
        }
    }
}

/// The reader behind `principal`: an operator, or a supervisor with its
/// scope; anyone else is refused.
pub fn reader(conn: &mut DbConn, principal: &Principal) -> Result<Reader, AppError> {
    match principal.require_any(&[Role::Operator, Role::Supervisor])? {
        Role::Operator => Ok(Reader::Operator(principal.league.clone())),
        _ => Ok(Reader::Supervisor(scope_of(conn, principal)?)),
    }
}

/// A supervisor's scope (see [`Scope::kind`] for one never set).
pub fn scope_of(conn: &mut DbConn, principal: &Principal) -> Result<Scope, AppError> {
    let Some(user) = &principal.user_id else {
        return Err(crate::identity::sign_in_first());
    };
    let row: Option<ScopeRow> = supervisor_scopes::table
        .find(user.as_str())
        .select((
            supervisor_scopes::kind,
            supervisor_scopes::category,
            supervisor_scopes::league_code,
        ))
        .first(conn)
        .optional()?;
    scope_from(row, principal.league.clone())
}

/// The scope of the supervisor account `user_id` of league `own_league`
/// (as [`scope_of`] reads a signed-in supervisor's), for the accounts page.
pub fn scope_of_account(
    conn: &mut DbConn,
    user_id: &str,
    own_league: Option<&str>,
) -> Result<Scope, AppError> {
    let row: Option<ScopeRow> = supervisor_scopes::table
        .find(user_id)
        .select((
            supervisor_scopes::kind,
            supervisor_scopes::category,
            supervisor_scopes::league_code,
        ))
        .first(conn)
        .optional()?;
    scope_from(row, own_league.map(|l| LeagueCode::from_db(l.to_string())))
}

/// A stored scope: kind, category, league.
type ScopeRow = (String, Option<String>, Option<String>);

/// The scope a stored row gives, or (none stored) every category of the
/// supervisor's own league.
fn scope_from(row: Option<ScopeRow>, own_league: Option<LeagueCode>) -> Result<Scope, AppError> {
    Ok(match row {
        Some((kind, category, league)) => Scope {
            kind: Some(SupervisorKind::from_db(&kind)?),
            category: category.as_deref().map(Category::from_db).transpose()?,
            league: league.map(LeagueCode::from_db),
        },
        None => Scope {
            kind: None,
            category: None,
            league: own_league,
        },
    })
}

/// The supervisors (active accounts) whose scope holds a tender of
/// `league` and `category`, with their scopes.
pub fn supervisors_in_scope(
    conn: &mut DbConn,
    league: &str,
    category: &str,
) -> Result<Vec<(String, Scope)>, AppError> {
    use crate::db::schema::{user_roles, users};
    let accounts: Vec<(String, Option<String>)> = users::table
        .inner_join(user_roles::table.on(user_roles::user_id.eq(users::id)))
        .filter(user_roles::role.eq(Role::Supervisor.code()))
        .filter(users::disabled.eq(false))
        .select((users::id, users::league_code))
        .load(conn)?;
    let ids: Vec<&str> = accounts.iter().map(|(id, _)| id.as_str()).collect();
    let mut stored: HashMap<String, ScopeRow> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, Option<String>, Option<String>)> = supervisor_scopes::table
            .filter(supervisor_scopes::user_id.eq_any(chunk))
            .select((
                supervisor_scopes::user_id,
                supervisor_scopes::kind,
                supervisor_scopes::category,
                supervisor_scopes::league_code,
            ))
            .load(conn)?;
        for (user, kind, category, league) in rows {
            stored.insert(user, (kind, category, league));
        }
    }
    let mut out = Vec::new();
    for (id, own_league) in accounts {
        let scope = scope_from(stored.remove(&id), own_league.map(LeagueCode::from_db))?;
        if scope.covers(league, category) {
            out.push((id, scope));
        }
    }
    Ok(out)
}

/// Sets a supervisor's scope (replacing any). Administrative supervision
/// needs a category; the others take none.
pub fn set_scope(
    conn: &mut DbConn,
    ctx: &crate::audit::AuditContext,
    user_id: &str,
    scope: &Scope,
) -> Result<(), AppError> {
    let kind = match (scope.kind, scope.category) {
        (Some(SupervisorKind::Administrative), None) => {
            return Err(AppError::invalid_field(
                FieldError::new(
                    "category",
                    "administrative supervision is of one category of trade",
                )
                .because("scope.category-needed", json!({})),
            ));
        }
        (Some(SupervisorKind::Discipline | SupervisorKind::Audit), Some(_)) => {
            return Err(AppError::invalid_field(
                FieldError::new(
                    "category",
                    "discipline inspection and audit cover every category; give none",
                )
                .because("scope.no-category", json!({})),
            ));
        }
        (None, _) => {
            return Err(AppError::invalid_field(
                FieldError::new("kind", "a kind of supervision is needed")
                    .because("scope.kind-needed", json!({})),
            ));
        }
        (Some(kind), _) => kind,
    };
    let is_supervisor: bool = diesel::select(diesel::dsl::exists(
        crate::db::schema::user_roles::table
            .filter(crate::db::schema::user_roles::user_id.eq(user_id))
            .filter(crate::db::schema::user_roles::role.eq(Role::Supervisor.code())),
    ))
    .get_result(conn)?;
    if !is_supervisor {
        return Err(AppError::invalid_field(
            FieldError::new("user", "the user is not a supervisor")
                .because("scope.not-supervisor", json!({})),
        ));
    }
    if let Some(l) = &scope.league
        && !crate::leagues::exists(conn, l)?
    {
        return Err(AppError::invalid_field(
            FieldError::new("league", format!("no league {l}"))
                .because("league.unknown", json!({ "league": l.to_string() })),
        ));
    }
    diesel::delete(supervisor_scopes::table.find(user_id)).execute(conn)?;
    diesel::insert_into(supervisor_scopes::table)
        .values((
            supervisor_scopes::user_id.eq(user_id),
            supervisor_scopes::kind.eq(kind.code()),
            supervisor_scopes::category.eq(scope.category.map(Category::code)),
            supervisor_scopes::league_code.eq(scope.league.as_ref().map(|l| l.as_str())),
            supervisor_scopes::created_at.eq(crate::db::to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    crate::audit::record(
        conn,
        ctx,
        "supervision.scope.set",
        "user",
        user_id,
        None,
        &scope,
    )?;
    Ok(())
}

/// The query string of `req` as `T`, read once the caller's authority is
/// known (handlers of the record take `HttpRequest`, not `web::Query`, so
/// that a stranger is told to sign in before being told the query's rules).
pub fn query<T: serde::de::DeserializeOwned>(req: &actix_web::HttpRequest) -> Result<T, AppError> {
    actix_web::web::Query::<T>::from_query(req.query_string())
        .map(actix_web::web::Query::into_inner)
        .map_err(crate::http::query_error)
}

/// A `tender_id` filter must name a tender's id (which it may not see).
pub fn check_tender_filter(tender_id: Option<&str>) -> Result<(), AppError> {
    if tender_id.is_some_and(|t| crate::types::TenderId::parse(t).is_none()) {
        return Err(
            AppError::InvalidQuery("tender_id must be a tender's id".into())
                .because("supervision.tender-id", json!({})),
        );
    }
    Ok(())
}

/// League and category of each of `tender_ids` that exists.
pub fn tender_places(
    conn: &mut DbConn,
    tender_ids: &[String],
) -> Result<HashMap<String, (String, String)>, AppError> {
    if tender_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String, String)> = tenders::table
        .filter(tenders::id.eq_any(tender_ids))
        .select((tenders::id, tenders::league_code, tenders::category))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, l, c)| (id, (l, c))).collect())
}

/// Whether `reader` may read an event about `tender_id` (or about no tender).
pub fn sees_event(
    reader: &Reader,
    tender_id: Option<&str>,
    places: &HashMap<String, (String, String)>,
) -> bool {
    reader.sees(tender_id, tender_id.and_then(|t| places.get(t)))
}

/// One entry of the log, with the league and category of its tender,
/// whether that tender has been opened, and whether its result is decided.
#[derive(Debug, Clone)]
pub struct PlacedEntry {
    pub index: u64,
    pub event: crate::audit::entry::AuditEvent,
    pub place: Option<(String, String)>,
    pub opened: bool,
    pub decided: bool,
}

impl PlacedEntry {
    /// Whether `reader` reads this entry: in its scope, and not sealed
    /// from it (see [`PlacedEntry::sealed_from`]).
    pub fn seen_by(&self, reader: &Reader) -> bool {
        reader.sees(self.event.tender_id.as_deref(), self.place.as_ref())
            && !self.sealed_from(reader)
    }

    /// Whether the entry names a bidder, or tells of a committee or its
    /// room, that `reader` may not learn of (yet): see
    /// [`crate::audit::sealing`].
    pub fn sealed_from(&self, reader: &Reader) -> bool {
        use crate::audit::sealing::{concerns_bidder, concerns_committee};
        let e = &self.event;
        let tender = e.tender_id.as_deref();
        let bidder = concerns_bidder(tender, &e.actor_role, &e.object_type)
            && !self
                .place
                .as_ref()
                .is_some_and(|(league, _)| reader.sees_bidders(self.opened, league));
        let committee = concerns_committee(tender, &e.actor_role, &e.action)
            && !reader.sees_committee(self.decided);
        bidder || committee
    }
}

/// The log's entries `[start, end)` with their tenders' places.
pub fn placed_entries(
    conn: &mut DbConn,
    start: u64,
    end: u64,
) -> Result<Vec<PlacedEntry>, AppError> {
    let rows = crate::audit::tlog::entries(conn, start, end)?;
    let tenders: Vec<String> = rows
        .iter()
        .filter_map(|(_, e)| e.tender_id.clone())
        .collect();
    let places = tender_places(conn, &tenders)?;
    let opened = crate::audit::sealing::opened_tenders(conn, &tenders)?;
    let decided = crate::audit::sealing::decided_tenders(conn, &tenders)?;
    Ok(rows
        .into_iter()
        .map(|(index, event)| PlacedEntry {
            index,
            place: event
                .tender_id
                .as_ref()
                .and_then(|t| places.get(t).cloned()),
            opened: event.tender_id.as_ref().is_some_and(|t| opened.contains(t)),
            decided: event
                .tender_id
                .as_ref()
                .is_some_and(|t| decided.contains(t)),
            event,
        })
        .collect())
}

/// How far into the log alerts have been computed: entries before this
/// index have had theirs.
pub fn alerts_through(conn: &mut DbConn) -> Result<u64, AppError> {
    use crate::db::schema::audit_log_head;
    let through: i64 = audit_log_head::table
        .find(1)
        .select(audit_log_head::alerts_through)
        .first(conn)?;
    Ok(through as u64)
}

/// After a round of the audit log's sequencer: the live feed hears that
/// the log now has `to` entries, and the tenders the new entries `[from,
/// to)` concern have their alerts recomputed (new alerts are audit events
/// too, and join the log in the next round). When all of that worked, the
/// database remembers that alerts are computed through `to` (a server that
/// stops before then computes the rest when it starts again) and this
/// returns true.
pub async fn after_round(state: &crate::app::AppState, from: u64, to: u64) -> bool {
    state.supervision_feed.hub.publish(&feed::Head { size: to });
    let mut done = true;
    let mut start = from;
    let mut touched: Vec<String> = Vec::new();
    while start < to {
        let end = (start + 2000).min(to);
        let first = start;
        match state
            .db
            .read(move |conn| {
                Ok(crate::audit::tlog::entries(conn, first, end)?
                    .into_iter()
                    .filter(|(_, e)| !e.action.starts_with("supervision."))
                    .filter_map(|(_, e)| e.tender_id)
                    .collect::<Vec<_>>())
            })
            .await
        {
            Ok(tenders) => {
                for t in tenders {
                    if !touched.contains(&t) {
                        touched.push(t);
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "reading the log for alerts");
                done = false;
            }
        }
        start = end;
    }
    for tender in touched {
        let now = state.clock.now();
        if let Err(e) = state
            .db
            .write(move |conn| alerts::refresh(conn, &tender, now))
            .await
        {
            tracing::error!(error = %e, "computing alerts");
            done = false;
        }
    }
    if done {
        let recorded = state
            .db
            .write(move |conn| {
                use crate::db::schema::audit_log_head;
                diesel::update(
                    audit_log_head::table
                        .find(1)
                        .filter(audit_log_head::alerts_through.lt(to as i64)),
                )
                .set(audit_log_head::alerts_through.eq(to as i64))
                .execute(conn)?;
                Ok(())
            })
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, "recording how far alerts are computed");
            done = false;
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(
        kind: Option<SupervisorKind>,
        category: Option<Category>,
        league: Option<&str>,
    ) -> Scope {
        Scope {
            kind,
            category,
            league: league.map(|l| LeagueCode::parse(l).unwrap()),
        }
    }

    #[test]
    fn administrative_supervision_is_one_category_of_one_league() {
        let finance = scope(
            Some(SupervisorKind::Administrative),
            Some(Category::GovernmentProcurement),
            Some("NNG"),
        );
        assert!(finance.covers("NNG", "government_procurement"));
        assert!(!finance.covers("NNG", "engineering_construction"));
        assert!(!finance.covers("LZH", "government_procurement"));
        assert!(!finance.covers_platform_events());
    }

    #[test]
    fn discipline_and_audit_cross_categories_within_their_league_or_region() {
        let discipline = scope(Some(SupervisorKind::Discipline), None, Some("NNG"));
        assert!(discipline.covers("NNG", "land_mining_rights"));
        assert!(!discipline.covers("LZH", "land_mining_rights"));
        assert!(discipline.covers_platform_events());
        let regional_audit = scope(Some(SupervisorKind::Audit), None, None);
        assert!(regional_audit.covers("LZH", "state_owned_property"));
        assert!(regional_audit.covers("NNG", "government_procurement"));
    }

    #[test]
    fn entries_naming_bidders_are_sealed_until_the_opening_and_from_other_leagues() {
        let entry = |actor_role: &str, object_type: &str, league: &str, opened: bool| PlacedEntry {
            index: 7,
            event: crate::audit::entry::AuditEvent {
                seq: 8,
                occurred_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                actor_id: Some("u".into()),
                actor_role: actor_role.into(),
                action: "bid.submitted".into(),
                object_type: object_type.into(),
                object_id: "b".into(),
                tender_id: Some("t".into()),
                client_addr: Some("10.0.0.1".into()),
                request_id: None,
                payload_sha256: "ab".into(),
            },
            place: Some((league.into(), "government_procurement".into())),
            opened,
            decided: false,
        };
        let platform = Reader::Operator(None);
        let nng_operator = Reader::Operator(Some(LeagueCode::parse("NNG").unwrap()));
        let lzh_operator = Reader::Operator(Some(LeagueCode::parse("LZH").unwrap()));
        let supervisor = Reader::Supervisor(scope(Some(SupervisorKind::Discipline), None, None));
        let readers = [&platform, &nng_operator, &lzh_operator, &supervisor];
        let bid = entry("bidder", "bid", "NNG", false);
        for r in readers {
            assert!(bid.sealed_from(r) && !bid.seen_by(r), "{r:?}");
        }
        // The platform dropping a bidder's expired upload names the bidder too.
        assert!(entry("operator", "bid_upload", "NNG", false).sealed_from(&platform));
        // Opened: those who then see the bidders read it; another league's
        // operator still does not.
        let opened = entry("bidder", "bid", "NNG", true);
        for r in [&platform, &nng_operator, &supervisor] {
            assert!(opened.seen_by(r), "{r:?}");
        }
        assert!(!opened.seen_by(&lzh_operator));
        // What names no bidder is read by those whose league it is.
        let publish = entry("tenderer", "tender", "NNG", false);
        for r in [&platform, &nng_operator, &supervisor] {
            assert!(publish.seen_by(r), "{r:?}");
        }
        // Another league's operator reads nothing of NNG's record.
        assert!(!publish.seen_by(&lzh_operator));
    }

    #[test]
    fn entries_of_the_committee_are_sealed_from_league_operators_until_the_result() {
        let entry = |actor_role: &str, action: &str, decided: bool| PlacedEntry {
            index: 9,
            event: crate::audit::entry::AuditEvent {
                seq: 10,
                occurred_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                actor_id: Some("u".into()),
                actor_role: actor_role.into(),
                action: action.into(),
                object_type: "room".into(),
                object_id: "t".into(),
                tender_id: Some("t".into()),
                client_addr: None,
                request_id: None,
                payload_sha256: "ab".into(),
            },
            place: Some(("NNG".into(), "government_procurement".into())),
            opened: true,
            decided,
        };
        let platform = Reader::Operator(None);
        let nng_operator = Reader::Operator(Some(LeagueCode::parse("NNG").unwrap()));
        let lzh_operator = Reader::Operator(Some(LeagueCode::parse("LZH").unwrap()));
        let supervisor = Reader::Supervisor(scope(Some(SupervisorKind::Discipline), None, None));
        for (role, action) in [
            ("expert", "room.score.given"),
            ("operator", "committee.invited"),
            ("tenderer", "room.opened"),
        ] {
            let before = entry(role, action, false);
            // The platform and supervisors in scope read it at once.
            for r in [&platform, &supervisor] {
                assert!(before.seen_by(r), "{action} {r:?}");
            }
            // The tender's own league's operators get its leaf hash only.
            assert!(before.sealed_from(&nng_operator), "{action}");
            assert!(!before.seen_by(&nng_operator), "{action}");
            // Once the result is decided, they read it.
            let after = entry(role, action, true);
            for r in [&platform, &supervisor, &nng_operator] {
                assert!(after.seen_by(r), "{action} {r:?}");
            }
            // Another league's operator never reads NNG's record.
            assert!(!after.seen_by(&lzh_operator), "{action}");
        }
        // The draw's own events name no member.
        let drawn = entry("operator", "draw.drawn", false);
        assert!(drawn.seen_by(&nng_operator));
    }

    #[test]
    fn unknown_tenders_are_for_operators_only() {
        let places = HashMap::new();
        let discipline = Reader::Supervisor(scope(Some(SupervisorKind::Discipline), None, None));
        assert!(!sees_event(&discipline, Some("t"), &places));
        assert!(sees_event(&Reader::Operator(None), Some("t"), &places));
        assert!(sees_event(&discipline, None, &places));
    }
}
