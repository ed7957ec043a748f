//! Demo data comes with a working trust fabric: its CAs, CRLs and
//! recognitions are registered, its keys are in `<data_dir>/pki-demo`, and
//! the demo accounts sign in with them (signatures made by the openssl
//! command line, as a user would).

use crate::fabric::openssl;
use crate::helpers::{Options, TestApp, spawn_app_with};
use serde_json::{Value, json};
use std::path::PathBuf;

fn fabric_dir(app: &TestApp) -> PathBuf {
    app.data_dir.path().join("pki-demo")
}

/// Signs a challenge with `<stem>.key.pem` of the written fabric (openssl
/// CLI) and logs in with `<stem>.cert.pem`.
async fn login(app: &TestApp, stem: &str) -> (u16, Value) {
    login_with(app, stem, &["-sha256"]).await
}

/// As [`login`], with the digest options given to `openssl dgst`.
async fn login_with(app: &TestApp, stem: &str, digest: &[&str]) -> (u16, Value) {
    let c = app
        .post_json("/api/v1/auth/challenges", None, &json!({}))
        .await;
    assert_eq!(c.status, 201);
    let c = c.json();
    let dir = fabric_dir(app);
    std::fs::write(dir.join("challenge.txt"), c["challenge"].as_str().unwrap()).unwrap();
    let key = format!("{stem}.key.pem");
    let mut args = vec!["dgst"];
    args.extend_from_slice(digest);
    args.extend(["-sign", key.as_str(), "challenge.txt"]);
    let signature = openssl(&dir, &args);
    let certificate = std::fs::read_to_string(dir.join(format!("{stem}.cert.pem"))).unwrap();
    let reply = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({
                "challenge_id": c["id"],
                "certificate": certificate,
                "signature": openssl::base64::encode_block(&signature),
                "format": "raw",
            }),
        )
        .await;
    (reply.status, reply.json())
}

#[actix_web::test]
async fn demo_data_registers_a_fabric_whose_keys_sign_in_the_demo_accounts() {
    let app = spawn_app_with(Options {
        demo_data: true,
        ..Default::default()
    })
    .await;
    // Each league: its root (listed as enterprise_ca), the two CAs and
    // the two authorities, granted; every CRL loaded.
    let services = app.get("/api/v1/trust/services", None).await.json();
    let items = services["items"].as_array().unwrap();
    for league in ["GX", "NNG", "LZH"] {
        let mut types: Vec<&str> = items
            .iter()
            .filter(|s| s["league"] == league)
            .map(|s| s["service_type"].as_str().unwrap())
            .collect();
        types.sort_unstable();
        assert_eq!(
            types,
            [
                "enterprise_ca",
                "enterprise_ca",
                "personal_ca",
                "seal_authority",
                "timestamp_authority"
            ],
            "{league}"
        );
    }
    // And the platform's own staff CA, of no league.
    let staff: Vec<&Value> = items
        .iter()
        .filter(|s| s["service_type"] == "staff_ca")
        .collect();
    assert_eq!(staff.len(), 1, "{services:#}");
    assert_eq!(staff[0]["league"], Value::Null);
    assert_eq!(items.len(), 16);
    assert!(items.iter().all(|s| s["status"] == "granted"));
    assert_eq!(app.count("trust_crls"), 10);
    assert_eq!(app.count("trust_recognitions"), 14);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(fabric_dir(&app).join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["leagues"], json!(["GX", "NNG", "LZH"]));

    // The demo bidder signs in with its organisation's certificate (P-256)
    // and lands in its demo account; so does LZH's tenderer (RSA).
    let (status, body) = login(&app, "NNG/enterprises/91450000MA5L13579M").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["name"], "广西建工集团 投标部");
    assert_eq!(body["principal"]["roles"], json!(["bidder"]));
    assert_eq!(body["principal"]["league"], "NNG");
    let bidder = body["token"].as_str().unwrap().to_string();
    let (status, body) = login(&app, "LZH/enterprises/91450200MA5N543212").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["name"], "柳州城投 招采部");
    assert_eq!(body["principal"]["roles"], json!(["tenderer"]));

    // The platform operator signs in with the certificate the platform's
    // staff CA issued it, to its account of no league.
    let (status, body) = login(&app, "platform/operator").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["name"], "农志诚");
    assert_eq!(body["principal"]["roles"], json!(["operator"]));
    assert_eq!(body["principal"]["league"], Value::Null);
    assert_eq!(body["validation"]["vouched_by"]["service_type"], "staff_ca");
    let operator = body["token"].as_str().unwrap().to_string();

    // The experts and supervisors have accounts of their own.
    let (status, body) = login(&app, "GX/people/expert").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["name"], "黄丽萍");
    assert_eq!(body["principal"]["roles"], json!(["expert"]));
    assert_eq!(body["principal"]["league"], "GX");
    // NNG's expert holds an SM2 key: SM3 with the standard signer ID.
    let (status, body) = login_with(
        &app,
        "NNG/people/expert",
        &["-sm3", "-sigopt", "distid:1234567812345678"],
    )
    .await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["roles"], json!(["expert"]));
    // Each is in the shared pool, available.
    let expert = body["token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/experts/me", Some(&expert)).await;
    me.assert_status(200);
    assert_eq!(me.json()["available"], true);
    assert_eq!(me.json()["league"], "NNG");
    let (status, body) = login(&app, "LZH/people/supervisor").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["roles"], json!(["supervisor"]));
    let supervisor = body["token"].as_str().unwrap().to_string();
    let pool = app.get("/api/v1/experts", Some(&supervisor)).await.json();
    let leagues: Vec<&str> = pool["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["league"].as_str().unwrap())
        .collect();
    assert_eq!(leagues.len(), 6, "two demo experts per league: {leagues:?}");
    // The supervisors' stored scopes: NNG's administrative supervisor of its
    // demo tenders' category, the regional centre's discipline inspection;
    // LZH's none (its league, every category: see demo::fabric).
    for (league, scope) in [
        (
            "NNG",
            json!({"kind": "administrative", "category": "government_procurement", "league": "NNG"}),
        ),
        (
            "LZH",
            json!({"kind": null, "category": null, "league": "LZH"}),
        ),
        (
            "GX",
            json!({"kind": "discipline", "category": null, "league": "GX"}),
        ),
    ] {
        let (status, body) = login(&app, &format!("{league}/people/supervisor")).await;
        assert_eq!(status, 201, "{body:#}");
        let id = body["principal"]["user_id"].as_str().unwrap();
        let account = app
            .get(&format!("/api/v1/users/{id}"), Some(&operator))
            .await;
        account.assert_status(200);
        assert_eq!(account.json()["scope"], scope, "{league}");
    }

    // The revoked enterprise is refused: its CA's CRL is loaded.
    let (status, body) = login(&app, "NNG/enterprises/91450100MA5T000451").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("certificate-rejected"))
    );
    assert!(
        body["detail"].as_str().unwrap().contains("Revoked"),
        "{body}"
    );

    // The demo seals verify against the registry: NNG recognises LZH's
    // seal authority but not GX's.
    let seal = |path: &str| {
        openssl::base64::encode_block(&std::fs::read(fabric_dir(&app).join(path)).unwrap())
    };
    for (path, passes) in [
        ("NNG/enterprises/91450000MA5L13579M.seal.der", true),
        ("LZH/enterprises/91450200MA5N543212.seal.der", true),
        ("GX/enterprises/91450000MA5T00011C.seal.der", false),
    ] {
        let report = app
            .post_json(
                "/api/v1/seals/verify-seal",
                Some(&bidder),
                &json!({ "seal": seal(path), "league": "NNG" }),
            )
            .await;
        assert_eq!(report.status, 200);
        let report = report.json();
        assert_eq!(
            report["indication"] == "PASSED",
            passes,
            "{path}: {report:#}"
        );
    }
    // The demo enterprise was told what a follower and a taker of the
    // documents is told: four new tenders (the two of the demo
    // procedures among them), the answer, the amendment; and, its address
    // being a demo one, by e-mail too (.eml files).
    let mut kinds: Vec<String> = app
        .inbox(&bidder)
        .await
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "clarification_answered",
            "tender_amended",
            "tender_published",
            "tender_published",
            "tender_published",
            "tender_published"
        ]
    );
    for _ in 0..100 {
        if app.eml_ids().len() == 6 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.eml_ids().len(), 6, "each also by e-mail");

    // What the demo writes into the platform's data reads in one language,
    // Chinese, like the rest of it: the expert's availability note, the
    // trust registry's reasons, the tender documents' titles.
    let texts = app
        .db
        .read_blocking(|conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::{
                experts, tender_documents, trust_recognitions, trust_service_statuses,
            };
            let mut texts: Vec<String> = experts::table
                .select(experts::availability_note)
                .load::<Option<String>>(conn)?
                .into_iter()
                .flatten()
                .collect();
            texts.extend(
                trust_service_statuses::table
                    .select(trust_service_statuses::reason)
                    .load::<String>(conn)?,
            );
            texts.extend(
                trust_recognitions::table
                    .select(trust_recognitions::reason)
                    .load::<String>(conn)?,
            );
            texts.extend(
                tender_documents::table
                    .select(tender_documents::title)
                    .load::<String>(conn)?,
            );
            Ok(texts)
        })
        .unwrap();
    assert!(texts.iter().any(|t| t == "演示数据"), "{texts:?}");
    // An English word: four letters or more, or "demo" in any case (codes
    // such as a parcel's GLN stay).
    let english = |t: &str| {
        t.split(|c: char| !c.is_ascii_alphabetic())
            .any(|w| w.len() >= 4 || w.eq_ignore_ascii_case("demo"))
    };
    let mixed: Vec<&String> = texts.iter().filter(|t| english(t)).collect();
    assert!(mixed.is_empty(), "English in the demo's data: {mixed:?}");
}

/// The demo's finished tender (found by title) once its contract is
/// published (the last step of the procedure), and a session of the NNG
/// supervisor, who watches it: the demo data's background procedure takes
/// about 15 s after the start.
pub async fn finished_demo_tender(app: &TestApp) -> (String, String) {
    let (status, body) = login(app, "NNG/people/supervisor").await;
    assert_eq!(status, 201, "{body:#}");
    let supervisor = body["token"].as_str().unwrap().to_string();
    let id = tender_titled(app, "南宁市第三中学理化生实验室设备采购项目").await;
    let contracts = format!("/api/v1/tenders/{id}/contracts");
    for _ in 0..240 {
        let r = app.get(&contracts, None).await;
        if r.status == 200 && r.json()["items"][0]["status"] == "published" {
            return (id, supervisor);
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("the demo's finished procedure did not reach its published contract in 2 minutes");
}

async fn tender_titled(app: &TestApp, title: &str) -> String {
    let list = app.get("/api/v1/tenders?per_page=100", None).await.json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == title)
        .unwrap_or_else(|| panic!("no demo tender {title}: {list:#}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[actix_web::test]
async fn the_demo_data_finishes_a_procedure_and_opens_another_live() {
    let app = spawn_app_with(Options {
        demo_data: true,
        ..Default::default()
    })
    .await;

    // The live tender: published, its deadline minutes ahead (10 by
    // default), three bids in and custodians to release its key.
    let live = tender_titled(&app, "南宁市第十四中学教室课桌椅采购项目").await;
    let detail = app
        .get(&format!("/api/v1/tenders/{live}"), None)
        .await
        .json();
    assert_eq!(detail["status"], "published");
    let deadline: chrono::DateTime<chrono::Utc> = detail["dates"]["bid_deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ahead = deadline - app.now();
    assert!(
        ahead > chrono::Duration::minutes(8) && ahead <= chrono::Duration::minutes(10),
        "the live opening is {ahead} away"
    );
    let key = app
        .get(&format!("/api/v1/tenders/{live}/opening-key"), None)
        .await
        .json();
    assert_eq!(key["threshold"], 2);
    assert_eq!(key["custodians"].as_array().unwrap().len(), 3, "{key:#}");
    let bids_of = |id: &str| app.count(&format!("bids WHERE tender_id = '{id}'"));
    for _ in 0..120 {
        if bids_of(&live) == 3 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(bids_of(&live), 3, "the live tender's bids");

    // The finished tender: bids opened, a committee drawn, evaluated,
    // awarded to the report's first candidate, its contract signed and
    // published.
    let (id, supervisor) = finished_demo_tender(&app).await;
    let detail = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    assert_eq!(detail["status"], "awarded");
    let deadline: chrono::DateTime<chrono::Utc> = detail["dates"]["bid_deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(deadline < app.now());

    // The opening record: four bids, each valid, sealed, signed before the
    // deadline.
    let opening = app
        .get(&format!("/api/v1/tenders/{id}/opening"), None)
        .await;
    opening.assert_status(200);
    let opening = opening.json();
    assert_eq!(opening["status"], "completed");
    let bids = opening["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 4, "{opening:#}");
    for b in bids {
        assert_eq!(b["outcome"], "valid", "{b:#}");
        assert_eq!(b["sealed"], true, "{b:#}");
        assert!(b["total_price_fen"].as_i64().unwrap() < 268_000_000);
    }

    // The committee: five drawn and accepted.
    let committee = app
        .get(
            &format!("/api/v1/tenders/{id}/committee"),
            Some(&supervisor),
        )
        .await
        .json();
    assert_eq!(committee["accepted"], 5, "{committee:#}");

    // The room's events, as its watchers read them: every step.
    let events = app
        .get(
            &format!("/api/v1/tenders/{id}/evaluation/room/events?limit=500"),
            Some(&supervisor),
        )
        .await;
    events.assert_status(200);
    let events: Vec<Value> = String::from_utf8(events.body)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
    assert_eq!(kinds.first(), Some(&"room.opened"));
    assert_eq!(kinds.last(), Some(&"room.closed"));
    for (kind, n) in [
        ("member.signed_in", 5),
        ("member.declared", 5),
        ("chair.elected", 1),
        // The review, the technical and the commercial rounds.
        ("round.closed", 3),
        // Four bids passed on the delivery item by five members (the
        // licence was the agent's to review, before the room).
        ("review.given", 20),
        ("bids.unblinded", 1),
        ("prices.scored", 1),
        ("report.ready", 1),
        ("report.signed", 5),
        // Four bids, a technical and a commercial criterion, five members.
        ("score.given", 40),
    ] {
        assert_eq!(count(kind), n, "{kind} in {kinds:?}");
    }

    // The report: signed by each member over its hash, with the member's
    // own key (checked here with the openssl command line).
    let report = app
        .get(
            &format!("/api/v1/tenders/{id}/evaluation/report"),
            Some(&supervisor),
        )
        .await;
    report.assert_status(200);
    let report = report.json();
    assert_eq!(report["closed"], true);
    let sha = report["sha256"].as_str().unwrap();
    assert_eq!(
        report["signed_text"],
        format!("ggzy-evaluation-report-v1\n{id}\n{sha}\n")
    );
    let ranking = report["report"]["ranking"].as_array().unwrap();
    assert_eq!(ranking.len(), 4);
    let signatures = report["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 5);
    let dir = fabric_dir(&app);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("text.txt"),
        report["signed_text"].as_str().unwrap(),
    )
    .unwrap();
    for s in signatures {
        let name = s["name"].as_str().unwrap();
        let cert = manifest["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "expert" && c["name"] == name)
            .unwrap_or_else(|| panic!("{name} is no demo expert"));
        let pem = openssl(
            work.path(),
            &[
                "x509",
                "-in",
                dir.join(cert["cert"].as_str().unwrap()).to_str().unwrap(),
                "-pubkey",
                "-noout",
            ],
        );
        std::fs::write(work.path().join("pub.pem"), pem).unwrap();
        std::fs::write(
            work.path().join("sig.bin"),
            openssl::base64::decode_block(s["signature"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        let mut args = vec!["dgst"];
        if cert["key_algorithm"] == "sm2" {
            args.extend(["-sm3", "-sigopt", "distid:1234567812345678"]);
        } else {
            args.push("-sha256");
        }
        args.extend(["-verify", "pub.pem", "-signature", "sig.bin", "text.txt"]);
        let out = openssl(work.path(), &args);
        assert!(
            String::from_utf8_lossy(&out).contains("Verified OK"),
            "{name}'s signature"
        );
    }

    // The award: the report's first candidate, on the purchaser's
    // confirmation; the award notice names the committee (87号令 第69条).
    let first_bid = ranking[0]["bid_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{ranking:?}"));
    let first = bids
        .iter()
        .find(|b| b["bid_id"] == first_bid)
        .unwrap_or_else(|| panic!("{first_bid} in {bids:?}"))["bidder_name"]
        .as_str()
        .unwrap();
    let notices = detail["notices"].as_array().unwrap();
    let award = notices
        .iter()
        .find(|n| n["kind"] == "award")
        .unwrap_or_else(|| panic!("{detail:#}"));
    let body = award["body"].as_str().unwrap();
    assert!(body.contains(first), "{first}: {body}");
    assert!(body.contains("评审专家名单"), "{body}");

    // The contract: published, drafted from the award, signed by both
    // parties with their enterprise certificates; each signature verifies
    // with the openssl command line against the fabric's enterprise CAs
    // (the purchaser is NNG's; the winner, drawn by the room, NNG's or
    // LZH's).
    let listed = app
        .get(&format!("/api/v1/tenders/{id}/contracts"), None)
        .await
        .json();
    let contract = &listed["items"][0];
    assert_eq!(contract["status"], "published", "{listed:#}");
    assert_eq!(contract["supplier"]["name"], first, "{contract:#}");
    let url = format!(
        "/api/v1/tenders/{id}/contracts/{}",
        contract["id"].as_str().unwrap()
    );
    let document = app.get(&format!("{url}/document"), None).await;
    document.assert_status(200);
    std::fs::write(work.path().join("contract.json"), &document.body).unwrap();
    let mut chain = Vec::new();
    for league in ["GX", "NNG", "LZH"] {
        for ca in ["root-ca", "enterprise-ca"] {
            chain.extend(std::fs::read(dir.join(format!("{league}/{ca}.cert.pem"))).unwrap());
        }
    }
    std::fs::write(work.path().join("chain.pem"), chain).unwrap();
    for party in ["supplier", "purchaser"] {
        let signature = app.get(&format!("{url}/signatures/{party}"), None).await;
        signature.assert_status(200);
        std::fs::write(work.path().join("contract.p7s"), &signature.body).unwrap();
        let out = std::process::Command::new("openssl")
            .current_dir(work.path())
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "contract.p7s",
                "-content",
                "contract.json",
                "-CAfile",
                "chain.pem",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{party}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // On the record in the order it happened: the tender's audit entries
    // never go back in time.
    let audit = app
        .get(
            &format!("/api/v1/audit/events?tender_id={id}&per_page=100"),
            Some(&supervisor),
        )
        .await
        .json();
    let mut items: Vec<(i64, chrono::DateTime<chrono::Utc>)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["occurred_at"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert!(items.len() > 50, "{}", items.len());
    items.sort();
    assert!(items.windows(2).all(|w| w[0].1 <= w[1].1), "{items:?}");
}

/// The demo's trades found by price: the land listing is in its timed
/// phase when the server starts, with the countdown running, its quotes
/// shown by number only, the applicants sealed, each quote's receipt
/// timestamped; the land auction opens minutes later. With the clock past
/// the countdown, the listing is sold to its leader, and its record
/// replays to the same outcome.
#[actix_web::test]
async fn the_demo_data_has_a_listing_in_its_timed_phase_and_an_auction_minutes_ahead() {
    use ggzy::demo::auctions::{AUCTION_TITLE, DEVELOPERS, LISTING_TITLE};
    let app = spawn_app_with(Options {
        demo_data: true,
        ..Default::default()
    })
    .await;
    let listing = tender_titled(&app, LISTING_TITLE).await;
    let board = app
        .get(&format!("/api/v1/tenders/{listing}/auction"), None)
        .await;
    board.assert_status(200);
    let board = board.json();
    let now = app.now();
    assert_eq!(board["terms"]["kind"], "land_listing");
    assert_eq!(board["terms"]["countdown_secs"], 300);
    assert_eq!(board["terms"]["reserve_sealed"], false);
    assert_eq!(board["phase"]["phase"], "timed", "{board:#}");
    let ends: chrono::DateTime<chrono::Utc> =
        board["phase"]["ends_at"].as_str().unwrap().parse().unwrap();
    assert!(
        ends > now && ends <= now + chrono::Duration::seconds(300),
        "the countdown ends at {ends}, now {now}"
    );
    // Six quotes: five in the listing period, one in the timed phase, by
    // three numbers; the public sees numbers, never names.
    let quotes = board["quotes"].as_array().unwrap();
    assert_eq!(quotes.len(), 6, "{board:#}");
    let numbers: std::collections::BTreeSet<&str> = quotes
        .iter()
        .map(|q| q["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 3);
    assert!(
        numbers
            .iter()
            .all(|n| n.len() == 6 && n.chars().all(|c| c.is_ascii_digit()))
    );
    assert_eq!(
        board["leader"]["amount_fen"],
        18_600_000_000_i64 + 6 * 100_000_000
    );
    assert_eq!(board["floor_fen"], 18_600_000_000_i64 + 7 * 100_000_000);
    let text = board.to_string();
    for name in DEVELOPERS {
        assert!(!text.contains(name), "the board names {name}");
    }
    app.get(
        &format!("/api/v1/tenders/{listing}/auction/applications"),
        None,
    )
    .await
    .assert_status(401);
    app.get(&format!("/api/v1/tenders/{listing}/auction/record"), None)
        .await
        .assert_problem(409, "illegal-transition");
    // The listing's period ended, two declared, and the timed phase began:
    // the record shows it (by the trade's events, in the audit log too).
    let kinds = |id: &str, kind: &str| {
        app.count(&format!(
            "auction_events WHERE tender_id = '{id}' AND kind = '{kind}'"
        ))
    };
    assert_eq!(kinds(&listing, "listing_ended"), 1);
    assert_eq!(kinds(&listing, "continue_declared"), 2);
    assert_eq!(kinds(&listing, "timed_started"), 1);

    // A developer signs in with its demo certificate: its application, its
    // number, its receipts, each timestamp checked by openssl.
    let code = ggzy::types::CreditCode::with_check_digit("91450100MA5R60051").unwrap();
    let (status, body) = login(&app, &format!("NNG/enterprises/{}", code.as_str())).await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["roles"], json!(["bidder"]));
    let developer = body["token"].as_str().unwrap().to_string();
    let mine = app
        .get(
            &format!("/api/v1/tenders/{listing}/auction/applications"),
            Some(&developer),
        )
        .await
        .json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine:#}");
    assert_eq!(mine["items"][0]["status"], "qualified");
    assert!(mine["items"][0]["deposit_confirmed_at"].is_string());
    let number = mine["items"][0]["number"].as_str().unwrap().to_string();
    let receipts = app
        .get(
            &format!("/api/v1/tenders/{listing}/auction/receipts"),
            Some(&developer),
        )
        .await;
    receipts.assert_status(200);
    let receipts = receipts.json();
    let items = receipts["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{receipts:#}");
    for r in items {
        assert_eq!(r["number"], number.as_str());
        crate::auctions::openssl_verifies(&app, r);
    }

    // The auction: scheduled, quoting opens minutes after the start (5 by
    // default), three qualified.
    let auction = tender_titled(&app, AUCTION_TITLE).await;
    let board = app
        .get(&format!("/api/v1/tenders/{auction}/auction"), None)
        .await
        .json();
    assert_eq!(board["terms"]["kind"], "land_auction");
    assert_eq!(board["phase"]["phase"], "scheduled", "{board:#}");
    assert!(board["quotes"].as_array().unwrap().is_empty());
    let starts: chrono::DateTime<chrono::Utc> = board["terms"]["starts_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ahead = starts - app.now();
    assert!(
        ahead > chrono::Duration::minutes(3) && ahead <= chrono::Duration::minutes(5),
        "the auction opens {ahead} from now"
    );
    assert_eq!(
        app.count(&format!(
            "auction_applicants WHERE tender_id = '{auction}' AND number IS NOT NULL"
        )),
        3
    );

    // Past the countdown (nobody quoted since, or a quote moved it and
    // the clock is past that too): sold to the leader at its price.
    app.clock.advance(chrono::Duration::seconds(301));
    let mut decided = Value::Null;
    for _ in 0..60 {
        let b = app
            .get(&format!("/api/v1/tenders/{listing}/auction"), None)
            .await
            .json();
        if b["phase"]["phase"] == "decided" && kinds(&listing, "decided") == 1 {
            decided = b;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(decided["outcome"]["result"], "sold", "{decided:#}");
    assert_eq!(decided["outcome"]["number"], decided["leader"]["number"]);
    assert_eq!(
        decided["outcome"]["price_fen"],
        decided["leader"]["amount_fen"]
    );
    let record = app
        .get(&format!("/api/v1/tenders/{listing}/auction/record"), None)
        .await;
    record.assert_status(200);
    assert_eq!(record.json()["outcome"], decided["outcome"]);
}
