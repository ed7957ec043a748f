//! The deadline surge through a balancer: one node against two, same run
//! (issue 19).
//!
//! One fresh PostgreSQL database and one data folder; every node is the
//! real binary (`ggzy serve`, the release build `cargo bench` makes), and
//! HAProxy on loopback is in front (roundrobin, health checks on
//! `/readyz`). Bidders are enterprises with certificates of the demo NNG
//! enterprise CA, signed in through the balancer with a signed challenge;
//! envelopes are made with `bids::envelope::pack` (benches/support/
//! bidding.rs, shared with benches/bids.rs).
//!
//! 1. **One node**: HAProxy → node A. A tender is published, N envelopes
//!    of 1 MiB packed for it and N bidders signed in; then its deadline is
//!    set a little (`GGZY_BENCH_SURGE_MARGIN_SECS`, default 120 s, plus
//!    3 s) after that moment and all N bids are sent at once, each over a
//!    connection of its own, the margin before the deadline.
//! 2. **Two nodes**: node B is started on the same database and data
//!    folder, HAProxy → A and B, and the same on a second tender.
//!
//! The deadlines are real times: the nodes are processes on the system
//! clock, which a bench cannot move, and the law's minimum periods keep a
//! deadline the API accepts 20 days away. So the tender is published with
//! a lawful deadline and then its `bid_deadline` (and the clarification
//! deadline, which may not come after it) is moved in the database, the
//! one shortcut tests/independent/cluster.py also takes.
//!
//! Every bid must be answered 201 with a receipt whose RFC 3161 token
//! verifies over the bid's hash and whose `received_at` is before the
//! deadline, and N bids must be on record. For each configuration:
//! bids/s, latency from the request's first byte to its receipt (p50, p99,
//! max), errors by status, which node served how many; then the ratios
//! two nodes / one node.
//!
//! Both nodes are processes (rather than one in this process, as
//! benches/cluster.rs does): the two configurations then differ only in
//! the number of server processes behind the balancer, and neither node
//! shares a process (allocator, runtime) with the client that packs,
//! sends and checks the bids.
//!
//! `cargo bench --bench surge`. PostgreSQL only (several nodes share
//! PostgreSQL): `GGZY_BENCH_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) names the server the
//! fresh database is made on. `GGZY_BENCH_QUICK=1`: 200 bids instead of
//! 2,000. Needs `haproxy` on PATH (Debian: `apt-get install haproxy`);
//! `GGZY_BENCH_HAPROXY` names another.

#[path = "support/bidding.rs"]
mod bidding;
mod support;

use bidding::{Api, Bidder, MIB, Reply, check_receipt, percentile, secs};
use chrono::{DateTime, Duration as Span, SubsecRound, Utc};
use ggzy::db::Db;
use ggzy::identity::Role;
use openssl::x509::X509;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// From moving the deadline to sending the bids.
const LEAD_SECS: i64 = 3;

fn main() {
    support::postgres_unless_told();
    actix_web::rt::System::new().block_on(run());
}

fn bids() -> usize {
    if std::env::var("GGZY_BENCH_QUICK").is_ok_and(|v| v == "1") {
        200
    } else {
        2_000
    }
}

fn margin() -> Span {
    let secs = std::env::var("GGZY_BENCH_SURGE_MARGIN_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    Span::seconds(secs)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

async fn run() {
    let n = bids();
    // This process holds a connection per bid; the nodes (which inherit
    // the limit) a connection and a file per bid; HAProxy sets its own.
    raise_open_files(4 * n as u64 + 1024);
    let dir = tempfile::tempdir().expect("temp dir");
    let database = support::BenchDatabase::new(dir.path(), "ggzy_bench_surge");
    assert_eq!(
        database.backend(),
        "PostgreSQL",
        "several nodes share PostgreSQL only"
    );
    let haproxy = std::env::var("GGZY_BENCH_HAPROXY").unwrap_or_else(|_| "haproxy".into());
    let version = Command::new(&haproxy)
        .arg("-v")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .expect("haproxy (Debian: apt-get install haproxy; or GGZY_BENCH_HAPROXY)");
    println!(
        "deadline surge through HAProxy: {n} bids of 1 MiB sent at once, one node then two \
         (`ggzy serve`, one PostgreSQL database, one data folder); {} cores; {version}",
        cores()
    );

    // Node A writes the demo data (leagues, the demo CAs, the TSA's keys).
    let node_a = Node::start("a", &database.url, dir.path(), true).await;
    let db = Db::connect(&database.url, 2).expect("database");
    let now = Utc::now();
    let (tenderer, tenderer_id) = bidding::user(&db, now, "采购科", Role::Tenderer, "南宁市教育局");
    let _custodian = bidding::custody(&db, &tenderer_id, "采购科", now);
    let keys_dir = dir.path().join("keys");
    let tsa_root =
        X509::from_pem(&std::fs::read(keys_dir.join("tsa-root.cert.pem")).expect("TSA root"))
            .expect("TSA root PEM");
    let ca = bidding::demo_enterprise_ca(dir.path());
    let t = Instant::now();
    let bidders: Vec<Bidder> = (0..n).map(|i| bidding::enterprise(&ca, i, now)).collect();
    println!(
        "{n} enterprise certificates issued in {}",
        secs(t.elapsed())
    );
    let bench = Bench {
        db: &db,
        data_dir: dir.path(),
        tenderer: &tenderer,
        bidders: &bidders,
        tsa_root: &tsa_root,
    };

    let one = {
        let lb = Balancer::start(&haproxy, dir.path(), "one", &[&node_a]).await;
        bench.surge(&lb, "one node", 90_000_000).await
    };
    let node_b = Node::start("b", &database.url, dir.path(), false).await;
    let two = {
        let lb = Balancer::start(&haproxy, dir.path(), "two", &[&node_a, &node_b]).await;
        bench.surge(&lb, "two nodes", 70_000_000).await
    };

    let cores = cores();
    println!(
        "two nodes / one node: throughput {:.2} ({:.1} against {:.1} bids/s), p99 latency {:.2} ({} against {})",
        two.rate() / one.rate(),
        two.rate(),
        one.rate(),
        two.p99().as_secs_f64() / one.p99().as_secs_f64(),
        secs(two.p99()),
        secs(one.p99()),
    );
    println!(
        "this machine has {cores} core{}: both nodes, HAProxy and this client (which sends every \
         bid) run on the same {cores}{}, so the ratio measures the overhead or benefit of \
         spreading the surge over two processes, not added hardware",
        if cores == 1 { "" } else { "s" },
        if cores == 1 { "" } else { " cores" },
    );
    drop((node_a, node_b));
    drop(db);
    drop(database);
    for outcome in [&one, &two] {
        outcome.assert_all_accepted();
    }
}

// ---------------------------------------------------------------------------
// Nodes and the balancer
// ---------------------------------------------------------------------------

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("port")
        .port()
}

/// A `ggzy serve` process, killed when this is dropped.
struct Node {
    id: String,
    port: u16,
    child: Child,
}

impl Node {
    async fn start(name: &str, database_url: &str, data_dir: &Path, demo: bool) -> Node {
        let port = free_port();
        let id = format!("surge-{name}");
        // The node's environment. Every node has the same database and the
        // same data folder: the keys (keys/: the TSA's, the platform
        // custodian's), the demo CAs (pki-demo/) and the bid files (bids/)
        // are shared through it. When GGZY_KEYS_DIR and GGZY_SHARED_DIR are
        // merged, set those here (the same for every node) and give each
        // node a data folder of its own.
        let child = Command::new(env!("CARGO_BIN_EXE_ggzy"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("GGZY_DATA_DIR", data_dir)
            .env("GGZY_NODE_ID", &id)
            .env("GGZY_DEMO_DATA", demo.to_string())
            .env("GGZY_LISTEN", format!("127.0.0.1:{port}"))
            .env("GGZY_LOG", "error")
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start node {name}: {e}"));
        let mut node = Node { id, port, child };
        let client = awc::Client::default();
        let started = Instant::now();
        loop {
            let ready = client
                .get(format!("http://127.0.0.1:{port}/readyz"))
                .send()
                .await;
            if let Ok(mut r) = ready
                && r.status().is_success()
                && r.json::<Value>()
                    .await
                    .is_ok_and(|v| v["bus_connected"] == true)
            {
                break;
            }
            if let Ok(Some(status)) = node.child.try_wait() {
                panic!("node {name} stopped: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "node {name} never became ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!("node {} ready in {}", node.id, secs(started.elapsed()));
        node
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const HAPROXY_CFG: &str = "\
# Written by benches/surge.rs: HAProxy in front of the bench's nodes.
global
    maxconn 8192

defaults
    mode http
    timeout connect 10s
    # 1 MiB uploads from thousands of clients at once on a loaded machine.
    timeout client 300s
    timeout server 300s
    timeout queue 300s
    # A loaded node answers /readyz late; it is not down for that.
    timeout check 30s
    # A node that refuses the connection: try another (nothing was sent yet).
    option redispatch
    retries 3

frontend surge
    bind 127.0.0.1:{port}
    maxconn 4096
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 3 rise 2 maxconn 4096
    # Which node answered (for the bench's counts).
    http-response set-header X-Served-By %s
{servers}
";

/// HAProxy on loopback in front of `nodes`, stopped when this is dropped.
struct Balancer {
    api: Api,
    addr: String,
    child: Child,
}

impl Balancer {
    async fn start(haproxy: &str, work: &Path, name: &str, nodes: &[&Node]) -> Balancer {
        let port = free_port();
        let servers = nodes
            .iter()
            .map(|n| format!("    server {} 127.0.0.1:{} check", n.id, n.port))
            .collect::<Vec<_>>()
            .join("\n");
        let cfg = work.join(format!("haproxy-{name}.cfg"));
        std::fs::write(
            &cfg,
            HAPROXY_CFG
                .replace("{port}", &port.to_string())
                .replace("{servers}", &servers),
        )
        .expect("HAProxy configuration");
        let check = Command::new(haproxy)
            .arg("-c")
            .arg("-f")
            .arg(&cfg)
            .output()
            .expect("haproxy -c");
        assert!(
            check.status.success(),
            "haproxy -c refused {}: {}{}",
            cfg.display(),
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let log = std::fs::File::create(work.join(format!("haproxy-{name}.log"))).expect("log");
        let child = Command::new(haproxy)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start haproxy");
        let addr = format!("127.0.0.1:{port}");
        let mut lb = Balancer {
            api: Api::new(format!("http://{addr}")),
            addr,
            child,
        };
        // Until requests through the balancer have reached every node.
        let mut seen = std::collections::BTreeSet::new();
        let started = Instant::now();
        while seen.len() < nodes.len() {
            if let Ok(Some(status)) = lb.child.try_wait() {
                panic!("haproxy stopped: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "through HAProxy only {seen:?} answered"
            );
            let ready = lb
                .api
                .client
                .get(format!("{}/readyz", lb.api.base))
                .send()
                .await;
            if let Ok(mut r) = ready
                && r.status().is_success()
                && let Ok(v) = r.json::<Value>().await
                && let Some(id) = v["node_id"].as_str()
            {
                seen.insert(id.to_string());
            } else {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        lb
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Raises this process's soft limit on open files to `want` (or as far
/// as the hard limit allows); the nodes and HAProxy inherit it.
fn raise_open_files(want: u64) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let Some((soft, hard)) = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| {
            let mut f = l["Max open files".len()..].split_whitespace();
            let soft = f.next()?.parse::<u64>().ok()?;
            let hard = f
                .next()
                .and_then(|h| h.parse::<u64>().ok())
                .unwrap_or(u64::MAX);
            Some((soft, hard))
        })
    else {
        return;
    };
    if soft >= want {
        return;
    }
    let to = want.min(hard);
    let raised = Command::new("prlimit")
        .arg("--pid")
        .arg(std::process::id().to_string())
        .arg(format!("--nofile={to}:{hard}"))
        .status()
        .is_ok_and(|s| s.success());
    if !raised || to < want {
        println!(
            "warning: open files limited to {} (wanted {want}); raise it with `ulimit -n {want}`",
            if raised { to } else { soft }
        );
    }
}

// ---------------------------------------------------------------------------
// The surge
// ---------------------------------------------------------------------------

struct Bench<'a> {
    db: &'a Db,
    data_dir: &'a Path,
    tenderer: &'a str,
    bidders: &'a [Bidder],
    tsa_root: &'a X509,
}

/// What one configuration did.
struct Outcome {
    label: &'static str,
    sent: usize,
    wall: Duration,
    /// Of the bids answered 201, sorted.
    latencies: Vec<Duration>,
    /// Everything but 201: the status, or why there was none.
    errors: BTreeMap<String, usize>,
    late: usize,
    on_record: usize,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    fn p99(&self) -> Duration {
        percentile(&self.latencies, 0.99)
    }

    fn assert_all_accepted(&self) {
        assert!(
            self.errors.is_empty(),
            "{}: bids refused: {:?}",
            self.label,
            self.errors
        );
        assert_eq!(self.late, 0, "{}: receipts after the deadline", self.label);
        assert_eq!(self.on_record, self.sent, "{}: bids on record", self.label);
    }
}

impl Bench<'_> {
    async fn surge(&self, lb: &Balancer, label: &'static str, first_price: i64) -> Outcome {
        let n = self.bidders.len();
        let api = &lb.api;
        let now = Utc::now();
        let tender = api
            .tender(
                self.tenderer,
                &format!("截止前集中投标（{label}）"),
                now,
                now + Span::days(25),
            )
            .await;
        let opening = api.opening_cert(&tender).await;
        let t = Instant::now();
        let envelopes = bidding::surge_envelopes(
            self.bidders,
            &self.data_dir.join("bench-surge"),
            first_price,
            &opening,
        );
        let packed = t.elapsed();
        let t = Instant::now();
        let tokens = api.sign_in_all(self.bidders, 50).await;
        println!(
            "{label}: {n} envelopes of {:.2} MiB packed in {}, {n} bidders signed in through HAProxy in {}",
            envelopes[0].len() as f64 / MIB as f64,
            secs(packed),
            secs(t.elapsed())
        );

        // The deadline a little after this moment; the bids sent the
        // margin before it.
        let margin = margin();
        let deadline =
            (Utc::now() + Span::seconds(LEAD_SECS) + margin).trunc_subsecs(0) + Span::seconds(1);
        move_deadline(self.db, &tender, deadline);
        assert_eq!(
            api.deadline(&tender).await,
            deadline,
            "the deadline the nodes read"
        );
        let fire = deadline - margin;
        if let Ok(wait) = (fire - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
        let sent_at = Utc::now();
        let sends = envelopes.iter().zip(&tokens).map(|(bid, token)| {
            let addr = &lb.addr;
            let tender = &tender;
            async move {
                let t = Instant::now();
                let reply = post_bid(addr, token, tender, bid).await;
                (t.elapsed(), reply)
            }
        });
        let wall = Instant::now();
        let results = futures_util::future::join_all(sends).await;
        let wall = wall.elapsed();

        let mut latencies = Vec::new();
        let mut errors = BTreeMap::new();
        let mut served = BTreeMap::<String, usize>::new();
        let mut late = 0;
        for ((took, result), bid) in results.iter().zip(&envelopes) {
            match result {
                Ok((reply, by)) => {
                    *served.entry(by.clone().unwrap_or("?".into())).or_default() += 1;
                    if reply.status == 201 {
                        let receipt = check_receipt(reply, bid, self.tsa_root);
                        let at: DateTime<Utc> =
                            serde_json::from_value(receipt["received_at"].clone())
                                .expect("received_at");
                        if at >= deadline {
                            late += 1;
                        }
                        latencies.push(*took);
                    } else {
                        let what = format!(
                            "{} {}",
                            reply.status,
                            reply.json()["title"].as_str().unwrap_or("")
                        );
                        *errors.entry(what).or_default() += 1;
                    }
                }
                Err(e) => *errors.entry(format!("no reply: {e}")).or_default() += 1,
            }
        }
        latencies.sort();
        let on_record = bidding::bids_on_record(self.db, &tender);
        let outcome = Outcome {
            label,
            sent: n,
            wall,
            latencies,
            errors,
            late,
            on_record,
        };
        let l = &outcome.latencies;
        let figures = if l.is_empty() {
            "no bid accepted".to_string()
        } else {
            format!(
                "{:.1} bids/s; latency p50 {}, p99 {}, max {}",
                outcome.rate(),
                secs(percentile(l, 0.50)),
                secs(outcome.p99()),
                secs(*l.last().expect("a latency")),
            )
        };
        println!(
            "{label}: {n} bids sent at once at {} (deadline {deadline}), all answered in {}: \
             {} × 201 with verified receipts, {late} late, {on_record} on record; {figures}; \
             errors by status: {}; served by {}",
            sent_at.trunc_subsecs(0),
            secs(wall),
            l.len(),
            if outcome.errors.is_empty() {
                "none".to_string()
            } else {
                format!("{:?}", outcome.errors)
            },
            served
                .iter()
                .map(|(node, count)| format!("{node}: {count}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        outcome
    }
}

/// THE ONE SHORTCUT (as tests/independent/cluster.py's move_deadline_pg):
/// the published tender's bid deadline, and its clarification deadline
/// (which may not come after it), set to `deadline` in the database. The
/// nodes read both from the row on every request.
fn move_deadline(db: &Db, tender: &str, deadline: DateTime<Utc>) {
    let moved = db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::tenders;
            let at = ggzy::db::to_db_time(deadline);
            Ok(diesel::update(
                tenders::table
                    .filter(tenders::id.eq(tender))
                    .filter(tenders::status.eq("published")),
            )
            .set((
                tenders::bid_deadline.eq(at),
                tenders::clarification_deadline.eq(at),
            ))
            .execute(conn)?)
        })
        .expect("move the deadline");
    assert_eq!(moved, 1, "tenders whose deadline was moved");
}

/// Sends one bid over a connection of its own, as a lean client would
/// (awc copies a large body into buffers of its own, which takes time on
/// the cores the nodes use); the reply and the node that served it.
async fn post_bid(
    addr: &str,
    token: &str,
    tender: &str,
    bid: &[u8],
) -> std::io::Result<(Reply, Option<String>)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "POST /api/v1/tenders/{tender}/bids HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/pkcs7-mime\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        bid.len()
    );
    let sent = async {
        socket.write_all(head.as_bytes()).await?;
        socket.write_all(bid).await
    }
    .await;
    // A refusal may come (and the connection close) before the whole bid
    // is sent: read what came either way.
    let mut reply = Vec::new();
    let read = socket.read_to_end(&mut reply).await;
    let Some(split) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
        sent?;
        read?;
        return Err(std::io::Error::other("no reply"));
    };
    let head = String::from_utf8_lossy(&reply[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return Err(std::io::Error::other("a chunked reply"));
    }
    Ok((
        Reply {
            status,
            body: reply[split + 4..].to_vec(),
        },
        header("x-served-by"),
    ))
}
