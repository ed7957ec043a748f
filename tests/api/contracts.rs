//! Contracts through the HTTP API after a real evaluation and award: the
//! tenderer drafts the contract from the award (value, supplier and lot
//! fixed; a bond above 10 % refused), both parties sign the same bytes
//! with the real `openssl cms -sign` and a GB/T 38540 seal signature, and
//! the real `openssl cms -verify` checks each signature as the platform
//! serves it; tampered signatures, another enterprise's certificate or
//! seal are refused with nothing kept; the purchaser publishes it (a
//! `contract` notice and OCDS release); the clocks raise supervision
//! alerts; and each role that may not act is refused.

use crate::bids::sign_in;
use crate::fabric::{League, openssl};
use crate::helpers::{Reply, TestApp};
use crate::rooms::{Client, evaluation_started, league, score, token_of};
use crate::trust::{Registry, credit};
use chrono::Duration;
use ggzy::seals::{CertListForm, DocumentInput, Picture, SealSpec, SealType, make_seal};
use openssl::pkey::PKey;
use openssl::x509::X509;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

pub const PURCHASER: &str = "南宁市教育局";
pub const SUPPLIER: &str = "广西第二建设有限公司";

fn purchaser_code() -> String {
    credit("12450100MB0000001")
}

/// An awarded tender and who stands where.
struct Awarded {
    tender: String,
    tenderer: String,
    supervisor: String,
    award_id: String,
    value_fen: i64,
    winner_org: String,
}

/// The tenderer's organisation with its credit code (so that its
/// certificate can be matched to it), its enterprise certificate
/// (`purchaser`), a seal authority in NNG; then a real evaluation (three
/// bids, five members scoring, the report signed by all) and the award to
/// the report's first (广西第二建设, 900,000 yuan).
async fn awarded(r: &Registry) -> Awarded {
    purchaser_ready(r).await;
    let app = &r.app;
    let f = evaluation_started(r).await;
    let tender = f.tender.clone();
    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&f.tenderer),
        &json!({"blind_technical": false}),
    )
    .await
    .assert_status(201);
    let mut clients = Vec::new();
    for e in &f.members {
        let token = token_of(r, e).await;
        clients.push(Client::open(app, &tender, &token).await);
    }
    for c in clients.iter_mut() {
        c.ok(json!({"type": "declare"})).await;
    }
    let chair = 1;
    for c in clients.iter_mut().take(3) {
        c.ok(json!({"type": "vote", "candidate": f.members[chair].id}))
            .await;
    }
    let reviewed = clients[chair].ok(json!({"type": "close_round"})).await;
    clients[chair].until(reviewed + 1).await;
    for criterion in ["tech", "biz"] {
        let points = if criterion == "tech" { 35.0 } else { 15.0 };
        for c in clients.iter_mut() {
            for bid in ["A", "B", "C"] {
                c.ok(score(bid, criterion, points)).await;
            }
        }
        let closed = clients[chair].ok(json!({"type": "close_round"})).await;
        clients[chair].until(closed + 1).await;
    }
    let report_url = format!("/api/v1/tenders/{tender}/evaluation/report");
    let view = app.get(&report_url, Some(&f.supervisor)).await.json();
    let text = view["signed_text"].as_str().unwrap().to_string();
    let mut last = 0;
    for (i, e) in f.members.iter().enumerate() {
        let signature = league(r, e.league).sign_raw(&e.file, &text);
        last = clients[i]
            .ok(json!({"type": "sign", "id": "sign", "signature": signature}))
            .await;
    }
    clients[0].until(last + 1).await;
    drop(clients);
    // Government procurement awards from the report without a candidates'
    // publicity (87号令 第68条).
    app.post_json(
        &format!("/api/v1/tenders/{tender}/transitions"),
        Some(&f.tenderer),
        &json!({"action": "award"}),
    )
    .await
    .assert_status(200);
    let tender_id = tender.clone();
    let awards = app
        .db
        .write_blocking(move |conn| ggzy::tenders::award::awards_of(conn, &tender_id))
        .unwrap();
    let [award] = awards.as_slice() else {
        panic!("one award: {awards:?}")
    };
    Awarded {
        tender,
        tenderer: f.tenderer.clone(),
        supervisor: f.supervisor.clone(),
        award_id: award.id.clone(),
        value_fen: award.value_fen,
        winner_org: award.supplier_org_id.clone(),
    }
}

/// The tenderer's organisation (南宁市教育局) with its credit code, so that
/// its certificate is matched to it; its enterprise certificate
/// (`purchaser`); NNG's seal authority registered. Call before the tender
/// is made.
pub async fn purchaser_ready(r: &Registry) {
    let app = &r.app;
    let ctx = ggzy::audit::AuditContext::system(app.now());
    let code = ggzy::types::CreditCode::parse(&purchaser_code()).unwrap();
    let nng = ggzy::types::LeagueCode::parse("NNG").unwrap();
    app.db
        .write_blocking(|conn| {
            ggzy::identity::store::find_or_create_organisation(
                conn,
                &ctx,
                &nng,
                PURCHASER,
                Some(&code),
            )
        })
        .unwrap();
    r.nng.enterprise("purchaser", PURCHASER, &purchaser_code());
    r.nng.seal_authority();
    let (status, body) = r
        .register(
            "NNG",
            "seal_authority",
            &r.nng.text("seal-authority.pem"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// The contract at `url` (as the parties read it) signed by the supplier
/// ("second", 广西第二建设) and then the purchaser, each with an
/// `openssl cms -sign` signature and a seal signature over the document
/// as served; returns the contract after the purchaser's signature.
pub async fn signed_by_both(r: &Registry, url: &str, purchaser: &str, supplier: &str) -> Value {
    let (app, nng) = (&r.app, &r.nng);
    let document = app.get(&format!("{url}/document"), Some(supplier)).await;
    document.assert_status(200);
    let document = document.body.clone();
    let supplier_seal = seal_of(app, nng, (SUPPLIER, &credit("91450100MA5T0003C")), "second");
    sign(
        app,
        supplier,
        url,
        &cms_sign(nng, "second", &document),
        &seal_sign(app, nng, "second", &supplier_seal, &document),
    )
    .await
    .assert_status(201);
    let purchaser_seal = seal_of(app, nng, (PURCHASER, &purchaser_code()), "purchaser");
    let done = sign(
        app,
        purchaser,
        url,
        &cms_sign(nng, "purchaser", &document),
        &seal_sign(app, nng, "purchaser", &purchaser_seal, &document),
    )
    .await;
    done.assert_status(201);
    done.json()
}

fn load(league: &League, name: &str) -> (X509, PKey<openssl::pkey::Private>) {
    (
        X509::from_pem(league.text(&format!("{name}.pem")).as_bytes()).unwrap(),
        PKey::private_key_from_pem(league.text(&format!("{name}.key")).as_bytes()).unwrap(),
    )
}

/// An electronic seal of `owner` (name, credit code) for the certificate
/// `holder`, issued by NNG's seal authority.
fn seal_of(app: &TestApp, league: &League, owner: (&str, &str), holder: &str) -> Vec<u8> {
    let (authority, authority_key) = load(league, "seal-authority");
    let (cert, _) = load(league, holder);
    let now = app.now();
    make_seal(
        &SealSpec {
            es_id: format!("450100{}", &owner.1[8..17]),
            name: format!("{}合同专用章", owner.0),
            seal_type: SealType::Organisation,
            owner_name: owner.0.into(),
            credit_code: ggzy::types::CreditCode::parse(owner.1).unwrap(),
            created: now - Duration::days(1),
            valid_from: now - Duration::days(1),
            valid_to: now + Duration::days(300),
            signer_certs: vec![cert.to_der().unwrap()],
            cert_list_form: CertListForm::Certificates,
            picture: Picture {
                picture_type: "png".into(),
                data: b"\x89PNG contract seal".to_vec(),
                width_mm: 42,
                height_mm: 42,
            },
        },
        &authority,
        &authority_key,
    )
    .unwrap()
}

/// `openssl cms -sign` (detached, binary, DER) over `document` by `signer`.
fn cms_sign(league: &League, signer: &str, document: &[u8]) -> Vec<u8> {
    std::fs::write(league.dir.join("contract.json"), document).unwrap();
    openssl(
        &league.dir,
        &[
            "cms",
            "-sign",
            "-binary",
            "-md",
            "sha256",
            "-in",
            "contract.json",
            "-signer",
            &format!("{signer}.pem"),
            "-inkey",
            &format!("{signer}.key"),
            "-outform",
            "DER",
            "-out",
            "contract.p7s",
        ],
    );
    std::fs::read(league.dir.join("contract.p7s")).unwrap()
}

/// A seal signature with `seal` by `signer` over `document`.
fn seal_sign(
    app: &TestApp,
    league: &League,
    signer: &str,
    seal: &[u8],
    document: &[u8],
) -> Vec<u8> {
    let (cert, key) = load(league, signer);
    ggzy::seals::sign(
        seal,
        DocumentInput::Bytes(document),
        "contract.json",
        app.now(),
        &cert,
        &key,
    )
    .unwrap()
}

fn b64(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
}

/// `openssl cms -verify -binary -inform DER -content <document>` of a
/// served signature against NNG's CAs: whether openssl accepts it.
fn openssl_verifies(dir: &Path, league: &League, document: &[u8], signature: &[u8]) -> bool {
    let (doc, sig, chain) = (
        dir.join("served.json"),
        dir.join("served.p7s"),
        dir.join("chain.pem"),
    );
    std::fs::write(&doc, document).unwrap();
    std::fs::write(&sig, signature).unwrap();
    std::fs::write(
        &chain,
        league.text("root.pem") + &league.text("enterprise-ca.pem"),
    )
    .unwrap();
    Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(&sig)
        .arg("-content")
        .arg(&doc)
        .arg("-CAfile")
        .arg(&chain)
        .args(["-out", "/dev/null"])
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run openssl")
        .success()
}

async fn sign(app: &TestApp, token: &str, url: &str, cms: &[u8], seal: &[u8]) -> Reply {
    app.post_json(
        &format!("{url}/signatures"),
        Some(token),
        &json!({"cms": b64(cms), "seal_signature": b64(seal)}),
    )
    .await
}

/// Waits (for the contract sweep, every few seconds) until `token` reads an
/// alert of `kind` on `tender`.
async fn alert_of(app: &TestApp, token: &str, tender: &str, kind: &str) -> Value {
    for _ in 0..100 {
        let list = app
            .get(
                &format!("/api/v1/supervision/alerts?tender_id={tender}"),
                Some(token),
            )
            .await;
        list.assert_status(200);
        if let Some(a) = list.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == kind)
        {
            return a.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("no {kind} alert on {tender}");
}

#[actix_web::test]
async fn a_contract_from_the_award_is_signed_by_both_parties_verified_by_openssl_and_published() {
    let r = Registry::new().await;
    let a = awarded(&r).await;
    let app = &r.app;
    let tender = a.tender.clone();
    let base = format!("/api/v1/tenders/{tender}/contracts");
    assert_eq!(a.value_fen, 90_000_000);
    let supplier = sign_in(&r, &r.nng, "second").await;
    let loser = sign_in(&r, &r.nng, "third").await;
    let foreign_supervisor = app.supervisor(
        "柳州监督员",
        "administrative",
        Some("government_procurement"),
        Some("LZH"),
    );
    let other_category = app.supervisor(
        "工程监督员",
        "administrative",
        Some("engineering_construction"),
        Some("NNG"),
    );

    // --- Drafting: the tender's tenderer (or agent) only.
    let draft = json!({"award_id": a.award_id, "terms": {
        "subject": "交互式智能黑板 40 套及配套软件",
        "performance_period": {"start": "2027-03-01", "end": "2027-05-31"},
        "payment_terms": "验收合格后 30 日内支付合同价款的 95%，余款质保期满后支付",
        "place": "南宁市青秀区各中小学",
        "performance_bond_fen": 9_000_000,
        "clauses": ["质保期三年", "违约金按日万分之五计"]}});
    app.post_json(&base, None, &draft)
        .await
        .assert_problem(401, "unauthenticated");
    for token in [&supplier, &loser, &a.supervisor, &r.operator] {
        // (A supervisor changes nothing anywhere, whatever the request.)
        let why = if token == &a.supervisor {
            "supervision.read-only"
        } else {
            "contract.drafters-only"
        };
        app.post_json(&base, Some(token), &draft)
            .await
            .assert_refusal(403, "forbidden", why);
    }
    // The value, supplier and lot are the award's; the bond at most 10 %.
    let mut bad = draft.clone();
    bad["terms"]["value_fen"] = json!(a.value_fen + 1);
    let reply = app.post_json(&base, Some(&a.tenderer), &bad).await;
    let refused = reply.assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "value_fen");
    assert!(refused["detail"].as_str().unwrap().contains("第57条"));
    // The award's value, in yuan, for the portal's sentence.
    assert_eq!(
        reply.assert_rule("contract.value-fixed"),
        ("value_fen".to_string(), json!({ "value": "900000.00" }))
    );
    let mut bad = draft.clone();
    bad["terms"]["performance_bond_fen"] = json!(9_000_001);
    let reply = app.post_json(&base, Some(&a.tenderer), &bad).await;
    let refused = reply.assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "performance_bond_fen");
    assert!(refused["detail"].as_str().unwrap().contains("第48条"));
    assert_eq!(
        reply.assert_rule("contract.bond-ceiling").1,
        json!({ "max": "90000.00", "value": "900000.00" })
    );
    let mut bad = draft.clone();
    bad["award_id"] = json!(uuid::Uuid::new_v4().to_string());
    app.post_json(&base, Some(&a.tenderer), &bad)
        .await
        .assert_problem(422, "validation-failed");
    assert_eq!(app.count("contracts"), 0);

    let created = app.post_json(&base, Some(&a.tenderer), &draft).await;
    created.assert_status(201);
    let c = created.json();
    let id = c["id"].as_str().unwrap().to_string();
    let url = format!("{base}/{id}");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["value_fen"], a.value_fen);
    assert_eq!(c["supplier"]["organisation_id"], a.winner_org);
    assert_eq!(c["supplier"]["name"], SUPPLIER);
    assert_eq!(
        c["purchaser"]["unified_social_credit_code"],
        purchaser_code()
    );
    assert_eq!(c["lot"], 0);
    assert_eq!(c["terms"]["title"], "智慧教室设备采购合同");
    app.post_json(&base, Some(&a.tenderer), &draft)
        .await
        .assert_refusal(409, "conflict", "contract.award-has-contract");

    // --- Editing: the value cannot change, the bond stays within 10 %.
    let mut edit = draft["terms"].clone();
    edit["value_fen"] = json!(80_000_000);
    app.put_json(&url, Some(&a.tenderer), &edit)
        .await
        .assert_problem(422, "validation-failed");
    edit["value_fen"] = json!(a.value_fen);
    edit["performance_bond_fen"] = json!(9_500_000);
    app.put_json(&url, Some(&a.tenderer), &edit)
        .await
        .assert_problem(422, "validation-failed");
    edit["performance_bond_fen"] = json!(4_500_000);
    edit["clauses"] = json!(["质保期三年", "违约金按日万分之五计", "供应商的报价明细"]);
    for token in [&supplier, &loser, &r.operator] {
        app.put_json(&url, Some(token), &edit)
            .await
            .assert_status(if token == &loser { 404 } else { 403 });
    }
    let edited = app.put_json(&url, Some(&a.tenderer), &edit).await;
    edited.assert_status(200);
    assert_eq!(edited.json()["terms"]["performance_bond_fen"], 4_500_000);

    // --- Who reads the draft: the parties, the league's operators and
    // supervisors in scope; to anyone else it is absent.
    for token in [&a.tenderer, &supplier, &a.supervisor, &r.operator] {
        app.get(&url, Some(token)).await.assert_status(200);
        app.get(&format!("{url}/document"), Some(token))
            .await
            .assert_status(200);
    }
    for token in [
        Some(&loser),
        Some(&foreign_supervisor),
        Some(&other_category),
        Some(&r.platform),
        None,
    ] {
        let token = token.map(|t| t.as_str());
        app.get(&url, token).await.assert_problem(404, "not-found");
        app.get(&format!("{url}/document"), token)
            .await
            .assert_problem(404, "not-found");
        let list = app.get(&base, token).await;
        list.assert_status(200);
        assert_eq!(list.json()["items"], json!([]));
    }

    // --- The supplier signs the document as served.
    let served = app.get(&format!("{url}/document"), Some(&supplier)).await;
    let document = served.body.clone();
    assert_eq!(
        served.header("X-Content-SHA256").unwrap(),
        crate::bids::sha256_hex(&document)
    );
    let parsed: Value = serde_json::from_slice(&document).unwrap();
    assert_eq!(parsed["format"], "ggzy-contract-v1");
    assert_eq!(parsed["value_fen"], a.value_fen);
    assert_eq!(parsed["terms"]["performance_bond_fen"], 4_500_000);
    let nng = &r.nng;
    let supplier_code = credit("91450100MA5T0003C");
    let supplier_seal = seal_of(app, nng, (SUPPLIER, &supplier_code), "second");
    let supplier_cms = cms_sign(nng, "second", &document);
    let supplier_sealed = seal_sign(app, nng, "second", &supplier_seal, &document);

    // Refused, each keeping nothing: a flipped byte in the CMS signature;
    // a CMS signature over other bytes; another enterprise's certificate;
    // a seal signature over other bytes; a seal signature by another
    // certificate; another enterprise's seal; a loser or a supervisor
    // signing.
    let mut flipped = supplier_cms.clone();
    let at = flipped.len() - 10;
    flipped[at] ^= 0x01;
    let mut other_doc = document.clone();
    other_doc.extend_from_slice(b"\n");
    let third_code = credit("91450100MA5T0004D");
    let third_seal = seal_of(app, nng, ("广西第三建设有限公司", &third_code), "third");
    let second_with_third_seal = {
        // A seal listing "second"'s certificate but owned by 广西第三建设.
        seal_of(app, nng, ("广西第三建设有限公司", &third_code), "second")
    };
    let attempts: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        ("flipped CMS", flipped, supplier_sealed.clone()),
        (
            "CMS over other bytes",
            cms_sign(nng, "second", &other_doc),
            supplier_sealed.clone(),
        ),
        (
            "another enterprise's certificate",
            cms_sign(nng, "third", &document),
            seal_sign(app, nng, "third", &third_seal, &document),
        ),
        (
            "seal over other bytes",
            supplier_cms.clone(),
            seal_sign(app, nng, "second", &supplier_seal, &other_doc),
        ),
        (
            "seal by another certificate",
            supplier_cms.clone(),
            seal_sign(app, nng, "third", &third_seal, &document),
        ),
        (
            "another enterprise's seal",
            supplier_cms.clone(),
            seal_sign(app, nng, "second", &second_with_third_seal, &document),
        ),
        (
            "not DER",
            b"not a signature".to_vec(),
            supplier_sealed.clone(),
        ),
    ];
    for (what, cms, seal) in &attempts {
        let reply = sign(app, &supplier, &url, cms, seal).await;
        let refused = reply.assert_problem(422, "signature-rejected");
        assert!(!refused["detail"].as_str().unwrap().is_empty(), "{what}");
        // Each says why for the portal.
        let reason = match *what {
            "flipped CMS" | "CMS over other bytes" | "not DER" => "contract.cms-invalid",
            "another enterprise's certificate" => "contract.other-enterprise",
            "seal over other bytes" => "contract.seal-invalid",
            "seal by another certificate" => "contract.seal-other-certificate",
            "another enterprise's seal" => "contract.seal-other-owner",
            other => panic!("{other}"),
        };
        let params = reply.assert_refusal(422, "signature-rejected", reason);
        if reason == "contract.seal-other-owner" {
            assert_eq!(params["owner"], json!(third_code.as_str()), "{what}");
        }
    }
    for token in [&loser, &a.supervisor] {
        sign(app, token, &url, &supplier_cms, &supplier_sealed)
            .await
            .assert_status(if token == &loser { 404 } else { 403 });
    }
    app.post_json(
        &format!("{url}/signatures"),
        Some(&supplier),
        &json!({"cms": "%%%", "seal_signature": b64(&supplier_sealed)}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(app.count("contract_signatures"), 0);

    // --- No contract 30 days after the award: an alert (the award's time
    // is moved back, as if the days had passed; the certificates' CRLs
    // would not outlive the clock moved a month).
    let award_id = a.award_id.clone();
    let awarded = app
        .db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::awards;
            let at: chrono::NaiveDateTime = awards::table
                .find(&award_id)
                .select(awards::decided_at)
                .first(conn)?;
            let moved = at - Duration::days(30) - Duration::seconds(5);
            diesel::update(awards::table.find(&award_id))
                .set(awards::decided_at.eq(moved))
                .execute(conn)?;
            Ok(ggzy::db::from_db_time(moved))
        })
        .unwrap();
    let alert = alert_of(app, &a.supervisor, &tender, "contract_not_signed").await;
    assert!(
        alert["summary"].as_str().unwrap().contains("第46条"),
        "{alert}"
    );
    // Said as a key and params: the due time in Beijing time, the articles.
    assert_eq!(
        (&alert["reason"], &alert["params"]),
        (
            &json!("alert.contract-not-signed"),
            &json!({"award": a.award_id, "due": ggzy::reasons::time(awarded + Duration::days(30)),
                    "basis": "招标投标法 第46条、政府采购法 第46条"})
        ),
        "{alert}"
    );

    let signed = sign(app, &supplier, &url, &supplier_cms, &supplier_sealed).await;
    signed.assert_status(201);
    let signed = signed.json();
    assert_eq!(signed["status"], "signing");
    assert_eq!(signed["signatures"][0]["party"], "supplier");
    assert_eq!(
        signed["document_sha256"],
        crate::bids::sha256_hex(&document)
    );
    // Frozen: no edit; the same party does not sign twice.
    app.put_json(&url, Some(&a.tenderer), &edit)
        .await
        .assert_refusal(409, "conflict", "contract.frozen");
    let params = sign(app, &supplier, &url, &supplier_cms, &supplier_sealed)
        .await
        .assert_refusal(409, "conflict", "contract.party-signed-already");
    assert_eq!(params, json!({ "party": "supplier" }));
    assert_eq!(
        app.get(&format!("{url}/document"), Some(&a.tenderer))
            .await
            .body,
        document
    );

    // --- The purchaser signs the same bytes.
    let purchaser_seal = seal_of(app, nng, (PURCHASER, &purchaser_code()), "purchaser");
    let purchaser_cms = cms_sign(nng, "purchaser", &document);
    let purchaser_sealed = seal_sign(app, nng, "purchaser", &purchaser_seal, &document);
    // The supplier's signature presented as the purchaser's: another party.
    sign(app, &a.tenderer, &url, &supplier_cms, &supplier_sealed)
        .await
        .assert_problem(422, "signature-rejected");
    let done = sign(app, &a.tenderer, &url, &purchaser_cms, &purchaser_sealed).await;
    done.assert_status(201);
    let done = done.json();
    assert_eq!(done["status"], "signed", "{done}");
    assert!(done["signed_at"].is_string());
    let publish_by: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(done["publish_by"].clone()).unwrap();
    assert!(publish_by > app.now() + Duration::days(1), "{done}");
    assert_eq!(app.count("contract_signatures"), 2);

    // --- openssl verifies each party's signature as served.
    let dir = tempfile::tempdir().unwrap();
    for party in ["supplier", "purchaser"] {
        let der = app
            .get(&format!("{url}/signatures/{party}"), Some(&a.supervisor))
            .await;
        der.assert_status(200);
        assert_eq!(
            der.header("content-type").as_deref(),
            Some("application/pkcs7-signature")
        );
        assert!(
            openssl_verifies(dir.path(), nng, &document, &der.body),
            "{party}"
        );
        assert!(
            !openssl_verifies(dir.path(), nng, &other_doc, &der.body),
            "{party} over other bytes"
        );
        let seal = app
            .get(
                &format!("{url}/signatures/{party}?form=seal"),
                Some(&a.supervisor),
            )
            .await;
        seal.assert_status(200);
        let details = ggzy::seals::parse_signature(&seal.body).unwrap();
        assert_eq!(details.document_digest, crate::bids::sha256_hex(&document));
    }

    // --- Not published within 2 working days: an alert.
    app.clock
        .advance(publish_by - app.now() + Duration::seconds(1));
    let alert = alert_of(app, &a.supervisor, &tender, "contract_not_published").await;
    assert!(alert["summary"].as_str().unwrap().contains("第50条"));
    assert_eq!(
        (&alert["reason"], &alert["params"]),
        (
            &json!("alert.contract-not-published"),
            &json!({"award": a.award_id, "due": ggzy::reasons::time(publish_by),
                    "basis": "政府采购法实施条例 第50条"})
        ),
        "{alert}"
    );
    // The bidders' certificate sessions lapsed meanwhile (and the test
    // CRLs with them): their accounts' API tokens act from here.
    let supplier = app.user("中标方专员", ggzy::identity::Role::Bidder, "NNG", SUPPLIER);
    let loser = app.user(
        "落标方专员",
        ggzy::identity::Role::Bidder,
        "NNG",
        "广西第三建设有限公司",
    );

    // --- Publication: the tenderer's (or agent's) act.
    let publication = format!("{url}/publication");
    app.post_json(&publication, None, &json!({}))
        .await
        .assert_problem(401, "unauthenticated");
    for token in [&supplier, &a.supervisor, &r.operator] {
        app.post_json(&publication, Some(token), &json!({}))
            .await
            .assert_problem(403, "forbidden");
    }
    app.post_json(
        &publication,
        Some(&a.tenderer),
        &json!({"withheld_clauses": [4]}),
    )
    .await
    .assert_problem(422, "validation-failed");
    let published = app
        .post_json(
            &publication,
            Some(&a.tenderer),
            &json!({"withheld_clauses": [3]}),
        )
        .await;
    published.assert_status(200);
    let published = published.json();
    assert_eq!(published["status"], "published");
    let seq = published["notice_seq"].clone();
    app.post_json(&publication, Some(&a.tenderer), &json!({}))
        .await
        .assert_refusal(409, "conflict", "contract.published-already");

    // The public reads it without the clause withheld, and not the
    // signed document (it holds that clause).
    let public = app.get(&url, None).await;
    public.assert_status(200);
    let public = public.json();
    assert_eq!(
        public["terms"]["clauses"],
        json!(["质保期三年", "违约金按日万分之五计"])
    );
    assert_eq!(public["withheld_clauses"], json!([3]));
    assert_eq!(public["document_url"], Value::Null);
    app.get(&format!("{url}/document"), None)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("{url}/signatures/supplier"), None)
        .await
        .assert_problem(404, "not-found");
    let listed = app.get(&base, Some(&loser)).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    // The parties still read it whole.
    let whole = app.get(&url, Some(&supplier)).await.json();
    assert_eq!(whole["terms"]["clauses"].as_array().unwrap().len(), 3);

    // The notice, and its OCDS release.
    let notices = app
        .get(&format!("/api/v1/tenders/{tender}/notices"), None)
        .await
        .json();
    let notice = notices["items"]
        .as_array()
        .or(notices.as_array())
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "contract")
        .cloned()
        .unwrap_or_else(|| panic!("{notices}"));
    assert_eq!(notice["seq"], seq);
    assert!(notice["body"].as_str().unwrap().contains(SUPPLIER));
    let package = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/releases"), None)
        .await
        .json();
    let release = package["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tag"] == json!(["contract"]))
        .cloned()
        .unwrap_or_else(|| panic!("{package}"));
    let contract = &release["contracts"][0];
    assert_eq!(contract["id"], id.as_str());
    assert_eq!(contract["awardID"], a.award_id.as_str());
    assert_eq!(contract["status"], "active");
    assert_eq!(
        contract["value"],
        json!({"amount": 900000.0, "currency": "CNY"})
    );
    assert_eq!(contract["dateSigned"].as_str().unwrap().len(), 20);
    assert_eq!(contract["period"]["startDate"], "2027-03-01T00:00:00+08:00");
    assert!(contract.get("documents").is_none(), "withheld: {contract}");
    assert_eq!(release["awards"][0]["id"], a.award_id.as_str());
    assert_eq!(
        release["awards"][0]["suppliers"][0]["id"],
        a.winner_org.as_str()
    );
    let supplier_party = release["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == a.winner_org.as_str())
        .unwrap();
    assert!(
        supplier_party["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("supplier"))
    );

    // Every step is on the record, the contract named by its title and
    // parties (not its id).
    app.wait_for_log().await;
    let now = app.get(&url, Some(&a.tenderer)).await.json();
    let named = format!(
        "{}（甲方：{}，乙方：{}）",
        now["terms"]["title"].as_str().unwrap(),
        now["purchaser"]["name"].as_str().unwrap(),
        SUPPLIER
    );
    for (action, n) in [
        ("contract.drafted", 1),
        ("contract.edited", 1),
        ("contract.signed", 2),
        ("contract.published", 1),
    ] {
        let events = app
            .get(
                &format!("/api/v1/audit/events?tender_id={tender}&action={action}"),
                Some(&r.operator),
            )
            .await;
        events.assert_status(200);
        let events = events.json();
        assert_eq!(
            events["items"].as_array().map(Vec::len),
            Some(n),
            "{action}: {events}"
        );
        for e in events["items"].as_array().unwrap() {
            assert_eq!(e["object_name"], json!(named), "{action}: {e}");
        }
    }
}
