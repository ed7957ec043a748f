//! Supervisors read and change nothing: every write route of the API,
//! taken from the OpenAPI document, refuses every kind of supervisor.

use crate::helpers::spawn_app;
use ggzy::identity::Role;
use serde_json::json;

#[actix_web::test]
async fn every_write_route_refuses_every_kind_of_supervisor() {
    let app = spawn_app().await;
    let (_tenderer, tender) = app.published_tender().await;
    let supervisors = [
        app.supervisor(
            "南宁财政",
            "administrative",
            Some("government_procurement"),
            Some("NNG"),
        ),
        app.supervisor("南宁纪检", "discipline", None, Some("NNG")),
        app.supervisor("自治区审计", "audit", None, None),
        // A supervisor who also holds another role is still only reading.
        app.user_custom(
            "监督兼运营",
            &[Role::Supervisor, Role::Operator],
            "NNG",
            None,
            None,
        ),
        // One whose kind was never set.
        app.user("监督", Role::Supervisor, "NNG", "南宁市财政局"),
    ];
    let doc = app.get("/api/openapi.json", None).await.json();
    let allowed: Vec<(String, String)> = ggzy::supervision::SUPERVISOR_WRITES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let upper = method.to_uppercase();
            if allowed.contains(&(upper.clone(), path.clone())) {
                continue;
            }
            routes.push((upper, path.clone()));
        }
    }
    assert!(
        routes.len() >= 20,
        "only {} write routes found",
        routes.len()
    );
    let before = app.snapshot();
    for token in &supervisors {
        for (method, path) in &routes {
            // Real ids where the route names a tender; any id elsewhere: the
            // refusal must come before anything is looked up.
            let url = path
                .replace("{id}", &tender)
                .replace("{code}", "NNG")
                .replace(['{', '}'], "");
            let mut request = app
                .client
                .request(method.parse().unwrap(), app.url(&url))
                .insert_header(("Authorization", format!("Bearer {token}")));
            request = request.insert_header(("Content-Type", "application/json"));
            let mut response = request
                .send_body(json!({"action": "cancel", "reason": "监督"}).to_string())
                .await
                .unwrap();
            let body = response.body().limit(1 << 20).await.unwrap();
            let problem: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("{method} {path}: {}", String::from_utf8_lossy(&body)));
            assert_eq!(
                response.status().as_u16(),
                403,
                "{method} {path}: {problem}"
            );
            assert_eq!(problem["code"], "forbidden", "{method} {path}");
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap()
                    .contains("change nothing"),
                "{method} {path}: {problem}"
            );
        }
    }
    assert_eq!(
        app.snapshot(),
        before,
        "a refused request changed something"
    );
    // Reading is what they do.
    for token in &supervisors[1..3] {
        app.get(&format!("/api/v1/tenders/{tender}"), Some(token))
            .await
            .assert_status(200);
        app.get("/api/v1/audit/events", Some(token))
            .await
            .assert_status(200);
    }
}
