//! The TSA against the openssl command line: our stamps verify with
//! `openssl ts -verify` (RSA made here with the CLI, the demo fabric's P-256
//! TSA), our verifier accepts the CLI TSA's answers, and every refusal says
//! why. Certificates and keys are made with the `openssl` CLI.

use super::*;
use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use openssl::pkey::PKey;
use openssl::sha::sha256;
use openssl::x509::X509;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl CLI")
}

fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A time with a fraction, which stamps keep to the second.
fn stamp_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 20, 30).unwrap() + Duration::microseconds(654_321)
}

const CONFIG: &str = r#"
[req]
distinguished_name = dn
prompt = no
x509_extensions = root
[dn]
CN = Test TSA Root
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[tsa]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[noncritical]
basicConstraints = CA:FALSE
extendedKeyUsage = timeStamping
[mixed]
basicConstraints = CA:FALSE
extendedKeyUsage = critical,timeStamping,codeSigning
[noeku]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature

# openssl ts -reply -section cli_tsa
[cli_tsa]
serial = ./cli-serial
crypto_device = builtin
signer_cert = ./tsa.pem
certs = ./root.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha3-256
accuracy = secs:1
clock_precision_digits = 3
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"#;

/// A root CA and an RSA timestamping certificate under it, plus
/// certificates that are not fit to sign timestamps, all made by the CLI
/// (valid for 30 days from now) in a directory kept for the test run.
struct Fabric {
    dir: tempfile::TempDir,
    root: X509,
}

impl Fabric {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cert(&self, name: &str) -> X509 {
        X509::from_pem(&std::fs::read(self.path(name)).unwrap()).unwrap()
    }
}

fn fabric() -> &'static Fabric {
    static FABRIC: OnceLock<Fabric> = OnceLock::new();
    FABRIC.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("openssl.cnf"), CONFIG).unwrap();
        openssl_ok(
            d,
            &[
                "req",
                "-x509",
                "-config",
                "openssl.cnf",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "root.key",
                "-out",
                "root.pem",
                "-days",
                "30",
            ],
        );
        openssl_ok(
            d,
            &[
                "req",
                "-new",
                "-config",
                "openssl.cnf",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.csr",
                "-subj",
                "/CN=Test RSA TSA",
            ],
        );
        for (section, out) in [
            ("tsa", "tsa.pem"),
            ("noncritical", "noncritical.pem"),
            ("mixed", "mixed.pem"),
            ("noeku", "noeku.pem"),
        ] {
            openssl_ok(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    "tsa.csr",
                    "-CA",
                    "root.pem",
                    "-CAkey",
                    "root.key",
                    "-CAcreateserial",
                    "-days",
                    "30",
                    "-extfile",
                    "openssl.cnf",
                    "-extensions",
                    section,
                    "-out",
                    out,
                ],
            );
        }
        let root = X509::from_pem(&std::fs::read(d.join("root.pem")).unwrap()).unwrap();
        Fabric { dir, root }
    })
}

fn rsa_tsa() -> Tsa {
    let f = fabric();
    Tsa::load(&f.path("tsa.pem"), &f.path("tsa.key")).unwrap()
}

fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("certs/demo/GX")
        .join(name)
}

fn demo_tsa() -> Tsa {
    Tsa::load(
        &demo("timestamp-authority.cert.pem"),
        &demo("timestamp-authority.key.pem"),
    )
    .unwrap()
}

fn demo_root() -> X509 {
    X509::from_pem(&std::fs::read(demo("root-ca.cert.pem")).unwrap()).unwrap()
}

/// Inside the demo certificates' validity (Nov 2026 – Nov 2031).
fn demo_check_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
}

/// `openssl ts -verify` of a response (or, with `token`, a bare token).
fn cli_verify(dir: &Path, file: &str, token: bool, hash: &[u8; 32], extra: &[&str]) -> Output {
    let digest = hex(hash);
    let mut args = vec!["ts", "-verify", "-digest", &digest];
    if token {
        args.push("-token_in");
    }
    args.extend(["-in", file]);
    args.extend(extra);
    openssl(dir, &args)
}

fn assert_cli_accepts(dir: &Path, file: &str, token: bool, hash: &[u8; 32], extra: &[&str]) {
    let out = cli_verify(dir, file, token, hash, extra);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("Verification: OK"),
        "openssl ts -verify {file}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_rsa_stamp_verifies_with_the_openssl_cli() {
    let f = fabric();
    let hash = sha256(b"bid 1");
    let stamp = rsa_tsa().stamp(&hash, stamp_time()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("resp.tsr"), &stamp.response_der).unwrap();
    std::fs::write(d.join("token.tst"), &stamp.token_der).unwrap();
    let ca = f.path("root.pem");
    let tsa = f.path("tsa.pem");
    let trust = [
        "-CAfile",
        ca.to_str().unwrap(),
        "-untrusted",
        tsa.to_str().unwrap(),
    ];
    assert_cli_accepts(d, "resp.tsr", false, &hash, &trust);
    assert_cli_accepts(d, "token.tst", true, &hash, &trust);
    // The token carries the TSA certificate (certReq): no -untrusted needed.
    assert_cli_accepts(d, "resp.tsr", false, &hash, &trust[..2]);

    // The CLI too refuses another hash.
    let other = sha256(b"bid 2");
    assert!(
        !cli_verify(d, "resp.tsr", false, &other, &trust)
            .status
            .success()
    );

    let text = openssl_ok(d, &["ts", "-reply", "-in", "resp.tsr", "-text"]);
    assert!(text.contains("Status: Granted."), "{text}");
    assert!(text.contains("Hash Algorithm: sha256"), "{text}");
    // The imprint as openssl's hex dump shows it, 16 bytes a row.
    for (row, bytes) in hash.chunks(16).enumerate() {
        let half = |h: &[u8]| h.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>();
        let line = format!(
            "{:04x} - {}-{}",
            row * 16,
            half(&bytes[..8]).join(" "),
            half(&bytes[8..]).join(" ")
        );
        assert!(text.contains(&line), "no imprint row {line} in {text}");
    }
    assert!(text.contains(DEFAULT_POLICY_OID), "{text}");
    assert!(
        text.contains(&format!("Serial number: 0x{}", stamp.serial_hex)),
        "{text}"
    );
    assert!(
        text.contains("Time stamp: Dec  1 10:20:30 2026 GMT"),
        "{text}"
    );
    assert!(text.contains("Nonce: 0x"), "{text}");
    assert!(text.contains("TSA: DirName:/CN=Test RSA TSA"), "{text}");
}

#[test]
fn a_tsa_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Tsa>();
}

#[test]
fn a_stamp_states_the_time_given_and_a_fresh_serial() {
    let tsa = rsa_tsa();
    let hash = sha256(b"bid");
    let now = stamp_time();
    let first = tsa.stamp(&hash, now).unwrap();
    let second = tsa.stamp(&hash, now).unwrap();
    assert_eq!(first.gen_time, now.with_nanosecond(0).unwrap());
    assert_eq!(second.gen_time, first.gen_time);
    assert_ne!(first.serial_hex, second.serial_hex);
    assert_eq!(first.serial_hex.len(), 32, "{}", first.serial_hex);
    assert_ne!(first.token_der, second.token_der);

    let roots = [fabric().root.clone()];
    let verified = verify(&first.response_der, &hash, &roots, &[], Utc::now()).unwrap();
    assert_eq!(verified.gen_time, first.gen_time);
    assert_eq!(verified.serial_hex, first.serial_hex);
    assert_eq!(verified.policy_oid, DEFAULT_POLICY_OID);
    assert_eq!(verified.tsa_subject, "CN=Test RSA TSA");
    // The bare token says the same.
    let from_token = verify(&first.token_der, &hash, &roots, &[], Utc::now()).unwrap();
    assert_eq!(from_token, verified);
}

#[test]
fn the_demo_gx_p256_tsa_stamps_what_the_openssl_cli_accepts() {
    let tsa = demo_tsa();
    let hash = sha256(b"GX bid");
    let stamp = tsa.stamp(&hash, stamp_time()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("resp.tsr"), &stamp.response_der).unwrap();
    std::fs::write(d.join("token.tst"), &stamp.token_der).unwrap();
    let ca = demo("root-ca.cert.pem");
    let cert = demo("timestamp-authority.cert.pem");
    let attime = demo_check_time().timestamp().to_string();
    let trust = [
        "-CAfile",
        ca.to_str().unwrap(),
        "-untrusted",
        cert.to_str().unwrap(),
        "-attime",
        &attime,
    ];
    assert_cli_accepts(d, "resp.tsr", false, &hash, &trust);
    assert_cli_accepts(d, "token.tst", true, &hash, &trust);
    let text = openssl_ok(d, &["ts", "-reply", "-in", "resp.tsr", "-text"]);
    assert!(text.contains("Hash Algorithm: sha256"), "{text}");
    let cms = openssl_ok(
        d,
        &[
            "cms",
            "-cmsout",
            "-print",
            "-inform",
            "DER",
            "-in",
            "token.tst",
        ],
    );
    // ECDSA with SHA-256, the signer named by an ESS SigningCertificateV2.
    assert!(
        cms.contains("signatureAlgorithm: \n          algorithm: ecdsa-with-SHA256"),
        "{cms}"
    );
    assert!(cms.contains("id-smime-aa-signingCertificateV2"), "{cms}");

    let verified = verify(
        &stamp.response_der,
        &hash,
        &[demo_root()],
        &[],
        demo_check_time(),
    )
    .unwrap();
    assert_eq!(verified.gen_time, stamp.gen_time);
    assert!(
        verified
            .tsa_subject
            .contains("CN=GX Demo Timestamp Authority"),
        "{}",
        verified.tsa_subject
    );
}

#[test]
fn a_chain_after_the_leaf_travels_in_the_token() {
    let f = fabric();
    let bundle = f.dir.path().join("bundle.pem");
    let mut pem = std::fs::read(f.path("tsa.pem")).unwrap();
    pem.extend(std::fs::read(f.path("root.pem")).unwrap());
    std::fs::write(&bundle, pem).unwrap();
    let tsa = Tsa::load(&bundle, &f.path("tsa.key")).unwrap();
    assert_eq!(
        tsa.certificate().to_der().unwrap(),
        f.cert("tsa.pem").to_der().unwrap()
    );
    let hash = sha256(b"chained");
    let stamp = tsa.stamp(&hash, stamp_time()).unwrap();
    let token = openssl::pkcs7::Pkcs7::from_der(&stamp.token_der).unwrap();
    let certs = token.signed().and_then(|s| s.certificates()).unwrap();
    assert_eq!(certs.len(), 2);
    verify(
        &stamp.token_der,
        &hash,
        std::slice::from_ref(&f.root),
        &[],
        Utc::now(),
    )
    .unwrap();
}

/// `openssl ts -query` and `-reply` with the test's config: the CLI as TSA.
/// `hash` is sent as a SHA-256 imprint unless `extra_query` names another
/// digest.
fn cli_tsa_answer(hash: &[u8; 32], extra_query: &[&str], token_out: bool) -> Vec<u8> {
    let f = fabric();
    let d = f.dir.path();
    // Each answer with its own serial file: tests run in parallel.
    let name = format!("q-{}", uuid::Uuid::new_v4());
    let config = format!("{name}.cnf");
    let serial = format!("{name}.serial");
    std::fs::write(
        d.join(&config),
        CONFIG.replace("./cli-serial", &format!("./{serial}")),
    )
    .unwrap();
    std::fs::write(d.join(&serial), "01\n").unwrap();
    let query = format!("{name}.tsq");
    let reply = format!("{name}.tsr");
    let digest = hex(hash);
    let mut args = vec!["ts", "-query", "-digest", &digest, "-cert", "-out", &query];
    if !extra_query.iter().any(|a| a.starts_with("-sha")) {
        args.push("-sha256");
    }
    args.extend(extra_query);
    openssl_ok(d, &args);
    let mut args = vec![
        "ts",
        "-reply",
        "-config",
        &config,
        "-section",
        "cli_tsa",
        "-queryfile",
        &query,
        "-out",
        &reply,
    ];
    if token_out {
        args.push("-token_out");
    }
    openssl_ok(d, &args);
    std::fs::read(d.join(&reply)).unwrap()
}

#[test]
fn verify_accepts_what_the_openssl_cli_tsa_issues() {
    let hash = sha256(b"cli bid");
    let roots = [fabric().root.clone()];
    let response = cli_tsa_answer(&hash, &[], false);
    let verified = verify(&response, &hash, &roots, &[], Utc::now()).unwrap();
    assert_eq!(verified.policy_oid, "1.2.3.4.1");
    assert_eq!(verified.tsa_subject, "CN=Test RSA TSA");
    let age = Utc::now() - verified.gen_time;
    assert!(
        age >= Duration::zero() && age < Duration::minutes(5),
        "{age}"
    );

    let token = cli_tsa_answer(&hash, &[], true);
    let verified = verify(&token, &hash, &roots, &[], Utc::now()).unwrap();
    assert_eq!(verified.policy_oid, "1.2.3.4.1");
}

#[test]
fn verify_refuses_another_hash() {
    let hash = sha256(b"bid");
    let other = sha256(b"bid, changed");
    let stamp = rsa_tsa().stamp(&hash, stamp_time()).unwrap();
    let roots = [fabric().root.clone()];
    for der in [&stamp.response_der, &stamp.token_der] {
        let err = verify(der, &other, &roots, &[], Utc::now()).unwrap_err();
        assert!(matches!(err, TsaError::HashMismatch), "{err}");
        assert_eq!(err.to_string(), "the timestamp does not cover this hash");
    }
    let cli = cli_tsa_answer(&hash, &[], false);
    let err = verify(&cli, &other, &roots, &[], Utc::now()).unwrap_err();
    assert!(matches!(err, TsaError::HashMismatch), "{err}");
}

#[test]
fn verify_refuses_the_same_bytes_hashed_with_another_algorithm() {
    let hash = sha256(b"bid");
    // The CLI TSA stamps these 32 bytes as a SHA3-256 imprint.
    let response = cli_tsa_answer(&hash, &["-sha3-256"], false);
    let roots = [fabric().root.clone()];
    let err = verify(&response, &hash, &roots, &[], Utc::now()).unwrap_err();
    assert!(matches!(err, TsaError::HashMismatch), "{err}");
}

#[test]
fn verify_refuses_a_tsa_that_does_not_chain_to_the_roots() {
    let hash = sha256(b"bid");
    let stamp = rsa_tsa().stamp(&hash, stamp_time()).unwrap();
    // The demo root is not the RSA TSA's issuer.
    let err = verify(&stamp.response_der, &hash, &[demo_root()], &[], Utc::now()).unwrap_err();
    assert!(matches!(err, TsaError::Untrusted(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("the timestamp authority is not trusted: unable to get local issuer"),
        "{err}"
    );
    // Nor is the TSA certificate itself a root.
    let err = verify(
        &stamp.token_der,
        &hash,
        &[fabric().cert("tsa.pem")],
        &[],
        Utc::now(),
    )
    .unwrap_err();
    assert!(matches!(err, TsaError::Untrusted(_)), "{err}");
    let err = verify(&stamp.token_der, &hash, &[], &[], Utc::now()).unwrap_err();
    assert!(matches!(err, TsaError::Untrusted(_)), "{err}");
}

#[test]
fn verify_checks_the_chain_at_the_time_given() {
    let hash = sha256(b"bid");
    let stamp = rsa_tsa().stamp(&hash, stamp_time()).unwrap();
    let roots = [fabric().root.clone()];
    let later = Utc::now() + Duration::days(60);
    let err = verify(&stamp.response_der, &hash, &roots, &[], later).unwrap_err();
    assert!(
        matches!(&err, TsaError::Untrusted(why) if why.contains("expired")),
        "{err}"
    );
}

#[test]
fn verify_refuses_what_is_not_a_timestamp() {
    let hash = sha256(b"bid");
    let stamp = rsa_tsa().stamp(&hash, stamp_time()).unwrap();
    let roots = [fabric().root.clone()];
    let response = &stamp.response_der;
    let token = &stamp.token_der;
    let mut trailing = response.clone();
    trailing.push(0);
    // A signed PKCS #7 whose content is not a TSTInfo.
    let f = fabric();
    let signed = openssl::pkcs7::Pkcs7::sign(
        &f.cert("tsa.pem"),
        &PKey::private_key_from_pem(&std::fs::read(f.path("tsa.key")).unwrap()).unwrap(),
        &openssl::stack::Stack::new().unwrap(),
        b"not a TSTInfo",
        openssl::pkcs7::Pkcs7Flags::BINARY,
    )
    .unwrap()
    .to_der()
    .unwrap();
    let certificate = f.root.to_der().unwrap();
    let cases: Vec<(&str, &[u8])> = vec![
        ("empty", &[]),
        ("text", b"hello, this is not DER"),
        ("a certificate", &certificate),
        ("a truncated response", &response[..response.len() - 10]),
        ("half a token", &token[..token.len() / 2]),
        ("a response with a byte after it", &trailing),
        ("a signed message", &signed),
    ];
    for (what, der) in cases {
        let err = verify(der, &hash, &roots, &[], Utc::now()).unwrap_err();
        assert!(matches!(err, TsaError::NotATimestamp), "{what}: {err}");
        assert_eq!(err.to_string(), "not a timestamp response or token");
    }
}

#[test]
fn verify_refuses_a_token_altered_after_signing() {
    let hash = sha256(b"bid");
    let stamp = rsa_tsa().stamp(&hash, stamp_time()).unwrap();
    let roots = [fabric().root.clone()];
    let gen_time = b"20261201102030Z";
    for der in [&stamp.response_der, &stamp.token_der] {
        let at = der
            .windows(gen_time.len())
            .position(|w| w == gen_time)
            .expect("genTime in the DER");
        let mut altered = der.clone();
        altered[at + 11] = b'9'; // 10:20:30 becomes 10:29:30
        let err = verify(&altered, &hash, &roots, &[], Utc::now()).unwrap_err();
        assert!(matches!(err, TsaError::BadSignature), "{err}");
    }
}

#[test]
fn verify_reports_a_refused_request() {
    let hash = sha256(b"bid");
    // The CLI TSA does not offer this policy.
    let response = cli_tsa_answer(&hash, &["-tspolicy", "1.2.3.9"], false);
    let err = verify(&response, &hash, &[fabric().root.clone()], &[], Utc::now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the timestamp authority refused: rejection: Requested policy is not supported."
    );
}

#[test]
fn new_refuses_a_certificate_unfit_for_timestamping() {
    let f = fabric();
    let key = || PKey::private_key_from_pem(&std::fs::read(f.path("tsa.key")).unwrap()).unwrap();
    for (file, why) in [
        (
            "noncritical.pem",
            "the certificate cannot sign timestamps: its timeStamping extended key usage is not critical",
        ),
        (
            "mixed.pem",
            "the certificate cannot sign timestamps: its extended key usage must be timeStamping alone",
        ),
        (
            "noeku.pem",
            "the certificate cannot sign timestamps: it has no extended key usage",
        ),
        (
            "root.pem",
            "the certificate cannot sign timestamps: it has no extended key usage",
        ),
    ] {
        let err = Tsa::new(f.cert(file), key(), vec![], DEFAULT_POLICY_OID).unwrap_err();
        assert_eq!(err.to_string(), why, "{file}");
    }
}

#[test]
fn new_refuses_a_key_that_is_not_the_certificates() {
    let f = fabric();
    let root_key = PKey::private_key_from_pem(&std::fs::read(f.path("root.key")).unwrap()).unwrap();
    let err = Tsa::new(f.cert("tsa.pem"), root_key, vec![], DEFAULT_POLICY_OID).unwrap_err();
    assert!(matches!(err, TsaError::KeyMismatch), "{err}");
    // Nor the demo key under the RSA certificate, nor across files.
    let err = Tsa::load(&f.path("tsa.pem"), &demo("timestamp-authority.key.pem")).unwrap_err();
    assert!(matches!(err, TsaError::KeyMismatch), "{err}");
}

#[test]
fn new_refuses_a_policy_that_is_not_a_dotted_oid() {
    let f = fabric();
    let key = PKey::private_key_from_pem(&std::fs::read(f.path("tsa.key")).unwrap()).unwrap();
    for policy in [
        "",
        "sha256",
        "1.2.3\0.4",
        "1",
        "3.1",
        "1.40",
        "1.02.3",
        "1..2",
        "2.5.",
    ] {
        let err = Tsa::new(f.cert("tsa.pem"), key.clone(), vec![], policy).unwrap_err();
        assert!(matches!(err, TsaError::Policy(_)), "{policy:?}: {err}");
    }
    let tsa = Tsa::new(f.cert("tsa.pem"), key, vec![], "1.2.3.4.5").unwrap();
    let hash = sha256(b"bid");
    let stamp = tsa.stamp(&hash, stamp_time()).unwrap();
    let verified = verify(
        &stamp.token_der,
        &hash,
        std::slice::from_ref(&f.root),
        &[],
        Utc::now(),
    )
    .unwrap();
    assert_eq!(verified.policy_oid, "1.2.3.4.5");
}

#[test]
fn load_says_which_file_it_cannot_read() {
    let f = fabric();
    let missing = f.dir.path().join("missing.pem");
    let err = Tsa::load(&missing, &f.path("tsa.key")).unwrap_err();
    assert!(
        matches!(&err, TsaError::Load { path, .. } if *path == missing),
        "{err}"
    );
    let err = Tsa::load(&f.path("tsa.key"), &f.path("tsa.key")).unwrap_err();
    assert!(matches!(err, TsaError::Load { .. }), "{err}");
    let err = Tsa::load(&f.path("tsa.pem"), &f.path("tsa.pem")).unwrap_err();
    assert!(matches!(err, TsaError::Load { .. }), "{err}");
}

#[test]
fn stamp_refuses_a_time_a_timestamp_cannot_hold() {
    let tsa = rsa_tsa();
    let hash = sha256(b"bid");
    for time in [
        Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap(),
    ] {
        let err = tsa.stamp(&hash, time).unwrap_err();
        assert!(matches!(err, TsaError::Time(_)), "{err}");
    }
    let last = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
    assert_eq!(tsa.stamp(&hash, last).unwrap().gen_time, last);
}
