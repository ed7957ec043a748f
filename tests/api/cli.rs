//! The `ggzy` binary as an administrator uses it.

use crate::helpers::{Reply, test_database};
use std::process::Command;

fn ggzy(data_dir: &std::path::Path, db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args(args)
        .env("GGZY_DATA_DIR", data_dir)
        .env("DATABASE_URL", db)
        .env("GGZY_LOG", "warn")
        .output()
        .expect("run ggzy")
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--demo-data",
            "false",
        ])
        .env("GGZY_DATA_DIR", dir.path())
        .env("DATABASE_URL", &db)
        .env("GGZY_LOG", "warn")
        .spawn()
        .unwrap();
    let client = awc::Client::default();
    let mut reply = None;
    for _ in 0..100 {
        if let Ok(mut r) = client
            .get(format!("http://127.0.0.1:{port}/api/v1/me"))
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
