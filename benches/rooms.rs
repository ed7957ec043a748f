//! Evaluation rooms under load, with a baseline measured in the same run.
//!
//! The real server runs as its own process (`ggzy serve`, release build,
//! demo data, SQLite in a temporary folder), so that its resident memory
//! can be read from /proc; the clients (tokio-tungstenite) run here, on one
//! thread. Experts are people with certificates issued by the demo GX
//! personal CA, signed in with a signed challenge, as members do.
//!
//! 1. **Many rooms**: 100 rooms of 7 experts and 3 supervisors each, every
//!    expert scoring continuously: one score, its ack, a pause of one
//!    second (700 scores a second offered in all), the next; then again
//!    without the pause (the server's capacity, every expert always
//!    waiting on one score). Latency from an expert sending a score to
//!    each other member of its room (6 experts, 3 supervisors) receiving
//!    the event: p50, p99, max.
//! 2. **One room, 1,000 watchers**: one member sends 200 actions, one at a
//!    time, each waited for until all 1,000 watchers have it. Latency from
//!    the send to each watcher's receipt: p50, p99; the server's resident
//!    memory per watcher connection (VmRSS before and after they join).
//! 3. **Baseline**: the same 1,000 watchers and 200 messages against a
//!    minimal tokio-tungstenite broadcast server (this binary, re-run as its
//!    own process: accept, read the publisher's messages, send each to every
//!    watcher; no storage, no authentication), measured the same way. The
//!    ratios compare the two.
//!
//! The room's latency includes what the baseline does not do: deciding the
//! action against the room's state, storing the event and its audit record
//! in a transaction, then the broadcast.
//!
//! `cargo bench --bench rooms`. `GGZY_BENCH_QUICK=1`: 10 rooms, 100
//! watchers, 50 messages.

use chrono::{Duration as Span, Utc};
use futures_util::{SinkExt, StreamExt};
use ggzy::audit::AuditContext;
use ggzy::db::Db;
use ggzy::identity::Role;
use ggzy::identity::store::{NewUser, create_user, find_or_create_organisation, insert_user};
use ggzy::types::{LeagueCode, ResidentId};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use openssl::x509::X509;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--baseline-server") {
        baseline_server(args[i + 1].parse().expect("port"));
        return;
    }
    let quick = std::env::var("GGZY_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let (rooms, watchers, messages) = if quick {
        (10, 100, 50)
    } else {
        (100, 1000, 200)
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let fixture = Fixture::make(&server, rooms + 1).await;
        println!("rooms: {rooms} rooms × (7 experts + 3 supervisors), {watchers} watchers, {messages} broadcasts; server on {}", fixture.backend);
        // Experts at a steady pace (a score a second each, 700 a second in
        // all), then as fast as the server answers (its capacity).
        many_rooms(&server, &fixture, rooms, Duration::from_secs(1), 0).await;
        many_rooms(&server, &fixture, rooms, Duration::ZERO, 20).await;
        let ours = one_room_many_watchers(&server, &fixture, rooms, watchers, messages).await;
        let theirs = baseline(watchers, messages).await;
        println!();
        println!("| 1 room, {watchers} watchers | ggzy room | tokio-tungstenite baseline | ratio |");
        println!("|---|---:|---:|---:|");
        println!(
            "| broadcast p50 | {:.2} ms | {:.2} ms | {:.1}× |",
            ours.p50, theirs.p50, ours.p50 / theirs.p50
        );
        println!(
            "| broadcast p99 | {:.2} ms | {:.2} ms | {:.1}× |",
            ours.p99, theirs.p99, ours.p99 / theirs.p99
        );
        println!(
            "| server memory per connection | {:.1} KiB | {:.1} KiB | {:.2}× |",
            ours.kib_per_connection,
            theirs.kib_per_connection,
            ours.kib_per_connection / theirs.kib_per_connection
        );
    });
    drop(server);
}

// ---------------------------------------------------------------------------
// The server, its own process
// ---------------------------------------------------------------------------

struct Server {
    child: Child,
    base: String,
    db: Db,
    data_dir: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

impl Server {
    fn start(dir: &Path) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_ggzy"))
            .arg("serve")
            .env("GGZY_DATA_DIR", dir)
            .env("GGZY_LISTEN", format!("127.0.0.1:{port}"))
            .env("GGZY_LOG", "error")
            .spawn()
            .expect("start ggzy serve");
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..600 {
            if ureq::get(&format!("{base}/readyz")).call().is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let db = Db::connect(&format!("sqlite://{}", dir.join("ggzy.db").display()), 2)
            .expect("database");
        Server {
            child,
            base,
            db,
            data_dir: dir.to_path_buf(),
        }
    }

    fn rss_kib(&self) -> f64 {
        rss_kib(self.child.id())
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}{}", self.base, path);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = match body {
            Some(b) => agent
                .run(
                    req.header("Content-Type", "application/json")
                        .body(b.to_string())
                        .expect("request"),
                )
                .expect("call"),
            None => agent.run(req.body(()).expect("request")).expect("call"),
        };
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0)
}

// ---------------------------------------------------------------------------
// Rooms, experts, supervisors
// ---------------------------------------------------------------------------

struct Fixture {
    backend: &'static str,
    /// Session tokens of the 7 experts (certificate sessions).
    experts: Vec<(String, String)>,
    supervisors: Vec<String>,
    /// One tender per room, each with its room open.
    tenders: Vec<String>,
}

const BIDS: usize = 10;
const CRITERIA: usize = 10;

impl Fixture {
    async fn make(server: &Server, rooms: usize) -> Fixture {
        let now = Utc::now();
        let ctx = AuditContext::system(now);
        let nng = LeagueCode::parse("NNG").expect("NNG");
        let ca_dir = server.data_dir.join("pki-demo/GX");
        let ca_cert =
            X509::from_pem(&std::fs::read(ca_dir.join("personal-ca.cert.pem")).expect("CA"))
                .expect("CA");
        let ca_key = PKey::private_key_from_pem(
            &std::fs::read(ca_dir.join("personal-ca.key.pem")).expect("CA key"),
        )
        .expect("key");
        let gx = LeagueCode::parse("GX").expect("GX");
        // Accounts: a tenderer, three supervisors, seven experts.
        let (tenderer, supervisors, people) = server
            .db
            .write_blocking(|conn| {
                let org = find_or_create_organisation(conn, &ctx, &nng, "压测采购人", None)?;
                let tenderer = create_user(
                    conn,
                    &ctx,
                    &NewUser {
                        name: "压测采购人",
                        roles: &[Role::Tenderer],
                        league: Some(&nng),
                        organisation: Some(&org),
                    },
                    None,
                )?
                .1;
                let mut supervisors = Vec::new();
                for i in 0..3 {
                    let name = format!("压测监督员{i}");
                    supervisors.push(
                        create_user(
                            conn,
                            &ctx,
                            &NewUser {
                                name: &name,
                                roles: &[Role::Supervisor],
                                league: Some(&nng),
                                organisation: None,
                            },
                            None,
                        )?
                        .1,
                    );
                }
                let mut people = Vec::new();
                for i in 0..7 {
                    let id = ResidentId::with_check_char(&format!("450102198502{:02}123", i + 10))
                        .expect("id");
                    let name = format!("压测专家{i}");
                    let user = insert_user(
                        conn,
                        &ctx,
                        &NewUser {
                            name: &name,
                            roles: &[Role::Expert],
                            league: Some(&gx),
                            organisation: None,
                        },
                    )?;
                    ggzy::identity::sessions::bind_certificate_identities(
                        conn,
                        &ctx,
                        &user,
                        &[Role::Expert],
                        None,
                        Some(&id),
                    )?;
                    let expert = ggzy::experts::pool::create(
                        conn,
                        &ctx,
                        &ggzy::experts::pool::ExpertInput {
                            user_id: Some(user.as_str().to_string()),
                            employer: ggzy::experts::pool::Employer {
                                name: "压测单位".into(),
                                credit_code: None,
                            },
                            related: vec![],
                            specialties: vec!["B0102".into()],
                            phone: None,
                            email: None,
                            active: Some(true),
                        },
                    )?;
                    people.push((name, id, expert));
                }
                Ok((tenderer, supervisors, people))
            })
            .expect("accounts");
        // Certificates, and a sign-in for each expert.
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
        let mut experts = Vec::new();
        for (name, id, expert) in &people {
            let key = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("key");
            let cert = ggzy::pki::demo::issue_person(
                &ca_cert,
                &ca_key,
                name,
                "压测单位",
                id,
                key.clone(),
                now - Span::hours(1),
                30,
            )
            .expect("certificate");
            experts.push((sign_in(server, &cert, &key), expert.as_str().to_string()));
        }
        // Rooms: tenders drafted through the API, then set to evaluating with
        // their room written straight to the database (the procedure up to
        // the room is measured elsewhere; here, the room's live path).
        let mut tenders = Vec::new();
        for r in 0..rooms {
            let (status, body) = server.call(
                "POST",
                "/api/v1/tenders",
                Some(&tenderer),
                Some(&tender_body(r)),
            );
            assert_eq!(status, 201, "{body}");
            tenders.push(body["id"].as_str().expect("id").to_string());
        }
        let criteria: Vec<Value> = (0..CRITERIA)
            .map(|c| json!({"code": format!("t{c}"), "name": format!("技术{c}"), "kind": "technical", "weight": 5}))
            .chain([json!({"code": "price", "name": "价格", "kind": "price", "weight": 50})])
            .collect();
        let members: Vec<Value> = experts
            .iter()
            .enumerate()
            .map(|(i, (_, e))| json!({"expert": e, "name": format!("压测专家{i}"), "league": "GX", "venue": "GX"}))
            .collect();
        let stamp = ggzy::db::to_db_time(now);
        server
            .db
            .write_blocking(|conn| {
                use diesel::prelude::*;
                use ggzy::db::schema::{evaluation_rooms, room_events, tenders as t};
                for tender in &tenders {
                    diesel::update(t::table.find(tender))
                        .set((t::status.eq("evaluating"), t::published_at.eq(Some(stamp))))
                        .execute(conn)?;
                    let bids: Vec<Value> = (0..BIDS)
                        .map(|b| json!({"label": label(b), "bid_id": format!("bid-{b}"), "bidder_org_id": format!("org-{b}"),
                                        "bidder": format!("投标人{b}"), "price_fen": 1_000_000 + b as i64 * 10_000}))
                        .collect();
                    let setup = json!({"tender_id": tender, "criteria": criteria, "price_formula": {"kind": "lowest_price_base"},
                                       "bids": bids, "members": members, "blind": false, "deviation_percent": 30});
                    diesel::insert_into(evaluation_rooms::table)
                        .values((evaluation_rooms::tender_id.eq(tender), evaluation_rooms::setup_json.eq(setup.to_string()),
                                 evaluation_rooms::opened_at.eq(stamp)))
                        .execute(conn)?;
                    diesel::insert_into(room_events::table)
                        .values((room_events::tender_id.eq(tender), room_events::seq.eq(1i64), room_events::occurred_at.eq(stamp),
                                 room_events::kind.eq("room.opened"), room_events::payload_json.eq(json!({"members": members}).to_string())))
                        .execute(conn)?;
                }
                Ok(())
            })
            .expect("rooms");
        Fixture {
            backend: "SQLite",
            experts,
            supervisors,
            tenders,
        }
    }
}

fn label(i: usize) -> String {
    ((b'A' + i as u8) as char).to_string()
}

fn tender_body(i: usize) -> Value {
    let now = Utc::now();
    json!({
        "title": format!("压测评标室 {i}"),
        "description": "benchmark",
        "category": "government_procurement",
        "method": "open_tendering",
        "budget": {"amount_fen": 150_000_000, "currency": "CNY"},
        "evaluation": {"method": "comprehensive_scoring",
            "criteria": [{"code": "tech", "name": "技术", "kind": "technical", "weight": 70},
                         {"code": "price", "name": "价格", "kind": "price", "weight": 30}],
            "price_formula": {"kind": "lowest_price_base"}},
        "dates": {"documents_available_at": (now + Span::hours(1)).to_rfc3339(),
                  "clarification_deadline": (now + Span::days(15)).to_rfc3339(),
                  "bid_deadline": (now + Span::days(25)).to_rfc3339(), "publicity_days": 3}
    })
}

fn sign_in(server: &Server, cert: &X509, key: &PKey<Private>) -> String {
    let (_, c) = server.call("POST", "/api/v1/auth/challenges", None, Some(&json!({})));
    let mut signer = Signer::new(MessageDigest::sha256(), key).expect("signer");
    signer
        .update(c["challenge"].as_str().expect("challenge").as_bytes())
        .expect("sign");
    let signature = openssl::base64::encode_block(&signer.sign_to_vec().expect("sign"));
    let pem = String::from_utf8(cert.to_pem().expect("pem")).expect("pem");
    let (status, body) = server.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"challenge_id": c["id"], "certificate": pem, "signature": signature, "format": "raw"})),
    );
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().expect("token").to_string()
}

async fn join(server: &Server, tender: &str, token: &str) -> Ws {
    let url = format!(
        "{}/api/v1/tenders/{tender}/evaluation/room/live",
        server.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("join");
    loop {
        let v = next(&mut ws).await;
        if v["type"] == "live" {
            return ws;
        }
    }
}

async fn next(ws: &mut Ws) -> Value {
    loop {
        match ws.next().await.expect("open").expect("frame") {
            Message::Text(t) => return serde_json::from_str(&t).expect("JSON"),
            Message::Close(f) => panic!("closed: {f:?}"),
            _ => {}
        }
    }
}

/// Sends an action and waits for its ack.
async fn act(ws: &mut Ws, action: Value) {
    let id = action["id"].clone();
    ws.send(Message::text(action.to_string()))
        .await
        .expect("send");
    loop {
        let v = next(ws).await;
        if v["id"] == id && (v["type"] == "ack" || v["type"] == "error") {
            assert_eq!(v["type"], "ack", "{action} → {v}");
            return;
        }
    }
}

/// Declares, and elects expert 0 chair, in one room.
async fn seat(sockets: &mut [Ws], chair: &str) {
    for (i, ws) in sockets.iter_mut().enumerate() {
        act(ws, json!({"type": "declare", "id": format!("d{i}")})).await;
    }
    for (i, ws) in sockets.iter_mut().enumerate().take(4) {
        act(
            ws,
            json!({"type": "vote", "id": format!("v{i}"), "candidate": chair}),
        )
        .await;
    }
}

struct Stats {
    p50: f64,
    p99: f64,
    max: f64,
    n: usize,
}

fn stats(mut ms: Vec<f64>) -> Stats {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q) as usize).min(ms.len() - 1)];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        max: *ms.last().unwrap_or(&0.0),
        n: ms.len(),
    }
}

// ---------------------------------------------------------------------------
// 1. Many rooms
// ---------------------------------------------------------------------------

/// (room, expert, bid, criterion) → when the score was sent.
type SentAt = HashMap<(usize, String, String, String), Instant>;

/// The experts of `rooms` rooms each give `SCORES` scores (items from
/// `first_item` on), one at a time, waiting `think` after each ack (0:
/// as fast as the server answers).
async fn many_rooms(
    server: &Server,
    f: &Fixture,
    rooms: usize,
    think: Duration,
    first_item: usize,
) {
    const SCORES: usize = 20;
    let items = first_item..first_item + SCORES;
    let criteria: Vec<String> = items.clone().map(|k| format!("t{}", k / BIDS)).collect();
    let ours = move |v: &Value| {
        v["kind"] == "score.given"
            && criteria
                .iter()
                .any(|c| v["payload"]["criterion"] == c.as_str())
    };
    // (room, expert, bid, criterion) → when it was sent.
    let sent: Rc<RefCell<SentAt>> = Rc::default();
    let latencies: Rc<RefCell<Vec<f64>>> = Rc::default();
    let mut tasks = Vec::new();
    let mut receivers = Vec::new();
    // Experts start scoring together, once every room is joined.
    let (go, ready) = tokio::sync::watch::channel(false);
    for (r, tender) in f.tenders.iter().take(rooms).enumerate() {
        let mut experts = Vec::new();
        for (token, _) in &f.experts {
            experts.push(join(server, tender, token).await);
        }
        if first_item == 0 {
            seat(&mut experts, &f.experts[0].1).await;
        }
        // Supervisors listen; experts send in tasks of their own and read
        // their socket all the while.
        for token in &f.supervisors {
            let mut ws = join(server, tender, token).await;
            let (sent, latencies, ours) = (sent.clone(), latencies.clone(), ours.clone());
            receivers.push(tokio::task::spawn_local(async move {
                let mut got = 0;
                while got < 7 * SCORES {
                    let v = next(&mut ws).await;
                    if ours(&v) {
                        got += 1;
                        record(&sent, &latencies, r, &v["payload"], None);
                    }
                }
            }));
        }
        for (e, mut ws) in experts.into_iter().enumerate() {
            let me = f.experts[e].1.clone();
            let (sent, latencies, ours) = (sent.clone(), latencies.clone(), ours.clone());
            let mut ready = ready.clone();
            let items = items.clone();
            // Spread the first scores over one think time.
            let offset = think.mul_f64(((r * 7 + e) % 97) as f64 / 97.0);
            tasks.push(tokio::task::spawn_local(async move {
                ready.wait_for(|go| *go).await.expect("start");
                let mut next_send = tokio::time::Instant::now() + offset;
                let mut items = items.into_iter();
                let (mut got, mut given) = (0, 0);
                let mut waiting: Option<String> = None;
                while got < 7 * SCORES || waiting.is_some() || given < SCORES {
                    let can_send = waiting.is_none() && given < SCORES;
                    tokio::select! {
                        _ = tokio::time::sleep_until(next_send), if can_send => {
                            let k = items.next().expect("an item");
                            let (bid, crit) = (label(k % BIDS), format!("t{}", k / BIDS));
                            let id = format!("s{k}");
                            sent.borrow_mut().insert((r, me.clone(), bid.clone(), crit.clone()), Instant::now());
                            let points = 3.0 + (e % 2) as f64 * 0.5;
                            let action = json!({"type": "score", "id": id, "bid": bid, "criterion": crit, "points": points});
                            ws.send(Message::text(action.to_string())).await.expect("send");
                            waiting = Some(id);
                            given += 1;
                        }
                        v = next(&mut ws) => match v["type"].as_str() {
                            Some("ack") if v["id"].as_str() == waiting.as_deref() => {
                                waiting = None;
                                next_send = tokio::time::Instant::now() + think;
                            }
                            Some("error") => panic!("refused: {v}"),
                            _ if ours(&v) => {
                                got += 1;
                                record(&sent, &latencies, r, &v["payload"], Some(&me));
                            }
                            _ => {}
                        },
                    }
                }
            }));
        }
    }
    let started = Instant::now();
    go.send(true).expect("start");
    for t in tasks.into_iter().chain(receivers) {
        t.await.expect("client");
    }
    let elapsed = started.elapsed();
    let n_actions = rooms * 7 * SCORES;
    let s = stats(latencies.take());
    let pace = if think.is_zero() {
        "as fast as the server answers".to_string()
    } else {
        format!("one score, then {} ms", think.as_millis())
    };
    println!();
    println!("| {rooms} rooms × (7 experts + 3 supervisors), each expert: {pace} | |");
    println!("|---|---:|");
    println!(
        "| scores | {n_actions} in {:.1} s ({:.0}/s) |",
        elapsed.as_secs_f64(),
        n_actions as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| action → each other member's receipt, p50 / p99 / max | {:.2} / {:.2} / {:.2} ms ({} receipts) |",
        s.p50, s.p99, s.max, s.n
    );
}

fn record(
    sent: &RefCell<SentAt>,
    latencies: &RefCell<Vec<f64>>,
    room: usize,
    payload: &Value,
    me: Option<&str>,
) {
    let expert = payload["expert"].as_str().unwrap_or_default();
    if me == Some(expert) {
        return;
    }
    let key = (
        room,
        expert.to_string(),
        payload["bid"].as_str().unwrap_or_default().to_string(),
        payload["criterion"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    );
    if let Some(at) = sent.borrow().get(&key) {
        latencies
            .borrow_mut()
            .push(at.elapsed().as_secs_f64() * 1000.0);
    }
}

// ---------------------------------------------------------------------------
// 2. One room, many watchers; 3. the baseline
// ---------------------------------------------------------------------------

struct Broadcast {
    p50: f64,
    p99: f64,
    kib_per_connection: f64,
}

/// `watchers` sockets, each read in its own task; returns when every one
/// has received `n` messages matching `is_mine`, with each receipt's delay
/// from the matching send.
async fn watch_and_measure<F, S>(
    mut watchers: Vec<Ws>,
    messages: usize,
    is_mine: fn(&Value) -> Option<usize>,
    mut send: F,
) -> Vec<f64>
where
    F: FnMut(usize) -> S,
    S: std::future::Future<Output = ()>,
{
    let sent_at: Rc<RefCell<Vec<Option<Instant>>>> = Rc::new(RefCell::new(vec![None; messages]));
    let received: Rc<RefCell<Vec<usize>>> = Rc::new(RefCell::new(vec![0; messages]));
    let latencies: Rc<RefCell<Vec<f64>>> = Rc::default();
    let n = watchers.len();
    let mut tasks = Vec::new();
    for mut ws in watchers.drain(..) {
        let (sent_at, received, latencies) = (sent_at.clone(), received.clone(), latencies.clone());
        tasks.push(tokio::task::spawn_local(async move {
            let mut got = 0;
            while got < messages {
                let frame = match ws.next().await.expect("open").expect("frame") {
                    Message::Text(t) => t,
                    _ => continue,
                };
                let v: Value = serde_json::from_str(&frame).expect("JSON");
                if let Some(k) = is_mine(&v)
                    && k < messages
                {
                    if let Some(at) = sent_at.borrow()[k] {
                        latencies
                            .borrow_mut()
                            .push(at.elapsed().as_secs_f64() * 1000.0);
                    }
                    received.borrow_mut()[k] += 1;
                    got += 1;
                }
            }
        }));
    }
    for k in 0..messages {
        sent_at.borrow_mut()[k] = Some(Instant::now());
        send(k).await;
        while received.borrow()[k] < n {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    for t in tasks {
        t.await.expect("watcher");
    }
    latencies.take()
}

async fn one_room_many_watchers(
    server: &Server,
    f: &Fixture,
    room: usize,
    watchers: usize,
    messages: usize,
) -> Broadcast {
    let tender = &f.tenders[room];
    let mut members = Vec::new();
    for (token, _) in &f.experts {
        members.push(join(server, tender, token).await);
    }
    seat(&mut members, &f.experts[0].1).await;
    let before = server.rss_kib();
    let mut sockets = Vec::new();
    for i in 0..watchers {
        sockets.push(join(server, tender, &f.supervisors[i % f.supervisors.len()]).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss_kib();
    let speaker = Rc::new(tokio::sync::Mutex::new(members.remove(0)));
    let question_of = |v: &Value| -> Option<usize> {
        if v["kind"] != "clarification.requested" {
            return None;
        }
        v["payload"]["question"]
            .as_str()?
            .strip_prefix("问题 ")?
            .parse()
            .ok()
    };
    let latencies = watch_and_measure(sockets, messages, question_of, |k| {
        let speaker = speaker.clone();
        async move {
            let action = json!({"type": "clarify", "id": format!("q{k}"), "bid": "A", "question": format!("问题 {k}")});
            act(&mut *speaker.lock().await, action).await;
        }
    })
    .await;
    let s = stats(latencies);
    println!();
    println!("| 1 room, {watchers} watching supervisors, {messages} actions one at a time | |");
    println!("|---|---:|");
    println!(
        "| action → each watcher's receipt, p50 / p99 / max | {:.2} / {:.2} / {:.2} ms |",
        s.p50, s.p99, s.max
    );
    println!(
        "| server resident memory, before → after the watchers joined | {:.0} → {:.0} MiB |",
        before / 1024.0,
        after / 1024.0
    );
    Broadcast {
        p50: s.p50,
        p99: s.p99,
        kib_per_connection: (after - before) / watchers as f64,
    }
}

/// The baseline server: every text message any connection sends goes to
/// every connection.
fn baseline_server(port: u16) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        let (tx, _) = tokio::sync::broadcast::channel::<String>(1024);
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            let tx = tx.clone();
            tokio::task::spawn_local(async move {
                let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                let (mut write, mut read) = ws.split();
                let mut rx = tx.subscribe();
                loop {
                    tokio::select! {
                        m = read.next() => match m {
                            Some(Ok(Message::Text(t))) => { let _ = tx.send(t.to_string()); }
                            Some(Ok(_)) => {}
                            _ => return,
                        },
                        m = rx.recv() => match m {
                            Ok(t) => { if write.send(Message::text(t)).await.is_err() { return; } }
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                            Err(_) => return,
                        },
                    }
                }
            });
        }
    });
}

async fn baseline(watchers: usize, messages: usize) -> Broadcast {
    let port = free_port();
    let mut child = Command::new(std::env::current_exe().expect("self"))
        .args(["--baseline-server", &port.to_string()])
        .spawn()
        .expect("baseline server");
    let url = format!("ws://127.0.0.1:{port}/");
    let publisher = loop {
        match tokio_tungstenite::connect_async(&url).await {
            Ok((ws, _)) => break ws,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib(child.id());
    let mut sockets = Vec::new();
    for _ in 0..watchers {
        sockets.push(
            tokio_tungstenite::connect_async(&url)
                .await
                .expect("watcher")
                .0,
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(child.id());
    let of = |v: &Value| v["n"].as_u64().map(|n| n as usize);
    let publisher = Rc::new(tokio::sync::Mutex::new(publisher));
    let latencies = watch_and_measure(sockets, messages, of, |k| {
        let publisher = publisher.clone();
        async move {
            let message = Message::text(json!({"n": k}).to_string());
            publisher.lock().await.send(message).await.expect("publish");
        }
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let s = stats(latencies);
    Broadcast {
        p50: s.p50,
        p99: s.p99,
        kib_per_connection: (after - before) / watchers as f64,
    }
}
