//! The public notice list (`GET /notices`), one notice on its own
//! (`GET /tenders/{id}/notices/{seq}`), the words the platform writes in
//! notices, and the site's identity (`GET /site`).

use crate::helpers::{Options, spawn_app, spawn_app_with};
use ggzy::identity::Role;
use serde_json::Value;

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

#[actix_web::test]
async fn every_published_notice_is_listed_for_anyone_newest_first_by_kind_and_text() {
    let app = spawn_app().await;
    let (token, id) = app.published_tender().await;
    app.act(&token, &id, "cancel", "项目预算调整，终止本次采购")
        .await
        .assert_status(200);
    // A draft cancelled before publication was never public: no notice, and
    // nothing of it in the list.
    let draft = app.create_draft(&token, "未发布的草稿项目").await;
    app.act(&token, &draft, "cancel", "不再需要")
        .await
        .assert_status(200);

    let all = app.get("/api/v1/notices", None).await;
    all.assert_status(200);
    let all = all.json();
    assert_eq!(all["total"], 2, "{all}");
    let list = items(&all);
    // Newest first: the cancellation, then the tender's own notice.
    assert_eq!(list[0]["notice"]["kind"], "cancellation");
    assert_eq!(list[0]["notice"]["seq"], 2);
    assert_eq!(list[0]["tender_id"], id.as_str());
    assert_eq!(list[0]["category"], "government_procurement");
    assert_eq!(list[0]["league_code"], "NNG");
    assert_eq!(list[0]["page"], format!("/#/notices/{id}/2"));
    // The platform titled it, in Chinese, and beside it in words; the
    // reason is the organiser's own, kept as written.
    assert_eq!(list[0]["notice"]["title"], "智慧教室设备采购 — 终止公告");
    assert_eq!(list[0]["notice"]["body"], "项目预算调整，终止本次采购");
    let words = &list[0]["notice"]["words"];
    assert_eq!(words["title"]["key"], "kind");
    assert_eq!(words["title"]["params"]["kind"], "cancellation");
    assert_eq!(words["title"]["params"]["tender"], "智慧教室设备采购");
    assert!(words.get("body").is_none(), "{words}");
    // The tender's own notice is all people's text: no words.
    assert_eq!(list[1]["notice"]["kind"], "tender");
    assert!(list[1]["notice"].get("words").is_none(), "{}", list[1]);
    // Signed in or not, the same list.
    let signed_in = app.get("/api/v1/notices", Some(&token)).await.json();
    assert_eq!(signed_in, all);
    let bidder = app.user("投标员", Role::Bidder, "NNG", "广西建工集团");
    assert_eq!(app.get("/api/v1/notices", Some(&bidder)).await.json(), all);

    for (query, total) in [
        ("kind=tender", 1),
        ("kind=cancellation", 1),
        ("kind=award", 0),
        ("category=government_procurement", 2),
        ("category=land_mining_rights", 0),
        ("league=NNG", 2),
        ("league=LZH", 0),
        ("q=%E7%BB%88%E6%AD%A2", 1), // 终止: the cancellation's title and body
        ("q=%E6%99%BA%E6%85%A7%E6%95%99%E5%AE%A4", 2), // 智慧教室: the tender's title
        ("q=%E8%8D%89%E7%A8%BF", 0), // 草稿: the draft's, never public
        ("per_page=1&page=2", 2),
    ] {
        let r = app.get(&format!("/api/v1/notices?{query}"), None).await;
        r.assert_status(200);
        assert_eq!(r.json()["total"], total, "{query}: {}", r.json());
    }
    let second = app
        .get("/api/v1/notices?per_page=1&page=2", None)
        .await
        .json();
    assert_eq!(items(&second)[0]["notice"]["kind"], "tender");

    // One notice on its own, at a stable address.
    let one = app
        .get(&format!("/api/v1/tenders/{id}/notices/2"), None)
        .await;
    one.assert_status(200);
    assert_eq!(one.json(), list[0]);
}

#[actix_web::test]
async fn the_notice_list_refuses_bad_queries_and_missing_notices_say_why() {
    let app = spawn_app().await;
    let (_, id) = app.published_tender().await;
    for (query, reason) in [
        ("kind=bogus", None),
        ("category=fishing", None),
        ("per_page=0", Some("query.range")),
        ("per_page=101", Some("query.range")),
        ("page=0", Some("query.range")),
        ("league=not%20a%20code", Some("query.league-code")),
        ("unknown=1", None),
    ] {
        let r = app.get(&format!("/api/v1/notices?{query}"), None).await;
        let problem = r.assert_problem(400, "invalid-query");
        if let Some(reason) = reason {
            assert_eq!(problem["reason"], reason, "{query}: {problem}");
        }
    }
    let long = "%E9%95%BF".repeat(201); // 长 × 201
    let r = app.get(&format!("/api/v1/notices?q={long}"), None).await;
    assert_eq!(
        r.assert_problem(400, "invalid-query")["reason"],
        "query.text"
    );

    // A notice that is not there, of a tender that is not there, of a
    // draft (never public), or not a number: 404.
    let draft = {
        let token = app.user("采购科二", Role::Tenderer, "NNG", "南宁市教育局");
        app.create_draft(&token, "草稿").await
    };
    for path in [
        format!("/api/v1/tenders/{id}/notices/2"),
        format!("/api/v1/tenders/{id}/notices/0"),
        format!("/api/v1/tenders/{draft}/notices/1"),
        "/api/v1/tenders/00000000-0000-4000-8000-000000000000/notices/1".to_string(),
    ] {
        let r = app.get(&path, None).await;
        let problem = r.assert_problem(404, "not-found");
        assert_eq!(problem["reason"], "record.not-found", "{path}");
    }
    app.get(&format!("/api/v1/tenders/{id}/notices/x"), None)
        .await
        .assert_status(404);
}

/// Notices published before the words were stored are said from their
/// text, read back at read time (on SQLite and PostgreSQL alike).
#[actix_web::test]
async fn notices_stored_before_their_words_are_said_from_their_text() {
    let app = spawn_app().await;
    let (token, id) = app.published_tender().await;
    app.act(&token, &id, "cancel", "终止")
        .await
        .assert_status(200);
    let legacy_title = "智慧教室设备采购 — 开标记录 / opening record";
    let legacy_body = "开标完成：开启投标文件 2 份，有效 2 份。The opening is complete: 2 bid(s) \
                       opened, 2 valid; the procedure fails: 2 valid bid(s), fewer than 3 \
                       (政府采购法 第36条).";
    let (tid, t, b) = (
        id.clone(),
        legacy_title.to_string(),
        legacy_body.to_string(),
    );
    app.db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::notices;
            diesel::update(
                notices::table
                    .filter(notices::tender_id.eq(&tid))
                    .filter(notices::seq.eq(2)),
            )
            .set((
                notices::kind.eq("opening"),
                notices::title.eq(&t),
                notices::body.eq(&b),
                notices::words_json.eq(None::<String>),
            ))
            .execute(conn)?;
            Ok(())
        })
        .expect("make a legacy notice");
    let n = app
        .get(&format!("/api/v1/tenders/{id}/notices/2"), None)
        .await
        .json();
    assert_eq!(n["notice"]["title"], legacy_title);
    let words = &n["notice"]["words"];
    assert_eq!(words["title"]["key"], "opening_record", "{n}");
    assert_eq!(words["body"]["params"]["result"], "fails");
    assert_eq!(words["body"]["params"]["minimum"], 3);
    assert_eq!(words["body"]["params"]["basis"], "政府采购法 第36条");
    // The tender's page shows the same words.
    let detail = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    assert_eq!(&detail["notices"][1]["words"], words);
}

#[actix_web::test]
async fn the_site_s_identity_is_public_and_demo_values_are_marked() {
    let app = spawn_app().await;
    let site = app.get("/api/v1/site", None).await;
    site.assert_status(200);
    let site = site.json();
    // Nothing configured and no demo: nothing made up.
    assert_eq!(site["operator"], "");
    assert_eq!(site["icp"], "");
    assert_eq!(site["demo"], false);

    let demo = spawn_app_with(Options {
        demo_data: true,
        ..Default::default()
    })
    .await;
    let site = demo.get("/api/v1/site", None).await.json();
    assert_eq!(site["demo"], true);
    assert!(site["icp"].as_str().unwrap().contains("ICP"), "{site}");
    assert!(
        site["operator"].as_str().unwrap().contains("演示"),
        "{site}"
    );
}
