//! The envelope: our packing and the plain `openssl cms` command line, both
//! ways, for RSA and P-256; every refusal; hostile bytes; memory bounded on
//! a 64 MiB stream. Keys and certificates are made with the openssl CLI.

use super::ber::{INTEGER, Meter, OID, Reader, SEQUENCE, SET, Tag};
use super::cms::{content_info, parse_time};
use super::*;
use crate::bids::container::{self as bc, KeyTerms, PriceSchedule};
use crate::pki::policy::{Decision, Indication, SubIndication};
use crate::seals::{CertListForm, Picture, SealSpec, SealType};
use crate::types::CreditCode;
use chrono::TimeZone;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl CLI")
}

fn openssl_ok(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

struct Party {
    cert: X509,
    key: PKey<Private>,
    /// PEM files (absolute paths).
    crt: String,
    key_file: String,
}

struct Kit {
    ca: Party,
    enterprise: Party,
    other_enterprise: Party,
    opening: Party,
    other_opening: Party,
    seal_authority: Party,
}

struct Fixtures {
    _dir: tempfile::TempDir,
    rsa: Kit,
    p256: Kit,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Rsa,
    P256,
}

/// A key and certificate made with `openssl req -x509`: self-signed, or
/// issued by `ca` (`-CA`, OpenSSL 3).
fn party(dir: &Path, kind: Kind, name: &str, ca: Option<&Party>, ext: &str) -> Party {
    let key_file = dir.join(format!("{name}.key")).display().to_string();
    let crt = dir.join(format!("{name}.crt")).display().to_string();
    let subject = format!("/CN={name}/O=ggzy test/C=CN");
    let mut args = vec!["req", "-x509", "-nodes", "-days", "3650", "-subj", &subject];
    match kind {
        Kind::Rsa => args.extend(["-newkey", "rsa:2048"]),
        Kind::P256 => args.extend(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
    }
    args.extend(["-keyout", &key_file, "-out", &crt, "-addext", ext]);
    if let Some(ca) = ca {
        args.extend(["-CA", &ca.crt, "-CAkey", &ca.key_file]);
    }
    openssl_ok(dir, &args);
    Party {
        cert: X509::from_pem(&std::fs::read(&crt).unwrap()).unwrap(),
        key: PKey::private_key_from_pem(&std::fs::read(&key_file).unwrap()).unwrap(),
        crt,
        key_file,
    }
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let kit = |kind: Kind, p: &str| {
            let ca = party(d, kind, &format!("{p}-ca"), None, "keyUsage=keyCertSign");
            let signing = "keyUsage=digitalSignature,nonRepudiation";
            let enterprise = party(d, kind, &format!("{p}-enterprise"), Some(&ca), signing);
            let other_enterprise = party(d, kind, &format!("{p}-other"), Some(&ca), signing);
            let decipher = match kind {
                Kind::Rsa => "keyUsage=keyEncipherment",
                Kind::P256 => "keyUsage=keyAgreement",
            };
            Kit {
                opening: party(d, kind, &format!("{p}-opening"), None, decipher),
                other_opening: party(d, kind, &format!("{p}-opening2"), None, decipher),
                seal_authority: party(d, kind, &format!("{p}-seals"), None, signing),
                ca,
                enterprise,
                other_enterprise,
            }
        };
        let rsa = kit(Kind::Rsa, "rsa");
        let p256 = kit(Kind::P256, "p256");
        Fixtures {
            _dir: dir,
            rsa,
            p256,
        }
    })
}

fn kits() -> [(&'static str, &'static Kit); 2] {
    let f = fixtures();
    [("rsa", &f.rsa), ("p256", &f.p256)]
}

fn at(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 9, 30, 0).unwrap()
}

fn schedule() -> PriceSchedule {
    PriceSchedule {
        sme: false,
        sme_share_percent: None,
        total_price_fen: 98_765_400,
        duration_days: 90,
        key_terms: KeyTerms(vec![("质保期".into(), "5 年".into())]),
        lots: Vec::new(),
    }
}

/// A folder of documents.
fn documents() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("技术标")).unwrap();
    std::fs::write(dir.path().join("商务标.pdf"), b"%PDF-1.7 price and terms").unwrap();
    std::fs::write(dir.path().join("技术标/方案.pdf"), vec![42u8; 50_000]).unwrap();
    dir
}

fn seal_of(kit: &Kit) -> Vec<u8> {
    let mut picture = b"\x89PNG\r\n\x1a\n".to_vec();
    picture.extend_from_slice(b"seal picture");
    let spec = SealSpec {
        es_id: "45010020260042".into(),
        name: "南宁某某建设有限公司投标专用章".into(),
        seal_type: SealType::Organisation,
        owner_name: "南宁某某建设有限公司".into(),
        credit_code: CreditCode::with_check_digit("91450100MA5N7KQ6X").unwrap(),
        created: at(1, 5),
        valid_from: at(1, 5),
        valid_to: at(12, 31),
        signer_certs: vec![kit.enterprise.cert.to_der().unwrap()],
        cert_list_form: CertListForm::Certificates,
        picture: Picture {
            picture_type: "png".into(),
            data: picture,
            width_mm: 40,
            height_mm: 40,
        },
    };
    seals::make_seal(&spec, &kit.seal_authority.cert, &kit.seal_authority.key).unwrap()
}

/// A seal signature by the kit's enterprise over `document`.
fn seal_signature(kit: &Kit, document: &[u8]) -> Vec<u8> {
    seals::sign(
        &seal_of(kit),
        DocumentInput::Bytes(document),
        "documents manifest",
        at(3, 15),
        &kit.enterprise.cert,
        &kit.enterprise.key,
    )
    .unwrap()
}

/// A container of `documents()`, sealed over its manifest if `sealed`.
fn container_of(kit: &Kit, sealed: bool) -> Vec<u8> {
    let docs = documents();
    let seal = sealed.then(|| {
        let manifest = bc::manifest_of_dir(docs.path()).unwrap();
        seal_signature(kit, manifest.text().as_bytes())
    });
    let (out, _) = bc::build(
        docs.path(),
        &schedule(),
        seal.as_deref(),
        io::Cursor::new(Vec::new()),
    )
    .unwrap();
    out.into_inner()
}

fn accept_all(_: &[u8], _: CertRole, _: DateTime<Utc>) -> Decision {
    Decision {
        indication: Indication::Passed,
        sub_indication: None,
        checks: Vec::new(),
    }
}

fn arrive(bytes: &[u8]) -> Result<(Outer, Vec<u8>)> {
    let mut content = Vec::new();
    let outer = unwrap_outer(bytes, &mut content)?;
    Ok((outer, content))
}

fn der(cert: &X509) -> Vec<u8> {
    cert.to_der().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the needle is in the haystack")
}

/// Where a byte from the middle of `content` sits in `streamed`, which
/// holds `content` cut into BER pieces (whose headers may fall anywhere).
fn find_inside(streamed: &[u8], content: &[u8]) -> usize {
    let mut start = content.len() / 2;
    loop {
        let window = &content[start..start + 32];
        if let Some(at) = streamed.windows(32).position(|w| w == window) {
            return at + 16;
        }
        start += 50;
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn packed_envelopes_arrive_and_open_with_both_ciphers_with_and_without_outer_signature() {
    for (name, kit) in kits() {
        let container = container_of(kit, true);
        for cipher in [ContentCipher::Gcm, ContentCipher::Cbc] {
            for outer in [true, false] {
                let case = format!("{name} {cipher:?} outer={outer}");
                let packed = pack(
                    &container,
                    &kit.enterprise.cert,
                    &kit.enterprise.key,
                    std::slice::from_ref(&kit.ca.cert),
                    &kit.opening.cert,
                    cipher,
                    outer,
                )
                .unwrap();
                let (arrived, content) = arrive(&packed).unwrap();
                assert_eq!(arrived.envelope.cipher, cipher, "{case}");
                let content_type = match cipher {
                    ContentCipher::Gcm => ContentType::AuthEnvelopedData,
                    ContentCipher::Cbc => ContentType::EnvelopedData,
                };
                assert_eq!(arrived.envelope.content_type, content_type, "{case}");
                arrived
                    .envelope
                    .check_addressed_to(&kit.opening.cert)
                    .unwrap();
                assert!(!arrived.envelope.addressed_to(&kit.other_opening.cert));
                assert_eq!(arrived.content_sha256, openssl::sha::sha256(&content));
                assert_eq!(arrived.content_size, content.len() as u64);
                assert!(arrived.peak_buffered < 1 << 20, "{case}");
                match &arrived.signers {
                    Some(signers) => {
                        assert!(outer, "{case}");
                        assert_eq!(signers.len(), 1);
                        assert_eq!(der(&signers[0].certificate), der(&kit.enterprise.cert));
                        let when = signers[0].signing_time.expect("a signing time");
                        assert!((Utc::now() - when).num_minutes().abs() < 10, "{when}");
                    }
                    None => {
                        assert!(!outer, "{case}");
                        assert_eq!(content, packed);
                    }
                }
                let opened = open(&content, &kit.opening.key, &kit.opening.cert).unwrap();
                assert_eq!(opened.container, container, "{case}");
                assert_eq!(opened.envelope, arrived.envelope);
                assert_eq!(opened.signers.len(), 1);
                assert_eq!(
                    der(&opened.signers[0].certificate),
                    der(&kit.enterprise.cert)
                );
                assert!(opened.signers[0].signing_time.is_some());
                if let Some(outer_signers) = &arrived.signers {
                    check_same_signer(outer_signers, &opened.signers).unwrap();
                }
                let (read, verdict) =
                    inspect_container(io::Cursor::new(&opened.container), accept_all).unwrap();
                assert_eq!(read.schedule, schedule());
                match verdict {
                    SealVerdict::Sealed { report } => {
                        let seal = report.seal.expect("seal details");
                        assert_eq!(seal.seal_id, "45010020260042");
                        assert_eq!(report.signing_time, Some(at(3, 15)));
                    }
                    other => panic!("{case}: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn envelopes_made_with_the_plain_openssl_cli_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, kit) in kits() {
        let container = container_of(kit, false);
        write(d, "container.zip", &container);
        let (ent, key) = (
            kit.enterprise.crt.as_str(),
            kit.enterprise.key_file.as_str(),
        );
        for cipher in ["-aes-256-gcm", "-aes-256-cbc"] {
            for stream in [false, true] {
                let case = format!("{name} {cipher} stream={stream}");
                let s: &[&str] = if stream { &["-stream"] } else { &[] };
                let sign = |input: &str, output: &str| {
                    let mut args = vec!["cms", "-sign", "-nodetach", "-binary"];
                    args.extend_from_slice(s);
                    args.extend([
                        "-in", input, "-signer", ent, "-inkey", key, "-outform", "DER", "-out",
                        output,
                    ]);
                    openssl_ok(d, &args);
                };
                sign("container.zip", "inner.der");
                let mut args = vec!["cms", "-encrypt", "-binary", cipher];
                args.extend_from_slice(s);
                args.extend([
                    "-in",
                    "inner.der",
                    "-outform",
                    "DER",
                    "-out",
                    "env.der",
                    &kit.opening.crt,
                ]);
                openssl_ok(d, &args);
                sign("env.der", "outer.der");
                let outer = std::fs::read(d.join("outer.der")).unwrap();
                let enveloped = std::fs::read(d.join("env.der")).unwrap();
                if stream {
                    // BER with indefinite lengths, as -stream writes it.
                    assert_eq!(outer[1], 0x80, "{case}");
                    assert_eq!(enveloped[1], 0x80, "{case}");
                }
                let (arrived, content) = arrive(&outer).unwrap_or_else(|e| panic!("{case}: {e}"));
                assert_eq!(content, enveloped, "{case}");
                let signers = arrived.signers.expect("an outer signature");
                assert_eq!(der(&signers[0].certificate), der(&kit.enterprise.cert));
                assert!(signers[0].signing_time.is_some());
                let expected = if cipher.contains("gcm") {
                    ContentCipher::Gcm
                } else {
                    ContentCipher::Cbc
                };
                assert_eq!(arrived.envelope.cipher, expected);
                arrived
                    .envelope
                    .check_addressed_to(&kit.opening.cert)
                    .unwrap();
                // Without the outer signature.
                let (bare, copied) = arrive(&enveloped).unwrap();
                assert!(bare.signers.is_none());
                assert_eq!(copied, enveloped);
                assert_eq!(bare.envelope, arrived.envelope);
                let opened = open(&content, &kit.opening.key, &kit.opening.cert)
                    .unwrap_or_else(|e| panic!("{case}: {e}"));
                assert_eq!(opened.container, container, "{case}");
                check_same_signer(&signers, &opened.signers).unwrap();
                let (_, verdict) =
                    inspect_container(io::Cursor::new(&opened.container), accept_all).unwrap();
                assert!(matches!(verdict, SealVerdict::Unsealed), "{case}");
            }
        }
        // A recipient named by its subject key identifier (-keyid).
        openssl_ok(
            d,
            &[
                "cms",
                "-encrypt",
                "-binary",
                "-aes-256-gcm",
                "-keyid",
                "-in",
                "inner.der",
                "-outform",
                "DER",
                "-out",
                "keyid.der",
                &kit.opening.crt,
            ],
        );
        let keyid = std::fs::read(d.join("keyid.der")).unwrap();
        let (arrived, _) = arrive(&keyid).unwrap();
        assert!(matches!(
            arrived.envelope.recipients[0].id,
            Some(RecipientId::SubjectKeyId(_))
        ));
        assert!(arrived.envelope.addressed_to(&kit.opening.cert), "{name}");
        assert!(!arrived.envelope.addressed_to(&kit.other_opening.cert));
        open(&keyid, &kit.opening.key, &kit.opening.cert).unwrap();
    }
}

#[test]
fn packed_envelopes_verify_and_decrypt_with_the_openssl_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, kit) in kits() {
        let container = container_of(kit, true);
        for cipher in [ContentCipher::Gcm, ContentCipher::Cbc] {
            let packed = pack(
                &container,
                &kit.enterprise.cert,
                &kit.enterprise.key,
                &[],
                &kit.opening.cert,
                cipher,
                true,
            )
            .unwrap();
            write(d, "outer.der", &packed);
            let verify = |input: &str, output: &str| {
                openssl_ok(
                    d,
                    &[
                        "cms",
                        "-verify",
                        "-noverify",
                        "-binary",
                        "-inform",
                        "DER",
                        "-in",
                        input,
                        "-out",
                        output,
                    ],
                );
            };
            verify("outer.der", "env.der");
            openssl_ok(
                d,
                &[
                    "cms",
                    "-decrypt",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    "env.der",
                    "-recip",
                    &kit.opening.crt,
                    "-inkey",
                    &kit.opening.key_file,
                    "-out",
                    "inner.der",
                ],
            );
            verify("inner.der", "container.zip");
            assert_eq!(
                std::fs::read(d.join("container.zip")).unwrap(),
                container,
                "{name} {cipher:?}"
            );
            let printed = openssl_ok(
                d,
                &[
                    "cms",
                    "-cmsout",
                    "-print",
                    "-inform",
                    "DER",
                    "-in",
                    "inner.der",
                ],
            );
            assert!(String::from_utf8_lossy(&printed).contains("signingTime"));
            let printed = openssl_ok(
                d,
                &[
                    "cms", "-cmsout", "-print", "-inform", "DER", "-in", "env.der",
                ],
            );
            let expected = match cipher {
                ContentCipher::Gcm => "id-smime-ct-authEnvelopedData",
                ContentCipher::Cbc => "pkcs7-envelopedData",
            };
            assert!(
                String::from_utf8_lossy(&printed).contains(expected),
                "{name} {cipher:?}"
            );
        }
    }
}

#[test]
fn tampered_content_and_signatures_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, kit) in kits() {
        let container = container_of(kit, false);
        let packed = pack(
            &container,
            &kit.enterprise.cert,
            &kit.enterprise.key,
            &[],
            &kit.opening.cert,
            ContentCipher::Gcm,
            true,
        )
        .unwrap();
        let (_, content) = arrive(&packed).unwrap();
        // A flipped byte in the outer signature's content.
        let at = find(&packed, &content) + content.len() / 2;
        let mut tampered = packed.clone();
        tampered[at] ^= 0x01;
        match arrive(&tampered) {
            Err(EnvelopeError::NotCovered(_)) => {}
            other => panic!("{name}: {other:?}"),
        }
        // A flipped byte in the signature value (the last bytes).
        let mut tampered = packed.clone();
        let last = tampered.len() - 3;
        tampered[last] ^= 0x01;
        match arrive(&tampered) {
            Err(EnvelopeError::BadSignature(_)) => {}
            other => panic!("{name}: {other:?}"),
        }
        // The same in a BER stream made by the CLI, inside a piece.
        write(d, "env.der", &content);
        openssl_ok(
            d,
            &[
                "cms",
                "-sign",
                "-nodetach",
                "-binary",
                "-stream",
                "-in",
                "env.der",
                "-signer",
                &kit.enterprise.crt,
                "-inkey",
                &kit.enterprise.key_file,
                "-outform",
                "DER",
                "-out",
                "outer.der",
            ],
        );
        let streamed = std::fs::read(d.join("outer.der")).unwrap();
        let at = find_inside(&streamed, &content);
        let mut tampered = streamed.clone();
        tampered[at] ^= 0x80;
        match arrive(&tampered) {
            Err(EnvelopeError::NotCovered(_)) => {}
            other => panic!("{name}: {other:?}"),
        }
        // A flipped byte in the container inside the inner signature.
        let mut inner = CmsContentInfo::sign(
            Some(&kit.enterprise.cert),
            Some(&kit.enterprise.key),
            None,
            Some(&container),
            CMSOptions::BINARY,
        )
        .unwrap()
        .to_der()
        .unwrap();
        let at = find(&inner, &container) + container.len() / 3;
        inner[at] ^= 0x01;
        let mut recipients = Stack::new().unwrap();
        recipients.push(kit.opening.cert.clone()).unwrap();
        let enveloped = CmsContentInfo::encrypt(
            &recipients,
            &inner,
            openssl::symm::Cipher::aes_256_gcm(),
            CMSOptions::BINARY,
        )
        .unwrap()
        .to_der()
        .unwrap();
        match open(&enveloped, &kit.opening.key, &kit.opening.cert) {
            Err(EnvelopeError::NotCovered(_)) => {}
            other => panic!("{name}: {other:?}"),
        }
        // A flipped byte in the ciphertext: GCM's tag catches it.
        let mut broken = content.clone();
        let at = broken.len() - 40;
        broken[at] ^= 0x01;
        match open(&broken, &kit.opening.key, &kit.opening.cert) {
            Err(EnvelopeError::CannotDecrypt(_)) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn envelopes_to_another_opening_certificate_are_not_addressed() {
    for (name, kit) in kits() {
        let container = container_of(kit, false);
        for outer in [true, false] {
            let packed = pack(
                &container,
                &kit.enterprise.cert,
                &kit.enterprise.key,
                &[],
                &kit.other_opening.cert,
                ContentCipher::Gcm,
                outer,
            )
            .unwrap();
            let (arrived, content) = arrive(&packed).unwrap();
            let expected_kind = match name {
                "rsa" => RecipientKind::KeyTransport,
                _ => RecipientKind::KeyAgreement,
            };
            assert_eq!(arrived.envelope.recipients.len(), 1);
            assert_eq!(arrived.envelope.recipients[0].kind, expected_kind);
            match arrived.envelope.check_addressed_to(&kit.opening.cert) {
                Err(EnvelopeError::NotAddressed(why)) => {
                    assert!(why.contains("opening2"), "{why}");
                }
                other => panic!("{name}: {other:?}"),
            }
            match open(&content, &kit.opening.key, &kit.opening.cert) {
                Err(EnvelopeError::NotAddressed(_)) => {}
                other => panic!("{name}: {other:?}"),
            }
            // The right key opens it.
            open(&content, &kit.other_opening.key, &kit.other_opening.cert).unwrap();
        }
    }
}

#[test]
fn what_is_not_a_signed_encrypted_bid_gets_a_clear_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let kit = &fixtures().rsa;
    let container = container_of(kit, false);
    write(d, "container.zip", &container);
    let (ent, key) = (
        kit.enterprise.crt.as_str(),
        kit.enterprise.key_file.as_str(),
    );
    let sign = |input: &str, output: &str, extra: &[&str]| -> Vec<u8> {
        let mut args = vec!["cms", "-sign", "-binary"];
        args.extend_from_slice(extra);
        args.extend(["-in", input, "-signer", ent, "-inkey", key, "-out", output]);
        openssl_ok(d, &args);
        std::fs::read(d.join(output)).unwrap()
    };
    let encrypt = |input: &str, output: &str, cipher: &str| -> Vec<u8> {
        openssl_ok(
            d,
            &[
                "cms",
                "-encrypt",
                "-binary",
                cipher,
                "-in",
                input,
                "-outform",
                "DER",
                "-out",
                output,
                &kit.opening.crt,
            ],
        );
        std::fs::read(d.join(output)).unwrap()
    };
    let refused = |bytes: &[u8]| arrive(bytes).map(|_| ()).unwrap_err();

    assert!(matches!(refused(b""), EnvelopeError::Empty));
    assert!(matches!(
        refused(b"this is not an envelope"),
        EnvelopeError::NotCms(_)
    ));
    let pem = sign(
        "container.zip",
        "inner.pem",
        &["-nodetach", "-outform", "PEM"],
    );
    assert!(refused(&pem).to_string().contains("PEM"));
    let smime = sign("container.zip", "inner.smime", &["-nodetach"]);
    assert!(refused(&smime).to_string().contains("S/MIME"));
    assert!(refused(&container).to_string().contains("ZIP"));
    // Signed but never encrypted.
    let inner = sign(
        "container.zip",
        "inner.der",
        &["-nodetach", "-outform", "DER"],
    );
    assert!(matches!(refused(&inner), EnvelopeError::NotEncrypted(_)));
    assert!(matches!(
        open(&inner, &kit.opening.key, &kit.opening.cert),
        Err(EnvelopeError::NotEncrypted(_))
    ));
    // A detached outer signature, and a detached inner one.
    let enveloped = encrypt("inner.der", "env.der", "-aes-256-gcm");
    let detached = sign("env.der", "outer.der", &["-outform", "DER"]);
    assert!(matches!(refused(&detached), EnvelopeError::Detached));
    sign("container.zip", "detached.der", &["-outform", "DER"]);
    let sealed = encrypt("detached.der", "env2.der", "-aes-256-cbc");
    assert!(matches!(
        open(&sealed, &kit.opening.key, &kit.opening.cert),
        Err(EnvelopeError::Detached)
    ));
    // The container encrypted without the inner signature.
    let unsigned = encrypt("container.zip", "env3.der", "-aes-256-gcm");
    assert!(arrive(&unsigned).is_ok());
    assert!(matches!(
        open(&unsigned, &kit.opening.key, &kit.opening.cert),
        Err(EnvelopeError::NotSigned(_))
    ));
    // Other ciphers.
    for cipher in ["-aes-128-cbc", "-aes-128-gcm", "-des3"] {
        let weak = encrypt("inner.der", "weak.der", cipher);
        match refused(&weak) {
            EnvelopeError::UnsupportedCipher(what) => assert!(!what.is_empty()),
            other => panic!("{cipher}: {other:?}"),
        }
    }
    // Weak digests.
    for md in ["sha1", "md5"] {
        let weak = sign(
            "env.der",
            "weak.der",
            &["-nodetach", "-md", md, "-outform", "DER"],
        );
        match refused(&weak) {
            EnvelopeError::UnsupportedDigest(what) => {
                assert!(
                    what.contains(&md.to_uppercase().replace("SHA1", "SHA-1")),
                    "{what}"
                )
            }
            other => panic!("{md}: {other:?}"),
        }
    }
    let strong = sign(
        "env.der",
        "strong.der",
        &["-nodetach", "-md", "sha512", "-outform", "DER"],
    );
    assert!(arrive(&strong).is_ok());
    // A signer whose certificate is left out.
    let nocerts = sign(
        "env.der",
        "nocerts.der",
        &["-nodetach", "-nocerts", "-outform", "DER"],
    );
    assert!(matches!(refused(&nocerts), EnvelopeError::NotSigned(_)));
    // Bytes after a good envelope.
    let mut trailing = enveloped.clone();
    trailing.extend_from_slice(b"\0\0junk");
    assert!(matches!(refused(&trailing), EnvelopeError::Malformed(_)));
    // Every refusal has a stable code.
    assert_eq!(refused(b"").code(), "envelope_empty");
    assert_eq!(refused(&detached).code(), "envelope_detached_signature");
}

#[test]
fn truncated_flipped_and_random_bytes_are_refused_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let kit = &fixtures().p256;
    let container = container_of(kit, false);
    let packed = pack(
        &container,
        &kit.enterprise.cert,
        &kit.enterprise.key,
        &[],
        &kit.opening.cert,
        ContentCipher::Gcm,
        true,
    )
    .unwrap();
    let (_, enveloped) = arrive(&packed).unwrap();
    write(d, "env.der", &enveloped);
    openssl_ok(
        d,
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-stream",
            "-in",
            "env.der",
            "-signer",
            &kit.enterprise.crt,
            "-inkey",
            &kit.enterprise.key_file,
            "-outform",
            "DER",
            "-out",
            "outer.der",
        ],
    );
    let streamed = std::fs::read(d.join("outer.der")).unwrap();
    for bytes in [&packed, &streamed, &enveloped] {
        let len = bytes.len();
        for cut in [
            1,
            2,
            5,
            11,
            20,
            64,
            65,
            200,
            len / 4,
            len / 2,
            len - 100,
            len - 1,
        ] {
            match arrive(&bytes[..cut]) {
                Err(EnvelopeError::Truncated(why)) => {
                    assert!(why.contains(&format!("after {cut} bytes")), "{why}")
                }
                other => panic!("cut at {cut} of {len}: {other:?}"),
            }
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..300 {
        for bytes in [&packed, &streamed] {
            let cut = rng.below(bytes.len());
            assert!(arrive(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let cut = rng.below(enveloped.len());
        assert!(open(&enveloped[..cut], &kit.opening.key, &kit.opening.cert).is_err());
    }
    // Flipped bytes: refused or not (an unsigned field may change), never a
    // panic; in the content, always refused.
    for _ in 0..300 {
        let mut flipped = streamed.clone();
        let at = rng.below(flipped.len());
        flipped[at] ^= 1 << rng.below(8);
        let _ = arrive(&flipped);
        let mut flipped = enveloped.clone();
        let at = rng.below(flipped.len());
        flipped[at] ^= 1 << rng.below(8);
        let _ = open(&flipped, &kit.opening.key, &kit.opening.cert);
    }
    // Random bytes, some dressed as a SEQUENCE.
    for i in 0..300 {
        let mut junk = vec![0u8; rng.below(300)];
        junk.iter_mut().for_each(|b| *b = rng.next() as u8);
        if i % 2 == 0 && junk.len() > 2 {
            junk[0] = 0x30;
            junk[1] = 0x80;
        }
        assert!(arrive(&junk).is_err());
        assert!(open(&junk, &kit.opening.key, &kit.opening.cert).is_err());
    }
    // Nesting deeper than we follow.
    let mut deep = Vec::new();
    for _ in 0..100 {
        deep.extend_from_slice(&[0x30, 0x80]);
    }
    assert!(arrive(&deep).is_err());
}

#[test]
fn seal_verdicts() {
    let kit = &fixtures().rsa;
    let docs = documents();
    let manifest = bc::manifest_of_dir(docs.path()).unwrap();
    let build = |seal: Option<&[u8]>| {
        let (out, _) =
            bc::build(docs.path(), &schedule(), seal, io::Cursor::new(Vec::new())).unwrap();
        bc::read(&out.into_inner()).unwrap()
    };
    let good = build(Some(&seal_signature(kit, manifest.text().as_bytes())));
    match verify_seal(&good, accept_all) {
        SealVerdict::Sealed { report } => {
            assert_eq!(
                report.document_digest.as_deref(),
                Some(&*manifest.digest_hex())
            );
            assert_eq!(
                report.seal.unwrap().owner_name.as_deref(),
                Some("南宁某某建设有限公司")
            );
        }
        other => panic!("{other:?}"),
    }
    // A seal signature over some other document.
    let other = build(Some(&seal_signature(kit, b"another manifest")));
    match verify_seal(&other, accept_all) {
        SealVerdict::Invalid { reason, report } => {
            assert_eq!(
                report.decision.sub_indication,
                Some(SubIndication::HashFailure)
            );
            assert!(reason.contains("document_digest"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // A registry that does not know the certificates.
    let unknown = |_: &[u8], _: CertRole, _: DateTime<Utc>| Decision {
        indication: Indication::Indeterminate,
        sub_indication: Some(SubIndication::NoCertificateChainFound),
        checks: Vec::new(),
    };
    assert!(matches!(
        verify_seal(&good, unknown),
        SealVerdict::Invalid { .. }
    ));
    // Not a seal signature at all.
    let garbage = build(Some(b"not DER"));
    assert!(matches!(
        verify_seal(&garbage, accept_all),
        SealVerdict::Invalid { .. }
    ));
    assert!(matches!(
        verify_seal(&build(None), accept_all),
        SealVerdict::Unsealed
    ));
    // The verdict serialises for the opening record.
    let json = serde_json::to_value(verify_seal(&build(None), accept_all)).unwrap();
    assert_eq!(json["status"], "unsealed");
    // A container that is not one.
    assert!(matches!(
        inspect_container(io::Cursor::new(b"PK\x03\x04"), accept_all),
        Err(EnvelopeError::Container(_))
    ));
}

#[test]
fn inner_and_outer_signers_must_be_the_same_certificate() {
    let kit = &fixtures().rsa;
    let container = container_of(kit, false);
    let enveloped = pack(
        &container,
        &kit.enterprise.cert,
        &kit.enterprise.key,
        &[],
        &kit.opening.cert,
        ContentCipher::Cbc,
        false,
    )
    .unwrap();
    let outer = CmsContentInfo::sign(
        Some(&kit.other_enterprise.cert),
        Some(&kit.other_enterprise.key),
        None,
        Some(&enveloped),
        CMSOptions::BINARY,
    )
    .unwrap()
    .to_der()
    .unwrap();
    let (arrived, content) = arrive(&outer).unwrap();
    let outer_signers = arrived.signers.unwrap();
    assert_eq!(
        der(&outer_signers[0].certificate),
        der(&kit.other_enterprise.cert)
    );
    let opened = open(&content, &kit.opening.key, &kit.opening.cert).unwrap();
    match check_same_signer(&outer_signers, &opened.signers) {
        Err(EnvelopeError::SignerMismatch(why)) => {
            assert!(
                why.contains("rsa-other") && why.contains("rsa-enterprise"),
                "{why}"
            );
        }
        other => panic!("{other:?}"),
    }
    check_same_signer(&opened.signers, &opened.signers).unwrap();
}

#[test]
fn signing_times_read_as_der_writes_them() {
    let utc = |s: &str| parse_time(super::ber::UTC_TIME, s.as_bytes());
    let generalized = |s: &str| parse_time(super::ber::GENERALIZED_TIME, s.as_bytes());
    assert_eq!(utc("260315093000Z"), Some(at(3, 15)));
    assert_eq!(
        utc("500101000000Z"),
        Some(Utc.with_ymd_and_hms(1950, 1, 1, 0, 0, 0).unwrap())
    );
    assert_eq!(
        utc("491231235959Z"),
        Some(Utc.with_ymd_and_hms(2049, 12, 31, 23, 59, 59).unwrap())
    );
    assert_eq!(generalized("20260315093000Z"), Some(at(3, 15)));
    assert_eq!(generalized("20260315093000.25Z"), Some(at(3, 15)));
    for bad in [
        "2603150930Z",
        "260315093000",
        "26031509300+Z",
        "261315093000Z",
        "260315093000.5Z",
        "",
    ] {
        assert_eq!(utc(bad), None, "{bad}");
    }
    assert_eq!(generalized("2026031509300Z"), None);
    assert_eq!(parse_time(OID, b"260315093000Z"), None);
}

// ---------------------------------------------------------------------------
// A 64 MiB envelope streamed through `unwrap_outer`, generated on the fly
// ---------------------------------------------------------------------------

/// `left` pseudo-random bytes.
struct Noise {
    rng: Rng,
    left: u64,
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for chunk in buf[..n].chunks_mut(8) {
            let word = self.rng.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The bytes of `input` as BER OCTET STRING pieces of `piece` bytes.
struct Pieces<R> {
    input: R,
    piece: usize,
    pending: Vec<u8>,
    at: usize,
}

impl<R: Read> Pieces<R> {
    fn new(input: R, piece: usize) -> Self {
        Pieces {
            input,
            piece,
            pending: Vec::new(),
            at: 0,
        }
    }
}

impl<R: Read> Read for Pieces<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.pending.len() {
            let mut data = vec![0u8; self.piece];
            let mut got = 0;
            while got < self.piece {
                let n = self.input.read(&mut data[got..])?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            if got == 0 {
                return Ok(0);
            }
            self.pending = vec![0x04, 0x82, (got >> 8) as u8, got as u8];
            self.pending.extend_from_slice(&data[..got]);
            self.at = 0;
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The recipients and content encryption algorithm of a real envelope.
fn envelope_pieces(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let meter = Meter::default();
    let mut r = Reader::new(der, &meter);
    let w = "test";
    let (_, _, explicit) = content_info(&mut r).unwrap();
    let h = r.expect(&explicit, SEQUENCE, w).unwrap();
    let ed = r.enter(&h, explicit.depth, w).unwrap();
    let v = r.expect(&ed, INTEGER, w).unwrap();
    r.value(&v, 8, w).unwrap();
    let set = r.expect(&ed, SET, w).unwrap();
    let recipients = r.capture(&set, ed.depth, 1 << 20, w).unwrap();
    let h = r.expect(&ed, SEQUENCE, w).unwrap();
    let eci = r.enter(&h, ed.depth, w).unwrap();
    let o = r.expect(&eci, OID, w).unwrap();
    r.value(&o, 64, w).unwrap();
    let alg = r.expect(&eci, SEQUENCE, w).unwrap();
    let alg = r.capture(&alg, eci.depth, 1 << 20, w).unwrap();
    (recipients, alg)
}

/// An AuthEnvelopedData (BER) whose encrypted content is `size` bytes of
/// noise from `seed` (it does not decrypt: arrival does not decrypt).
fn generated_envelope(recipients: &[u8], alg: &[u8], size: u64, seed: u64) -> impl Read + use<> {
    generated_envelope_with(recipients, alg, size, seed, &[])
}

/// [`generated_envelope`] with `after_tag` after the authentication tag.
fn generated_envelope_with(
    recipients: &[u8],
    alg: &[u8],
    size: u64,
    seed: u64,
    after_tag: &[u8],
) -> impl Read + use<> {
    let mut prefix = vec![0x30, 0x80, 0x06, 0x0b];
    prefix.extend_from_slice(super::cms::oid::AUTH_ENVELOPED_DATA);
    prefix.extend_from_slice(&[0xa0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x00]);
    prefix.extend_from_slice(recipients);
    prefix.extend_from_slice(&[0x30, 0x80, 0x06, 0x09]);
    prefix.extend_from_slice(super::cms::oid::DATA);
    prefix.extend_from_slice(alg);
    prefix.extend_from_slice(&[0xa0, 0x80]);
    let mut suffix = vec![0, 0, 0, 0, 0x04, 0x10];
    suffix.extend_from_slice(&[0x11; 16]);
    suffix.extend_from_slice(after_tag);
    suffix.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let noise = Noise {
        rng: Rng(seed),
        left: size,
    };
    io::Cursor::new(prefix)
        .chain(Pieces::new(noise, 16 * 1024))
        .chain(io::Cursor::new(suffix))
}

/// The parts of a detached SignedData made by the CLI.
fn signed_pieces(der: &[u8]) -> [Vec<u8>; 5] {
    let meter = Meter::default();
    let mut r = Reader::new(der, &meter);
    let w = "test";
    let (_, _, explicit) = content_info(&mut r).unwrap();
    let h = r.expect(&explicit, SEQUENCE, w).unwrap();
    let sd = r.enter(&h, explicit.depth, w).unwrap();
    let v = r.expect(&sd, INTEGER, w).unwrap();
    let version = r.capture(&v, sd.depth, 16, w).unwrap();
    let h = r.expect(&sd, SET, w).unwrap();
    let digests = r.capture(&h, sd.depth, 4096, w).unwrap();
    let h = r.expect(&sd, SEQUENCE, w).unwrap();
    let eci = r.enter(&h, sd.depth, w).unwrap();
    let o = r.expect(&eci, OID, w).unwrap();
    let content_type = r.capture(&o, eci.depth, 64, w).unwrap();
    r.close(&eci, w).unwrap();
    let h = r.expect(&sd, Tag::context(0, true), w).unwrap();
    let certificates = r.capture(&h, sd.depth, 1 << 20, w).unwrap();
    let h = r.expect(&sd, SET, w).unwrap();
    let signer_infos = r.capture(&h, sd.depth, 1 << 20, w).unwrap();
    [version, digests, content_type, certificates, signer_infos]
}

/// A detached signature by `party` over the stream, made by the CLI reading
/// its standard input.
fn cli_detached_signature(party: &Party, content: impl Read + Send + 'static) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args([
            "cms",
            "-sign",
            "-binary",
            "-md",
            "sha256",
            "-signer",
            &party.crt,
            "-inkey",
            &party.key_file,
            "-outform",
            "DER",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let mut content = content;
        io::copy(&mut content, &mut stdin).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// An attached outer SignedData (BER, indefinite lengths, content in 4 KiB
/// pieces) around `content`, with the signer information of `detached`.
fn generated_outer<R: Read>(detached: &[u8], content: R) -> impl Read + use<R> {
    let [version, digests, content_type, certificates, signer_infos] = signed_pieces(detached);
    let mut prefix = vec![0x30, 0x80, 0x06, 0x09];
    prefix.extend_from_slice(super::cms::oid::SIGNED_DATA);
    prefix.extend_from_slice(&[0xa0, 0x80, 0x30, 0x80]);
    prefix.extend_from_slice(&version);
    prefix.extend_from_slice(&digests);
    prefix.extend_from_slice(&[0x30, 0x80]);
    prefix.extend_from_slice(&content_type);
    prefix.extend_from_slice(&[0xa0, 0x80, 0x24, 0x80]);
    let mut suffix = vec![0, 0, 0, 0, 0, 0];
    suffix.extend_from_slice(&certificates);
    suffix.extend_from_slice(&signer_infos);
    suffix.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    io::Cursor::new(prefix)
        .chain(Pieces::new(content, 4096))
        .chain(io::Cursor::new(suffix))
}

/// Counts and hashes what is written; keeps nothing.
struct Sink {
    hasher: openssl::sha::Sha256,
    size: u64,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn sha256_of(mut input: impl Read) -> ([u8; 32], u64) {
    let mut sink = Sink {
        hasher: openssl::sha::Sha256::new(),
        size: 0,
    };
    io::copy(&mut input, &mut sink).unwrap();
    (sink.hasher.finish(), sink.size)
}

#[test]
fn a_64_mib_envelope_streams_through_arrival_in_bounded_memory() {
    let kit = &fixtures().rsa;
    let small = pack(
        b"x",
        &kit.enterprise.cert,
        &kit.enterprise.key,
        &[],
        &kit.opening.cert,
        ContentCipher::Gcm,
        false,
    )
    .unwrap();
    let (recipients, alg) = envelope_pieces(&small);
    const SIZE: u64 = 64 << 20;
    let envelope = || generated_envelope(&recipients, &alg, SIZE, 7);
    let (expected_sha256, expected_size) = sha256_of(envelope());
    assert!(expected_size > SIZE);
    let detached = cli_detached_signature(&kit.enterprise, envelope());
    let mut sink = Sink {
        hasher: openssl::sha::Sha256::new(),
        size: 0,
    };
    let arrived = unwrap_outer(generated_outer(&detached, envelope()), &mut sink).unwrap();
    assert_eq!(arrived.content_size, expected_size);
    assert_eq!(arrived.content_sha256, expected_sha256);
    assert_eq!(sink.size, expected_size);
    assert_eq!(sink.hasher.finish(), expected_sha256);
    assert_eq!(arrived.envelope.cipher, ContentCipher::Gcm);
    assert!(arrived.envelope.addressed_to(&kit.opening.cert));
    let signers = arrived.signers.unwrap();
    assert_eq!(der(&signers[0].certificate), der(&kit.enterprise.cert));
    // Two readers' buffers and the small parts kept: far below the content.
    assert!(
        arrived.peak_buffered < 512 * 1024,
        "peak {} bytes",
        arrived.peak_buffered
    );
    assert!(arrived.peak_buffered >= 2 * 64 * 1024);

    // The same stream with other content under that signature is refused.
    let other = generated_envelope(&recipients, &alg, SIZE, 8);
    let mut sink = Sink {
        hasher: openssl::sha::Sha256::new(),
        size: 0,
    };
    match unwrap_outer(generated_outer(&detached, other), &mut sink) {
        Err(EnvelopeError::NotCovered(_)) => {}
        other => panic!("{other:?}"),
    }
}

/// A writer that always fails, as a full disk does.
struct FullDisk;

impl Write for FullDisk {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The first kit's unsealed container, packed with AES-256-GCM (and the
/// outer signature if `outer`).
fn packed_gcm(outer: bool) -> (&'static Kit, Vec<u8>, Vec<u8>) {
    let (_, kit) = kits()[0];
    let container = container_of(kit, false);
    let packed = pack(
        &container,
        &kit.enterprise.cert,
        &kit.enterprise.key,
        &[],
        &kit.opening.cert,
        ContentCipher::Gcm,
        outer,
    )
    .unwrap();
    (kit, container, packed)
}

#[test]
fn the_platform_failing_to_write_while_opening_is_not_the_bids_fault() {
    let (kit, container, packed) = packed_gcm(true);
    let dir = tempfile::tempdir().unwrap();
    let encrypted = dir.path().join("encrypted");
    let mut file = std::fs::File::create(&encrypted).unwrap();
    let outer = unwrap_outer_into(&packed[..], io::sink(), &mut file).unwrap();
    drop(file);
    // Set aside, the ciphertext opens with the envelope's other parts.
    let mut opened = Vec::new();
    let signed = dir.path().join("signed");
    let (key, cert) = (&kit.opening.key, &kit.opening.cert);
    let signers = decrypt(&outer.envelope, &encrypted, key, cert, &signed, &mut opened).unwrap();
    assert_eq!(opened, container);
    assert_eq!(der(&signers[0].certificate), der(&kit.enterprise.cert));
    // The plaintext cannot be written (Linux's /dev/full: every write
    // fails with ENOSPC), or the container cannot: the platform's fault,
    // told apart from a bid that does not decrypt.
    let full = Path::new("/dev/full");
    match decrypt(
        &outer.envelope,
        &encrypted,
        key,
        cert,
        full,
        &mut Vec::new(),
    ) {
        Err(EnvelopeError::Write(_)) => {}
        other => panic!("{other:?}"),
    }
    match decrypt(
        &outer.envelope,
        &encrypted,
        key,
        cert,
        &signed,
        &mut FullDisk,
    ) {
        Err(EnvelopeError::Write(_)) => {}
        other => panic!("{other:?}"),
    }
    // A flipped ciphertext byte is the bid's: the GCM tag catches it.
    let mut bytes = std::fs::read(&encrypted).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&encrypted, &bytes).unwrap();
    match decrypt(
        &outer.envelope,
        &encrypted,
        key,
        cert,
        &signed,
        &mut Vec::new(),
    ) {
        Err(EnvelopeError::CannotDecrypt(_)) => {}
        other => panic!("{other:?}"),
    }
}

/// Only what RFC 5083 allows after the encrypted content, once, is read,
/// and only the tag is kept of an AuthEnvelopedData: a second tag, or a
/// pile of elements (which would each be kept, up to the upload's size),
/// is refused at arrival with little held; so are attributes, which
/// OpenSSL 3.0 reads at other tags and could not open.
#[test]
fn only_the_tag_may_follow_the_encrypted_content() {
    let (_, _, packed) = packed_gcm(false);
    let (recipients, alg) = envelope_pieces(&packed);
    let mut pile = Vec::new();
    for _ in 0..64 {
        pile.extend_from_slice(&[0x04, 0x83, 0x01, 0x00, 0x00]);
        pile.extend_from_slice(&vec![0x22; 1 << 16]);
    }
    let attributes = [0xa1, 0x03, 0x31, 0x01, 0x00];
    let cases: [(&str, &[u8], &str); 3] = [
        (
            "a second tag",
            &[0x04, 0x01, 0x00],
            "after the authentication tag",
        ),
        ("4 MiB of tags", &pile, "after the authentication tag"),
        ("attributes", &attributes, "attributes"),
    ];
    for (name, tail, says) in cases {
        let input = generated_envelope_with(&recipients, &alg, 1 << 20, 3, tail);
        match unwrap_outer(input, io::sink()) {
            Err(EnvelopeError::Malformed(why)) => assert!(why.contains(says), "{name}: {why}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    // Without a tail it arrives, and OpenSSL reads what the opening keeps.
    let input = generated_envelope_with(&recipients, &alg, 1 << 20, 3, &[]);
    let arrived = unwrap_outer(input, io::sink()).unwrap();
    assert!(arrived.envelope.detached.len() < 4096);
    assert!(
        arrived.peak_buffered < 512 * 1024,
        "{}",
        arrived.peak_buffered
    );
}

#[test]
fn detached_signatures_by_the_openssl_cli_verify_over_their_content_only() {
    let content = "合同文本 {\"format\":\"ggzy-contract-v1\"}"
        .as_bytes()
        .to_vec();
    for (name, kit) in kits() {
        let signed = cli_detached_signature(&kit.enterprise, io::Cursor::new(content.clone()));
        let signers = verify_detached(&signed, &content).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(signers.len(), 1, "{name}");
        assert_eq!(der(&signers[0].certificate), der(&kit.enterprise.cert));
        assert!(signers[0].signing_time.is_some(), "{name}");
        // Other content: the digest does not match.
        let mut other = content.clone();
        other[0] ^= 1;
        assert!(
            matches!(
                verify_detached(&signed, &other),
                Err(EnvelopeError::NotCovered(_) | EnvelopeError::BadSignature(_))
            ),
            "{name}"
        );
        // A flipped byte in the signature value, and bytes after it.
        let mut tampered = signed.clone();
        let last = tampered.len() - 3;
        tampered[last] ^= 0x40;
        assert!(verify_detached(&tampered, &content).is_err(), "{name}");
        let mut longer = signed.clone();
        longer.push(0);
        assert!(verify_detached(&longer, &content).is_err(), "{name}");
        assert!(matches!(
            verify_detached(&[], &content),
            Err(EnvelopeError::Empty)
        ));
        // A signature carrying its own content is not a detached one.
        let attached = openssl::cms::CmsContentInfo::sign(
            Some(&kit.enterprise.cert),
            Some(&kit.enterprise.key),
            None,
            Some(&content),
            openssl::cms::CMSOptions::BINARY,
        )
        .unwrap()
        .to_der()
        .unwrap();
        let err = verify_detached(&attached, &content).unwrap_err();
        assert!(err.to_string().contains("detached"), "{name}: {err}");
    }
}
