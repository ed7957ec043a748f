//! Seals and seal signatures: round trips for RSA, P-256 and SM2, every
//! refusal, hostile DER, and interop with the openssl command line. Keys and
//! certificates are made with the `openssl` CLI.

use super::asn1::{self, ExtData};
use super::crypto::{self, Algorithm};
use super::*;
use crate::pki::policy::{CheckResult, Decision, Indication, SubIndication};
use crate::types::CreditCode;
use chrono::{DateTime, TimeZone, Utc};
use der::asn1::{Any, BitString, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Tag};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

fn at(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 9, 30, 0).unwrap()
}

fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl CLI")
}

fn openssl_ok(dir: &Path, args: &[&str]) {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Party {
    cert: X509,
    key: PKey<Private>,
    cert_der: Vec<u8>,
    /// PEM files in the fixture directory.
    key_file: String,
    pub_file: String,
}

struct Kit {
    authority: Party,
    signer: Party,
    stranger: Party,
}

struct Fixtures {
    dir: tempfile::TempDir,
    rsa: Kit,
    p256: Kit,
    sm2: Kit,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Rsa,
    P256,
    Sm2,
}

fn party(dir: &Path, kind: Kind, name: &str) -> Party {
    let key_file = format!("{name}.key");
    let cert_file = format!("{name}.crt");
    let pub_file = format!("{name}.pub");
    let keygen: &[&str] = match kind {
        Kind::Rsa => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        Kind::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        Kind::Sm2 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"],
    };
    let mut args = vec!["genpkey"];
    args.extend_from_slice(keygen);
    args.extend_from_slice(&["-out", &key_file]);
    openssl_ok(dir, &args);
    let subject = format!("/CN={name}/O=ggzy test/C=CN");
    let mut req = vec![
        "req", "-x509", "-new", "-key", &key_file, "-subj", &subject, "-days", "3650", "-out",
        &cert_file,
    ];
    if let Kind::Sm2 = kind {
        req.extend_from_slice(&["-sm3", "-sigopt", "distid:1234567812345678"]);
    }
    openssl_ok(dir, &req);
    openssl_ok(
        dir,
        &["pkey", "-in", &key_file, "-pubout", "-out", &pub_file],
    );
    let cert = X509::from_pem(&std::fs::read(dir.join(&cert_file)).unwrap()).unwrap();
    let key = PKey::private_key_from_pem(&std::fs::read(dir.join(&key_file)).unwrap()).unwrap();
    Party {
        cert_der: cert.to_der().unwrap(),
        cert,
        key,
        key_file,
        pub_file,
    }
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let kit = |kind: Kind, prefix: &str| Kit {
            authority: party(dir.path(), kind, &format!("{prefix}-authority")),
            signer: party(dir.path(), kind, &format!("{prefix}-signer")),
            stranger: party(dir.path(), kind, &format!("{prefix}-stranger")),
        };
        let rsa = kit(Kind::Rsa, "rsa");
        let p256 = kit(Kind::P256, "p256");
        let sm2 = kit(Kind::Sm2, "sm2");
        Fixtures {
            rsa,
            p256,
            sm2,
            dir,
        }
    })
}

const PICTURE_MARK: &[u8] = b"SEAL-PICTURE-MARK-0123456789";

fn picture() -> Picture {
    let mut data = b"\x89PNG\r\n\x1a\n".to_vec();
    data.extend_from_slice(PICTURE_MARK);
    Picture {
        picture_type: "png".into(),
        data,
        width_mm: 40,
        height_mm: 40,
    }
}

fn credit_code() -> CreditCode {
    CreditCode::with_check_digit("91450100MA5N7KQ6X").unwrap()
}

fn spec(signers: &[&Party], form: CertListForm) -> SealSpec {
    SealSpec {
        es_id: "45010020260001".into(),
        name: "南宁某某建设有限公司投标专用章".into(),
        seal_type: SealType::Organisation,
        owner_name: "南宁某某建设有限公司".into(),
        credit_code: credit_code(),
        created: at(1, 5),
        valid_from: at(1, 5),
        valid_to: at(12, 31),
        signer_certs: signers.iter().map(|p| p.cert_der.clone()).collect(),
        cert_list_form: form,
        picture: picture(),
    }
}

fn seal_of(kit: &Kit, form: CertListForm) -> Vec<u8> {
    make_seal(
        &spec(&[&kit.signer], form),
        &kit.authority.cert,
        &kit.authority.key,
    )
    .unwrap()
}

const DOCUMENT: &[u8] = b"bid document: price schedule 1,234,567.89 CNY";

fn signed_by(kit: &Kit, signer: &Party, seal: &[u8], time: DateTime<Utc>) -> Vec<u8> {
    sign(
        seal,
        DocumentInput::Bytes(DOCUMENT),
        "bid.pdf; whole file",
        time,
        &signer.cert,
        &signer.key,
    )
    .unwrap_or_else(|e| panic!("sign with {:?}: {e}", kit.signer.cert.subject_name()))
}

fn accept_all(_: &[u8], _: CertRole, _: DateTime<Utc>) -> Decision {
    Decision {
        indication: Indication::Passed,
        sub_indication: None,
        checks: Vec::new(),
    }
}

/// A trust registry that recognises exactly the fixture certificates.
fn known_only(der: &[u8], role: CertRole, time: DateTime<Utc>) -> Decision {
    let f = fixtures();
    let known = [&f.rsa, &f.p256, &f.sm2].iter().any(|kit| {
        [&kit.authority, &kit.signer, &kit.stranger]
            .iter()
            .any(|p| p.cert_der == der)
    });
    if known {
        accept_all(der, role, time)
    } else {
        crate::pki::policy::format_failure("not a certificate we know")
    }
}

fn verdict<T: std::ops::Deref<Target = Decision>>(d: T) -> (Indication, Option<SubIndication>) {
    (d.indication, d.sub_indication)
}

fn check_result(decision: &Decision, name: &str) -> CheckResult {
    decision
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name} in {decision:?}"))
        .result
        .clone()
}

fn verify(der: &[u8]) -> SignatureReport {
    verify_signature(der, DocumentInput::Bytes(DOCUMENT), accept_all)
}

fn round_trip(kit: &Kit, algorithm: Algorithm, digest: &str) {
    let seal = seal_of(kit, CertListForm::Certificates);
    let signature = signed_by(kit, &kit.signer, &seal, at(6, 1));
    let report = verify(&signature);
    assert_eq!(
        verdict(&report.decision),
        (Indication::Passed, None),
        "{report:?}"
    );
    let names: Vec<&str> = report.decision.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "signature",
            "signer_in_seal",
            "signer_certificate",
            "seal_signature",
            "seal_authority_certificate",
            "seal_validity_period",
            "document_digest"
        ]
    );
    assert_eq!(report.algorithm, Some(algorithm));
    assert_eq!(report.signing_time, Some(at(6, 1)));
    assert!(report.signer_subject.as_deref().unwrap().contains("signer"));
    let fingerprint = crate::identity::hex(
        &kit.signer
            .cert
            .digest(openssl::hash::MessageDigest::sha256())
            .unwrap(),
    );
    assert_eq!(
        report.signer_cert_sha256.as_deref(),
        Some(fingerprint.as_str())
    );
    assert_eq!(report.property_info.as_deref(), Some("bid.pdf; whole file"));
    assert!(!report.has_time_stamp);
    let details = report.seal.unwrap();
    assert_eq!(details.seal_id, "45010020260001");
    assert_eq!(details.seal_name, "南宁某某建设有限公司投标专用章");
    assert_eq!(details.seal_type, SealType::Organisation);
    assert_eq!(details.seal_type_code, 1);
    assert_eq!(details.owner_name.as_deref(), Some("南宁某某建设有限公司"));
    assert_eq!(details.credit_code.as_deref(), Some(credit_code().as_str()));
    assert_eq!(
        (details.valid_from, details.valid_to),
        (at(1, 5), at(12, 31))
    );
    assert_eq!(details.created, at(1, 5));
    assert_eq!(details.vendor_id, VENDOR_ID);
    assert_eq!(details.picture_type, "png");
    assert_eq!(
        (details.picture_width_mm, details.picture_height_mm),
        (40, 40)
    );
    assert_eq!(details.picture_bytes, picture().data.len());
    assert_eq!(
        (details.cert_list_type, details.listed_certificates),
        (1, 1)
    );
    assert!(details.authority_subject.contains("authority"));
    assert_eq!(details.algorithm, Some(algorithm));
    // dataHash is the digest the algorithm implies.
    let expected = match digest {
        "sm3" => openssl::hash::hash(openssl::hash::MessageDigest::sm3(), DOCUMENT),
        _ => openssl::hash::hash(openssl::hash::MessageDigest::sha256(), DOCUMENT),
    }
    .unwrap();
    assert_eq!(
        report.document_digest.as_deref(),
        Some(crate::identity::hex(&expected).as_str())
    );
    // The parsers say the same as the verifier.
    assert_eq!(parse_seal(&seal).unwrap(), details);
    let parsed = parse_signature(&signature).unwrap();
    assert_eq!(parsed.seal, details);
    assert_eq!(parsed.signing_time, at(6, 1));
    // The seal verifies on its own too.
    let seal_report = verify_seal(&seal, at(6, 1), accept_all);
    assert_eq!(verdict(&seal_report.decision), (Indication::Passed, None));
    // The digest may be given instead of the document.
    let by_digest = verify_signature(&signature, DocumentInput::Digest(&expected), accept_all);
    assert_eq!(verdict(&by_digest.decision), (Indication::Passed, None));
}

#[test]
fn rsa_round_trip() {
    round_trip(&fixtures().rsa, Algorithm::RsaSha256, "sha256");
}

#[test]
fn p256_round_trip() {
    round_trip(&fixtures().p256, Algorithm::EcdsaP256Sha256, "sha256");
}

#[test]
fn sm2_round_trip() {
    round_trip(&fixtures().sm2, Algorithm::Sm2Sm3, "sm3");
}

#[test]
fn authority_and_signer_may_use_different_algorithms() {
    let f = fixtures();
    let seal = make_seal(
        &spec(&[&f.rsa.signer], CertListForm::Certificates),
        &f.sm2.authority.cert,
        &f.sm2.authority.key,
    )
    .unwrap();
    let signature = signed_by(&f.rsa, &f.rsa.signer, &seal, at(6, 1));
    let report = verify(&signature);
    assert_eq!(verdict(&report.decision), (Indication::Passed, None));
    assert_eq!(report.algorithm, Some(Algorithm::RsaSha256));
    assert_eq!(report.seal.unwrap().algorithm, Some(Algorithm::Sm2Sm3));
}

#[test]
fn seals_listing_certificate_digests() {
    let f = fixtures();
    for (form, kit) in [
        (CertListForm::Sm3Digests, &f.sm2),
        (CertListForm::Sha256Digests, &f.p256),
    ] {
        let seal = make_seal(
            &spec(&[&kit.stranger, &kit.signer], form),
            &kit.authority.cert,
            &kit.authority.key,
        )
        .unwrap();
        let details = parse_seal(&seal).unwrap();
        assert_eq!(
            (details.cert_list_type, details.listed_certificates),
            (2, 2)
        );
        let good = verify(&signed_by(kit, &kit.signer, &seal, at(6, 1)));
        assert_eq!(
            verdict(&good.decision),
            (Indication::Passed, None),
            "{form:?}"
        );
        let only_signer = make_seal(
            &spec(&[&kit.signer], form),
            &kit.authority.cert,
            &kit.authority.key,
        )
        .unwrap();
        let bad = verify(&signed_by(kit, &kit.stranger, &only_signer, at(6, 1)));
        assert_eq!(
            verdict(&bad.decision),
            (
                Indication::Indeterminate,
                Some(SubIndication::SigConstraintsFailure)
            ),
            "{form:?}"
        );
    }
}

#[test]
fn a_seal_used_by_a_certificate_it_does_not_list_is_refused() {
    let f = fixtures();
    for kit in [&f.rsa, &f.p256, &f.sm2] {
        let seal = seal_of(kit, CertListForm::Certificates);
        let report = verify(&signed_by(kit, &kit.stranger, &seal, at(6, 1)));
        assert_eq!(
            verdict(&report.decision),
            (
                Indication::Indeterminate,
                Some(SubIndication::SigConstraintsFailure)
            )
        );
        assert_eq!(
            check_result(&report.decision, "signer_in_seal"),
            CheckResult::Indeterminate
        );
        // Everything else holds: the stranger's own signature is good.
        assert_eq!(
            check_result(&report.decision, "signature"),
            CheckResult::Passed
        );
    }
}

#[test]
fn a_changed_document_fails_the_digest() {
    let f = fixtures();
    for kit in [&f.rsa, &f.sm2] {
        let signature = signed_by(
            kit,
            &kit.signer,
            &seal_of(kit, CertListForm::Certificates),
            at(6, 1),
        );
        let report = verify_signature(
            &signature,
            DocumentInput::Bytes(b"another document"),
            accept_all,
        );
        assert_eq!(
            verdict(&report.decision),
            (Indication::Failed, Some(SubIndication::HashFailure))
        );
        let short = verify_signature(&signature, DocumentInput::Digest(&[0; 4]), accept_all);
        assert_eq!(
            verdict(&short.decision),
            (Indication::Failed, Some(SubIndication::HashFailure))
        );
    }
}

/// Flips one byte of the picture in a DER structure.
fn tamper_picture(der: &[u8]) -> Vec<u8> {
    let mut der = der.to_vec();
    let at = der
        .windows(PICTURE_MARK.len())
        .position(|w| w == PICTURE_MARK)
        .expect("picture in the DER");
    der[at] ^= 0x01;
    der
}

#[test]
fn a_tampered_picture_breaks_the_authority_signature() {
    let f = fixtures();
    for kit in [&f.rsa, &f.p256, &f.sm2] {
        let seal = seal_of(kit, CertListForm::Certificates);
        let report = verify_seal(&tamper_picture(&seal), at(6, 1), accept_all);
        assert_eq!(
            verdict(&report.decision),
            (Indication::Failed, Some(SubIndication::SigCryptoFailure))
        );
        assert_eq!(
            check_result(&report.decision, "seal_signature"),
            CheckResult::Failed
        );

        // Tampered inside a signature, the signer's signature breaks too.
        let signature = signed_by(kit, &kit.signer, &seal, at(6, 1));
        let report = verify(&tamper_picture(&signature));
        assert_eq!(
            verdict(&report.decision),
            (Indication::Failed, Some(SubIndication::SigCryptoFailure))
        );
        assert_eq!(
            check_result(&report.decision, "seal_signature"),
            CheckResult::Failed
        );
        assert_eq!(
            check_result(&report.decision, "signature"),
            CheckResult::Failed
        );

        // A seal tampered before signing: the signer's signature holds, the
        // authority's does not.
        let signature = signed_by(kit, &kit.signer, &tamper_picture(&seal), at(6, 1));
        let report = verify(&signature);
        assert_eq!(
            verdict(&report.decision),
            (Indication::Failed, Some(SubIndication::SigCryptoFailure))
        );
        assert_eq!(
            check_result(&report.decision, "signature"),
            CheckResult::Passed
        );
        assert_eq!(
            check_result(&report.decision, "seal_signature"),
            CheckResult::Failed
        );
    }
}

#[test]
fn a_seal_is_used_only_within_its_validity_period() {
    let kit = &fixtures().p256;
    let seal = seal_of(kit, CertListForm::Certificates);
    let late = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let report = verify(&signed_by(kit, &kit.signer, &seal, late));
    assert_eq!(
        verdict(&report.decision),
        (Indication::Failed, Some(SubIndication::Expired))
    );
    let early = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let report = verify(&signed_by(kit, &kit.signer, &seal, early));
    assert_eq!(
        verdict(&report.decision),
        (Indication::Failed, Some(SubIndication::NotYetValid))
    );
    assert_eq!(
        verdict(&verify_seal(&seal, late, accept_all).decision),
        (Indication::Failed, Some(SubIndication::Expired))
    );
    // The last second of the period still counts.
    let report = verify(&signed_by(kit, &kit.signer, &seal, at(12, 31)));
    assert_eq!(verdict(&report.decision), (Indication::Passed, None));
}

#[test]
fn the_trust_callback_decides_about_both_certificates() {
    let kit = &fixtures().sm2;
    let seal = seal_of(kit, CertListForm::Certificates);
    let signature = signed_by(kit, &kit.signer, &seal, at(6, 1));

    let asked = std::cell::RefCell::new(Vec::new());
    let report = verify_signature(
        &signature,
        DocumentInput::Bytes(DOCUMENT),
        |der, role, time| {
            asked.borrow_mut().push((der.to_vec(), role, time));
            accept_all(der, role, time)
        },
    );
    assert_eq!(verdict(&report.decision), (Indication::Passed, None));
    assert_eq!(
        asked.into_inner(),
        vec![
            (kit.signer.cert_der.clone(), CertRole::Signer, at(6, 1)),
            (
                kit.authority.cert_der.clone(),
                CertRole::SealAuthority,
                at(6, 1)
            ),
        ]
    );

    let refuse = |role: CertRole, indication, sub| {
        move |der: &[u8], r: CertRole, t: DateTime<Utc>| {
            if r == role {
                Decision {
                    indication,
                    sub_indication: Some(sub),
                    checks: vec![crate::pki::policy::Check {
                        name: "revocation",
                        result: CheckResult::Failed,
                        detail: "revoked yesterday".into(),
                    }],
                }
            } else {
                accept_all(der, r, t)
            }
        }
    };
    let report = verify_signature(
        &signature,
        DocumentInput::Bytes(DOCUMENT),
        refuse(CertRole::Signer, Indication::Failed, SubIndication::Revoked),
    );
    assert_eq!(
        verdict(&report.decision),
        (Indication::Failed, Some(SubIndication::Revoked))
    );
    let check = report
        .decision
        .checks
        .iter()
        .find(|c| c.name == "signer_certificate")
        .unwrap();
    assert!(check.detail.contains("revoked yesterday"), "{check:?}");

    let report = verify_signature(
        &signature,
        DocumentInput::Bytes(DOCUMENT),
        refuse(
            CertRole::SealAuthority,
            Indication::Indeterminate,
            SubIndication::NoCertificateChainFound,
        ),
    );
    assert_eq!(
        verdict(&report.decision),
        (
            Indication::Indeterminate,
            Some(SubIndication::NoCertificateChainFound)
        )
    );
    assert_eq!(
        check_result(&report.decision, "seal_authority_certificate"),
        CheckResult::Indeterminate
    );
    // FAILED outranks INDETERMINATE.
    let report = verify_signature(
        &signature,
        DocumentInput::Bytes(b"other"),
        refuse(
            CertRole::SealAuthority,
            Indication::Indeterminate,
            SubIndication::NoCertificateChainFound,
        ),
    );
    assert_eq!(
        verdict(&report.decision),
        (Indication::Failed, Some(SubIndication::HashFailure))
    );
}

#[test]
fn garbage_and_truncated_der_is_a_format_failure() {
    let kit = &fixtures().p256;
    let seal = seal_of(kit, CertListForm::Certificates);
    let signature = signed_by(kit, &kit.signer, &seal, at(6, 1));
    let format_failure = (Indication::Failed, Some(SubIndication::FormatFailure));
    for bytes in [
        &b""[..],
        b"\x30",
        b"\x30\x80\x00\x00",
        b"not DER at all",
        &seal,
    ] {
        assert_eq!(verdict(&verify(bytes).decision), format_failure);
    }
    assert_eq!(
        verdict(&verify_seal(&signature, at(6, 1), accept_all).decision),
        format_failure
    );
    for len in 0..signature.len() {
        assert_eq!(
            verdict(&verify(&signature[..len]).decision),
            format_failure,
            "{len}"
        );
        assert!(parse_signature(&signature[..len]).is_err());
    }
    for len in 0..seal.len() {
        let report = verify_seal(&seal[..len], at(6, 1), accept_all);
        assert_eq!(verdict(&report.decision), format_failure, "{len}");
    }
    let mut trailing = signature.clone();
    trailing.push(0);
    assert_eq!(verdict(&verify(&trailing).decision), format_failure);
}

#[test]
fn no_single_byte_change_passes_and_none_panics() {
    let f = fixtures();
    for kit in [&f.p256, &f.sm2] {
        let seal = seal_of(kit, CertListForm::Sm3Digests);
        let signature = signed_by(kit, &kit.signer, &seal, at(6, 1));
        for i in 0..signature.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut mutated = signature.clone();
                mutated[i] ^= flip;
                let report = verify_signature(&mutated, DocumentInput::Bytes(DOCUMENT), known_only);
                assert_ne!(
                    report.decision.indication,
                    Indication::Passed,
                    "byte {i} ^ {flip:#x}"
                );
            }
        }
        for i in 0..seal.len() {
            let mut mutated = seal.clone();
            mutated[i] ^= 0x55;
            let report = verify_seal(&mutated, at(6, 1), known_only);
            assert_ne!(
                report.decision.indication,
                Indication::Passed,
                "seal byte {i}"
            );
        }
    }
}

/// Rebuilds a seal with its information changed, signed again by `kit`'s
/// authority under `alg`.
fn reseal(
    kit: &Kit,
    seal: &[u8],
    alg: ObjectIdentifier,
    change: impl FnOnce(&mut asn1::SealInfo),
) -> Vec<u8> {
    let outer = asn1::Seal::from_der(seal).unwrap();
    let mut info: asn1::SealInfo = outer.seal_info.decode_as().unwrap();
    change(&mut info);
    let info_der = info.to_der().unwrap();
    let algorithm = Algorithm::for_key(&kit.authority.key).unwrap();
    let value = algorithm.sign(&kit.authority.key, &info_der).unwrap();
    asn1::Seal {
        seal_info: Any::from_der(&info_der).unwrap(),
        cert: outer.cert,
        sign_alg: alg,
        signed_value: BitString::from_bytes(&value).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn ext(oid_body: Vec<u8>, critical: bool, value: &[u8]) -> ExtData {
    ExtData {
        extn_id: Any::new(Tag::ObjectIdentifier, oid_body).unwrap(),
        critical,
        extn_value: OctetString::new(value.to_vec()).unwrap(),
    }
}

#[test]
fn malformed_seal_contents_are_format_failures() {
    let kit = &fixtures().rsa;
    let seal = seal_of(kit, CertListForm::Certificates);
    let alg = Algorithm::RsaSha256.oid();
    let format_failure = (Indication::Failed, Some(SubIndication::FormatFailure));
    let unknown_oid = ObjectIdentifier::new_unwrap("1.2.3.4").as_bytes().to_vec();
    let owner = |code: &str| {
        asn1::SealOwner {
            organization_name: "Some Co".into(),
            credit_code: der::asn1::PrintableString::new(code).unwrap(),
        }
        .to_der()
        .unwrap()
    };
    let owner_oid = asn1::uuid_oid_body(asn1::OWNER_EXTENSION_UUID);
    type Change = Box<dyn FnOnce(&mut asn1::SealInfo)>;
    let cases: Vec<(&str, Change)> = vec![
        ("version 3", Box::new(|i| i.header.version = 3)),
        (
            "header id",
            Box::new(|i| i.header.id = der::asn1::Ia5String::new("XX").unwrap()),
        ),
        (
            "certListType 3",
            Box::new(|i| i.property.cert_list_type = 3),
        ),
        (
            "certListType says digests",
            Box::new(|i| i.property.cert_list_type = 2),
        ),
        (
            "unknown critical extension",
            Box::new(move |i| {
                i.ext_datas
                    .get_or_insert_with(Vec::new)
                    .push(ext(unknown_oid, true, b"x"))
            }),
        ),
        (
            "credit code with a wrong check digit",
            Box::new(move |i| {
                i.ext_datas = Some(vec![ext(
                    owner_oid.clone(),
                    false,
                    &owner("91450100MA5N7KQ6X0"),
                )])
            }),
        ),
        (
            "owner twice",
            Box::new(move |i| {
                let good = owner(credit_code().as_str());
                let oid = asn1::uuid_oid_body(asn1::OWNER_EXTENSION_UUID);
                i.ext_datas = Some(vec![ext(oid.clone(), false, &good), ext(oid, false, &good)])
            }),
        ),
        (
            "extnID not an OID",
            Box::new(|i| {
                i.ext_datas = Some(vec![ExtData {
                    extn_id: Any::new(Tag::Integer, vec![1]).unwrap(),
                    critical: false,
                    extn_value: OctetString::new(vec![]).unwrap(),
                }])
            }),
        ),
    ];
    for (what, change) in cases {
        let bad = reseal(kit, &seal, alg, change);
        assert_eq!(
            verdict(&verify_seal(&bad, at(6, 1), accept_all).decision),
            format_failure,
            "{what}"
        );
        let signature = signed_by(kit, &kit.signer, &bad, at(6, 1));
        assert_eq!(
            verdict(&verify(&signature).decision),
            format_failure,
            "{what}"
        );
    }
    // An unknown non-critical extension is ignored; a seal without the
    // owner extension verifies, with no owner to report.
    let plain = reseal(kit, &seal, alg, |i| {
        i.ext_datas = Some(vec![ext(
            ObjectIdentifier::new_unwrap("1.2.3.4").as_bytes().to_vec(),
            false,
            b"x",
        )])
    });
    let report = verify_seal(&plain, at(6, 1), accept_all);
    assert_eq!(verdict(&report.decision), (Indication::Passed, None));
    assert_eq!(report.seal.unwrap().owner_name, None);
}

#[test]
fn unsupported_or_mismatched_algorithms() {
    let kit = &fixtures().rsa;
    let seal = seal_of(kit, CertListForm::Certificates);
    // sha1WithRSAEncryption: not supported.
    let sha1 = reseal(
        kit,
        &seal,
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5"),
        |_| {},
    );
    let report = verify_seal(&sha1, at(6, 1), accept_all);
    assert_eq!(
        verdict(&report.decision),
        (
            Indication::Indeterminate,
            Some(SubIndication::CryptoConstraintsFailure)
        )
    );
    assert_eq!(report.seal.unwrap().algorithm, None);
    // The seal says SM2 but the authority key is RSA.
    let mismatched = reseal(kit, &seal, Algorithm::Sm2Sm3.oid(), |_| {});
    assert_eq!(
        verdict(&verify_seal(&mismatched, at(6, 1), accept_all).decision),
        (Indication::Failed, Some(SubIndication::SigCryptoFailure))
    );
}

#[test]
fn builders_refuse_nonsense() {
    let f = fixtures();
    let kit = &f.p256;
    let refused =
        |spec: SealSpec| make_seal(&spec, &kit.authority.cert, &kit.authority.key).is_err();
    let mut s = spec(&[&kit.signer], CertListForm::Certificates);
    s.valid_to = at(1, 1);
    assert!(refused(s));
    assert!(refused(spec(&[], CertListForm::Certificates)));
    let mut s = spec(&[&kit.signer], CertListForm::Certificates);
    s.es_id = "印章-1".into();
    assert!(refused(s));
    let mut s = spec(&[&kit.signer], CertListForm::Certificates);
    s.signer_certs = vec![b"not a certificate".to_vec()];
    assert!(refused(s));
    let mut s = spec(&[&kit.signer], CertListForm::Certificates);
    s.seal_type = SealType::Other;
    assert!(refused(s));
    let mut s = spec(&[&kit.signer], CertListForm::Certificates);
    s.valid_from = Utc.with_ymd_and_hms(1969, 1, 1, 0, 0, 0).unwrap();
    assert!(refused(s));
    // A key that is not the certificate's.
    assert!(
        make_seal(
            &spec(&[&kit.signer], CertListForm::Certificates),
            &kit.authority.cert,
            &kit.signer.key
        )
        .is_err()
    );
    // A short RSA key.
    let rsa1024 = PKey::from_rsa(openssl::rsa::Rsa::generate(1024).unwrap()).unwrap();
    assert!(Algorithm::for_key(&rsa1024).is_err());

    let seal = seal_of(kit, CertListForm::Certificates);
    let sign_with = |doc: DocumentInput<'_>, property: &str, seal: &[u8]| {
        sign(
            seal,
            doc,
            property,
            at(6, 1),
            &kit.signer.cert,
            &kit.signer.key,
        )
    };
    assert!(sign_with(DocumentInput::Digest(&[0; 20]), "x", &seal).is_err());
    assert!(sign_with(DocumentInput::Digest(&[0; 32]), "x", &seal).is_ok());
    assert!(sign_with(DocumentInput::Bytes(DOCUMENT), "全文", &seal).is_err());
    assert!(sign_with(DocumentInput::Bytes(DOCUMENT), "x", b"not a seal").is_err());
    assert!(sign_with(DocumentInput::Bytes(DOCUMENT), "x", &seal[..seal.len() - 1]).is_err());
}

// ---- interop with the openssl command line ----

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    std::fs::write(dir.join(name), bytes).unwrap();
    name.to_string()
}

fn cli_sm2_verifies(dir: &Path, party: &Party, data: &str, sig: &str, id: &str) -> bool {
    let distid = format!("distid:{id}");
    openssl(
        dir,
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            &party.pub_file,
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            &distid,
            "-in",
            data,
            "-sigfile",
            sig,
        ],
    )
    .status
    .success()
}

#[test]
fn sm2_signatures_interoperate_with_the_openssl_cli() {
    let f = fixtures();
    let dir = f.dir.path();
    let party = &f.sm2.signer;
    let data = write(dir, "sm2-data", b"SM2 interop: the quick brown fox");

    // Ours, checked by the CLI.
    let ours = Algorithm::Sm2Sm3
        .sign(&party.key, b"SM2 interop: the quick brown fox")
        .unwrap();
    let ours_file = write(dir, "sm2-ours.sig", &ours);
    assert!(cli_sm2_verifies(
        dir,
        party,
        &data,
        &ours_file,
        "1234567812345678"
    ));
    assert!(!cli_sm2_verifies(
        dir,
        party,
        &data,
        &ours_file,
        "1234567812345679"
    ));

    // The CLI's, checked by us.
    let cli_file = "sm2-cli.sig";
    openssl_ok(
        dir,
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            &party.key_file,
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            &data,
            "-out",
            cli_file,
        ],
    );
    let cli = std::fs::read(dir.join(cli_file)).unwrap();
    let public = party.cert.public_key().unwrap();
    assert_eq!(
        Algorithm::Sm2Sm3.verify(&public, b"SM2 interop: the quick brown fox", &cli),
        Ok(true)
    );
    assert_eq!(
        Algorithm::Sm2Sm3.verify(&public, b"SM2 interop: the quick brown fox!", &cli),
        Ok(false)
    );

    // The signer ID really is set through the FFI: a signature under another
    // ID verifies only under that ID, with the CLI and with us.
    let alice = crypto::sm2_sign(
        &party.key,
        b"ALICE123@YAHOO.COM",
        b"SM2 interop: the quick brown fox",
    )
    .unwrap();
    let alice_file = write(dir, "sm2-alice.sig", &alice);
    assert!(cli_sm2_verifies(
        dir,
        party,
        &data,
        &alice_file,
        "ALICE123@YAHOO.COM"
    ));
    assert!(!cli_sm2_verifies(
        dir,
        party,
        &data,
        &alice_file,
        "1234567812345678"
    ));
    assert!(crypto::sm2_verify(
        &public,
        b"ALICE123@YAHOO.COM",
        b"SM2 interop: the quick brown fox",
        &alice
    ));
    assert_eq!(
        Algorithm::Sm2Sm3.verify(&public, b"SM2 interop: the quick brown fox", &alice),
        Ok(false)
    );

    // A key made as a plain EC key on the SM2 curve signs SM2 too.
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::SM2).unwrap();
    let ec = PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
    assert_eq!(Algorithm::for_key(&ec), Ok(Algorithm::Sm2Sm3));
    let sig = Algorithm::Sm2Sm3.sign(&ec, b"ec-typed").unwrap();
    let ec_pub = write(dir, "ec-typed.pub", &ec.public_key_to_pem().unwrap());
    let ec_data = write(dir, "ec-typed.data", b"ec-typed");
    let ec_sig = write(dir, "ec-typed.sig", &sig);
    assert!(
        openssl(
            dir,
            &[
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                &ec_pub,
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                "distid:1234567812345678",
                "-in",
                &ec_data,
                "-sigfile",
                &ec_sig,
            ],
        )
        .status
        .success()
    );
}

/// The CLI checks the signatures inside our structures: the signer's over
/// `TBS_Sign` and the authority's over `SES_SealInfo`.
#[test]
fn signatures_inside_seal_structures_verify_with_the_openssl_cli() {
    let f = fixtures();
    let dir = f.dir.path();
    for (kit, name) in [(&f.rsa, "rsa"), (&f.p256, "p256"), (&f.sm2, "sm2")] {
        let seal = seal_of(kit, CertListForm::Certificates);
        let signature = signed_by(kit, &kit.signer, &seal, at(6, 1));
        let outer = asn1::Signature::from_der(&signature).unwrap();
        let tbs: asn1::TbsSign = outer.to_sign.decode_as().unwrap();
        let inner = asn1::Seal::from_der(&tbs.eseal.to_der().unwrap()).unwrap();
        let pieces = [
            (
                &kit.signer,
                outer.to_sign.to_der().unwrap(),
                outer.signature.as_bytes().unwrap().to_vec(),
            ),
            (
                &kit.authority,
                inner.seal_info.to_der().unwrap(),
                inner.signed_value.as_bytes().unwrap().to_vec(),
            ),
        ];
        for (i, (party, data, sig)) in pieces.iter().enumerate() {
            let data = write(dir, &format!("{name}-{i}.tbs"), data);
            let sig = write(dir, &format!("{name}-{i}.sig"), sig);
            let ok = match name {
                "sm2" => cli_sm2_verifies(dir, party, &data, &sig, "1234567812345678"),
                _ => openssl(
                    dir,
                    &[
                        "dgst",
                        "-sha256",
                        "-verify",
                        &party.pub_file,
                        "-signature",
                        &sig,
                        &data,
                    ],
                )
                .status
                .success(),
            };
            assert!(ok, "{name} piece {i}");
        }
    }
}

#[test]
fn rsa_and_ecdsa_signatures_made_by_the_cli_verify() {
    let f = fixtures();
    let dir = f.dir.path();
    for (party, algorithm) in [
        (&f.rsa.signer, Algorithm::RsaSha256),
        (&f.p256.signer, Algorithm::EcdsaP256Sha256),
    ] {
        let data = write(dir, "cli-data", b"made by the CLI");
        openssl_ok(
            dir,
            &[
                "dgst",
                "-sha256",
                "-sign",
                &party.key_file,
                "-out",
                "cli-data.sig",
                &data,
            ],
        );
        let sig = std::fs::read(dir.join("cli-data.sig")).unwrap();
        let public = party.cert.public_key().unwrap();
        assert_eq!(
            algorithm.verify(&public, b"made by the CLI", &sig),
            Ok(true)
        );
        assert_eq!(
            algorithm.verify(&public, b"made by the CLI?", &sig),
            Ok(false)
        );
    }
}

#[test]
fn the_der_layout_reads_with_the_openssl_cli() {
    let f = fixtures();
    let dir = f.dir.path();
    let kit = &f.sm2;
    let seal = seal_of(kit, CertListForm::Certificates);
    let signature = signed_by(kit, &kit.signer, &seal, at(6, 1));
    let file = write(dir, "layout.der", &signature);
    let out = openssl(dir, &["asn1parse", "-inform", "DER", "-in", &file]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        ":ES",
        ":ggzy",
        ":45010020260001",
        ":png",
        ":20260601093000Z",
        ":SM2-with-SM3",
        asn1::OWNER_EXTENSION,
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
}

#[test]
fn the_owner_extension_oid_is_the_uuid_oid() {
    assert_eq!(
        asn1::OWNER_EXTENSION_UUID,
        293_571_946_508_129_564_846_321_932_684_640_972_334
    );
    let dir = tempfile::tempdir().unwrap();
    let genstr = format!("OID:{}", asn1::OWNER_EXTENSION);
    let out = openssl(
        dir.path(),
        &["asn1parse", "-genstr", &genstr, "-out", "oid.der"],
    );
    assert!(out.status.success());
    let der = std::fs::read(dir.path().join("oid.der")).unwrap();
    let body = asn1::uuid_oid_body(asn1::OWNER_EXTENSION_UUID);
    assert_eq!(der[0], 0x06);
    assert_eq!(&der[2..], body.as_slice());
    assert_eq!(asn1::uuid_oid_body(0), vec![0x69, 0x00]);
    assert_eq!(asn1::uuid_oid_body(128), vec![0x69, 0x81, 0x00]);
}
