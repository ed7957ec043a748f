//! `ggzy database shell`: the platform operators' way into the database,
//! on the record.
//!
//! Before the opening, who bid is sealed from everyone through the API;
//! the database itself holds it, and the platform's operators run the
//! database. Their access is the one exception to the seal, so it is
//! recorded like every other action: the session's opening (with the
//! reason given, the operating-system account and the statement, if one
//! is given) is committed to the audit log before the client starts, and
//! its end (exit status, duration) after. The client is the database's
//! own: `sqlite3` for the embedded database, `psql` for PostgreSQL.

use crate::audit::{self, AuditContext};
use crate::db::schema::database_sessions;
use crate::db::{Db, to_db_time};
use anyhow::Context;
use diesel::prelude::*;
use std::process::Command;

/// Opens the database client on `url` (interactive, or running `sql` and
/// exiting), recording the session; returns the client's exit code.
pub fn run(db: &Db, url: &str, reason: &str, sql: Option<&str>) -> anyhow::Result<i32> {
    let reason = reason.trim();
    anyhow::ensure!(
        !reason.is_empty() && reason.chars().count() <= 500,
        "--reason must say why the database is opened (1 to 500 characters); it goes into the audit log"
    );
    let (kind, mut client) = client(url);
    if let Some(sql) = sql {
        match kind {
            // Unaligned, rows only: the same `a|b` lines sqlite3 prints.
            "postgresql" => client.args(["-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]),
            _ => client.arg(sql),
        };
    }
    let session = uuid::Uuid::new_v4().to_string();
    let os_user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let started = chrono::Utc::now();
    let opened = serde_json::json!({
        "reason": reason,
        "database": kind,
        "os_user": os_user,
        "statement": sql,
    });
    db.write_blocking(|conn| {
        diesel::insert_into(database_sessions::table)
            .values((
                database_sessions::id.eq(&session),
                database_sessions::opened_at.eq(to_db_time(started)),
                database_sessions::os_user.eq(&os_user),
                database_sessions::reason.eq(reason),
                database_sessions::statement.eq(sql),
            ))
            .execute(conn)?;
        let ctx = AuditContext::system(started);
        audit::record(
            conn,
            &ctx,
            "database.session.open",
            "database_session",
            &session,
            None,
            &opened,
        )
    })
    .map_err(|e| anyhow::anyhow!("recording the session: {e}"))?;
    let status = client
        .status()
        .with_context(|| format!("starting the {kind} client ({:?})", client.get_program()))?;
    let ended = chrono::Utc::now();
    let code = status.code().unwrap_or(-1);
    let closed = serde_json::json!({
        "exit_code": code,
        "seconds": (ended - started).num_milliseconds() as f64 / 1000.0,
    });
    db.write_blocking(|conn| {
        diesel::update(database_sessions::table.find(&session))
            .set((
                database_sessions::closed_at.eq(to_db_time(ended)),
                database_sessions::exit_code.eq(code),
            ))
            .execute(conn)?;
        let ctx = AuditContext::system(ended);
        audit::record(
            conn,
            &ctx,
            "database.session.close",
            "database_session",
            &session,
            None,
            &closed,
        )
    })
    .map_err(|e| anyhow::anyhow!("recording the session's end: {e}"))?;
    Ok(code)
}

/// The database's own client for `url`.
fn client(url: &str) -> (&'static str, Command) {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut command = Command::new("psql");
        command.arg(url);
        ("postgresql", command)
    } else {
        let mut command = Command::new("sqlite3");
        command.arg(url.strip_prefix("sqlite://").unwrap_or(url));
        ("sqlite", command)
    }
}

/// The sessions opened so far, oldest first, one line each: id, opened,
/// closed (or "open"), exit code, operating-system account, reason.
pub fn list(db: &Db) -> anyhow::Result<Vec<String>> {
    type Row = (
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
        Option<i32>,
        String,
        String,
    );
    let rows: Vec<Row> = db
        .write_blocking(|conn| {
            Ok(database_sessions::table
                .order(database_sessions::opened_at)
                .select((
                    database_sessions::id,
                    database_sessions::opened_at,
                    database_sessions::closed_at,
                    database_sessions::exit_code,
                    database_sessions::os_user,
                    database_sessions::reason,
                ))
                .load(conn)?)
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(rows
        .into_iter()
        .map(|(id, opened, closed, code, user, reason)| {
            format!(
                "{id}\t{}Z\t{}\t{}\t{user}\t{reason}",
                opened.format("%Y-%m-%dT%H:%M:%S"),
                closed.map_or("open".into(), |c| format!(
                    "{}Z",
                    c.format("%Y-%m-%dT%H:%M:%S")
                )),
                code.map_or("-".into(), |c| c.to_string()),
            )
        })
        .collect())
}
