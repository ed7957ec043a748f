//! Every kind of bad input gets the right status and a problem+json body,
//! and writes nothing.

use crate::helpers::{Options, TestApp, spawn_app, spawn_app_with};
use ggzy::identity::Role;
use serde_json::{Value, json};

async fn setup(options: Options) -> (TestApp, String) {
    let app = spawn_app_with(options).await;
    app.leagues();
    let token = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    (app, token)
}

/// Posts `body` as a new tender and checks the refusal changed nothing.
async fn refused(app: &TestApp, token: &str, body: &Value, status: u16, code: &str) -> Value {
    let before = app.snapshot();
    let p = app
        .post_json("/api/v1/tenders", Some(token), body)
        .await
        .assert_problem(status, code);
    assert_eq!(
        app.snapshot(),
        before,
        "a refused request wrote something: {p}"
    );
    p
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let (app, token) = setup(Options::default()).await;
    let before = app.snapshot();
    // Said why, the place in the body named where there is one.
    for (raw, reason, params) in [
        (&b"{\"title\": "[..], "http.json-cut-short", json!({})),
        (b"", "http.json-cut-short", json!({})),
        (
            b"not json",
            "http.not-json",
            json!({ "line": 1, "column": 2 }),
        ),
        (
            b"{\"title\":\"x\",}",
            "http.not-json",
            json!({ "line": 1, "column": 14 }),
        ),
    ] {
        let said = app
            .post_raw(
                "/api/v1/tenders",
                Some(&token),
                "application/json",
                raw.to_vec(),
            )
            .await
            .assert_refusal(400, "malformed-json", reason);
        assert_eq!(said, params, "{}", String::from_utf8_lossy(raw));
    }
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn shape_errors_are_422() {
    let (app, token) = setup(Options::default()).await;
    let good = app.tender_body("x");
    // Each says which rule it breaks; the field is named where serde names
    // it (a missing or unknown one), else the place in the body.
    let shape = |p: &Value| -> (String, String) {
        let e = &p["errors"][0];
        (
            e["field"].as_str().unwrap().to_string(),
            e["rule"].as_str().unwrap().to_string(),
        )
    };
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("title");
    let p = refused(&app, &token, &missing, 422, "validation-failed").await;
    assert_eq!(shape(&p), ("title".into(), "value.required".into()));
    let mut unknown = good.clone();
    unknown["colour"] = json!("red");
    let p = refused(&app, &token, &unknown, 422, "validation-failed").await;
    assert!(p["detail"].as_str().unwrap().contains("colour"), "{p}");
    assert_eq!(shape(&p), ("colour".into(), "value.unknown-field".into()));
    let mut nested_unknown = good.clone();
    nested_unknown["dates"]["opening_party"] = json!(true);
    let p = refused(&app, &token, &nested_unknown, 422, "validation-failed").await;
    assert_eq!(
        shape(&p),
        ("opening_party".into(), "value.unknown-field".into())
    );
    let mut wrong_type = good.clone();
    wrong_type["budget"]["amount_fen"] = json!("a lot");
    let p = refused(&app, &token, &wrong_type, 422, "validation-failed").await;
    assert_eq!(shape(&p).1, "value.wrong-type");
    assert!(shape(&p).0.starts_with("line 1 column "), "{p}");
    let mut float_money = good.clone();
    float_money["budget"]["amount_fen"] = json!(12.5);
    let p = refused(&app, &token, &float_money, 422, "validation-failed").await;
    assert_eq!(shape(&p).1, "value.wrong-type");
    let mut bad_enum = good.clone();
    bad_enum["category"] = json!("weapons");
    let p = refused(&app, &token, &bad_enum, 422, "validation-failed").await;
    assert_eq!(shape(&p).1, "value.one-of");
    let categories: Vec<&str> = ggzy::tenders::model::Category::ALL
        .iter()
        .map(|c| c.code())
        .collect();
    assert_eq!(p["errors"][0]["params"], json!({ "allowed": categories }));
    let mut bad_method = good.clone();
    bad_method["evaluation"] = json!({"method": "coin_toss"});
    let p = refused(&app, &token, &bad_method, 422, "validation-failed").await;
    assert_eq!(shape(&p).1, "value.one-of");
    let mut bad_currency = good.clone();
    bad_currency["budget"]["currency"] = json!("yuan");
    let p = refused(&app, &token, &bad_currency, 422, "validation-failed").await;
    assert_eq!(shape(&p).1, "value.invalid");
    let not_object = json!([1, 2, 3]);
    let p = refused(&app, &token, &not_object, 422, "validation-failed").await;
    assert_eq!(shape(&p).1, "value.wrong-type");
}

#[actix_web::test]
async fn the_generic_refusals_say_why() {
    let (app, token) = setup(Options::default()).await;
    // A query string that does not fit, its parameter named.
    let said = app
        .get("/api/v1/tenders?page=two", None)
        .await
        .assert_refusal(400, "invalid-query", "query.malformed");
    assert_eq!(said, json!({}));
    let said = app
        .get("/api/v1/tenders?league=nng", None)
        .await
        .assert_refusal(400, "invalid-query", "query.league-code");
    assert_eq!(said, json!({ "name": "league" }));
    // An address with nothing at it, a method it does not answer, a
    // record that is not there.
    app.get("/api/v1/nothing-here", None).await.assert_refusal(
        404,
        "not-found",
        "http.no-resource",
    );
    let said = app
        .delete("/api/v1/tenders", Some(&token))
        .await
        .assert_refusal(405, "method-not-allowed", "http.method-not-allowed");
    assert_eq!(
        said,
        json!({ "method": "DELETE", "allowed": ["GET", "POST"] })
    );
    let said = app
        .get(&format!("/api/v1/tenders/{}", uuid::Uuid::new_v4()), None)
        .await
        .assert_refusal(404, "not-found", "record.not-found");
    assert_eq!(said, json!({ "what": "tender" }));
    app.get("/api/v1/tenders/not-an-id", None)
        .await
        .assert_refusal(404, "not-found", "record.not-found");
    // A body that is not JSON at all.
    app.post_raw(
        "/api/v1/tenders",
        Some(&token),
        "text/plain",
        b"{}".to_vec(),
    )
    .await
    .assert_refusal(415, "unsupported-media-type", "http.json-only");
}

#[actix_web::test]
async fn impossible_and_past_dates_are_422() {
    let (app, token) = setup(Options::default()).await;
    let mut impossible = app.tender_body("x");
    impossible["dates"]["bid_deadline"] = json!("2026-02-30T10:00:00Z");
    refused(&app, &token, &impossible, 422, "validation-failed").await;
    let mut no_zone = app.tender_body("x");
    no_zone["dates"]["bid_deadline"] = json!("2027-01-10 10:00");
    refused(&app, &token, &no_zone, 422, "validation-failed").await;
    let mut past = app.tender_body("x");
    past["dates"]["documents_available_at"] = json!("2020-01-01T00:00:00Z");
    past["dates"]["clarification_deadline"] = json!("2020-01-10T00:00:00Z");
    past["dates"]["bid_deadline"] = json!("2020-02-01T00:00:00Z");
    let p = refused(&app, &token, &past, 422, "validation-failed").await;
    assert_eq!(p["errors"][0]["field"], "dates.bid_deadline");
    let mut reversed = app.tender_body("x");
    reversed["dates"]["clarification_deadline"] = reversed["dates"]["bid_deadline"].clone();
    reversed["dates"]["bid_deadline"] = reversed["dates"]["documents_available_at"].clone();
    refused(&app, &token, &reversed, 422, "validation-failed").await;
    let mut zero_publicity = app.tender_body("x");
    zero_publicity["dates"]["publicity_days"] = json!(0);
    refused(&app, &token, &zero_publicity, 422, "validation-failed").await;
}

#[actix_web::test]
async fn business_rules_are_422_with_field_errors() {
    let (app, token) = setup(Options::default()).await;
    let mut negative = app.tender_body("x");
    negative["budget"]["amount_fen"] = json!(-1);
    refused(&app, &token, &negative, 422, "validation-failed").await;
    let mut weights = app.tender_body("x");
    weights["evaluation"]["criteria"][0]["weight"] = json!(40);
    let p = refused(&app, &token, &weights, 422, "validation-failed").await;
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("100"))
    );
    let mut lots = app.tender_body("x");
    lots["lots"][0]["budget_fen"] = json!(999_999_999_999i64);
    refused(&app, &token, &lots, 422, "validation-failed").await;
    let mut empty_title = app.tender_body("   ");
    empty_title["lots"] = json!([]);
    refused(&app, &token, &empty_title, 422, "validation-failed").await;
}

#[actix_web::test]
async fn oversized_bodies_are_413() {
    let (app, token) = setup(Options {
        max_json_bytes: Some(8 * 1024),
        ..Default::default()
    })
    .await;
    let mut big = app.tender_body("x");
    big["description"] = json!("长".repeat(10_000));
    refused(&app, &token, &big, 413, "payload-too-large").await;
}

#[actix_web::test]
async fn wrong_content_type_is_415() {
    let (app, token) = setup(Options::default()).await;
    let body = serde_json::to_vec(&app.tender_body("x")).unwrap();
    let before = app.snapshot();
    app.post_raw("/api/v1/tenders", Some(&token), "text/plain", body)
        .await
        .assert_problem(415, "unsupported-media-type");
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn wrong_roles_are_401_or_403() {
    let (app, _) = setup(Options::default()).await;
    let body = app.tender_body("x");
    refused(&app, "", &body, 401, "unauthenticated").await;
    for role in [Role::Bidder, Role::Expert, Role::Supervisor] {
        let token = app.user("u", role, "NNG", "某单位");
        refused(&app, &token, &body, 403, "forbidden").await;
    }
}

#[actix_web::test]
async fn sql_metacharacters_round_trip() {
    let (app, token) = setup(Options::default()).await;
    let title = "'; DROP TABLE tenders; -- \" OR 1=1 /* \\ %_";
    let r = app
        .post_json("/api/v1/tenders", Some(&token), &app.tender_body(title))
        .await;
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let back = app
        .get(&format!("/api/v1/tenders/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(back["title"], title);
    let q = "q=%27%20OR%201%3D1%20--";
    let r = app.get(&format!("/api/v1/tenders?{q}"), Some(&token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["total"], 0);
    let r = app
        .get("/api/v1/tenders?q=DROP%20TABLE", Some(&token))
        .await;
    assert_eq!(r.json()["total"], 1);
    assert_eq!(app.count("tenders"), 1);
}

#[actix_web::test]
async fn long_chinese_text_round_trips() {
    let (app, token) = setup(Options::default()).await;
    let title: String = "公共资源交易平台电子招标投标"
        .chars()
        .cycle()
        .take(300)
        .collect();
    let description: String = "招标人应当在资格预审文件或者招标文件中载明。"
        .chars()
        .cycle()
        .take(50_000)
        .collect();
    let mut body = app.tender_body(&title);
    body["description"] = json!(description);
    let r = app.post_json("/api/v1/tenders", Some(&token), &body).await;
    assert_eq!(
        r.status,
        201,
        "{}",
        String::from_utf8_lossy(&r.body[..200.min(r.body.len())])
    );
    let id = r.json()["id"].as_str().unwrap().to_string();
    let back = app
        .get(&format!("/api/v1/tenders/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(back["title"].as_str().unwrap(), title);
    assert_eq!(back["description"].as_str().unwrap(), description);
    let too_long: String = "长".repeat(301);
    refused(
        &app,
        &token,
        &app.tender_body(&too_long),
        422,
        "validation-failed",
    )
    .await;
}

#[actix_web::test]
async fn bad_paths_are_404() {
    let app = spawn_app().await;
    app.get("/api/v1/tenders/not-a-uuid", None)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("/api/v1/tenders/{}", uuid::Uuid::new_v4()), None)
        .await
        .assert_problem(404, "not-found");
    app.get("/api/v1/tenders/1%27%20OR%201=1", None)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn control_characters_are_refused_on_every_backend() {
    let (app, token) = setup(Options::default()).await;
    let nul = app.tender_body("标题\u{0}含空字符");
    refused(&app, &token, &nul, 422, "validation-failed").await;
    let mut desc = app.tender_body("x");
    desc["description"] = json!("bell\u{7}");
    refused(&app, &token, &desc, 422, "validation-failed").await;
    let mut newlines = app.tender_body("多行说明");
    newlines["description"] = json!("第一行\n第二行\t制表");
    assert_eq!(
        app.post_json("/api/v1/tenders", Some(&token), &newlines)
            .await
            .status,
        201,
        "line breaks and tabs are text"
    );
    app.get("/api/v1/tenders?q=%00", None)
        .await
        .assert_problem(400, "invalid-query");
    app.get("/api/v1/tenders?league=%00", None)
        .await
        .assert_problem(400, "invalid-query");
    let operator = app.user("op", Role::Operator, "NNG", "平台");
    app.get("/api/v1/audit/events?tender_id=%00", Some(&operator))
        .await
        .assert_problem(400, "invalid-query");
    app.get("/api/v1/audit/events?action=%00", Some(&operator))
        .await
        .assert_problem(400, "invalid-query");
}

/// Sends `raw` on a fresh connection and reads until the server closes it.
async fn raw_exchange(app: &TestApp, raw: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket.write_all(raw).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        socket.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The body of the last answer in `answer` (after its blank line).
fn last_problem(answer: &str, status: u16, code: &str) -> Value {
    let start = answer.rfind("HTTP/1.1 ").expect("an answer");
    let last = &answer[start..];
    assert!(
        last.starts_with(&format!("HTTP/1.1 {status} ")),
        "expected {status}, got: {last}"
    );
    assert!(
        last.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{last}"
    );
    let body: Value = serde_json::from_str(last.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

/// What actix-http refuses before any handler runs (a head it cannot parse,
/// one too large) is problem+json too, also after good requests on the
/// same connection, and a good request whose body looks like a bad head is
/// answered normally.
#[actix_web::test]
async fn malformed_heads_are_problems_too() {
    let (app, token) = setup(Options::default()).await;
    let before = app.snapshot();
    let control = format!(
        "POST /api/v1/tenders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\x01\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    last_problem(
        &raw_exchange(&app, control.as_bytes()).await,
        400,
        "malformed-request",
    );
    for bad in [
        "GET /api/v1/tenders HTTP/1.1\r\nHo st: x\r\n\r\n",
        "GET /api/v1/tenders HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        "GET /api/v1/tenders HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "G\u{7f}T /api/v1/tenders HTTP/1.1\r\n\r\n",
    ] {
        last_problem(
            &raw_exchange(&app, bad.as_bytes()).await,
            400,
            "malformed-request",
        );
    }
    // Pipelined after a good request whose body holds the same bad bytes.
    let pipelined = format!(
        "POST /api/v1/tenders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 7\r\n\r\n\"\x01\r\n\r\n\"\
         GET /api/v1/tenders HTTP/1.1\r\nX: \x01\r\n\r\n"
    );
    let answer = raw_exchange(&app, pipelined.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("\"malformed-json\""), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 2, "{answer}");
    last_problem(&answer, 400, "malformed-request");
    let mut huge = b"GET /api/v1/tenders HTTP/1.1\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 140_000));
    huge.extend(b"\r\n\r\n");
    last_problem(
        &raw_exchange(&app, &huge).await,
        431,
        "request-head-too-large",
    );
    assert_eq!(app.snapshot(), before);
    // The codes are in the catalogue.
    let catalogue: Value = app.get("/problems", None).await.json();
    for code in [
        "malformed-request",
        "request-head-too-large",
        "request-timeout",
    ] {
        assert!(
            catalogue
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["code"] == code),
            "{code} missing from /problems"
        );
    }
}

/// The suite's own check that every refusal says why
/// (`helpers::assert_says_why`) fails where it should.
#[test]
fn the_suite_refuses_a_refusal_that_does_not_say_why() {
    use crate::helpers::assert_says_why;
    let problem = |status: u16, code: &str, extra: Value| -> Vec<u8> {
        let mut p = json!({
            "type": format!("/problems/{code}"),
            "title": "t",
            "status": status,
            "detail": "d",
            "code": code,
        });
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        serde_json::to_vec(&p).unwrap()
    };
    let kind = Some("application/problem+json");
    let fails = |status: u16, body: Vec<u8>| {
        std::panic::catch_unwind(|| assert_says_why(status, kind, &body)).is_err()
    };
    // Said: a listed reason with its params; field errors with their rules.
    let round = json!({ "reason": "room.round-closed", "params": { "round": "technical" } });
    assert!(!fails(409, problem(409, "conflict", round)));
    let fields = json!({ "errors": [
        { "field": "title", "message": "m", "rule": "text.too-long", "params": { "max": 200 } },
    ] });
    assert!(!fails(422, problem(422, "validation-failed", fields)));
    // Not said: no reason, an unlisted one, params other than listed, a
    // field error without a rule, an instant in UTC.
    assert!(fails(409, problem(409, "conflict", json!({}))));
    let unlisted = json!({ "reason": "room.no-such-reason", "params": {} });
    assert!(fails(409, problem(409, "conflict", unlisted)));
    let other_params = json!({ "reason": "room.round-closed", "params": {} });
    assert!(fails(409, problem(409, "conflict", other_params)));
    let bare = json!({ "errors": [{ "field": "title", "message": "m" }] });
    assert!(fails(422, problem(422, "validation-failed", bare)));
    let utc = json!({
        "reason": "invitation.lapsed-at",
        "params": { "deadline": "2026-12-01T01:00:00Z" },
    });
    assert!(fails(409, problem(409, "deadline-passed", utc)));
    let beijing = json!({
        "reason": "invitation.lapsed-at",
        "params": { "deadline": "2026-12-01T09:00:00+08:00" },
    });
    assert!(!fails(409, problem(409, "deadline-passed", beijing)));
    // The connection layer's answers say all by their code; a success or
    // a body that is not a problem is not a refusal.
    assert!(!fails(400, problem(400, "malformed-request", json!({}))));
    assert!(!fails(200, problem(409, "conflict", json!({}))));
    assert!(
        std::panic::catch_unwind(|| assert_says_why(404, Some("text/html"), b"<p>no</p>")).is_ok()
    );
}
