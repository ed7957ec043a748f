use crate::helpers::spawn_app;
use chrono::Duration;
use ggzy::identity::Role;
use serde_json::json;

#[actix_web::test]
async fn draft_publish_and_full_lifecycle() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let created = app
        .post_json(
            "/api/v1/tenders",
            Some(&tenderer),
            &app.tender_body("智慧教室设备采购"),
        )
        .await;
    assert_eq!(created.status, 201);
    let t = created.json();
    let id = t["id"].as_str().unwrap().to_string();
    assert_eq!(
        created.header("location").unwrap(),
        format!("/api/v1/tenders/{id}")
    );
    assert_eq!(t["status"], "draft");
    assert!(t["reference"].as_str().unwrap().starts_with("NNG-"));
    assert_eq!(t["lots"].as_array().unwrap().len(), 2);
    assert_eq!(
        t["budget"],
        json!({"amount_fen": 150_000_000, "currency": "CNY"})
    );
    assert_eq!(t["tenderer"]["name"], "南宁市教育局");
    assert_eq!(t["allowed_actions"], json!(["publish", "cancel"]));

    // A draft is invisible to the public.
    app.get(&format!("/api/v1/tenders/{id}"), None)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.get("/api/v1/tenders", None).await.json()["total"], 0);
    assert_eq!(
        app.get("/api/v1/tenders", Some(&tenderer)).await.json()["total"],
        1,
        "its owner sees it"
    );

    // Drafts can be edited; published tenders cannot.
    let mut edited = app.tender_body("智慧教室设备采购（修订）");
    edited["lots"] = json!([]);
    let r = app
        .put_json(&format!("/api/v1/tenders/{id}"), Some(&tenderer), &edited)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["title"], "智慧教室设备采购（修订）");
    assert_eq!(r.json()["lots"], json!([]));

    let r = app.act(&tenderer, &id, "publish", "").await;
    r.assert_status(200);
    let t = r.json();
    assert_eq!(t["status"], "published");
    assert_eq!(t["notices"][0]["kind"], "tender");
    app.put_json(&format!("/api/v1/tenders/{id}"), Some(&tenderer), &edited)
        .await
        .assert_refusal(409, "illegal-transition", "tender.draft-only");
    let public = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    assert_eq!(public["status"], "published");
    assert_eq!(public["allowed_actions"], json!([]));

    // Opening cannot start before the deadline, by the server's clock; the
    // refusal names the deadline in Beijing time.
    let deadline: chrono::DateTime<chrono::Utc> = public["dates"]["bid_deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let params = app
        .act(&tenderer, &id, "start_opening", "")
        .await
        .assert_refusal(422, "time-limit", "opening.before-deadline");
    assert_eq!(params, json!({ "deadline": ggzy::reasons::time(deadline) }));
    assert!(params["deadline"].as_str().unwrap().ends_with("+08:00"));
    let params = app.act(&tenderer, &id, "publish", "").await.assert_refusal(
        409,
        "illegal-transition",
        "tender.action-not-now",
    );
    assert_eq!(
        params,
        json!({ "status": "published", "action": "publish" })
    );
    app.act(&tenderer, &id, "award", "")
        .await
        .assert_problem(409, "illegal-transition");
    app.clock.advance(Duration::days(25) + Duration::seconds(1));
    // Nobody bid: fewer than three bidders at the deadline, so the bids are
    // not opened and the tender fails at once (招标投标法实施条例 第44条;
    // for government procurement 87号令 第43条), which the answer shows. (The
    // rest of the lifecycle, with bids, is driven in rooms and
    // notify_awards.)
    let r = app.act(&tenderer, &id, "start_opening", "").await;
    r.assert_status(200);
    let t = r.json();
    assert_eq!(t["status"], "failed");
    let kinds: Vec<&str> = t["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["tender", "opening", "failure"]);
    let why = t["notices"][2]["body"].as_str().unwrap();
    assert!(
        why.starts_with("投标截止时投标人不足3家（0 家）")
            && why.contains("Fewer than 3 bidders at the deadline (0)")
            && why.contains("第43条"),
        "{why}"
    );
    app.act(&tenderer, &id, "start_evaluation", "")
        .await
        .assert_problem(409, "illegal-transition");
    let params = app
        .act(&tenderer, &id, "cancel", "too late")
        .await
        .assert_refusal(409, "illegal-transition", "tender.status-final");
    assert_eq!(params, json!({ "status": "failed", "action": "cancel" }));
}

#[actix_web::test]
async fn publishing_enforces_the_legal_minimum_period() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let mut body = app.tender_body("只有十天的招标");
    let now = app.now();
    body["dates"]["clarification_deadline"] = json!((now + Duration::days(5)).to_rfc3339());
    body["dates"]["bid_deadline"] = json!((now + Duration::days(10)).to_rfc3339());
    let r = app
        .post_json("/api/v1/tenders", Some(&tenderer), &body)
        .await;
    assert_eq!(r.status, 201, "a draft may hold any future dates");
    let id = r.json()["id"].as_str().unwrap().to_string();
    let before = app.snapshot();
    let published_at = app.now();
    let r = app.act(&tenderer, &id, "publish", "").await;
    let p = r.assert_problem(422, "time-limit");
    assert!(
        p["detail"].as_str().unwrap().contains("20 calendar days"),
        "{p}"
    );
    // Said for the portal: the period, its unit and article, the dates in
    // Beijing time, the earliest deadline that would do.
    let params = r.assert_refusal(422, "time-limit", "tender.documents-period");
    assert_eq!(params["category"], "government_procurement");
    assert_eq!(params["method"], "open_tendering");
    assert_eq!(
        (&params["days"], &params["unit"]),
        (&json!(20), &json!("calendar_days"))
    );
    assert_eq!(params["basis"], "《政府采购法》第三十五条");
    let at = |name: &str| -> chrono::DateTime<chrono::Utc> {
        params[name].as_str().unwrap().parse().unwrap()
    };
    // The documents are available an hour after the draft was made.
    assert_eq!(
        at("deadline") - at("available"),
        Duration::days(10) - Duration::hours(1)
    );
    assert_eq!(at("earliest") - at("available"), Duration::days(20));
    assert!((at("available") - published_at).num_seconds().abs() <= 3600 + 5);
    assert!(params["earliest"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(app.snapshot(), before, "nothing written");
    let t = app
        .get(&format!("/api/v1/tenders/{id}"), Some(&tenderer))
        .await
        .json();
    assert_eq!(t["status"], "draft");
    // Engineering construction may not use an auction at all.
    let mut body = app.tender_body("施工拍卖");
    body["category"] = json!("engineering_construction");
    body["method"] = json!("auction");
    let (field, params) = app
        .post_json("/api/v1/tenders", Some(&tenderer), &body)
        .await
        .assert_rule("tender.method-not-allowed");
    assert_eq!(field, "method");
    assert_eq!(
        params,
        json!({ "category": "engineering_construction", "method": "auction" })
    );
}

#[actix_web::test]
async fn amendments_follow_the_15_day_rule_and_are_versioned() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let path = format!("/api/v1/tenders/{id}/amendments");
    let r = app
        .post_json(
            &path,
            Some(&tenderer),
            &json!({"title": "更正公告（第1号）", "body": "内存调整为16GB", "changes_bids": true}),
        )
        .await;
    r.assert_status(201);
    assert_eq!(r.json()["amendment_version"], 1);
    // 12 days later only 13 days remain: a bid-changing amendment must move the deadline.
    app.clock.advance(Duration::days(12));
    let before = app.snapshot();
    let asked = app.now();
    let r = app
        .post_json(
            &path,
            Some(&tenderer),
            &json!({"title": "更正公告（第2号）", "body": "交货期变更", "changes_bids": true}),
        )
        .await;
    let p = r.assert_problem(422, "time-limit");
    assert!(p["detail"].as_str().unwrap().contains("15 calendar days"));
    let params = r.assert_refusal(422, "time-limit", "tender.amendment-period");
    assert_eq!(
        (&params["days"], &params["unit"]),
        (&json!(15), &json!("calendar_days"))
    );
    assert_eq!(
        params["basis"],
        "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第二十七条"
    );
    let earliest: chrono::DateTime<chrono::Utc> =
        params["earliest"].as_str().unwrap().parse().unwrap();
    assert!(
        (earliest - (asked + Duration::days(15)))
            .num_seconds()
            .abs()
            <= 2,
        "{params}"
    );
    assert_eq!(app.snapshot(), before);
    let too_soon = app.now() + Duration::days(14) + Duration::hours(23);
    app.post_json(
        &path,
        Some(&tenderer),
        &json!({"title": "更正公告（第2号）", "body": "交货期变更", "changes_bids": true, "new_bid_deadline": too_soon.to_rfc3339()}),
    )
    .await
    .assert_problem(422, "time-limit");
    let new_deadline = app.now() + Duration::days(15) + Duration::minutes(1);
    let r = app
        .post_json(
            &path,
            Some(&tenderer),
            &json!({"title": "更正公告（第2号）", "body": "交货期变更", "changes_bids": true, "new_bid_deadline": new_deadline.to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status, 201);
    let t = r.json();
    assert_eq!(t["amendment_version"], 2);
    assert_eq!(
        t["bid_deadline"],
        json!(new_deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    );
    // An editorial change needs no extension; moving the deadline earlier is refused.
    let r = app
        .post_json(
            &path,
            Some(&tenderer),
            &json!({"title": "更正（第3号）", "body": "错别字", "changes_bids": false}),
        )
        .await;
    assert_eq!(r.status, 201);
    let earlier = app.now() + Duration::days(1);
    let (field, params) = app.post_json(
        &path,
        Some(&tenderer),
        &json!({"title": "x", "body": "y", "changes_bids": false, "new_bid_deadline": earlier.to_rfc3339()}),
    )
    .await
    .assert_rule("tender.deadline-only-later");
    assert_eq!(field, "new_bid_deadline");
    assert_eq!(
        params,
        json!({ "deadline": ggzy::reasons::time(new_deadline) })
    );
    let notices = app
        .get(&format!("/api/v1/tenders/{id}/notices"), None)
        .await
        .json();
    let kinds: Vec<&str> = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["tender", "amendment", "amendment", "amendment"]);
    // After the deadline no amendment is possible.
    app.clock.advance(Duration::days(16));
    let params = app
        .post_json(
            &path,
            Some(&tenderer),
            &json!({"title": "x", "body": "y", "changes_bids": false}),
        )
        .await
        .assert_refusal(409, "deadline-passed", "tender.amend-after-deadline");
    assert_eq!(
        params,
        json!({ "deadline": ggzy::reasons::time(new_deadline) })
    );
}

#[actix_web::test]
async fn clarifications_are_answered_to_all_without_the_asker() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let bidder = app.user("投标部", Role::Bidder, "NNG", "广西建工集团有限公司");
    let other_bidder = app.user("投标部", Role::Bidder, "LZH", "柳州某公司");
    let path = format!("/api/v1/tenders/{id}/clarifications");
    app.post_json(&path, Some(&tenderer), &json!({"question": "?"}))
        .await
        .assert_problem(403, "forbidden");
    let r = app
        .post_json(
            &path,
            Some(&bidder),
            &json!({"question": "是否接受进口产品？"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let cid = r.json()["id"].as_str().unwrap().to_string();
    // Pending: the asker sees it as theirs, the tenderer sees it without the asker, the public not at all.
    let mine = app.get(&path, Some(&bidder)).await.json();
    assert_eq!(mine["items"][0]["asked_by_me"], true);
    assert_eq!(app.get(&path, None).await.json()["items"], json!([]));
    assert_eq!(
        app.get(&path, Some(&other_bidder)).await.json()["items"],
        json!([])
    );
    let managed = app.get(&path, Some(&tenderer)).await;
    let text = String::from_utf8_lossy(&managed.body).to_string();
    assert_eq!(managed.json()["items"][0]["question"], "是否接受进口产品？");
    assert!(
        !text.contains("广西建工") && !text.contains("asked_by\""),
        "no trace of the asker: {text}"
    );
    // Answer: published to all as a notice.
    let answer_path = format!("{path}/{cid}/answer");
    app.post_json(&answer_path, Some(&bidder), &json!({"answer": "x"}))
        .await
        .assert_problem(403, "forbidden");
    let r = app
        .post_json(
            &answer_path,
            Some(&tenderer),
            &json!({"answer": "不接受。"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["number"], 1);
    app.post_json(&answer_path, Some(&tenderer), &json!({"answer": "again"}))
        .await
        .assert_refusal(409, "conflict", "clarification.answered-already");
    let public = app.get(&format!("/api/v1/tenders/{id}"), None).await;
    let t = public.json();
    assert_eq!(t["clarifications"][0]["question"], "是否接受进口产品？");
    assert_eq!(t["clarifications"][0]["answer"], "不接受。");
    assert_eq!(t["notices"][1]["kind"], "clarification");
    let text = String::from_utf8_lossy(&public.body);
    assert!(
        !text.contains("广西建工"),
        "the public view never names the asker"
    );
    // Questions close at the clarification deadline.
    let deadline: chrono::DateTime<chrono::Utc> = t["dates"]["clarification_deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app.clock.advance(Duration::days(15));
    let params = app
        .post_json(&path, Some(&bidder), &json!({"question": "太晚了？"}))
        .await
        .assert_refusal(409, "deadline-passed", "clarification.deadline-passed");
    assert_eq!(params, json!({ "deadline": ggzy::reasons::time(deadline) }));
}

#[actix_web::test]
async fn agents_run_tenders_for_tenderers_and_others_cannot_touch_them() {
    let app = spawn_app().await;
    app.leagues();
    let (_, edu) = app.user_with_org("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let agent = app.user("项目经理", Role::Agent, "NNG", "华信招标代理");
    let mut body = app.tender_body("代理项目");
    let (field, _) = app
        .post_json("/api/v1/tenders", Some(&agent), &body)
        .await
        .assert_rule("tender.agent-names-tenderer");
    assert_eq!(field, "tenderer_org_id");
    body["tenderer_org_id"] = json!(edu.as_str());
    let r = app.post_json("/api/v1/tenders", Some(&agent), &body).await;
    assert_eq!(r.status, 201);
    let t = r.json();
    assert_eq!(t["tenderer"]["name"], "南宁市教育局");
    assert_eq!(t["agent"]["name"], "华信招标代理");
    let id = t["id"].as_str().unwrap();
    // Another tenderer, a bidder and the public cannot publish it.
    let stranger = app.user("别人", Role::Tenderer, "NNG", "别的单位");
    app.act(&stranger, id, "publish", "")
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.act(&agent, id, "publish", "").await.status, 200);
    app.act(&stranger, id, "cancel", "因故")
        .await
        .assert_refusal(403, "forbidden", "tender.managers-only");
    let bidder = app.user("b", Role::Bidder, "NNG", "投标人");
    app.act(&bidder, id, "cancel", "因故")
        .await
        .assert_problem(403, "forbidden");
    app.act("", id, "cancel", "因故")
        .await
        .assert_problem(401, "unauthenticated");
    // A tenderer cannot publish in another league.
    let mut foreign = app.tender_body("跨区项目");
    foreign["league"] = json!("LZH");
    let tenderer = app.user("t", Role::Tenderer, "NNG", "南宁市教育局");
    let params = app
        .post_json("/api/v1/tenders", Some(&tenderer), &foreign)
        .await
        .assert_refusal(403, "forbidden", "tender.own-league-only");
    assert_eq!(params, json!({ "mine": "NNG", "league": "LZH" }));
    // Cancel needs a reason, which is published.
    app.act(&agent, id, "cancel", "")
        .await
        .assert_problem(422, "validation-failed");
    let r = app.act(&agent, id, "cancel", "项目预算调整").await;
    assert_eq!(r.json()["status"], "cancelled");
    assert_eq!(r.json()["notices"][1]["body"], "项目预算调整");
}

#[actix_web::test]
async fn list_filters_search_and_pages() {
    let app = spawn_app().await;
    app.leagues();
    let nng = app.user("a", Role::Tenderer, "NNG", "南宁市教育局");
    let lzh = app.user("b", Role::Tenderer, "LZH", "柳州城投");
    for i in 0..3 {
        let id = app.create_draft(&nng, &format!("南宁设备采购 {i}")).await;
        assert_eq!(app.act(&nng, &id, "publish", "").await.status, 200);
    }
    let mut body = app.tender_body("柳州道路施工 100%_完成");
    body["category"] = json!("engineering_construction");
    body["evaluation"] = json!({"method": "lowest_evaluated_price"});
    body["dates"]["clarification_deadline"] =
        json!((app.now() + chrono::Duration::days(12)).to_rfc3339());
    let r = app.post_json("/api/v1/tenders", Some(&lzh), &body).await;
    let lzh_id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(app.act(&lzh, &lzh_id, "publish", "").await.status, 200);
    app.create_draft(&nng, "未发布草稿").await;

    let total = |q: &str| {
        let app = &app;
        let q = q.to_string();
        async move {
            app.get(&format!("/api/v1/tenders?{q}"), None).await.json()["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(total("").await, 4, "drafts are not on the public board");
    assert_eq!(total("league=LZH").await, 1);
    assert_eq!(total("category=engineering_construction").await, 1);
    assert_eq!(total("category=government_procurement&league=NNG").await, 3);
    assert_eq!(total("status=published").await, 4);
    assert_eq!(total("status=draft").await, 0);
    assert_eq!(
        total("q=%E5%8D%97%E5%AE%81").await,
        3,
        "Chinese text search (南宁)"
    );
    assert_eq!(
        total("q=100%25_").await,
        1,
        "LIKE wildcards match literally"
    );
    assert_eq!(total("q=%25").await, 1, "a bare % matches only a literal %");
    assert_eq!(total("q=NNG-").await, 3, "reference search");
    let page = app
        .get("/api/v1/tenders?per_page=3&page=2", None)
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["page"], 2);
    assert_eq!(page["total"], 4);
    app.get("/api/v1/tenders?category=weapons", None)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/api/v1/tenders?per_page=1000", None)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/api/v1/tenders?page=0", None)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/api/v1/tenders?page=1000001", None)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/api/v1/tenders?colour=red", None)
        .await
        .assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn concurrent_drafts_get_unique_references() {
    let app = spawn_app().await;
    app.leagues();
    let token = app.user("a", Role::Tenderer, "NNG", "南宁市教育局");
    let body = app.tender_body("并发");
    let requests = (0..12).map(|_| app.post_json("/api/v1/tenders", Some(&token), &body));
    let replies = futures_util::future::join_all(requests).await;
    let mut refs: Vec<String> = replies
        .iter()
        .map(|r| {
            r.assert_status(201);
            r.json()["reference"].as_str().unwrap().to_string()
        })
        .collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 12);
    assert_eq!(app.count("tenders"), 12);
}

#[actix_web::test]
async fn a_draft_cancelled_before_publication_stays_private() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let id = app
        .create_draft(&tenderer, "内部草稿：尚未公开的预算")
        .await;
    let r = app.act(&tenderer, &id, "cancel", "不再采购").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "cancelled");
    assert_eq!(r.json()["notices"], json!([]), "nothing was ever published");
    app.get(&format!("/api/v1/tenders/{id}"), None)
        .await
        .assert_problem(404, "not-found");
    let board = app
        .get("/api/v1/tenders?status=cancelled", None)
        .await
        .json();
    assert_eq!(board["total"], 0);
    app.get(&format!("/api/v1/opendata/tenders/{id}/releases"), None)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.count("notices"), 0);
}

#[actix_web::test]
async fn concurrent_actions_on_one_tender_apply_once() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let id = app.create_draft(&tenderer, "双击发布").await;
    let replies =
        futures_util::future::join_all((0..6).map(|_| app.act(&tenderer, &id, "publish", "")))
            .await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "exactly one publish succeeds");
    for r in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(r.status, 409);
    }
    assert_eq!(app.count("notices"), 1, "one tender notice, one release");
    let operator = app.user("运营", Role::Operator, "NNG", "平台");
    let events = app
        .get(
            &format!("/api/v1/audit/events?tender_id={id}&action=tender.publish"),
            Some(&operator),
        )
        .await;
    assert_eq!(events.json()["total"], 1);
}

#[actix_web::test]
async fn amendments_can_change_terms_and_documents_count_as_changing_bids() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let path = format!("/api/v1/tenders/{id}/amendments");
    let r = app
        .post_json(
            &path,
            Some(&tenderer),
            &json!({
                "title": "更正公告（第1号）",
                "body": "预算调整，合并为一个包，价格权重调整",
                "changes_bids": false,
                "changes": {
                    "budget": {"amount_fen": 180_000_000, "currency": "CNY"},
                    "lots": [{"title": "唯一包", "budget_fen": 180_000_000}],
                    "evaluation": {"method": "lowest_evaluated_price"}
                }
            }),
        )
        .await;
    r.assert_status(201);
    let t = r.json();
    assert_eq!(t["budget"]["amount_fen"], 180_000_000);
    assert_eq!(t["lots"].as_array().unwrap().len(), 1);
    assert_eq!(t["evaluation"], json!({"method": "lowest_evaluated_price"}));
    let package = app
        .get(&format!("/api/v1/opendata/tenders/{id}/releases"), None)
        .await
        .json();
    assert_eq!(
        package["releases"][1]["tender"]["value"]["amount"],
        json!(1800000.0)
    );
    assert_eq!(
        package["releases"][1]["tender"]["awardCriteria"],
        "costOnly"
    );
    // Invalid changed terms are refused as a whole.
    let before = app.snapshot();
    app.post_json(
        &path,
        Some(&tenderer),
        &json!({"title": "x", "body": "y", "changes_bids": false,
                "changes": {"lots": [{"title": "超预算", "budget_fen": 999_999_999_999i64}]}}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(app.snapshot(), before);
    // Within 15 days of the deadline, new terms or new documents need a later
    // deadline even when the tenderer says they change nothing.
    app.clock.advance(Duration::days(12));
    app.post_json(
        &path,
        Some(&tenderer),
        &json!({"title": "x", "body": "y", "changes_bids": false,
                "changes": {"budget": {"amount_fen": 1, "currency": "CNY"}}}),
    )
    .await
    .assert_problem(422, "time-limit");
    let doc = app
        .post_raw(
            &format!("/api/v1/tenders/{id}/documents?filename=new.pdf"),
            Some(&tenderer),
            "application/pdf",
            b"%PDF".to_vec(),
        )
        .await
        .json();
    app.post_json(
        &path,
        Some(&tenderer),
        &json!({"title": "x", "body": "y", "changes_bids": false, "document_ids": [doc["id"]]}),
    )
    .await
    .assert_problem(422, "time-limit");
}

#[actix_web::test]
async fn answers_that_change_bids_follow_the_15_day_rule() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let bidder = app.user("投标部", Role::Bidder, "NNG", "广西建工集团有限公司");
    let path = format!("/api/v1/tenders/{id}/clarifications");
    app.clock.advance(Duration::days(11));
    let cid = app
        .post_json(
            &path,
            Some(&bidder),
            &json!({"question": "交货期能否延长？"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = format!("{path}/{cid}/answer");
    app.post_json(
        &answer,
        Some(&tenderer),
        &json!({"answer": "可以延长至90天", "changes_bids": true}),
    )
    .await
    .assert_problem(422, "time-limit");
    let r = app
        .post_json(
            &answer,
            Some(&tenderer),
            &json!({"answer": "以招标文件为准"}),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[actix_web::test]
async fn agents_act_only_for_tenderers_of_their_league_and_only_as_agents() {
    let app = spawn_app().await;
    app.leagues();
    let (_, lzh_org) = app.user_with_org("t", Role::Tenderer, "LZH", "柳州城投");
    let agent = app.user("项目经理", Role::Agent, "NNG", "华信招标代理");
    let mut body = app.tender_body("跨区代理");
    body["tenderer_org_id"] = json!(lzh_org.as_str());
    app.post_json("/api/v1/tenders", Some(&agent), &body)
        .await
        .assert_problem(403, "forbidden");

    // A member of the tenderer organisation who holds only the agent role
    // neither sees nor manages that organisation's drafts.
    let (tenderer, edu) = app.user_with_org("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let draft = app.create_draft(&tenderer, "教育局草稿").await;
    let agent_in_edu = app.user_custom("x", &[Role::Agent], "NNG", Some(&edu), None);
    assert_eq!(
        app.get("/api/v1/tenders", Some(&agent_in_edu)).await.json()["total"],
        0
    );
    app.get(&format!("/api/v1/tenders/{draft}"), Some(&agent_in_edu))
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn the_audit_log_records_the_role_acted_in() {
    let app = spawn_app().await;
    app.leagues();
    let (_, edu) = app.user_with_org("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let (_, agency) = app.user_with_org("代理", Role::Agent, "NNG", "华信招标代理");
    // One person holding both roles, in the agency: acts as the agent.
    let both = app.user_custom(
        "双重身份",
        &[Role::Tenderer, Role::Agent],
        "NNG",
        Some(&agency),
        None,
    );
    let mut body = app.tender_body("代理项目");
    body["tenderer_org_id"] = json!(edu.as_str());
    let r = app.post_json("/api/v1/tenders", Some(&both), &body).await;
    assert_eq!(
        r.status, 201,
        "naming another tenderer is acting as its agent"
    );
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(app.act(&both, &id, "publish", "").await.status, 200);
    let operator = app.user("运营", Role::Operator, "NNG", "平台");
    let events = app
        .get(
            &format!("/api/v1/audit/events?tender_id={id}&action=tender.publish"),
            Some(&operator),
        )
        .await
        .json();
    assert_eq!(events["items"][0]["actor_role"], "agent");
    let created = app
        .get(
            &format!("/api/v1/audit/events?tender_id={id}&action=tender.create"),
            Some(&operator),
        )
        .await
        .json();
    assert_eq!(created["items"][0]["actor_role"], "agent");
}
