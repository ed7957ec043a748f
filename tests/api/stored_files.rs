//! Stored files after a crash, and what upload sessions promise: a bid file
//! the server kept but never recorded (the real binary killed between the
//! two) is removed at the next start on the record, and a bid recorded
//! normally is untouched; the same for tender documents' stored files; an
//! upload session's expiry is never later than the bid deadline.

use crate::bids::tender_with_opening_cert;
use crate::bids::{Make, bid_deadline, container, envelope, sha256_hex, sign_in, submit};
use crate::helpers::TestApp;
use crate::trust::Registry;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use ggzy::db::schema::audit_events;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command};

/// An audit event as stored: object id, tender id, actor id, leaf index.
type EventRow = (String, Option<String>, Option<String>, Option<i64>);

/// The audit events of `action`: (object id, tender id, actor id, in the log).
fn events(
    app: &TestApp,
    action: &'static str,
) -> Vec<(String, Option<String>, Option<String>, bool)> {
    app.db
        .write_blocking(move |conn| {
            let rows: Vec<EventRow> = audit_events::table
                .filter(audit_events::action.eq(action))
                .order(audit_events::seq.asc())
                .select((
                    audit_events::object_id,
                    audit_events::tender_id,
                    audit_events::actor_id,
                    audit_events::leaf_index,
                ))
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(o, t, a, l)| (o, t, a, l.is_some()))
                .collect())
        })
        .expect("audit events")
}

/// The bid files under the data folder, by name.
fn bid_files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.data_dir.path().join("bids"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A `ggzy serve` process, killed when dropped (a failed assertion must not
/// leave it running).
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Served {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Served {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

/// Starts the real `ggzy serve` on the app's data folder and database.
async fn serve(app: &TestApp, abort_after_keeping_bid: bool) -> (Served, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ggzy"));
    command
        .args(["serve", "--demo-data", "false"])
        .env("GGZY_DATA_DIR", app.data_dir.path())
        .env("DATABASE_URL", app.database_url())
        .env("GGZY_LOG", "warn")
        .env_remove(ggzy::bids::upload::ABORT_AFTER_KEEPING_BID);
    if abort_after_keeping_bid {
        command.env(ggzy::bids::upload::ABORT_AFTER_KEEPING_BID, "1");
    }
    let (mut child, address) = crate::helpers::spawn_on_any_port(command);
    let base = crate::helpers::printed_address(&mut child, &address).await;
    let served = Served(child);
    (served, base.expect("the server listens"))
}

/// Waits until the server at `base` answers (it sweeps before it listens).
async fn until_serving(app: &TestApp, base: &str, child: &mut Served) {
    for _ in 0..300 {
        if let Ok(r) = app.client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the server exited before it served"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server did not start");
}

/// Waits for the process to end; its exit status.
async fn until_exited(child: &mut Served) -> std::process::ExitStatus {
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    panic!("the server did not stop");
}

fn schedule(price: i64) -> Value {
    json!({ "total_price_fen": price, "duration_days": 120, "key_terms": { "质保期": "2 年" } })
}

#[actix_web::test]
async fn a_bid_file_kept_without_its_bid_when_the_server_died_is_removed_on_the_record() {
    let mut r = Registry::new().await;
    let nng = r.nng.clone();
    let dir = tempfile::tempdir().unwrap();
    let (_tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    let builder = sign_in(&r, &nng, "builder").await;
    let make = Make {
        gcm: true,
        outer: true,
    };
    // A bid stored and recorded normally.
    let zip = container(&nng.dir, "kept", &schedule(70_000_000));
    let kept = std::fs::read(envelope(&nng, "builder", &zip, &opening, make)).unwrap();
    let kept_path = dir.path().join("kept.p7m");
    std::fs::write(&kept_path, &kept).unwrap();
    let reply = submit(&r, &builder, &tender, &kept_path).await;
    reply.assert_status(201);
    let receipt = reply.json();
    let kept_id = receipt["bid_id"].as_str().unwrap().to_string();
    assert_eq!(receipt["sha256"], sha256_hex(&kept));
    assert_eq!(bid_files(&r.app), vec![format!("{kept_id}.p7m")]);

    // The real server, told to die right after it moves a bid's file into
    // place and before it records the bid, receives a replacement.
    r.app.stop().await;
    let (mut server, base) = serve(&r.app, true).await;
    until_serving(&r.app, &base, &mut server).await;
    let zip = container(&nng.dir, "lost", &schedule(69_000_000));
    let lost = std::fs::read(envelope(&nng, "builder", &zip, &opening, make)).unwrap();
    let answer = r
        .app
        .client
        .post(format!("{base}/api/v1/tenders/{tender}/bids"))
        .insert_header(("Authorization", format!("Bearer {builder}")))
        .insert_header(("Content-Type", "application/pkcs7-mime"))
        .send_body(lost.clone())
        .await;
    assert!(
        answer.as_ref().map_or(true, |a| !a.status().is_success()),
        "no receipt for a bid that was not recorded"
    );
    let status = until_exited(&mut server).await;
    assert!(!status.success(), "the server aborted: {status:?}");
    // The crash the issue describes: a file with no row.
    let files = bid_files(&r.app);
    assert_eq!(files.len(), 2, "{files:?}");
    let orphan = files
        .iter()
        .find(|f| **f != format!("{kept_id}.p7m"))
        .unwrap()
        .strip_suffix(".p7m")
        .unwrap()
        .to_string();
    assert_eq!(
        std::fs::read(r.app.data_dir.path().join(format!("bids/{orphan}.p7m"))).unwrap(),
        lost
    );
    assert_eq!(r.app.count("bids"), 1);
    assert!(events(&r.app, "bid.file_removed").is_empty());

    // A one-shot submission cut off by a stop leaves a part file with no
    // session: it goes the same way.
    let cut = uuid::Uuid::new_v4().to_string();
    let part = r.app.data_dir.path().join(format!("uploads/{cut}.part"));
    std::fs::write(&part, &lost[..100]).unwrap();
    // Both untouched for longer than any node takes to record what it
    // stored: abandoned (younger ones may be another node's, under way).
    age(&part);
    age(&r.app.data_dir.path().join(format!("bids/{orphan}.p7m")));

    // Started again on the same data folder: the orphan is gone, on the
    // record, with its hash and no bidder; the recorded bid is untouched.
    let (mut server, base) = serve(&r.app, false).await;
    until_serving(&r.app, &base, &mut server).await;
    assert_eq!(bid_files(&r.app), vec![format!("{kept_id}.p7m")]);
    let removed = events(&r.app, "bid.file_removed");
    assert_eq!(removed.len(), 1, "{removed:?}");
    let (object, tender_id, actor, logged) = &removed[0];
    assert_eq!(
        object,
        &format!("bids/{orphan}.p7m#sha256={}", sha256_hex(&lost))
    );
    assert_eq!(tender_id, &None, "nothing says whose or for what");
    assert_eq!(actor, &None);
    assert!(logged, "the removal is in the transparency log");
    assert!(!part.exists());
    let parts = events(&r.app, "bid.upload_part_removed");
    assert_eq!(parts.len(), 1, "{parts:?}");
    assert_eq!(
        parts[0].0,
        format!("uploads/{cut}.part#sha256={}", sha256_hex(&lost[..100]))
    );
    assert_eq!(parts[0].1, None);
    let file = std::fs::read(r.app.data_dir.path().join(format!("bids/{kept_id}.p7m"))).unwrap();
    assert_eq!(sha256_hex(&file), receipt["sha256"].as_str().unwrap());
    let mine = r
        .app
        .client
        .get(format!("{base}/api/v1/tenders/{tender}/bids"))
        .insert_header(("Authorization", format!("Bearer {builder}")))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{mine}");
    assert_eq!(items[0]["id"], kept_id.as_str());
    assert_eq!(items[0]["status"], "submitted");
    // Once is enough: a further start finds nothing to remove.
    drop(server);
    let (mut server, base) = serve(&r.app, false).await;
    until_serving(&r.app, &base, &mut server).await;
    assert_eq!(events(&r.app, "bid.file_removed").len(), 1);
}

/// Makes a file look untouched for longer than the sweeps' grace period.
fn age(path: &Path) {
    let then = std::time::SystemTime::now() - ggzy::store::ABANDONED_AFTER * 2;
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(then)
        .unwrap();
}

/// Writes `bytes` where the file store keeps them, as a stored file whose
/// document was never recorded.
fn plant_stored_file(root: &Path, bytes: &[u8]) -> String {
    let sha = sha256_hex(bytes);
    let folder = root.join("blobs/sha256").join(&sha[..2]);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(&sha), bytes).unwrap();
    sha
}

#[actix_web::test]
async fn a_stored_file_no_document_names_is_removed_at_start_on_the_record() {
    let mut app = crate::helpers::spawn_app().await;
    app.leagues();
    let token = app.user(
        "采购科",
        ggzy::identity::Role::Tenderer,
        "NNG",
        "南宁市教育局",
    );
    let id = app.create_draft(&token, "教学楼维修").await;
    let document = "招标文件正文 v1".as_bytes().to_vec();
    let reply = app
        .post_raw(
            &format!("/api/v1/tenders/{id}/documents?filename=notice.txt"),
            Some(&token),
            "text/plain",
            document.clone(),
        )
        .await;
    reply.assert_status(201);
    let download = reply.json()["download_url"].as_str().unwrap().to_string();
    // What a stop between storing a file and recording its document leaves.
    let orphan = "招标文件正文 v2（未记录）".as_bytes().to_vec();
    let sha = plant_stored_file(app.data_dir.path(), &orphan);
    std::fs::write(app.data_dir.path().join("blobs/tmp/unfinished"), b"half").unwrap();
    let root = app.data_dir.path().join("blobs");
    age(&root.join("sha256").join(&sha[..2]).join(&sha));
    age(&root.join("tmp/unfinished"));
    app.crash_and_restart().await;
    assert!(!root.join("sha256").join(&sha[..2]).join(&sha).exists());
    assert!(!root.join("tmp/unfinished").exists());
    let removed = events(&app, "tender.document.file_removed");
    assert_eq!(
        removed
            .iter()
            .map(|(o, t, a, _)| (o.clone(), t.clone(), a.clone()))
            .collect::<Vec<_>>(),
        vec![(
            format!("blobs/sha256/{}/{sha}#sha256={sha}", &sha[..2]),
            None,
            None
        )]
    );
    // The document recorded normally is still there, whole.
    let path = download
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .unwrap();
    let got = app.get(&path, Some(&token)).await;
    got.assert_status(200);
    assert_eq!(got.body, document);
}

#[actix_web::test]
async fn an_upload_session_says_it_expires_at_the_deadline_when_that_comes_first() {
    let r = Registry::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (_tenderer, tender, _opening) = tender_with_opening_cert(&r, dir.path()).await;
    let deadline = bid_deadline(&r, &tender).await;
    let start = |token: String| {
        let r = &r;
        let tender = tender.clone();
        async move {
            let reply = r
                .app
                .post_json(
                    &format!("/api/v1/tenders/{tender}/bid-uploads"),
                    Some(&token),
                    &json!({ "size": 1000 }),
                )
                .await;
            reply.assert_status(201);
            let view = reply.json();
            let got = r
                .app
                .get(
                    &format!("/api/v1/bid-uploads/{}", view["id"].as_str().unwrap()),
                    Some(&token),
                )
                .await;
            got.assert_status(200);
            let at = |v: &Value| -> DateTime<Utc> {
                serde_json::from_value(v["expires_at"].clone()).unwrap()
            };
            let (created, started, read) = (
                serde_json::from_value::<DateTime<Utc>>(view["created_at"].clone()).unwrap(),
                at(&view),
                at(&got.json()),
            );
            assert_eq!(started, read, "the session says the same when read");
            (created, started)
        }
    };
    // Weeks before the deadline the configured lifetime (24 hours) ends first.
    let builder = sign_in(&r, &r.nng, "builder").await;
    let (created, expires) = start(builder).await;
    assert_eq!(expires, created + Duration::hours(24));
    // Three hours before the deadline, the deadline does.
    r.app
        .clock
        .advance(deadline - r.app.now() - Duration::hours(3));
    let builder = sign_in(&r, &r.nng, "builder").await;
    let (created, expires) = start(builder).await;
    assert!(created + Duration::hours(24) > deadline);
    assert_eq!(expires, deadline);
}
