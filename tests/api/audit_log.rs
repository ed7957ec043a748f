//! The transparency log over the audit events: checkpoints, proofs, the
//! verifier, tampering done in the database, and appends under load.

use crate::helpers::{TestApp, spawn_app};
use ggzy::audit::merkle::{self, Hash};
use ggzy::audit::note::NoteVerifier;
use ggzy::identity::Role;
use serde_json::Value;

fn hash(v: &Value) -> Hash {
    openssl::base64::decode_block(v.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array().unwrap().iter().map(hash).collect()
}

async fn verifier(app: &TestApp) -> NoteVerifier {
    let key = app.get("/api/v1/audit/log/key", None).await;
    key.assert_status(200);
    NoteVerifier::parse(key.json()["vkey"].as_str().unwrap()).unwrap()
}

async fn latest(app: &TestApp) -> ggzy::audit::note::Checkpoint {
    let r = app.get("/api/v1/audit/log/checkpoint", None).await;
    r.assert_status(200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    verifier(app)
        .await
        .open(std::str::from_utf8(&r.body).unwrap())
        .unwrap()
}

/// Runs `ggzy audit verify` against the server; returns its findings.
async fn verify(app: &TestApp, token: &str, state: Option<&std::path::Path>) -> Result<(), String> {
    let opts = ggzy::audit::verify::Options {
        url: Some(app.base.clone()),
        token: Some(token.to_string()),
        ca_file: None,
        vkey: None,
        state: state.map(|p| p.to_path_buf()),
        export: None,
        from_export: None,
    };
    actix_web::rt::task::spawn_blocking(move || {
        ggzy::audit::verify::run(opts).map_err(|e| format!("{e:#}"))
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn checkpoints_are_signed_and_proofs_verify() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let operator = app.platform_operator("平台运营");
    let first = app.wait_for_log().await;
    let cp1 = latest(&app).await;
    assert_eq!(cp1.size, first);
    for n in 0..3 {
        app.post_json(
            &format!("/api/v1/tenders/{id}/amendments"),
            Some(&tenderer),
            &serde_json::json!({"title": format!("更正{n}"), "body": "内容", "changes_bids": false}),
        )
        .await
        .assert_status(201);
    }
    let second = app.wait_for_log().await;
    let cp2 = latest(&app).await;
    assert_eq!(cp2.size, second);
    assert!(second >= first + 3 && cp2.time >= cp1.time);
    // Entries, recomputed here, give the signed root.
    let r = app
        .get(
            &format!("/api/v1/audit/log/entries?start=0&end={second}"),
            Some(&operator),
        )
        .await;
    r.assert_status(200);
    let entries = r.json()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len() as u64, second);
    let leaves: Vec<Hash> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            assert_eq!(e["index"], i as u64);
            let input = openssl::base64::decode_block(e["leaf_input"].as_str().unwrap()).unwrap();
            let event = ggzy::audit::entry::AuditEvent::from_leaf_input(&input).unwrap();
            assert_eq!(serde_json::to_value(&event).unwrap(), e["event"]);
            assert_eq!(merkle::leaf_hash(&input), hash(&e["leaf_hash"]));
            hash(&e["leaf_hash"])
        })
        .collect();
    assert_eq!(merkle::naive_root(&leaves), cp2.root);
    assert_eq!(merkle::naive_root(&leaves[..first as usize]), cp1.root);
    // Every inclusion proof, and consistency from the first checkpoint.
    for index in 0..second {
        let p = app
            .get(
                &format!("/api/v1/audit/log/proof/inclusion?index={index}&tree_size={second}"),
                None,
            )
            .await
            .json();
        assert!(merkle::verify_inclusion(
            index,
            second,
            &leaves[index as usize],
            &hashes(&p["hashes"]),
            &cp2.root
        ));
        assert_eq!(hash(&p["root_hash"]), cp2.root);
    }
    let p = app
        .get(
            &format!("/api/v1/audit/log/proof/consistency?first={first}&second={second}"),
            None,
        )
        .await
        .json();
    assert!(merkle::verify_consistency(
        first,
        second,
        &cp1.root,
        &cp2.root,
        &hashes(&p["hashes"])
    ));
    // Every checkpoint is listed with its note.
    let list = app.get("/api/v1/audit/log/checkpoints", None).await.json();
    let sizes: Vec<u64> = list["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tree_size"].as_u64().unwrap())
        .collect();
    assert!(sizes.contains(&first) && sizes.contains(&second));
    assert!(sizes.windows(2).all(|w| w[0] < w[1]));
    // The verifier agrees, and remembers what it saw.
    let state = app.data_dir.path().join("verify-state.json");
    verify(&app, &operator, Some(&state)).await.unwrap();
    assert!(state.exists());
    verify(&app, &operator, Some(&state)).await.unwrap();
}

#[actix_web::test]
async fn bad_proof_and_range_requests_are_refused() {
    let app = spawn_app().await;
    app.published_tender().await;
    let operator = app.platform_operator("平台运营");
    let bidder = app.user("投标", Role::Bidder, "NNG", "投标人");
    // Nothing else happens in this test, so the log stays at this size.
    let size = app.wait_for_log().await;
    for (path, token) in [
        (
            format!(
                "/api/v1/audit/log/proof/inclusion?index=0&tree_size={}",
                size + 1_000
            ),
            None,
        ),
        (
            format!("/api/v1/audit/log/proof/inclusion?index={size}&tree_size={size}"),
            None,
        ),
        (
            format!("/api/v1/audit/log/proof/consistency?first=0&second={size}"),
            None,
        ),
        (
            "/api/v1/audit/log/proof/consistency?first=3&second=2".to_string(),
            None,
        ),
        (
            format!(
                "/api/v1/audit/log/proof/consistency?first=1&second={}",
                size + 1_000
            ),
            None,
        ),
        (
            "/api/v1/audit/log/proof/inclusion?index=-1&tree_size=2".into(),
            None,
        ),
        (
            "/api/v1/audit/log/entries?start=5&end=2".into(),
            Some(&operator),
        ),
        (
            "/api/v1/audit/log/entries?start=abc&end=2".into(),
            Some(&operator),
        ),
        (
            "/api/v1/audit/log/entries?start=0&end=1001".into(),
            Some(&operator),
        ),
        (
            format!("/api/v1/audit/log/entries?start=0&end={}", size + 1),
            Some(&operator),
        ),
        ("/api/v1/audit/log/checkpoints?limit=0".into(), None),
    ] {
        let r = app.get(&path, token.map(|t| t.as_str())).await;
        let problem = r.assert_problem(400, "invalid-query");
        assert!(problem["detail"].as_str().is_some(), "{path}");
    }
    // Said for the portal: how far the log goes.
    let params = app
        .get(
            &format!("/api/v1/audit/log/entries?start=0&end={}", size + 1),
            Some(&operator),
        )
        .await
        .assert_refusal(400, "invalid-query", "audit.beyond-log");
    assert_eq!(
        params,
        serde_json::json!({ "name": "end", "value": size + 1, "size": size })
    );
    let params = app
        .get("/api/v1/audit/log/checkpoints?limit=0", None)
        .await
        .assert_refusal(400, "invalid-query", "query.range");
    assert_eq!(
        params,
        serde_json::json!({ "name": "limit", "min": 1, "max": 1000 })
    );
    app.get("/api/v1/audit/log/entries?start=0&end=1", None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/audit/log/entries?start=0&end=1", Some(&bidder))
        .await
        .assert_problem(403, "forbidden");
}

/// Runs SQL straight on the database, as someone with its password would.
fn tamper(app: &TestApp, sql: &str) {
    let sql = sql.to_string();
    app.db
        .write_blocking(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(sql).execute(conn)?;
            Ok(())
        })
        .unwrap();
}

#[actix_web::test]
async fn tampering_in_the_database_is_caught_and_named() {
    let app = spawn_app().await;
    let (_tenderer, _id) = app.published_tender().await;
    let operator = app.platform_operator("平台运营");
    let size = app.wait_for_log().await;
    verify(&app, &operator, None).await.unwrap();
    // A row changed.
    let k = size / 2;
    tamper(
        &app,
        &format!("UPDATE audit_events SET action = 'tender.withdraw' WHERE leaf_index = {k}"),
    );
    let err = verify(&app, &operator, None).await.unwrap_err();
    assert!(
        err.contains(&format!("entry {k} ")) && err.contains("changed in the database"),
        "{err}"
    );
    assert!(err.contains("is not what the checkpoint of "), "{err}");
    // A row deleted.
    let fresh = spawn_app().await;
    fresh.published_tender().await;
    let op = fresh.platform_operator("平台运营");
    let size = fresh.wait_for_log().await;
    tamper(
        &fresh,
        &format!("DELETE FROM audit_events WHERE leaf_index = {}", size - 2),
    );
    let err = verify(&fresh, &op, None).await.unwrap_err();
    assert!(
        err.contains(&format!("entry {} is missing", size - 2)),
        "{err}"
    );
    // A row inserted afterwards, dated before its time.
    let other = spawn_app().await;
    other.published_tender().await;
    let op = other.platform_operator("平台运营");
    other.wait_for_log().await;
    tamper(
        &other,
        "INSERT INTO audit_events (occurred_at, actor_role, action, object_type, object_id, payload_sha256) \
         VALUES ('2020-01-01 00:00:00', 'operator', 'tender.publish', 'tender', 'forged', 'ab')",
    );
    let size = other.wait_for_log().await;
    let err = verify(&other, &op, None).await.unwrap_err();
    assert!(
        err.contains(&format!("entry {} claims a time", size - 1))
            && err.contains("inserted afterwards"),
        "{err}"
    );
    // The same row dated at the first checkpoint, and every checkpoint
    // between that one and the latest deleted, so that the row seems to have
    // joined the log on time: the broken chain of checkpoints gives it away.
    let last = spawn_app().await;
    last.published_tender().await;
    let op = last.platform_operator("平台运营");
    last.wait_for_log().await;
    tamper(
        &last,
        "INSERT INTO audit_events (occurred_at, actor_role, action, object_type, object_id, payload_sha256) \
         SELECT signed_at, 'operator', 'tender.publish', 'tender', 'forged', 'ab' \
         FROM audit_checkpoints ORDER BY tree_size LIMIT 1",
    );
    let size = last.wait_for_log().await;
    let wiped = last
        .db
        .write_blocking(move |conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(format!(
                "DELETE FROM audit_checkpoints WHERE tree_size < {size} \
                 AND tree_size > (SELECT MIN(tree_size) FROM audit_checkpoints)"
            ))
            .execute(conn)?)
        })
        .unwrap();
    assert!(wiped > 0, "no checkpoint between the first and the latest");
    let err = verify(&last, &op, None).await.unwrap_err();
    assert!(
        err.contains(&format!("the checkpoint of {size} entries follows one of "))
            && err.contains("checkpoints deleted from the database"),
        "{err}"
    );
    assert!(!err.contains("inserted afterwards"), "{err}");
    // The other order: every checkpoint after the first deleted before the
    // row joins, so that the next checkpoint would name the first as the
    // one before it. The sequencer refuses to sign over the gap: the row
    // never joins the log, and nothing new is signed.
    let other = spawn_app().await;
    other.published_tender().await;
    other.wait_for_log().await;
    let wiped = other
        .db
        .write_blocking(|conn| {
            use diesel::RunQueryDsl;
            let n = diesel::sql_query(
                "DELETE FROM audit_checkpoints \
                 WHERE tree_size > (SELECT MIN(tree_size) FROM audit_checkpoints)",
            )
            .execute(conn)?;
            diesel::sql_query(
                "INSERT INTO audit_events (occurred_at, actor_role, action, object_type, object_id, payload_sha256) \
                 SELECT signed_at, 'operator', 'tender.publish', 'tender', 'forged', 'ab' \
                 FROM audit_checkpoints ORDER BY tree_size LIMIT 1",
            )
            .execute(conn)?;
            Ok(n)
        })
        .unwrap();
    assert!(wiped > 0, "no checkpoint after the first");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(other.count("audit_events WHERE leaf_index IS NULL"), 1);
    assert_eq!(other.count("audit_checkpoints"), 1);
}

#[actix_web::test]
async fn a_rewritten_log_is_caught_by_the_remembered_checkpoint() {
    let app = spawn_app().await;
    app.published_tender().await;
    let operator = app.platform_operator("平台运营");
    app.wait_for_log().await;
    let state = app.data_dir.path().join("state.json");
    verify(&app, &operator, Some(&state)).await.unwrap();
    let seen = app.wait_for_log().await;
    // Someone with the database and the log's key rebuilds the log without
    // one event: everything after is self-consistent and signed, but not
    // with what the supervisor saw.
    app.db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::{
                audit_checkpoints, audit_events, audit_log_head, audit_tree_nodes,
            };
            diesel::delete(audit_checkpoints::table).execute(conn)?;
            diesel::delete(audit_tree_nodes::table).execute(conn)?;
            let first: i64 = audit_events::table
                .select(audit_events::seq)
                .order(audit_events::seq.asc())
                .first(conn)?;
            diesel::delete(audit_events::table.find(first)).execute(conn)?;
            diesel::update(audit_events::table)
                .set(audit_events::leaf_index.eq(None::<i64>))
                .execute(conn)?;
            diesel::update(audit_log_head::table)
                .set((
                    audit_log_head::tree_size.eq(0i64),
                    audit_log_head::root_hash.eq(merkle::empty_root().to_vec()),
                ))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    // Two more events, so the rebuilt log is larger than the one seen.
    app.user("甲", Role::Bidder, "NNG", "投标人甲");
    app.user("乙", Role::Bidder, "NNG", "投标人乙");
    let rebuilt = app.wait_for_log().await;
    assert!(rebuilt > seen);
    // Without the memory of the first run, the rebuilt log looks fine...
    verify(&app, &operator, None).await.unwrap();
    // ...with it, the rewrite shows; from an export of the rewritten log
    // too, offline.
    let err = verify(&app, &operator, Some(&state)).await.unwrap_err();
    assert!(
        err.contains(&format!(
            "checkpoint of {seen} entries seen last time is not consistent"
        )) && err.contains(&format!(
            "checkpoint of {seen} entries seen last time is no longer listed"
        )),
        "{err}"
    );
    let export = app.data_dir.path().join("export.json");
    let (url, token) = (app.base.clone(), operator.clone());
    let offline = actix_web::rt::task::spawn_blocking(move || {
        let opts = |url: Option<String>,
                    from: Option<std::path::PathBuf>,
                    export: Option<std::path::PathBuf>,
                    state: Option<std::path::PathBuf>| {
            ggzy::audit::verify::Options {
                url,
                token: Some(token.clone()),
                ca_file: None,
                vkey: None,
                state,
                export,
                from_export: from,
            }
        };
        // An export checked without the memory verifies; with it, not.
        ggzy::audit::verify::run(opts(Some(url), None, Some(export.clone()), None)).unwrap();
        ggzy::audit::verify::run(opts(None, Some(export), None, Some(state)))
            .map_err(|e| format!("{e:#}"))
    })
    .await
    .unwrap();
    let err = offline.unwrap_err();
    assert!(err.contains("not consistent with these entries"), "{err}");
}

#[actix_web::test]
async fn a_backlog_larger_than_a_round_is_appended_in_rounds() {
    let app = spawn_app().await;
    app.leagues();
    let operator = app.platform_operator("平台运营");
    // More events at once than one round of the sequencer takes (as after
    // an upgrade, or a burst): they join in several rounds, without a gap.
    let backlog = 2 * ggzy::audit::tlog::BATCH as usize + 500;
    let ctx = ggzy::audit::AuditContext::system(app.now());
    app.db
        .write_blocking(move |conn| {
            for n in 0..backlog {
                ggzy::audit::record(conn, &ctx, "test.burst", "test", &n.to_string(), None, &n)?;
            }
            Ok(())
        })
        .unwrap();
    let size = app.wait_for_log().await;
    assert_eq!(size as i64, app.count("audit_events"));
    assert!(size as usize > backlog);
    verify(&app, &operator, None).await.unwrap();
}

#[actix_web::test]
async fn concurrent_appends_stay_ordered_and_gap_free() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let operator = app.platform_operator("平台运营");
    let before = app.count("audit_events");
    let requests = (0..40).map(|n| {
        let (app, tenderer, id) = (&app, &tenderer, &id);
        async move {
            app.post_json(
                &format!("/api/v1/tenders/{id}/amendments"),
                Some(tenderer),
                &serde_json::json!({"title": format!("更正{n}"), "body": "内容", "changes_bids": false}),
            )
            .await
            .assert_status(201);
        }
    });
    futures_util::future::join_all(requests).await;
    assert_eq!(app.count("audit_events"), before + 40);
    let size = app.wait_for_log().await;
    assert_eq!(size as i64, before + 40);
    assert_eq!(app.count("audit_events WHERE leaf_index IS NULL"), 0);
    #[derive(diesel::QueryableByName)]
    struct Span {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        lo: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        hi: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let span = app
        .db
        .write_blocking(|conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(
                "SELECT MIN(leaf_index) AS lo, MAX(leaf_index) AS hi, COUNT(DISTINCT leaf_index) AS n FROM audit_events",
            )
            .get_result::<Span>(conn)?)
        })
        .unwrap();
    assert_eq!(
        (span.lo, span.hi, span.n),
        (0, size as i64 - 1, size as i64)
    );
    verify(&app, &operator, None).await.unwrap();
}

#[actix_web::test]
async fn a_state_change_without_its_audit_event_cannot_commit() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("招标", Role::Tenderer, "NNG", "南宁市教育局");
    // The audit insert fails (as a crash between the two would leave it):
    // the tender it belongs to must not be there either.
    let postgres = std::env::var("GGZY_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"));
    if postgres {
        tamper(
            &app,
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql",
        );
        tamper(
            &app,
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        );
    } else {
        tamper(
            &app,
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
        );
    }
    let tenders = app.count("tenders");
    let body = app.tender_body("无审计");
    let r = app
        .post_json("/api/v1/tenders", Some(&tenderer), &body)
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(
        app.count("tenders"),
        tenders,
        "the tender was not kept without its event"
    );
    tamper(
        &app,
        if postgres {
            "DROP TRIGGER refuse_audit ON audit_events"
        } else {
            "DROP TRIGGER refuse_audit"
        },
    );
    app.post_json("/api/v1/tenders", Some(&tenderer), &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn the_sequencer_will_not_build_on_altered_nodes() {
    let app = spawn_app().await;
    app.published_tender().await;
    let size = app.wait_for_log().await;
    // A stored subtree on the log's right edge changed in the database:
    // appending on it would sign a tree nobody can reconcile with the
    // checkpoints already given out.
    let edge = ggzy::audit::merkle::frontier(size)[0];
    tamper(
        &app,
        &format!(
            "UPDATE audit_tree_nodes SET hash = \
             (SELECT hash FROM audit_tree_nodes WHERE level = 0 AND idx = {}) \
             WHERE level = {} AND idx = {}",
            size - 1,
            edge.level,
            edge.index
        ),
    );
    app.user("之后", Role::Bidder, "NNG", "之后的公司");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        latest(&app).await.size,
        size,
        "nothing appended on altered nodes"
    );
    assert!(app.count("audit_events WHERE leaf_index IS NULL") > 0);
}
