//! The OCDS output is validated against the vendored OCDS 1.1.5 schemas
//! (tests/fixtures/ocds-1.1.5), patched with the extensions the packages
//! declare (tests/fixtures/ocds-extensions: lots, bids, enquiries), offline.

use crate::bids::{
    Make, container, envelope, release_platform_share, release_tenderer_share,
    start_opening_at_deadline, submit, tender_with_opening_cert, valid_bids, wait_for_opening,
};
use crate::helpers::{Options, spawn_app, spawn_app_with};
use crate::trust::{Registry, credit};
use chrono::Duration;
use ggzy::identity::Role;
use serde_json::{Value, json};

const BASE: &str = "https://standard.open-contracting.org/schema/1__1__5/";

fn read_json(path: &str) -> Value {
    let path = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fixture(name: &str) -> Value {
    read_json(&format!("ocds-1.1.5/{name}"))
}

/// JSON Merge Patch (RFC 7386), how an extension's release schema extends
/// the standard's.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Some(patch) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let target = target.as_object_mut().unwrap();
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The release schema with the extensions every package declares.
fn extended_release_schema() -> Value {
    let mut schema = fixture("release-schema.json");
    for extension in ["lots", "bid", "enquiry"] {
        merge_patch(
            &mut schema,
            &read_json(&format!("ocds-extensions/{extension}/release-schema.json")),
        );
    }
    schema
}

/// Validates `instance` against a package schema, with the release schemas
/// it refers to served from the fixtures (the release schema extended).
pub fn assert_valid(package_schema: &str, instance: &Value) {
    let registry = jsonschema::Registry::new()
        .add(
            format!("{BASE}release-schema.json"),
            extended_release_schema(),
        )
        .unwrap()
        .add(
            format!("{BASE}versioned-release-validation-schema.json"),
            fixture("versioned-release-validation-schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let schema = fixture(package_schema);
    let validator = jsonschema::draft4::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the OCDS schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "OCDS validation errors:\n{}",
        errors.join("\n")
    );
}

#[actix_web::test]
async fn the_validator_rejects_what_it_should() {
    // The check must be able to fail: a release without its ocid is invalid.
    let bad = json!({"uri": "https://x", "version": "1.1", "publishedDate": "2026-01-01T00:00:00Z",
        "publisher": {"name": "x"}, "releases": [{"id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"], "initiationType": "tender"}]});
    let result = std::panic::catch_unwind(|| assert_valid("release-package-schema.json", &bad));
    assert!(result.is_err());
    // The extensions are in: a bid status outside the bid extension's
    // closed codelist is invalid, one of its own is not.
    let with_bid = |status: &str| {
        json!({"uri": "https://x", "version": "1.1", "publishedDate": "2026-01-01T00:00:00Z",
            "publisher": {"name": "x"}, "releases": [{"ocid": "ocds-x-1", "id": "1", "date": "2026-01-01T00:00:00Z",
            "tag": ["tenderUpdate"], "initiationType": "tender",
            "bids": {"details": [{"id": "b1", "status": status, "relatedLots": ["1"]}]}}]})
    };
    assert_valid("release-package-schema.json", &with_bid("valid"));
    let result = std::panic::catch_unwind(|| {
        assert_valid("release-package-schema.json", &with_bid("rejected"))
    });
    assert!(result.is_err());
    // And the enquiry extension: its dates are date-times (the core schema
    // alone knows no `enquiries` and would let anything through).
    let with_enquiry = |answered: &str| {
        json!({"uri": "https://x", "version": "1.1", "publishedDate": "2026-01-01T00:00:00Z",
            "publisher": {"name": "x"}, "releases": [{"ocid": "ocds-x-1", "id": "1", "date": "2026-01-01T00:00:00Z",
            "tag": ["tenderUpdate"], "initiationType": "tender",
            "tender": {"id": "t1", "enquiries": [{"id": "1", "description": "?", "answer": "!", "dateAnswered": answered}]}}]})
    };
    assert_valid(
        "release-package-schema.json",
        &with_enquiry("2026-01-01T00:00:00Z"),
    );
    let result = std::panic::catch_unwind(|| {
        assert_valid("release-package-schema.json", &with_enquiry("yesterday"))
    });
    assert!(result.is_err());
}

#[actix_web::test]
async fn demo_data_feed_and_records_are_valid_ocds() {
    let app = spawn_app_with(Options {
        demo_data: true,
        ..Default::default()
    })
    .await;
    // Once the demo's finished procedure is through (its releases then
    // stay as they are).
    crate::demo::finished_demo_tender(&app).await;
    let r = app
        .get("/api/v1/opendata/releases?per_page=100", None)
        .await;
    assert_eq!(r.status, 200);
    let feed = r.json();
    assert_valid("release-package-schema.json", &feed);
    let releases = feed["releases"].as_array().unwrap();
    assert_eq!(
        releases.len(),
        16,
        "eight tenders (two of them trades found by price), a clarification, an amendment, two \
         openings, the finished one's opening record, an evaluation, its award and its contract"
    );
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert!(
        tags.contains(&"tender")
            && tags.contains(&"tenderAmendment")
            && tags.contains(&"tenderUpdate")
            && tags.contains(&"award")
            && tags.contains(&"contract")
    );
    for release in releases {
        assert!(
            release["ocid"]
                .as_str()
                .unwrap()
                .starts_with("ocds-ggzy01-")
        );
    }
    // The demo's answered clarification, as an enquiry without its asker.
    let enquiries: Vec<&Value> = releases
        .iter()
        .filter_map(|r| r["tender"]["enquiries"].as_array())
        .flatten()
        .collect();
    assert!(!enquiries.is_empty(), "the demo clarification is published");
    for enquiry in enquiries {
        assert!(enquiry["answer"].is_string() && enquiry["dateAnswered"].is_string());
        assert!(enquiry.get("author").is_none());
    }
    let tenders = app.get("/api/v1/tenders?per_page=100", None).await.json();
    assert_eq!(tenders["total"], 8);
    for t in tenders["items"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let package = app
            .get(&format!("/api/v1/opendata/tenders/{id}/releases"), None)
            .await
            .json();
        assert_valid("release-package-schema.json", &package);
        let record = app
            .get(&format!("/api/v1/opendata/tenders/{id}/record"), None)
            .await
            .json();
        assert_valid("record-package-schema.json", &record);
        let compiled = &record["records"][0]["compiledRelease"];
        assert_eq!(compiled["tag"], json!(["compiled"]));
        assert_eq!(compiled["tender"]["title"], t["title"]);
    }
}

#[actix_web::test]
async fn releases_follow_the_tender_through_its_notices() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    app.post_json(
        &format!("/api/v1/tenders/{id}/amendments"),
        Some(&tenderer),
        &json!({"title": "更正公告", "body": "交货期改为60天", "changes_bids": true}),
    )
    .await;
    assert_eq!(
        app.act(&tenderer, &id, "cancel", "预算取消").await.status,
        200
    );
    let package = app
        .get(&format!("/api/v1/opendata/tenders/{id}/releases"), None)
        .await
        .json();
    assert_valid("release-package-schema.json", &package);
    let releases = package["releases"].as_array().unwrap();
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["tender", "tenderAmendment", "tenderCancellation"]);
    assert_eq!(releases[0]["tender"]["status"], "active");
    assert_eq!(
        releases[0]["tender"]["value"],
        json!({"amount": 1500000.0, "currency": "CNY"})
    );
    assert_eq!(releases[0]["tender"]["lots"].as_array().unwrap().len(), 2);
    assert_eq!(releases[0]["tender"]["awardCriteria"], "ratedCriteria");
    assert_eq!(
        releases[1]["tender"]["amendments"][0]["rationale"],
        "更正公告"
    );
    assert_eq!(releases[2]["tender"]["status"], "cancelled");
    let record = app
        .get(&format!("/api/v1/opendata/tenders/{id}/record"), None)
        .await
        .json();
    assert_valid("record-package-schema.json", &record);
    assert_eq!(
        record["records"][0]["compiledRelease"]["tender"]["status"],
        "cancelled"
    );
    // A draft has no open data.
    let draft = app.create_draft(&tenderer, "草稿").await;
    app.get(&format!("/api/v1/opendata/tenders/{draft}/record"), None)
        .await
        .assert_problem(404, "not-found");
}

/// A time of the API as open data writes it: to the second, in UTC.
fn to_the_second(api_time: &Value) -> String {
    use chrono::SubsecRound;
    let t: chrono::DateTime<chrono::Utc> = api_time.as_str().unwrap().parse().unwrap();
    t.trunc_subsecs(0)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Clarifications go out as the Enquiries extension's `tender.enquiries`:
/// an answered question with its answer, as the public tender page shows
/// it, never who asked (sealed, 招标投标法 第22条), and nothing of a
/// question still waiting for its answer.
#[actix_web::test]
async fn answered_clarifications_are_published_as_enquiries_without_the_asker() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let asker = app.user("投标部", Role::Bidder, "NNG", "广西建工集团有限公司");
    let other = app.user("投标部", Role::Bidder, "LZH", "柳州某公司");
    let path = format!("/api/v1/tenders/{id}/clarifications");
    let asked = app
        .post_json(
            &path,
            Some(&asker),
            &json!({"question": "是否接受进口产品？"}),
        )
        .await
        .json();
    app.clock.advance(Duration::hours(2));
    let pending = app
        .post_json(
            &path,
            Some(&other),
            &json!({"question": "保证金能否以保函代替？"}),
        )
        .await;
    assert_eq!(pending.status, 201);
    app.clock.advance(Duration::hours(1));
    let cid = asked["id"].as_str().unwrap();
    app.post_json(
        &format!("{path}/{cid}/answer"),
        Some(&tenderer),
        &json!({"answer": "不接受。"}),
    )
    .await
    .assert_status(200);
    // A later notice, the other question still unanswered.
    app.clock.advance(Duration::hours(1));
    app.post_json(
        &format!("/api/v1/tenders/{id}/amendments"),
        Some(&tenderer),
        &json!({"title": "更正公告", "body": "联系人电话更正", "changes_bids": false}),
    )
    .await
    .assert_status(201);
    let public = app.get(&path, None).await.json();
    let answered = &public["items"][0];

    let package = app
        .get(&format!("/api/v1/opendata/tenders/{id}/releases"), None)
        .await;
    let text = String::from_utf8_lossy(&package.body).to_string();
    let package = package.json();
    assert_valid("release-package-schema.json", &package);
    assert!(
        package["extensions"].as_array().unwrap().iter().any(|e| e
            .as_str()
            .unwrap()
            .contains("ocds_enquiry_extension/v1.1.5/")),
        "the package declares the enquiry extension"
    );
    let releases = package["releases"].as_array().unwrap();
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["tender", "tenderUpdate", "tenderAmendment"]);
    assert_eq!(releases[0]["tender"]["hasEnquiries"], false);
    assert!(releases[0]["tender"].get("enquiries").is_none());
    let expected = json!([{
        "id": "1",
        "date": to_the_second(&answered["asked_at"]),
        "title": "澄清 / clarification 1",
        "description": "是否接受进口产品？",
        "answer": "不接受。",
        "dateAnswered": to_the_second(&answered["answered_at"]),
    }]);
    for release in &releases[1..] {
        assert_eq!(release["tender"]["hasEnquiries"], true);
        assert_eq!(
            release["tender"]["enquiries"], expected,
            "the answered question, its answer and dates, and no author"
        );
    }
    assert_eq!(releases[1]["date"], to_the_second(&answered["answered_at"]));
    // Neither who asked nor the question still waiting for its answer.
    for secret in ["广西建工", "柳州某公司", "保证金能否", "author", "enquirer"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    let parties = releases[2]["parties"].as_array().unwrap();
    assert_eq!(parties.len(), 1, "the tenderer alone: {parties:?}");

    let record = app
        .get(&format!("/api/v1/opendata/tenders/{id}/record"), None)
        .await;
    let text = String::from_utf8_lossy(&record.body).to_string();
    let record = record.json();
    assert_valid("record-package-schema.json", &record);
    assert_eq!(
        record["records"][0]["compiledRelease"]["tender"]["enquiries"],
        expected
    );
    for secret in ["广西建工", "柳州某公司", "保证金能否", "author"] {
        assert!(!text.contains(secret), "{secret} leaked from the record");
    }
}

#[actix_web::test]
async fn the_feed_pages_with_links() {
    let app = spawn_app_with(Options {
        demo_data: true,
        ..Default::default()
    })
    .await;
    let first = app
        .get("/api/v1/opendata/releases?per_page=2", None)
        .await
        .json();
    assert_eq!(first["releases"].as_array().unwrap().len(), 2);
    assert!(
        first["links"]["next"]
            .as_str()
            .unwrap()
            .ends_with("page=2&per_page=2")
    );
    let empty = app.get("/api/v1/opendata/releases?page=999", None).await;
    empty.assert_problem(404, "not-found");
    let _ = spawn_app;
}

/// The releases of `tender`'s package, validated.
async fn releases_of(app: &crate::helpers::TestApp, tender: &str) -> Vec<Value> {
    let package = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/releases"), None)
        .await
        .json();
    assert_valid("release-package-schema.json", &package);
    assert!(
        package["extensions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("ocds_bid_extension/v1.1.5/")),
        "the package declares the bid extension"
    );
    package["releases"].as_array().unwrap().clone()
}

fn statistic<'a>(release: &'a Value, id: &str) -> &'a Value {
    release["bids"]["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no statistic {id} in {}", release["bids"]))
}

/// Sealed until the opening (招标投标法 第22条): no release before the
/// completed opening record says who bid or how many; from it on, each
/// release carries the bids it opened, per lot.
#[actix_web::test]
async fn bids_are_published_from_the_opening_record_on_per_lot() {
    let r = Registry::new().await;
    let app = &r.app;
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    // Three valid bids priced per lot (the third prices lot 2 only) and
    // one the bidder botched: revoked at the opening.
    let schedules = [
        json!({"total_price_fen": 130_000_000, "duration_days": 90, "key_terms": {"质保期": "3 年"},
               "lots": [{"lot": 1, "price_fen": 90_000_000}, {"lot": 2, "price_fen": 40_000_000}]}),
        json!({"total_price_fen": 131_000_000, "duration_days": 90, "key_terms": {"质保期": "3 年"},
               "lots": [{"lot": 1, "price_fen": 92_000_000}, {"lot": 2, "price_fen": 39_000_000}]}),
        json!({"total_price_fen": 38_500_000, "duration_days": 90, "key_terms": {"质保期": "3 年"},
               "lots": [{"lot": 2, "price_fen": 38_500_000}]}),
    ];
    valid_bids(&r, &tender, &opening, &schedules).await;
    r.nng.enterprise(
        "fourth",
        "广西第四建设有限公司",
        &credit("91450100MA5T0005E"),
    );
    let fourth = crate::bids::sign_in(&r, &r.nng, "fourth").await;
    let zip = container(&r.nng.dir, "fourth", &json!({ "total_price_fen": "lots" }));
    let make = Make {
        gcm: true,
        outer: true,
    };
    let botched = envelope(&r.nng, "fourth", &zip, &opening, make);
    submit(&r, &fourth, &tender, &botched)
        .await
        .assert_status(201);

    let no_bids = |releases: &[Value]| {
        for release in releases {
            assert!(release.get("bids").is_none(), "{release}");
            assert!(release["tender"].get("tenderers").is_none());
            assert!(release["tender"].get("numberOfTenderers").is_none());
            let roles = release["parties"].to_string();
            assert!(!roles.contains("tenderer\""), "{roles}");
        }
    };
    no_bids(&releases_of(app, &tender).await);
    // The opening starts: its notice still says nothing about bids.
    start_opening_at_deadline(&r, &tenderer, &tender).await;
    app.clock.advance(chrono::Duration::seconds(1));
    let started = releases_of(app, &tender).await;
    assert_eq!(started.len(), 2);
    no_bids(&started);
    release_tenderer_share(&r, dir.path(), &tenderer, &tender).await;
    release_platform_share(&r, &tender).await;
    let record = wait_for_opening(&r, &tender).await;
    assert_eq!(record["valid_bids"], 3);

    // The completed record is a notice of its own, and its release the
    // first with bids.
    let releases = releases_of(app, &tender).await;
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["tender", "tenderUpdate", "tenderUpdate"]);
    no_bids(&releases[..2]);
    let opened = &releases[2];
    assert!(
        opened["tender"]["documents"][0]["title"]
            .as_str()
            .unwrap()
            .ends_with("— 开标记录")
    );
    // The notice says it in Chinese, and beside it in words the portal
    // says in the reader's language (no English sentence in the text).
    let notices = app
        .get(&format!("/api/v1/tenders/{tender}/notices"), None)
        .await
        .json();
    let record_notice = &notices["items"][2];
    assert_eq!(record_notice["kind"], "opening");
    assert_eq!(
        record_notice["body"],
        "开标完成：开启投标文件 4 份，有效 3 份；进入评标。"
    );
    let words = &record_notice["words"];
    assert_eq!(words["title"]["key"], "opening_record");
    assert_eq!(words["body"]["key"], "opening_record");
    assert_eq!(words["body"]["params"]["opened"], 4);
    assert_eq!(words["body"]["params"]["valid"], 3);
    assert_eq!(words["body"]["params"]["result"], "proceeds");
    assert_eq!(statistic(opened, "bids")["value"], 4);
    assert_eq!(statistic(opened, "validBids")["value"], 3);
    assert_eq!(statistic(opened, "lot1-bids")["value"], 2);
    assert_eq!(statistic(opened, "lot1-bids")["relatedLot"], "1");
    assert_eq!(statistic(opened, "lot2-bids")["value"], 3);
    assert_eq!(statistic(opened, "lot2-validBids")["value"], 3);
    assert_eq!(
        statistic(opened, "lot1-lowestValidBidValue")["value"],
        json!(900000.0)
    );
    assert_eq!(
        statistic(opened, "lot1-highestValidBidValue")["value"],
        json!(920000.0)
    );
    assert_eq!(
        statistic(opened, "lot2-lowestValidBidValue")["value"],
        json!(385000.0)
    );
    assert_eq!(
        statistic(opened, "lot2-highestValidBidValue")["value"],
        json!(400000.0)
    );
    assert_eq!(
        statistic(opened, "lot2-highestValidBidValue")["currency"],
        "CNY"
    );
    let details = opened["bids"]["details"].as_array().unwrap();
    assert_eq!(
        details.len(),
        6,
        "2 + 2 + 1 lots priced, and the revoked bid"
    );
    let valid_in = |lot: &str| {
        details
            .iter()
            .filter(|d| d["relatedLots"] == json!([lot]) && d["status"] == "valid")
            .count()
    };
    assert_eq!((valid_in("1"), valid_in("2")), (2, 3));
    let revoked: Vec<&Value> = details
        .iter()
        .filter(|d| d["status"] == "disqualified")
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["tenderers"][0]["name"], "广西第四建设有限公司");
    assert!(revoked[0].get("value").is_none() && revoked[0].get("relatedLots").is_none());
    let lot2_lowest = details
        .iter()
        .find(|d| d["value"]["amount"] == json!(385000.0))
        .unwrap();
    assert_eq!(lot2_lowest["relatedLots"], json!(["2"]));
    assert!(lot2_lowest["id"].as_str().unwrap().ends_with("-lot2"));
    for detail in details {
        // Received before the deadline, so before the opening's record.
        assert!(detail["date"].as_str().unwrap() < opened["date"].as_str().unwrap());
    }
    // Bidders are parties (tenderer) and the tender's tenderers.
    assert_eq!(opened["tender"]["numberOfTenderers"], 4);
    let tenderers: Vec<&Value> = opened["parties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["roles"].as_array().unwrap().contains(&json!("tenderer")))
        .collect();
    assert_eq!(tenderers.len(), 4);
    for detail in details {
        let id = &detail["tenderers"][0]["id"];
        assert!(tenderers.iter().any(|p| p["id"] == *id));
    }
    // Nothing of the evaluation: no awards, no scores.
    assert!(opened.get("awards").is_none());

    // Later notices carry the same bids.
    app.act(&tenderer, &tender, "cancel", "项目取消")
        .await
        .assert_status(200);
    let releases = releases_of(app, &tender).await;
    assert_eq!(releases.len(), 4);
    assert_eq!(releases[3]["tag"], json!(["tenderCancellation"]));
    assert_eq!(releases[3]["bids"], opened["bids"]);
    let record = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/record"), None)
        .await
        .json();
    assert_valid("record-package-schema.json", &record);
    let compiled = &record["records"][0]["compiledRelease"];
    assert_eq!(compiled["bids"]["details"].as_array().unwrap().len(), 6);
    assert_eq!(compiled["tender"]["status"], "cancelled");
    let feed = app
        .get("/api/v1/opendata/releases?per_page=100", None)
        .await
        .json();
    assert_valid("release-package-schema.json", &feed);
}
