//! Two nodes of one platform on one PostgreSQL database: this process's
//! server (node A, the test's own) and the real binary started beside it
//! (node B, `GGZY_NODE_ID=b`), given the same keys and files. Live events
//! committed on either node reach the other's watchers within a second, in
//! order and once; `/readyz` names the nodes; the cluster's duties pass to
//! B when A stops. (Several nodes share PostgreSQL only: on SQLite these
//! tests have nothing to run.)

use crate::hall::{next_event, until_live};
use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How soon another node's commit must reach a watcher.
const CROSSING: Duration = Duration::from_secs(1);

/// Node B: the real binary on node A's database, keys and files.
pub struct NodeB {
    child: Child,
    pub base: String,
    _own: tempfile::TempDir,
}

impl Drop for NodeB {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start_b(app: &TestApp) -> NodeB {
    // As a second machine is set up: a data folder of its own, the
    // platform's key set and the shared folder (here, A's folders).
    let own = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ggzy"));
    command
        .arg("serve")
        .env("DATABASE_URL", app.database_url())
        .env("GGZY_DATA_DIR", own.path())
        .env("GGZY_KEYS_DIR", app.data_dir.path().join("keys"))
        .env("GGZY_SHARED_DIR", app.data_dir.path())
        .env("GGZY_NODE_ID", "b")
        .env("GGZY_DEMO_DATA", "false")
        .env("GGZY_LOG", "warn")
        .stderr(Stdio::inherit());
    let (mut child, address) = crate::helpers::spawn_on_any_port(command);
    let base = crate::helpers::printed_address(&mut child, &address).await;
    let mut node = NodeB {
        child,
        base: base.expect("node B listens"),
        _own: own,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = node.child.try_wait().unwrap() {
            panic!("node B stopped while starting: {status}");
        }
        if readyz(&app.client, &node.base).await.is_some() {
            return node;
        }
        assert!(Instant::now() < deadline, "node B did not become ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn readyz(client: &awc::Client, base: &str) -> Option<Value> {
    let mut r = client.get(format!("{base}/readyz")).send().await.ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json().await.ok()
}

fn is_postgres(app: &TestApp) -> bool {
    app.database_url().starts_with("postgres")
}

async fn watch_on(base: &str, tender: &str) -> crate::hall::Ws {
    let url = format!(
        "{}/api/v1/tenders/{tender}/hall/live?after=0",
        base.replacen("http", "ws", 1)
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("watch the hall")
        .0
}

/// Commits one hall event on node A, as any module of A does (stored, then
/// published to A's own hub after the commit; announced to the others).
async fn commit_on_a(app: &TestApp, tender: &str, n: i64) {
    let id = ggzy::types::TenderId::from_db(tender.to_string());
    let now = app.now();
    ggzy::hall::write_then_publish(&app.db, &app.hall.hub, move |conn| {
        let event = ggzy::hall::store::append(conn, &id, "test.tick", &json!({ "n": n }), now)?;
        Ok(((), vec![event]))
    })
    .await
    .expect("a hall event committed on A");
}

#[actix_web::test]
async fn hall_events_cross_nodes_within_a_second_in_order_and_once() {
    let app = spawn_app().await;
    if !is_postgres(&app) {
        return;
    }
    let b = start_b(&app).await;
    let (token, tender) = app.published_tender().await;
    let mut on_a = watch_on(&app.base, &tender).await;
    let mut on_b = watch_on(&b.base, &tender).await;
    let (replayed_a, last_a) = until_live(&mut on_a).await;
    let (replayed_b, last_b) = until_live(&mut on_b).await;
    assert_eq!((last_a, last_b), (1, 1), "the publication, seen by both");
    assert_eq!(replayed_a, replayed_b);

    // Twenty commits on A, one at a time: B's watcher hears each within a
    // second of its commit, numbered 2, 3, … and nothing twice.
    let mut slowest = Duration::ZERO;
    for n in 2..=21 {
        let committed = Instant::now();
        commit_on_a(&app, &tender, n).await;
        let event = tokio::time::timeout(CROSSING, next_event(&mut on_b))
            .await
            .unwrap_or_else(|_| panic!("event {n} committed on A did not reach B within a second"));
        slowest = slowest.max(committed.elapsed());
        assert_eq!(event["seq"], n, "{event}");
        assert_eq!(event["kind"], "test.tick");
        assert_eq!(event["payload"]["n"], n);
        assert_eq!(next_event(&mut on_a).await["seq"], n);
    }
    // A burst: B hears all of it, in order.
    for n in 22..=61 {
        commit_on_a(&app, &tender, n).await;
    }
    for n in 22..=61 {
        let event = tokio::time::timeout(CROSSING * 5, next_event(&mut on_b))
            .await
            .expect("the burst reaches B");
        assert_eq!(event["seq"], n, "{event}");
        assert_eq!(next_event(&mut on_a).await["seq"], n);
    }

    // The other way: a commit through B (cancelling the tender) reaches
    // A's watcher.
    let committed = Instant::now();
    let mut r = app
        .client
        .post(format!("{}/api/v1/tenders/{tender}/transitions", b.base))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(&json!({"action": "cancel", "reason": "采购需求变更"}))
        .await
        .expect("cancel through B");
    assert_eq!(r.status().as_u16(), 200, "{:?}", r.body().await);
    let event = tokio::time::timeout(CROSSING, next_event(&mut on_a))
        .await
        .expect("B's commit reaches A within a second");
    assert_eq!(event["seq"], 62, "{event}");
    assert_eq!(event["kind"], "tender.status");
    assert_eq!(next_event(&mut on_b).await["seq"], 62);
    assert!(committed.elapsed() < CROSSING * 2);

    // Nothing more comes to either: no event twice.
    for ws in [&mut on_a, &mut on_b] {
        let more = tokio::time::timeout(Duration::from_millis(500), next_event(ws)).await;
        assert!(more.is_err(), "an event came twice: {:?}", more.ok());
    }
    eprintln!("slowest crossing A→B: {slowest:?}");
}

#[actix_web::test]
async fn readyz_names_the_nodes_and_the_duties_pass_when_their_holder_stops() {
    let mut app = spawn_app().await;
    if !is_postgres(&app) {
        return;
    }
    let b = start_b(&app).await;
    // Both beat within two seconds of starting; A, started first, takes
    // the duties and B waits.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (on_a, on_b) = loop {
        let a = readyz(&app.client, &app.base).await.expect("A ready");
        let on_b = readyz(&app.client, &b.base).await.expect("B ready");
        if a["peers"].as_array().unwrap().len() == 2
            && on_b["peers"].as_array().unwrap().len() == 2
            && a["duties"] == true
        {
            break (a, on_b);
        }
        assert!(
            Instant::now() < deadline,
            "the nodes never saw each other, or A never took the duties: {a} {on_b}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(on_b["node_id"], "b");
    assert_ne!(on_a["node_id"], "b");
    assert_eq!(on_a["bus_connected"], true);
    assert_eq!(on_b["bus_connected"], true);
    assert_eq!(on_b["duties"], false, "{on_b}");
    let listed: Vec<&str> = on_b["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["listen"].as_str().unwrap())
        .collect();
    assert!(
        listed.contains(&b.base.trim_start_matches("http://")),
        "{listed:?}"
    );
    assert!(
        listed.contains(&app.base.trim_start_matches("http://")),
        "{listed:?}"
    );

    // A stops: B takes the duties up within seconds, and its sequencer
    // puts what is recorded through B on the audit log.
    app.stop().await;
    let stopped = Instant::now();
    loop {
        let on_b = readyz(&app.client, &b.base).await.expect("B ready");
        if on_b["duties"] == true {
            break;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(5),
            "B did not take the duties up: {on_b}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The checkpoint is a signed note: origin, then the tree's size.
    let size = |note: &str| {
        note.lines()
            .nth(1)
            .and_then(|l| l.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let checkpoint = |base: String| {
        let client = app.client.clone();
        async move {
            let mut r = client
                .get(format!("{base}/api/v1/audit/log/checkpoint"))
                .send()
                .await
                .expect("the checkpoint");
            String::from_utf8_lossy(&r.body().await.unwrap_or_default()).into_owned()
        }
    };
    let before = size(&checkpoint(b.base.clone()).await);
    let operator = app.platform_operator("运维");
    let mut r = app
        .client
        .post(format!("{}/api/v1/leagues", b.base))
        .insert_header(("Authorization", format!("Bearer {operator}")))
        .send_json(&json!({
            "code": "HCH",
            "name": "河池市公共资源交易中心",
            "name_en": "Hechi Public Resource Trading Centre",
            "parent_region": "450000"
        }))
        .await
        .expect("a league through B");
    assert_eq!(r.status().as_u16(), 201, "{:?}", r.body().await);
    let deadline = Instant::now() + Duration::from_secs(10);
    while size(&checkpoint(b.base.clone()).await) <= before {
        assert!(
            Instant::now() < deadline,
            "B's sequencer did not log the change"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
