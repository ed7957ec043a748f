//! Publication against everyone else's writes, in one process.
//!
//! The real server (`startup::prepare` + `Application`, its own worker
//! threads, the demo leagues, SQLite in a temporary folder or a fresh
//! PostgreSQL database) and an HTTP client (awc) on the main thread.
//! Publishing a tender makes its RSA-3072 opening key pair; it used to be
//! made inside the publication's write transaction, so every other write
//! waited for it. Now pairs are made ahead (`opening::keypool`).
//!
//! 1. **Baseline**: `WRITERS` tenderers each create `DRAFTS` drafts, one
//!    after another, nothing else running. Latency per draft.
//! 2. **With publications**: the same writers create drafts while `N`
//!    tenders are published one after another, 250 ms apart (the pool full
//!    beforehand, as on a server that has been up a while); each writer goes
//!    on until the publications are done and it has made `DRAFTS` drafts.
//!    Reported for the whole phase and for the drafts begun while a
//!    publication was under way.
//! 3. **A burst beyond the pool**: `2 × POOL_SIZE` publications at once,
//!    the same writers; publications that find no pair ready make their own
//!    inside the transaction, as before, and the drafts show it.
//!
//! For each: drafts' p50 / p99 / max, and the ratio to the baseline.
//! `cargo bench --bench publish`; `GGZY_BENCH_PUBLISH=N` (default 6),
//! `GGZY_BENCH_ONLY=pool|burst`, `GGZY_BENCH_DATABASE_URL=postgres://…/postgres`.

mod support;

use awc::Client;
use chrono::{DateTime, Duration as Span, Utc};
use ggzy::audit::AuditContext;
use ggzy::clock::{Clock, OffsetClock};
use ggzy::config::ConfigArgs;
use ggzy::db::Db;
use ggzy::identity::Role;
use ggzy::identity::store::{NewUser, create_user, find_or_create_organisation};
use ggzy::opening::keypool;
use ggzy::types::LeagueCode;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use serde_json::{Value, json};
use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WRITERS: usize = 4;
const DRAFTS: usize = 40;
/// Between publications in turn: they spread over the writers' run.
const PAUSE: Duration = Duration::from_millis(250);

struct Server {
    base: String,
    client: Client,
    clock: Arc<OffsetClock>,
    db: Db,
}

fn start(dir: &Path, database_url: &str) -> Server {
    let args = ConfigArgs {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(database_url.into()),
        data_dir: Some(dir.to_path_buf()),
        demo_data: Some(true),
        log_filter: Some("error".into()),
        ..Default::default()
    };
    let config = args.resolve().expect("configuration");
    ggzy::telemetry::init(&config);
    let clock = Arc::new(OffsetClock::default());
    let state = ggzy::startup::prepare(config, clock.clone()).expect("prepare");
    let db = state.db.clone();
    let app = ggzy::startup::Application::build(state).expect("build");
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run());
    let client = Client::builder()
        .connector(
            awc::Connector::new()
                .limit(0)
                .conn_keep_alive(Duration::from_secs(3)),
        )
        .timeout(Duration::from_secs(300))
        .finish();
    Server {
        base,
        client,
        clock,
        db,
    }
}

impl Server {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn post_json(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let mut resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .send_json(body)
            .await
            .expect("request");
        let body = resp.body().limit(1 << 24).await.expect("body");
        (
            resp.status().as_u16(),
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        )
    }

    /// A user with a token, as `ggzy users add` makes one.
    fn user(&self, name: &str, role: Role, org: &str) -> (String, ggzy::types::UserId) {
        let league = LeagueCode::parse("NNG").expect("NNG");
        let ctx = AuditContext::system(self.now());
        self.db
            .write_blocking(|conn| {
                let org = find_or_create_organisation(conn, &ctx, &league, org, None)?;
                let new = NewUser {
                    name,
                    roles: &[role],
                    league: Some(&league),
                    organisation: Some(&org),
                };
                let (id, token) = create_user(conn, &ctx, &new, None)?;
                Ok((token, id))
            })
            .expect("user")
    }

    fn draft_body(&self, title: &str) -> Value {
        let now = self.now();
        json!({
            "title": title,
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
        })
    }

    async fn draft(&self, token: &str, title: &str) -> String {
        let (status, body) = self
            .post_json("/api/v1/tenders", token, &self.draft_body(title))
            .await;
        assert_eq!(status, 201, "draft: {body}");
        body["id"].as_str().expect("id").to_string()
    }

    async fn publish(&self, token: &str, id: &str) {
        let (status, body) = self
            .post_json(
                &format!("/api/v1/tenders/{id}/transitions"),
                token,
                &json!({"action": "publish", "reason": ""}),
            )
            .await;
        assert_eq!(status, 200, "publish: {body}");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Figures {
    n: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn figures(mut latencies: Vec<Duration>) -> Figures {
    latencies.sort();
    Figures {
        n: latencies.len(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(label: &str, f: &Figures, base: Option<&Figures>) {
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    match base {
        None => println!(
            "{label:<34} {:>4} drafts  p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms",
            f.n,
            ms(f.p50),
            ms(f.p99),
            ms(f.max)
        ),
        Some(b) => println!(
            "{label:<34} {:>4} drafts  p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms  \
             (× baseline: p50 {:.2}, p99 {:.2}, max {:.2})",
            f.n,
            ms(f.p50),
            ms(f.p99),
            ms(f.max),
            ratio(f.p50, b.p50),
            ratio(f.p99, b.p99),
            ratio(f.max, b.max)
        ),
    }
}

/// Each writer makes drafts until `busy` says stop and it has made at least
/// `DRAFTS`: every draft's latency, and those of the drafts begun while
/// `busy` (publications running).
async fn writers(
    s: &Server,
    tokens: &[String],
    busy: &Cell<bool>,
    tag: &str,
) -> (Vec<Duration>, Vec<Duration>) {
    let runs = tokens.iter().enumerate().map(|(w, token)| async move {
        let mut out = Vec::new();
        let mut i = 0;
        while out.len() < DRAFTS || busy.get() {
            let during = busy.get();
            let began = Instant::now();
            s.draft(token, &format!("{tag} 草稿 {w}-{i}")).await;
            out.push((began.elapsed(), during));
            i += 1;
        }
        out
    });
    let all: Vec<(Duration, bool)> = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .flatten()
        .collect();
    let during = all.iter().filter(|(_, d)| *d).map(|(l, _)| *l).collect();
    (all.into_iter().map(|(l, _)| l).collect(), during)
}

/// Waits until the pool has every pair ready (a server up for a while).
async fn pool_full() -> Duration {
    let began = Instant::now();
    while keypool::shared().stats().ready < keypool::POOL_SIZE {
        assert!(
            began.elapsed() < Duration::from_secs(300),
            "the key pool did not fill"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    began.elapsed()
}

/// Publishes `ids`, `at_once` at a time, `pause` between groups; returns
/// each publication's time.
async fn publications(
    s: &Server,
    token: &str,
    ids: &[String],
    at_once: usize,
    pause: Duration,
    busy: &Cell<bool>,
) -> Vec<Duration> {
    let mut times = Vec::new();
    for (i, group) in ids.chunks(at_once.max(1)).enumerate() {
        if i > 0 {
            actix_web::rt::time::sleep(pause).await;
        }
        let runs = group.iter().map(|id| async move {
            let began = Instant::now();
            s.publish(token, id).await;
            began.elapsed()
        });
        times.extend(futures_util::future::join_all(runs).await);
    }
    busy.set(false);
    times
}

async fn run() {
    let n: usize = std::env::var("GGZY_BENCH_PUBLISH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let only = std::env::var("GGZY_BENCH_ONLY").ok();
    let wants = |step: &str| only.as_deref().is_none_or(|o| o == step);
    let dir = tempfile::tempdir().expect("temp dir");
    let database = support::BenchDatabase::new(dir.path(), "ggzy_bench_publish");
    let s = start(dir.path(), &database.url);
    println!(
        "publication bench on {} ({} cores): {WRITERS} writers × at least {DRAFTS} drafts; \
         key pool of {}",
        database.backend(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        keypool::POOL_SIZE
    );
    // The publisher holds a custody certificate (its share goes there).
    let (publisher, publisher_id) = s.user("采购科", Role::Tenderer, "南宁市教育局");
    let now = s.now();
    let custody_key = PKey::from_rsa(Rsa::generate(2048).expect("RSA")).expect("key");
    let custody_cert = ggzy::opening::custody::self_signed(
        &custody_key,
        "采购科",
        now - Span::hours(1),
        now + Span::days(365),
    )
    .expect("custody certificate");
    let der = custody_cert.to_der().expect("der");
    s.db.write_blocking(|conn| {
        ggzy::opening::store::record_custody_certificate(conn, &publisher_id, &der, now)
    })
    .expect("custody certificate");
    let tokens: Vec<String> = (0..WRITERS)
        .map(|w| {
            s.user(&format!("写入者{w}"), Role::Tenderer, &format!("单位{w}"))
                .0
        })
        .collect();
    // Warm-up (connections, caches), untimed.
    for token in &tokens {
        s.draft(token, "预热").await;
    }

    let idle = Cell::new(false);
    let baseline = figures(writers(&s, &tokens, &idle, "基线").await.0);
    report("baseline (no publication)", &baseline, None);

    let bench = Bench {
        s: &s,
        tokens: &tokens,
        publisher: &publisher,
    };
    if wants("pool") {
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(s.draft(&publisher, &format!("发布 {i}")).await);
        }
        let waited = pool_full().await;
        let label = format!("phase with {n} publications, in turn");
        phase(&bench, &ids, 1, "发布中", &label, &baseline).await;
        println!(
            "  (the pool filled in {:.1} s before)",
            waited.as_secs_f64()
        );
    }

    if wants("burst") {
        let burst = 2 * keypool::POOL_SIZE;
        let mut ids = Vec::new();
        for i in 0..burst {
            ids.push(s.draft(&publisher, &format!("突发 {i}")).await);
        }
        pool_full().await;
        let label = format!("phase with {burst} publications at once");
        phase(&bench, &ids, burst, "突发中", &label, &baseline).await;
    }
    drop(s);
    drop(database);
}

/// The server, the writers' tokens and the publisher's.
struct Bench<'a> {
    s: &'a Server,
    tokens: &'a [String],
    publisher: &'a str,
}

/// Publishes `ids` (`at_once` at a time, `PAUSE` apart) while the writers
/// create drafts tagged `tag`, and reports both against `baseline`.
async fn phase(
    &Bench {
        s,
        tokens,
        publisher,
    }: &Bench<'_>,
    ids: &[String],
    at_once: usize,
    tag: &str,
    label: &str,
    baseline: &Figures,
) {
    let before = keypool::shared().stats();
    let busy = Cell::new(true);
    let (drafts, published) = futures_util::future::join(
        writers(s, tokens, &busy, tag),
        publications(s, publisher, ids, at_once, PAUSE, &busy),
    )
    .await;
    let after = keypool::shared().stats();
    report(label, &figures(drafts.0), Some(baseline));
    report(
        "  of which begun while publishing",
        &figures(drafts.1),
        Some(baseline),
    );
    let p = figures(published);
    println!(
        "  publications: p50 {:.1} ms, max {:.1} ms; pairs taken ready {}, made on demand \
         (before the transaction) {}",
        ms(p.p50),
        ms(p.max),
        after.taken_ready - before.taken_ready,
        after.made_on_demand - before.made_on_demand,
    );
}

fn main() {
    // Before the PostgreSQL client sets OpenSSL up (see `startup::prepare`).
    openssl::init();
    actix_web::rt::System::new().block_on(run());
}
