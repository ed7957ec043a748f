//! `ggzy bid …`: the bidder's command line.
//!
//! - `pack` makes the envelope from a folder of documents and a price
//!   schedule, with the rules of `container` and `envelope` (what the
//!   platform checks at the opening is checked here first, before anything
//!   is encrypted), optionally sealed with the enterprise's electronic seal.
//! - `submit` uploads an envelope through a resumable upload session. The
//!   session is kept in `<file>.upload.json`, so running the same command
//!   again after an interruption asks the platform where the upload stands
//!   and sends only the rest. The receipt lands in `<file>.receipt.json`
//!   and its RFC 3161 timestamp in `<file>.receipt.tsr`.
//! - `verify-receipt` checks a receipt offline against the timestamp
//!   authority's root certificate and, if given, the file.
//!
//! This file also holds what `ggzy opening` shares with it: the HTTP client
//! ([`Api`]), reading an enterprise's or a person's certificate and key
//! ([`SignerArgs`]) and certificate login ([`sign_in`]).

use super::container::{self, PriceSchedule};
use super::envelope::{self, ContentCipher};
use super::store::Receipt;
use crate::opening::custody::wipe;
use crate::pki::policy::{Decision, Indication};
use anyhow::{Context, anyhow, bail, ensure};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;
/// How many times in a row a chunk may fail before `submit` gives up (the
/// upload can still be resumed by running it again).
const MAX_RETRIES: u32 = 4;
const STATE_FORMAT: &str = "ggzy-bid-upload/1";
const RECEIPT_FORMAT: &str = "ggzy-bid-receipt/1";

#[derive(Debug, Subcommand)]
pub enum BidCommand {
    /// Make a bid envelope: container (documents + price schedule + optional
    /// seal signature), signed, encrypted to the tender's opening
    /// certificate, signed again.
    #[command(after_help = PACK_HELP)]
    Pack(PackArgs),
    /// Upload an envelope to a tender, resumably, and save its receipt.
    #[command(after_help = SUBMIT_HELP)]
    Submit(SubmitArgs),
    /// Check a receipt offline: its RFC 3161 timestamp, and that a file is
    /// the one it was issued for.
    #[command(after_help = VERIFY_HELP)]
    VerifyReceipt(VerifyArgs),
}

const PACK_HELP: &str = "\
The folder's files become documents/<relative path> in the container; the
price schedule is checked against the documented form (total_price_fen,
duration_days, key_terms, optional lots). Nothing is written unless every
check passes. The container is held in memory while it is signed and
encrypted: allow about four times the documents' size.

Example:
  ggzy bid pack --documents 投标文件/ --schedule price.json \\
    --cert enterprise.pem --key enterprise.key --seal seal.der \\
    --server https://ggzy.example.cn --tender <tender id> --out bid.p7m";

const SUBMIT_HELP: &str = "\
The upload session is kept in <file>.upload.json: if the upload is
interrupted (Ctrl-C, a network cut, a server restart), run the same command
again and only the missing bytes are sent. On success the receipt is written
to <file>.receipt.json and its timestamp (DER TimeStampResp) to
<file>.receipt.tsr, and the session file is removed. Only the time the last
byte arrives counts against the bid deadline.";

const VERIFY_HELP: &str = "\
The timestamp proves that a file with this SHA-256 existed at that time; the
other fields (tender, bidder) are what the receipt states. The same check
with plain openssl:

  openssl ts -verify -in bid.p7m.receipt.tsr -CAfile tsa-root.pem \\
    -digest \"$(sha256sum bid.p7m | cut -d' ' -f1)\"

(or -data bid.p7m instead of -digest). The TSA root certificate comes from
the platform's operator (<data_dir>/keys/tsa-root.cert.pem on the server).";

/// A certificate and its private key: PEM or DER files, or one PKCS #12
/// file.
#[derive(Debug, Clone, Args)]
pub struct SignerArgs {
    /// The certificate (PEM, optionally followed by its chain; or DER).
    #[arg(long, requires = "key", conflicts_with = "pkcs12")]
    pub cert: Option<PathBuf>,
    /// Its private key (PEM or DER; an encrypted PEM key needs
    /// --password-env).
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Certificate, key and chain in one PKCS #12 file (.p12, .pfx).
    #[arg(long, conflicts_with_all = ["cert", "key"])]
    pub pkcs12: Option<PathBuf>,
    /// The name of an environment variable holding the password of the
    /// PKCS #12 file or of the encrypted key.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// The folder of bid documents (its files, in any sub-folders).
    #[arg(long, value_name = "DIR")]
    pub documents: PathBuf,
    /// The price schedule (JSON; see "The envelope" under Sealed bids in the README).
    #[arg(long, value_name = "FILE")]
    pub schedule: PathBuf,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The enterprise's seal (GB/T 38540 SES_Seal, DER): seal the documents
    /// with it.
    #[arg(long, value_name = "FILE")]
    pub seal: Option<PathBuf>,
    /// The tender's opening certificate (PEM or DER).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["server", "tender"])]
    pub opening_cert: Option<PathBuf>,
    /// The platform, to fetch the tender's opening certificate from.
    #[arg(long, value_name = "URL", requires = "tender")]
    pub server: Option<String>,
    /// The tender's id.
    #[arg(long, requires = "server")]
    pub tender: Option<String>,
    /// PEM file of the CA certificate(s) to trust for an https server
    /// [default: the system's].
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Encrypt with AES-256-CBC (EnvelopedData) instead of AES-256-GCM.
    #[arg(long)]
    pub cbc: bool,
    /// Leave out the outer signature (the platform then identifies the bid
    /// by the uploading session only).
    #[arg(long)]
    pub no_outer: bool,
    /// Where to write the envelope (DER).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The platform, e.g. https://ggzy.example.cn
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The tender's id.
    #[arg(long)]
    pub tender: String,
    /// The envelope to upload (made by `ggzy bid pack` or openssl cms).
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// A session token of the enterprise (else sign in with the
    /// certificate).
    #[arg(long, conflicts_with_all = ["cert", "pkcs12"])]
    pub token: Option<String>,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Chunk size in MiB (1 to 1024).
    #[arg(long, default_value_t = 8, value_name = "MIB")]
    pub chunk_mib: u64,
    /// PEM file of the CA certificate(s) to trust for an https server
    /// [default: the system's].
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Submit even if <file>.receipt.json exists (a new version of the bid).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The receipt (JSON, as `submit` saved it or the API returned it).
    #[arg(long, value_name = "FILE")]
    pub receipt: PathBuf,
    /// The submitted file, to check its SHA-256 and size against the receipt.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The timestamp authority's root certificate(s) (PEM or DER).
    #[arg(long, value_name = "FILE")]
    pub tsa_root: PathBuf,
    /// Intermediate certificates (PEM), if the token does not carry them.
    #[arg(long, value_name = "FILE")]
    pub untrusted: Option<PathBuf>,
    /// Check the TSA's certificate chain at this time (RFC 3339)
    /// [default: now].
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

pub fn run(command: BidCommand) -> anyhow::Result<()> {
    match command {
        BidCommand::Pack(args) => pack(args),
        BidCommand::Submit(args) => submit(args),
        BidCommand::VerifyReceipt(args) => verify_receipt(args),
    }
}

// ---------------------------------------------------------------------------
// Certificates and keys
// ---------------------------------------------------------------------------

/// A certificate with its private key and the chain that travels along.
pub struct Signer {
    pub cert: X509,
    pub key: PKey<Private>,
    pub chain: Vec<X509>,
}

/// A password read from the environment, wiped when dropped.
struct Password(Vec<u8>);

impl Drop for Password {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

fn password(var: Option<&str>) -> anyhow::Result<Option<Password>> {
    let Some(var) = var else { return Ok(None) };
    let value = std::env::var_os(var)
        .ok_or_else(|| anyhow!("the environment variable {var} (--password-env) is not set"))?;
    Ok(Some(Password(value.into_encoded_bytes())))
}

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// PEM, perhaps after explanatory text (as openssl writes and reads it).
fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Certificates from a PEM file (all of them) or a DER file (one).
pub fn read_certificates(path: &Path) -> anyhow::Result<Vec<X509>> {
    let bytes = read_file(path)?;
    let certs = if is_pem(&bytes) {
        X509::stack_from_pem(&bytes).ok().unwrap_or_default()
    } else {
        X509::from_der(&bytes).map(|c| vec![c]).unwrap_or_default()
    };
    ensure!(
        !certs.is_empty(),
        "{} holds no certificate (PEM or DER expected)",
        path.display()
    );
    Ok(certs)
}

fn read_key(path: &Path, password: Option<&Password>) -> anyhow::Result<PKey<Private>> {
    let bytes = read_file(path)?;
    let key = match (is_pem(&bytes), password) {
        (true, Some(p)) => PKey::private_key_from_pem_passphrase(&bytes, &p.0),
        (true, None) => PKey::private_key_from_pem(&bytes),
        (false, Some(p)) => PKey::private_key_from_pkcs8_passphrase(&bytes, &p.0),
        (false, None) => PKey::private_key_from_der(&bytes),
    };
    key.map_err(|_| {
        if password.is_none() && String::from_utf8_lossy(&bytes).contains("ENCRYPTED") {
            anyhow!(
                "{} is an encrypted key: put its password in an environment variable and name it with --password-env",
                path.display()
            )
        } else if password.is_some() {
            anyhow!(
                "{} cannot be read as a private key with that password",
                path.display()
            )
        } else {
            anyhow!("{} is not a private key (PEM or DER)", path.display())
        }
    })
}

fn read_pkcs12(path: &Path, password: Option<&Password>) -> anyhow::Result<Signer> {
    let bytes = read_file(path)?;
    let p12 = openssl::pkcs12::Pkcs12::from_der(&bytes)
        .map_err(|_| anyhow!("{} is not a PKCS #12 file", path.display()))?;
    let pass = password
        .map(|p| String::from_utf8(p.0.clone()))
        .transpose()
        .map_err(|_| anyhow!("the PKCS #12 password is not UTF-8 text"))?;
    let parsed = p12.parse2(pass.as_deref().unwrap_or(""));
    if let Some(pass) = pass {
        wipe(&mut pass.into_bytes());
    }
    let parsed = parsed.map_err(|_| {
        if password.is_none() {
            anyhow!(
                "{} is protected by a password: put it in an environment variable and name it with --password-env",
                path.display()
            )
        } else {
            anyhow!(
                "{} cannot be opened with that password (or uses a cipher this OpenSSL does not offer)",
                path.display()
            )
        }
    })?;
    let (Some(cert), Some(key)) = (parsed.cert, parsed.pkey) else {
        bail!(
            "{} must hold a certificate and its private key",
            path.display()
        );
    };
    Ok(Signer {
        cert,
        key,
        chain: parsed
            .ca
            .map(|s| s.into_iter().collect())
            .unwrap_or_default(),
    })
}

impl SignerArgs {
    /// Reads the certificate and key (`None` if neither was given), and
    /// checks that they belong together and that the certificate is valid
    /// now.
    pub fn load(&self) -> anyhow::Result<Option<Signer>> {
        let password = password(self.password_env.as_deref())?;
        let signer = match (&self.cert, &self.key, &self.pkcs12) {
            (_, _, Some(p12)) => read_pkcs12(p12, password.as_ref())?,
            (Some(cert), Some(key), None) => {
                let mut certs = read_certificates(cert)?.into_iter();
                let leaf = certs
                    .next()
                    .ok_or_else(|| anyhow!("{} holds no certificate", cert.display()))?;
                Signer {
                    cert: leaf,
                    chain: certs.collect(),
                    key: read_key(key, password.as_ref())?,
                }
            }
            (None, None, None) => return Ok(None),
            _ => bail!("give both --cert and --key, or --pkcs12"),
        };
        let public = signer.cert.public_key()?;
        ensure!(
            public.public_eq(&signer.key),
            "the private key is not the key of the certificate {}",
            subject(&signer.cert)
        );
        let now = openssl::asn1::Asn1Time::days_from_now(0)?;
        if signer.cert.not_after() < now {
            bail!(
                "the certificate {} expired on {}",
                subject(&signer.cert),
                signer.cert.not_after()
            );
        }
        if signer.cert.not_before() > now {
            bail!(
                "the certificate {} is valid only from {}",
                subject(&signer.cert),
                signer.cert.not_before()
            );
        }
        Ok(Some(signer))
    }

    /// Like [`load`](Self::load), but one of the forms is required.
    pub fn require(&self) -> anyhow::Result<Signer> {
        self.load()?
            .ok_or_else(|| anyhow!("give the certificate and key: --cert and --key, or --pkcs12"))
    }
}

/// A certificate's subject, one line (as the platform writes it).
pub fn subject(cert: &X509) -> String {
    use x509_parser::prelude::{FromDer, X509Certificate};
    cert.to_der()
        .ok()
        .and_then(|der| {
            X509Certificate::from_der(&der)
                .ok()
                .map(|(_, c)| c.subject().to_string())
        })
        .unwrap_or_else(|| "(unreadable subject)".into())
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

/// The platform's API, over HTTP or HTTPS.
pub struct Api {
    base: String,
    agent: ureq::Agent,
    pub token: Option<String>,
    /// Sent as `Device-Fingerprint`: see [`device_fingerprint`].
    device: Option<String>,
}

/// This machine's fingerprint for the platform at `base`: SHA-256 of the
/// system's machine id (systemd's `/etc/machine-id`) with the platform's
/// address, so that bids sent from one machine can be told apart from
/// bids sent from many (what supervisors look for) while the id itself
/// never leaves the machine and differs from platform to platform. None
/// where the machine has no id.
pub fn device_fingerprint(base: &str) -> Option<String> {
    let id = std::fs::read_to_string("/etc/machine-id").ok()?;
    let id = id.trim();
    if id.is_empty() {
        return None;
    }
    let digest = openssl::sha::sha256(format!("ggzy-device/1\n{base}\n{id}").as_bytes());
    Some(crate::identity::hex(&digest))
}

/// A response, read whole (bodies here are small JSON or DER).
pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

/// An RFC 9457 problem, leniently read.
#[derive(Debug, Default, Deserialize)]
struct ProblemBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    errors: Vec<FieldErrorBody>,
}

#[derive(Debug, Deserialize)]
struct FieldErrorBody {
    field: String,
    message: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        serde_json::from_slice(&self.body).context("the server's answer is not the JSON expected")
    }

    fn problem(&self) -> ProblemBody {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// The problem's stable code, if the answer is a problem.
    pub fn code(&self) -> Option<String> {
        self.problem().code
    }

    /// An error saying what the server refused and why (the problem's
    /// `detail`, and its field errors).
    pub fn refusal(&self, what: &str) -> anyhow::Error {
        let p = self.problem();
        let code = p.code.map(|c| format!(", {c}")).unwrap_or_default();
        let mut text = match (p.detail, p.title) {
            (Some(detail), _) => detail,
            (None, Some(title)) => title,
            (None, None) => {
                let body = String::from_utf8_lossy(&self.body);
                body.chars().take(300).collect()
            }
        };
        for e in p.errors {
            text.push_str(&format!("\n  {}: {}", e.field, e.message));
        }
        anyhow!(
            "{what}: the server answered HTTP {}{code}: {text}",
            self.status
        )
    }

    /// `self` if its status is `expected`, else the refusal.
    pub fn expect(self, expected: u16, what: &str) -> anyhow::Result<Reply> {
        if self.status == expected {
            Ok(self)
        } else {
            Err(self.refusal(what))
        }
    }
}

/// The largest answer read (receipts and shares are a few KiB).
const MAX_REPLY_BYTES: u64 = 16 * MIB;

impl Api {
    /// A client for the platform at `server` (http:// or https://); for
    /// https, `ca_file` names the roots to trust instead of the system's.
    pub fn new(server: &str, ca_file: Option<&Path>) -> anyhow::Result<Api> {
        let base = server.trim().trim_end_matches('/').to_string();
        let https = base.starts_with("https://");
        ensure!(
            https || base.starts_with("http://"),
            "--server must be an http:// or https:// URL, not {server:?}"
        );
        let roots = match ca_file {
            Some(path) => {
                let certs = read_certificates(path)?
                    .iter()
                    .map(|c| Ok(ureq::tls::Certificate::from_der(&c.to_der()?).to_owned()))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                ureq::tls::RootCerts::new_with_certs(&certs)
            }
            None => ureq::tls::RootCerts::PlatformVerifier,
        };
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(roots)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .https_only(https)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(30)))
            // The last chunk's answer comes after the whole bid is checked
            // and timestamped.
            .timeout_recv_response(Some(Duration::from_secs(30 * 60)))
            .timeout_recv_body(Some(Duration::from_secs(5 * 60)))
            .user_agent(concat!("ggzy/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Api {
            device: device_fingerprint(&base),
            base,
            agent,
            token: None,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn auth<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        let request = match &self.device {
            Some(device) => request.header(crate::audit::DEVICE_HEADER, device),
            None => request,
        };
        match &self.token {
            Some(token) => request.header("Authorization", format!("Bearer {token}")),
            None => request,
        }
    }

    fn read(response: ureq::http::Response<ureq::Body>) -> Result<Reply, ureq::Error> {
        let status = response.status().as_u16();
        let (parts, mut body) = response.into_parts();
        let body = body.with_config().limit(MAX_REPLY_BYTES).read_to_vec()?;
        Ok(Reply {
            status,
            headers: parts.headers,
            body,
        })
    }

    pub fn get(&self, path: &str) -> Result<Reply, ureq::Error> {
        Self::read(self.auth(self.agent.get(self.url(path))).call()?)
    }

    pub fn delete(&self, path: &str) -> Result<Reply, ureq::Error> {
        Self::read(self.auth(self.agent.delete(self.url(path))).call()?)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Result<Reply, ureq::Error> {
        self.post_json_text(path, &body.to_string())
    }

    /// POSTs JSON already serialised.
    pub fn post_json_text(&self, path: &str, body: &str) -> Result<Reply, ureq::Error> {
        Self::read(
            self.auth(self.agent.post(self.url(path)))
                .header("Content-Type", "application/json")
                .send(body.as_bytes())?,
        )
    }

    /// PATCHes `len` bytes from `body` at `offset` of an upload session.
    fn patch_chunk(
        &self,
        path: &str,
        offset: u64,
        body: &mut dyn Read,
        len: u64,
    ) -> Result<Reply, ureq::Error> {
        Self::read(
            self.auth(self.agent.patch(self.url(path)))
                .header("Upload-Offset", offset.to_string())
                .header("Content-Type", "application/offset+octet-stream")
                .header("Content-Length", len.to_string())
                .send(ureq::SendBody::from_reader(body))?,
        )
    }
}

fn no_answer(api: &Api, e: ureq::Error) -> anyhow::Error {
    anyhow!("cannot reach {}: {e}", api.base())
}

/// Signs in with a certificate: a challenge from the platform, signed with
/// the key (a raw signature: RSA or ECDSA with SHA-256, SM2 with SM3).
/// Returns the session token.
pub fn sign_in(api: &Api, signer: &Signer) -> anyhow::Result<String> {
    #[derive(Deserialize)]
    struct Challenge {
        id: String,
        challenge: String,
    }
    let challenge: Challenge = api
        .post_json("/api/v1/auth/challenges", &json!({}))
        .map_err(|e| no_answer(api, e))?
        .expect(201, "asking for a login challenge")?
        .json()?;
    let public = signer.cert.public_key()?;
    let algorithm = crate::seals::Algorithm::for_key(&public)
        .map_err(|why| anyhow!("this certificate cannot sign in: {why}"))?;
    let signature = algorithm
        .sign(&signer.key, challenge.challenge.as_bytes())
        .context("signing the login challenge")?;
    let pem = String::from_utf8(signer.cert.to_pem()?)?;
    let reply: Value = api
        .post_json(
            "/api/v1/auth/login",
            &json!({
                "challenge_id": challenge.id,
                "certificate": pem,
                "signature": openssl::base64::encode_block(&signature),
                "format": "raw",
            }),
        )
        .map_err(|e| no_answer(api, e))?
        .expect(201, "signing in with the certificate")?
        .json()?;
    let token = reply["token"]
        .as_str()
        .ok_or_else(|| anyhow!("the login answer holds no token"))?
        .to_string();
    eprintln!(
        "signed in as {}",
        reply["principal"]["name"].as_str().unwrap_or("?")
    );
    Ok(token)
}

/// A tender id as the API takes it (a UUID).
pub fn tender_id(text: &str) -> anyhow::Result<String> {
    let id = uuid::Uuid::parse_str(text.trim())
        .map_err(|_| anyhow!("--tender must be a tender id (a UUID), not {text:?}"))?;
    Ok(id.to_string())
}

fn fetch_opening_certificate(api: &Api, tender: &str) -> anyhow::Result<X509> {
    let reply = api
        .get(&format!(
            "/api/v1/tenders/{tender}/opening-key/certificate.pem"
        ))
        .map_err(|e| no_answer(api, e))?
        .expect(200, "fetching the tender's opening certificate")?;
    X509::from_pem(&reply.body).context("the server's opening certificate is not PEM")
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// `<file><suffix>`, next to the file.
fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes `bytes` to a temporary file next to `path`, then moves it there:
/// a reader never sees half a file. Refuses to replace `path` unless
/// `replace`.
fn write_whole(path: &Path, bytes: &[u8], replace: bool) -> anyhow::Result<()> {
    if !replace && path.exists() {
        bail!("{} exists; use --force to replace it", path.display());
    }
    let tmp = beside(path, &format!(".tmp-{}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.with_context(|| format!("writing {}", path.display()))
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: openssl::sha::Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(chunk) = buf.get(..n) {
            self.hasher.update(chunk);
        }
        self.size += n as u64;
        Ok(n)
    }
}

/// What one pass over an envelope file says.
struct Checked {
    sha256: String,
    size: u64,
    /// The outer signature's certificates (DER), if the envelope has one.
    outer_signers: Option<Vec<Vec<u8>>>,
}

/// Reads an envelope file once, as the platform will on arrival: its
/// SHA-256 and size, its outer signature, and that it is encrypted to
/// `opening`. Memory stays bounded whatever the size.
fn check_envelope_file(file: &Path, opening: &X509) -> anyhow::Result<Checked> {
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let mut reader = Hashing {
        inner: std::io::BufReader::with_capacity(256 * 1024, f),
        hasher: openssl::sha::Sha256::new(),
        size: 0,
    };
    let outer = envelope::unwrap_outer(&mut reader, std::io::sink()).with_context(|| {
        format!(
            "{} is not a bid envelope the platform accepts",
            file.display()
        )
    })?;
    let mut rest = [0u8; 1];
    ensure!(
        reader.read(&mut rest)? == 0,
        "{} has bytes after the envelope",
        file.display()
    );
    outer.envelope.check_addressed_to(opening).with_context(|| {
        format!(
            "{} was not packed for this tender (it is encrypted to another opening certificate)",
            file.display()
        )
    })?;
    let outer_signers = outer
        .signers
        .map(|signers| {
            signers
                .iter()
                .map(|s| s.certificate.to_der())
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(Checked {
        sha256: crate::identity::hex(&reader.hasher.finish()),
        size: reader.size,
        outer_signers,
    })
}

fn sha256_of_file(file: &Path) -> anyhow::Result<(String, u64)> {
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let mut reader = Hashing {
        inner: f,
        hasher: openssl::sha::Sha256::new(),
        size: 0,
    };
    std::io::copy(&mut reader, &mut std::io::sink())
        .with_context(|| format!("reading {}", file.display()))?;
    Ok((crate::identity::hex(&reader.hasher.finish()), reader.size))
}

// ---------------------------------------------------------------------------
// pack
// ---------------------------------------------------------------------------

fn accept_all(_: &[u8], _: crate::seals::CertRole, _: DateTime<Utc>) -> Decision {
    Decision {
        indication: Indication::Passed,
        sub_indication: None,
        checks: Vec::new(),
    }
}

/// Makes the seal signature over the documents' manifest and checks what
/// can be checked without the platform: that the seal names this
/// certificate and is valid now, and that the signature verifies. Whether
/// the seal authority is recognised is the platform's decision.
fn seal_manifest(
    seal: &[u8],
    seal_name: &str,
    manifest: &str,
    signer: &Signer,
) -> anyhow::Result<Vec<u8>> {
    let signature = crate::seals::sign(
        seal,
        crate::seals::DocumentInput::Bytes(manifest.as_bytes()),
        "bid documents manifest",
        Utc::now(),
        &signer.cert,
        &signer.key,
    )
    .map_err(|e| anyhow!("sealing with {seal_name}: {e}"))?;
    let report = crate::seals::verify_signature(
        &signature,
        crate::seals::DocumentInput::Bytes(manifest.as_bytes()),
        accept_all,
    );
    if report.decision.indication != Indication::Passed {
        let failures: Vec<String> = report
            .decision
            .checks
            .iter()
            .filter(|c| c.result != crate::pki::policy::CheckResult::Passed)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        bail!(
            "the seal {seal_name} cannot be applied with this certificate: {}",
            failures.join("; ")
        );
    }
    Ok(signature)
}

/// Whether the file `out` would be written inside `folder`.
fn inside(out: &Path, folder: &Path) -> bool {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (parent.canonicalize(), folder.canonicalize()) {
        (Ok(parent), Ok(folder)) => parent.starts_with(folder),
        _ => false,
    }
}

/// Makes a bid envelope from a folder of documents (whose manifest the
/// caller read) and a price schedule: the container, sealed over the
/// manifest with `seal` (an SES_Seal, DER, and what to call it in a
/// refusal) if given, checked as the
/// opening will check it, signed, encrypted to `opening` and (with
/// `outer`) signed again. What `ggzy bid pack` writes, and how the demo
/// data's bidders bid (`crate::demo::procedure`).
#[allow(clippy::too_many_arguments)]
pub fn pack_envelope(
    documents: &Path,
    manifest: &container::Manifest,
    schedule: &PriceSchedule,
    signer: &Signer,
    seal: Option<(&[u8], &str)>,
    opening: &X509,
    cipher: ContentCipher,
    outer: bool,
) -> anyhow::Result<Vec<u8>> {
    let seal_signature = seal
        .map(|(seal, name)| seal_manifest(seal, name, &manifest.text(), signer))
        .transpose()?;
    let (zip, written) = container::build(
        documents,
        schedule,
        seal_signature.as_deref(),
        std::io::Cursor::new(Vec::new()),
    )
    .context("making the bid container")?;
    ensure!(
        written == *manifest,
        "documents in {} changed while the bid was being packed: run the command again",
        documents.display()
    );
    let zip = zip.into_inner();
    // Every rule the opening applies to the container, applied now.
    container::read(&zip).context("the bid container would be refused at the opening")?;
    let der = envelope::pack(
        &zip,
        &signer.cert,
        &signer.key,
        &signer.chain,
        opening,
        cipher,
        outer,
    )
    .map_err(|e| {
        let sm2 = matches!(
            crate::seals::Algorithm::for_key(&signer.key),
            Ok(crate::seals::Algorithm::Sm2Sm3)
        );
        if sm2 {
            anyhow!(e).context(
                "this OpenSSL cannot make CMS signatures with SM2 keys (`openssl cms -sign` fails \
                 the same way): sign the bid with an RSA or P-256 certificate",
            )
        } else {
            anyhow!(e)
        }
    })?;
    drop(zip);
    let unwrapped = envelope::unwrap_outer(&der[..], std::io::sink())?;
    unwrapped.envelope.check_addressed_to(opening)?;
    Ok(der)
}

fn pack(args: PackArgs) -> anyhow::Result<()> {
    if args.out.exists() && !args.force {
        bail!("{} exists; use --force to replace it", args.out.display());
    }
    // The envelope must not end up among the documents it packs.
    if inside(&args.out, &args.documents) {
        bail!(
            "--out {} is inside the documents folder {}: write the envelope elsewhere",
            args.out.display(),
            args.documents.display()
        );
    }
    ensure!(
        args.documents.is_dir(),
        "--documents {} is not a folder",
        args.documents.display()
    );
    let schedule = PriceSchedule::parse(&read_file(&args.schedule)?)
        .with_context(|| format!("checking {}", args.schedule.display()))?;
    let manifest = container::manifest_of_dir(&args.documents)
        .with_context(|| format!("checking the documents in {}", args.documents.display()))?;
    let signer = args.signer.require()?;
    let opening = match (&args.opening_cert, &args.server, &args.tender) {
        (Some(path), _, _) => read_certificates(path)?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("{} holds no certificate", path.display()))?,
        (None, Some(server), Some(tender)) => {
            let api = Api::new(server, args.ca_file.as_deref())?;
            fetch_opening_certificate(&api, &tender_id(tender)?)?
        }
        _ => {
            bail!("give the tender's opening certificate: --opening-cert, or --server and --tender")
        }
    };
    let seal = args
        .seal
        .as_deref()
        .map(|path| Ok::<_, anyhow::Error>((read_file(path)?, path.display().to_string())))
        .transpose()?;
    let cipher = if args.cbc {
        ContentCipher::Cbc
    } else {
        ContentCipher::Gcm
    };
    let der = pack_envelope(
        &args.documents,
        &manifest,
        &schedule,
        &signer,
        seal.as_ref()
            .map(|(bytes, name)| (bytes.as_slice(), name.as_str())),
        &opening,
        cipher,
        !args.no_outer,
    )?;
    let seal_signature = seal.as_ref();
    write_whole(&args.out, &der, args.force)?;
    let sha256 = crate::identity::hex(&openssl::sha::sha256(&der));
    println!("wrote: {}", args.out.display());
    println!("sha256: {sha256}");
    println!("size: {} bytes", der.len());
    println!(
        "documents: {} files, digest {}",
        manifest.documents().len(),
        manifest.digest_hex()
    );
    println!(
        "price: {} fen, {} days",
        schedule.total_price_fen, schedule.duration_days
    );
    println!(
        "seal: {}",
        if seal_signature.is_some() {
            "sealed over the documents manifest"
        } else {
            "none"
        }
    );
    println!("signer: {}", subject(&signer.cert));
    println!(
        "encrypted: {} to {}{}",
        match cipher {
            ContentCipher::Gcm => "AES-256-GCM",
            ContentCipher::Cbc => "AES-256-CBC",
        },
        subject(&opening),
        if args.no_outer {
            ", no outer signature"
        } else {
            ", signed again outside"
        }
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// submit
// ---------------------------------------------------------------------------

/// `<file>.upload.json`: the upload session to resume.
#[derive(Debug, Serialize, Deserialize)]
struct UploadState {
    format: String,
    server: String,
    tender: String,
    upload_id: String,
    size: u64,
    sha256: String,
    started_at: DateTime<Utc>,
}

/// Where an upload session stands.
enum Stand {
    At(u64),
    /// Expired, abandoned, or refused: nothing is kept.
    Gone,
    /// It became a bid.
    Complete,
}

fn where_it_stands(api: &Api, upload: &str) -> anyhow::Result<Stand> {
    let reply = api
        .get(&format!("/api/v1/bid-uploads/{upload}"))
        .map_err(|e| no_answer(api, e))?;
    match reply.status {
        200 => {
            #[derive(Deserialize)]
            struct View {
                offset: u64,
            }
            Ok(Stand::At(reply.json::<View>()?.offset))
        }
        404 => Ok(Stand::Gone),
        409 => Ok(Stand::Complete),
        _ => Err(reply.refusal("asking where the upload stands")),
    }
}

/// The receipt of the current bid with this hash, if the enterprise has
/// one on the tender (an upload that completed while this program was not
/// there to read the answer).
fn recover_receipt(api: &Api, tender: &str, sha256: &str) -> anyhow::Result<Option<Value>> {
    let list: Value = api
        .get(&format!("/api/v1/tenders/{tender}/bids"))
        .map_err(|e| no_answer(api, e))?
        .expect(200, "listing your bids")?
        .json()?;
    let found = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["sha256"] == sha256 && b["status"] == "submitted")
        .filter_map(|b| b["id"].as_str())
        .next_back();
    let Some(bid) = found else { return Ok(None) };
    let receipt = api
        .get(&format!("/api/v1/bids/{bid}/receipt"))
        .map_err(|e| no_answer(api, e))?
        .expect(200, "fetching the receipt")?
        .json()?;
    Ok(Some(receipt))
}

/// Progress on stderr: a line redrawn in place on a terminal; otherwise a
/// line at every tenth of the upload.
struct Progress {
    total: u64,
    done: u64,
    /// Bytes read into request bodies in this run (re-sent ones included).
    sent: u64,
    /// Bytes of the current chunk sent so far.
    in_flight: u64,
    started: Instant,
    tty: bool,
    last_draw: Option<Instant>,
    last_tenth: u64,
}

impl Progress {
    fn new(total: u64, done: u64) -> Progress {
        Progress {
            total,
            done,
            sent: 0,
            in_flight: 0,
            started: Instant::now(),
            tty: std::io::stderr().is_terminal(),
            last_draw: None,
            last_tenth: done * 10 / total.max(1),
        }
    }

    fn line(&self, at: u64) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        format!(
            "{:5.1}%  {:.1} of {:.1} MiB  {:.1} MiB/s",
            at as f64 * 100.0 / self.total.max(1) as f64,
            at as f64 / MIB as f64,
            self.total as f64 / MIB as f64,
            self.sent as f64 / MIB as f64 / secs
        )
    }

    /// Bytes handed to the connection.
    fn sent(&mut self, n: u64) {
        self.sent += n;
        self.in_flight += n;
        if self.tty
            && self
                .last_draw
                .is_none_or(|t| t.elapsed() >= Duration::from_millis(100))
        {
            eprint!(
                "\r{}   ",
                self.line((self.done + self.in_flight).min(self.total))
            );
            self.last_draw = Some(Instant::now());
        }
    }

    /// Bytes the server has stored.
    fn stored(&mut self, offset: u64) {
        self.done = offset;
        self.in_flight = 0;
        if self.tty {
            eprint!("\r{}   ", self.line(offset));
            self.last_draw = Some(Instant::now());
        } else {
            let tenth = offset * 10 / self.total.max(1);
            if tenth > self.last_tenth {
                self.last_tenth = tenth;
                eprintln!("{}", self.line(offset));
            }
        }
    }

    fn end_line(&self) {
        if self.tty && self.last_draw.is_some() {
            eprintln!();
        }
    }
}

/// Counts the bytes of a chunk as they are sent.
struct Counting<'a, R> {
    inner: R,
    progress: &'a mut Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.sent(n as u64);
        Ok(n)
    }
}

fn submit(args: SubmitArgs) -> anyhow::Result<()> {
    ensure!(
        (1..=1024).contains(&args.chunk_mib),
        "--chunk-mib must be between 1 and 1024"
    );
    let file = &args.file;
    let state_path = beside(file, ".upload.json");
    let receipt_path = beside(file, ".receipt.json");
    if receipt_path.exists() && !state_path.exists() && !args.force {
        bail!(
            "{} was submitted already (see {}); submitting it again makes a new version of your bid: use --force",
            file.display(),
            receipt_path.display()
        );
    }
    let tender = tender_id(&args.tender)?;
    let mut api = Api::new(&args.server, args.ca_file.as_deref())?;
    let signer = args.signer.load()?;
    if args.token.is_none() && signer.is_none() {
        bail!("sign in: give --cert and --key, --pkcs12, or --token");
    }
    let opening = fetch_opening_certificate(&api, &tender)?;
    eprintln!("checking {} ...", file.display());
    let checked = check_envelope_file(file, &opening)?;
    if let (Some(signer), Some(outer)) = (&signer, &checked.outer_signers) {
        let mine = signer.cert.to_der()?;
        ensure!(
            outer.contains(&mine),
            "{} is signed by another certificate than {}, which you sign in with: the platform would refuse it",
            file.display(),
            subject(&signer.cert)
        );
    }
    let (size, sha256) = (checked.size, checked.sha256.clone());
    ensure!(size > 0, "{} is empty", file.display());
    api.token = Some(match (&args.token, &signer) {
        (Some(token), _) => token.trim().to_string(),
        (None, Some(signer)) => sign_in(&api, signer)?,
        (None, None) => bail!("sign in: give --cert and --key, --pkcs12, or --token"),
    });

    // An earlier session to resume?
    let mut session: Option<(String, u64)> = None;
    if let Some(state) = read_state(&state_path)? {
        ensure!(
            state.server == api.base() && state.tender == tender,
            "{} belongs to an upload of tender {} at {}; delete it to start over",
            state_path.display(),
            state.tender,
            state.server
        );
        if state.size != size || state.sha256 != sha256 {
            eprintln!(
                "{} changed since its upload began; starting a new upload",
                file.display()
            );
            let _ = api.delete(&format!("/api/v1/bid-uploads/{}", state.upload_id));
            remove_state(&state_path)?;
        } else {
            match where_it_stands(&api, &state.upload_id)? {
                Stand::At(offset) => {
                    eprintln!(
                        "resuming upload {} at byte {offset} of {size}",
                        state.upload_id
                    );
                    session = Some((state.upload_id, offset));
                }
                Stand::Gone => {
                    eprintln!(
                        "the earlier upload session is gone (it expired or was refused); starting a new one"
                    );
                    remove_state(&state_path)?;
                }
                Stand::Complete => {
                    if let Some(receipt) = recover_receipt(&api, &tender, &sha256)? {
                        eprintln!("the earlier upload completed; fetched its receipt");
                        return finish(file, &state_path, receipt, &sha256, size, 0, 0);
                    }
                    eprintln!(
                        "the earlier upload became a bid that is no longer current (withdrawn or replaced); starting a new upload"
                    );
                    remove_state(&state_path)?;
                }
            }
        }
    }
    let (upload, mut offset) = match session {
        Some(s) => s,
        None => {
            #[derive(Deserialize)]
            struct View {
                id: String,
            }
            let view: View = api
                .post_json(
                    &format!("/api/v1/tenders/{tender}/bid-uploads"),
                    &json!({ "size": size, "sha256": sha256 }),
                )
                .map_err(|e| no_answer(&api, e))?
                .expect(201, "starting the upload")?
                .json()?;
            let state = UploadState {
                format: STATE_FORMAT.into(),
                server: api.base().to_string(),
                tender: tender.clone(),
                upload_id: view.id.clone(),
                size,
                sha256: sha256.clone(),
                started_at: Utc::now(),
            };
            write_whole(&state_path, &serde_json::to_vec_pretty(&state)?, true)?;
            (view.id, 0)
        }
    };
    let resumed_at = offset;
    let path = format!("/api/v1/bid-uploads/{upload}");
    let chunk = args.chunk_mib * MIB;
    let mut f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let mut progress = Progress::new(size, offset);
    let mut failures = 0u32;
    let mut signed_in_again = false;
    let receipt: Value = loop {
        let len = chunk.min(size.saturating_sub(offset));
        f.seek(SeekFrom::Start(offset))?;
        let mut body = Counting {
            inner: (&mut f).take(len),
            progress: &mut progress,
        };
        let why = match api.patch_chunk(&path, offset, &mut body, len) {
            Ok(reply) => match reply.status {
                204 => {
                    let at = reply
                        .header("Upload-Offset")
                        .and_then(|v| v.parse::<u64>().ok())
                        .ok_or_else(|| anyhow!("the server did not say where the upload stands"))?;
                    offset = at;
                    progress.stored(at);
                    failures = 0;
                    continue;
                }
                201 => {
                    progress.stored(size);
                    break reply.json()?;
                }
                401 if !signed_in_again && signer.is_some() => {
                    // The session ended during a long upload.
                    progress.end_line();
                    signed_in_again = true;
                    if let Some(signer) = &signer {
                        api.token = Some(sign_in(&api, signer)?);
                    }
                    "the session had ended; signed in again".to_string()
                }
                // Another request still holds the session (one cut off a
                // moment ago), or the offset moved; and server or proxy
                // trouble, which passes.
                409 if reply.code().as_deref() == Some("conflict") => {
                    reply.refusal("uploading").to_string()
                }
                500..=599 => reply.refusal("uploading").to_string(),
                _ => {
                    progress.end_line();
                    if let Ok(Stand::Gone) = where_it_stands(&api, &upload) {
                        remove_state(&state_path)?;
                    }
                    return Err(reply.refusal("uploading the bid"));
                }
            },
            Err(e) => format!("the connection failed: {e}"),
        };
        progress.end_line();
        failures += 1;
        if failures > MAX_RETRIES {
            bail!(
                "the upload stopped at byte {offset} of {size} ({why}); run the same command again to resume"
            );
        }
        let wait = Duration::from_secs(1 << failures.min(4));
        eprintln!("{why}; trying again in {} s", wait.as_secs());
        std::thread::sleep(wait);
        match where_it_stands(&api, &upload) {
            Ok(Stand::At(at)) => {
                offset = at;
                progress.done = at;
                progress.in_flight = 0;
            }
            Ok(Stand::Gone) => {
                remove_state(&state_path)?;
                bail!(
                    "the upload session is gone (expired or refused); run the command again to start over"
                );
            }
            Ok(Stand::Complete) => {
                if let Some(receipt) = recover_receipt(&api, &tender, &sha256)? {
                    break receipt;
                }
                bail!("the upload completed but its bid cannot be found");
            }
            Err(e) => eprintln!("{e:#}"),
        }
    };
    progress.end_line();
    finish(
        file,
        &state_path,
        receipt,
        &sha256,
        size,
        resumed_at,
        progress.sent,
    )
}

fn read_state(path: &Path) -> anyhow::Result<Option<UploadState>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let state: UploadState = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not an upload session file; delete it to start over",
            path.display()
        )
    })?;
    ensure!(
        state.format == STATE_FORMAT,
        "{} is of format {:?}, not {STATE_FORMAT}",
        path.display(),
        state.format
    );
    Ok(Some(state))
}

fn remove_state(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

/// Saves the receipt and its timestamp next to the file and says what was
/// received.
fn finish(
    file: &Path,
    state_path: &Path,
    receipt: Value,
    sha256: &str,
    size: u64,
    resumed_at: u64,
    sent: u64,
) -> anyhow::Result<()> {
    let parsed: Receipt = serde_json::from_value(receipt.clone())
        .context("the server's receipt is not of the documented form")?;
    ensure!(
        parsed.sha256 == sha256 && u64::try_from(parsed.size_bytes).ok() == Some(size),
        "the receipt is for a file of SHA-256 {} and {} bytes, not {} ({sha256}, {size} bytes)",
        parsed.sha256,
        parsed.size_bytes,
        file.display()
    );
    let tsr = openssl::base64::decode_block(&parsed.timestamp_response)
        .context("the receipt's timestamp_response is not base64")?;
    let receipt_path = beside(file, ".receipt.json");
    let tsr_path = beside(file, ".receipt.tsr");
    write_whole(&receipt_path, &serde_json::to_vec_pretty(&receipt)?, true)?;
    write_whole(&tsr_path, &tsr, true)?;
    remove_state(state_path)?;
    println!(
        "received: bid {} (version {}) of {} for {} {}",
        parsed.bid_id,
        parsed.version,
        parsed.bidder_name,
        parsed.tender_reference,
        parsed.tender_title
    );
    println!("received_at: {}", parsed.received_at.to_rfc3339());
    println!(
        "timestamp: {} (serial {})",
        parsed.timestamp_time.to_rfc3339(),
        parsed.timestamp_serial
    );
    println!("sha256: {sha256}");
    println!("size: {size} bytes");
    if resumed_at > 0 {
        println!("resumed_at: byte {resumed_at}");
    }
    println!("uploaded: {sent} bytes in this run");
    println!(
        "receipt: {} and {}",
        receipt_path.display(),
        tsr_path.display()
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// verify-receipt
// ---------------------------------------------------------------------------

fn digest_of_hex(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn verify_receipt(args: VerifyArgs) -> anyhow::Result<()> {
    let receipt: Receipt = serde_json::from_slice(&read_file(&args.receipt)?)
        .with_context(|| format!("{} is not a bid receipt", args.receipt.display()))?;
    ensure!(
        receipt.format == RECEIPT_FORMAT,
        "{} is of format {:?}, not {RECEIPT_FORMAT}",
        args.receipt.display(),
        receipt.format
    );
    let digest = digest_of_hex(&receipt.sha256.to_ascii_lowercase())
        .ok_or_else(|| anyhow!("the receipt's sha256 is not 64 hexadecimal digits"))?;
    let tsr = openssl::base64::decode_block(&receipt.timestamp_response)
        .context("the receipt's timestamp_response is not base64")?;
    let roots = read_certificates(&args.tsa_root)?;
    let untrusted = args
        .untrusted
        .as_deref()
        .map(read_certificates)
        .transpose()?
        .unwrap_or_default();
    let at = args.at.unwrap_or_else(Utc::now);
    let verified = crate::tsa::verify(&tsr, &digest, &roots, &untrusted, at)
        .context("the receipt's timestamp does not verify")?;
    ensure!(
        verified
            .serial_hex
            .eq_ignore_ascii_case(&receipt.timestamp_serial),
        "the receipt says timestamp serial {}, but the token's is {}",
        receipt.timestamp_serial,
        verified.serial_hex
    );
    ensure!(
        verified.gen_time.timestamp() == receipt.timestamp_time.timestamp(),
        "the receipt says timestamp time {}, but the token's is {}",
        receipt.timestamp_time.to_rfc3339(),
        verified.gen_time.to_rfc3339()
    );
    println!(
        "timestamp: OK, SHA-256 {} at {} by {} (serial {}, policy {})",
        receipt.sha256,
        verified.gen_time.to_rfc3339(),
        verified.tsa_subject,
        verified.serial_hex,
        verified.policy_oid
    );
    match &args.file {
        Some(file) => {
            let (sha, size) = sha256_of_file(file)?;
            ensure!(
                sha.eq_ignore_ascii_case(&receipt.sha256),
                "{} is not the file of this receipt: its SHA-256 is {sha}, the receipt's {}",
                file.display(),
                receipt.sha256
            );
            ensure!(
                i64::try_from(size).ok() == Some(receipt.size_bytes),
                "{} has {size} bytes, the receipt {}",
                file.display(),
                receipt.size_bytes
            );
            println!(
                "file: OK, {} is {size} bytes with that SHA-256",
                file.display()
            );
        }
        None => println!("file: not checked (give --file)"),
    }
    println!(
        "tender: {} {} ({})",
        receipt.tender_reference, receipt.tender_title, receipt.tender_id
    );
    println!(
        "bidder: {}{} (submitted by {}; signed by {})",
        receipt.bidder_name,
        receipt
            .bidder_credit_code
            .as_deref()
            .map(|c| format!(", {c}"))
            .unwrap_or_default(),
        receipt.submitted_by,
        receipt.signer_subject
    );
    println!(
        "bid: {} version {}, received {}",
        receipt.bid_id,
        receipt.version,
        receipt.received_at.to_rfc3339()
    );
    println!(
        "(tender and bidder are as the receipt states; the timestamp covers the hash and time)"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digests_are_read_strictly() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            digest_of_hex(hex).map(|d| crate::identity::hex(&d)),
            Some(hex.to_string())
        );
        assert!(digest_of_hex(&hex[1..]).is_none());
        assert!(digest_of_hex(&format!("{}zz", &hex[2..])).is_none());
        assert!(digest_of_hex("é").is_none());
    }

    #[test]
    fn files_beside_keep_the_whole_name() {
        assert_eq!(
            beside(Path::new("dir/bid.p7m"), ".receipt.json"),
            PathBuf::from("dir/bid.p7m.receipt.json")
        );
    }

    #[test]
    fn servers_must_be_http_urls() {
        assert!(Api::new("ftp://x", None).is_err());
        assert_eq!(
            Api::new("http://127.0.0.1:8080/", None).unwrap().base(),
            "http://127.0.0.1:8080"
        );
        assert!(tender_id("not-a-uuid").is_err());
        assert!(tender_id("../../etc").is_err());
    }

    #[test]
    fn refusals_carry_the_problem_detail_and_field_errors() {
        let reply = Reply {
            status: 422,
            headers: Default::default(),
            body: br#"{"type":"/problems/validation","title":"Invalid","status":422,
                      "detail":"the request is invalid","code":"validation",
                      "errors":[{"field":"sha256","message":"64 hexadecimal digits"}]}"#
                .to_vec(),
        };
        let text = reply.refusal("starting the upload").to_string();
        assert!(
            text.contains("HTTP 422, validation: the request is invalid"),
            "{text}"
        );
        assert!(text.contains("sha256: 64 hexadecimal digits"), "{text}");
        let plain = Reply {
            status: 502,
            headers: Default::default(),
            body: b"Bad Gateway".to_vec(),
        };
        assert!(plain.refusal("x").to_string().contains("Bad Gateway"));
    }
}
