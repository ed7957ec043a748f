use crate::helpers::{self, spawn_app};
use serde_json::Value;

#[actix_web::test]
async fn health_readiness_and_request_ids() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-request-id").is_some_and(|id| !id.is_empty()));
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ready");
    let r = app
        .client
        .get(app.url("/healthz"))
        .insert_header(("X-Request-Id", "trace-abc_123"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers().get("x-request-id").unwrap(),
        "trace-abc_123",
        "a sane caller id is kept"
    );
    let r = app
        .client
        .get(app.url("/healthz"))
        .insert_header(("X-Request-Id", "bad id; drop"))
        .send()
        .await
        .unwrap();
    assert_ne!(
        r.headers().get("x-request-id").unwrap(),
        "bad id; drop",
        "an unsafe caller id is replaced"
    );
}

#[actix_web::test]
async fn metrics_count_requests_by_route() {
    let app = spawn_app().await;
    app.get("/api/v1/tenders", None).await;
    app.get("/api/v1/tenders", None).await;
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let text = String::from_utf8(r.body).unwrap();
    assert!(
        text.contains(
            "ggzy_http_requests_total{method=\"GET\",route=\"/api/v1/tenders\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(text.contains("ggzy_http_request_duration_seconds_bucket"));
    assert!(text.contains("ggzy_database_up 1"));
}

#[actix_web::test]
async fn unknown_routes_are_problems() {
    let app = spawn_app().await;
    app.get("/api/v1/nothing-here", None)
        .await
        .assert_problem(404, "not-found");
    // A known path with a method it does not answer: 405 with Allow.
    let r = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    let r = app
        .client
        .delete(app.url("/api/v1/tenders"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers().get("allow").unwrap(), "GET, POST");
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/tenders/{}", uuid::Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers().get("allow").unwrap(), "GET, PUT");
    let r = app.get("/problems/validation-failed", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], 422);
}

#[actix_web::test]
async fn openapi_documents_every_route() {
    let app = spawn_app().await;
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/tenders",
        "/api/v1/tenders/{id}",
        "/api/v1/tenders/{id}/transitions",
        "/api/v1/tenders/{id}/result/mine",
        "/api/v1/tenders/{id}/amendments",
        "/api/v1/tenders/{id}/documents",
        "/api/v1/tenders/{id}/documents/{doc}",
        "/api/v1/tenders/{id}/clarifications",
        "/api/v1/tenders/{id}/clarifications/{cid}/answer",
        "/api/v1/opendata/releases",
        "/api/v1/opendata/tenders/{id}/record",
        "/api/v1/leagues",
        "/api/v1/audit/events",
        "/api/v1/me",
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/openapi.json",
        "/",
    ] {
        assert!(
            paths.contains_key(expected),
            "{expected} missing from the OpenAPI document"
        );
    }
    // The results' bodies are schemas of their own.
    for schema in ["LotChoice", "OwnResult", "OwnLot", "OwnRejection"] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema} missing from the OpenAPI document"
        );
    }
    // Every documented operation is served: none answers "no such route".
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let default = &op["responses"]["default"]["content"]["application/problem+json"];
            assert!(
                default.is_object(),
                "{method} {path} documents its problems"
            );
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"].get("application/json").is_none(),
                        "{method} {path} {status} is a problem"
                    );
                }
            }
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has responses"
            );
            if method == "get" && !path.contains('{') {
                let r = app.get(path, None).await;
                let unmatched = r.status == 404
                    && serde_json::from_slice::<Value>(&r.body).is_ok_and(|p| {
                        p["detail"]
                            .as_str()
                            .is_some_and(|d| d.starts_with("there is no resource"))
                    });
                assert!(!unmatched, "GET {path} is documented but not routed");
            }
        }
    }
}

#[actix_web::test]
async fn the_portal_is_served_offline_with_its_policy_and_caching() {
    let app = spawn_app().await;
    let r = app.get("/", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-cache"));
    let csp = r.header("content-security-policy").expect("a policy");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    let etag = r.header("etag").expect("an etag");
    let html = String::from_utf8(r.body).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resources"
    );
    // The page's script and style sheet, named by their content's hash.
    let assets: Vec<&str> = html
        .split('"')
        .filter(|p| p.starts_with("/assets/"))
        .collect();
    let script = assets
        .iter()
        .find(|a| a.ends_with(".js"))
        .expect("a script");
    let style = assets
        .iter()
        .find(|a| a.ends_with(".css"))
        .expect("a style sheet");
    let js = app.get(script, None).await;
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        js.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let css = app.get(style, None).await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));

    // Gzipped for a browser that takes it, the same bytes once inflated.
    let zipped = helpers::read(
        app.client
            .get(app.url(script))
            .insert_header(("Accept-Encoding", "gzip, deflate, br"))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(zipped.header("content-encoding").as_deref(), Some("gzip"));
    assert!(zipped.body.len() < js.body.len());
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(zipped.body.as_slice()),
        &mut inflated,
    )
    .unwrap();
    assert_eq!(inflated, js.body);

    // Revalidation answers 304 with no body.
    let again = helpers::read(
        app.client
            .get(app.url("/"))
            .insert_header(("If-None-Match", etag.as_str()))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    // An unknown file is a problem, not the page.
    let missing = app.get("/assets/nothing-here.js", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type").as_deref(),
        Some("application/problem+json")
    );
}

/// A client whose request head arrives later than actix's default 5 s
/// (as in a deadline surge, when thousands of bidders connect at once) is
/// still served, not answered 408.
#[actix_web::test]
async fn a_request_head_that_comes_late_is_still_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let address = app.base.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    socket
        .write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut reply = Vec::new();
    socket.read_to_end(&mut reply).await.unwrap();
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

/// A parameter documented "in path" is in its path template: a handler
/// that reads its query itself must still document it as a query.
#[actix_web::test]
async fn path_parameters_are_in_their_paths() {
    let app = spawn_app().await;
    let api = app.get("/api/openapi.json", None).await.json();
    let mut wrong = Vec::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                if p["in"] == "path" && !path.contains(&format!("{{{name}}}")) {
                    wrong.push(format!("{method} {path} {name}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
