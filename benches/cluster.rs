//! Live fan-out across nodes, against the same node's figure in the same run.
//!
//! Two nodes of one platform on one fresh PostgreSQL database: node A is
//! this process (`startup::prepare` + `Application`, as the suite runs it),
//! node B the real binary (`ggzy serve`, release build) on the same
//! database, keys and files. A tender's hall is watched over WebSocket
//! (tokio-tungstenite) by one client on A and one on B. Hall events are
//! committed on A as every module of A commits them (stored in a
//! transaction, announced with NOTIFY inside it, published to A's own hub
//! after the commit). For each event, the latency from the commit's
//! return to its receipt by the watcher on A (the same node: the hub) and
//! by the watcher on B (the other node: PostgreSQL's notification, B's
//! listener, B's read of the event, B's hub):
//!
//! 1. **One at a time**: each event waited for by both watchers before the
//!    next is committed: p50, p99, max.
//! 2. **Burst**: events committed back to back as fast as one writer can,
//!    each watcher's latency per event: p50, p99, max, and that every event
//!    arrived once and in order on both.
//!
//! The ratio is B's figure over A's.
//!
//! `cargo bench --bench cluster`. PostgreSQL only (several nodes share
//! PostgreSQL): `GGZY_BENCH_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) names the server the
//! fresh database is made on. `GGZY_BENCH_QUICK=1`: 100 and 300 events
//! instead of 1,000 and 3,000.

// Of the sealed-bids benches' shared pieces this one takes the tenderer,
// its custody certificate and the tender; the rest (bidders, envelopes)
// it does not use.
#[allow(dead_code)]
#[path = "support/bidding.rs"]
mod bidding;
mod support;

use futures_util::StreamExt;
use ggzy::audit::AuditContext;
use ggzy::clock::{Clock, OffsetClock};
use ggzy::config::ConfigArgs;
use ggzy::identity::Role;
use ggzy::types::{LeagueCode, TenderId};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Arrivals = Arc<Mutex<HashMap<i64, Instant>>>;

fn main() {
    support::postgres_unless_told();
    actix_web::rt::System::new().block_on(run());
}

async fn run() {
    let quick = std::env::var("GGZY_BENCH_QUICK").is_ok_and(|v| v == "1");
    let (single, burst) = if quick { (100, 300) } else { (1000, 3000) };
    let dir = tempfile::tempdir().expect("temp dir");
    let database = support::BenchDatabase::new(dir.path(), "ggzy_bench_cluster");
    assert_eq!(
        database.backend(),
        "PostgreSQL",
        "several nodes share PostgreSQL only"
    );

    // Node A: this process.
    let args = ConfigArgs {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(database.url.clone()),
        data_dir: Some(dir.path().to_path_buf()),
        demo_data: Some(false),
        log_filter: Some("error".into()),
        ..Default::default()
    };
    let config = args.resolve().expect("configuration");
    ggzy::telemetry::init(&config);
    let clock = Arc::new(OffsetClock::default());
    let state = ggzy::startup::prepare(config, clock.clone()).expect("prepare");
    let (db, hub) = (state.db.clone(), state.hall.hub.clone());
    let app = ggzy::startup::Application::build(state).expect("build");
    let base_a = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run());

    // Node B: the real binary on the same database, keys and files.
    let port_b = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // As a second machine: its own data folder, the platform's key set and
    // the shared folder (A's).
    let own = tempfile::tempdir().expect("temp dir");
    let node_b = std::process::Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .arg("serve")
        .env("DATABASE_URL", &database.url)
        .env("GGZY_DATA_DIR", own.path())
        .env("GGZY_KEYS_DIR", dir.path().join("keys"))
        .env("GGZY_SHARED_DIR", dir.path())
        .env("GGZY_NODE_ID", "bench-b")
        .env("GGZY_DEMO_DATA", "false")
        .env("GGZY_LISTEN", format!("127.0.0.1:{port_b}"))
        .env("GGZY_LOG", "error")
        .spawn()
        .expect("start node B");
    // Node B ends with the bench, even one that fails half way.
    let _node_b = KillOnDrop(node_b);
    let base_b = format!("http://127.0.0.1:{port_b}");
    let client = awc::Client::default();
    let started = Instant::now();
    loop {
        let ready = client.get(format!("{base_b}/readyz")).send().await;
        if let Ok(mut r) = ready
            && r.status().is_success()
            && r.json::<Value>()
                .await
                .is_ok_and(|v| v["bus_connected"] == true)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "node B never became ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A published tender to watch: a tenderer of NNG, custodian of its
    // tenders' opening keys (publication needs one besides the platform).
    let now = clock.now();
    db.write_blocking(|conn| {
        ggzy::leagues::insert(
            conn,
            &AuditContext::system(now),
            &ggzy::leagues::League {
                code: LeagueCode::parse("NNG").expect("NNG"),
                name: "南宁市公共资源交易中心".into(),
                name_en: "Nanning centre".into(),
                parent_region: "GX".into(),
            },
        )
    })
    .expect("the NNG league");
    let (tenderer, tenderer_id) = bidding::user(&db, now, "采购科", Role::Tenderer, "南宁市教育局");
    bidding::custody(&db, &tenderer_id, "采购科", now);
    let tender = bidding::Api::new(base_a.clone())
        .tender(
            &tenderer,
            "集群扇出基准",
            now,
            now + chrono::Duration::days(25),
        )
        .await;

    let on_a: Arrivals = Arrivals::default();
    let on_b: Arrivals = Arrivals::default();
    let watchers = [
        watch(&base_a, &tender, on_a.clone()).await,
        watch(&base_b, &tender, on_b.clone()).await,
    ];
    let id = TenderId::from_db(tender.clone());
    let mut seq = 1; // the publication
    let commit = |n: i64| {
        let (db, hub, id, now) = (db.clone(), hub.clone(), id.clone(), clock.now());
        async move {
            ggzy::hall::write_then_publish(&db, &hub, move |conn| {
                let event =
                    ggzy::hall::store::append(conn, &id, "bench.tick", &json!({"n": n}), now)?;
                Ok(((), vec![event]))
            })
            .await
            .expect("commit on A");
            Instant::now()
        }
    };

    println!(
        "cluster fan-out: node A in process, node B `ggzy serve`, one PostgreSQL database ({} events one at a time, {} in a burst)",
        single, burst
    );
    // 1. One at a time.
    let mut committed = HashMap::new();
    for _ in 0..single {
        seq += 1;
        committed.insert(seq, commit(seq).await);
        wait_for(&[&on_a, &on_b], seq).await;
    }
    report("one at a time", &committed, &on_a, &on_b);

    // 2. Burst.
    let mut committed = HashMap::new();
    let first = seq + 1;
    for _ in 0..burst {
        seq += 1;
        committed.insert(seq, commit(seq).await);
    }
    wait_for(&[&on_a, &on_b], seq).await;
    report("burst", &committed, &on_a, &on_b);
    for (name, arrivals) in [("A", &on_a), ("B", &on_b)] {
        let got = arrivals.lock().unwrap();
        let all = (first..=seq).all(|s| got.contains_key(&s));
        assert!(all, "watcher on {name} missed events of the burst");
    }
    for w in watchers {
        w.abort();
    }
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A watcher of the tender's hall that notes when each event arrives; in
/// order and once, or it panics.
async fn watch(base: &str, tender: &str, arrivals: Arrivals) -> tokio::task::JoinHandle<()> {
    let url = format!(
        "{}/api/v1/tenders/{tender}/hall/live?after=0",
        base.replacen("http", "ws", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("watch");
    tokio::spawn(async move {
        let mut last = 0;
        while let Some(Ok(frame)) = ws.next().await {
            let Message::Text(text) = frame else { continue };
            let message: Value = serde_json::from_str(&text).expect("JSON");
            if message["type"] != "event" {
                continue;
            }
            let seq = message["seq"].as_i64().expect("seq");
            assert_eq!(seq, last + 1, "events out of order or twice");
            last = seq;
            arrivals.lock().unwrap().insert(seq, Instant::now());
        }
    })
}

async fn wait_for(watchers: &[&Arrivals], seq: i64) {
    let started = Instant::now();
    while !watchers
        .iter()
        .all(|w| w.lock().unwrap().contains_key(&seq))
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "event {seq} never reached every watcher"
        );
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

fn report(phase: &str, committed: &HashMap<i64, Instant>, on_a: &Arrivals, on_b: &Arrivals) {
    let figures = |arrivals: &Arrivals| {
        let got = arrivals.lock().unwrap();
        let mut ms: Vec<f64> = committed
            .iter()
            .filter_map(|(seq, at)| {
                got.get(seq)
                    .map(|r| r.saturating_duration_since(*at).as_secs_f64() * 1000.0)
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        (at(0.5), at(0.99), *ms.last().unwrap())
    };
    let (a50, a99, amax) = figures(on_a);
    let (b50, b99, bmax) = figures(on_b);
    println!(
        "{phase:>14}: same node (A→A) p50 {a50:.2} ms, p99 {a99:.2} ms, max {amax:.2} ms; \
         across nodes (A→B) p50 {b50:.2} ms, p99 {b99:.2} ms, max {bmax:.2} ms; \
         ratio B/A p50 {:.1}, p99 {:.1}",
        b50 / a50.max(0.001),
        b99 / a99.max(0.001)
    );
}
