//! `GET /me/tenders` and `GET /me/tenders/{id}`: a bidding enterprise's own
//! part in its tenders, and nothing of any other enterprise's; refused to
//! everyone who is not a bidding enterprise.

use crate::bids::{
    Make, container, envelope, schedule, sha256_hex, sign_in, submit, tender_with_opening_cert,
};
use crate::fabric::League;
use crate::trust::{Registry, credit};
use ggzy::identity::Role;
use serde_json::{Value, json};

fn entry<'a>(list: &'a Value, tender: &str) -> Option<&'a Value> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["tender"]["id"] == tender)
}

async fn bid(
    r: &Registry,
    league: &League,
    who: &str,
    token: &str,
    tender: &str,
    price: i64,
) -> Value {
    let opening = league.dir.join("opening.pem");
    let zip = container(&league.dir, &format!("{who}-{price}"), &schedule(price));
    let file = envelope(
        league,
        who,
        &zip,
        &opening,
        Make {
            gcm: true,
            outer: true,
        },
    );
    let reply = submit(r, token, tender, &file).await;
    reply.assert_status(201);
    reply.json()
}

#[actix_web::test]
async fn a_bidder_sees_its_own_part_in_its_tenders_and_nothing_of_others() {
    let r = Registry::new().await;
    let nng = &r.nng;
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    std::fs::copy(&opening, nng.dir.join("opening.pem")).unwrap();
    nng.enterprise(
        "second",
        "广西第二建设有限公司",
        &credit("91450100MA5T0003C"),
    );
    let builder = sign_in(&r, nng, "builder").await;
    let second = sign_in(&r, nng, "second").await;

    // Nothing yet: an empty list; the tender itself, with empty parts and
    // the objection windows the rules open.
    let mine = r.app.get("/api/v1/me/tenders", Some(&builder)).await;
    mine.assert_status(200);
    assert!(entry(&mine.json(), &tender).is_none());
    let one = r
        .app
        .get(&format!("/api/v1/me/tenders/{tender}"), Some(&builder))
        .await;
    one.assert_status(200);
    let one = one.json();
    assert_eq!(one["tender"]["id"], tender);
    assert_eq!(one["bids"], json!([]));
    assert_eq!(one["questions"], json!([]));
    assert!(one["documents_taken_at"].is_null());
    let windows = one["objection_windows"].as_array().unwrap();
    assert!(!windows.is_empty());
    let documents = windows
        .iter()
        .find(|w| w["subject"] == "documents")
        .unwrap();
    assert!(documents["article"].as_str().unwrap().contains("第"));
    // The opening's window is not open before the opening, and says why.
    let opening_w = windows.iter().find(|w| w["subject"] == "opening").unwrap();
    assert_eq!(opening_w["open"], false);
    assert!(
        opening_w["reason"]
            .as_str()
            .unwrap()
            .starts_with("objection.")
    );

    // The builder asks and bids twice (the second replaces the first); the
    // second enterprise asks and bids too.
    let asked = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/clarifications"),
            Some(&builder),
            &json!({ "question": "交货期能否延长？" }),
        )
        .await;
    asked.assert_status(201);
    r.app
        .post_json(
            &format!("/api/v1/tenders/{tender}/clarifications"),
            Some(&second),
            &json!({ "question": "第二家企业的问题" }),
        )
        .await
        .assert_status(201);
    let first = bid(&r, nng, "builder", &builder, &tender, 10_000_000).await;
    let latest = bid(&r, nng, "builder", &builder, &tender, 9_900_000).await;
    let theirs = bid(&r, nng, "second", &second, &tender, 9_800_000).await;
    // An unfinished upload of the builder's.
    let started = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/bid-uploads"),
            Some(&builder),
            &json!({ "size": 1000, "sha256": sha256_hex(b"x") }),
        )
        .await;
    started.assert_status(201);

    let mine = r.app.get("/api/v1/me/tenders", Some(&builder)).await;
    mine.assert_status(200);
    let mine = mine.json();
    let e = entry(&mine, &tender).expect("the tender is listed");
    let bids: Vec<&Value> = e["bids"].as_array().unwrap().iter().collect();
    assert_eq!(
        bids.len(),
        2,
        "both versions, none of the other enterprise's"
    );
    assert_eq!(bids[0]["id"], latest["bid_id"]);
    assert_eq!(bids[0]["status"], "submitted");
    assert_eq!(bids[1]["id"], first["bid_id"]);
    assert_eq!(bids[1]["status"], "replaced");
    assert!(bids.iter().all(|b| b["id"] != theirs["bid_id"]));
    let questions = e["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 1);
    assert_eq!(questions[0]["question"], "交货期能否延长？");
    let uploads = e["uploads"].as_array().unwrap();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0]["id"], started.json()["id"]);
    assert_eq!(uploads[0]["offset"], 0);
    assert!(e["result"].is_null());
    // Nothing names or counts the other enterprise.
    let text = mine.to_string();
    assert!(!text.contains("第二家企业的问题"));
    assert!(!text.contains("广西第二建设有限公司"));

    // The other enterprise sees its own only.
    let theirs_view = r.app.get("/api/v1/me/tenders", Some(&second)).await.json();
    let e = entry(&theirs_view, &tender).unwrap();
    assert_eq!(e["bids"].as_array().unwrap().len(), 1);
    assert_eq!(e["bids"][0]["id"], theirs["bid_id"]);
    assert_eq!(e["questions"][0]["question"], "第二家企业的问题");
    assert_eq!(e["uploads"], json!([]));

    // A withdrawn bid shows as withdrawn.
    let id = latest["bid_id"].as_str().unwrap();
    r.app
        .post_json(
            &format!("/api/v1/bids/{id}/withdraw"),
            Some(&builder),
            &json!({}),
        )
        .await
        .assert_status(200);
    let one = r
        .app
        .get(&format!("/api/v1/me/tenders/{tender}"), Some(&builder))
        .await
        .json();
    assert_eq!(one["bids"][0]["status"], "withdrawn");

    // A draft is nobody's but its managers': 404, as if absent.
    let draft = r.app.create_draft(&tenderer, "草稿项目").await;
    r.app
        .get(&format!("/api/v1/me/tenders/{draft}"), Some(&builder))
        .await
        .assert_refusal(404, "not-found", "record.not-found");
}

#[actix_web::test]
async fn my_tenders_are_refused_to_everyone_but_a_bidding_enterprise() {
    let r = Registry::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, _) = tender_with_opening_cert(&r, dir.path()).await;
    let supervisor = r.app.user("监督", Role::Supervisor, "NNG", "南宁市发改委");
    let expert = r.app.user("专家", Role::Expert, "NNG", "广西大学");
    let one = format!("/api/v1/me/tenders/{tender}");
    for path in ["/api/v1/me/tenders", one.as_str()] {
        r.app
            .get(path, None)
            .await
            .assert_refusal(401, "unauthenticated", "auth.sign-in-first");
        for token in [&tenderer, &supervisor, &expert, &r.operator, &r.platform] {
            r.app.get(path, Some(token)).await.assert_refusal(
                403,
                "forbidden",
                "auth.role-missing",
            );
        }
    }
    // A bidding account that speaks for no enterprise.
    let loner = r
        .app
        .user_custom("个人", &[Role::Bidder], "NNG", None, None);
    r.app
        .get("/api/v1/me/tenders", Some(&loner))
        .await
        .assert_refusal(403, "forbidden", "account.no-enterprise");
    // A malformed id.
    let bidder = r.app.user("投标", Role::Bidder, "NNG", "广西某公司");
    r.app
        .get("/api/v1/me/tenders/not-a-uuid", Some(&bidder))
        .await
        .assert_status(404);
}
