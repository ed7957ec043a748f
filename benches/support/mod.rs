//! What the benchmarks share: the database they run on.

use diesel::{Connection, PgConnection, RunQueryDsl};
use std::path::Path;

/// For the benches of several nodes, which share PostgreSQL only: the
/// server their fresh database is made on is `GGZY_BENCH_DATABASE_URL`, or
/// the local one (`postgres://postgres@127.0.0.1:5432/postgres`). Call it
/// first in `main`, before any thread starts.
#[allow(dead_code)] // the single-node benches default to SQLite
pub fn postgres_unless_told() {
    if std::env::var("GGZY_BENCH_DATABASE_URL").is_err() {
        // SAFETY: called before any other thread of this process starts.
        unsafe {
            std::env::set_var(
                "GGZY_BENCH_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/postgres",
            )
        };
    }
}

/// SQLite in the bench's folder, or, with
/// `GGZY_BENCH_DATABASE_URL=postgres://…/postgres`, a fresh PostgreSQL
/// database made through that one and dropped when this is.
pub struct BenchDatabase {
    pub url: String,
    made: Option<(String, String)>,
}

impl BenchDatabase {
    pub fn new(dir: &Path, prefix: &str) -> BenchDatabase {
        match std::env::var("GGZY_BENCH_DATABASE_URL") {
            Ok(admin) if !admin.is_empty() => {
                let name = format!("{prefix}_{}", std::process::id());
                let mut conn = PgConnection::establish(&admin).expect("PostgreSQL");
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(&mut conn)
                    .expect("drop");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create");
                let (base, _) = admin.rsplit_once('/').expect("a database URL");
                BenchDatabase {
                    url: format!("{base}/{name}"),
                    made: Some((admin.clone(), name)),
                }
            }
            _ => BenchDatabase {
                url: format!("sqlite://{}", dir.join("bench.db").display()),
                made: None,
            },
        }
    }

    /// Which database, for the report.
    pub fn backend(&self) -> &'static str {
        if self.made.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.made
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}
