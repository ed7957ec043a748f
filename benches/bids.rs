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

mod support;

use awc::Client;
use chrono::{DateTime, Duration as Span, SubsecRound, Utc};
use ggzy::audit::AuditContext;
use ggzy::bids::container::{self, PriceSchedule};
use ggzy::bids::envelope::{self, ContentCipher};
use ggzy::clock::{Clock, OffsetClock};
use ggzy::config::ConfigArgs;
use ggzy::db::Db;
use ggzy::identity::Role;
use ggzy::identity::store::{NewUser, create_user, find_or_create_organisation};
use ggzy::types::{CreditCode, LeagueCode};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use openssl::x509::X509;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;

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

struct Server {
    base: String,
    client: Client,
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
    let client = Client::builder()
        // No connection cap, and never reuse a connection the server's 5 s
        // keep-alive may already have closed.
        .connector(
            awc::Connector::new()
                .limit(0)
                .conn_keep_alive(Duration::from_secs(3)),
        )
        .timeout(Duration::from_secs(900))
        .finish();
    Server {
        base,
        client,
        clock,
        db,
        data_dir: dir.to_path_buf(),
        keys_dir,
    }
}

struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn expect(self, status: u16, what: &str) -> Reply {
        assert_eq!(
            self.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }
}

impl Server {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let mut resp = match body {
            Some((ty, bytes)) => req
                .insert_header(("Content-Type", ty))
                .send_body(bytes)
                .await
                .expect("request"),
            None => req.send().await.expect("request"),
        };
        let body = resp.body().limit(64 * MIB).await.expect("body").to_vec();
        Reply {
            status: resp.status().as_u16(),
            body,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(awc::http::Method::GET, path, token, None).await
    }

    async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).expect("json");
        self.send(
            awc::http::Method::POST,
            path,
            token,
            Some(("application/json", bytes)),
        )
        .await
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

    async fn tender(&self, tenderer: &str, title: &str, deadline: DateTime<Utc>) -> String {
        let now = self.now();
        let body = json!({
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
                "bid_deadline": deadline.to_rfc3339(),
                "publicity_days": 3
            }
        });
        let r = self
            .post_json("/api/v1/tenders", Some(tenderer), &body)
            .await
            .expect(201, "draft");
        let id = r.json()["id"].as_str().expect("id").to_string();
        self.post_json(
            &format!("/api/v1/tenders/{id}/transitions"),
            Some(tenderer),
            &json!({"action": "publish", "reason": ""}),
        )
        .await
        .expect(200, "publish");
        id
    }

    async fn opening_cert(&self, tender: &str) -> X509 {
        let r = self
            .get(
                &format!("/api/v1/tenders/{tender}/opening-key/certificate.pem"),
                None,
            )
            .await
            .expect(200, "opening certificate");
        X509::from_pem(&r.body).expect("opening certificate PEM")
    }

    async fn sign_in(&self, bidder: &Bidder) -> String {
        let c = self
            .post_json("/api/v1/auth/challenges", None, &json!({}))
            .await
            .expect(201, "challenge")
            .json();
        let challenge = c["challenge"].as_str().expect("challenge");
        let mut signer = Signer::new(MessageDigest::sha256(), &bidder.key).expect("signer");
        signer.update(challenge.as_bytes()).expect("sign");
        let signature = openssl::base64::encode_block(&signer.sign_to_vec().expect("sign"));
        let cert = String::from_utf8(bidder.cert.to_pem().expect("pem")).expect("utf-8");
        self.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"challenge_id": c["id"], "certificate": cert,
                    "signature": signature, "format": "raw"}),
        )
        .await
        .expect(201, "login")
        .json()["token"]
            .as_str()
            .expect("token")
            .to_string()
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
// Bidders and their envelopes
// ---------------------------------------------------------------------------

struct Ca {
    cert: X509,
    key: PKey<Private>,
}

struct Bidder {
    cert: X509,
    key: PKey<Private>,
}

fn demo_enterprise_ca(data_dir: &Path) -> Ca {
    let dir = data_dir.join("pki-demo/NNG");
    let cert = X509::from_pem(&std::fs::read(dir.join("enterprise-ca.cert.pem")).expect("CA"))
        .expect("CA PEM");
    let key = PKey::private_key_from_pem(
        &std::fs::read(dir.join("enterprise-ca.key.pem")).expect("CA key"),
    )
    .expect("CA key PEM");
    Ca { cert, key }
}

/// An enterprise certificate as the NNG enterprise CA issues them.
fn enterprise(ca: &Ca, i: usize, now: DateTime<Utc>) -> Bidder {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    let key = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("key");
    let credit = CreditCode::with_check_digit(&format!("91450100MA{i:07}")).expect("credit code");
    let org = format!("压力测试第{i}建设有限公司");
    let cert = ggzy::pki::demo::issue_enterprise(
        &ca.cert,
        &ca.key,
        &org,
        &credit,
        key.clone(),
        now - Span::hours(1),
        365,
    )
    .expect("enterprise certificate");
    Bidder { cert, key }
}

/// A folder holding one document of `bytes` random (incompressible) bytes.
fn documents(dir: &Path, bytes: usize) -> PathBuf {
    let docs = dir.join(format!("documents-{bytes}"));
    std::fs::create_dir_all(&docs).expect("documents folder");
    let mut f = std::fs::File::create(docs.join("technical.bin")).expect("document");
    let mut chunk = vec![0u8; MIB];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(MIB);
        openssl::rand::rand_bytes(&mut chunk[..n]).expect("random");
        f.write_all(&chunk[..n]).expect("write");
        left -= n;
    }
    docs
}

/// A bid envelope: a container (the schedule and the documents) signed,
/// encrypted to `opening` with AES-256-GCM and signed again.
fn envelope(bidder: &Bidder, docs: &Path, price: i64, opening: &X509) -> Vec<u8> {
    let schedule = PriceSchedule::parse(
        json!({"total_price_fen": price, "duration_days": 180,
               "key_terms": {"质保期": "3 年"}})
        .to_string()
        .as_bytes(),
    )
    .expect("schedule");
    let (zip, _) = container::build(docs, &schedule, None, std::io::Cursor::new(Vec::new()))
        .expect("container");
    envelope::pack(
        &zip.into_inner(),
        &bidder.cert,
        &bidder.key,
        &[],
        opening,
        ContentCipher::Gcm,
        true,
    )
    .expect("envelope")
}

// ---------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    openssl::sha::sha256(bytes)
}

fn hex(bytes: &[u8]) -> String {
    ggzy::identity::hex(bytes)
}

/// Checks a receipt: 201, the hash of what was sent, a timestamp token
/// over that hash from the platform TSA.
fn check_receipt(reply: &Reply, sent: &[u8], tsa_root: &X509) -> Value {
    assert_eq!(
        reply.status,
        201,
        "bid refused: {}",
        String::from_utf8_lossy(&reply.body)
    );
    let receipt = reply.json();
    let hash = sha256(sent);
    assert_eq!(receipt["sha256"], hex(&hash), "receipt hash");
    assert_eq!(receipt["size_bytes"], sent.len() as u64, "receipt size");
    let tsr = openssl::base64::decode_block(receipt["timestamp_response"].as_str().expect("tsr"))
        .expect("base64");
    ggzy::tsa::verify(&tsr, &hash, std::slice::from_ref(tsa_root), &[], Utc::now())
        .expect("the receipt's timestamp verifies");
    receipt
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
    let deadline: DateTime<Utc> = serde_json::from_value(
        s.get(&format!("/api/v1/tenders/{tender}"), None)
            .await
            .json()["dates"]["bid_deadline"]
            .clone(),
    )
    .expect("deadline");
    let work = s.data_dir.join("bench-surge");
    let docs = documents(&work, MIB - 4096);
    let t = Instant::now();
    let envelopes: Vec<Vec<u8>> = bidders
        .iter()
        .enumerate()
        .map(|(i, b)| envelope(b, &docs, 90_000_000 + i as i64, &opening))
        .collect();
    println!(
        "surge: {} envelopes of {:.2} MiB packed in {}",
        envelopes.len(),
        envelopes[0].len() as f64 / MIB as f64,
        secs(t.elapsed())
    );
    // Sessions opened a day before, as bidders who prepared would.
    s.clock.advance(deadline - Span::days(1) - s.now());
    let mut tokens = Vec::new();
    for chunk in bidders.chunks(50) {
        tokens.extend(futures_util::future::join_all(chunk.iter().map(|b| s.sign_in(b))).await);
    }
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
    let stored =
        s.db.write_blocking(|conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::bids;
            Ok(bids::table
                .filter(bids::tender_id.eq(tender))
                .count()
                .get_result::<i64>(conn)?)
        })
        .expect("count");
    assert_eq!(stored as usize, bidders.len(), "every bid on record");
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
    std::fs::remove_dir_all(&work).expect("clean up");
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
        ggzy::opening::store::record_custody_certificate(conn, &tenderer_id, &der, now)
    })
    .expect("custody certificate");
    let deadline = (now + Span::days(25)).trunc_subsecs(0);
    let ingest_tender = s.tender(&tenderer, "大文件投标", deadline).await;
    let surge_tender = s.tender(&tenderer, "截止前集中投标", deadline).await;
    let opening_tender = s.tender(&tenderer, "开标", deadline).await;

    let only = std::env::var("GGZY_BENCH_ONLY").ok();
    let wants = |step: &str| only.as_deref().is_none_or(|o| o == step);
    let last = bidders.last().expect("a bidder");
    let custodian = (custody_key, custody_cert);
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
