//! The test harness: `spawn_app()` starts the real server on a free
//! loopback port with its own database (a fresh SQLite file, or a fresh
//! PostgreSQL database when GGZY_TEST_DATABASE_URL names a server) and its
//! own data folder. Tests speak HTTP to it with a real client.

use awc::Client;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use ggzy::audit::AuditContext;
use ggzy::clock::{Clock, OffsetClock};
use ggzy::config::ConfigArgs;
use ggzy::db::Db;
use ggzy::identity::Role;
use ggzy::identity::store::{NewUser, create_user, find_or_create_organisation};
use ggzy::types::{LeagueCode, OrganisationId};
use serde_json::{Value, json};
use std::sync::Arc;

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub clock: Arc<OffsetClock>,
    pub db: Db,
    /// The server's hall (its hub is shared with the server's).
    pub hall: ggzy::hall::Hall,
    /// The server's evaluation rooms (hub and states shared).
    pub rooms: ggzy::evaluation::Rooms,
    pub data_dir: tempfile::TempDir,
    _database: Option<DropDatabase>,
    args: ConfigArgs,
    live: Option<ggzy::hall::LiveSettings>,
    server: actix_web::dev::ServerHandle,
    background: Vec<tokio::task::AbortHandle>,
}

/// Drops a per-test PostgreSQL database when the test ends.
pub struct DropDatabase {
    admin: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

#[derive(Default)]
pub struct Options {
    pub demo_data: bool,
    pub max_document_bytes: Option<u64>,
    pub max_json_bytes: Option<usize>,
    /// Serve HTTPS with this certificate and key (PEM files).
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// Believe client certificates forwarded by these addresses.
    pub trusted_proxies: Option<String>,
    pub session_minutes: Option<u32>,
    /// Live-socket settings (queue size, heartbeat) instead of the defaults.
    pub hall: Option<ggzy::hall::LiveSettings>,
}

/// Replaces the database name at the end of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..cut], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A PostgreSQL database with every migration applied, made once for the
/// migrations as they are (its name carries their digest) and copied for
/// each test (`CREATE DATABASE … TEMPLATE`): a copy is a file copy, where
/// migrating each test's database anew took seconds. The server under test
/// still runs its migrations at start, and finds none pending. Templates of
/// other migrations (an older checkout's) are dropped when a new one is made.
fn migrated_template(admin: &str) -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
        let mut files = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("read migrations/postgres") {
                let path = entry.expect("a migration file").path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut all = Vec::new();
        for f in &files {
            all.extend_from_slice(f.strip_prefix(&dir).unwrap().to_string_lossy().as_bytes());
            all.push(0);
            all.extend(std::fs::read(f).expect("read a migration"));
            all.push(0);
        }
        let digest: String = openssl::sha::sha256(&all)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("ggzy_test_template_{digest}");
        let mut conn =
            PgConnection::establish(admin).expect("connect to the PostgreSQL admin database");
        // Test processes started together make it once: the first takes the
        // lock and makes it, the others wait and find it made.
        diesel::sql_query("SELECT pg_advisory_lock(7020611)")
            .execute(&mut conn)
            .expect("lock the test template");
        #[derive(diesel::QueryableByName)]
        struct Named {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let existing: Vec<Named> = diesel::sql_query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'ggzy\\_test\\_template\\_%'",
        )
        .load(&mut conn)
        .expect("list test templates");
        if !existing.iter().any(|d| d.datname == name) {
            for old in &existing {
                let _ = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    old.datname
                ))
                .execute(&mut conn);
            }
            let making = format!("{name}_making");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {making} WITH (FORCE)"))
                .execute(&mut conn)
                .expect("drop a half-made template");
            diesel::sql_query(format!("CREATE DATABASE {making}"))
                .execute(&mut conn)
                .expect("create the test template");
            {
                let db = Db::connect(&with_database(admin, &making), 1)
                    .expect("connect to the template");
                db.migrate().expect("migrate the test template");
            }
            // Published whole, under its name, once migrated (and no longer
            // connected to: a template is copied only when nobody is).
            diesel::sql_query(format!("ALTER DATABASE {making} RENAME TO {name}"))
                .execute(&mut conn)
                .expect("name the test template");
        }
        diesel::sql_query("SELECT pg_advisory_unlock(7020611)")
            .execute(&mut conn)
            .expect("unlock the test template");
        name
    })
}

pub fn test_database(dir: &std::path::Path) -> (String, Option<DropDatabase>) {
    // OpenSSL set up by us before the PostgreSQL client does (see
    // `ggzy::startup::prepare`).
    openssl::init();
    match std::env::var("GGZY_TEST_DATABASE_URL") {
        Ok(admin) if admin.starts_with("postgres") => {
            let name = format!("ggzy_test_{}", uuid::Uuid::new_v4().simple());
            let template = migrated_template(&admin);
            let mut conn =
                PgConnection::establish(&admin).expect("connect to the PostgreSQL admin database");
            diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut conn)
                .expect("create test database");
            // A test's commits need not wait for the disk: nothing here
            // survives the test, and the server under test is never asked to
            // outlive a crash of PostgreSQL itself.
            diesel::sql_query(format!(
                "ALTER DATABASE {name} SET synchronous_commit = off"
            ))
            .execute(&mut conn)
            .expect("set up test database");
            (
                with_database(&admin, &name),
                Some(DropDatabase { admin, name }),
            )
        }
        _ => (format!("sqlite://{}", dir.join("ggzy.db").display()), None),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (database_url, database) = test_database(data_dir.path());
    let args = ConfigArgs {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(database_url.clone()),
        data_dir: Some(data_dir.path().to_path_buf()),
        demo_data: Some(options.demo_data),
        db_pool_size: Some(4),
        max_document_bytes: options.max_document_bytes,
        max_json_bytes: options.max_json_bytes,
        tls_cert: options.tls.as_ref().map(|t| t.0.clone()),
        tls_key: options.tls.as_ref().map(|t| t.1.clone()),
        trusted_proxies: options.trusted_proxies.clone(),
        session_minutes: options.session_minutes,
        log_filter: Some(std::env::var("GGZY_TEST_LOG").unwrap_or_else(|_| "warn".into())),
        ..Default::default()
    };
    let clock = Arc::new(OffsetClock::default());
    let scheme = if options.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let (base, db, (server, background), hall, rooms) =
        start(&args, clock.clone(), scheme, options.hall);
    let client = test_client();
    TestApp {
        base,
        client,
        clock,
        db,
        hall,
        rooms,
        data_dir,
        _database: database,
        args,
        live: options.hall,
        server,
        background,
    }
}

/// Prepares and starts a server on `args`; returns its base URL.
fn start(
    args: &ConfigArgs,
    clock: Arc<OffsetClock>,
    scheme: &str,
    hall: Option<ggzy::hall::LiveSettings>,
) -> (
    String,
    Db,
    (actix_web::dev::ServerHandle, Vec<tokio::task::AbortHandle>),
    ggzy::hall::Hall,
    ggzy::evaluation::Rooms,
) {
    let config = args.resolve().expect("test configuration");
    ggzy::telemetry::init(&config);
    let mut state = ggzy::startup::prepare(config, clock).expect("prepare the app");
    if let Some(settings) = hall {
        state.hall = ggzy::hall::Hall::new(settings);
        state.rooms = ggzy::evaluation::Rooms::new(settings);
    }
    // The audit log's sequencer runs often, so tests wait little for it.
    if let Some(log) = Arc::get_mut(&mut state.audit_log) {
        log.interval = std::time::Duration::from_millis(100);
    }
    // Open supervision feeds check their credential often, so tests see a
    // signed-out feed end quickly.
    state.supervision_feed.recheck = std::time::Duration::from_millis(300);
    let db = state.db.clone();
    let hall = state.hall.clone();
    let rooms = state.rooms.clone();
    let app = ggzy::startup::Application::build(state).expect("build the app");
    let base = format!("{scheme}://127.0.0.1:{}", app.port());
    let handle = (app.handle(), app.background());
    actix_web::rt::spawn(app.run());
    (base, db, handle, hall, rooms)
}

impl TestApp {
    /// Kills the server (connections dropped, nothing shut down cleanly)
    /// and starts a new one on the same data folder and database, as a
    /// crash and restart would.
    pub async fn crash_and_restart(&mut self) {
        self.server.stop(false).await;
        // A crash ends the process's background tasks too (the audit log's
        // sequencer would otherwise write beside the new server's).
        for task in &self.background {
            task.abort();
        }
        let scheme = if self.base.starts_with("https") {
            "https"
        } else {
            "http"
        };
        let (base, db, (server, background), hall, rooms) =
            start(&self.args, self.clock.clone(), scheme, self.live);
        self.base = base;
        self.db = db;
        self.hall = hall;
        self.rooms = rooms;
        self.background = background;
        self.server = server;
    }
}

impl TestApp {
    /// Starts a second node of the same platform in this process: its own
    /// data folder (its SQLite file unused, its keys a copy of this node's,
    /// as every node gets the platform's keys), this node's database and
    /// clock, and this node's data folder as the shared folder
    /// (`GGZY_SHARED_DIR`), which is where this node keeps its files by
    /// default. It sweeps as any node does when it starts.
    pub async fn second_node(&self) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        copy_dir(
            &self.data_dir.path().join("keys"),
            &data_dir.path().join("keys"),
        );
        let args = ConfigArgs {
            data_dir: Some(data_dir.path().to_path_buf()),
            shared_dir: Some(
                self.args
                    .shared_dir
                    .clone()
                    .unwrap_or_else(|| self.data_dir.path().to_path_buf()),
            ),
            demo_data: Some(false),
            ..self.args.clone()
        };
        let (base, db, (server, background), hall, rooms) =
            start(&args, self.clock.clone(), "http", self.live);
        TestApp {
            base,
            client: test_client(),
            clock: self.clock.clone(),
            db,
            hall,
            rooms,
            data_dir,
            _database: None,
            args,
            live: self.live,
            server,
            background,
        }
    }

    /// Stops the in-process server and its background tasks (as a stop
    /// would), leaving its data folder and database for another server.
    pub async fn stop(&mut self) {
        self.server.stop(false).await;
        for task in &self.background {
            task.abort();
        }
    }

    /// The database this server uses, for another process to use.
    pub fn database_url(&self) -> String {
        self.args.database_url.clone().unwrap_or_default()
    }
}

/// The tests' HTTP client. It keeps an idle connection for less time than
/// the server does (actix-web closes one after 5 s): a test slowed by a
/// loaded machine (openssl making an envelope between two requests) must
/// not send its next request on a connection the server has just closed,
/// which fails as `Connect(Disconnected)` instead of being answered.
pub fn test_client() -> Client {
    Client::builder()
        .connector(awc::Connector::new().conn_keep_alive(std::time::Duration::from_secs(2)))
        .timeout(std::time::Duration::from_secs(60))
        .finish()
}

/// Copies the files of folder `from` into `to` (one level).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder").flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy file");
        }
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Asserts the status, showing the body when it is another.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Reply {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    /// Asserts an RFC 9457 problem with the given status and code.
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        let body = String::from_utf8_lossy(&self.body).to_string();
        assert_eq!(self.status, status, "status; body: {body}");
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "content type; body: {body}"
        );
        let p = self.json();
        assert_eq!(p["code"], json!(code), "problem code; body: {body}");
        assert_eq!(p["type"], json!(format!("/problems/{code}")));
        assert_eq!(p["status"], json!(status));
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(
            p["detail"].as_str().is_some_and(|t| !t.is_empty()),
            "a human explanation"
        );
        p
    }

    /// As [`Self::assert_problem`], and the refusal says why with `reason`,
    /// whose params are as the catalogue lists them; returns the params.
    pub fn assert_refusal(&self, status: u16, code: &str, reason: &str) -> Value {
        let p = self.assert_problem(status, code);
        assert_eq!(p["reason"], json!(reason), "reason; problem: {p:#}");
        assert!(
            ggzy::reasons::matches(ggzy::reasons::REASONS, reason, &p["params"]),
            "{reason} with params {} is not as reasons::REASONS lists it",
            p["params"]
        );
        p["params"].clone()
    }

    /// The one field error of a 422 `validation-failed`, with its rule as
    /// the catalogue lists it: (field, params).
    pub fn assert_rule(&self, rule: &str) -> (String, Value) {
        let p = self.assert_problem(422, "validation-failed");
        let errors = p["errors"].as_array().expect("errors");
        let e = errors
            .iter()
            .find(|e| e["rule"] == json!(rule))
            .unwrap_or_else(|| panic!("no field error with rule {rule}: {p:#}"));
        assert!(
            ggzy::reasons::matches(ggzy::reasons::RULES, rule, &e["params"]),
            "{rule} with params {} is not as reasons::RULES lists it",
            e["params"]
        );
        (
            e["field"].as_str().unwrap_or_default().to_string(),
            e["params"].clone(),
        )
    }
}

/// The problem codes that say all there is to say: the connection layer
/// (src/http/wire.rs) writes them for a request it could not read (a
/// malformed head, a head too large, none in time), from the status alone,
/// before any route or extractor runs; the code's own explanation in the
/// portal's catalogue is the whole of why.
const SAID_BY_THEIR_CODE: &[&str] = &[
    "malformed-request",
    "request-timeout",
    "request-head-too-large",
];

/// Every refusal says why in a way the portal translates (issue 23): a 4xx
/// problem+json carries a `reason` that reasons::REASONS lists with the
/// params it has, and each field error of a 422 a `rule` that
/// reasons::RULES lists likewise (a field error's rule is its why; a 422
/// with fields needs no `reason` beside them). [`read`] checks every reply
/// the suite receives, so that a refusal without a reason fails the test
/// that meets it; a test that reads a reply by other means calls this
/// itself. The only exceptions are [`SAID_BY_THEIR_CODE`] (and a body the
/// client did not read).
#[track_caller]
pub fn assert_says_why(status: u16, content_type: Option<&str>, body: &[u8]) {
    if !(400..500).contains(&status) || content_type != Some("application/problem+json") {
        return;
    }
    if status == 426 && body.is_empty() {
        // awc skips the body of an answer with `Connection: upgrade`, which
        // actix adds to a 426; hall.rs reads one over a plain socket.
        return;
    }
    let text = String::from_utf8_lossy(body);
    let Ok(p) = serde_json::from_slice::<Value>(body) else {
        panic!("a {status} problem that is not JSON: {text}");
    };
    let code = p["code"].as_str().unwrap_or_default();
    if SAID_BY_THEIR_CODE.contains(&code) {
        return;
    }
    let errors = p["errors"].as_array().cloned().unwrap_or_default();
    for params in std::iter::once(&p["params"]).chain(errors.iter().map(|e| &e["params"])) {
        in_beijing_time(params, &text);
    }
    for e in &errors {
        let rule = e["rule"].as_str().unwrap_or_else(|| {
            panic!("a field error without a rule (say why: FieldError::because): {text}")
        });
        assert!(
            ggzy::reasons::matches(ggzy::reasons::RULES, rule, &e["params"]),
            "the rule {rule} with params {} is not as reasons::RULES lists it: {text}",
            e["params"]
        );
    }
    if errors.is_empty() || p.get("reason").is_some() {
        let reason = p["reason"].as_str().unwrap_or_else(|| {
            panic!("a refusal without a reason (say why: AppError::because): {text}")
        });
        assert!(
            ggzy::reasons::matches(ggzy::reasons::REASONS, reason, &p["params"]),
            "the reason {reason} with params {} is not as reasons::REASONS lists it: {text}",
            p["params"]
        );
        if let Some(what) = p["params"]["what"].as_str() {
            assert!(
                ggzy::reasons::THINGS.contains(&what),
                "{what:?} is not a thing reasons::THINGS lists (values.what): {text}"
            );
        }
    }
}

/// As [`assert_says_why`], for a WebSocket handshake the server refused
/// with an HTTP answer. (The client keeps of the answer's body only what
/// arrived with its head, which may be nothing: an empty body is not read.)
pub fn ws_refusal_says_why(e: &tokio_tungstenite::tungstenite::Error) {
    if let tokio_tungstenite::tungstenite::Error::Http(r) = e
        && r.body().as_ref().is_some_and(|b| !b.is_empty())
    {
        assert_says_why(
            r.status().as_u16(),
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            r.body().as_deref().unwrap_or_default(),
        );
    }
}

/// The instants a reason's params name are in Beijing time, the time
/// the procedure runs on (`reasons::time`), not in UTC.
#[track_caller]
fn in_beijing_time(params: &Value, problem: &str) {
    match params {
        Value::String(s) => {
            if let Ok(at) = DateTime::parse_from_rfc3339(s) {
                assert_eq!(
                    at.offset().local_minus_utc(),
                    8 * 3600,
                    "an instant in params not in Beijing time (reasons::time): {problem}"
                );
            }
        }
        Value::Array(items) => items.iter().for_each(|v| in_beijing_time(v, problem)),
        Value::Object(map) => map.values().for_each(|v| in_beijing_time(v, problem)),
        _ => {}
    }
}

/// Reads a response whole; a refusal must say why ([`assert_says_why`]).
pub async fn read(
    mut resp: awc::ClientResponse<
        impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
        + Unpin,
    >,
) -> Reply {
    let body = resp
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .expect("read body")
        .to_vec();
    let reply = Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body,
    };
    assert_says_why(
        reply.status,
        reply.header("content-type").as_deref(),
        &reply.body,
    );
    reply
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(0)
    }

    fn req(
        &self,
        method: awc::http::Method,
        path: &str,
        token: Option<&str>,
    ) -> awc::ClientRequest {
        let mut r = self.client.request(method, self.url(path));
        if let Some(t) = token {
            r = r.insert_header(("Authorization", format!("Bearer {t}")));
        }
        r
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        read(
            self.req(awc::http::Method::GET, path, token)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    /// GETs with an `Accept` header.
    pub async fn get_accepting(&self, path: &str, token: Option<&str>, accept: &str) -> Reply {
        read(
            self.req(awc::http::Method::GET, path, token)
                .insert_header(("Accept", accept))
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        read(
            self.req(awc::http::Method::POST, path, token)
                .send_json(body)
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        read(
            self.req(awc::http::Method::PUT, path, token)
                .send_json(body)
                .await
                .expect("PUT"),
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        read(
            self.req(awc::http::Method::DELETE, path, token)
                .send()
                .await
                .expect("DELETE"),
        )
        .await
    }

    /// Every message in the inbox of `token`'s user, newest first (the
    /// first hundred).
    pub async fn inbox(&self, token: &str) -> Vec<Value> {
        let reply = self
            .get("/api/v1/me/notifications?per_page=100", Some(token))
            .await;
        reply.assert_status(200);
        reply.json()["items"].as_array().unwrap().clone()
    }

    /// The inbox's messages of one kind, newest first.
    pub async fn inbox_of(&self, token: &str, kind: &str) -> Vec<Value> {
        self.inbox(token)
            .await
            .into_iter()
            .filter(|m| m["kind"] == kind)
            .collect()
    }

    /// The id of `token`'s user.
    pub async fn user_id_of(&self, token: &str) -> String {
        let me = self.get("/api/v1/me", Some(token)).await;
        me.assert_status(200);
        me.json()["user_id"].as_str().unwrap().to_string()
    }

    /// A supervisor's contribution to a tender's committee draw, which draws
    /// it: the seated experts' ids, in the order they were invited.
    pub async fn contribute(&self, tender: &str, supervisor: &str, text: &str) -> Vec<String> {
        let drawn = self
            .post_json(
                &format!("/api/v1/tenders/{tender}/committee/contribution"),
                Some(supervisor),
                &json!({ "contribution": text }),
            )
            .await;
        drawn.assert_status(200);
        drawn.json()["committee"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["expert"].as_str().unwrap().to_string())
            .collect()
    }

    /// The ids of the e-mails the platform wrote as `.eml` files (no SMTP
    /// server is configured in tests).
    pub fn eml_ids(&self) -> std::collections::BTreeSet<String> {
        std::fs::read_dir(self.data_dir.path().join("mail"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.strip_suffix(".eml").map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The e-mail of notification `id` (waits up to 10 s for the worker).
    pub async fn eml(&self, id: &str) -> String {
        let path = self.data_dir.path().join("mail").join(format!("{id}.eml"));
        for _ in 0..100 {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return text;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no e-mail written at {}", path.display());
    }

    /// The first e-mail written that is not among `seen`: (id, text).
    pub async fn next_eml(&self, seen: &std::collections::BTreeSet<String>) -> (String, String) {
        for _ in 0..100 {
            if let Some(id) = self.eml_ids().difference(seen).next() {
                let id = id.clone();
                let text = self.eml(&id).await;
                return (id, text);
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no new e-mail was written");
    }

    /// Sets `address` for `token`'s user and verifies it as a person would:
    /// with the link in the e-mail sent there (it is never in the inbox).
    /// Returns the verification message's id.
    pub async fn verified_address(&self, token: &str, address: &str) -> String {
        let seen = self.eml_ids();
        self.put_json(
            "/api/v1/me/email",
            Some(token),
            &json!({"address": address}),
        )
        .await
        .assert_status(202);
        let (id, mail) = self.next_eml(&seen).await;
        assert!(mail.contains(&format!("To: {address}")), "{mail}");
        let secret = token_in(&text_part(&mail));
        self.post_json(
            "/api/v1/email-verifications",
            None,
            &json!({"token": secret}),
        )
        .await
        .assert_status(200);
        id
    }

    /// POSTs raw bytes with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        self.post_raw_with(path, token, content_type, &[], body)
            .await
    }

    /// POSTs raw bytes with a content type and more headers.
    pub async fn post_raw_with(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let mut r = self
            .req(awc::http::Method::POST, path, token)
            .insert_header(("Content-Type", content_type));
        for (name, value) in headers {
            r = r.insert_header((*name, *value));
        }
        read(r.send_body(body).await.expect("POST raw")).await
    }

    /// Creates a user directly (as `ggzy users add` does) and returns its token.
    pub fn user(&self, name: &str, role: Role, league: &str, org: &str) -> String {
        self.user_with_org(name, role, league, org).0
    }

    pub fn user_with_org(
        &self,
        name: &str,
        role: Role,
        league: &str,
        org: &str,
    ) -> (String, OrganisationId) {
        let league_code = LeagueCode::parse(league).unwrap();
        let ctx = AuditContext::system(self.now());
        let org = self
            .db
            .write_blocking(|conn| find_or_create_organisation(conn, &ctx, &league_code, org, None))
            .expect("create organisation");
        (
            self.user_custom(name, &[role], league, Some(&org), None),
            org,
        )
    }

    /// Creates a user with any roles, organisation and token expiry, as
    /// `ggzy users add` does, and returns its token.
    pub fn user_custom(
        &self,
        name: &str,
        roles: &[Role],
        league: &str,
        org: Option<&OrganisationId>,
        valid_until: Option<DateTime<Utc>>,
    ) -> String {
        let league = LeagueCode::parse(league).unwrap();
        let ctx = AuditContext::system(self.now());
        self.db
            .write_blocking(|conn| {
                let new = NewUser {
                    name,
                    roles,
                    league: Some(&league),
                    organisation: org,
                };
                let (id, token) = create_user(conn, &ctx, &new, valid_until)?;
                // Accounts that may hold opening-key shares get the test
                // custodian certificate, as if they had signed in with it.
                if roles
                    .iter()
                    .any(|r| matches!(r, Role::Tenderer | Role::Agent | Role::Supervisor))
                {
                    let der = custody_identity().1.to_der().unwrap();
                    ggzy::opening::store::record_custody_certificate(conn, &id, &der, ctx.now)?;
                }
                Ok(token)
            })
            .expect("create user")
    }

    /// A working-day calendar the test controls, placed after the clock so
    /// that periods computed now and in a year's time alike fall on the
    /// same weekdays: a platform operator replaces every year from today to
    /// two months on with a single holiday, the Friday of a week (as New
    /// Year's Day 2027), and no make-up working days. Returns that week's
    /// Monday, at least 22 days from today (so a bid deadline on it leaves
    /// the 20 days' notice and a clarification deadline 17 days before it).
    /// A year the window touches without the holiday holds one outside the
    /// window instead (each year lists at least one).
    pub async fn holiday_week(&self) -> chrono::NaiveDate {
        use chrono::{Datelike, NaiveDate, Weekday};
        let today = ggzy::calendar::beijing_date(self.now());
        let mut monday = today + Duration::days(22);
        while monday.weekday() != Weekday::Mon {
            monday += Duration::days(1);
        }
        let holiday = monday + Duration::days(4);
        let last = monday + Duration::days(60);
        let outside = |d: NaiveDate| d < today || d > last;
        let operator = self.platform_operator("日历运营");
        for year in today.year()..=last.year() {
            let day = if holiday.year() == year {
                holiday
            } else {
                let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
                if outside(first) {
                    first
                } else {
                    NaiveDate::from_ymd_opt(year, 12, 31).unwrap()
                }
            };
            assert!(day == holiday || outside(day), "{day}");
            self.put_json(
                &format!("/api/v1/calendar/{year}"),
                Some(&operator),
                &json!({
                    "official": true,
                    "source": "测试日历：每年一个假日",
                    "days": [{"date": day.to_string(), "kind": "holiday", "name": "测试假日"}]
                }),
            )
            .await
            .assert_status(200);
        }
        monday
    }

    /// A platform operator: the `operator` role in an account of no league
    /// (as `ggzy users add --role operator` without `--league` makes one).
    pub fn platform_operator(&self, name: &str) -> String {
        let ctx = AuditContext::system(self.now());
        self.db
            .write_blocking(|conn| {
                let new = NewUser {
                    name,
                    roles: &[Role::Operator],
                    league: None,
                    organisation: None,
                };
                Ok(create_user(conn, &ctx, &new, None)?.1)
            })
            .expect("create platform operator")
    }

    /// Registers the leagues the tests use.
    pub fn leagues(&self) {
        let ctx = AuditContext::system(self.now());
        self.db
            .write_blocking(|conn| {
                for (code, name) in [
                    ("NNG", "南宁市公共资源交易中心"),
                    ("LZH", "柳州市公共资源交易中心"),
                ] {
                    ggzy::leagues::insert(
                        conn,
                        &ctx,
                        &ggzy::leagues::League {
                            code: LeagueCode::parse(code).unwrap(),
                            name: name.into(),
                            name_en: format!("{code} centre"),
                            parent_region: "GX".into(),
                        },
                    )?;
                }
                Ok(())
            })
            .expect("leagues");
    }

    /// Waits until the audit log's latest checkpoint covers every event
    /// recorded so far; returns its size.
    pub async fn wait_for_log(&self) -> u64 {
        let want = self.count("audit_events") as u64;
        for _ in 0..200 {
            let r = self.get("/api/v1/audit/log/checkpoint", None).await;
            if r.status == 200 {
                let note = String::from_utf8(r.body).unwrap();
                let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
                if size >= want {
                    return size;
                }
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the audit log did not reach {want} entries");
    }

    /// A supervisor with a scope: `kind` administrative (with a category),
    /// discipline or audit; `league` None for the whole region.
    pub fn supervisor(
        &self,
        name: &str,
        kind: &str,
        category: Option<&str>,
        league: Option<&str>,
    ) -> String {
        let token = self.user(name, Role::Supervisor, league.unwrap_or("NNG"), name);
        let ctx = AuditContext::system(self.now());
        let scope = ggzy::supervision::Scope {
            kind: ggzy::supervision::SupervisorKind::from_code(kind),
            category: category.and_then(ggzy::tenders::model::Category::from_code),
            league: league.map(|l| LeagueCode::parse(l).unwrap()),
        };
        let name = name.to_string();
        self.db
            .write_blocking(move |conn| {
                use diesel::prelude::*;
                use ggzy::db::schema::users;
                let id: String = users::table
                    .filter(users::name.eq(&name))
                    .select(users::id)
                    .first(conn)?;
                ggzy::supervision::set_scope(conn, &ctx, &id, &scope)
            })
            .expect("set the supervisor's scope");
        token
    }

    /// Rows in a table, to prove a refused request wrote nothing.
    pub fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        self.db
            .write_blocking(move |conn| Ok(diesel::sql_query(sql).get_result::<N>(conn)?.n))
            .expect("count")
    }

    /// Counts of every table that a write could touch. Alerts the audit
    /// log's sequencer raises in the background (on its own clock, for
    /// entries logged before the snapshot) are not a request's doing: the
    /// audit events are counted without them.
    pub fn snapshot(&self) -> Vec<(&'static str, i64)> {
        let mut counts: Vec<(&'static str, i64)> = [
            "tenders",
            "tender_lots",
            "tender_documents",
            "notices",
            "clarifications",
            "organisations",
            "users",
            "trust_services",
            "trust_service_statuses",
            "trust_recognitions",
            "trust_crls",
            "league_policy_requirements",
            "user_identities",
            "sessions",
            "notifications",
            "email_deliveries",
            "notification_settings",
            "email_verifications",
            "notification_subscriptions",
            "qualification_findings",
            "qualification_conclusions",
            "tender_invitees",
        ]
        .into_iter()
        .map(|t| (t, self.count(t)))
        .collect();
        counts.push((
            "audit_events",
            self.count("audit_events WHERE action <> 'supervision.alert_raised'"),
        ));
        counts
    }

    /// A valid draft body: government procurement, open tendering, 25 days.
    pub fn tender_body(&self, title: &str) -> Value {
        let now = self.now();
        json!({
            "title": title,
            "description": "采购交互式智能黑板及配套软件",
            "category": "government_procurement",
            "method": "open_tendering",
            "budget": {"amount_fen": 150_000_000, "currency": "CNY"},
            "lots": [
                {"title": "第一包", "description": "黑板", "budget_fen": 100_000_000},
                {"title": "第二包", "budget_fen": 50_000_000}
            ],
            "evaluation": {
                "method": "comprehensive_scoring",
                "criteria": [
                    {"code": "tech", "name": "技术", "kind": "technical", "weight": 50, "requires_reason": true},
                    {"code": "biz", "name": "商务", "kind": "commercial", "weight": 20},
                    {"code": "price", "name": "价格", "kind": "price", "weight": 30}
                ],
                "price_formula": {"kind": "lowest_price_base"}
            },
            "terms": {"subject": "goods", "bid_validity_days": 90},
            "dates": {
                "documents_available_at": (now + Duration::hours(1)).to_rfc3339(),
                "clarification_deadline": (now + Duration::days(15)).to_rfc3339(),
                "bid_deadline": (now + Duration::days(25)).to_rfc3339(),
                "publicity_days": 3
            }
        })
    }

    /// Creates a draft as `token` and returns its id.
    pub async fn create_draft(&self, token: &str, title: &str) -> String {
        let r = self
            .post_json("/api/v1/tenders", Some(token), &self.tender_body(title))
            .await;
        r.assert_status(201);
        r.json()["id"].as_str().unwrap().to_string()
    }

    pub async fn act(&self, token: &str, id: &str, action: &str, reason: &str) -> Reply {
        self.post_json(
            &format!("/api/v1/tenders/{id}/transitions"),
            Some(token),
            &json!({"action": action, "reason": reason}),
        )
        .await
    }

    /// A tenderer with a published tender: (tenderer token, tender id).
    pub async fn published_tender(&self) -> (String, String) {
        self.leagues();
        let token = self.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
        let id = self.create_draft(&token, "智慧教室设备采购").await;
        let r = self.act(&token, &id, "publish", "").await;
        r.assert_status(200);
        (token, id)
    }
}

/// The plain-text part of an e-mail the platform wrote (lettre encodes
/// non-ASCII text in base64).
pub fn text_part(eml: &str) -> String {
    let start = eml.find("Content-Type: text/plain").expect("a text part");
    let body = &eml[start..];
    let body = &body[body.find("\r\n\r\n").expect("part headers end") + 4..];
    let encoded: String = body
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .concat();
    String::from_utf8(openssl::base64::decode_block(encoded.trim()).expect("base64"))
        .expect("UTF-8")
}

/// The token in a verification message's link.
pub fn token_in(text: &str) -> String {
    let at = text.find("#/verify-email/").expect("a verification link");
    text[at + "#/verify-email/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The key and certificate test accounts hold their opening-key shares
/// under (RSA 2048, self-signed, made once per test process).
pub fn custody_identity() -> &'static (
    openssl::pkey::PKey<openssl::pkey::Private>,
    openssl::x509::X509,
) {
    static IDENTITY: std::sync::OnceLock<(
        openssl::pkey::PKey<openssl::pkey::Private>,
        openssl::x509::X509,
    )> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| {
        let key =
            openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let now = Utc::now();
        let cert = ggzy::opening::custody::self_signed(
            &key,
            "test custodian",
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(400),
        )
        .unwrap();
        (key, cert)
    })
}

/// `h`:00 Beijing time on day `n` of a holiday week (day 0 its Monday,
/// as [`TestApp::holiday_week`] returns it; day 4 the holiday).
pub fn holiday_week_at(monday: chrono::NaiveDate, n: i64, h: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    let date = monday + Duration::days(n);
    ggzy::calendar::beijing()
        .from_local_datetime(&date.and_hms_opt(h, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// The end of day `n` of a holiday week (24:00 Beijing time), as the API
/// writes it.
pub fn holiday_week_end(monday: chrono::NaiveDate, n: i64) -> String {
    ggzy::calendar::end_of(monday + Duration::days(n))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Moves the test clock forward to `at`.
pub fn move_to(app: &TestApp, at: DateTime<Utc>) {
    let by = at - app.now();
    assert!(
        by > Duration::zero(),
        "the clock only moves forward to {at}"
    );
    app.clock.advance(by);
}

/// Starts `command` (a `ggzy serve`) on a port the system chooses: its
/// process, and where the address it prints on standard output once it
/// listens arrives (see [`printed_address`]). A port picked beforehand by
/// binding and closing a socket can be taken by another test's server
/// before this one binds it, and the test then speaks to the wrong server.
pub fn spawn_on_any_port(
    mut command: std::process::Command,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = command
        .env("GGZY_LISTEN", "127.0.0.1:0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start ggzy serve");
    let stdout = child.stdout.take().expect("piped standard output");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end so that the server never blocks on a full pipe.
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let line = line.trim();
            if line.starts_with("http://127.0.0.1:") {
                let _ = tx.send(line.trim_end_matches('/').to_string());
            }
        }
    });
    (child, rx)
}

/// The base URL (no trailing slash) a server started by
/// [`spawn_on_any_port`] printed, waiting up to two minutes (without
/// blocking the test's runtime, which may be serving another node); an
/// error if it ended (or hung) first.
pub async fn printed_address(
    child: &mut std::process::Child,
    address: &std::sync::mpsc::Receiver<String>,
) -> Result<String, String> {
    use std::sync::mpsc::TryRecvError;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        match address.try_recv() {
            Ok(base) => return Ok(base),
            Err(TryRecvError::Disconnected) => {
                return Err(format!(
                    "the server ended before it listened: {:?}",
                    child.wait()
                ));
            }
            Err(TryRecvError::Empty) if std::time::Instant::now() > deadline => {
                return Err("the server printed no address in 120 s".into());
            }
            Err(TryRecvError::Empty) => {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await
            }
        }
    }
}
