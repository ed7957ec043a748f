//! Certificate validation throughput: `ggzy::pki::validation::validate`
//! against a raw openssl `verify_cert` with CRL checking, measured in the
//! same process on the same fabric, so the ratio means something on any
//! machine.
//!
//! The fabric, made in a temporary directory: a root CA, an issuing CA and
//! 200 end-entity certificates (ECDSA P-256, SHA-256), a CRL from the
//! issuing CA listing 1,000 revoked serials (one of them a leaf of the
//! fabric) and a CRL from the root listing none.
//!
//! - raw openssl: a store holding the root and both CRLs, built once, with
//!   `CRL_CHECK | CRL_CHECK_ALL`, the issuing CA as untrusted certificate,
//!   one reused `X509StoreContext` (what a careful openssl caller writes),
//!   on certificates parsed beforehand: the baseline of the ratios. For
//!   reference, the same again parsing each presented PEM first, as
//!   `validate` (which takes bytes) has to; and with the processing RFC 5280
//!   asks for and `validate` does (extended CRL support, delta CRLs,
//!   policies), parsing each PEM: the like-for-like comparison;
//! - ggzy, warm: `validate` with one `TrustMaterial` (root anchor, issuing
//!   CA intermediate, both CRLs, OCSP off: there is no responder);
//! - ggzy, cold: a fresh `TrustMaterial` for each certificate, as on the
//!   first call after the trust registry changed.
//!
//! Every verdict is checked (every leaf good, the revoked one revoked), so a
//! broken path cannot pass for a fast one. Run with
//! `cargo bench --bench validation`; `VALIDATION_BENCH_SECS` sets the time
//! per trial (default 2 s).

use chrono::{Duration as Days, Utc};
use ggzy::pki::crl::{CrlContents, Revocation, RevocationReason, build_crl};
use ggzy::pki::ocsp::OcspSettings;
use ggzy::pki::policy::{Indication, Purpose, SubIndication};
use ggzy::pki::validation::{TrustMaterial, validate};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::SslFiletype;
use openssl::stack::Stack;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::store::{X509Lookup, X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509, X509Crl, X509NameBuilder, X509StoreContext};
use std::path::Path;
use std::time::{Duration, Instant};

const LEAVES: u32 = 200;
const REVOKED_SERIALS: u32 = 1_000;
/// The leaf (by index) the issuing CA revoked.
const REVOKED_LEAF: usize = 7;
/// Trials per measurement, interleaved; the median is reported.
const TRIALS: usize = 5;

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    PKey::from_ec_key(EcKey::generate(&group).expect("EC key")).expect("PKey")
}

/// A certificate valid from yesterday for a year; a CA if `ca`, else an
/// end entity for signing.
fn cert(
    cn: &str,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    ca: bool,
    serial: u32,
) -> X509 {
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("C", "CN").expect("C");
    name.append_entry_by_text("O", "ggzy bench").expect("O");
    name.append_entry_by_text("CN", cn).expect("CN");
    let name = name.build();
    let mut b = X509::builder().expect("builder");
    b.set_version(2).expect("v3");
    let serial = BigNum::from_u32(serial).expect("serial");
    b.set_serial_number(&Asn1Integer::from_bn(&serial).expect("serial"))
        .expect("serial");
    b.set_subject_name(&name).expect("subject");
    b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name()))
        .expect("issuer");
    b.set_pubkey(key).expect("key");
    let now = Utc::now().timestamp();
    b.set_not_before(&Asn1Time::from_unix(now - 86_400).expect("time"))
        .expect("not before");
    b.set_not_after(&Asn1Time::from_unix(now + 365 * 86_400).expect("time"))
        .expect("not after");
    let usage = if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
            .expect("bc");
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()
    } else {
        b.append_extension(BasicConstraints::new().build().expect("bc"))
            .expect("bc");
        KeyUsage::new()
            .critical()
            .digital_signature()
            .non_repudiation()
            .build()
    };
    b.append_extension(usage.expect("ku")).expect("ku");
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None))
        .expect("ski");
    b.append_extension(ski).expect("ski");
    if let Some((c, _)) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(c), None))
            .expect("aki");
        b.append_extension(aki).expect("aki");
    }
    b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256())
        .expect("sign");
    b.build()
}

fn crl(issuer: &X509, key: &PKey<Private>, revoked: &[Revocation]) -> X509Crl {
    let now = Utc::now();
    build_crl(
        &CrlContents {
            issuer,
            number: 1,
            this_update: now - Days::hours(1),
            next_update: now + Days::days(7),
            revoked,
        },
        key,
    )
    .expect("CRL")
}

/// The fabric as files, read back the way a deployment reads them.
struct Fabric {
    root: X509,
    issuing: X509,
    /// DER; `X509Crl` is not `Clone`, so each `TrustMaterial` parses its own.
    crls: Vec<Vec<u8>>,
    /// PEM, as presented for validation.
    leaves: Vec<Vec<u8>>,
}

fn fabric(dir: &Path) -> Fabric {
    let write = |name: &str, pem: Vec<u8>| std::fs::write(dir.join(name), pem).expect("write");
    let read = |name: &str| std::fs::read(dir.join(name)).expect("read");

    let (root_key, issuing_key) = (key(), key());
    let root = cert("Bench Root CA", &root_key, None, true, 1);
    let issuing = cert(
        "Bench Issuing CA",
        &issuing_key,
        Some((&root, &root_key)),
        true,
        2,
    );
    write("root.pem", root.to_pem().expect("pem"));
    write("issuing.pem", issuing.to_pem().expect("pem"));
    for i in 0..LEAVES {
        let leaf = cert(
            &format!("Bench Signer {i}"),
            &key(),
            Some((&issuing, &issuing_key)),
            false,
            10_000 + i,
        );
        write(&format!("leaf-{i}.pem"), leaf.to_pem().expect("pem"));
    }

    // 1,000 revoked serials, none a leaf's but the one revoked on purpose.
    let revoked_at = Utc::now() - Days::hours(2);
    let mut revoked: Vec<Revocation> = (0..REVOKED_SERIALS - 1)
        .map(|i| Revocation {
            serial: (1_000_000 + i * 7).to_be_bytes().to_vec(),
            revoked_at,
            reason: Some(RevocationReason::Superseded),
        })
        .collect();
    let serial = 10_000 + u32::try_from(REVOKED_LEAF).expect("small");
    revoked.push(Revocation {
        serial: serial.to_be_bytes().to_vec(),
        revoked_at,
        reason: Some(RevocationReason::KeyCompromise),
    });
    let issuing_crl = crl(&issuing, &issuing_key, &revoked);
    let root_crl = crl(&root, &root_key, &[]);
    write("issuing.crl", issuing_crl.to_pem().expect("pem"));
    write("root.crl", root_crl.to_pem().expect("pem"));

    Fabric {
        root: X509::from_pem(&read("root.pem")).expect("root"),
        issuing: X509::from_pem(&read("issuing.pem")).expect("issuing"),
        crls: ["issuing.crl", "root.crl"]
            .iter()
            .map(|name| {
                let crl = X509Crl::from_pem(&read(name)).expect("crl");
                crl.to_der().expect("der")
            })
            .collect(),
        leaves: (0..LEAVES)
            .map(|i| read(&format!("leaf-{i}.pem")))
            .collect(),
    }
}

fn material(f: &Fabric) -> TrustMaterial {
    TrustMaterial {
        anchors: vec![f.root.clone()],
        intermediates: vec![f.issuing.clone()],
        crls: f
            .crls
            .iter()
            .map(|der| X509Crl::from_der(der).expect("crl"))
            .collect(),
        ocsp: OcspSettings {
            enabled: false,
            ..OcspSettings::default()
        },
        ..TrustMaterial::default()
    }
}

/// Runs `round` (one pass over every leaf) until `budget` is spent;
/// certificates per second.
fn rate(budget: Duration, mut round: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut rounds = 0u32;
    while rounds < 2 || start.elapsed() < budget {
        round();
        rounds += 1;
    }
    f64::from(rounds * LEAVES) / start.elapsed().as_secs_f64()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let budget = Duration::from_secs_f64(
        std::env::var("VALIDATION_BENCH_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2.0),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let f = fabric(dir.path());
    let leaves: Vec<X509> = f
        .leaves
        .iter()
        .map(|pem| X509::from_pem(pem).expect("leaf"))
        .collect();

    // A store built once: the root, both CRLs, the flags given.
    let store_with = |flags: X509VerifyFlags| -> X509Store {
        let mut b = X509StoreBuilder::new().expect("store");
        b.add_cert(f.root.clone()).expect("root");
        let lookup = b.add_lookup(X509Lookup::file()).expect("lookup");
        for name in ["issuing.crl", "root.crl"] {
            lookup
                .load_crl_file(dir.path().join(name), SslFiletype::PEM)
                .expect("load CRL");
        }
        b.set_flags(flags).expect("flags");
        b.build()
    };
    // (a) raw openssl, CRLs of every CA in the path checked.
    let store = store_with(X509VerifyFlags::CRL_CHECK | X509VerifyFlags::CRL_CHECK_ALL);
    // (a') the same with the processing RFC 5280 asks for and validate
    // does: extended CRL support (scope, indirect CRLs, the CRL issuer's
    // path), delta CRLs, policy processing.
    let rfc_store = store_with(
        X509VerifyFlags::CRL_CHECK
            | X509VerifyFlags::CRL_CHECK_ALL
            | X509VerifyFlags::EXTENDED_CRL_SUPPORT
            | X509VerifyFlags::USE_DELTAS
            | X509VerifyFlags::POLICY_CHECK,
    );
    let mut untrusted = Stack::new().expect("stack");
    untrusted.push(f.issuing.clone()).expect("push");
    let raw_verify_in = |store: &X509Store, ctx: &mut X509StoreContext, i: usize, leaf: &X509| {
        let (ok, code) = ctx
            .init(store, leaf, &untrusted, |c| {
                Ok((c.verify_cert()?, c.error().as_raw()))
            })
            .expect("verify");
        if i == REVOKED_LEAF {
            assert!(
                !ok && code == openssl_sys::X509_V_ERR_CERT_REVOKED,
                "openssl: leaf {i} should be revoked ({code})"
            );
        } else {
            assert!(ok, "openssl: leaf {i} should verify ({code})");
        }
    };
    let raw_verify =
        |ctx: &mut X509StoreContext, i: usize, leaf: &X509| raw_verify_in(&store, ctx, i, leaf);
    let mut rfc_ctx = X509StoreContext::new().expect("ctx");
    let mut rfc_parsing_round = || {
        for (i, pem) in f.leaves.iter().enumerate() {
            raw_verify_in(
                &rfc_store,
                &mut rfc_ctx,
                i,
                &X509::from_pem(pem).expect("leaf"),
            );
        }
    };
    // The baseline: certificates parsed beforehand.
    let mut ctx = X509StoreContext::new().expect("ctx");
    let mut raw_round = || {
        for (i, leaf) in leaves.iter().enumerate() {
            raw_verify(&mut ctx, i, leaf);
        }
    };
    // For reference: parsing each presented PEM too, as validate must.
    let mut parsing_ctx = X509StoreContext::new().expect("ctx");
    let mut raw_parsing_round = || {
        for (i, pem) in f.leaves.iter().enumerate() {
            raw_verify(&mut parsing_ctx, i, &X509::from_pem(pem).expect("leaf"));
        }
    };

    // (b) ggzy, one TrustMaterial throughout.
    let at = Utc::now();
    let check = |i: usize, report: &ggzy::pki::validation::Report| {
        let verdict = (report.decision.indication, report.decision.sub_indication);
        let expected = if i == REVOKED_LEAF {
            (Indication::Failed, Some(SubIndication::Revoked))
        } else {
            (Indication::Passed, None)
        };
        assert_eq!(verdict, expected, "ggzy: leaf {i}: {report:?}");
    };
    let trust = material(&f);
    let mut warm_round = || {
        for (i, pem) in f.leaves.iter().enumerate() {
            check(i, &validate(pem, &trust, at, Purpose::Signing));
        }
    };

    // (c) ggzy, a fresh TrustMaterial for every certificate (made outside
    // the timing: cloning a few certificates is not validation).
    let cold_round = || {
        let fresh: Vec<TrustMaterial> = f.leaves.iter().map(|_| material(&f)).collect();
        let start = Instant::now();
        for (i, (pem, trust)) in f.leaves.iter().zip(&fresh).enumerate() {
            check(i, &validate(pem, trust, at, Purpose::Signing));
        }
        start.elapsed()
    };

    // Warm up every path once (and check every verdict) before timing.
    raw_round();
    raw_parsing_round();
    rfc_parsing_round();
    warm_round();
    cold_round();

    let (mut raw, mut raw_parsing, mut rfc) = (Vec::new(), Vec::new(), Vec::new());
    let (mut warm, mut cold) = (Vec::new(), Vec::new());
    for _ in 0..TRIALS {
        raw.push(rate(budget, &mut raw_round));
        raw_parsing.push(rate(budget, &mut raw_parsing_round));
        rfc.push(rate(budget, &mut rfc_parsing_round));
        warm.push(rate(budget, &mut warm_round));
        let mut spent = Duration::ZERO;
        let mut rounds = 0u32;
        while rounds < 2 || spent < budget / 2 {
            spent += cold_round();
            rounds += 1;
        }
        cold.push(f64::from(rounds * LEAVES) / spent.as_secs_f64());
    }
    let (raw, raw_parsing, rfc) = (median(raw), median(raw_parsing), median(rfc));
    let (warm, cold) = (median(warm), median(cold));

    println!(
        "fabric: root -> issuing CA -> {LEAVES} leaves (ECDSA P-256), issuing CRL with \
         {REVOKED_SERIALS} entries, root CRL; one thread; median of {TRIALS} trials of {:.1} s",
        budget.as_secs_f64()
    );
    println!("raw openssl verify_cert (chain + CRL_CHECK_ALL): {raw:>9.0} certs/s");
    println!("  the same, parsing each PEM first (reference):  {raw_parsing:>9.0} certs/s");
    println!("  RFC 5280 flags (extended CRLs, deltas, policies), parsing PEM: {rfc:>6.0} certs/s");
    println!("ggzy validate, warm (chain + CRLs, OCSP off):    {warm:>9.0} certs/s");
    println!("ggzy validate, cold (fresh TrustMaterial each):  {cold:>9.0} certs/s");
    println!("ratio ggzy warm / raw openssl: {:.2}", warm / raw);
    println!("ratio ggzy cold / raw openssl: {:.2}", cold / raw);
    println!(
        "ratio ggzy warm / raw openssl with the same RFC 5280 processing, parsing PEM: {:.2}",
        warm / rfc
    );
}
