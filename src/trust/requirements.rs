//! A league's own certificate-policy requirement (RFC 5280 §6.1.1 (c), (e),
//! (f), (g)) per trust service type: Chinese CA profiles carry policy OIDs,
//! and a league may require them. The registry applies the requirements of
//! the deciding league for the service types a check allows, combined with
//! the request's own inputs so that a request can only tighten them
//! ([`combine`]).

use super::model::ServiceType;
use super::store::bump_generation;
use crate::audit::{self, AuditContext};
use crate::db::schema::league_policy_requirements as lpr;
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError, check_text};
use crate::pki::policy::PolicyInputs;
use crate::types::LeagueCode;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// One league's requirement for the certificates its services of one type vouch for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PolicyRequirement {
    #[schema(value_type = String)]
    pub league: LeagueCode,
    pub service_type: ServiceType,
    #[serde(flatten)]
    pub policies: PolicyInputs,
    pub updated_at: DateTime<Utc>,
}

/// A league's requirement for one service type; all defaults (no
/// policies, every flag false) removes it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementChange {
    /// Acceptable policy OIDs (dotted); empty means any policy.
    #[serde(default)]
    pub initial_policies: Vec<String>,
    /// The path must be valid for one of them.
    #[serde(default)]
    pub explicit_policy: bool,
    #[serde(default)]
    pub inhibit_policy_mapping: bool,
    #[serde(default)]
    pub inhibit_any_policy: bool,
    /// Why (kept in the audit log).
    pub reason: String,
}

impl RequirementChange {
    pub fn policies(&self) -> PolicyInputs {
        PolicyInputs {
            initial_policies: self.initial_policies.clone(),
            explicit_policy: self.explicit_policy,
            inhibit_policy_mapping: self.inhibit_policy_mapping,
            inhibit_any_policy: self.inhibit_any_policy,
        }
    }
}

/// Combines a requirement with a request's inputs (or another
/// requirement) so that neither is loosened: the flags are OR'ed; of two
/// non-empty policy sets the intersection is taken, else the non-empty one.
/// `Err` when both are non-empty and share no policy: then no path can be
/// valid for an acceptable policy.
pub fn combine(a: &PolicyInputs, b: &PolicyInputs) -> Result<PolicyInputs, String> {
    let initial_policies = match (a.initial_policies.is_empty(), b.initial_policies.is_empty()) {
        (true, _) => b.initial_policies.clone(),
        (_, true) => a.initial_policies.clone(),
        _ => {
            let common: Vec<String> = a
                .initial_policies
                .iter()
                .filter(|p| b.initial_policies.contains(p))
                .cloned()
                .collect();
            if common.is_empty() {
                return Err(format!(
                    "the acceptable policies {:?} and {:?} have none in common",
                    a.initial_policies, b.initial_policies
                ));
            }
            common
        }
    };
    Ok(PolicyInputs {
        initial_policies,
        explicit_policy: a.explicit_policy || b.explicit_policy,
        inhibit_policy_mapping: a.inhibit_policy_mapping || b.inhibit_policy_mapping,
        inhibit_any_policy: a.inhibit_any_policy || b.inhibit_any_policy,
    })
}

type Row = (String, String, String, bool, bool, bool, NaiveDateTime);

fn from_row(row: Row) -> Result<PolicyRequirement, AppError> {
    let (league, service_type, policies, explicit, mapping, any, updated) = row;
    Ok(PolicyRequirement {
        league: LeagueCode::parse(&league)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored league {league:?}: {e}")))?,
        service_type: ServiceType::from_db(&service_type)?,
        policies: PolicyInputs {
            initial_policies: serde_json::from_str(&policies)
                .map_err(|e| AppError::Internal(e.into()))?,
            explicit_policy: explicit,
            inhibit_policy_mapping: mapping,
            inhibit_any_policy: any,
        },
        updated_at: from_db_time(updated),
    })
}

/// The requirements of one league, or of all.
pub fn list(
    conn: &mut DbConn,
    league: Option<&LeagueCode>,
) -> Result<Vec<PolicyRequirement>, AppError> {
    let mut query = lpr::table
        .select((
            lpr::league,
            lpr::service_type,
            lpr::initial_policies,
            lpr::explicit_policy,
            lpr::inhibit_policy_mapping,
            lpr::inhibit_any_policy,
            lpr::updated_at,
        ))
        .order((lpr::league, lpr::service_type))
        .into_boxed();
    if let Some(league) = league {
        query = query.filter(lpr::league.eq(league.as_str()));
    }
    let rows: Vec<Row> = query.load(conn)?;
    rows.into_iter().map(from_row).collect()
}

#[derive(Serialize)]
struct AuditPayload<'a> {
    league: &'a str,
    service_type: &'a str,
    #[serde(flatten)]
    policies: &'a PolicyInputs,
    reason: &'a str,
}

/// Sets (or, with all defaults, removes) a league's requirement for one
/// service type, audited, in the caller's transaction; the registry's
/// generation is bumped so every node applies it at once.
pub fn set(
    conn: &mut DbConn,
    ctx: &AuditContext,
    league: &LeagueCode,
    service_type: ServiceType,
    change: &RequirementChange,
) -> Result<PolicyRequirement, AppError> {
    let mut errors = Vec::new();
    check_text(&mut errors, "reason", &change.reason, true, 500);
    let policies = change.policies();
    if let Err(why) = policies.check() {
        errors.push(policies_refused("initial_policies", &why));
    }
    if service_type == ServiceType::CrlIssuer {
        errors.push(
            FieldError::new(
                "service_type",
                "a CRL issuer vouches for no certificate: nothing to require of it",
            )
            .because("trust.crl-issuer-no-requirement", serde_json::json!({})),
        );
    }
    AppError::check(errors)?;
    let key = lpr::table
        .filter(lpr::league.eq(league.as_str()))
        .filter(lpr::service_type.eq(service_type.code()));
    if policies == PolicyInputs::default() {
        diesel::delete(key).execute(conn)?;
    } else {
        let list = serde_json::to_string(&policies.initial_policies)
            .map_err(|e| AppError::Internal(e.into()))?;
        let values = (
            lpr::initial_policies.eq(&list),
            lpr::explicit_policy.eq(policies.explicit_policy),
            lpr::inhibit_policy_mapping.eq(policies.inhibit_policy_mapping),
            lpr::inhibit_any_policy.eq(policies.inhibit_any_policy),
            lpr::updated_at.eq(to_db_time(ctx.now)),
        );
        let updated = diesel::update(key).set(values).execute(conn)?;
        if updated == 0 {
            diesel::insert_into(lpr::table)
                .values((
                    lpr::league.eq(league.as_str()),
                    lpr::service_type.eq(service_type.code()),
                    values,
                ))
                .execute(conn)?;
        }
    }
    bump_generation(conn)?;
    audit::record(
        conn,
        ctx,
        "trust.policy_requirement.set",
        "league_policy_requirement",
        &format!("{league}/{}", service_type.code()),
        None,
        &AuditPayload {
            league: league.as_str(),
            service_type: service_type.code(),
            policies: &policies,
            reason: &change.reason,
        },
    )?;
    Ok(PolicyRequirement {
        league: league.clone(),
        service_type,
        policies,
        updated_at: ctx.now,
    })
}

/// The field error of policy inputs that are refused, with its rule.
pub fn policies_refused(field: &str, why: &crate::pki::policy::PolicyInputsError) -> FieldError {
    use crate::pki::policy::{MAX_POLICIES, PolicyInputsError};
    let (rule, params) = match why {
        PolicyInputsError::TooMany => ("list.too-many", serde_json::json!({ "max": MAX_POLICIES })),
        PolicyInputsError::NotAnOid(oid) => {
            ("encoding.policy-oid", serde_json::json!({ "oid": oid }))
        }
    };
    FieldError::new(field, why.to_string()).because(rule, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(oids: &[&str], explicit: bool) -> PolicyInputs {
        PolicyInputs {
            initial_policies: oids.iter().map(|s| s.to_string()).collect(),
            explicit_policy: explicit,
            ..PolicyInputs::default()
        }
    }

    #[test]
    fn a_request_never_loosens_a_requirement() {
        let req = p(&["1.2.3", "1.2.4"], true);
        let c = combine(&req, &p(&[], false)).unwrap();
        assert_eq!(c, req);
        let c = combine(&req, &p(&["1.2.4", "1.2.9"], false)).unwrap();
        assert_eq!(c, p(&["1.2.4"], true));
        assert!(combine(&req, &p(&["1.2.9"], false)).is_err());
        let any = PolicyInputs {
            inhibit_any_policy: true,
            ..PolicyInputs::default()
        };
        let c = combine(&any, &p(&["1.2.3"], false)).unwrap();
        assert!(c.inhibit_any_policy && c.initial_policies == ["1.2.3"]);
    }
}
