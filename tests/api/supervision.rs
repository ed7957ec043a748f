//! Supervisors read and change nothing: every write route of the API,
//! taken from the OpenAPI document, refuses every kind of supervisor.

use crate::hall::{Ws, next_json};
use crate::helpers::{TestApp, spawn_app};
use futures_util::SinkExt;
use ggzy::identity::Role;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// The supervision feed with `query`, as the supervisor whose token it is
/// reads it (the token in the Authorization header).
async fn feed(app: &TestApp, token: &str, query: &str) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let ws = app.base.replacen("http", "ws", 1);
    let mut request = format!("{ws}/api/v1/supervision/live?{query}")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// `tenderer` drafts and publishes a second tender, with an account made
/// meanwhile (a platform event, of no tender): the feed's next three
/// events are the tender's, none of the account's. The tender's id, and
/// the events' indexes.
async fn second_tender_published(
    app: &TestApp,
    tenderer: &str,
    socket: &mut Ws,
) -> (String, Vec<u64>) {
    let id = app.create_draft(tenderer, "第二个项目").await;
    app.user("另一人", Role::Bidder, "NNG", "另一公司");
    app.act(tenderer, &id, "publish", "")
        .await
        .assert_status(200);
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let v = next_json(socket).await;
        assert_eq!(v["type"], "event", "{v}");
        assert_eq!(
            v["event"]["tender_id"],
            json!(id),
            "only events in scope: {v}"
        );
        seen.push(v["index"].as_u64().unwrap());
    }
    (id, seen)
}

/// The indexes the feed sends until it says `live`, and that message.
async fn until_live(socket: &mut Ws) -> (Vec<u64>, Value) {
    let mut indexes = Vec::new();
    loop {
        let v = next_json(socket).await;
        if v["type"] == "live" {
            return (indexes, v);
        }
        indexes.push(v["index"].as_u64().unwrap());
    }
}

/// Asks the feed for what is in scope after `after` again.
async fn resume(socket: &mut Ws, after: u64) {
    let resume = json!({"type": "resume", "after": after}).to_string();
    socket.send(Message::Text(resume.into())).await.unwrap();
}

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
            crate::helpers::assert_says_why(
                response.status().as_u16(),
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                &body,
            );
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

#[actix_web::test]
async fn supervisors_follow_the_log_live_within_scope_and_resume() {
    let app = spawn_app().await;
    let (tenderer, _) = app.published_tender().await;
    let finance = app.supervisor(
        "南宁财政",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    let start = app.wait_for_log().await;
    let mut socket = feed(&app, &finance, &format!("after={}", start - 1)).await;
    assert_eq!(next_json(&mut socket).await["type"], "live");
    // A tender in scope, and an account (a platform event, out of scope
    // for administrative supervision).
    let (id, seen) = second_tender_published(&app, &tenderer, &mut socket).await;
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    socket.send(Message::Text("hello".into())).await.unwrap();
    socket.close(None).await.unwrap();
    // Resuming after the first gives exactly the other two again.
    let mut again = feed(&app, &finance, &format!("after={}&tender_id={id}", seen[0])).await;
    let (replay, _) = until_live(&mut again).await;
    assert_eq!(replay, seen[1..]);
    // Refusals come before the upgrade, as problem+json.
    app.get("/api/v1/supervision/live", None)
        .await
        .assert_problem(401, "unauthenticated");
    let bidder = app.user("投标", Role::Bidder, "NNG", "投标人");
    app.get("/api/v1/supervision/live", Some(&bidder))
        .await
        .assert_problem(403, "forbidden");
    for bad in ["tender_id=x", "after=-1", "action=Opening"] {
        app.get(&format!("/api/v1/supervision/live?{bad}"), Some(&finance))
            .await
            .assert_problem(400, "invalid-query");
    }
    app.get("/api/v1/supervision/alerts?tender_id=x", Some(&finance))
        .await
        .assert_problem(400, "invalid-query");
    // (426 with `Upgrade: websocket`; awc keeps no body for it, the
    // hall's tests read that one from a raw socket.)
    assert_eq!(
        app.get("/api/v1/supervision/live", Some(&finance))
            .await
            .status,
        426
    );
}

#[actix_web::test]
async fn scopes_that_make_no_sense_are_refused() {
    use ggzy::supervision::{Scope, SupervisorKind};
    use ggzy::tenders::model::Category;
    let app = spawn_app().await;
    app.leagues();
    app.user("监督", Role::Supervisor, "NNG", "南宁市财政局");
    app.user("投标", Role::Bidder, "NNG", "投标人");
    let id_of = |name: &str| {
        let name = name.to_string();
        app.db
            .write_blocking(move |conn| {
                use diesel::prelude::*;
                use ggzy::db::schema::users;
                Ok(users::table
                    .filter(users::name.eq(&name))
                    .select(users::id)
                    .first::<String>(conn)?)
            })
            .unwrap()
    };
    let (supervisor, bidder) = (id_of("监督"), id_of("投标"));
    let set = |user: &str, kind, category, league: Option<&str>| {
        let ctx = ggzy::audit::AuditContext::system(app.now());
        let scope = Scope {
            kind,
            category,
            league: league.map(|l| ggzy::types::LeagueCode::parse(l).unwrap()),
        };
        let user = user.to_string();
        app.db
            .write_blocking(move |conn| ggzy::supervision::set_scope(conn, &ctx, &user, &scope))
            .map_err(|e| e.to_string())
    };
    let before = app.count("supervisor_scopes");
    let events = app.count("audit_events");
    for (user, kind, category, league, why) in [
        (
            &supervisor,
            Some(SupervisorKind::Administrative),
            None,
            Some("NNG"),
            "administrative supervision is of one category",
        ),
        (
            &supervisor,
            Some(SupervisorKind::Discipline),
            Some(Category::LandMiningRights),
            Some("NNG"),
            "cover every category",
        ),
        (
            &supervisor,
            None,
            None,
            Some("NNG"),
            "a kind of supervision is needed",
        ),
        (
            &bidder,
            Some(SupervisorKind::Audit),
            None,
            Some("NNG"),
            "not a supervisor",
        ),
        (
            &supervisor,
            Some(SupervisorKind::Audit),
            None,
            Some("XYZ"),
            "no league XYZ",
        ),
    ] {
        let err = set(user, kind, category, league).unwrap_err();
        assert!(
            err.contains(why) || format!("{err:?}").contains(why),
            "{why}: {err}"
        );
    }
    assert_eq!(app.count("supervisor_scopes"), before);
    assert_eq!(
        app.count("audit_events"),
        events,
        "a refused scope records nothing"
    );
    set(&supervisor, Some(SupervisorKind::Audit), None, None).unwrap();
    assert_eq!(app.count("supervisor_scopes"), before + 1);
}

#[actix_web::test]
async fn a_feed_ends_when_its_session_is_signed_out() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    // A supervisor signed in with a certificate, as in the web page.
    let r = crate::trust::Registry::new().await;
    crate::login::enrol_person_named(
        &r,
        "张三",
        &[Role::Supervisor],
        &crate::trust::resident("45010219800101123"),
    );
    let token = crate::bids::sign_in(&r, &r.nng, "expert").await;
    let url = format!(
        "{}/api/v1/supervision/live",
        r.app.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let mut socket = tokio_tungstenite::connect_async(request).await.unwrap().0;
    let Message::Text(first) = socket.next().await.unwrap().unwrap() else {
        panic!("the feed's first frame is text");
    };
    assert!(first.contains("\"live\""), "{first}");
    // Signed out elsewhere (another tab): the open feed ends too, with
    // the reason, instead of serving a session that no longer exists.
    let out = r
        .app
        .client
        .delete(r.app.url("/api/v1/auth/session"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 200);
    let mut said = None;
    let close = loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("the feed ends within a recheck")
            .expect("a frame")
            .unwrap();
        match frame {
            Message::Text(text) => said = Some(text.to_string()),
            Message::Close(close) => break close.expect("a close reason"),
            _ => {}
        }
    };
    assert_eq!(u16::from(close.code), 1008, "{close:?}");
    assert!(close.reason.contains("sign in again"), "{close:?}");
    let said = said.expect("an error message before the close");
    assert!(said.contains("unknown, expired or revoked"), "{said}");
}

/// A browser's WebSocket cannot set an Authorization header: it offers its
/// token as the subprotocol `ggzy.bearer.<token>` beside `ggzy.v1`, which
/// the handshake answer selects (never echoing the token). A wrong token
/// so offered is refused before the upgrade; the subprotocol counts only on
/// a WebSocket handshake; a client offering other subprotocols only is told
/// what to offer.
#[actix_web::test]
async fn a_browser_offers_its_token_as_a_websocket_subprotocol() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = spawn_app().await;
    app.leagues();
    let finance = app.supervisor(
        "南宁财政",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    let ws = app.base.replacen("http", "ws", 1);
    let handshake = |protocols: String| {
        let mut request = format!("{ws}/api/v1/supervision/live?after=0")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", protocols.parse().unwrap());
        async {
            tokio_tungstenite::connect_async(request)
                .await
                .inspect_err(crate::helpers::ws_refusal_says_why)
        }
    };
    let (mut socket, response) = handshake(format!("ggzy.v1, ggzy.bearer.{finance}"))
        .await
        .expect("the handshake with the token as a subprotocol");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "ggzy.v1",
        "the answer selects ggzy.v1 and never echoes the token"
    );
    let live = loop {
        let Message::Text(t) = socket.next().await.unwrap().unwrap() else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        if v["type"] == "live" {
            break v;
        }
    };
    assert_eq!(live["type"], "live");

    // A wrong token: 401 before the upgrade.
    let refused = handshake("ggzy.v1, ggzy.bearer.ggzy_0000".into()).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("{other:?}"),
    }
    // No token at all, only the protocol: the public, refused (401).
    match handshake("ggzy.v1".into()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("{other:?}"),
    }
    // Other subprotocols only: 426, saying what to offer.
    match handshake(format!("chat, ggzy.bearer.{finance}")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 426),
        other => panic!("{other:?}"),
    }
    // On a request that is not a WebSocket handshake the header is no
    // credential: the supervisor-only read is refused as the public's.
    let mut req = awc::Client::new().get(format!("{}/api/v1/supervision/alerts", app.base));
    req = req.insert_header((
        "Sec-WebSocket-Protocol",
        format!("ggzy.v1, ggzy.bearer.{finance}"),
    ));
    let status = req.send().await.unwrap().status();
    assert_eq!(status.as_u16(), 401);
}

/// The feed answers the hall's `{"type":"resume","after":n}`: what is in
/// scope after `n` again, then `live` (a browser's way of knowing its
/// connection still works, since it cannot see pings); a resume from where
/// the client already is gets `live` at once; anything else is an error
/// message and the feed goes on. `league=` keeps the events of that
/// league's tenders only, within the reader's scope.
#[actix_web::test]
async fn a_feed_resumes_on_request_and_filters_by_league() {
    let app = spawn_app().await;
    let (tenderer, _) = app.published_tender().await;
    // Regional audit: every league, every category.
    let audit = app.supervisor("区审计", "audit", None, None);
    let start = app.wait_for_log().await;
    let mut socket = feed(&app, &audit, &format!("after={}&league=NNG", start - 1)).await;
    assert_eq!(next_json(&mut socket).await["type"], "live");
    // A platform event (an account) is of no league: left out.
    let (_, seen) = second_tender_published(&app, &tenderer, &mut socket).await;
    // Resume after the first: the other two again, then live.
    resume(&mut socket, seen[0]).await;
    let (again, live) = until_live(&mut socket).await;
    assert_eq!(again, seen[1..]);
    assert!(live["last_index"].as_u64().unwrap() >= seen[2], "{live}");
    // From where it is: live at once, nothing sent again.
    resume(&mut socket, seen[2]).await;
    assert_eq!(next_json(&mut socket).await["type"], "live");
    // Anything else: an error message, and the feed goes on.
    socket.send(Message::Text("hello".into())).await.unwrap();
    let error = next_json(&mut socket).await;
    assert_eq!(error["type"], "error", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("resume"),
        "{error}"
    );
    resume(&mut socket, seen[1]).await;
    let v = next_json(&mut socket).await;
    assert_eq!(v["index"].as_u64(), Some(seen[2]), "{v}");
    assert_eq!(next_json(&mut socket).await["type"], "live");
    socket.close(None).await.unwrap();

    // Another league: none of NNG's events, though in the reader's scope.
    let mut other = feed(&app, &audit, &format!("after={}&league=LZH", start - 1)).await;
    let first = next_json(&mut other).await;
    assert_eq!(first["type"], "live", "{first}");
    other.close(None).await.unwrap();
    app.get("/api/v1/supervision/live?league=nng", Some(&audit))
        .await
        .assert_problem(400, "invalid-query");
}

/// The pickers of the audit events and the cockpit list the tenders whose
/// record the reader reads (`in_scope=true`): a supervisor scoped to one
/// league gets none of another league's, an administrative supervisor only
/// its category; others may not ask.
#[actix_web::test]
async fn the_tender_picker_lists_only_the_tenders_in_the_readers_scope() {
    let app = crate::helpers::spawn_app().await;
    app.leagues();
    let nng = app.user("南宁采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let lzh = app.user("柳州采购科", Role::Tenderer, "LZH", "柳州市教育局");
    let mut ids = std::collections::BTreeMap::new();
    for (token, league) in [(&nng, "NNG"), (&lzh, "LZH"), (&lzh, "LZH")] {
        let id = app.create_draft(token, &format!("{league} 设备采购")).await;
        app.act(token, &id, "publish", "").await.assert_status(200);
        ids.entry(league).or_insert_with(Vec::new).push(id);
    }
    let listed = |token: String, extra: &'static str| {
        let app = &app;
        async move {
            let page = app
                .get(
                    &format!("/api/v1/tenders?in_scope=true&per_page=100{extra}"),
                    Some(&token),
                )
                .await
                .json();
            let mut got: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string())
                .collect();
            got.sort();
            (got, page["total"].as_i64().unwrap())
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // NNG's supervisor: NNG's tender only, though LZH's are public.
    let nng_sup = app.supervisor("南宁监督员", "discipline", None, Some("NNG"));
    assert_eq!(listed(nng_sup.clone(), "").await, (ids["NNG"].clone(), 1));
    // Searching by title stays in scope.
    let lzh_title = "&q=LZH";
    assert_eq!(listed(nng_sup, lzh_title).await, (vec![], 0));
    let lzh_sup = app.supervisor("柳州监督员", "discipline", None, Some("LZH"));
    assert_eq!(
        listed(lzh_sup.clone(), lzh_title).await,
        (sorted(ids["LZH"].clone()), 2)
    );
    // An administrative supervisor of another category: none.
    let works = app.supervisor(
        "柳州住建监督员",
        "administrative",
        Some("engineering_construction"),
        Some("LZH"),
    );
    assert_eq!(listed(works, "").await, (vec![], 0));
    // The region's supervisor: all three.
    let region = app.supervisor("自治区监督员", "audit", None, None);
    assert_eq!(listed(region, "").await.1, 3);
    // Without the filter the list is the public one.
    let all = app
        .get("/api/v1/tenders?per_page=100", Some(&lzh_sup))
        .await
        .json();
    assert_eq!(all["total"], 3);
    // Others may not ask for a scope they do not have.
    app.get("/api/v1/tenders?in_scope=true", Some(&nng))
        .await
        .assert_refusal(403, "forbidden", "auth.role-missing");
    app.get("/api/v1/tenders?in_scope=true", None)
        .await
        .assert_status(401);
}
