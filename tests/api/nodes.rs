//! Two nodes of one platform: two servers in this process on one database
//! and one shared folder (`GGZY_SHARED_DIR`), as behind a load balancer. A
//! document stored through one is downloaded through the other; a
//! resumable bid upload begun on one is finished on the other; two chunks
//! sent at once through both are never both appended; a node starting
//! while the other receives a bid leaves that upload alone.

use crate::bids::{
    Make, container, count_files, envelope, finish_raw_patch, one_bid_ready, part_reaches,
    schedule, sha256_hex, sign_in, start_raw_patch, tender_with_opening_cert,
    verify_receipt_with_openssl,
};
use crate::trust::{Registry, credit};
use ggzy::identity::Role;
use serde_json::{Value, json};

#[actix_web::test]
async fn a_document_stored_through_one_node_is_downloaded_through_the_other() {
    let a = crate::helpers::spawn_app().await;
    a.leagues();
    let b = a.second_node().await;
    let tenderer = a.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let id = a.create_draft(&tenderer, "两台服务器的招标").await;
    let content: Vec<u8> = (0..2 * 1024 * 1024 + 17u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let stored = a
        .post_raw(
            &format!("/api/v1/tenders/{id}/documents?filename=notice.pdf"),
            Some(&tenderer),
            "application/pdf",
            content.clone(),
        )
        .await;
    stored.assert_status(201);
    let url = stored.json()["download_url"].as_str().unwrap().to_string();
    let got = b.get(&url, Some(&tenderer)).await;
    got.assert_status(200);
    assert!(got.body == content, "the same bytes through the other node");
}

/// Opens an upload session for `bytes` through `app`: its id.
async fn start_session(
    app: &crate::helpers::TestApp,
    token: &str,
    tender: &str,
    bytes: &[u8],
) -> String {
    let reply = app
        .post_json(
            &format!("/api/v1/tenders/{tender}/bid-uploads"),
            Some(token),
            &json!({ "size": bytes.len(), "sha256": sha256_hex(bytes) }),
        )
        .await;
    reply.assert_status(201);
    reply.json()["id"].as_str().unwrap().to_string()
}

/// PATCHes `body` at `offset` through `app`: (status, body).
async fn patch(
    app: &crate::helpers::TestApp,
    token: &str,
    upload: &str,
    offset: usize,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let mut resp = app
        .client
        .patch(app.url(&format!("/api/v1/bid-uploads/{upload}")))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Upload-Offset", offset.to_string()))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .send_body(body)
        .await
        .unwrap();
    (resp.status().as_u16(), resp.body().await.unwrap().to_vec())
}

#[actix_web::test]
async fn a_resumable_bid_upload_begun_on_one_node_is_finished_on_the_other() {
    let r = Registry::new().await;
    let b = r.app.second_node().await;
    let dir = tempfile::tempdir().unwrap();
    let (tender, bid, bytes, builder) = one_bid_ready(&r, dir.path(), 12_345_600).await;
    let upload = start_session(&r.app, &builder, &tender, &bytes).await;
    let url = format!("/api/v1/bid-uploads/{upload}");
    let half = bytes.len() / 2;
    let (status, _) = patch(&r.app, &builder, &upload, 0, bytes[..half].to_vec()).await;
    assert_eq!(status, 204);
    // The other node knows the session and where it stands.
    let state = b.get(&url, Some(&builder)).await;
    state.assert_status(200);
    assert_eq!(state.json()["offset"], half);
    assert_eq!(
        state.header("Upload-Offset").as_deref(),
        Some(&*half.to_string())
    );
    // ... and finishes it: the bid is checked, recorded, receipted.
    let (status, body) = patch(&b, &builder, &upload, half, bytes[half..].to_vec()).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let receipt: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(receipt["sha256"], sha256_hex(&bytes));
    verify_receipt_with_openssl(&r, &receipt, &bid);
    assert_eq!(r.app.count("bids"), 1);
    // Either node serves the receipt; the session is complete on both.
    let id = receipt["bid_id"].as_str().unwrap();
    r.app
        .get(&format!("/api/v1/bids/{id}/receipt"), Some(&builder))
        .await
        .assert_status(200);
    r.app.get(&url, Some(&builder)).await.assert_status(409);
    assert_eq!(count_files(&r.app.data_dir.path().join("uploads")), 0);
    assert_eq!(count_files(&r.app.data_dir.path().join("bids")), 1);
}

#[actix_web::test]
async fn two_chunks_sent_at_once_through_two_nodes_are_never_both_appended() {
    let r = Registry::new().await;
    let b = r.app.second_node().await;
    let dir = tempfile::tempdir().unwrap();
    let (tender, bid, bytes, builder) = one_bid_ready(&r, dir.path(), 12_345_600).await;
    let upload = start_session(&r.app, &builder, &tender, &bytes).await;
    let path = format!("/api/v1/bid-uploads/{upload}");
    // Node A receives the whole bid slowly: its first 1000 bytes are in.
    let socket = start_raw_patch(&r.app, &path, &builder, 0, bytes.len(), &bytes[..1000]).await;
    part_reaches(&r.app, &upload, 1000).await;
    // The same bytes through node B meanwhile: refused, nothing written.
    let (status, body) = patch(&b, &builder, &upload, 0, bytes.clone()).await;
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "conflict", "{problem}");
    // Every node reports the committed offset while A's request runs.
    for node in [&r.app, &b] {
        let state = node.get(&path, Some(&builder)).await;
        state.assert_status(200);
        assert_eq!(state.json()["offset"], 0);
    }
    let (status, body) = finish_raw_patch(socket, &bytes[1000..]).await;
    assert_eq!(status, 201, "{body}");
    let receipt: Value = serde_json::from_str(&body).unwrap();
    verify_receipt_with_openssl(&r, &receipt, &bid);
    assert_eq!(r.app.count("bids"), 1);
    let kept = r
        .app
        .data_dir
        .path()
        .join(format!("bids/{}.p7m", receipt["bid_id"].as_str().unwrap()));
    assert!(std::fs::read(kept).unwrap() == bytes, "appended once");
}

/// Starts a one-shot submission of `total` bytes over a plain socket and
/// sends only `first` of them.
async fn start_raw_submission(
    app: &crate::helpers::TestApp,
    tender: &str,
    token: &str,
    total: usize,
    first: &[u8],
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/tenders/{tender}/bids HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/pkcs7-mime\r\n\
         Content-Length: {total}\r\nConnection: close\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(first).await.unwrap();
    socket.flush().await.unwrap();
    socket
}

#[actix_web::test]
async fn a_node_starting_while_another_receives_bids_leaves_them_alone() {
    let r = Registry::new().await;
    let nng = r.nng.clone();
    nng.enterprise(
        "second",
        "广西第二建设有限公司",
        &credit("91450100MA5T0003C"),
    );
    let dir = tempfile::tempdir().unwrap();
    let (_tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    let make = Make {
        gcm: true,
        outer: true,
    };
    let builder = sign_in(&r, &nng, "builder").await;
    let zip = container(&nng.dir, "builder", &schedule(81_000_000));
    let bytes = std::fs::read(envelope(&nng, "builder", &zip, &opening, make)).unwrap();
    let second = sign_in(&r, &nng, "second").await;
    let zip = container(&nng.dir, "second", &schedule(82_000_000));
    let one_shot = std::fs::read(envelope(&nng, "second", &zip, &opening, make)).unwrap();
    // On node A: a session upload and a one-shot submission, each with its
    // first 1000 bytes in.
    let upload = start_session(&r.app, &builder, &tender, &bytes).await;
    let path = format!("/api/v1/bid-uploads/{upload}");
    let session_socket =
        start_raw_patch(&r.app, &path, &builder, 0, bytes.len(), &bytes[..1000]).await;
    part_reaches(&r.app, &upload, 1000).await;
    let one_shot_socket =
        start_raw_submission(&r.app, &tender, &second, one_shot.len(), &one_shot[..1000]).await;
    let uploads = r.app.data_dir.path().join("uploads");
    for _ in 0..250 {
        if count_files(&uploads) == 2 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(count_files(&uploads), 2, "both under way");
    // Node B starts (and sweeps the shared folder) meanwhile.
    let _b = r.app.second_node().await;
    assert_eq!(count_files(&uploads), 2, "neither part file was removed");
    part_reaches(&r.app, &upload, 1000).await;
    // Both finish on A, as if nothing had happened.
    let (status, body) = finish_raw_patch(session_socket, &bytes[1000..]).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = finish_raw_patch(one_shot_socket, &one_shot[1000..]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(r.app.count("bids"), 2);
    assert_eq!(count_files(&uploads), 0);
}
