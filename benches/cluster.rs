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

mod support;

use futures_util::StreamExt;
use ggzy::audit::AuditContext;
use ggzy::clock::{Clock, OffsetClock};
use ggzy::config::ConfigArgs;
use ggzy::identity::Role;
use ggzy::identity::store::{NewUser, create_user, find_or_create_organisation};
use ggzy::types::{LeagueCode, TenderId};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Arrivals = Arc<Mutex<HashMap<i64, Instant>>>;

fn main() {
    if std::env::var("GGZY_BENCH_DATABASE_URL").is_err() {
        // SAFETY: set before any thread of this process starts.
        unsafe {
            std::env::set_var(
                "GGZY_BENCH_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/postgres",
            )
        };
    }
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

    // A published tender to watch.
    let tenderer = {
        let league = LeagueCode::parse("NNG").expect("NNG");
        let ctx = AuditContext::system(clock.now());
        db.write_blocking(|conn| {
            ggzy::leagues::insert(
                conn,
                &ctx,
                &ggzy::leagues::League {
                    code: league.clone(),
                    name: "南宁市公共资源交易中心".into(),
                    name_en: "Nanning centre".into(),
                    parent_region: "GX".into(),
                },
            )?;
            let org = find_or_create_organisation(conn, &ctx, &league, "南宁市教育局", None)?;
            let new = NewUser {
                name: "采购科",
                roles: &[Role::Tenderer],
                league: Some(&league),
                organisation: Some(&org),
            };
            let (id, token) = create_user(conn, &ctx, &new, None)?;
            // A custodian of its tenders' opening keys (publication needs
            // one besides the platform): a certificate on record.
            let key =
                openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
            let now = clock.now();
            let cert = ggzy::opening::custody::self_signed(
                &key,
                "bench custodian",
                now - chrono::Duration::days(1),
                now + chrono::Duration::days(400),
            )
            .expect("a custodian certificate");
            let der = cert.to_der().expect("DER");
            ggzy::opening::store::record_custody_certificate(conn, &id, &der, now)?;
            Ok(token)
        })
        .expect("tenderer")
    };
    let tender = publish_tender(&client, &base_a, &tenderer, clock.now()).await;

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

async fn publish_tender(
    client: &awc::Client,
    base: &str,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    use chrono::Duration as Span;
    let body = json!({
        "title": "集群扇出基准",
        "description": "benchmark",
        "category": "government_procurement",
        "method": "open_tendering",
        "budget": {"amount_fen": 150_000_000, "currency": "CNY"},
        "lots": [{"title": "第一包", "budget_fen": 150_000_000}],
        "evaluation": {
            "method": "comprehensive_scoring",
            "criteria": [
                {"code": "tech", "name": "技术", "kind": "technical", "weight": 70},
                {"code": "price", "name": "价格", "kind": "price", "weight": 30}
            ],
            "price_formula": {"kind": "lowest_price_base"}
        },
        "dates": {
            "documents_available_at": (now + Span::hours(1)).to_rfc3339(),
            "clarification_deadline": (now + Span::days(15)).to_rfc3339(),
            "bid_deadline": (now + Span::days(25)).to_rfc3339(),
            "publicity_days": 3
        }
    });
    let mut r = client
        .post(format!("{base}/api/v1/tenders"))
        .bearer_auth(token)
        .send_json(&body)
        .await
        .expect("draft");
    assert_eq!(r.status().as_u16(), 201, "{:?}", r.body().await);
    let id = r.json::<Value>().await.expect("draft JSON")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut r = client
        .post(format!("{base}/api/v1/tenders/{id}/transitions"))
        .bearer_auth(token)
        .send_json(&json!({"action": "publish", "reason": ""}))
        .await
        .expect("publish");
    assert_eq!(r.status().as_u16(), 200, "{:?}", r.body().await);
    id
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
