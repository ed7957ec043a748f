//! One platform identity across nodes: a key set made with `ggzy keys init`
//! and given to every node, its fingerprints recorded in the database, and
//! a node with other keys refused. The nodes are the real binary, on one
//! database (PostgreSQL, or one SQLite file).

use crate::helpers::test_database;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// `ggzy` with `args` on `data_dir` and `db` (and `keys`, as GGZY_KEYS_DIR).
fn ggzy(data_dir: &Path, db: &str, keys: Option<&Path>, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ggzy"));
    cmd.args(args)
        .env("GGZY_DATA_DIR", data_dir)
        .env("DATABASE_URL", db)
        .env("GGZY_LOG", "warn")
        .env_remove("GGZY_KEYS_DIR");
    if let Some(keys) = keys {
        cmd.env("GGZY_KEYS_DIR", keys);
    }
    cmd
}

fn output(mut cmd: Command) -> (bool, String, String) {
    let out = cmd.output().expect("run ggzy");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `ggzy keys init --dir DIR`, which must succeed: its printed lines.
fn keys_init(dir: &Path) -> Vec<String> {
    let (ok, out, err) = output(ggzy(
        dir,
        "sqlite://unused.db",
        None,
        &["keys", "init", "--dir", dir.to_str().unwrap()],
    ));
    assert!(ok, "keys init: {err}");
    out.lines().map(str::to_string).collect()
}

struct Node {
    child: Child,
    /// Where the address the node prints once it listens arrives.
    address: std::sync::mpsc::Receiver<String>,
    base: String,
    /// Its GGZY_NODE_ID.
    id: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &Path, db: &str, keys: Option<&Path>, demo: bool) -> Node {
    let id = format!("node-{}", uuid::Uuid::new_v4().simple());
    let mut command = ggzy(data_dir, db, keys, &["serve"]);
    command
        .env("GGZY_NODE_ID", &id)
        .env("GGZY_DEMO_DATA", demo.to_string())
        .stderr(Stdio::piped());
    let (child, address) = crate::helpers::spawn_on_any_port(command);
    Node {
        child,
        address,
        base: String::new(),
        id,
    }
}

/// Waits until `node` prints where it listens and answers /readyz there
/// (Ok), or stops (Err: its standard error).
async fn ready(node: &mut Node) -> Result<(), String> {
    let client = awc::Client::default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        if let Some(status) = node.child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            if let Some(mut e) = node.child.stderr.take() {
                e.read_to_string(&mut err).ok();
            }
            return Err(format!("stopped ({status}): {err}"));
        }
        if node.base.is_empty() {
            if let Ok(base) = node.address.try_recv() {
                node.base = base;
            }
        } else if client
            .get(format!("{}/readyz", node.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err("not ready in 120 s".into())
}

async fn get(base: &str, path: &str) -> Vec<u8> {
    let mut r = awc::Client::default()
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("the node answers");
    assert_eq!(r.status().as_u16(), 200, "GET {path}");
    r.body().await.unwrap().to_vec()
}

/// The fingerprints the database holds, and how many times they were
/// recorded.
fn recorded(db: &str) -> (Vec<ggzy::keys::store::Recorded>, i64) {
    use diesel::prelude::*;
    use ggzy::db::schema::audit_events;
    let db = ggzy::db::Db::connect(db, 1).unwrap();
    db.write_blocking(|conn| {
        let events: i64 = audit_events::table
            .filter(audit_events::action.eq("platform.keys.recorded"))
            .count()
            .get_result(conn)?;
        Ok((ggzy::keys::store::recorded(conn)?, events))
    })
    .unwrap()
}

/// The files of a key set and their contents.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn keys_init_makes_a_private_set_and_never_replaces_one() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("platform-keys");
    let lines = keys_init(&keys);
    let purposes: Vec<&str> = lines
        .iter()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(
        purposes,
        [
            "audit_log",
            "trust_list",
            "tsa",
            "platform_custodian",
            "documents"
        ],
        "{lines:?}"
    );
    for line in &lines {
        let hash = line.split('\t').nth(2).unwrap();
        assert!(
            hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{line}"
        );
    }
    // Exactly the files a first start makes; private keys owner-only.
    let names: Vec<String> = snapshot(&keys).into_iter().map(|(n, _)| n).collect();
    let mut expected: Vec<String> = ggzy::keys::FILES
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for private in [
            "audit-log.ed25519.pem",
            "trust-list-signing.pem",
            "tsa.key.pem",
            "opening-custodian.pem",
            "documents.key.pem",
        ] {
            let mode = std::fs::metadata(keys.join(private))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{private}: {mode:o}");
        }
        let mode = std::fs::metadata(&keys).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the folder: {mode:o}");
    }
    // `fingerprints` reads the same from the folder.
    let (ok, out, err) = output(ggzy(
        dir.path(),
        "sqlite://unused.db",
        Some(&keys),
        &["keys", "fingerprints"],
    ));
    assert!(ok, "{err}");
    assert_eq!(out.lines().collect::<Vec<_>>(), lines);
    // A second init on the same folder is refused and changes nothing,
    // even with one file of the set gone.
    let before = snapshot(&keys);
    let (ok, out, err) = output(ggzy(
        dir.path(),
        "sqlite://unused.db",
        None,
        &["keys", "init", "--dir", keys.to_str().unwrap()],
    ));
    assert!(!ok, "init over a set: {out}");
    assert!(
        err.contains("already holds platform keys") && err.contains("never replaces"),
        "{err}"
    );
    assert_eq!(snapshot(&keys), before);
    std::fs::remove_file(keys.join("tsa.key.pem")).unwrap();
    let before = snapshot(&keys);
    let (ok, _, err) = output(ggzy(
        dir.path(),
        "sqlite://unused.db",
        None,
        &["keys", "init", "--dir", keys.to_str().unwrap()],
    ));
    assert!(!ok);
    assert!(err.contains("audit-log.ed25519.pem"), "{err}");
    assert_eq!(snapshot(&keys), before);
}

#[actix_web::test]
async fn a_provisioned_node_missing_a_key_file_refuses_and_makes_none() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    let keys = dir.path().join("keys");
    keys_init(&keys);
    std::fs::remove_file(keys.join("trust-list-signing.pem")).unwrap();
    let before = snapshot(&keys);
    let mut node = start(&dir.path().join("node"), &db, Some(&keys), false);
    let err = ready(&mut node).await.expect_err("the node refuses");
    assert!(
        err.contains("trust-list-signing.pem") && err.contains("ggzy keys init"),
        "{err}"
    );
    assert_eq!(snapshot(&keys), before, "no key was made");
    // A folder that is not there at all: refused, and not made.
    let nowhere = dir.path().join("no-such-folder");
    let mut node = start(&dir.path().join("node"), &db, Some(&nowhere), false);
    let err = ready(&mut node).await.expect_err("the node refuses");
    assert!(
        err.contains("audit-log.ed25519.pem") && err.contains("ggzy keys init"),
        "{err}"
    );
    assert!(!nowhere.exists());
    // Nothing was recorded as the platform's.
    assert_eq!(recorded(&db), (vec![], 0));
}

/// The first node (keys of its own, made at first start) records them; a
/// second node on the same database with keys of its own is refused,
/// saying which keys differ, both fingerprints, when and by whom they were
/// recorded, and what to do.
#[actix_web::test]
async fn a_node_with_other_keys_on_the_platforms_database_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    let mut a = start(&a_dir, &db, None, false);
    ready(&mut a).await.expect("the first node starts");
    let platform = ggzy::keys::read(&a_dir.join("keys")).unwrap();
    let (rows, events) = recorded(&db);
    assert_eq!(events, 1, "one platform.keys.recorded event");
    assert_eq!(rows.len(), 5);
    for fp in &platform {
        let row = rows
            .iter()
            .find(|r| r.purpose == fp.purpose.code())
            .unwrap();
        assert_eq!(row.spki_sha256, fp.spki_sha256);
        assert_eq!(row.algorithm, fp.algorithm);
        // By the node's id (GGZY_NODE_ID).
        assert_eq!(row.recorded_by, a.id, "{row:?}");
    }
    let mut b = start(&b_dir, &db, None, false);
    let err = ready(&mut b).await.expect_err("the second node refuses");
    assert!(err.contains("not the platform's"), "{err}");
    let mine = ggzy::keys::read(&b_dir.join("keys")).unwrap();
    for (theirs, ours) in platform.iter().zip(&mine) {
        assert!(
            err.contains(&theirs.spki_sha256) && err.contains(&ours.spki_sha256),
            "both fingerprints of {:?}: {err}",
            theirs.purpose
        );
    }
    for needed in [
        "audit log's signing key",
        "trust-list signing key",
        "timestamp authority",
        "opening-key custodian",
        "document-signing key",
        "recorded 20",
        &rows[0].recorded_by,
        "GGZY_KEYS_DIR",
    ] {
        assert!(err.contains(needed), "{needed:?} in {err}");
    }
    // The platform's record is as it was, and the first node serves on.
    assert_eq!(recorded(&db), (rows, 1));
    get(&a.base, "/api/v1/audit/log/key").await;
    // Restarted, the first node finds its own keys recorded.
    drop(a);
    let mut a = start(&a_dir, &db, None, false);
    ready(&mut a).await.expect("the first node starts again");
    assert_eq!(recorded(&db).1, 1);
}

/// `ggzy keys init`, then two nodes given that folder: both start, serve
/// the same keys, the demo data leaves the set alone, and the audit log
/// that both signed checkpoints of verifies with one key.
#[actix_web::test]
async fn nodes_given_one_key_set_sign_with_the_same_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    let keys = dir.path().join("keys");
    let printed = keys_init(&keys);
    let before = snapshot(&keys);
    let mut a = start(&dir.path().join("a"), &db, Some(&keys), true);
    ready(&mut a).await.expect("node a starts");
    let mut b = start(&dir.path().join("b"), &db, Some(&keys), false);
    ready(&mut b).await.expect("node b starts");
    assert_eq!(snapshot(&keys), before, "the key set was not written");
    assert!(!dir.path().join("a/keys").exists() && !dir.path().join("b/keys").exists());
    for path in [
        "/api/v1/audit/log/key",
        "/api/v1/timestamp-authority/root.pem",
        "/api/v1/timestamp-authority/certificates.pem",
        "/api/v1/trust/signing-key",
        "/api/v1/platform/document-signing-certificate",
    ] {
        assert_eq!(get(&a.base, path).await, get(&b.base, path).await, "{path}");
    }
    assert_eq!(
        get(&a.base, "/api/v1/platform/document-signing-certificate").await,
        std::fs::read(keys.join("documents.cert.pem")).unwrap()
    );
    // The timestamp authority is the set's, not the demo's.
    assert_eq!(
        get(&a.base, "/api/v1/timestamp-authority/root.pem").await,
        std::fs::read(keys.join("tsa-root.cert.pem")).unwrap()
    );
    // What the database recorded is what `keys init` printed.
    let (rows, events) = recorded(&db);
    assert_eq!(events, 1);
    let rows: Vec<String> = rows
        .iter()
        .map(|r| format!("{}\t{}\t{}", r.purpose, r.algorithm, r.spki_sha256))
        .collect();
    let mut printed_sorted = printed.clone();
    printed_sorted.sort();
    assert_eq!(rows, printed_sorted);
    // Checkpoints signed by either node verify with the one key: a first
    // stretch of the log while both run, then node a stops and node b
    // signs on.
    let operator = |name: &str| {
        let (ok, out, err) = output(ggzy(
            &dir.path().join("a"),
            &db,
            Some(&keys),
            &["users", "add", "--name", name, "--role", "operator"],
        ));
        assert!(ok, "{err}");
        out.trim().to_string()
    };
    let token = operator("审计员");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    drop(a);
    operator("审计员二");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (ok, out, err) = output({
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ggzy"));
        cmd.args(["audit", "verify", "--url", &b.base, "--token", &token]);
        cmd
    });
    assert!(ok, "audit verify through node b: {out}\n{err}");
}

/// Two nodes with different key sets starting at once on an empty
/// (migrated) database: exactly one set becomes the platform's, and the
/// other node refuses.
#[actix_web::test]
async fn nodes_with_different_keys_starting_together_one_set_wins() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    let (ok, _, err) = output(ggzy(dir.path(), &db, None, &["migrate"]));
    assert!(ok, "{err}");
    let (k1, k2) = (dir.path().join("k1"), dir.path().join("k2"));
    keys_init(&k1);
    keys_init(&k2);
    let mut nodes = [
        start(&dir.path().join("n1"), &db, Some(&k1), false),
        start(&dir.path().join("n2"), &db, Some(&k2), false),
    ];
    let mut outcomes = Vec::new();
    for node in &mut nodes {
        outcomes.push(ready(node).await);
    }
    let started: Vec<usize> = (0..2).filter(|i| outcomes[*i].is_ok()).collect();
    assert_eq!(started.len(), 1, "{outcomes:?}");
    let winner = started[0];
    let loser_err = outcomes[1 - winner].as_ref().unwrap_err();
    assert!(loser_err.contains("not the platform's"), "{loser_err}");
    let won = ggzy::keys::read([&k1, &k2][winner]).unwrap();
    let (rows, events) = recorded(&db);
    assert_eq!(events, 1);
    assert_eq!(rows.len(), 5);
    for fp in won {
        assert!(
            rows.iter()
                .any(|r| r.purpose == fp.purpose.code() && r.spki_sha256 == fp.spki_sha256)
        );
    }
}

/// A key set made before the platform signed documents: a node given it
/// refuses, saying how to add the document-signing key; `ggzy keys
/// complete` adds it once, replacing nothing; then the node starts and the
/// platform records the new key's fingerprint.
#[actix_web::test]
async fn a_key_set_older_than_document_signing_is_completed_once() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    let keys = dir.path().join("keys");
    keys_init(&keys);
    std::fs::remove_file(keys.join("documents.key.pem")).unwrap();
    std::fs::remove_file(keys.join("documents.cert.pem")).unwrap();
    let older = snapshot(&keys);
    let mut node = start(&dir.path().join("node"), &db, Some(&keys), false);
    let err = ready(&mut node).await.expect_err("the node refuses");
    assert!(
        err.contains("documents.key.pem") && err.contains("ggzy keys complete"),
        "{err}"
    );
    assert_eq!(snapshot(&keys), older, "no key was made");
    let complete = || {
        output(ggzy(
            dir.path(),
            "sqlite://unused.db",
            None,
            &["keys", "complete", "--dir", keys.to_str().unwrap()],
        ))
    };
    let (ok, out, err) = complete();
    assert!(ok, "{err}");
    let purposes: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(
        purposes,
        [
            "audit_log",
            "trust_list",
            "tsa",
            "platform_custodian",
            "documents"
        ]
    );
    let completed = snapshot(&keys);
    for (name, content) in &older {
        assert!(
            completed.contains(&(name.clone(), content.clone())),
            "{name} unchanged"
        );
    }
    assert_eq!(completed.len(), older.len() + 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(keys.join("documents.key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // Again: nothing to add, nothing changed, the same fingerprints.
    let (ok, again, err) = complete();
    assert!(ok, "{err}");
    assert_eq!(again, out);
    assert_eq!(snapshot(&keys), completed);
    // A folder that is no key set is refused, and left empty.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (ok, _, err) = output(ggzy(
        dir.path(),
        "sqlite://unused.db",
        None,
        &["keys", "complete", "--dir", empty.to_str().unwrap()],
    ));
    assert!(!ok && err.contains("ggzy keys init"), "{err}");
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
    // The node starts now and the platform records all five keys.
    let mut node = start(&dir.path().join("node"), &db, Some(&keys), false);
    ready(&mut node).await.expect("the node starts");
    let (rows, _) = recorded(&db);
    assert!(rows.iter().any(|r| r.purpose == "documents"), "{rows:?}");
    assert_eq!(rows.len(), 5);
}
