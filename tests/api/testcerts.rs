//! Certificates, CRLs and keys for the trust tests, made with the openssl
//! crate: EC P-256 keys, names `O=<org>, CN=<cn>`, CAs, CRL signers and end
//! entities (optionally carrying one certificate policy).

use chrono::{Duration, Utc};
use ggzy::pki::crl::{CrlContents, build_crl};
use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509Builder, X509Extension, X509Name};

pub fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

pub fn name(org: &str, cn: &str) -> X509Name {
    let mut b = X509Name::builder().unwrap();
    b.append_entry_by_text("O", org).unwrap();
    b.append_entry_by_text("CN", cn).unwrap();
    b.build()
}

pub enum Kind<'a> {
    /// CA, keyCertSign + cRLSign.
    Ca,
    /// CA, keyCertSign only.
    CaNoCrlSign,
    /// Not a CA, cRLSign only.
    CrlSigner,
    /// An end entity, digitalSignature.
    Leaf,
    /// An end entity carrying certificatePolicies with this one policy.
    LeafWithPolicy(&'a str),
}

pub fn cert(
    subject: &X509Name,
    key: &PKey<Private>,
    issuer: &X509Name,
    signer: &PKey<Private>,
    kind: Kind<'_>,
    serial: u32,
) -> X509 {
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial = Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(subject).unwrap();
    b.set_issuer_name(issuer).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    let (bc, ku) = match kind {
        Kind::Ca => (
            BasicConstraints::new().critical().ca().build(),
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build(),
        ),
        Kind::CaNoCrlSign => (
            BasicConstraints::new().critical().ca().build(),
            KeyUsage::new().critical().key_cert_sign().build(),
        ),
        Kind::CrlSigner => (
            BasicConstraints::new().critical().build(),
            KeyUsage::new().critical().crl_sign().build(),
        ),
        Kind::Leaf | Kind::LeafWithPolicy(_) => (
            BasicConstraints::new().critical().build(),
            KeyUsage::new().critical().digital_signature().build(),
        ),
    };
    b.append_extension(bc.unwrap()).unwrap();
    b.append_extension(ku.unwrap()).unwrap();
    if let Kind::LeafWithPolicy(oid) = kind {
        let ext = X509Extension::new_from_der(
            &Asn1Object::from_str("2.5.29.32").unwrap(),
            false,
            &Asn1OctetString::new_from_bytes(&policies_der(oid)).unwrap(),
        )
        .unwrap();
        b.append_extension(ext).unwrap();
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    b.sign(signer, MessageDigest::sha256()).unwrap();
    b.build()
}

/// DER of certificatePolicies with one policy, no qualifiers.
pub fn policies_der(oid: &str) -> Vec<u8> {
    let arcs: Vec<u64> = oid.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut bytes = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            bytes.push((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        bytes.reverse();
        body.extend(bytes);
    }
    let oid = [&[0x06, body.len() as u8][..], &body].concat();
    let info = [&[0x30, oid.len() as u8][..], &oid].concat();
    [&[0x30, info.len() as u8][..], &info].concat()
}

pub fn pem(c: &X509) -> String {
    String::from_utf8(c.to_pem().unwrap()).unwrap()
}

/// An empty CRL signed with `key` under the name (and key identifier) of
/// `issuer` (a certificate with cRLSign and `key`'s public key), PEM.
pub fn crl(issuer: &X509, key: &PKey<Private>) -> String {
    let now = Utc::now() - Duration::minutes(1);
    let crl = build_crl(
        &CrlContents {
            issuer,
            number: 1,
            this_update: now,
            next_update: now + Duration::days(7),
            revoked: &[],
        },
        key,
    )
    .unwrap();
    String::from_utf8(crl.to_pem().unwrap()).unwrap()
}
