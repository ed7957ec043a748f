//! The platform's key fingerprints in the database (`platform_keys`): the
//! first node to start records its set; every node after compares its own
//! with what was recorded, and one whose key differs is refused.

use super::Fingerprint;
use crate::audit::{self, AuditContext};
use crate::db::schema::platform_keys;
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// A fingerprint as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub purpose: String,
    pub algorithm: String,
    pub spki_sha256: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// A key of this node that is not the platform's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub mine: Fingerprint,
    pub platform: Recorded,
}

/// This node's keys against the platform's: refused when any differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(pub Vec<Difference>);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for d in &self.0 {
            writeln!(
                f,
                "this node's {} is not the platform's:\n  this node's:    SHA-256 {} ({})\n  \
                 the platform's: SHA-256 {} ({}), recorded {} by {}",
                d.mine.purpose.describe(),
                d.mine.spki_sha256,
                d.mine.algorithm,
                d.platform.spki_sha256,
                d.platform.algorithm,
                d.platform.recorded_at.to_rfc3339(),
                d.platform.recorded_by,
            )?;
        }
        write!(
            f,
            "Every node of one platform must hold the same key set: give this node the \
             platform's key folder (keys_dir, GGZY_KEYS_DIR; compare with `ggzy keys \
             fingerprints --dir DIR`) and start it again. Nothing was changed."
        )
    }
}

impl std::error::Error for Mismatch {}

/// What is still to be recorded of `mine`, or how it differs from what
/// was. A key is the same when its public key is (the algorithm is only
/// reported).
pub fn compare<'a>(
    mine: &'a [Fingerprint],
    recorded: &[Recorded],
) -> Result<Vec<&'a Fingerprint>, Mismatch> {
    let mut absent = Vec::new();
    let mut differ = Vec::new();
    for fp in mine {
        match recorded.iter().find(|r| r.purpose == fp.purpose.code()) {
            None => absent.push(fp),
            Some(r) if r.spki_sha256.eq_ignore_ascii_case(&fp.spki_sha256) => {}
            Some(r) => differ.push(Difference {
                mine: fp.clone(),
                platform: r.clone(),
            }),
        }
    }
    if differ.is_empty() {
        Ok(absent)
    } else {
        Err(Mismatch(differ))
    }
}

/// The fingerprints recorded, by purpose.
pub fn recorded(conn: &mut DbConn) -> Result<Vec<Recorded>, AppError> {
    let rows: Vec<(String, String, String, chrono::NaiveDateTime, String)> = platform_keys::table
        .select((
            platform_keys::purpose,
            platform_keys::algorithm,
            platform_keys::spki_sha256,
            platform_keys::recorded_at,
            platform_keys::recorded_by,
        ))
        .order(platform_keys::purpose)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(purpose, algorithm, spki_sha256, at, recorded_by)| Recorded {
                purpose,
                algorithm,
                spki_sha256,
                recorded_at: from_db_time(at),
                recorded_by,
            },
        )
        .collect())
}

/// In the caller's write transaction: records those of `mine` the platform
/// has no fingerprint for yet (one `platform.keys.recorded` event), or, when
/// any of them differs from what was recorded, records nothing and returns
/// the difference. Nodes starting together take turns (an advisory lock on
/// PostgreSQL; SQLite's write lock, taken first), so exactly one set wins.
/// Returns what this call recorded.
pub fn record_or_compare(
    conn: &mut DbConn,
    ctx: &AuditContext,
    node: &str,
    mine: &[Fingerprint],
) -> Result<Result<Vec<Fingerprint>, Mismatch>, AppError> {
    take_turns(conn)?;
    let recorded = recorded(conn)?;
    let absent = match compare(mine, &recorded) {
        Ok(absent) => absent,
        Err(mismatch) => return Ok(Err(mismatch)),
    };
    if absent.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    for fp in &absent {
        diesel::insert_into(platform_keys::table)
            .values((
                platform_keys::purpose.eq(fp.purpose.code()),
                platform_keys::algorithm.eq(&fp.algorithm),
                platform_keys::spki_sha256.eq(&fp.spki_sha256),
                platform_keys::recorded_at.eq(to_db_time(ctx.now)),
                platform_keys::recorded_by.eq(node),
            ))
            .execute(conn)?;
    }
    #[derive(Serialize)]
    struct Key<'a> {
        purpose: &'a str,
        algorithm: &'a str,
        spki_sha256: &'a str,
    }
    #[derive(Serialize)]
    struct Recording<'a> {
        node: &'a str,
        keys: Vec<Key<'a>>,
    }
    let keys = absent
        .iter()
        .map(|fp| Key {
            purpose: fp.purpose.code(),
            algorithm: &fp.algorithm,
            spki_sha256: &fp.spki_sha256,
        })
        .collect();
    audit::record(
        conn,
        ctx,
        "platform.keys.recorded",
        "platform_keys",
        &absent
            .iter()
            .map(|fp| fp.purpose.code())
            .collect::<Vec<_>>()
            .join(","),
        None,
        &Recording { node, keys },
    )?;
    Ok(Ok(absent.into_iter().cloned().collect()))
}

/// Waits until no other node is recording or comparing keys, until the end
/// of the transaction. On SQLite a transaction takes the write lock at its
/// first write, and one that read first fails at once when another process
/// wrote meanwhile; a write that changes nothing, first, makes a second
/// process starting on the same file wait its turn instead.
fn take_turns(conn: &mut DbConn) -> Result<(), AppError> {
    match conn {
        DbConn::Pg(_) => crate::db::lock_in_transaction(conn, "ggzy.platform_keys"),
        DbConn::Sqlite(_) => {
            diesel::delete(platform_keys::table.filter(platform_keys::purpose.eq("")))
                .execute(conn)?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Purpose;

    fn fp(purpose: Purpose, hash: &str) -> Fingerprint {
        Fingerprint {
            purpose,
            algorithm: "Ed25519".into(),
            spki_sha256: hash.into(),
        }
    }

    fn rec(purpose: Purpose, hash: &str) -> Recorded {
        Recorded {
            purpose: purpose.code().into(),
            algorithm: "Ed25519".into(),
            spki_sha256: hash.into(),
            recorded_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            recorded_by: "node-a 127.0.0.1:8080".into(),
        }
    }

    #[test]
    fn nothing_recorded_means_all_to_record() {
        let mine = [fp(Purpose::AuditLog, "aa"), fp(Purpose::Tsa, "bb")];
        assert_eq!(compare(&mine, &[]).unwrap().len(), 2);
    }

    #[test]
    fn the_same_keys_record_only_what_is_absent() {
        let mine = [fp(Purpose::AuditLog, "aa"), fp(Purpose::Tsa, "bb")];
        let absent = compare(&mine, &[rec(Purpose::AuditLog, "AA")]).unwrap();
        assert_eq!(absent, vec![&mine[1]]);
        let all = [rec(Purpose::AuditLog, "aa"), rec(Purpose::Tsa, "bb")];
        assert!(compare(&mine, &all).unwrap().is_empty());
    }

    #[test]
    fn a_different_key_is_refused_naming_both_fingerprints() {
        let mine = [fp(Purpose::AuditLog, "aa"), fp(Purpose::Tsa, "bb")];
        let recorded = [rec(Purpose::AuditLog, "aa"), rec(Purpose::Tsa, "cc")];
        let mismatch = compare(&mine, &recorded).unwrap_err();
        assert_eq!(mismatch.0.len(), 1);
        assert_eq!(mismatch.0[0].mine.purpose, Purpose::Tsa);
        let text = mismatch.to_string();
        for needed in [
            "timestamp authority",
            "SHA-256 bb",
            "SHA-256 cc",
            "2027-01-15T08:00:00+00:00",
            "node-a 127.0.0.1:8080",
            "GGZY_KEYS_DIR",
        ] {
            assert!(text.contains(needed), "{needed:?} in {text}");
        }
    }
}
