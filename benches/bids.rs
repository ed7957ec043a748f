//! Sealed bids under load, against baselines measured in the same run.
//!
//! One process: the real server (`startup::prepare` + `Application`, its
//! own worker threads, the demo data, SQLite in a temporary folder or a
//! fresh PostgreSQL database) and an HTTP client (awc) on the main thread.
//! Bidders are enterprises with certificates issued by the demo NNG
//! enterprise CA (ECDSA P-256), signed in with a signed challenge as any
//! bidder does; envelopes are made with `bids::envelope::pack` (sign →
//! AES-256-GCM encrypt → sign, OpenSSL's CMS) around real containers.
//!
//! 1. **Ingest**: one large bid (`GGZY_BENCH_INGEST_MIB`, default 1024)
//!    uploaded in one request over a plain socket, MiB/s from the first
//!    byte sent to the receipt; baseline: SHA-256 of the same bytes plus writing them to a
//!    file in the same data folder with an fsync, in this process.
//! 2. **Deadline surge**: 2,000 enterprises each send a 1 MiB bid at once,
//!    the server's clock set to one minute before the deadline; every one
//!    must be answered 201 with a receipt whose RFC 3161 token verifies
//!    over the bid's hash and the bid must be on file before the deadline.
//!    Latency per bid from its request to its receipt: p50, p99, max.
//! 3. **Opening**: 500 bids of 1 MiB on another tender; after the deadline
//!    the custodians release their shares and the time from the last share
//!    to the opening record (every bid decrypted, its signatures, signer
//!    and league recognition verified, the schedule read, each recorded)
//!    is set against `openssl cms -decrypt` run on the same stored
//!    envelopes with the same key (rebuilt from the same shares), one
//!    process per bid as a user of the command line would, and for
//!    reference against OpenSSL's decryption in this process.
//!
//! 4. **A large bid opened** (with step 1, at the end): the ingest bid is opened and
//!    the rise of this process's peak resident memory (server and client
//!    alike) reported against the bid's size.
//!
//! `cargo bench --bench bids`. `GGZY_BENCH_QUICK=1` shrinks the counts
//! (200 surge bids, 50 to open, 64 MiB ingest) to check the bench itself;
//! `GGZY_BENCH_ONLY=ingest|surge|opening` runs one step;
//! `GGZY_BENCH_DATABASE_URL=postgres://…/postgres` runs on a fresh
//! PostgreSQL database made (and dropped) through that one.

#[path = "support/bidding.rs"]
mod bidding;
mod support;

use bidding::{
    Api, Bidder, MIB, Reply, check_receipt, demo_enterprise_ca, documents, enterprise, envelope,
    percentile, secs,
};
use chrono::{DateTime, Duration as Span, SubsecRound, Utc};
use ggzy::bids::envelope;
use ggzy::clock::{Clock, OffsetClock};
use ggzy::config::ConfigArgs;
use ggzy::db::Db;
use ggzy::identity::Role;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Sizes {
    surge: usize,
    opening: usize,
    ingest_mib: usize,
}

fn sizes() -> Sizes {
    let quick = std::env::var("GGZY_BENCH_QUICK").is_ok_and(|v| v == "1");
    let ingest_mib = std::env::var("GGZY_BENCH_INGEST_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 64 } else { 1024 });
    if quick {
        Sizes {
            surge: 200,
            opening: 50,
            ingest_mib,
        }
    } else {
        Sizes {
            surge: 2_000,
            opening: 500,
            ingest_mib,
        }
    }
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

/// The server in this process: its API (through `Deref`), its clock,
/// database and folders.
struct Server {
    api: Api,
    clock: Arc<OffsetClock>,
    db: Db,
    data_dir: PathBuf,
    keys_dir: PathBuf,
}

fn start(dir: &Path, database_url: &str) -> Server {
    let args = ConfigArgs {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(database_url.into()),
        data_dir: Some(dir.to_path_buf()),
        demo_data: Some(true),
        log_filter: Some("error".into()),
        // Bidders sign in a day before the deadline; sessions must last
        // past it (the longest the configuration allows).
        session_minutes: Some(7 * 24 * 60),
        ..Default::default()
    };
    let config = args.resolve().expect("configuration");
    ggzy::telemetry::init(&config);
    let keys_dir = config.keys_dir();
    let clock = Arc::new(OffsetClock::default());
    let state = ggzy::startup::prepare(config, clock.clone()).expect("prepare");
    let db = state.db.clone();
    let app = ggzy::startup::Application::build(state).expect("build");
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run());
    Server {
        api: Api::new(base),
        clock,
        db,
        data_dir: dir.to_path_buf(),
        keys_dir,
    }
}

impl std::ops::Deref for Server {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Server {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A user with a token, as `ggzy users add` makes one.
    fn user(&self, name: &str, role: Role, org: &str) -> (String, ggzy::types::UserId) {
        bidding::user(&self.db, self.now(), name, role, org)
    }

    /// Sends one bid over a plain socket, as a lean client would: awc
    /// copies a large body into its own buffers, which on two cores takes
    /// time from the server being measured.
    fn submit_plain(&self, token: &str, tender: &str, envelope: &[u8]) -> Reply {
        use std::io::Read;
        let addr = self.base.trim_start_matches("http://");
        let mut socket = std::net::TcpStream::connect(addr).expect("connect");
        let head = format!(
            "POST /api/v1/tenders/{tender}/bids HTTP/1.1\r\nHost: {addr}\r\n\
             Authorization: Bearer {token}\r\nContent-Type: application/pkcs7-mime\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            envelope.len()
        );
        socket.write_all(head.as_bytes()).expect("send head");
        socket.write_all(envelope).expect("send bid");
        let mut reply = Vec::new();
        socket.read_to_end(&mut reply).expect("read reply");
        let split = reply
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a reply head");
        let head = String::from_utf8_lossy(&reply[..split]);
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("a status");
        assert!(
            !head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "a chunked reply: {head}"
        );
        Reply {
            status,
            body: reply[split + 4..].to_vec(),
        }
    }

    async fn submit(&self, token: &str, tender: &str, envelope: Vec<u8>) -> Reply {
        self.send(
            awc::http::Method::POST,
            &format!("/api/v1/tenders/{tender}/bids"),
            Some(token),
            Some(("application/pkcs7-mime", envelope)),
        )
        .await
    }
}

// ---------------------------------------------------------------------------
// The three measurements
// ---------------------------------------------------------------------------

async fn ingest(s: &Server, bidder: &Bidder, tender: &str, mib: usize, tsa_root: &X509) {
    let work = s.data_dir.join("bench-ingest");
    let docs = documents(&work, mib * MIB);
    let opening = s.opening_cert(tender).await;
    let bid = envelope(bidder, &docs, 88_000_000, &opening);
    std::fs::remove_dir_all(&work).expect("clean up");
    let size = bid.len();
    let token = s.sign_in(bidder).await;

    // Baseline: hash and write the same bytes to the same disk, synced.
    let baseline = {
        let path = s.data_dir.join("bench-baseline.bin");
        let t = Instant::now();
        let mut hasher = openssl::sha::Sha256::new();
        let mut f = std::fs::File::create(&path).expect("baseline file");
        for chunk in bid.chunks(256 * 1024) {
            hasher.update(chunk);
            f.write_all(chunk).expect("write");
        }
        f.sync_all().expect("sync");
        std::hint::black_box(hasher.finish());
        let took = t.elapsed();
        std::fs::remove_file(&path).expect("remove");
        took
    };
    let t = Instant::now();
    let reply = s.submit_plain(&token, tender, &bid);
    let took = t.elapsed();
    check_receipt(&reply, &bid, tsa_root);
    let rate = |d: Duration| size as f64 / MIB as f64 / d.as_secs_f64();
    println!(
        "ingest: one bid of {:.0} MiB: {:.0} MiB/s (receipt after {}); hash + write + fsync of the same bytes: {:.0} MiB/s; ratio {:.2}",
        size as f64 / MIB as f64,
        rate(took),
        secs(took),
        rate(baseline),
        baseline.as_secs_f64() / took.as_secs_f64()
    );
}

async fn surge(s: &Server, bidders: &[Bidder], tender: &str, tsa_root: &X509) {
    let opening = s.opening_cert(tender).await;
    let deadline = s.deadline(tender).await;
    let t = Instant::now();
    let envelopes = bidding::surge_envelopes(
        bidders,
        &s.data_dir.join("bench-surge"),
        90_000_000,
        &opening,
    );
    println!(
        "surge: {} envelopes of {:.2} MiB packed in {}",
        envelopes.len(),
        envelopes[0].len() as f64 / MIB as f64,
        secs(t.elapsed())
    );
    // Sessions opened a day before, as bidders who prepared would.
    s.clock.advance(deadline - Span::days(1) - s.now());
    let tokens = s.sign_in_all(bidders, 50).await;
    // The last minute.
    s.clock.advance(deadline - Span::seconds(60) - s.now());
    let started = s.now();
    let sends = envelopes
        .iter()
        .zip(&tokens)
        .map(|(bid, token)| async move {
            let t = Instant::now();
            let reply = s.submit(token, tender, bid.clone()).await;
            (t.elapsed(), reply)
        });
    let wall = Instant::now();
    let results = futures_util::future::join_all(sends).await;
    let wall = wall.elapsed();
    let mut latencies = Vec::new();
    for ((took, reply), bid) in results.iter().zip(&envelopes) {
        let receipt = check_receipt(reply, bid, tsa_root);
        let at: DateTime<Utc> =
            serde_json::from_value(receipt["received_at"].clone()).expect("received_at");
        assert!(at < deadline, "received after the deadline");
        latencies.push(*took);
    }
    latencies.sort();
    let stored = bidding::bids_on_record(&s.db, tender);
    assert_eq!(stored, bidders.len(), "every bid on record");
    let files = std::fs::read_dir(s.data_dir.join("bids"))
        .expect("bids folder")
        .count();
    println!(
        "surge: {} bids of 1 MiB sent at once from {} (deadline {}): all accepted with verified receipts, {} on record; latency p50 {}, p99 {}, max {}; all in {}",
        bidders.len(),
        started.trunc_subsecs(0),
        deadline,
        stored,
        secs(percentile(&latencies, 0.50)),
        secs(percentile(&latencies, 0.99)),
        secs(*latencies.last().expect("latencies")),
        secs(wall),
    );
    println!("surge: {files} bid files in the store (all tenders)");
}

/// The tenderer's share, decrypted with the key its certificate is for.
fn decrypt_cms(der: &[u8], cert: &X509, key: &PKey<Private>) -> Vec<u8> {
    let cms = openssl::cms::CmsContentInfo::from_der(der).expect("CMS");
    cms.decrypt(key, cert).expect("decrypt")
}

/// Bids on the tender to be opened, sent (ten at a time) before the surge.
async fn bids_to_open(s: &Server, bidders: &[Bidder], tender: &str, tsa_root: &X509) {
    let opening = s.opening_cert(tender).await;
    let work = s.data_dir.join("bench-opening");
    let docs = documents(&work, MIB - 4096);
    for (i, chunk) in bidders.chunks(10).enumerate() {
        let bids: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(j, b)| envelope(b, &docs, 80_000_000 + (i * 10 + j) as i64, &opening))
            .collect();
        let tokens = futures_util::future::join_all(chunk.iter().map(|b| s.sign_in(b))).await;
        let replies = futures_util::future::join_all(
            tokens
                .iter()
                .zip(&bids)
                .map(|(t, bid)| s.submit(t, tender, bid.clone())),
        )
        .await;
        for (reply, bid) in replies.iter().zip(&bids) {
            check_receipt(reply, bid, tsa_root);
        }
    }
    std::fs::remove_dir_all(&work).expect("clean up");
}

/// Starts the tender's opening after its deadline and has the tenderer and
/// an operator release their shares; returns the time from the last
/// release to the completed opening, the opening, and the key rebuilt from
/// the same shares (for the baselines).
async fn release_and_open(
    s: &Server,
    tender: &str,
    tenderer: &str,
    custodian: &(PKey<Private>, X509),
    operator: &str,
) -> (Duration, Value, PKey<Private>) {
    let opening = s.opening_cert(tender).await;
    let detail = s
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    let deadline: DateTime<Utc> =
        serde_json::from_value(detail["dates"]["bid_deadline"].clone()).expect("deadline");
    if s.now() < deadline {
        s.clock.advance(deadline - s.now() + Span::seconds(1));
    }
    s.post_json(
        &format!("/api/v1/tenders/{tender}/transitions"),
        Some(tenderer),
        &json!({"action": "start_opening", "reason": ""}),
    )
    .await
    .expect(200, "start_opening");
    let encrypted = s
        .get(
            &format!("/api/v1/tenders/{tender}/opening-key/my-share"),
            Some(tenderer),
        )
        .await
        .expect(200, "my share");
    let mine = decrypt_cms(&encrypted.body, &custodian.1, &custodian.0);
    // The platform's share, read here only to rebuild the key for the
    // baseline (the server gets its own through the operator's release).
    let platform_key =
        ggzy::opening::platform::PlatformCustodian::load_or_create(&s.keys_dir, s.now())
            .expect("platform custodian");
    let platform_encrypted =
        s.db.write_blocking(|conn| ggzy::opening::store::platform_share_of(conn, tender))
            .expect("platform share");
    let platform = platform_key
        .decrypt_share(&platform_encrypted)
        .expect("platform share decrypts");
    let shares = [
        ggzy::opening::custody::read_share(&mine).expect("share"),
        ggzy::opening::custody::read_share(&platform).expect("share"),
    ];
    let key = ggzy::opening::custody::reconstruct(&shares, &opening).expect("the opening key");

    s.post_json(
        &format!("/api/v1/tenders/{tender}/opening/shares"),
        Some(tenderer),
        &json!({"share": openssl::base64::encode_block(&mine)}),
    )
    .await
    .expect(200, "release");
    let t = Instant::now();
    s.post_json(
        &format!("/api/v1/tenders/{tender}/opening/platform-share"),
        Some(operator),
        &json!({}),
    )
    .await
    .expect(200, "platform share");
    let view = loop {
        let view = s
            .get(&format!("/api/v1/tenders/{tender}/opening"), None)
            .await
            .json();
        if view["status"] == "completed" {
            break view;
        }
        assert_ne!(view["status"], "aborted", "{view}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    };
    (t.elapsed(), view, key)
}

/// Opens the tender's bids and sets the time against the baselines.
async fn open(
    s: &Server,
    expected: usize,
    tender: &str,
    tenderer: &str,
    custodian: &(PKey<Private>, X509),
    operator: &str,
) {
    let (took, view, key) = release_and_open(s, tender, tenderer, custodian, operator).await;
    let bids = view["bids"].as_array().expect("bids");
    let valid = bids.iter().filter(|b| b["outcome"] == "valid").count();
    assert_eq!(valid, expected, "every bid opened valid: {view}");

    // Baselines on the same stored envelopes with the same key.
    let stored: Vec<PathBuf> =
        s.db.write_blocking(|conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::bids;
            Ok(bids::table
                .filter(bids::tender_id.eq(tender))
                .select(bids::id)
                .load::<String>(conn)?)
        })
        .expect("bids")
        .into_iter()
        .map(|id| s.data_dir.join(format!("bids/{id}.p7m")))
        .collect();
    assert_eq!(stored.len(), expected);
    // The baselines decrypt the encrypted layer alone: what is left once
    // the outer signature is taken off (not timed; the platform's time
    // includes doing that and checking it).
    let work = s.data_dir.join("bench-enveloped");
    std::fs::create_dir_all(&work).expect("folder");
    let stored: Vec<PathBuf> = stored
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let path = work.join(format!("{i}.der"));
            let out = std::fs::File::create(&path).expect("enveloped file");
            let input = std::io::BufReader::new(std::fs::File::open(file).expect("stored bid"));
            envelope::unwrap_outer(input, std::io::BufWriter::new(out)).expect("outer layer");
            path
        })
        .collect();
    let key_file = s.data_dir.join("bench-opening-key.pem");
    std::fs::write(&key_file, key.private_key_to_pem_pkcs8().expect("pem")).expect("key");
    let t = Instant::now();
    for file in &stored {
        let out = Command::new("openssl")
            .args(["cms", "-decrypt", "-binary", "-inform", "DER", "-in"])
            .arg(file)
            .arg("-inkey")
            .arg(&key_file)
            .args(["-out", "/dev/null"])
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let cli = t.elapsed();
    std::fs::remove_file(&key_file).expect("remove key");
    let t = Instant::now();
    for file in &stored {
        let der = std::fs::read(file).expect("read");
        let cms = openssl::cms::CmsContentInfo::from_der(&der).expect("CMS");
        std::hint::black_box(cms.decrypt_without_cert_check(&key).expect("decrypt"));
    }
    let in_process = t.elapsed();
    std::fs::remove_dir_all(&work).expect("clean up");
    println!(
        "opening: {} bids of 1 MiB opened and recorded in {} ({:.1} ms a bid); `openssl cms -decrypt` per bid: {} (ratio {:.2}); OpenSSL decryption in process: {} (ratio {:.2})",
        expected,
        secs(took),
        took.as_secs_f64() * 1000.0 / expected as f64,
        secs(cli),
        took.as_secs_f64() / cli.as_secs_f64(),
        secs(in_process),
        took.as_secs_f64() / in_process.as_secs_f64(),
    );
}

/// A figure of this process's memory from /proc/self/status, in KiB.
fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Opens the ingest step's one large bid (the tender then fails for want
/// of three bids, after the bid is read out) and reports how far this
/// process's resident memory rose above where it stood: the bid streams
/// through files, so it should not rise by the bid's size.
async fn open_large(
    s: &Server,
    mib: usize,
    tender: &str,
    tenderer: &str,
    custodian: &(PKey<Private>, X509),
    operator: &str,
) {
    let before = memory_kib("VmRSS:").expect("VmRSS");
    // Linux: "5" resets the peak resident size (VmHWM) to the current one.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (took, view, _) = release_and_open(s, tender, tenderer, custodian, operator).await;
    assert_eq!(view["bids"][0]["outcome"], "valid", "{view}");
    let peak = memory_kib("VmHWM:").expect("VmHWM");
    println!(
        "opening one bid of {mib} MiB: read out in {}; this process's peak resident memory {} {:.0} MiB above the {:.0} MiB before{}",
        secs(took),
        if reset {
            "rose"
        } else {
            "(not reset: an upper bound)"
        },
        peak.saturating_sub(before) as f64 / 1024.0,
        before as f64 / 1024.0,
        if reset {
            ""
        } else {
            " (/proc/self/clear_refs not writable)"
        },
    );
}

async fn run() {
    let sizes = sizes();
    let dir = tempfile::tempdir().expect("temp dir");
    let database = support::BenchDatabase::new(dir.path(), "ggzy_bench");
    let s = start(dir.path(), &database.url);
    println!(
        "sealed bids bench on {} ({} cores), {} surge bids, {} to open, {} MiB ingest",
        database.backend(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        sizes.surge,
        sizes.opening,
        sizes.ingest_mib
    );
    let tsa_root =
        X509::from_pem(&std::fs::read(s.keys_dir.join("tsa-root.cert.pem")).expect("TSA root"))
            .expect("TSA root PEM");
    let ca = demo_enterprise_ca(&s.data_dir);
    let now = s.now();
    let bidders: Vec<Bidder> = (0..sizes.surge.max(sizes.opening) + 1)
        .map(|i| enterprise(&ca, i, now))
        .collect();

    let (tenderer, tenderer_id) = s.user("采购科", Role::Tenderer, "南宁市教育局");
    let (operator, _) = s.user("平台运维", Role::Operator, "南宁市公共资源交易中心");
    // The tenderer's custody certificate: where its share goes.
    let custodian = bidding::custody(&s.db, &tenderer_id, "采购科", now);
    let deadline = (now + Span::days(25)).trunc_subsecs(0);
    let ingest_tender = s.tender(&tenderer, "大文件投标", now, deadline).await;
    let surge_tender = s.tender(&tenderer, "截止前集中投标", now, deadline).await;
    let opening_tender = s.tender(&tenderer, "开标", now, deadline).await;

    let only = std::env::var("GGZY_BENCH_ONLY").ok();
    let wants = |step: &str| only.as_deref().is_none_or(|o| o == step);
    let last = bidders.last().expect("a bidder");
    if wants("ingest") {
        ingest(&s, last, &ingest_tender, sizes.ingest_mib, &tsa_root).await;
    }
    if wants("opening") {
        bids_to_open(&s, &bidders[..sizes.opening], &opening_tender, &tsa_root).await;
    }
    if wants("surge") {
        surge(&s, &bidders[..sizes.surge], &surge_tender, &tsa_root).await;
    }
    if wants("opening") {
        open(
            &s,
            sizes.opening,
            &opening_tender,
            &tenderer,
            &custodian,
            &operator,
        )
        .await;
    }
    // Last: opening moves the clock past every deadline.
    if wants("ingest") {
        let mib = sizes.ingest_mib;
        open_large(&s, mib, &ingest_tender, &tenderer, &custodian, &operator).await;
    }
    // The server goes before its database.
    drop(s);
    drop(database);
}

fn main() {
    actix_web::rt::System::new().block_on(run());
}
