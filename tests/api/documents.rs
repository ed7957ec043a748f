use crate::helpers::{Options, spawn_app, spawn_app_with};
use ggzy::identity::Role;
use serde_json::json;

fn sha256_hex(bytes: &[u8]) -> String {
    openssl::sha::sha256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn files_under(dir: &std::path::Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p))
            } else {
                out.push(p)
            }
        }
    }
    out
}

#[actix_web::test]
async fn documents_upload_publish_and_download_with_their_hash() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let id = app.create_draft(&tenderer, "带文件的招标").await;
    let content: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let path = format!(
        "/api/v1/tenders/{id}/documents?filename=%E6%8B%9B%E6%A0%87%E6%96%87%E4%BB%B6.pdf&title=%E6%8B%9B%E6%A0%87%E6%96%87%E4%BB%B6"
    );
    let r = app
        .post_raw(&path, Some(&tenderer), "application/pdf", content.clone())
        .await;
    r.assert_status(201);
    let doc = r.json();
    assert_eq!(doc["sha256"], json!(sha256_hex(&content)));
    assert_eq!(doc["size"], json!(content.len()));
    assert_eq!(doc["filename"], "招标文件.pdf");
    assert_eq!(doc["published"], false);
    let url = doc["download_url"].as_str().unwrap().to_string();
    // Not public until the tender is published.
    app.get(&url, None).await.assert_problem(404, "not-found");
    assert_eq!(
        app.get(&url, Some(&tenderer)).await.status,
        200,
        "its managers can read it"
    );
    assert_eq!(app.act(&tenderer, &id, "publish", "").await.status, 200);
    let r = app.get(&url, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, content);
    assert_eq!(r.header("x-content-sha256").unwrap(), sha256_hex(&content));
    let digest = openssl::base64::encode_block(&openssl::sha::sha256(&content));
    assert_eq!(
        r.header("repr-digest").unwrap(),
        format!("sha-256=:{digest}:")
    );
    assert_eq!(r.header("content-type").unwrap(), "application/pdf");
    assert!(
        r.header("content-disposition")
            .unwrap()
            .contains("UTF-8''%E6%8B%9B")
    );
    let public = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    assert_eq!(public["documents"][0]["published"], true);
    assert_eq!(public["documents"][0]["amendment_version"], 0);
    // On the record, the document is named by its file name (its title
    // being the file's stem).
    let operator = app.user("运营", Role::Operator, "NNG", "平台");
    app.wait_for_log().await;
    let record = app
        .get(
            &format!("/api/v1/audit/events?tender_id={id}&action=tender.document.upload"),
            Some(&operator),
        )
        .await;
    record.assert_status(200);
    let record = record.json();
    assert_eq!(
        record["items"][0]["object_name"], "招标文件.pdf",
        "{record}"
    );
}

#[actix_web::test]
async fn documents_added_after_publication_wait_for_an_amendment() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let r = app
        .post_raw(
            &format!("/api/v1/tenders/{id}/documents?filename=addendum.txt"),
            Some(&tenderer),
            "text/plain",
            b"addendum 1".to_vec(),
        )
        .await;
    assert_eq!(r.status, 201);
    let doc = r.json();
    let doc_id = doc["id"].as_str().unwrap().to_string();
    let url = doc["download_url"].as_str().unwrap().to_string();
    app.get(&url, None).await.assert_problem(404, "not-found");
    assert_eq!(
        app.get(&format!("/api/v1/tenders/{id}"), None).await.json()["documents"],
        json!([])
    );
    let bogus = uuid::Uuid::new_v4().to_string();
    let before = app.snapshot();
    app.post_json(
        &format!("/api/v1/tenders/{id}/amendments"),
        Some(&tenderer),
        &json!({"title": "补充文件", "body": "见附件", "changes_bids": false, "document_ids": [doc_id, bogus]}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(
        app.snapshot(),
        before,
        "the half-applied amendment was rolled back"
    );
    app.get(&url, None).await.assert_problem(404, "not-found");
    let r = app
        .post_json(
            &format!("/api/v1/tenders/{id}/amendments"),
            Some(&tenderer),
            &json!({"title": "补充文件", "body": "见附件", "changes_bids": false, "document_ids": [doc_id]}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(app.get(&url, None).await.body, b"addendum 1");
    let t = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    assert_eq!(t["documents"][0]["amendment_version"], 1);
}

#[actix_web::test]
async fn refused_uploads_leave_nothing() {
    let app = spawn_app_with(Options {
        max_document_bytes: Some(64 * 1024),
        ..Default::default()
    })
    .await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let id = app.create_draft(&tenderer, "x").await;
    let blobs = app.data_dir.path().join("blobs");
    let bidder = app.user("b", Role::Bidder, "NNG", "投标人");
    let files_before = files_under(&blobs);
    let before = app.snapshot();
    let path = format!("/api/v1/tenders/{id}/documents?filename=big.bin");
    let params = app
        .post_raw(
            &path,
            Some(&tenderer),
            "application/octet-stream",
            vec![7u8; 65 * 1024],
        )
        .await
        .assert_refusal(413, "payload-too-large", "upload.too-large");
    assert_eq!(
        (params["size"].clone(), params["limit"].clone()),
        (json!(65 * 1024), json!(64 * 1024))
    );
    // A chunked body with no Content-Length is cut off while streaming.
    let chunks = futures_util::stream::iter(
        (0..20).map(|_| Ok::<_, std::io::Error>(actix_web::web::Bytes::from(vec![1u8; 8 * 1024]))),
    );
    let resp = app
        .client
        .post(app.url(&path))
        .insert_header(("Authorization", format!("Bearer {tenderer}")))
        .insert_header(("Content-Type", "application/octet-stream"))
        .send_stream(chunks)
        .await;
    if let Ok(resp) = resp {
        assert_eq!(resp.status(), 413);
    }
    app.post_raw(
        &format!("/api/v1/tenders/{id}/documents?filename=..%2Fetc%2Fpasswd"),
        Some(&tenderer),
        "text/plain",
        b"x".to_vec(),
    )
    .await
    .assert_refusal(400, "invalid-query", "upload.filename");
    app.post_raw(
        &format!("/api/v1/tenders/{id}/documents"),
        Some(&tenderer),
        "text/plain",
        b"x".to_vec(),
    )
    .await
    .assert_problem(400, "invalid-query");
    app.post_raw(
        &path,
        Some(&tenderer),
        "multipart/form-data; boundary=x",
        b"x".to_vec(),
    )
    .await
    .assert_refusal(415, "unsupported-media-type", "upload.not-multipart");
    app.post_raw(&path, Some(&bidder), "text/plain", b"x".to_vec())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.snapshot(), before);
    assert_eq!(
        files_under(&blobs),
        files_before,
        "no stored or temporary file left behind"
    );
}

#[actix_web::test]
async fn no_documents_once_the_opening_has_started() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    app.clock.advance(chrono::Duration::days(26));
    assert_eq!(
        app.act(&tenderer, &id, "start_opening", "").await.status,
        200
    );
    let params = app
        .post_raw(
            &format!("/api/v1/tenders/{id}/documents?filename=late.txt"),
            Some(&tenderer),
            "text/plain",
            b"late".to_vec(),
        )
        .await
        .assert_refusal(409, "illegal-transition", "tender.documents-closed");
    // (Nobody bid: the opening found too few bidders and failed the tender.)
    assert_eq!(params, json!({ "status": "failed" }));
}
