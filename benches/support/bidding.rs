//! What the sealed-bids benchmarks share (benches/bids.rs, benches/surge.rs):
//! an HTTP client for the API, tenderers and their custody certificates,
//! bidders with certificates of the demo NNG enterprise CA and their
//! sign-in, tenders, bid envelopes, receipts and the figures.
//!
//! Included with `#[path = "support/bidding.rs"] mod bidding;` by the
//! benches that bid, so that the others (which share `support/mod.rs`)
//! do not compile it.

use awc::Client;
use chrono::{DateTime, Duration as Span, Utc};
use ggzy::audit::AuditContext;
use ggzy::bids::container::{self, PriceSchedule};
use ggzy::bids::envelope::{self, ContentCipher};
use ggzy::db::Db;
use ggzy::identity::Role;
use ggzy::identity::store::{NewUser, create_user, find_or_create_organisation};
use ggzy::types::{CreditCode, LeagueCode, UserId};
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
use std::time::Duration;

pub const MIB: usize = 1 << 20;

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

/// An awc client for many simultaneous requests.
pub fn client() -> Client {
    Client::builder()
        // No connection cap, and never reuse a connection the server's 5 s
        // keep-alive may already have closed.
        .connector(
            awc::Connector::new()
                .limit(0)
                .conn_keep_alive(Duration::from_secs(3)),
        )
        .timeout(Duration::from_secs(900))
        .finish()
}

pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn expect(self, status: u16, what: &str) -> Reply {
        assert_eq!(
            self.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }
}

/// The platform's API at `base` (a node, or a balancer in front of nodes).
pub struct Api {
    pub base: String,
    pub client: Client,
}

impl Api {
    pub fn new(base: String) -> Api {
        Api {
            base,
            client: client(),
        }
    }

    pub async fn send(
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

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(awc::http::Method::GET, path, token, None).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).expect("json");
        self.send(
            awc::http::Method::POST,
            path,
            token,
            Some(("application/json", bytes)),
        )
        .await
    }

    /// A published open tender with `deadline`, its documents available
    /// an hour after `now` (the platform's time).
    pub async fn tender(
        &self,
        tenderer: &str,
        title: &str,
        now: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> String {
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

    /// The tender's bid deadline as the platform reads it.
    pub async fn deadline(&self, tender: &str) -> DateTime<Utc> {
        let detail = self
            .get(&format!("/api/v1/tenders/{tender}"), None)
            .await
            .expect(200, "tender")
            .json();
        serde_json::from_value(detail["dates"]["bid_deadline"].clone()).expect("deadline")
    }

    pub async fn opening_cert(&self, tender: &str) -> X509 {
        let r = self
            .get(
                &format!("/api/v1/tenders/{tender}/opening-key/certificate.pem"),
                None,
            )
            .await
            .expect(200, "opening certificate");
        X509::from_pem(&r.body).expect("opening certificate PEM")
    }

    /// Signs the bidder in (a challenge signed with its key); its token.
    pub async fn sign_in(&self, bidder: &Bidder) -> String {
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

    /// Signs every bidder in, `at_once` at a time; their tokens in order.
    pub async fn sign_in_all(&self, bidders: &[Bidder], at_once: usize) -> Vec<String> {
        let mut tokens = Vec::with_capacity(bidders.len());
        for chunk in bidders.chunks(at_once) {
            tokens.extend(
                futures_util::future::join_all(chunk.iter().map(|b| self.sign_in(b))).await,
            );
        }
        tokens
    }
}

// ---------------------------------------------------------------------------
// Tenderers
// ---------------------------------------------------------------------------

/// A user with a token, as `ggzy users add` makes one, in the NNG league.
pub fn user(db: &Db, now: DateTime<Utc>, name: &str, role: Role, org: &str) -> (String, UserId) {
    let league = LeagueCode::parse("NNG").expect("NNG");
    let ctx = AuditContext::system(now);
    db.write_blocking(|conn| {
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

/// The tenderer's custody certificate (where its share of each opening
/// key goes), made and recorded; its key and certificate.
pub fn custody(
    db: &Db,
    tenderer: &UserId,
    name: &str,
    now: DateTime<Utc>,
) -> (PKey<Private>, X509) {
    let key = PKey::from_rsa(Rsa::generate(2048).expect("RSA")).expect("key");
    let cert = ggzy::opening::custody::self_signed(
        &key,
        name,
        now - Span::hours(1),
        now + Span::days(365),
    )
    .expect("custody certificate");
    let der = cert.to_der().expect("der");
    db.write_blocking(|conn| {
        ggzy::opening::store::record_custody_certificate(conn, tenderer, &der, now)
    })
    .expect("custody certificate");
    (key, cert)
}

/// How many bids of the tender are on record.
pub fn bids_on_record(db: &Db, tender: &str) -> usize {
    db.write_blocking(|conn| {
        use diesel::prelude::*;
        use ggzy::db::schema::bids;
        Ok(bids::table
            .filter(bids::tender_id.eq(tender))
            .count()
            .get_result::<i64>(conn)?)
    })
    .expect("count") as usize
}

// ---------------------------------------------------------------------------
// Bidders and their envelopes
// ---------------------------------------------------------------------------

pub struct Ca {
    cert: X509,
    key: PKey<Private>,
}

pub struct Bidder {
    pub cert: X509,
    pub key: PKey<Private>,
}

/// The demo NNG enterprise CA a server with demo data wrote into its data
/// folder.
pub fn demo_enterprise_ca(data_dir: &Path) -> Ca {
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
pub fn enterprise(ca: &Ca, i: usize, now: DateTime<Utc>) -> Bidder {
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
pub fn documents(dir: &Path, bytes: usize) -> PathBuf {
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
pub fn envelope(bidder: &Bidder, docs: &Path, price: i64, opening: &X509) -> Vec<u8> {
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

/// One envelope of about 1 MiB per bidder, the documents made in `work`
/// (removed afterwards), prices from `first_price` up.
pub fn surge_envelopes(
    bidders: &[Bidder],
    work: &Path,
    first_price: i64,
    opening: &X509,
) -> Vec<Vec<u8>> {
    let docs = documents(work, MIB - 4096);
    let envelopes = bidders
        .iter()
        .enumerate()
        .map(|(i, b)| envelope(b, &docs, first_price + i as i64, opening))
        .collect();
    std::fs::remove_dir_all(work).expect("clean up");
    envelopes
}

// ---------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    openssl::sha::sha256(bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    ggzy::identity::hex(bytes)
}

/// Checks a receipt: 201, the hash of what was sent, a timestamp token
/// over that hash from the platform TSA.
pub fn check_receipt(reply: &Reply, sent: &[u8], tsa_root: &X509) -> Value {
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
