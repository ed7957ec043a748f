//! The OCDS output is validated against the vendored OCDS 1.1.5 schemas
//! (tests/fixtures/ocds-1.1.5), offline.

use crate::helpers::{Options, spawn_app, spawn_app_with};
use serde_json::{Value, json};

const BASE: &str = "https://standard.open-contracting.org/schema/1__1__5/";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/ocds-1.1.5/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Validates `instance` against a package schema, with the release schemas
/// it refers to served from the fixtures.
fn assert_valid(package_schema: &str, instance: &Value) {
    let registry = jsonschema::Registry::new()
        .add(
            format!("{BASE}release-schema.json"),
            fixture("release-schema.json"),
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
        11,
        "six tenders, a clarification, an amendment, two openings and an evaluation"
    );
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert!(
        tags.contains(&"tender")
            && tags.contains(&"tenderAmendment")
            && tags.contains(&"tenderUpdate")
    );
    for release in releases {
        assert!(
            release["ocid"]
                .as_str()
                .unwrap()
                .starts_with("ocds-ggzy01-")
        );
    }
    let tenders = app.get("/api/v1/tenders?per_page=100", None).await.json();
    assert_eq!(tenders["total"], 6);
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
