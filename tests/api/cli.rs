//! The `ggzy` binary as an administrator uses it.

use crate::helpers::{Reply, test_database};
use std::process::Command;

/// `ggzy` with `args` on `data_dir` and the database `db`, not yet run.
fn ggzy_command(data_dir: &std::path::Path, db: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ggzy"));
    command
        .args(args)
        .env("GGZY_DATA_DIR", data_dir)
        .env("DATABASE_URL", db)
        .env("GGZY_LOG", "warn");
    command
}

fn ggzy(data_dir: &std::path::Path, db: &str, args: &[&str]) -> std::process::Output {
    ggzy_command(data_dir, db, args).output().expect("run ggzy")
}

/// `ggzy` with `args`, which must succeed (else its standard error is shown).
fn ggzy_ok(data_dir: &std::path::Path, db: &str, args: &[&str]) -> std::process::Output {
    let out = ggzy(data_dir, db, args);
    assert!(
        out.status.success(),
        "ggzy {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[actix_web::test]
async fn migrate_users_add_and_the_token_works_against_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    let out = ggzy(dir.path(), &db, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ggzy(
        dir.path(),
        &db,
        &[
            "leagues",
            "add",
            "--code",
            "NNG",
            "--name",
            "南宁",
            "--name-en",
            "Nanning",
            "--parent-region",
            "GX",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ggzy(
        dir.path(),
        &db,
        &[
            "users",
            "add",
            "--name",
            "李四",
            "--role",
            "tenderer",
            "--league",
            "NNG",
            "--org",
            "南宁市教育局",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("ggzy_") && token.len() == 69, "{token}");
    // Refusals: an unknown league and an unknown role.
    let out = ggzy(
        dir.path(),
        &db,
        &[
            "users", "add", "--name", "x", "--role", "tenderer", "--league", "XXX",
        ],
    );
    assert!(!out.status.success());
    let out = ggzy(
        dir.path(),
        &db,
        &["users", "add", "--name", "x", "--role", "admin"],
    );
    assert!(!out.status.success());

    // Serve the same database and use the token.
    let mut command = Command::new(env!("CARGO_BIN_EXE_ggzy"));
    command
        .args(["serve", "--demo-data", "false"])
        .env("GGZY_DATA_DIR", dir.path())
        .env("DATABASE_URL", &db)
        .env("GGZY_LOG", "warn");
    let (mut server, address) = crate::helpers::spawn_on_any_port(command);
    let base = crate::helpers::printed_address(&mut server, &address)
        .await
        .expect("the server listens");
    let client = awc::Client::default();
    let mut reply = None;
    // A first start makes the platform's keys (RSA key generation: seconds,
    // more on a loaded machine).
    for _ in 0..600 {
        if let Ok(mut r) = client
            .get(format!("{base}/api/v1/me"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
            .await
        {
            let body = r.body().await.unwrap().to_vec();
            reply = Some(Reply {
                status: r.status().as_u16(),
                headers: r.headers().clone(),
                body,
            });
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    let reply = reply.expect("the server answered");
    assert_eq!(reply.status, 200);
    let me = reply.json();
    assert_eq!(me["name"], "李四");
    assert_eq!(me["roles"], serde_json::json!(["tenderer"]));
}

fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args(args)
        .env("GGZY_DATA_DIR", dir)
        .env("GGZY_LOG", "warn")
        .output()
        .expect("run ggzy")
}

/// `openssl verify` in `dir`: whether it accepts, and what it said.
fn openssl_verify(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .arg("verify")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[test]
fn pki_demo_writes_a_fabric_that_openssl_and_ggzy_read() {
    use ggzy::pki::demo::{DemoKind, Manifest};
    use ggzy::pki::identity::{CertIdentity, identity_of};

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let out_str = out.to_str().unwrap();
    let done = run(tmp.path(), &["pki", "demo", "--out", out_str]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stderr).contains("NOT FOR PRODUCTION"));
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(
        manifest
            .notice
            .starts_with("DEMO MATERIAL — NOT FOR PRODUCTION")
    );
    assert_eq!(manifest.leagues, ["GX", "NNG", "LZH"]);

    for league in &manifest.leagues {
        let of = |kind: DemoKind, revoked: bool| {
            manifest
                .certificates
                .iter()
                .find(|c| &c.league == league && c.kind == kind && c.revoked == revoked)
                .unwrap_or_else(|| panic!("{league}: no {kind:?}"))
        };
        let root = &of(DemoKind::RootCa, false).cert;
        let ca = of(DemoKind::EnterpriseCa, false);
        let crl = ca.issues_crl.as_deref().unwrap();
        let good = &of(DemoKind::Enterprise, false).cert;
        let revoked = of(DemoKind::Enterprise, true);
        assert_eq!(revoked.crl.as_deref(), Some(crl));

        let (ok, said) = openssl_verify(&out, &["-CAfile", root, "-untrusted", &ca.cert, good]);
        assert!(ok, "{said}");
        let with_crl = |leaf: &str| {
            openssl_verify(
                &out,
                &[
                    "-crl_check",
                    "-CAfile",
                    root,
                    "-untrusted",
                    &ca.cert,
                    "-CRLfile",
                    crl,
                    leaf,
                ],
            )
        };
        let (ok, said) = with_crl(good);
        assert!(ok, "{said}");
        let (ok, said) = with_crl(&revoked.cert);
        assert!(!ok && said.contains("certificate revoked"), "{said}");
        // Without the CRL, openssl has no reason to refuse it.
        let (ok, said) = openssl_verify(
            &out,
            &["-CAfile", root, "-untrusted", &ca.cert, &revoked.cert],
        );
        assert!(ok, "{said}");
        // People under the personal CA.
        let personal = &of(DemoKind::PersonalCa, false).cert;
        for kind in [DemoKind::Expert, DemoKind::Supervisor] {
            let (ok, said) = openssl_verify(
                &out,
                &[
                    "-CAfile",
                    root,
                    "-untrusted",
                    personal,
                    &of(kind, false).cert,
                ],
            );
            assert!(ok, "{said}");
        }
    }

    // ggzy reads back the identities the manifest lists.
    let mut read = 0;
    for c in &manifest.certificates {
        let pem = std::fs::read(out.join(&c.cert)).unwrap();
        let der = openssl::x509::X509::from_pem(&pem)
            .unwrap()
            .to_der()
            .unwrap();
        match identity_of(&der) {
            Ok(CertIdentity::Enterprise { credit_code, .. }) => {
                assert_eq!(Some(credit_code.as_str()), c.credit_code.as_deref());
                read += 1;
            }
            Ok(CertIdentity::Person { id_number, .. }) => {
                assert_eq!(Some(id_number.as_str()), c.id_number.as_deref());
                read += 1;
            }
            Err(_) => assert!(c.credit_code.is_none() && c.id_number.is_none()),
        }
    }
    assert_eq!(
        read,
        manifest
            .certificates
            .iter()
            .filter(|c| c.credit_code.is_some() || c.id_number.is_some())
            .count()
    );
    assert!(read >= 3 * 4);

    // A seal per enterprise whose certificate is not revoked, DER that
    // openssl reads and ggzy parses, naming its owner.
    let sealed = manifest
        .certificates
        .iter()
        .filter(|c| c.kind == DemoKind::Enterprise && !c.revoked)
        .count();
    assert_eq!(manifest.seals.len(), sealed);
    for seal in &manifest.seals {
        let out_dir = out.to_str().unwrap();
        let parsed = std::process::Command::new("openssl")
            .args(["asn1parse", "-inform", "DER", "-noout", "-in", &seal.path])
            .current_dir(out_dir)
            .output()
            .unwrap();
        assert!(parsed.status.success(), "{}", seal.path);
        let details = ggzy::seals::parse_seal(&std::fs::read(out.join(&seal.path)).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", seal.path));
        assert_eq!(
            details.credit_code.as_deref(),
            Some(seal.credit_code.as_str())
        );
        assert_eq!(details.owner_name.as_deref(), Some(seal.owner.as_str()));
    }

    // A non-empty directory is refused without --force, replaced with it.
    let again = run(
        tmp.path(),
        &["pki", "demo", "--out", out_str, "--leagues", "GX"],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let forced = run(
        tmp.path(),
        &[
            "pki",
            "demo",
            "--out",
            out_str,
            "--leagues",
            "GX",
            "--force",
        ],
    );
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    // An unknown league is refused.
    let unknown = run(
        tmp.path(),
        &[
            "pki",
            "demo",
            "--out",
            out_str,
            "--leagues",
            "XX",
            "--force",
        ],
    );
    assert!(!unknown.status.success());
}

/// Serves one file over HTTP on loopback, for every request, in a thread.
fn serve_file(body: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/enterprise-ca.crl",
        listener.local_addr().unwrap().port()
    );
    let handle = std::thread::spawn(move || {
        // One request is all the test makes.
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (url, handle)
}

#[actix_web::test]
async fn the_trust_registry_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    let fabric_dir = tempfile::tempdir().unwrap();
    let nng = crate::fabric::League::new(fabric_dir.path(), "NNG");
    let run = |args: &[&str]| {
        let out = ggzy(dir.path(), &db, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run(&[
        "leagues",
        "add",
        "--code",
        "NNG",
        "--name",
        "南宁",
        "--name-en",
        "Nanning",
        "--parent-region",
        "GX",
    ]);
    run(&[
        "leagues",
        "add",
        "--code",
        "LZH",
        "--name",
        "柳州",
        "--name-en",
        "Liuzhou",
        "--parent-region",
        "GX",
    ]);
    // The CRL is published at a URL the CA's registration names.
    nng.crl("enterprise-ca");
    let crl_der = crate::fabric::openssl(
        &nng.dir,
        &["crl", "-in", "enterprise-ca.crl", "-outform", "DER"],
    );
    let (url, server) = serve_file(crl_der);
    let root = nng.path("root.pem");
    let ca = nng.path("enterprise-ca.pem");
    let out = run(&[
        "trust",
        "import",
        "--league",
        "NNG",
        "--type",
        "enterprise_ca",
        &root,
    ]);
    assert_eq!(out.lines().count(), 1, "{out}");
    let out = run(&[
        "trust",
        "import",
        "--league",
        "NNG",
        "--type",
        "enterprise_ca",
        "--crl-url",
        &url,
        &ca,
    ]);
    let ca_id = out.split('\t').next().unwrap().to_string();
    // The platform's staff CA: `--type staff_ca` and no league, audited
    // like the other imports; never a league's, and every other type
    // needs a league.
    let staff = crate::fabric::League::new(fabric_dir.path(), "STAFF");
    let staff_root = staff.path("root.pem");
    let out = run(&["trust", "import", "--type", "staff_ca", &staff_root]);
    assert!(out.contains("\t-\tstaff_ca\t"), "{out}");
    let staff_id = out.split('\t').next().unwrap().to_string();
    for refused in [
        &[
            "trust",
            "import",
            "--league",
            "NNG",
            "--type",
            "staff_ca",
            &staff_root,
        ][..],
        &["trust", "import", "--type", "personal_ca", &staff_root][..],
    ] {
        let out = ggzy(dir.path(), &db, refused);
        assert!(!out.status.success(), "{refused:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("league"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let audited = run(&[
        "database",
        "shell",
        "--reason",
        "核对工作人员 CA 的登记",
        "--command",
        &format!(
            "SELECT count(*) FROM audit_events WHERE action = 'trust.service.register' \
             AND object_id = '{staff_id}' AND actor_id IS NULL"
        ),
    ]);
    assert_eq!(audited.trim(), "1", "{audited}");
    let listed = run(&["trust", "list", "--league", "NNG"]);
    assert!(listed.contains("granted"), "{listed}");
    let fetched = run(&["trust", "fetch-crls", "--timeout", "10"]);
    assert!(fetched.contains("0 revoked"), "{fetched}");
    server.join().unwrap();
    let out = run(&[
        "trust",
        "recognise",
        "--league",
        "LZH",
        "--recognises",
        "NNG",
        "--type",
        "enterprise_ca",
    ]);
    assert!(out.contains("LZH recognises NNG enterprise_ca"), "{out}");
    let out = run(&["trust", "suspend", &ca_id, "--reason", "审计"]);
    assert!(out.contains("suspended"), "{out}");
    let out = run(&["trust", "withdraw", &ca_id, "--reason", "停用"]);
    assert!(out.contains("withdrawn"), "{out}");
    // A person signing in by certificate needs a league.
    let id = crate::trust::resident("45010219800101123");
    let out = ggzy(
        dir.path(),
        &db,
        &[
            "users",
            "add",
            "--name",
            "张三",
            "--role",
            "expert",
            "--id-number",
            &id,
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("league"));
    run(&[
        "users",
        "add",
        "--name",
        "张三",
        "--role",
        "expert",
        "--id-number",
        &id,
        "--league",
        "NNG",
    ]);
    // A withdrawal is final; bad files are refused with a message.
    let out = ggzy(
        dir.path(),
        &db,
        &["trust", "reinstate", &ca_id, "--reason", "x"],
    );
    assert!(!out.status.success());
    std::fs::write(dir.path().join("junk.pem"), "junk").unwrap();
    let junk = dir.path().join("junk.pem").display().to_string();
    let out = ggzy(
        dir.path(),
        &db,
        &[
            "trust",
            "import",
            "--league",
            "NNG",
            "--type",
            "personal_ca",
            &junk,
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("certificate"));
}

/// The platform operators' way into the database is on the record: the
/// session and its reason are committed to the audit log before the
/// client runs, its end after; a session without a reason is refused and
/// opens nothing.
#[actix_web::test]
async fn a_database_session_is_recorded_before_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    ggzy_ok(dir.path(), &db, &["migrate"]);
    let refused = ggzy(
        dir.path(),
        &db,
        &[
            "database",
            "shell",
            "--reason",
            "  ",
            "--command",
            "SELECT 1",
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--reason"));
    // The statement sees its own session's opening already committed.
    let out = ggzy_ok(
        dir.path(),
        &db,
        &[
            "database",
            "shell",
            "--reason",
            "核对投标人数 (ticket 42)",
            "--command",
            "SELECT action || '/' || object_type FROM audit_events \
             WHERE action LIKE 'database.%' ORDER BY seq",
        ],
    );
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(
        seen.contains("database.session.open/database_session"),
        "{seen}"
    );
    assert!(!seen.contains("database.session.close"), "{seen}");
    // A failing statement is recorded with its exit code.
    let failed = ggzy(
        dir.path(),
        &db,
        &[
            "database",
            "shell",
            "--reason",
            "试错",
            "--command",
            "SELECT * FROM no_such_table",
        ],
    );
    assert!(!failed.status.success());
    let out = ggzy_ok(dir.path(), &db, &["database", "sessions"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    let first: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(first[3], "0", "{listed}");
    assert_eq!(first[5], "核对投标人数 (ticket 42)");
    let second: Vec<&str> = lines[1].split('\t').collect();
    assert_ne!(second[3], "0", "{listed}");
    assert_ne!(second[2], "open", "{listed}");
    // Two sessions, each opened and closed, in the record.
    let out = ggzy(
        dir.path(),
        &db,
        &[
            "database",
            "shell",
            "--reason",
            "count",
            "--command",
            "SELECT count(*) FROM audit_events WHERE action LIKE 'database.session.%'",
        ],
    );
    // (this third session's opening included)
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "5");
}

/// Nodes of one platform (one key set, made with `ggzy keys init`) starting
/// together on an empty PostgreSQL database take turns at the migrations,
/// the demo data and recording the platform's keys (advisory locks): every
/// one of them starts and answers, and the demo data is there once.
/// (Several nodes share PostgreSQL only; on SQLite one process owns the
/// database, and this test has nothing to run.)
#[actix_web::test]
async fn nodes_starting_together_on_an_empty_database_all_start() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    if !db.starts_with("postgres") {
        return;
    }
    let keys = dir.path().join("platform-keys");
    let init = Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args(["keys", "init", "--dir", keys.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let (mut nodes, addresses): (Vec<_>, Vec<_>) = (0..3)
        .map(|i| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_ggzy"));
            command
                .arg("serve")
                .env("GGZY_DATA_DIR", dir.path().join(format!("node{i}")))
                .env("GGZY_KEYS_DIR", &keys)
                .env("DATABASE_URL", &db)
                .env("GGZY_LOG", "warn")
                .stderr(std::process::Stdio::piped());
            crate::helpers::spawn_on_any_port(command)
        })
        .unzip();
    let mut bases: Vec<Option<String>> = vec![None; nodes.len()];
    let client = awc::Client::default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut ready = vec![false; nodes.len()];
    while ready.iter().any(|r| !r) && std::time::Instant::now() < deadline {
        for i in 0..nodes.len() {
            if ready[i] {
                continue;
            }
            if let Some(status) = nodes[i].try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                nodes[i]
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .ok();
                for node in &mut nodes {
                    let _ = node.kill();
                }
                panic!("node {i} stopped ({status}) while starting: {err}");
            }
            if bases[i].is_none() {
                bases[i] = addresses[i].try_recv().ok();
            }
            let Some(base) = &bases[i] else { continue };
            ready[i] = client
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // (No address: the node never listened, and `ready` says so below.)
    let listed: Option<serde_json::Value> = match &bases[0] {
        Some(base) => match client.get(format!("{base}/api/v1/leagues")).send().await {
            Ok(mut r) => r.json().await.ok(),
            Err(_) => None,
        },
        None => None,
    };
    for node in &mut nodes {
        let _ = node.kill();
        let _ = node.wait();
    }
    assert!(ready.iter().all(|r| *r), "nodes ready: {ready:?}");
    let leagues = listed.expect("the leagues");
    let codes: Vec<&str> = leagues
        .as_array()
        .or_else(|| leagues["items"].as_array())
        .expect("a list of leagues")
        .iter()
        .filter_map(|l| l["code"].as_str())
        .collect();
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert!(
        !codes.is_empty() && unique.len() == codes.len(),
        "{codes:?}"
    );
}

/// Administrators' commands write the database a running server writes:
/// twelve `ggzy users add` at once on one database all succeed. On SQLite
/// a write that began as a read failed at once with "database is locked"
/// when another process had written meanwhile (WAL does not wait to make
/// a reader a writer), so most of them failed before writes began with
/// `BEGIN IMMEDIATE` (`db::Db::write_blocking`).
#[test]
fn administrators_writing_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _cleanup) = test_database(dir.path());
    ggzy_ok(dir.path(), &db, &["migrate"]);
    ggzy_ok(
        dir.path(),
        &db,
        &[
            "leagues",
            "add",
            "--code",
            "NNG",
            "--name",
            "南宁",
            "--name-en",
            "Nanning",
            "--parent-region",
            "GX",
        ],
    );
    let children: Vec<_> = (0..12)
        .map(|i| {
            let name = format!("专家{i}");
            ggzy_command(
                dir.path(),
                &db,
                &[
                    "users", "add", "--name", &name, "--role", "expert", "--league", "NNG",
                ],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run ggzy")
        })
        .collect();
    let failed: Vec<String> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait for ggzy"))
        .filter(|out| !out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stderr).into_owned())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 12 failed: {failed:?}",
        failed.len()
    );
    let listed = ggzy_ok(dir.path(), &db, &["users", "list", "--league", "NNG"]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    for i in 0..12 {
        assert!(listed.contains(&format!("专家{i}")), "专家{i} in {listed}");
    }
}
