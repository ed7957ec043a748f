//! Certificate validation, with every certificate and CRL made by the real
//! `openssl` command line (never by our code), and the verdicts compared with
//! `openssl verify` where both can judge.

use chrono::{Duration, Utc};
use ggzy::pki::policy::{Indication, Purpose, SubIndication};
use ggzy::pki::validation::{TrustMaterial, validate};
use openssl::x509::{X509, X509Crl};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fabric::openssl;

/// A root, an issuing CA, leaves of several kinds and a CRL revoking one.
struct Fabric {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Fabric {
    fn new() -> Fabric {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let p = &path;
        let w = |name: &str, text: &str| std::fs::write(p.join(name), text).unwrap();
        w(
            "ca.ext",
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
        );
        w(
            "sign.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=clientAuth\n",
        );
        w(
            "enc.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment\n",
        );
        w(
            "tsa.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n",
        );
        w(
            "server.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        );
        w(
            "notca.ext",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyCertSign\n",
        );
        w(
            "part.cnf",
            "[ca]\ndefault_ca=d\n[d]\ndatabase=issuing.index\ncrlnumber=issuing.crlnumber\ndefault_md=sha256\ndefault_crl_days=30\nprivate_key=issuing.key\ncertificate=issuing.pem\ncrl_extensions=crl_ext\n[crl_ext]\nissuingDistributionPoint=critical,@idp\n[idp]\nfullname=URI:http://crl.example/partition-3.crl\n",
        );
        for ca in ["issuing", "root"] {
            w(
                &format!("{ca}.cnf"),
                &format!(
                    "[ca]\ndefault_ca=d\n[d]\ndatabase={ca}.index\ncrlnumber={ca}.crlnumber\ndefault_md=sha256\ndefault_crl_days=30\nprivate_key={ca}.key\ncertificate={ca}.pem\n"
                ),
            );
            w(&format!("{ca}.index"), "");
            w(&format!("{ca}.crlnumber"), "01\n");
        }
        for (name, subject) in [
            ("root", "/C=CN/O=NNG Demo/CN=NNG Root CA"),
            ("other-root", "/C=CN/O=Elsewhere/CN=Unknown Root"),
        ] {
            openssl(
                p,
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    &format!("{name}.key"),
                    "-out",
                    &format!("{name}.pem"),
                    "-subj",
                    subject,
                    "-days",
                    "3650",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ],
            );
        }
        Fabric::issue(
            p,
            "issuing",
            "/C=CN/O=NNG Demo/CN=NNG Enterprise CA",
            "root",
            "ca.ext",
            "1825",
        );
        for (name, ext) in [
            ("good", "sign.ext"),
            ("revoked", "sign.ext"),
            ("encrypt-only", "enc.ext"),
            ("tsa", "tsa.ext"),
            ("server", "server.ext"),
            ("not-a-ca", "notca.ext"),
        ] {
            Fabric::issue(
                p,
                name,
                &format!("/C=CN/O=Guangxi {name}/CN=Guangxi {name}"),
                "issuing",
                ext,
                "365",
            );
        }
        // A leaf issued by a certificate that is not a CA.
        Fabric::issue(
            p,
            "under-not-a-ca",
            "/C=CN/CN=Under Not A CA",
            "not-a-ca",
            "sign.ext",
            "365",
        );
        // A leaf no anchor vouches for, and one that signs itself.
        Fabric::issue(
            p,
            "stranger",
            "/C=CN/CN=Stranger",
            "other-root",
            "sign.ext",
            "365",
        );
        openssl(
            p,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "self.key",
                "-out",
                "self.pem",
                "-subj",
                "/CN=Self Signed",
                "-days",
                "365",
                "-addext",
                "basicConstraints=CA:FALSE",
            ],
        );
        // A CRL from before the revocation, still current after it.
        openssl(
            p,
            &[
                "ca",
                "-config",
                "issuing.cnf",
                "-gencrl",
                "-out",
                "issuing-before.crl",
            ],
        );
        openssl(
            p,
            &[
                "ca",
                "-config",
                "issuing.cnf",
                "-revoke",
                "revoked.pem",
                "-crl_reason",
                "keyCompromise",
            ],
        );
        // A partitioned CRL (critical issuingDistributionPoint), which covers
        // only some of the issuer's certificates.
        openssl(
            p,
            &[
                "ca",
                "-config",
                "part.cnf",
                "-gencrl",
                "-out",
                "issuing-partition.crl",
            ],
        );
        openssl(
            p,
            &[
                "ca",
                "-config",
                "issuing.cnf",
                "-gencrl",
                "-out",
                "issuing.crl",
            ],
        );
        openssl(
            p,
            &["ca", "-config", "root.cnf", "-gencrl", "-out", "root.crl"],
        );
        Fabric { _dir: dir, path }
    }

    fn issue(p: &Path, name: &str, subject: &str, ca: &str, ext: &str, days: &str) {
        let key_type = if name == "issuing" || name == "not-a-ca" {
            "ec"
        } else {
            "rsa:2048"
        };
        let mut args = vec!["req", "-newkey", key_type];
        if key_type == "ec" {
            args.extend(["-pkeyopt", "ec_paramgen_curve:P-256"]);
        }
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        args.extend(["-nodes", "-keyout", &key, "-out", &csr, "-subj", subject]);
        openssl(p, &args);
        openssl(
            p,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &format!("{ca}.pem"),
                "-CAkey",
                &format!("{ca}.key"),
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                days,
                "-extfile",
                ext,
            ],
        );
    }

    fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path.join(name)).unwrap()
    }

    fn cert(&self, name: &str) -> X509 {
        X509::from_pem(&self.bytes(name)).unwrap()
    }

    fn trust(&self, with_crl: bool) -> TrustMaterial {
        TrustMaterial {
            anchors: vec![self.cert("root.pem")],
            intermediates: vec![self.cert("issuing.pem")],
            crls: if with_crl {
                vec![
                    X509Crl::from_pem(&self.bytes("issuing.crl")).unwrap(),
                    X509Crl::from_pem(&self.bytes("root.crl")).unwrap(),
                ]
            } else {
                vec![]
            },
            ..TrustMaterial::default()
        }
    }

    /// What `openssl verify` says of a certificate against this fabric
    /// (checking the CRLs of every CA in the path, as ggzy does).
    fn openssl_accepts(&self, name: &str, with_crl: bool) -> bool {
        let chain = [self.bytes("root.pem"), self.bytes("issuing.pem")].concat();
        std::fs::write(self.path.join("chain.pem"), chain).unwrap();
        let crls = [self.bytes("issuing.crl"), self.bytes("root.crl")].concat();
        std::fs::write(self.path.join("crls.pem"), crls).unwrap();
        let mut args = vec!["verify", "-CAfile", "chain.pem"];
        if with_crl {
            args.extend(["-crl_check_all", "-CRLfile", "crls.pem"]);
        }
        args.push(name);
        Command::new("openssl")
            .args(&args)
            .current_dir(&self.path)
            .output()
            .unwrap()
            .status
            .success()
    }
}

fn verdict(report: &ggzy::pki::validation::Report) -> (Indication, Option<SubIndication>) {
    (report.decision.indication, report.decision.sub_indication)
}

#[test]
fn certificates_from_the_openssl_tool_are_judged_as_openssl_verify_does() {
    let f = Fabric::new();
    let now = Utc::now();
    let trust = f.trust(true);
    let good = validate(&f.bytes("good.pem"), &trust, now, Purpose::Signing);
    assert_eq!(verdict(&good), (Indication::Passed, None), "{good:?}");
    assert!(f.openssl_accepts("good.pem", true));
    assert_eq!(good.chain.len(), 3);
    assert!(good.subject.as_deref().unwrap().contains("Guangxi good"));
    assert_eq!(good.sha256.as_ref().unwrap().len(), 64);
    let names: Vec<&str> = good.decision.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "chain",
            "validity_period",
            "basic_constraints",
            "key_usage",
            "revocation",
            "revocation_sources"
        ]
    );
    // DER works as well as PEM.
    let der = f.cert("good.pem").to_der().unwrap();
    assert_eq!(
        validate(&der, &trust, now, Purpose::ClientAuth)
            .decision
            .indication,
        Indication::Passed
    );

    let revoked = validate(&f.bytes("revoked.pem"), &trust, now, Purpose::Signing);
    assert_eq!(
        verdict(&revoked),
        (Indication::Failed, Some(SubIndication::Revoked)),
        "{revoked:?}"
    );
    assert!(!f.openssl_accepts("revoked.pem", true));
    // Before its revocation, the same certificate was good.
    let before = validate(
        &f.bytes("revoked.pem"),
        &trust,
        now - Duration::minutes(10),
        Purpose::Signing,
    );
    assert_ne!(before.decision.sub_indication, Some(SubIndication::Revoked));
}

#[test]
fn every_refusal_has_its_sub_indication() {
    let f = Fabric::new();
    let now = Utc::now();
    let trust = f.trust(true);
    let check = |file: &str, at, purpose, expected: (Indication, Option<SubIndication>)| {
        let report = validate(&f.bytes(file), &trust, at, purpose);
        assert_eq!(
            verdict(&report),
            expected,
            "{file}: {:#?}",
            report.decision.checks
        );
    };
    check(
        "good.pem",
        now + Duration::days(400),
        Purpose::Signing,
        (Indication::Indeterminate, Some(SubIndication::Expired)),
    );
    check(
        "good.pem",
        now - Duration::days(2),
        Purpose::Signing,
        (Indication::Indeterminate, Some(SubIndication::NotYetValid)),
    );
    check(
        "stranger.pem",
        now,
        Purpose::Signing,
        (
            Indication::Indeterminate,
            Some(SubIndication::NoCertificateChainFound),
        ),
    );
    assert!(!f.openssl_accepts("stranger.pem", false));
    check(
        "self.pem",
        now,
        Purpose::Signing,
        (
            Indication::Indeterminate,
            Some(SubIndication::NoCertificateChainFound),
        ),
    );
    check(
        "encrypt-only.pem",
        now,
        Purpose::Signing,
        (
            Indication::Indeterminate,
            Some(SubIndication::ChainConstraintsFailure),
        ),
    );
    check(
        "issuing.pem",
        now,
        Purpose::Signing,
        (
            Indication::Indeterminate,
            Some(SubIndication::ChainConstraintsFailure),
        ),
    );
    check(
        "good.pem",
        now,
        Purpose::TimeStamping,
        (
            Indication::Indeterminate,
            Some(SubIndication::ChainConstraintsFailure),
        ),
    );
    check(
        "tsa.pem",
        now,
        Purpose::TimeStamping,
        (Indication::Passed, None),
    );
    // The root's CRL missing: the issuing CA's status cannot be known.
    let mut partial = f.trust(false);
    partial
        .crls
        .push(X509Crl::from_pem(&f.bytes("issuing.crl")).unwrap());
    let report = validate(&f.bytes("good.pem"), &partial, now, Purpose::Signing);
    assert_eq!(
        verdict(&report),
        (Indication::Indeterminate, Some(SubIndication::TryLater))
    );
    // No CRL at all: revocation cannot be known.
    let report = validate(&f.bytes("good.pem"), &f.trust(false), now, Purpose::Signing);
    assert_eq!(
        verdict(&report),
        (Indication::Indeterminate, Some(SubIndication::TryLater))
    );
    // A CRL that has lapsed by the validation time is no better.
    check(
        "good.pem",
        now + Duration::days(31),
        Purpose::Signing,
        (Indication::Indeterminate, Some(SubIndication::TryLater)),
    );
}

#[test]
fn garbage_truncated_and_tampered_input_is_refused() {
    let f = Fabric::new();
    let now = Utc::now();
    let trust = f.trust(true);
    let der = f.cert("good.pem").to_der().unwrap();
    for bytes in [
        b"".to_vec(),
        b"not a certificate".to_vec(),
        der[..der.len() / 2].to_vec(),
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
    ] {
        let report = validate(&bytes, &trust, now, Purpose::Signing);
        assert_eq!(
            verdict(&report),
            (Indication::Failed, Some(SubIndication::FormatFailure))
        );
    }
    let mut trailing = der.clone();
    trailing.extend_from_slice(b"extra");
    assert_eq!(
        validate(&trailing, &trust, now, Purpose::Signing)
            .decision
            .sub_indication,
        Some(SubIndication::FormatFailure)
    );
    // Flip one bit of the signature (the last bytes of the DER).
    let mut tampered = der.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 0x01;
    let report = validate(&tampered, &trust, now, Purpose::Signing);
    assert_eq!(
        verdict(&report),
        (Indication::Failed, Some(SubIndication::SigCryptoFailure)),
        "{report:?}"
    );
}

fn crl(f: &Fabric, name: &str) -> X509Crl {
    X509Crl::from_pem(&f.bytes(name)).unwrap()
}

#[test]
fn revocation_cannot_be_dodged_with_old_or_partial_crls() {
    let f = Fabric::new();
    let now = Utc::now();
    // Both CRLs are current; the older one does not list the revocation.
    let mut overlapping = f.trust(false);
    overlapping.crls = vec![
        crl(&f, "issuing-before.crl"),
        crl(&f, "issuing.crl"),
        crl(&f, "root.crl"),
    ];
    let report = validate(&f.bytes("revoked.pem"), &overlapping, now, Purpose::Signing);
    assert_eq!(
        verdict(&report),
        (Indication::Failed, Some(SubIndication::Revoked))
    );
    // A partitioned CRL does not prove a certificate outside its partition good.
    let mut partial = f.trust(false);
    partial.crls = vec![crl(&f, "issuing-partition.crl"), crl(&f, "root.crl")];
    let report = validate(&f.bytes("revoked.pem"), &partial, now, Purpose::Signing);
    assert_eq!(
        {
            eprintln!("PARTIAL {report:#?}");
            verdict(&report)
        },
        (Indication::Indeterminate, Some(SubIndication::TryLater))
    );
    // A CRL signed by another CA proves nothing about this issuer's certificates.
    let mut other = f.trust(false);
    other.crls = vec![crl(&f, "root.crl")];
    let report = validate(&f.bytes("good.pem"), &other, now, Purpose::Signing);
    assert_eq!(
        verdict(&report),
        (Indication::Indeterminate, Some(SubIndication::TryLater))
    );
}

#[test]
fn purposes_and_ca_constraints_are_enforced() {
    let f = Fabric::new();
    let now = Utc::now();
    let trust = TrustMaterial {
        intermediates: vec![f.cert("issuing.pem"), f.cert("not-a-ca.pem")],
        ..f.trust(true)
    };
    let constraints = (
        Indication::Indeterminate,
        Some(SubIndication::ChainConstraintsFailure),
    );
    for file in ["server.pem", "tsa.pem"] {
        assert_eq!(
            verdict(&validate(&f.bytes(file), &trust, now, Purpose::Signing)),
            constraints,
            "{file} is not for signing"
        );
    }
    assert_eq!(
        verdict(&validate(
            &f.bytes("server.pem"),
            &trust,
            now,
            Purpose::ClientAuth
        )),
        constraints
    );
    let report = validate(
        &f.bytes("under-not-a-ca.pem"),
        &trust,
        now,
        Purpose::Signing,
    );
    assert_eq!(
        verdict(&report),
        constraints,
        "{:#?}",
        report.decision.checks
    );
}

#[test]
fn pem_must_be_exactly_one_certificate() {
    let f = Fabric::new();
    let now = Utc::now();
    let trust = f.trust(true);
    let pem = f.bytes("good.pem");
    let format = (Indication::Failed, Some(SubIndication::FormatFailure));
    let two = [pem.clone(), f.bytes("issuing.pem")].concat();
    assert_eq!(
        verdict(&validate(&two, &trust, now, Purpose::Signing)),
        format
    );
    let trailing = [pem.clone(), b"garbage after the block".to_vec()].concat();
    assert_eq!(
        verdict(&validate(&trailing, &trust, now, Purpose::Signing)),
        format
    );
    let text = String::from_utf8(pem.clone()).unwrap();
    let padded = text.replacen("-----END", "AAAA\n-----END", 1);
    assert_eq!(
        verdict(&validate(padded.as_bytes(), &trust, now, Purpose::Signing)),
        format,
        "extra bytes inside the base64"
    );
    let spaced = format!("\n  {}\n\n", text.trim());
    assert_eq!(
        verdict(&validate(spaced.as_bytes(), &trust, now, Purpose::Signing)),
        (Indication::Passed, None)
    );
}

/// Validation keeps what it derives from a `TrustMaterial` (the openssl
/// store, CRL signatures); changing or replacing the material's fields after
/// a validation must be seen by the next one.
#[test]
fn prepared_trust_follows_changes_to_the_material() {
    let f = Fabric::new();
    let now = Utc::now();
    let judge = |file: &str, trust: &TrustMaterial| {
        verdict(&validate(&f.bytes(file), trust, now, Purpose::Signing))
    };
    let try_later = (Indication::Indeterminate, Some(SubIndication::TryLater));
    let revoked = (Indication::Failed, Some(SubIndication::Revoked));
    let mut trust = f.trust(false);
    assert_eq!(judge("revoked.pem", &trust), try_later);
    trust.crls = vec![crl(&f, "issuing.crl"), crl(&f, "root.crl")];
    assert_eq!(judge("revoked.pem", &trust), revoked);
    assert_eq!(judge("good.pem", &trust), (Indication::Passed, None));
    trust.crls.remove(0);
    trust.crls.push(crl(&f, "issuing-before.crl"));
    assert_eq!(judge("revoked.pem", &trust), (Indication::Passed, None));
    // Struct update from a used material carries its prepared form along.
    let older = TrustMaterial {
        crls: vec![crl(&f, "root.crl")],
        ..trust
    };
    assert_eq!(judge("good.pem", &older), try_later);
    let mut moved = TrustMaterial {
        anchors: vec![f.cert("other-root.pem")],
        ..older
    };
    let no_chain = (
        Indication::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
    );
    assert_eq!(judge("good.pem", &moved), no_chain);
    moved.anchors.push(f.cert("root.pem"));
    assert_eq!(judge("good.pem", &moved), try_later);
    moved.intermediates.clear();
    assert_eq!(judge("good.pem", &moved), no_chain);
}

/// A CRL's signature is remembered per issuer key: a CA with the issuing
/// CA's name but its own key signs a CRL; once that CRL has been accepted
/// for the twin's certificates, it must still not count for the real
/// issuing CA's, nor the other way round.
#[test]
fn crl_signatures_are_remembered_per_issuer_key() {
    let f = Fabric::new();
    let p = &f.path;
    openssl(
        p,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "twin.key",
            "-out",
            "twin.pem",
            "-subj",
            "/C=CN/O=NNG Demo/CN=NNG Enterprise CA",
            "-days",
            "365",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    Fabric::issue(
        p,
        "twin-leaf",
        "/C=CN/CN=Twin Leaf",
        "twin",
        "sign.ext",
        "365",
    );
    std::fs::write(
        p.join("twin.cnf"),
        "[ca]\ndefault_ca=d\n[d]\ndatabase=twin.index\ncrlnumber=twin.crlnumber\ndefault_md=sha256\ndefault_crl_days=30\nprivate_key=twin.key\ncertificate=twin.pem\n",
    )
    .unwrap();
    std::fs::write(p.join("twin.index"), "").unwrap();
    std::fs::write(p.join("twin.crlnumber"), "01\n").unwrap();
    openssl(
        p,
        &["ca", "-config", "twin.cnf", "-gencrl", "-out", "twin.crl"],
    );
    let now = Utc::now();
    let trust = || TrustMaterial {
        anchors: vec![f.cert("root.pem"), f.cert("twin.pem")],
        crls: vec![crl(&f, "twin.crl"), crl(&f, "root.crl")],
        ..f.trust(false)
    };
    let judge = |file: &str, trust: &TrustMaterial| {
        verdict(&validate(&f.bytes(file), trust, now, Purpose::Signing))
    };
    let try_later = (Indication::Indeterminate, Some(SubIndication::TryLater));
    let passed = (Indication::Passed, None);
    let twin_first = trust();
    assert_eq!(judge("twin-leaf.pem", &twin_first), passed);
    assert_eq!(judge("good.pem", &twin_first), try_later);
    let real_first = trust();
    assert_eq!(judge("good.pem", &real_first), try_later);
    assert_eq!(judge("twin-leaf.pem", &real_first), passed);
}
