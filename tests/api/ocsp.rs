//! OCSP revocation checking against the real `openssl ocsp` responder, with
//! every certificate made by the `openssl` command line (the CA's index is
//! the responder's database; `openssl ca -revoke` revokes), no CRL loaded,
//! and the verdicts compared with `openssl ocsp` as a client.
//!
//! OpenSSL 3.0's `openssl ocsp -port` has no option to choose its address
//! and binds the wildcard one, while every server a test starts must listen
//! on loopback only. So the responder is a small HTTP front bound to
//! 127.0.0.1 in a thread of the test, which hands each POSTed request to a
//! one-shot `openssl ocsp -index … -reqin … -respout …`: `openssl` still
//! looks the certificates up in the CA's index and signs every answer. The
//! front for the address the certificates name is bound before they are
//! made, and held until its test ends, so no other process can take its
//! port meanwhile; closing it is the responder going down.

use crate::fabric::openssl;
use chrono::{Duration, Utc};
use ggzy::pki::ocsp::{self, CertSha256, OcspFact, OcspSettings, ResponderUrl};
use ggzy::pki::policy::{CheckResult, Indication, Purpose, SubIndication};
use ggzy::pki::validation::{Report, TrustMaterial, validate};
use openssl::x509::{X509, X509Crl};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Requests larger than this are not read (an OCSP request is ~100 bytes).
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// An OCSP responder on the loopback interface: each POSTed request is
/// answered by `openssl ocsp` from the CA's index. Closed on drop.
struct Responder {
    url: String,
    addr: SocketAddr,
    signer: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Responder {
    /// Serves on `listener` (bound to loopback by the caller), answering
    /// from the CA's index in `dir` with responses signed by `signer`
    /// (certificate and key file stems).
    fn start(dir: &Path, listener: TcpListener, signer: &str) -> Responder {
        let addr = listener.local_addr().expect("the responder's address");
        assert!(addr.ip().is_loopback(), "the responder must be on loopback");
        let signer = Arc::new(Mutex::new(signer.to_string()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (dir, signer, stop) = (dir.to_path_buf(), signer.clone(), stop.clone());
            std::thread::spawn(move || {
                let work = tempfile::tempdir().expect("a directory for requests");
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let signer = signer.lock().unwrap().clone();
                    serve(stream, |request| {
                        answer(&dir, work.path(), &signer, request)
                    });
                }
                // The listener is dropped here: the port is closed.
            })
        };
        Responder {
            url: format!("http://{addr}"),
            addr,
            signer,
            stop,
            thread: Some(thread),
        }
    }

    /// From now on, responses are signed by `signer`.
    fn sign_with(&self, signer: &str) {
        *self.signer.lock().unwrap() = signer.to_string();
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then closes the listener.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Has `openssl ocsp`, as a responder, answer one DER request.
fn answer(dir: &Path, work: &Path, signer: &str, request: &[u8]) -> Result<Vec<u8>, String> {
    let (reqin, respout) = (work.join("req.der"), work.join("resp.der"));
    std::fs::write(&reqin, request).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&respout);
    let out = Command::new("openssl")
        .args(["ocsp", "-index", "ca.index", "-CA", "ca.pem", "-rsigner"])
        .arg(format!("{signer}.pem"))
        .arg("-rkey")
        .arg(format!("{signer}.key"))
        .args(["-nmin", "10", "-reqin"])
        .arg(&reqin)
        .arg("-respout")
        .arg(&respout)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run openssl ocsp: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    std::fs::read(&respout).map_err(|e| format!("no response from openssl ocsp: {e}"))
}

/// Reads one HTTP request from `stream` and answers a POST with what
/// `respond` makes of its body: 200 and an OCSP response, or 500.
fn serve(mut stream: TcpStream, respond: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let (status, kind, body) = if !request_line.starts_with("POST ") {
        (
            "405 Method Not Allowed",
            "text/plain",
            b"POST only".to_vec(),
        )
    } else if length > MAX_REQUEST_BYTES {
        ("413 Payload Too Large", "text/plain", b"too large".to_vec())
    } else {
        let mut request = vec![0; length];
        match reader
            .read_exact(&mut request)
            .map_err(|e| e.to_string())
            .and_then(|()| respond(&request))
        {
            Ok(response) => ("200 OK", "application/ocsp-response", response),
            Err(why) => {
                eprintln!("OCSP test responder: {why}");
                ("500 Internal Server Error", "text/plain", why.into_bytes())
            }
        }
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&body);
}

/// A listener on an ephemeral port of the loopback interface.
fn loopback_listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("a loopback port")
}

/// A loopback HTTP server answering each of `count` POSTs with the same
/// bytes, as an attacker replaying a recorded OCSP response would.
fn replay(body: Vec<u8>, count: usize) -> String {
    let listener = loopback_listener();
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(stream) = stream else { continue };
            serve(stream, |_| Ok(body.clone()));
        }
    });
    url
}

fn a_day_ago() -> String {
    (Utc::now() - Duration::days(1))
        .format("%Y%m%d%H%M%SZ")
        .to_string()
}

/// A CA keeping an `openssl ca` index, leaves whose authorityInfoAccess
/// names the responder's port, responder certificates with and without
/// the right to sign for the CA, and a rogue CA.
struct Fabric {
    _dir: tempfile::TempDir,
    path: PathBuf,
    /// The port the certificates name, bound on loopback until the test
    /// ends; taken by the first [`Fabric::responder`].
    listener: Cell<Option<TcpListener>>,
    port: u16,
}

impl Fabric {
    fn new() -> Fabric {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let listener = loopback_listener();
        let port = listener.local_addr().expect("its address").port();
        let p = &path;
        let w = |name: &str, text: &str| std::fs::write(p.join(name), text).unwrap();
        let aia = format!("authorityInfoAccess=OCSP;URI:http://127.0.0.1:{port}\n");
        let sign = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=clientAuth\n";
        w("leaf.ext", &format!("{sign}{aia}"));
        w("no-aia.ext", sign);
        w(
            "responder.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,OCSPSigning\nnoCheck=ignored\n",
        );
        w(
            "not-responder.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
        );
        for ca in ["ca", "rogue"] {
            w(
                &format!("{ca}.cnf"),
                &format!(
                    "[ca]\ndefault_ca=d\n[d]\ndatabase={ca}.index\nnew_certs_dir=.\nserial={ca}.serial\ncrlnumber={ca}.crlnumber\ndefault_md=sha256\ndefault_days=30\ndefault_crl_days=30\npolicy=p\nprivate_key={ca}.key\ncertificate={ca}.pem\nunique_subject=no\npreserve=yes\n[p]\ncommonName=supplied\n"
                ),
            );
            w(&format!("{ca}.index"), "");
            w(&format!("{ca}.serial"), "1000\n");
            w(&format!("{ca}.crlnumber"), "01\n");
        }
        // Self-signed through `openssl ca`, so they too can be backdated.
        w(
            "ca.ext",
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
        );
        let start = a_day_ago();
        for (ca, subject) in [
            ("ca", "/C=CN/O=NNG Demo/CN=NNG OCSP Test CA"),
            ("rogue", "/C=CN/O=Elsewhere/CN=Rogue CA"),
        ] {
            let (key, csr, pem) = (
                format!("{ca}.key"),
                format!("{ca}.csr"),
                format!("{ca}.pem"),
            );
            openssl(
                p,
                &[
                    "req",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    &key,
                    "-out",
                    &csr,
                    "-subj",
                    subject,
                ],
            );
            openssl(
                p,
                &[
                    "ca",
                    "-selfsign",
                    "-batch",
                    "-notext",
                    "-config",
                    &format!("{ca}.cnf"),
                    "-keyfile",
                    &key,
                    "-in",
                    &csr,
                    "-out",
                    &pem,
                    "-extfile",
                    "ca.ext",
                    "-startdate",
                    &start,
                    "-days",
                    "3650",
                ],
            );
        }
        for (name, ca, ext) in [
            ("good", "ca", "leaf.ext"),
            ("revoked", "ca", "leaf.ext"),
            ("no-aia", "ca", "no-aia.ext"),
            ("unknown", "ca", "leaf.ext"),
            ("responder", "ca", "responder.ext"),
            ("not-responder", "ca", "not-responder.ext"),
            ("rogue-responder", "rogue", "responder.ext"),
        ] {
            Fabric::issue(p, name, ca, ext);
        }
        // A CRL from before the revocation: current, and silent about it.
        openssl(
            p,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-gencrl",
                "-out",
                "ca-before.crl",
            ],
        );
        openssl(
            p,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-revoke",
                "revoked.pem",
                "-crl_reason",
                "keyCompromise",
            ],
        );
        // The responder's database must not know "unknown" at all.
        let index = std::fs::read_to_string(p.join("ca.index")).unwrap();
        let unknown_serial = X509::from_pem(&std::fs::read(p.join("unknown.pem")).unwrap())
            .unwrap()
            .serial_number()
            .to_bn()
            .unwrap()
            .to_hex_str()
            .unwrap()
            .to_string();
        let kept: String = index
            .lines()
            .filter(|line| line.split('\t').nth(3) != Some(unknown_serial.as_str()))
            .map(|line| format!("{line}\n"))
            .collect();
        assert_ne!(kept, index, "the unknown certificate was in the index");
        w("ca.index", &kept);
        Fabric {
            _dir: dir,
            path,
            listener: Cell::new(Some(listener)),
            port,
        }
    }

    /// Issues with `openssl ca`, so the certificate enters the CA's index,
    /// valid from a day ago.
    fn issue(p: &Path, name: &str, ca: &str, ext: &str) {
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        openssl(
            p,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/C=CN/O=Guangxi {name}/CN=Guangxi {name}"),
            ],
        );
        openssl(
            p,
            &[
                "ca",
                "-batch",
                "-notext",
                "-config",
                &format!("{ca}.cnf"),
                "-in",
                &csr,
                "-out",
                &pem,
                "-extfile",
                ext,
                "-startdate",
                &a_day_ago(),
            ],
        );
    }

    fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path.join(name)).unwrap()
    }

    fn cert(&self, name: &str) -> X509 {
        X509::from_pem(&self.bytes(name)).unwrap()
    }

    /// The CA as the only anchor, no CRL, OCSP on (a fresh cache each time).
    fn trust(&self) -> TrustMaterial {
        TrustMaterial {
            anchors: vec![self.cert("ca.pem")],
            ..TrustMaterial::default()
        }
    }

    /// The same, with the CA's responder set to `url` by the operator.
    fn trust_with_responder(&self, url: &str) -> TrustMaterial {
        let mut trust = self.trust();
        trust.ocsp.responders.insert(
            CertSha256::of(&self.cert("ca.pem")).unwrap(),
            ResponderUrl::parse(url).unwrap(),
        );
        trust
    }

    /// The responder the certificates name. Once stopped, it stays down
    /// (its port is not bound again); [`Responder::sign_with`] changes
    /// its signer.
    fn responder(&self, signer: &str) -> Responder {
        let listener = self
            .listener
            .take()
            .expect("the certificates' responder is started only once");
        Responder::start(&self.path, listener, signer)
    }

    /// A responder on another port than the one the certificates name.
    fn responder_elsewhere(&self, signer: &str) -> Responder {
        Responder::start(&self.path, loopback_listener(), signer)
    }

    fn validate(&self, name: &str, trust: &TrustMaterial) -> Report {
        validate(&self.bytes(name), trust, Utc::now(), Purpose::Signing)
    }

    /// What `openssl ocsp` as a client says of a certificate: its status
    /// word (good, revoked, unknown), or None if it refused the response.
    fn openssl_says(&self, name: &str, url: &str) -> Option<String> {
        let out = Command::new("openssl")
            .args([
                "ocsp", "-issuer", "ca.pem", "-cert", name, "-url", url, "-CAfile", "ca.pem",
            ])
            .current_dir(&self.path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if !out.status.success() || !stderr.contains("Response verify OK") {
            return None;
        }
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
            .map(|status| status.trim().to_string())
    }
}

impl Fabric {
    /// Records a response with the `openssl ocsp` client, with or without
    /// the client's own nonce.
    fn record(&self, name: &str, url: &str, out: &str, nonce: bool) {
        let mut args = vec![
            "ocsp", "-issuer", "ca.pem", "-cert", name, "-url", url, "-CAfile", "ca.pem",
            "-respout", out,
        ];
        if !nonce {
            args.push("-no_nonce");
        }
        openssl(&self.path, &args);
    }

    /// OCSP settings sending every question about the CA's certificates to `url`.
    fn settings_for(&self, url: &str) -> OcspSettings {
        let mut settings = OcspSettings::default();
        settings.responders.insert(
            CertSha256::of(&self.cert("ca.pem")).unwrap(),
            ResponderUrl::parse(url).unwrap(),
        );
        settings
    }
}

fn verdict(report: &Report) -> (Indication, Option<SubIndication>) {
    (report.decision.indication, report.decision.sub_indication)
}

fn check<'a>(report: &'a Report, name: &str) -> &'a str {
    report
        .decision
        .checks
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.detail.as_str())
        .unwrap_or_else(|| panic!("no {name} check in {report:#?}"))
}

const TRY_LATER: (Indication, Option<SubIndication>) =
    (Indication::Indeterminate, Some(SubIndication::TryLater));
const REVOKED: (Indication, Option<SubIndication>) =
    (Indication::Failed, Some(SubIndication::Revoked));

#[test]
fn a_delegated_responder_is_believed_as_openssl_ocsp_believes_it() {
    let f = Fabric::new();
    let responder = f.responder("responder");
    let trust = f.trust();

    let good = f.validate("good.pem", &trust);
    assert_eq!(verdict(&good), (Indication::Passed, None), "{good:#?}");
    assert_eq!(
        f.openssl_says("good.pem", &responder.url).as_deref(),
        Some("good")
    );
    let sources = check(&good, "revocation_sources");
    assert!(
        sources.contains(&format!("answered by OCSP {}", responder.url)),
        "{sources}"
    );
    assert!(
        sources.contains("CRL: unable to get certificate CRL"),
        "{sources}"
    );

    let revoked = f.validate("revoked.pem", &trust);
    assert_eq!(verdict(&revoked), REVOKED, "{revoked:#?}");
    assert!(
        check(&revoked, "revocation").contains("(keyCompromise), according to OCSP"),
        "{revoked:#?}"
    );
    assert_eq!(
        f.openssl_says("revoked.pem", &responder.url).as_deref(),
        Some("revoked")
    );
    // Before its revocation, the same certificate was good.
    let before = validate(
        &f.bytes("revoked.pem"),
        &trust,
        Utc::now() - Duration::minutes(10),
        Purpose::Signing,
    );
    assert_eq!(verdict(&before), (Indication::Passed, None), "{before:#?}");

    // A certificate the responder does not know is not vouched for.
    let unknown = f.validate("unknown.pem", &trust);
    assert_eq!(verdict(&unknown), TRY_LATER, "{unknown:#?}");
    assert!(check(&unknown, "revocation").contains("does not know"));
    assert_eq!(
        f.openssl_says("unknown.pem", &responder.url).as_deref(),
        Some("unknown")
    );

    // Answers are cached until their nextUpdate: with the responder gone,
    // the same trust material still knows; fresh material must try later.
    drop(responder);
    assert_eq!(
        verdict(&f.validate("good.pem", &trust)),
        (Indication::Passed, None)
    );
    assert_eq!(verdict(&f.validate("revoked.pem", &trust)), REVOKED);
    let down = f.validate("good.pem", &f.trust());
    assert_eq!(verdict(&down), TRY_LATER, "{down:#?}");
    assert!(
        check(&down, "revocation").contains("responder unreachable"),
        "{down:#?}"
    );
    assert_eq!(
        f.openssl_says("good.pem", &format!("http://127.0.0.1:{}", f.port)),
        None
    );
}

#[test]
fn the_issuer_may_answer_itself_and_an_unauthorised_signer_is_not_believed() {
    let f = Fabric::new();
    let responder = f.responder("ca");
    assert_eq!(
        verdict(&f.validate("good.pem", &f.trust())),
        (Indication::Passed, None)
    );
    assert_eq!(verdict(&f.validate("revoked.pem", &f.trust())), REVOKED);
    assert_eq!(
        f.openssl_says("good.pem", &responder.url).as_deref(),
        Some("good")
    );
    // Signed by a responder of another CA, or by a certificate of this CA
    // that was not issued for OCSP signing: not trusted, whatever it says,
    // by us or by openssl.
    for signer in ["rogue-responder", "not-responder"] {
        responder.sign_with(signer);
        for name in ["good.pem", "revoked.pem"] {
            let report = f.validate(name, &f.trust());
            assert_eq!(verdict(&report), TRY_LATER, "{signer}, {name}: {report:#?}");
            assert!(
                check(&report, "revocation").contains("not authorised"),
                "{report:#?}"
            );
            assert_eq!(
                f.openssl_says(name, &responder.url),
                None,
                "{signer}, {name}"
            );
        }
    }
}

#[test]
fn operators_can_name_the_responder_of_an_issuer() {
    let f = Fabric::new();
    let responder = f.responder_elsewhere("responder");
    // The certificate names no responder: nothing to ask.
    let report = f.validate("no-aia.pem", &f.trust());
    assert_eq!(verdict(&report), TRY_LATER);
    assert!(check(&report, "revocation").contains("no OCSP responder"));
    // Its issuer's responder, set by the operator.
    let trust = f.trust_with_responder(&responder.url);
    let report = f.validate("no-aia.pem", &trust);
    assert_eq!(verdict(&report), (Indication::Passed, None), "{report:#?}");
    assert!(check(&report, "revocation_sources").contains(&responder.url));
    // The operator's choice outranks the certificate's own (dead) address.
    let report = f.validate("revoked.pem", &trust);
    assert_eq!(verdict(&report), REVOKED, "{report:#?}");
    // An unauthorised responder set by the operator is no more believed.
    let rogue = f.responder_elsewhere("rogue-responder");
    let report = f.validate("good.pem", &f.trust_with_responder(&rogue.url));
    assert_eq!(verdict(&report), TRY_LATER, "{report:#?}");
}

#[test]
fn ocsp_and_crls_combine_and_ocsp_can_be_turned_off() {
    let f = Fabric::new();
    let _responder = f.responder("responder");
    let crl = || X509Crl::from_pem(&f.bytes("ca-before.crl")).unwrap();
    // A current CRL from before the revocation calls it good; OCSP knows
    // better: any source saying revoked wins.
    let trust = TrustMaterial {
        crls: vec![crl()],
        ..f.trust()
    };
    let report = f.validate("revoked.pem", &trust);
    assert_eq!(verdict(&report), REVOKED, "{report:#?}");
    let good = f.validate("good.pem", &trust);
    assert_eq!(verdict(&good), (Indication::Passed, None));
    assert!(
        good.decision
            .checks
            .iter()
            .any(|c| c.name == "revocation_sources" && c.result == CheckResult::Passed)
    );
    // OCSP off: no CRL, nothing else to go on.
    let off = TrustMaterial {
        ocsp: OcspSettings {
            enabled: false,
            ..OcspSettings::default()
        },
        ..f.trust()
    };
    assert_eq!(verdict(&f.validate("good.pem", &off)), TRY_LATER);
    // OCSP off, the stale CRL alone: the revocation goes unseen (this is
    // what a CRL-only check gives, and why OCSP is on by default).
    let crl_only = TrustMaterial {
        crls: vec![crl()],
        ..off
    };
    assert_eq!(
        verdict(&f.validate("revoked.pem", &crl_only)),
        (Indication::Passed, None)
    );
}

#[test]
fn replayed_stale_and_premature_answers_are_refused() {
    let f = Fabric::new();
    let (cert, ca) = (f.cert("good.pem"), f.cert("ca.pem"));
    let now = Utc::now();
    {
        let responder = f.responder("responder");
        // A live exchange: the responder echoes our nonce.
        let live = ocsp::check(&cert, &ca, &OcspSettings::default(), now);
        assert!(matches!(live.fact, OcspFact::Good { .. }), "{live:?}");
        assert!(live.nonce_echoed && !live.cached, "{live:?}");
        assert_eq!(
            live.responder.map(|url| url.to_string()),
            Some(responder.url.clone())
        );
        f.record("good.pem", &responder.url, "with-nonce.der", true);
        f.record("good.pem", &responder.url, "no-nonce.der", false);
    }
    let unavailable = |answer: ocsp::OcspAnswer, needle: &str| match answer.fact {
        OcspFact::Unavailable(why) => assert!(why.contains(needle), "{why}"),
        other => panic!("expected a refusal ({needle}), got {other:?}"),
    };
    // Another client's answer, replayed: its nonce is not ours.
    let url = replay(f.bytes("with-nonce.der"), 1);
    unavailable(ocsp::check(&cert, &ca, &f.settings_for(&url), now), "nonce");
    // A pre-produced answer without a nonce is accepted within its window,
    // and only there.
    let url = replay(f.bytes("no-nonce.der"), 3);
    let answer = ocsp::check(&cert, &ca, &f.settings_for(&url), now);
    assert!(matches!(answer.fact, OcspFact::Good { .. }), "{answer:?}");
    assert!(!answer.nonce_echoed);
    unavailable(
        ocsp::check(&cert, &ca, &f.settings_for(&url), now + Duration::days(1)),
        "stale",
    );
    unavailable(
        ocsp::check(&cert, &ca, &f.settings_for(&url), now - Duration::days(1)),
        "in the future",
    );
    // An answer about another certificate proves nothing about this one.
    let url = replay(f.bytes("no-nonce.der"), 1);
    unavailable(
        ocsp::check(&f.cert("revoked.pem"), &ca, &f.settings_for(&url), now),
        "does not speak of this certificate",
    );
    // Garbage, and nobody listening.
    let url = replay(b"not DER".to_vec(), 1);
    unavailable(
        ocsp::check(&cert, &ca, &f.settings_for(&url), now),
        "not an OCSP response",
    );
}
