//! Configuration: built-in defaults, then an optional TOML file, then
//! environment variables, then command-line flags (each overrides the one
//! before). The README's configuration table lists every setting.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The effective configuration of one process.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server binds to.
    pub listen: String,
    /// `postgres://…` for PostgreSQL; `sqlite://PATH` or a plain path for SQLite.
    /// Empty means SQLite at `<data_dir>/ggzy.db`.
    pub database_url: String,
    /// Folder of this node's own files: the SQLite database, the demo PKI,
    /// the platform keys.
    pub data_dir: PathBuf,
    /// Folder every node of the platform sees (an NFS or CephFS mount when
    /// several nodes share one database): stored documents, bid files,
    /// upload parts, opened containers. Unset: `data_dir`.
    pub shared_dir: Option<PathBuf>,
    /// Connections in the database pool.
    pub db_pool_size: u32,
    /// OCDS ocid prefix registered for this publisher (e.g. `ocds-ggzy01`).
    pub ocid_prefix: String,
    /// Absolute URL the platform is reached at, used in open-data links.
    pub public_url: String,
    /// Name of the publisher in open-data packages.
    pub publisher_name: String,
    /// Largest JSON request body accepted, in bytes.
    pub max_json_bytes: usize,
    /// Largest tender document accepted, in bytes.
    pub max_document_bytes: u64,
    /// Load demo leagues, organisations and tenders when the database is empty.
    pub demo_data: bool,
    pub log_format: LogFormat,
    /// tracing filter directive, e.g. `info` or `ggzy=debug,info`.
    pub log_filter: String,
    /// Lifetime of a certificate-login session, in minutes (never beyond the
    /// certificate's own expiry).
    pub session_minutes: u32,
    /// Serve HTTPS with this certificate chain (PEM) and `tls_key`, asking
    /// clients for certificates (mutual TLS login).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Addresses of reverse proxies whose forwarded client certificate is
    /// believed (comma-separated IPs); empty: none.
    pub trusted_proxies: String,
    /// The header a trusted proxy forwards the client certificate in
    /// (URL-encoded PEM, as nginx's `$ssl_client_escaped_cert`).
    pub client_cert_header: String,
    /// Largest bid accepted, in bytes.
    pub max_bid_bytes: u64,
    /// How long a resumable bid upload may stay unfinished, in hours (never
    /// beyond the bid deadline).
    pub bid_upload_hours: u32,
    /// The platform timestamp authority's certificate (PEM, chain after the
    /// leaf) and key; unset: `<data_dir>/keys/tsa.{cert,key}.pem`, made on
    /// first start (the demo installs its GX timestamp authority there).
    pub tsa_cert: Option<PathBuf>,
    pub tsa_key: Option<PathBuf>,
    /// This node's name in a cluster (letters, digits, `.`, `_`, `-`; at
    /// most 64); unset: the host name and a random suffix, new at each
    /// start.
    pub node_id: Option<String>,
    /// The platform's key set, the same folder (or a copy) on every node
    /// (`ggzy keys init` makes one): keys are only read from it, never made.
    /// Unset: `<data_dir>/keys`, made on first start (one node alone).
    pub keys_dir: Option<PathBuf>,
    /// The SMTP server e-mail goes through: `smtp://host:port` (plain, on
    /// the loopback interface only), `smtp://host:port?tls=required`
    /// (STARTTLS) or `smtps://host:port` (TLS), with `user:password@`
    /// before the host to authenticate. Unset: one `.eml` file per
    /// message in `<data_dir>/mail`.
    pub smtp_url: Option<String>,
    /// A root certificate (PEM) to trust for the SMTP server, besides the
    /// system's.
    pub smtp_ca: Option<PathBuf>,
    /// The sender of the platform's e-mail.
    pub mail_from: String,
    /// Seconds before the first retry of an e-mail that failed for now;
    /// each further retry waits twice as long (at most an hour), with jitter.
    pub mail_retry_seconds: u32,
    /// Tries before an e-mail becomes a dead letter.
    pub mail_max_attempts: u32,
    /// Minutes an expert has to answer an invitation to a committee; an
    /// invitation not answered by then lapses and the next reserve is
    /// invited. Fixed for a committee when it is drawn.
    pub invitation_answer_minutes: u32,
    /// Minutes after the first start at which the demo data's open tender
    /// reaches its bid deadline and is opened, live (`crate::demo`).
    pub demo_live_opening_minutes: u32,
    /// Minutes after the first start at which the demo data's land auction
    /// opens for quotes, live (`crate::demo::auctions`).
    pub demo_auction_minutes: u32,
    /// The demo trades' countdown (限时竞价), seconds: the land rules' 300
    /// by default; shorter to watch them close sooner.
    pub demo_auction_countdown_secs: u32,
    /// Empty site fields: none shown, or the demo's when `demo_data` is on.
    /// The platform operator's name, shown in the portal's footer (`GET /api/v1/site`).
    pub site_operator: String,
    /// The operator's name in English (unset: the Chinese name).
    pub site_operator_en: String,
    /// The site's ICP filing number (ICP备案号, e.g. `桂ICP备12345678号-1`).
    pub site_icp: String,
    /// The public-security filing number (公安机关备案号, e.g. `桂公网安备 45010002000001号`).
    pub site_police: String,
    /// The service telephone number shown to the public.
    pub site_phone: String,
    /// The service e-mail address shown to the public.
    pub site_email: String,
    /// The operator's postal address.
    pub site_address: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: String::new(),
            data_dir: PathBuf::from("data"),
            shared_dir: None,
            db_pool_size: 8,
            ocid_prefix: "ocds-ggzy01".into(),
            public_url: "http://127.0.0.1:8080".into(),
            publisher_name: "公共资源交易平台 (GGZY)".into(),
            max_json_bytes: 1024 * 1024,
            max_document_bytes: 512 * 1024 * 1024,
            demo_data: true,
            log_format: LogFormat::Pretty,
            log_filter: "info".into(),
            max_bid_bytes: 8 * 1024 * 1024 * 1024,
            bid_upload_hours: 24,
            tsa_cert: None,
            tsa_key: None,
            node_id: None,
            keys_dir: None,
            smtp_url: None,
            smtp_ca: None,
            mail_from: "公共资源交易平台 <noreply@ggzy.invalid>".into(),
            mail_retry_seconds: 30,
            mail_max_attempts: 10,
            invitation_answer_minutes: 60,
            demo_live_opening_minutes: 10,
            demo_auction_minutes: 5,
            demo_auction_countdown_secs: 300,
            session_minutes: 480,
            tls_cert: None,
            tls_key: None,
            trusted_proxies: String::new(),
            client_cert_header: "X-Client-Cert".into(),
            site_operator: String::new(),
            site_operator_en: String::new(),
            site_icp: String::new(),
            site_police: String::new(),
            site_phone: String::new(),
            site_email: String::new(),
            site_address: String::new(),
        }
    }
}

/// The TOML file: every key optional, same names as the flags with `_`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    shared_dir: Option<PathBuf>,
    db_pool_size: Option<u32>,
    ocid_prefix: Option<String>,
    public_url: Option<String>,
    publisher_name: Option<String>,
    max_json_bytes: Option<usize>,
    max_document_bytes: Option<u64>,
    demo_data: Option<bool>,
    log_format: Option<LogFormat>,
    log_filter: Option<String>,
    session_minutes: Option<u32>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    trusted_proxies: Option<String>,
    client_cert_header: Option<String>,
    max_bid_bytes: Option<u64>,
    bid_upload_hours: Option<u32>,
    tsa_cert: Option<PathBuf>,
    tsa_key: Option<PathBuf>,
    node_id: Option<String>,
    keys_dir: Option<PathBuf>,
    smtp_url: Option<String>,
    smtp_ca: Option<PathBuf>,
    mail_from: Option<String>,
    mail_retry_seconds: Option<u32>,
    mail_max_attempts: Option<u32>,
    invitation_answer_minutes: Option<u32>,
    demo_live_opening_minutes: Option<u32>,
    demo_auction_minutes: Option<u32>,
    demo_auction_countdown_secs: Option<u32>,
    site_operator: Option<String>,
    site_operator_en: Option<String>,
    site_icp: Option<String>,
    site_police: Option<String>,
    site_phone: Option<String>,
    site_email: Option<String>,
    site_address: Option<String>,
}

/// Flags and environment variables (clap reads both; a flag wins).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Optional TOML configuration file.
    #[arg(long, env = "GGZY_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "GGZY_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Database URL: postgres://… or sqlite://PATH [default: sqlite in the data dir].
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Data folder for SQLite and stored files [default: ./data].
    #[arg(long, env = "GGZY_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Folder all nodes share for stored files [default: the data folder].
    #[arg(long, env = "GGZY_SHARED_DIR", global = true)]
    pub shared_dir: Option<PathBuf>,
    /// Database pool size [default: 8].
    #[arg(long, env = "GGZY_DB_POOL_SIZE", global = true)]
    pub db_pool_size: Option<u32>,
    /// OCDS ocid prefix [default: ocds-ggzy01].
    #[arg(long, env = "GGZY_OCID_PREFIX", global = true)]
    pub ocid_prefix: Option<String>,
    /// Public base URL used in open-data links [default: http://127.0.0.1:8080].
    #[arg(long, env = "GGZY_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Publisher name in open-data packages.
    #[arg(long, env = "GGZY_PUBLISHER_NAME", global = true)]
    pub publisher_name: Option<String>,
    /// Largest JSON body in bytes [default: 1048576].
    #[arg(long, env = "GGZY_MAX_JSON_BYTES", global = true)]
    pub max_json_bytes: Option<usize>,
    /// Largest tender document in bytes [default: 536870912].
    #[arg(long, env = "GGZY_MAX_DOCUMENT_BYTES", global = true)]
    pub max_document_bytes: Option<u64>,
    /// Load demo data into an empty database [default: true].
    #[arg(long, env = "GGZY_DEMO_DATA", global = true)]
    pub demo_data: Option<bool>,
    /// Log format [default: pretty].
    #[arg(long, env = "GGZY_LOG_FORMAT", global = true)]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. info or ggzy=debug [default: info].
    #[arg(long, env = "GGZY_LOG", global = true)]
    pub log_filter: Option<String>,
    /// Certificate-login session lifetime in minutes [default: 480].
    #[arg(long, env = "GGZY_SESSION_MINUTES", global = true)]
    pub session_minutes: Option<u32>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "GGZY_TLS_CERT", global = true)]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "GGZY_TLS_KEY", global = true)]
    pub tls_key: Option<PathBuf>,
    /// Reverse proxies whose forwarded client certificate is believed (comma-separated IPs).
    #[arg(long, env = "GGZY_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// Header carrying a proxy-forwarded client certificate [default: X-Client-Cert].
    #[arg(long, env = "GGZY_CLIENT_CERT_HEADER", global = true)]
    pub client_cert_header: Option<String>,
    /// Largest bid in bytes [default: 8589934592].
    #[arg(long, env = "GGZY_MAX_BID_BYTES", global = true)]
    pub max_bid_bytes: Option<u64>,
    /// Hours a resumable bid upload may stay unfinished [default: 24].
    #[arg(long, env = "GGZY_BID_UPLOAD_HOURS", global = true)]
    pub bid_upload_hours: Option<u32>,
    /// Timestamp authority certificate, PEM with its chain (needs --tsa-key).
    #[arg(long, env = "GGZY_TSA_CERT", global = true)]
    pub tsa_cert: Option<PathBuf>,
    /// The PEM private key of --tsa-cert.
    #[arg(long, env = "GGZY_TSA_KEY", global = true)]
    pub tsa_key: Option<PathBuf>,

    #[arg(long, env = "GGZY_NODE_ID", global = true)]
    pub node_id: Option<String>,

    /// The platform's key set, given to every node; keys are never made
    /// there [default: <data_dir>/keys, made on first start].
    #[arg(long, env = "GGZY_KEYS_DIR", global = true)]
    pub keys_dir: Option<PathBuf>,

    /// SMTP server: smtp://host:port (loopback only), smtp://…?tls=required, smtps://… [default: .eml files in <data_dir>/mail].
    #[arg(long, env = "GGZY_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// A root certificate (PEM) to trust for the SMTP server.
    #[arg(long, env = "GGZY_SMTP_CA", global = true)]
    pub smtp_ca: Option<PathBuf>,
    /// Sender of the platform's e-mail [default: 公共资源交易平台 <noreply@ggzy.invalid>].
    #[arg(long, env = "GGZY_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Seconds before an e-mail's first retry [default: 30].
    #[arg(long, env = "GGZY_MAIL_RETRY_SECONDS", global = true)]
    pub mail_retry_seconds: Option<u32>,
    /// Tries before an e-mail becomes a dead letter [default: 10].
    #[arg(long, env = "GGZY_MAIL_MAX_ATTEMPTS", global = true)]
    pub mail_max_attempts: Option<u32>,
    /// Minutes an expert has to answer an invitation to a committee [default: 60].
    #[arg(long, env = "GGZY_INVITATION_ANSWER_MINUTES", global = true)]
    pub invitation_answer_minutes: Option<u32>,
    /// Minutes after the first start at which the demo data's open tender
    /// is opened, live [default: 10].
    #[arg(long, env = "GGZY_DEMO_LIVE_OPENING_MINUTES", global = true)]
    pub demo_live_opening_minutes: Option<u32>,
    /// Minutes after the first start at which the demo data's land auction
    /// opens for quotes [default: 5].
    #[arg(long, env = "GGZY_DEMO_AUCTION_MINUTES", global = true)]
    pub demo_auction_minutes: Option<u32>,
    /// The demo trades' countdown, seconds [default: 300].
    #[arg(long, env = "GGZY_DEMO_AUCTION_COUNTDOWN_SECS", global = true)]
    pub demo_auction_countdown_secs: Option<u32>,
    /// The platform operator's name, shown in the portal's footer (`GET /api/v1/site`).
    #[arg(long, env = "GGZY_SITE_OPERATOR", global = true)]
    pub site_operator: Option<String>,
    /// The operator's name in English (unset: the Chinese name).
    #[arg(long, env = "GGZY_SITE_OPERATOR_EN", global = true)]
    pub site_operator_en: Option<String>,
    /// The site's ICP filing number (ICP备案号, e.g. `桂ICP备12345678号-1`).
    #[arg(long, env = "GGZY_SITE_ICP", global = true)]
    pub site_icp: Option<String>,
    /// The public-security filing number (公安机关备案号, e.g. `桂公网安备 45010002000001号`).
    #[arg(long, env = "GGZY_SITE_POLICE", global = true)]
    pub site_police: Option<String>,
    /// The service telephone number shown to the public.
    #[arg(long, env = "GGZY_SITE_PHONE", global = true)]
    pub site_phone: Option<String>,
    /// The service e-mail address shown to the public.
    #[arg(long, env = "GGZY_SITE_EMAIL", global = true)]
    pub site_email: Option<String>,
    /// The operator's postal address.
    #[arg(long, env = "GGZY_SITE_ADDRESS", global = true)]
    pub site_address: Option<String>,
}

impl ConfigArgs {
    /// Resolves defaults, file, environment and flags into one `Config`.
    pub fn resolve(&self) -> anyhow::Result<Config> {
        let mut config = Config::default();
        if let Some(path) = &self.config {
            config.apply_file(path)?;
        }
        macro_rules! take {
            ($($field:ident),*) => {
                $(if let Some(v) = &self.$field { config.$field = v.clone(); })*
            };
        }
        take!(
            listen,
            database_url,
            data_dir,
            db_pool_size,
            ocid_prefix,
            public_url,
            publisher_name,
            max_json_bytes,
            max_document_bytes,
            demo_data,
            log_format,
            log_filter,
            session_minutes,
            trusted_proxies,
            client_cert_header,
            max_bid_bytes,
            bid_upload_hours,
            mail_from,
            mail_retry_seconds,
            mail_max_attempts,
            invitation_answer_minutes,
            demo_live_opening_minutes,
            demo_auction_minutes,
            demo_auction_countdown_secs,
            site_operator,
            site_operator_en,
            site_icp,
            site_police,
            site_phone,
            site_email,
            site_address
        );
        if self.smtp_url.is_some() {
            config.smtp_url = self.smtp_url.clone();
        }
        if self.smtp_ca.is_some() {
            config.smtp_ca = self.smtp_ca.clone();
        }
        if self.shared_dir.is_some() {
            config.shared_dir = self.shared_dir.clone();
        }
        if self.tsa_cert.is_some() {
            config.tsa_cert = self.tsa_cert.clone();
        }
        if self.tsa_key.is_some() {
            config.tsa_key = self.tsa_key.clone();
        }
        if self.keys_dir.is_some() {
            config.keys_dir = self.keys_dir.clone();
        }
        if self.tls_cert.is_some() {
            config.tls_cert = self.tls_cert.clone();
        }
        if self.node_id.is_some() {
            config.node_id = self.node_id.clone();
        }
        if self.tls_key.is_some() {
            config.tls_key = self.tls_key.clone();
        }
        config.validate()?;
        Ok(config)
    }
}

impl Config {
    fn apply_file(&mut self, path: &Path) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading configuration file {}", path.display()))?;
        let file: FileConfig = toml::from_str(&text)
            .with_context(|| format!("parsing configuration file {}", path.display()))?;
        macro_rules! take {
            ($($field:ident),*) => {
                $(if let Some(v) = file.$field { self.$field = v; })*
            };
        }
        take!(
            listen,
            database_url,
            data_dir,
            db_pool_size,
            ocid_prefix,
            public_url,
            publisher_name,
            max_json_bytes,
            max_document_bytes,
            demo_data,
            log_format,
            log_filter,
            session_minutes,
            trusted_proxies,
            client_cert_header,
            max_bid_bytes,
            bid_upload_hours,
            mail_from,
            mail_retry_seconds,
            mail_max_attempts,
            invitation_answer_minutes,
            demo_live_opening_minutes,
            demo_auction_minutes,
            demo_auction_countdown_secs,
            site_operator,
            site_operator_en,
            site_icp,
            site_police,
            site_phone,
            site_email,
            site_address
        );
        if file.smtp_url.is_some() {
            self.smtp_url = file.smtp_url;
        }
        if file.smtp_ca.is_some() {
            self.smtp_ca = file.smtp_ca;
        }
        if file.shared_dir.is_some() {
            self.shared_dir = file.shared_dir;
        }
        if file.tsa_cert.is_some() {
            self.tsa_cert = file.tsa_cert;
        }
        if file.tsa_key.is_some() {
            self.tsa_key = file.tsa_key;
        }
        if file.keys_dir.is_some() {
            self.keys_dir = file.keys_dir;
        }
        if file.tls_cert.is_some() {
            self.tls_cert = file.tls_cert;
        }
        if file.node_id.is_some() {
            self.node_id = file.node_id;
        }
        if file.tls_key.is_some() {
            self.tls_key = file.tls_key;
        }
        Ok(())
    }

    fn validate(&self) -> anyhow::Result<()> {
        let prefix_ok = self.ocid_prefix.starts_with("ocds-")
            && self.ocid_prefix.len() == 11
            && self.ocid_prefix[5..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric());
        anyhow::ensure!(
            prefix_ok,
            "ocid_prefix {:?} must be 'ocds-' followed by 6 letters or digits",
            self.ocid_prefix
        );
        anyhow::ensure!(self.db_pool_size >= 1, "db_pool_size must be at least 1");
        anyhow::ensure!(
            (5..=7 * 24 * 60).contains(&self.session_minutes),
            "session_minutes must be between 5 and 10080"
        );
        anyhow::ensure!(
            self.tls_cert.is_some() == self.tls_key.is_some(),
            "tls_cert and tls_key go together"
        );
        anyhow::ensure!(
            self.tsa_cert.is_some() == self.tsa_key.is_some(),
            "tsa_cert and tsa_key go together"
        );
        anyhow::ensure!(
            (1..=24 * 30).contains(&self.bid_upload_hours),
            "bid_upload_hours must be between 1 and 720"
        );
        anyhow::ensure!(
            self.max_bid_bytes >= 1024,
            "max_bid_bytes must be at least 1024"
        );
        self.trusted_proxy_addrs()?;
        anyhow::ensure!(
            actix_web::http::header::HeaderName::from_bytes(self.client_cert_header.as_bytes())
                .is_ok(),
            "client_cert_header {:?} is not a header name",
            self.client_cert_header
        );
        if let Some(node) = &self.node_id {
            anyhow::ensure!(
                (1..=64).contains(&node.len())
                    && node
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
                "node_id {node:?} must be 1 to 64 letters, digits, '.', '_' or '-'"
            );
        }
        if let Some(url) = &self.smtp_url {
            crate::notify::mail::SmtpServer::parse(url).context("smtp_url")?;
        }
        self.mail_from
            .parse::<lettre::message::Mailbox>()
            .with_context(|| {
                format!(
                    "mail_from {:?} is not a mailbox (Name <a@b.c>)",
                    self.mail_from
                )
            })?;
        anyhow::ensure!(
            (1..=86_400).contains(&self.mail_retry_seconds),
            "mail_retry_seconds must be between 1 and 86400"
        );
        anyhow::ensure!(
            (1..=100).contains(&self.mail_max_attempts),
            "mail_max_attempts must be between 1 and 100"
        );
        anyhow::ensure!(
            (5..=1440).contains(&self.invitation_answer_minutes),
            "invitation_answer_minutes must be between 5 and 1440"
        );
        anyhow::ensure!(
            (1..=1440).contains(&self.demo_live_opening_minutes),
            "demo_live_opening_minutes must be between 1 and 1440"
        );
        anyhow::ensure!(
            (1..=1440).contains(&self.demo_auction_minutes),
            "demo_auction_minutes must be between 1 and 1440"
        );
        anyhow::ensure!(
            crate::auctions::engine::COUNTDOWN_SECS.contains(&self.demo_auction_countdown_secs),
            "demo_auction_countdown_secs must be between 10 and 3600"
        );
        anyhow::ensure!(
            self.max_json_bytes >= 1024,
            "max_json_bytes must be at least 1024"
        );
        Ok(())
    }

    /// The database URL in force: the configured one, or SQLite in the data dir.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("ggzy.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// The trusted proxies' addresses.
    pub fn trusted_proxy_addrs(&self) -> anyhow::Result<Vec<std::net::IpAddr>> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .with_context(|| format!("trusted_proxies: {s:?} is not an IP address"))
            })
            .collect()
    }

    /// The folder all nodes share: `shared_dir`, or else `data_dir`.
    pub fn shared(&self) -> &Path {
        self.shared_dir.as_deref().unwrap_or(&self.data_dir)
    }

    /// The content-addressed store of documents, on the shared folder.
    pub fn blob_dir(&self) -> PathBuf {
        self.shared().join("blobs")
    }

    /// The platform's own keys (audit log, trust lists, opening-key
    /// custody, timestamps): the configured set, or `<data_dir>/keys`.
    pub fn keys_dir(&self) -> std::path::PathBuf {
        self.keys_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys"))
    }

    /// Where e-mail goes when no SMTP server is configured.
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    /// Whether the key set was provisioned (`keys_dir` set): then a node
    /// only reads it, and a missing file stops the start.
    pub fn keys_provisioned(&self) -> bool {
        self.keys_dir.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_flags_override_defaults() {
        let dir = std::env::temp_dir().join(format!("ggzy-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("ggzy.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nocid_prefix = \"ocds-abc123\"\n",
        )
        .unwrap();
        let args = ConfigArgs {
            config: Some(file.clone()),
            listen: Some("127.0.0.1:9999".into()),
            ..Default::default()
        };
        let config = args.resolve().unwrap();
        assert_eq!(config.listen, "127.0.0.1:9999", "flag beats file");
        assert_eq!(config.ocid_prefix, "ocds-abc123", "file beats default");
        assert_eq!(config.db_pool_size, 8, "default kept");
        std::fs::write(&file, "listne = \"x\"\n").unwrap();
        assert!(args.resolve().is_err(), "unknown keys are refused");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_invitation_window_is_minutes_to_a_day() {
        let with = |minutes| ConfigArgs {
            invitation_answer_minutes: Some(minutes),
            ..Default::default()
        };
        assert_eq!(
            ConfigArgs::default()
                .resolve()
                .unwrap()
                .invitation_answer_minutes,
            60
        );
        assert_eq!(with(5).resolve().unwrap().invitation_answer_minutes, 5);
        assert_eq!(
            with(1440).resolve().unwrap().invitation_answer_minutes,
            1440
        );
        assert!(with(4).resolve().is_err());
        assert!(with(1441).resolve().is_err());
    }

    #[test]
    fn bad_ocid_prefix_is_refused() {
        let args = ConfigArgs {
            ocid_prefix: Some("ggzy".into()),
            ..Default::default()
        };
        assert!(args.resolve().is_err());
    }
}
