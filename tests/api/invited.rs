//! Invited tendering (招标投标法 第17条; 政府采购法 第34条), through the API:
//! a draft names at least three invitees by credit code; only their
//! enterprises take the documents, ask and bid (every other enterprise
//! 403 `not-invited`, for each way in); who is invited is shown to the
//! tender's staff only, never to the public, other bidders, another
//! league's operators or open data; the invitation to bid reaches each
//! registered invitee at publication; an invitee registered only later
//! still takes part.

use crate::bids::{
    Make, container, envelope, schedule, sha256_hex, sign_in, submit, tender_with_opening_cert_from,
};
use crate::helpers::{TestApp, spawn_app};
use crate::trust::{Registry, credit};
use ggzy::audit::AuditContext;
use ggzy::identity::Role;
use ggzy::identity::store::find_or_create_organisation;
use ggzy::types::{CreditCode, LeagueCode};
use serde_json::{Value, json};

/// Registers an NNG enterprise with a credit code and one bidding user:
/// (its token, its code).
fn enterprise(app: &TestApp, user: &str, org: &str, first17: &str) -> (String, String) {
    let code = CreditCode::with_check_digit(first17).unwrap();
    let ctx = AuditContext::system(app.now());
    let league = LeagueCode::parse("NNG").unwrap();
    let org = app
        .db
        .write_blocking(|conn| find_or_create_organisation(conn, &ctx, &league, org, Some(&code)))
        .unwrap();
    let token = app.user_custom(user, &[Role::Bidder], "NNG", Some(&org), None);
    (token, code.as_str().to_string())
}

/// The helpers' draft body as an invited tendering of `invitees`.
fn invited_body(app: &TestApp, invitees: &[String]) -> Value {
    let mut body = app.tender_body("实验室设备邀请招标");
    body["method"] = json!("invited_tendering");
    body["invitees"] = json!(invitees);
    body
}

/// Three credit codes of enterprises that are not registered.
fn unregistered() -> Vec<String> {
    [
        "91450100MA5T0101A",
        "91450100MA5T0102B",
        "91450100MA5T0103C",
    ]
    .iter()
    .map(|c| credit(c))
    .collect()
}

/// A published invited tender with one published document, by a new NNG
/// tenderer: (tenderer's token, tender id, the document's download path).
async fn published(app: &TestApp, invitees: &[String]) -> (String, String, String) {
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let draft = app
        .post_json(
            "/api/v1/tenders",
            Some(&tenderer),
            &invited_body(app, invitees),
        )
        .await;
    draft.assert_status(201);
    let id = draft.json()["id"].as_str().unwrap().to_string();
    let doc = app
        .post_raw(
            &format!("/api/v1/tenders/{id}/documents?filename=invitation.pdf"),
            Some(&tenderer),
            "application/pdf",
            b"%PDF-1.7 the invited tender's documents".to_vec(),
        )
        .await;
    doc.assert_status(201);
    let download = doc.json()["download_url"].as_str().unwrap().to_string();
    app.act(&tenderer, &id, "publish", "")
        .await
        .assert_status(200);
    (tenderer, id, download)
}

fn codes_of(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["credit_code"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn a_draft_names_at_least_three_distinct_invitees_fixed_at_publication() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let codes = unregistered();
    let before = app.snapshot();

    // Two are too few (招标投标法 第17条: 三个以上): refused, nothing written.
    let two = app
        .post_json(
            "/api/v1/tenders",
            Some(&tenderer),
            &invited_body(&app, &codes[..2]),
        )
        .await;
    let problem = two.assert_problem(422, "validation-failed");
    assert_eq!(problem["errors"][0]["field"], "invitees", "{problem}");
    assert_eq!(
        two.assert_rule("tender.invitees-too-few").1,
        json!({ "min": 3, "given": 2 })
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at least 3"),
        "{problem}"
    );
    // None at all, one twice, a wrong check digit, invitees on open
    // tendering: each refused on its field.
    let mut wrong = codes[2].clone();
    wrong.replace_range(17.., if wrong.ends_with('0') { "1" } else { "0" });
    for (invitees, method, field) in [
        (vec![], "invited_tendering", "invitees"),
        (
            vec![codes[0].clone(), codes[1].clone(), codes[0].clone()],
            "invited_tendering",
            "invitees[2]",
        ),
        (
            vec![codes[0].clone(), codes[1].clone(), wrong],
            "invited_tendering",
            "invitees[2]",
        ),
        (codes.clone(), "open_tendering", "invitees"),
    ] {
        let mut body = invited_body(&app, &invitees);
        body["method"] = json!(method);
        let reply = app
            .post_json("/api/v1/tenders", Some(&tenderer), &body)
            .await;
        let problem = reply.assert_problem(422, "validation-failed");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(app.snapshot(), before, "refused drafts wrote nothing");
    assert_eq!(app.count("tender_invitees"), 0);

    // Three: a draft, the invitees in the order given.
    let draft = app
        .post_json(
            "/api/v1/tenders",
            Some(&tenderer),
            &invited_body(&app, &codes),
        )
        .await;
    draft.assert_status(201);
    let id = draft.json()["id"].as_str().unwrap().to_string();
    let shown: Vec<String> = draft.json()["invitees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["credit_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown, codes);
    assert!(draft.json()["invitees"][0]["invited_at"].is_null());

    // The draft's edit replaces them (four now), and is refused with two.
    let mut four = codes.clone();
    four.insert(0, credit("91450100MA5T0104D"));
    app.put_json(
        &format!("/api/v1/tenders/{id}"),
        Some(&tenderer),
        &invited_body(&app, &four),
    )
    .await
    .assert_status(200);
    app.put_json(
        &format!("/api/v1/tenders/{id}"),
        Some(&tenderer),
        &invited_body(&app, &four[..2]),
    )
    .await
    .assert_problem(422, "validation-failed");
    let list = app
        .get(&format!("/api/v1/tenders/{id}/invitees"), Some(&tenderer))
        .await;
    list.assert_status(200);
    assert_eq!(codes_of(&list.json()), four);

    // Published: the invitations went out (none registered: nobody told
    // on the platform), and an amendment cannot change the list.
    app.act(&tenderer, &id, "publish", "")
        .await
        .assert_status(200);
    let list = app
        .get(&format!("/api/v1/tenders/{id}/invitees"), Some(&tenderer))
        .await
        .json();
    for item in list["items"].as_array().unwrap() {
        assert!(item["invited_at"].is_string(), "{item}");
        assert_eq!(item["notified_users"], 0);
        assert!(item["organisation"].is_null());
    }
    let amended = app
        .post_json(
            &format!("/api/v1/tenders/{id}/amendments"),
            Some(&tenderer),
            &json!({"title": "更正", "body": "增加邀请对象", "changes_bids": true,
                    "changes": {"invitees": [credit("91450100MA5T0105E")]}}),
        )
        .await;
    let problem = amended.assert_problem(422, "validation-failed");
    assert_eq!(problem["errors"][0]["field"], "changes.invitees");
    assert!(
        problem["detail"].as_str().unwrap().contains("cancel"),
        "{problem}"
    );
    let after = app
        .get(&format!("/api/v1/tenders/{id}/invitees"), Some(&tenderer))
        .await
        .json();
    assert_eq!(codes_of(&after), four);
    // A published tender's edit is refused as before.
    app.put_json(
        &format!("/api/v1/tenders/{id}"),
        Some(&tenderer),
        &invited_body(&app, &codes),
    )
    .await
    .assert_problem(409, "illegal-transition");
}

#[actix_web::test]
async fn a_non_invitee_cannot_take_the_documents_or_ask() {
    let app = spawn_app().await;
    app.leagues();
    let (invitee, code) = enterprise(&app, "投标部", "广西甲科技有限公司", "91450100MA5T0201A");
    let (outsider, _) = enterprise(&app, "投标部", "广西乙科技有限公司", "91450100MA5T0202B");
    // An enterprise without a credit code on record cannot be an invitee.
    let nameless = app.user("投标部", Role::Bidder, "NNG", "广西丙科技有限公司");
    let mut invitees = unregistered();
    invitees[0] = code;
    let (tenderer, id, download) = published(&app, &invitees).await;

    let before = app.count("document_takers");
    for token in [&outsider, &nameless] {
        let refused = app.get(&download, Some(token)).await;
        let problem = refused.assert_problem(403, "not-invited");
        assert!(
            problem["detail"].as_str().unwrap().contains("invited"),
            "{problem}"
        );
        refused.assert_refusal(403, "not-invited", "tender.not-invited-documents");
        app.post_json(
            &format!("/api/v1/tenders/{id}/clarifications"),
            Some(token),
            &json!({ "question": "能否参加？" }),
        )
        .await
        .assert_refusal(403, "not-invited", "tender.not-invited-ask");
    }
    // Signed out: sign in first.
    app.get(&download, None)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(app.count("document_takers"), before, "nothing taken");
    assert_eq!(app.count("clarifications"), 0, "nothing asked");

    // The invitee takes them (and is a taker), and asks; the tenderer and
    // a supervisor in scope read them too.
    let file = app.get(&download, Some(&invitee)).await;
    file.assert_status(200);
    assert_eq!(file.body, b"%PDF-1.7 the invited tender's documents");
    assert_eq!(app.count("document_takers"), before + 1);
    app.post_json(
        &format!("/api/v1/tenders/{id}/clarifications"),
        Some(&invitee),
        &json!({ "question": "交货地点？" }),
    )
    .await
    .assert_status(201);
    let supervisor = app.supervisor(
        "监督员",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    for token in [&tenderer, &supervisor] {
        app.get(&download, Some(token)).await.assert_status(200);
    }

    // An open tender's documents stay anyone's.
    let open = app.create_draft(&tenderer, "公开招标项目").await;
    let doc = app
        .post_raw(
            &format!("/api/v1/tenders/{open}/documents?filename=open.pdf"),
            Some(&tenderer),
            "application/pdf",
            b"open".to_vec(),
        )
        .await;
    let open_download = doc.json()["download_url"].as_str().unwrap().to_string();
    app.act(&tenderer, &open, "publish", "")
        .await
        .assert_status(200);
    for token in [Some(outsider.as_str()), Some(nameless.as_str()), None] {
        app.get(&open_download, token).await.assert_status(200);
    }
}

/// A Registry (certificate-signed enterprises) with an invited tender
/// published for "builder" (NNG) and two unregistered enterprises, and
/// "second" (NNG) not invited: (tender id, the opening certificate's path).
async fn invited_with_certificates(
    r: &Registry,
    dir: &std::path::Path,
) -> (String, std::path::PathBuf) {
    r.nng.enterprise(
        "second",
        "广西第二建设有限公司",
        &credit("91450100MA5T0003C"),
    );
    let mut invitees = unregistered();
    invitees[1] = credit("91450100MA5T0001A");
    let (_tenderer, tender, opening) = tender_with_opening_cert_from(r, dir, |body| {
        body["method"] = json!("invited_tendering");
        body["invitees"] = json!(invitees);
    })
    .await;
    (tender, opening)
}

#[actix_web::test]
async fn a_non_invitee_cannot_start_an_upload() {
    let r = Registry::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (tender, _opening) = invited_with_certificates(&r, dir.path()).await;
    let second = sign_in(&r, &r.nng, "second").await;
    let before = r.app.count("bid_uploads");
    let refused = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/bid-uploads"),
            Some(&second),
            &json!({ "size": 1000 }),
        )
        .await;
    refused.assert_problem(403, "not-invited");
    assert_eq!(r.app.count("bid_uploads"), before, "no session opened");
    // The detail tells it so beforehand.
    let detail = r
        .app
        .get(&format!("/api/v1/tenders/{tender}"), Some(&second))
        .await
        .json();
    assert_eq!(detail["invited"], false);
    assert!(detail.get("invitees").is_none(), "{detail}");
}

#[actix_web::test]
async fn a_non_invitee_cannot_submit_a_bid() {
    let r = Registry::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (tender, opening) = invited_with_certificates(&r, dir.path()).await;
    let second = sign_in(&r, &r.nng, "second").await;
    let zip = container(&r.nng.dir, "second-invited", &schedule(95_000_000));
    let make = Make {
        gcm: true,
        outer: true,
    };
    let bid = envelope(&r.nng, "second", &zip, &opening, make);
    let before = r.app.snapshot();
    submit(&r, &second, &tender, &bid)
        .await
        .assert_problem(403, "not-invited");
    assert_eq!(r.app.count("bids"), 0);
    assert_eq!(r.app.snapshot(), before, "a refused bid wrote nothing");
}

#[actix_web::test]
async fn an_invitee_bids_by_upload_and_in_one_request() {
    let r = Registry::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (tender, opening) = invited_with_certificates(&r, dir.path()).await;
    let builder = sign_in(&r, &r.nng, "builder").await;
    let detail = r
        .app
        .get(&format!("/api/v1/tenders/{tender}"), Some(&builder))
        .await
        .json();
    assert_eq!(detail["invited"], true);
    assert!(detail.get("invitees").is_none(), "{detail}");
    let make = Make {
        gcm: true,
        outer: true,
    };
    // A resumable upload, completed by its PATCH.
    let zip = container(&r.nng.dir, "builder-invited-1", &schedule(96_000_000));
    let bid = envelope(&r.nng, "builder", &zip, &opening, make);
    let bytes = std::fs::read(&bid).unwrap();
    let started = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/bid-uploads"),
            Some(&builder),
            &json!({ "size": bytes.len(), "sha256": sha256_hex(&bytes) }),
        )
        .await;
    started.assert_status(201);
    let upload = started.json()["id"].as_str().unwrap().to_string();
    let mut resp = r
        .app
        .client
        .patch(r.app.url(&format!("/api/v1/bid-uploads/{upload}")))
        .insert_header(("Authorization", format!("Bearer {builder}")))
        .insert_header(("Upload-Offset", "0"))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .send_body(bytes)
        .await
        .unwrap();
    let body = resp.body().await.unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        String::from_utf8_lossy(&body)
    );
    // And in one request: it replaces the first.
    let zip = container(&r.nng.dir, "builder-invited-2", &schedule(95_500_000));
    let again = envelope(&r.nng, "builder", &zip, &opening, make);
    let reply = submit(&r, &builder, &tender, &again).await;
    reply.assert_status(201);
    assert_eq!(reply.json()["version"], 2);
}

#[actix_web::test]
async fn the_invitees_are_shown_to_the_tenders_staff_only() {
    let app = spawn_app().await;
    app.leagues();
    let (invitee, code) = enterprise(&app, "投标部", "广西甲科技有限公司", "91450100MA5T0301A");
    let (outsider, _) = enterprise(&app, "投标部", "广西乙科技有限公司", "91450100MA5T0302B");
    let mut invitees = unregistered();
    invitees[2] = code;
    let (tenderer, id, _) = published(&app, &invitees).await;
    let nng_op = app.user_custom("南宁中心", &[Role::Operator], "NNG", None, None);
    let lzh_op = app.user_custom("柳州中心", &[Role::Operator], "LZH", None, None);
    let platform = app.platform_operator("平台运营");
    let in_scope = app.supervisor(
        "监督员甲",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    let out_of_scope = app.supervisor(
        "监督员乙",
        "administrative",
        Some("government_procurement"),
        Some("LZH"),
    );
    let expert_like = app.user("专家", Role::Expert, "NNG", "广西专家");
    let path = format!("/api/v1/tenders/{id}/invitees");

    // The staff: the list, in the detail and at its route.
    for (who, token) in [
        ("tenderer", &tenderer),
        ("league operator", &nng_op),
        ("platform operator", &platform),
        ("supervisor in scope", &in_scope),
    ] {
        let list = app.get(&path, Some(token)).await;
        list.assert_status(200);
        assert_eq!(codes_of(&list.json()), invitees, "{who}");
        let detail = app
            .get(&format!("/api/v1/tenders/{id}"), Some(token))
            .await
            .json();
        assert_eq!(detail["invitees"].as_array().unwrap().len(), 3, "{who}");
    }
    // The registered invitee is named with its organisation.
    let list = app.get(&path, Some(&tenderer)).await.json();
    assert_eq!(
        list["items"][2]["organisation"]["name"],
        "广西甲科技有限公司"
    );
    assert_eq!(list["items"][2]["notified_users"], 1);

    // Everyone else: 403 at the route (401 signed out), and not a code in
    // what they read of the tender, its notices, hall and open data.
    for (who, token) in [
        ("invitee", &invitee),
        ("other bidder", &outsider),
        ("another league's operator", &lzh_op),
        ("supervisor out of scope", &out_of_scope),
        ("expert", &expert_like),
    ] {
        app.get(&path, Some(token))
            .await
            .assert_problem(403, "forbidden");
        let detail = app.get(&format!("/api/v1/tenders/{id}"), Some(token)).await;
        detail.assert_status(200);
        assert!(detail.json().get("invitees").is_none(), "{who}");
        let text = String::from_utf8_lossy(&detail.body).to_string();
        for code in &invitees {
            assert!(!text.contains(code.as_str()), "{who} reads {code}");
        }
    }
    app.get(&path, None)
        .await
        .assert_problem(401, "unauthenticated");
    // The tender stays on the public board, marked as by invitation.
    let board = app.get("/api/v1/tenders", None).await.json();
    let listed = board["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .expect("listed publicly");
    assert_eq!(listed["method"], "invited_tendering");
    for public in [
        format!("/api/v1/tenders/{id}"),
        format!("/api/v1/tenders/{id}/notices"),
        format!("/api/v1/tenders/{id}/hall/events"),
        format!("/api/v1/opendata/tenders/{id}/releases"),
        format!("/api/v1/opendata/tenders/{id}/record"),
        "/api/v1/opendata/releases".to_string(),
    ] {
        let reply = app.get(&public, None).await;
        reply.assert_status(200);
        let text = String::from_utf8_lossy(&reply.body).to_string();
        for code in &invitees {
            assert!(!text.contains(code.as_str()), "{public} shows {code}");
        }
        assert!(!text.contains("\"invited\""), "{public}");
    }
    // The invited enterprise learns that it is invited; the other that it
    // is not; nobody else is told either way.
    for (token, invited) in [
        (&invitee, json!(true)),
        (&outsider, json!(false)),
        (&tenderer, Value::Null),
        (&nng_op, Value::Null),
    ] {
        let detail = app
            .get(&format!("/api/v1/tenders/{id}"), Some(token))
            .await
            .json();
        assert_eq!(detail["invited"], invited);
    }
    // Another league's operators' audit reading shows no invitee either.
    let events = app
        .get(
            &format!("/api/v1/audit/events?tender_id={id}"),
            Some(&lzh_op),
        )
        .await;
    let text = String::from_utf8_lossy(&events.body).to_string();
    for code in &invitees {
        assert!(
            !text.contains(code.as_str()),
            "LZH audit reading shows {code}"
        );
    }
}

#[actix_web::test]
async fn the_invitation_to_bid_reaches_each_registered_invitee_at_publication() {
    let app = spawn_app().await;
    app.leagues();
    let (invitee, code) = enterprise(&app, "投标部", "广西甲科技有限公司", "91450100MA5T0401A");
    // A second bidding account of the same enterprise is told too.
    let org = app
        .db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::organisations;
            Ok(organisations::table
                .filter(organisations::credit_code.eq(&code))
                .select(organisations::id)
                .first::<String>(conn)?)
        })
        .unwrap();
    let colleague = app.user_custom(
        "投标部二",
        &[Role::Bidder],
        "NNG",
        Some(&ggzy::types::OrganisationId::from_db(org)),
        None,
    );
    // A follower of the category that is not invited.
    let (follower, _) = enterprise(&app, "投标部", "广西乙科技有限公司", "91450100MA5T0402B");
    app.put_json(
        "/api/v1/me/subscriptions",
        Some(&follower),
        &json!([{ "category": "government_procurement", "league": "*" }]),
    )
    .await
    .assert_status(200);
    let mut invitees = unregistered();
    invitees[0] = code;
    let (tenderer, id, _) = published(&app, &invitees).await;
    let reference = app.get(&format!("/api/v1/tenders/{id}"), None).await.json()["reference"]
        .as_str()
        .unwrap()
        .to_string();

    for token in [&invitee, &colleague] {
        let found = app.inbox_of(token, "tender_invitation").await;
        assert_eq!(found.len(), 1, "{found:?}");
        let m = app
            .get(
                &format!(
                    "/api/v1/me/notifications/{}",
                    found[0]["id"].as_str().unwrap()
                ),
                Some(token),
            )
            .await
            .json();
        assert_eq!(m["subject"], "投标邀请书：实验室设备邀请招标");
        assert_eq!(m["tender_id"], id.as_str());
        assert_eq!(m["link"], format!("/#/tenders/{id}"));
        let text = m["body_text"].as_str().unwrap();
        for part in [
            reference.as_str(),
            "南宁市教育局",
            "邀请招标",
            "政府采购",
            "南宁市公共资源交易中心",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        // It names no other invitee.
        for other in &invitees[1..] {
            assert!(!text.contains(other.as_str()));
        }
    }
    // The notice is no public call for bids: the follower hears nothing,
    // nor does the tenderer.
    for token in [&follower, &tenderer] {
        assert!(app.inbox_of(token, "tender_invitation").await.is_empty());
        assert!(app.inbox_of(token, "tender_published").await.is_empty());
    }
    let list = app
        .get(&format!("/api/v1/tenders/{id}/invitees"), Some(&tenderer))
        .await
        .json();
    assert_eq!(list["items"][0]["notified_users"], 2);
    assert!(list["items"][0]["invited_at"].is_string());
    assert_eq!(list["items"][1]["notified_users"], 0);
    // Nobody can switch the invitation off: it is procedural.
    let settings = app
        .get("/api/v1/me/notification-settings", Some(&invitee))
        .await
        .json();
    let kind = settings["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "tender_invitation")
        .expect("listed in the settings")
        .clone();
    assert_eq!(kind["class"], "procedural", "{kind}");
}

#[actix_web::test]
async fn an_invitee_that_registers_after_publication_takes_part() {
    let app = spawn_app().await;
    app.leagues();
    let invitees = unregistered();
    // Published with no invitee registered: nobody is told on the
    // platform, the publication goes through.
    let (tenderer, id, download) = published(&app, &invitees).await;
    assert_eq!(app.count("tender_invitees"), 3);
    let status = app.get(&format!("/api/v1/tenders/{id}"), None).await.json()["status"].clone();
    assert_eq!(status, "published");

    // The enterprise of the first code signs up later: it is invited.
    let (late, _) = enterprise(&app, "投标部", "广西迟到科技有限公司", "91450100MA5T0101A");
    let detail = app
        .get(&format!("/api/v1/tenders/{id}"), Some(&late))
        .await
        .json();
    assert_eq!(detail["invited"], true);
    app.get(&download, Some(&late)).await.assert_status(200);
    let list = app
        .get(&format!("/api/v1/tenders/{id}/invitees"), Some(&tenderer))
        .await
        .json();
    assert_eq!(
        list["items"][0]["organisation"]["name"],
        "广西迟到科技有限公司"
    );
    // Told nothing at publication (it was not there), and nothing since.
    assert_eq!(list["items"][0]["notified_users"], 0);
    assert!(app.inbox_of(&late, "tender_invitation").await.is_empty());
}

#[actix_web::test]
async fn an_invited_tender_is_opened_evaluated_and_signed_with_the_invitees_bids_only() {
    use crate::rooms::{close, elect, open_room, report_of, sign_all};
    let r = Registry::new().await;
    // 广西第二建设, 广西第三建设 and 广西测试建设 are invited.
    let invitees: Vec<String> = [
        "91450100MA5T0003C",
        "91450100MA5T0004D",
        "91450100MA5T0001A",
    ]
    .iter()
    .map(|c| credit(c))
    .collect();
    let s = crate::rooms::submitted_with(
        &r,
        |b| {
            b["method"] = json!("invited_tendering");
            b["invitees"] = json!(invitees);
            b["lots"] = json!([]);
        },
        &crate::bids::three_schedules(),
    )
    .await;
    // An enterprise not invited is turned away with the cheapest bid.
    r.nng.enterprise(
        "fourth",
        "广西第四建设有限公司",
        &credit("91450100MA5T0005E"),
    );
    let dir = tempfile::tempdir().unwrap();
    let opening = crate::bids::save_opening_certificate(&r, &s.tender, dir.path()).await;
    let fourth = sign_in(&r, &r.nng, "fourth").await;
    let zip = container(&r.nng.dir, "fourth-invited", &schedule(80_000_000));
    let make = Make {
        gcm: true,
        outer: true,
    };
    let bid = envelope(&r.nng, "fourth", &zip, &opening, make);
    submit(&r, &fourth, &s.tender, &bid)
        .await
        .assert_problem(403, "not-invited");
    let f = crate::rooms::evaluation_from(&r, s).await;
    let names = |list: &Value, key: &str| -> Vec<String> {
        let mut names: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b[key].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let mut invited = vec![
        "广西第二建设有限公司".to_string(),
        "广西第三建设有限公司".to_string(),
        "广西测试建设有限公司".to_string(),
    ];
    invited.sort();
    // The opening read the invitees' three bids, and no other.
    let record = r
        .app
        .get(&format!("/api/v1/tenders/{}/opening", f.tender), None)
        .await
        .json();
    assert_eq!(record["status"], "completed");
    assert_eq!(names(&record["bids"], "bidder_name"), invited);
    // The committee evaluates them and signs.
    let (mut clients, _) = open_room(&r, &f, json!({})).await;
    elect(&mut clients, &f, 1).await;
    let labels = clients[0].bid_labels();
    assert_eq!(labels.len(), 3);
    close(&mut clients, 1, 1).await;
    for (criterion, extra) in [("tech", 1), ("biz", 2)] {
        for c in clients.iter_mut() {
            for (n, label) in labels.iter().enumerate() {
                let points = if criterion == "tech" {
                    35.0 + n as f64
                } else {
                    15.0
                };
                c.ok(crate::rooms::score(label, criterion, points)).await;
            }
        }
        close(&mut clients, 1, extra).await;
    }
    let report = report_of(&r, &f).await["report"].clone();
    assert_eq!(names(&report["bids"], "bidder"), invited);
    let lot = &report["lots"][0];
    assert_eq!(lot["candidates"].as_array().unwrap().len(), 3, "{lot}");
    assert!(lot["failed"].is_null());
    sign_all(&r, &f, &mut clients).await;
}
