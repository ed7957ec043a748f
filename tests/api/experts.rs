//! The expert pool and the committee draw, over HTTP: who reads the pool,
//! the commitment before the deadline, the supervisor's contribution after
//! it, the draw under the avoidance rules, sealed identities, declines and
//! no-shows taking the next reserve, and `ggzy draw verify` replaying the
//! published record (and catching a tampered one).

use crate::bids::{bid_deadline, tender_with_opening_cert};
use crate::helpers::TestApp;
use crate::trust::{Registry, credit};
use ggzy::identity::Role;
use serde_json::{Value, json};
use std::process::{Command, Output};

async fn id_of(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    me.assert_status(200);
    me.json()["user_id"].as_str().unwrap().to_string()
}

async fn ggzy(args: Vec<String>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ggzy"));
    command.args(args);
    actix_web::rt::task::spawn_blocking(move || command.output().expect("run ggzy"))
        .await
        .unwrap()
}

/// `ggzy draw verify --url` on the tender's draw, which must match; its
/// report.
pub(crate) async fn verify_online(app: &TestApp, tender: &str, token: &str) -> String {
    let verified = ggzy(vec![
        "draw".into(),
        "verify".into(),
        "--url".into(),
        app.base.clone(),
        "--tender".into(),
        tender.to_string(),
        "--token".into(),
        token.to_string(),
    ])
    .await;
    let stdout = String::from_utf8_lossy(&verified.stdout).to_string();
    assert!(
        verified.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    stdout
}

/// One pool member: (token, expert id).
struct Member {
    token: String,
    id: String,
    league: &'static str,
}

/// Adds experts to the pool as the operator and has each confirm it is
/// available (but the one named "休假专家").
async fn pool(app: &TestApp, operator: &str, builder_code: &str) -> Vec<Member> {
    let mut out = Vec::new();
    for i in 0..14 {
        let league = if i < 4 { "NNG" } else { "LZH" };
        let name = match i {
            5 => "休假专家".to_string(),
            _ => format!("专家{i:02}"),
        };
        let token = app.user(&name, Role::Expert, league, &format!("评审单位{i}"));
        let user_id = id_of(app, &token).await;
        let specialty = if i % 5 == 0 { "E01" } else { "B0102" };
        // One works for a bidder; one is related to the bidder.
        let employer_code = match i {
            6 => Some(builder_code.to_string()),
            _ => Some(credit(&format!("91450100MA5T1{i:03}X"))),
        };
        let related = if i == 7 {
            json!([{"credit_code": builder_code, "relation": "配偶任职"}])
        } else {
            json!([])
        };
        let reply = app
            .post_json(
                "/api/v1/experts",
                Some(operator),
                &json!({
                    "user_id": user_id,
                    "employer": {"name": format!("评审单位{i}"), "credit_code": employer_code},
                    "related": related,
                    "specialties": [specialty],
                    "phone": format!("138000000{i:02}"),
                    "email": format!("expert{i}@example.org"),
                }),
            )
            .await;
        reply.assert_status(201);
        let id = reply.json()["id"].as_str().unwrap().to_string();
        if i != 5 {
            app.put_json(
                "/api/v1/experts/me/availability",
                Some(&token),
                &json!({"available": true}),
            )
            .await
            .assert_status(200);
        }
        out.push(Member { token, id, league });
    }
    out
}

fn rules() -> Value {
    json!({
        "size": 5,
        "quotas": [{"specialty": "B01", "count": 4}, {"specialty": "E", "count": 1}],
        "cross_site": {"min_other_league_percent": 60},
        "venues": [
            {"league": "NNG", "name": "南宁市公共资源交易中心 第三评标室", "main": true},
            {"league": "LZH", "name": "柳州市公共资源交易中心 远程分会场", "main": false}
        ]
    })
}

#[actix_web::test]
async fn a_committee_is_drawn_verifiably_sealed_until_evaluation_and_replaced_in_order() {
    let r = Registry::new().await;
    let app = &r.app;
    let builder_code = credit("91450100MA5T0001A");
    let members = pool(app, &r.platform, &builder_code).await;

    // --- The pool: who reads it, and what.
    let supervisor = app.supervisor(
        "监督员",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    let listed = app.get("/api/v1/experts", Some(&r.platform)).await;
    listed.assert_status(200);
    let items = listed.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 14);
    assert!(
        items.iter().all(|e| e["phone"].is_string()),
        "operators see contact details"
    );
    let seen = app.get("/api/v1/experts", Some(&supervisor)).await.json();
    assert!(
        seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["phone"].is_null() && e["email"].is_null()),
        "supervisors read the pool without contact details"
    );
    let economists = app
        .get(
            "/api/v1/experts?specialty=E&available=true",
            Some(&supervisor),
        )
        .await
        .json();
    // Experts 0, 5 and 10 are economists; 5 is on leave.
    assert_eq!(economists["items"].as_array().unwrap().len(), 2);
    let own = app.get("/api/v1/experts/me", Some(&members[0].token)).await;
    own.assert_status(200);
    assert_eq!(own.json()["phone"], "13800000000");
    app.get(
        &format!("/api/v1/experts/{}", members[1].id),
        Some(&members[0].token),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get("/api/v1/experts", Some(&members[0].token))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/experts", None)
        .await
        .assert_problem(401, "unauthenticated");
    // Bad profiles change nothing.
    let before = app.count("experts");
    let stranger = app.user("不是专家", Role::Bidder, "NNG", "某公司");
    let stranger_id = id_of(app, &stranger).await;
    for (body, field) in [
        (
            json!({"user_id": stranger_id, "employer": {"name": "x"}, "specialties": ["B01"]}),
            "user_id",
        ),
        (
            json!({"user_id": members[0].id, "employer": {"name": "x"}, "specialties": ["Z99"]}),
            "specialties[0]",
        ),
        (
            json!({"user_id": stranger_id, "employer": {"name": "x", "credit_code": "123"}, "specialties": ["B01"]}),
            "employer.credit_code",
        ),
        (
            json!({"user_id": stranger_id, "employer": {"name": "x"}, "specialties": ["B01"], "email": "no-at"}),
            "email",
        ),
    ] {
        let p = app
            .post_json("/api/v1/experts", Some(&r.platform), &body)
            .await
            .assert_problem(422, "validation-failed");
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{p}"
        );
    }
    let first_user = id_of(app, &members[0].token).await;
    app.post_json(
        "/api/v1/experts",
        Some(&r.platform),
        &json!({"user_id": first_user, "employer": {"name": "x"}, "specialties": ["B01"]}),
    )
    .await
    .assert_refusal(409, "conflict", "experts.profile-exists");
    assert_eq!(app.count("experts"), before);

    // --- The commitment, before the deadline, by the organiser.
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    let path = format!("/api/v1/tenders/{tender}/committee/rules");
    let mut bad = rules();
    bad["size"] = json!(4);
    bad["venues"][1]["league"] = json!("XXX");
    let p = app
        .post_json(&path, Some(&tenderer), &bad)
        .await
        .assert_problem(422, "validation-failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["size", "quotas", "venues[1].league"]);
    app.post_json(&path, Some(&supervisor), &rules())
        .await
        .assert_problem(403, "forbidden");
    app.post_json(&path, Some(&members[0].token), &rules())
        .await
        .assert_problem(403, "forbidden");
    // Only an operator may relax the avoidance rules.
    let mut lax = rules();
    lax["avoid_recent_committees"] = json!(false);
    lax["max_declines"] = json!(0);
    lax["history_days"] = json!(30);
    let p = app
        .post_json(&path, Some(&tenderer), &lax)
        .await
        .assert_problem(422, "validation-failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["avoid_recent_committees", "max_declines", "history_days"]
    );
    assert_eq!(app.count("draws"), 0);
    // Not in the last ten minutes before the deadline: the commitment must
    // be in the log's tree head at the deadline.
    let late = bid_deadline(&r, &tender).await - app.now() - chrono::Duration::minutes(5);
    app.clock.advance(late);
    app.post_json(&path, Some(&tenderer), &rules())
        .await
        .assert_problem(409, "deadline-passed");
    app.clock.advance(-late);
    let committed = app.post_json(&path, Some(&tenderer), &rules()).await;
    committed.assert_status(201);
    let commitment = committed.json();
    assert_eq!(commitment["tender_id"], tender.as_str());
    app.post_json(&path, Some(&tenderer), &rules())
        .await
        .assert_problem(409, "conflict");
    let view = app
        .get(&format!("/api/v1/tenders/{tender}/committee"), None)
        .await
        .json();
    assert_eq!(view["stage"], "committed");
    assert_eq!(
        view["commitment"], commitment,
        "the public sees the commitment"
    );
    assert_eq!(view["pool_size"], 14);

    // --- Bids: the builder bids, so its employee and its related expert
    // are avoided.
    // Three bids, so that the procedure goes on to evaluation; the
    // builder's employee and its related expert are avoided.
    crate::bids::three_valid_bids(&r, &tender, &opening).await;
    let bidder_codes = vec![
        builder_code.clone(),
        credit("91450100MA5T0003C"),
        credit("91450100MA5T0004D"),
    ];

    // --- Before the deadline nobody can draw.
    let contribution = format!("/api/v1/tenders/{tender}/committee/contribution");
    app.post_json(
        &contribution,
        Some(&supervisor),
        &json!({"contribution": "42 17 8"}),
    )
    .await
    .assert_problem(422, "time-limit");
    // After it: a supervisor of another scope may not; nor may anyone else.
    let deadline = bid_deadline(&r, &tender).await;
    app.clock
        .advance(deadline - app.now() + chrono::Duration::seconds(1));
    let other = app.supervisor(
        "土地监督员",
        "administrative",
        Some("land_mining_rights"),
        Some("NNG"),
    );
    app.post_json(&contribution, Some(&other), &json!({"contribution": "1"}))
        .await
        .assert_problem(403, "forbidden");
    app.post_json(
        &contribution,
        Some(&tenderer),
        &json!({"contribution": "1"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post_json(
        &contribution,
        Some(&supervisor),
        &json!({"contribution": ""}),
    )
    .await
    .assert_problem(422, "validation-failed");
    // The log signs past the deadline (any recorded action does), and
    // then the draw takes place.
    app.wait_for_log().await;
    let drawn = app
        .post_json(
            &contribution,
            Some(&supervisor),
            &json!({"contribution": "42 17 8"}),
        )
        .await;
    drawn.assert_status(200);
    let outcome = drawn.json();
    let committee: Vec<String> = outcome["committee"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["expert"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(committee.len(), 5);
    app.post_json(
        &contribution,
        Some(&supervisor),
        &json!({"contribution": "again"}),
    )
    .await
    .assert_problem(409, "conflict");
    // Before the opening the exclusions and reserves, which follow from
    // who bid (an expert tied to a bidder is left out), are withheld.
    assert_eq!(outcome["excluded"], json!([]), "{outcome:#}");
    assert_eq!(outcome["reserves"], json!([]), "{outcome:#}");
    // Quotas and the cross-site share.
    let seats = outcome["committee"].as_array().unwrap();
    assert_eq!(seats.iter().filter(|s| s["quota"] == "E").count(), 1);
    assert_eq!(seats.iter().filter(|s| s["quota"] == "B01").count(), 4);
    assert!(seats.iter().filter(|s| s["other_league"] == true).count() >= 3);
    for seat in seats {
        let member = members.iter().find(|m| m.id == seat["expert"]).unwrap();
        assert_eq!(
            seat["venue"], member.league,
            "each sits at its league's venue"
        );
    }

    // --- Sealed: the tenderer and the public see counts, not names; the
    // supervisor sees the members.
    let sealed = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee"),
            Some(&tenderer),
        )
        .await
        .json();
    assert_eq!(sealed["sealed"], true);
    assert_eq!(sealed["seated"], 5);
    assert!(sealed["members"].as_array().unwrap().is_empty());
    app.get(
        &format!("/api/v1/tenders/{tender}/committee/draw-record"),
        Some(&tenderer),
    )
    .await
    .assert_problem(403, "forbidden");
    let full = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee"),
            Some(&supervisor),
        )
        .await
        .json();
    assert_eq!(full["sealed"], false);
    assert_eq!(full["members"].as_array().unwrap().len(), 5);

    // --- Invitations: one accepts, one declines, one does not come.
    let member = |id: &str| members.iter().find(|m| m.id == id).unwrap();
    // The decliner and the absentee hold B01 seats: a reserve of B0102 in
    // either league is always left to take them (an economist's seat, with
    // two economists in the pool, may have no one left to fill it).
    let b01: Vec<&str> = outcome["committee"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["quota"] == "B01" && s["expert"] != committee[0].as_str())
        .map(|s| s["expert"].as_str().unwrap())
        .collect();
    let (decliner, absentee) = (b01[0], b01[1]);
    let invited = app
        .get(
            "/api/v1/experts/me/invitations",
            Some(&member(&committee[0]).token),
        )
        .await
        .json();
    assert_eq!(invited["items"][0]["tender_id"], tender.as_str());
    assert_eq!(invited["items"][0]["status"], "invited");
    let answer = format!("/api/v1/experts/me/invitations/{tender}");
    app.post_json(
        &answer,
        Some(&member(&committee[0]).token),
        &json!({"accept": true}),
    )
    .await
    .assert_status(200);
    app.post_json(
        &answer,
        Some(&member(&committee[0]).token),
        &json!({"accept": false, "reason": "改主意"}),
    )
    .await
    .assert_problem(409, "conflict");
    let outsider = members
        .iter()
        .find(|m| !committee.contains(&m.id) && m.id != members[5].id)
        .unwrap();
    app.post_json(&answer, Some(&outsider.token), &json!({"accept": true}))
        .await
        .assert_problem(404, "not-found");
    app.post_json(
        &answer,
        Some(&member(decliner).token),
        &json!({"accept": false}),
    )
    .await
    .assert_problem(422, "validation-failed");
    let declined = app
        .post_json(
            &answer,
            Some(&member(decliner).token),
            &json!({"accept": false, "reason": "当日出差"}),
        )
        .await;
    declined.assert_status(200);
    assert_eq!(declined.json()["replaced"], true);
    let no_show = format!(
        "/api/v1/tenders/{tender}/committee/members/{}/no-show",
        absentee
    );
    app.post_json(&no_show, Some(&supervisor), &json!({"reason": "未到场"}))
        .await
        .assert_problem(403, "forbidden");
    // Before the evaluation starts nobody is marked absent: the organiser
    // would learn who sits, and could walk down the reserves.
    app.post_json(
        &no_show,
        Some(&tenderer),
        &json!({"reason": "开评前 30 分钟未签到"}),
    )
    .await
    .assert_problem(409, "illegal-transition");

    // --- Before the opening the record names no bidder and no one
    // avoided for one: it holds only a salted commitment to the list,
    // which nobody can confirm by guessing (招标投标法 第22条).
    app.wait_for_log().await;
    let path = format!("/api/v1/tenders/{tender}/committee/draw-record");
    for reader in [&supervisor, &app.platform_operator("平台运维")] {
        let record = app.get(&path, Some(reader)).await;
        record.assert_status(200);
        let record = record.json();
        assert_eq!(record["bidders"], Value::Null, "{record:#}");
        assert_eq!(record["bidders_salt"], Value::Null, "{record:#}");
        assert_eq!(record["bidders_sealed"], true, "{record:#}");
        assert_eq!(
            record["bidders_commitment"].as_str().unwrap().len(),
            64,
            "{record:#}"
        );
        assert_eq!(record["drawn"]["excluded"], json!([]), "{record:#}");
        assert_eq!(record["drawn"]["reserves"], json!([]), "{record:#}");
        assert_eq!(record["replacements"].as_array().unwrap().len(), 1);
        assert_eq!(record["committee"].as_array().unwrap().len(), 5);
        assert_eq!(record["replacements"][0]["reason"], "declined");
        // (The pool's snapshot names employers, some of them bidders, as
        // it did before anyone bid; what follows from the bids is gone.)
        let mut rest = record.clone();
        rest["snapshot"] = Value::Null;
        let text = rest.to_string();
        for code in &bidder_codes {
            assert!(!text.contains(code.as_str()), "{code} in {record:#}");
        }
    }

    // --- Every step is on the record (the committee's steps, for the
    // platform and supervisors in scope until the result: secrecy.rs).
    let log = app
        .get(
            &format!("/api/v1/audit/events?tender_id={tender}&per_page=100"),
            Some(&r.platform),
        )
        .await
        .json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "draw.committed",
        "draw.contributed",
        "draw.drawn",
        "committee.invited",
        "committee.accepted",
        "committee.declined",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "committee.invited")
            .count(),
        6
    );

    // --- Once the evaluation starts, the committee is open to the
    // tenderer, who organises it; to the public only once the result is
    // decided (招标投标法 第37条); the record never.
    app.act(&tenderer, &tender, "start_opening", "")
        .await
        .assert_status(200);
    crate::bids::release_tenderer_share(&r, dir.path(), &tenderer, &tender).await;
    crate::bids::release_platform_share(&r, &tender).await;
    let opened = crate::bids::wait_for_opening(&r, &tender).await;
    assert_eq!(opened["valid_bids"], 3, "{opened}");
    app.act(&tenderer, &tender, "start_evaluation", "")
        .await
        .assert_status(200);
    // Now a member who did not come is marked absent, and the next reserve
    // is invited, on the record.
    let replaced = app
        .post_json(
            &no_show,
            Some(&tenderer),
            &json!({"reason": "开评 30 分钟后仍未签到"}),
        )
        .await;
    replaced.assert_status(200);
    assert!(replaced.json()["replacement"]["expert"].is_string());
    let public = app
        .get(&format!("/api/v1/tenders/{tender}/committee"), None)
        .await
        .json();
    assert_eq!(public["sealed"], true, "{public}");
    assert_eq!(public["members"], json!([]));
    let open = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee"),
            Some(&tenderer),
        )
        .await
        .json();
    assert_eq!(open["sealed"], false);
    let names: Vec<&str> = open["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 7, "members past and present: {names:?}");
    assert!(
        open["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["reason"].is_null()),
        "reasons stay with supervisors"
    );
    // The record holds the pool's data: for supervisors and operators, not
    // the public, even now.
    let path = format!("/api/v1/tenders/{tender}/committee/draw-record");
    app.get(&path, None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get(&path, Some(&tenderer))
        .await
        .assert_problem(403, "forbidden");
    app.wait_for_log().await;
    let record = app.get(&path, Some(&supervisor)).await.json();
    assert_eq!(record["replacements"][1]["reason"], "no_show");
    // Opened: the bidders, the salt and the draw in full.
    assert_eq!(record["bidders_sealed"], false, "{record:#}");
    let mut listed: Vec<String> = record["bidders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut expected = bidder_codes.clone();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(record["bidders_salt"].as_str().unwrap().len(), 64);
    // The avoidance rules: the unavailable expert, the builder's employee
    // and the related one are out, by name.
    let excluded: Vec<(String, String)> = record["drawn"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["expert"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(excluded.contains(&(members[5].id.clone(), "unavailable".into())));
    assert!(excluded.contains(&(members[6].id.clone(), "bidder".into())));
    assert!(excluded.contains(&(members[7].id.clone(), "bidder".into())));
    // The record replays, with the real command line.
    let stdout = verify_online(app, &tender, &supervisor).await;
    assert!(
        stdout.contains("ok  commitment included in the tree head"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok  checkpoint signed by the log's key"),
        "{stdout}"
    );
    assert!(stdout.contains("the draw matches"), "{stdout}");
    assert!(stdout.contains("2 replacement(s)"), "{stdout}");
    assert!(
        stdout.contains("ok  bidders against their salted commitment"),
        "{stdout}"
    );
    for check in [
        "ok  the tree head is the last checkpoint signed at or before the deadline",
        "records draw.committed with exactly these values",
        "records draw.contributed with exactly these values",
        "records draw.drawn with exactly these values",
    ] {
        assert!(stdout.contains(check), "{check}: {stdout}");
    }
    if let Ok(out) = std::env::var("GGZY_DRAW_SAMPLE_DIR") {
        // For the independent replay's author: a real record.
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(
            format!("{out}/record.json"),
            serde_json::to_vec_pretty(&record).unwrap(),
        )
        .unwrap();
    }
    // A tampered record does not replay: a different contribution, a
    // swapped member, a replacement that skips the order.
    let saved = dir.path().join("record.json");
    type Tamper = Box<dyn Fn(&mut Value)>;
    let tampered: [(&str, Tamper); 5] = [
        (
            "bidders",
            Box::new(|v: &mut Value| v["bidders"][0] = json!("91450100MA5T9999X")),
        ),
        (
            "seed",
            Box::new(|v: &mut Value| v["supervisor_contribution"] = json!("42 17 9")),
        ),
        (
            "committee",
            Box::new(|v: &mut Value| {
                let reserve = v["drawn"]["reserves"][0].clone();
                v["drawn"]["committee"][0]["expert"] = reserve;
            }),
        ),
        (
            "replacement 1",
            Box::new(|v: &mut Value| {
                let later = v["drawn"]["reserves"]
                    .as_array()
                    .unwrap()
                    .last()
                    .unwrap()
                    .clone();
                v["replacements"][0]["replacement"] = later;
            }),
        ),
        (
            "platform value",
            Box::new(|v: &mut Value| v["platform_value"] = json!("00".repeat(32))),
        ),
    ];
    for (what, change) in tampered {
        let mut copy = record.clone();
        change(&mut copy);
        std::fs::write(&saved, serde_json::to_vec(&copy).unwrap()).unwrap();
        let out = ggzy(vec![
            "draw".into(),
            "verify".into(),
            "--record".into(),
            saved.display().to_string(),
        ])
        .await;
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(out.status.code(), Some(1), "{what}: {stdout}");
        assert!(
            stdout.contains("BAD") && stdout.contains("does NOT match"),
            "{what}: {stdout}"
        );
    }
}
