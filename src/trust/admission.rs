//! What a certificate must be to enter the trust registry, and to stay an
//! anchor when the registry is loaded: fit for its service type (a CA
//! certificate for the CA types), and cryptographically whole. A root
//! (self-issued) must verify by its own signature; anything else must verify
//! under an issuer registered in the same league, or one supplied with it
//! that is whole itself. openssl checks the signatures; the rules are here,
//! pure: certificates in, a verdict out (no database, no clock).

use super::model::ServiceType;
pub use crate::pki::validation::signed_by;
use openssl::x509::{X509, X509NameRef, X509Ref, X509VerifyResult};
use std::cmp::Ordering;
use x509_parser::prelude::{FromDer, X509Certificate};

/// How deep a chain of supplied issuers may go.
const MAX_SUPPLIED_DEPTH: usize = 5;

/// Why a certificate is not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not what its service type needs (e.g. not a CA for a CA type).
    Unfit(String),
    /// A signature that does not verify: the certificate (or an issuer
    /// supplied with it) has been altered, or is not what it claims to be.
    BadSignature(String),
    /// Its issuer is neither registered in the league nor supplied.
    NoIssuer(String),
}

impl Refusal {
    pub fn detail(&self) -> &str {
        match self {
            Refusal::Unfit(d) | Refusal::BadSignature(d) | Refusal::NoIssuer(d) => d,
        }
    }
}

/// Whether two names are the same by RFC 5280 §7.1 (openssl's canonical
/// comparison: case-insensitive, whitespace folded, PrintableString and
/// UTF8String alike), not byte for byte.
pub fn same_name(a: &X509NameRef, b: &X509NameRef) -> bool {
    a.try_cmp(b).is_ok_and(|o| o == Ordering::Equal)
}

/// Whether the certificate names itself as its issuer (RFC 5280 §7.1
/// comparison): a root, or a key rollover certificate of a CA.
pub fn self_issued(cert: &X509Ref) -> bool {
    same_name(cert.subject_name(), cert.issuer_name())
}

/// Whether `cert` may sign CRLs (RFC 5280 §4.2.1.3): when it carries
/// keyUsage, cRLSign must be set; a keyUsage that cannot be read allows
/// nothing.
pub fn may_sign_crls(cert: &X509Ref) -> bool {
    let Ok(der) = cert.to_der() else {
        return false;
    };
    let Ok((_, parsed)) = X509Certificate::from_der(&der) else {
        return false;
    };
    match parsed.key_usage() {
        Ok(None) => true,
        Ok(Some(ku)) => ku.value.crl_sign(),
        Err(_) => false,
    }
}

/// Whether `cert` verifies by its own signature.
pub fn self_signed(cert: &X509Ref) -> bool {
    self_issued(cert)
        && cert
            .public_key()
            .and_then(|key| cert.verify(&key))
            .unwrap_or(false)
}

/// Whether `issuer`'s name (and key identifier, when both carry one) is the
/// one `cert` names as its issuer, as openssl judges it.
fn names_issuer(issuer: &X509Ref, cert: &X509Ref) -> bool {
    issuer.issued(cert) == X509VerifyResult::OK
}

fn subject_text(cert: &X509Ref) -> String {
    cert.to_der()
        .ok()
        .and_then(|der| {
            X509Certificate::from_der(&der)
                .ok()
                .map(|(_, c)| c.subject().to_string())
        })
        .unwrap_or_else(|| "(unreadable name)".into())
}

fn issuer_text(cert: &X509Ref) -> String {
    cert.to_der()
        .ok()
        .and_then(|der| {
            X509Certificate::from_der(&der)
                .ok()
                .map(|(_, c)| c.issuer().to_string())
        })
        .unwrap_or_else(|| "(unreadable name)".into())
}

/// What the certificate must be for its service type: a CA certificate
/// (basicConstraints cA=TRUE and keyUsage with keyCertSign) for the CA
/// types; for a timestamp authority a CA or a certificate for
/// time-stamping; for a seal authority a CA or a certificate allowed to sign.
pub fn check_fit(cert: &X509Certificate<'_>, ty: ServiceType) -> Result<(), Refusal> {
    let bad = |why: String| Refusal::Unfit(why);
    let is_ca = cert
        .basic_constraints()
        .map_err(|e| bad(format!("malformed basicConstraints: {e}")))?
        .is_some_and(|bc| bc.value.ca);
    let ku = cert
        .key_usage()
        .map_err(|e| bad(format!("malformed keyUsage: {e}")))?
        .map(|k| k.value);
    let eku = cert
        .extended_key_usage()
        .map_err(|e| bad(format!("malformed extendedKeyUsage: {e}")))?
        .map(|e| e.value.time_stamping);
    match ty {
        ServiceType::CrlIssuer => {
            if !ku.is_some_and(|k| k.crl_sign()) {
                return Err(bad(
                    "a CRL issuer's certificate must carry keyUsage with cRLSign".into(),
                ));
            }
            if ku.is_some_and(|k| k.key_cert_sign()) {
                return Err(bad(
                    "a CRL issuer's certificate may not allow keyCertSign: register a CA \
                     as a CA service"
                        .into(),
                ));
            }
        }
        ServiceType::EnterpriseCa | ServiceType::PersonalCa | ServiceType::StaffCa => {
            if !is_ca {
                return Err(bad(
                    "a CA service's certificate must be a CA certificate (basicConstraints cA=TRUE)"
                        .into(),
                ));
            }
            if !ku.is_some_and(|k| k.key_cert_sign()) {
                return Err(bad(
                    "a CA service's certificate must carry keyUsage with keyCertSign".into(),
                ));
            }
        }
        ServiceType::TimestampAuthority => {
            if !is_ca && eku != Some(true) {
                return Err(bad(
                    "a timestamp authority is a CA or a certificate with extendedKeyUsage timeStamping"
                        .into(),
                ));
            }
        }
        ServiceType::SealAuthority => {
            if !is_ca && ku.is_some_and(|k| !k.digital_signature() && !k.non_repudiation()) {
                return Err(bad(
                    "a seal authority's certificate must allow digitalSignature or nonRepudiation"
                        .into(),
                ));
            }
        }
    }
    if is_ca && ku.is_some_and(|k| !k.key_cert_sign()) {
        return Err(bad(
            "a CA certificate registered as a service must allow keyCertSign".into(),
        ));
    }
    Ok(())
}

/// Whether `cert` may stand in the registry: a self-issued certificate must
/// verify by its own signature; any other must verify under one of
/// `registered` (the league's registered certificates) or of `supplied`,
/// a supplied issuer being itself whole by the same rule (without itself).
/// On success, the supplied issuers the path went through, nearest first.
pub fn whole(cert: &X509Ref, registered: &[X509], supplied: &[X509]) -> Result<Vec<X509>, Refusal> {
    whole_at(cert, registered, supplied, 0)
}

fn whole_at(
    cert: &X509Ref,
    registered: &[X509],
    supplied: &[X509],
    depth: usize,
) -> Result<Vec<X509>, Refusal> {
    if self_signed(cert) {
        return Ok(Vec::new());
    }
    let found = issued_by_known(cert, registered, supplied, depth);
    if self_issued(cert) {
        // Key rollover (RFC 5280 §6.1, self-issued certificates): a CA's
        // new key certified by its old one, or the other way round. It
        // stands only if a CA of that name, registered or supplied (and
        // whole itself), signed it; a self-issued certificate signed by
        // no one known is an altered root.
        return found.map_err(|_| {
            Refusal::BadSignature(format!(
                "the certificate of {} names itself as its issuer but its signature verifies \
                 neither with its own key nor with that of a CA of that name registered in this \
                 league or supplied: it has been altered (or was never a root)",
                subject_text(cert)
            ))
        });
    }
    match found {
        Ok(above) => return Ok(above),
        Err(Some(why)) => return Err(why),
        Err(None) => {}
    }
    let named = registered
        .iter()
        .chain(supplied)
        .any(|issuer| names_issuer(issuer, cert));
    if named {
        Err(Refusal::BadSignature(format!(
            "the signature of {} does not verify with the key of its issuer {}: the \
             certificate has been altered, or that issuer did not issue it",
            subject_text(cert),
            issuer_text(cert)
        )))
    } else {
        Err(Refusal::NoIssuer(format!(
            "{} is issued by {}, which is neither registered in this league nor supplied \
             in `issuers`; register its issuer first or supply it",
            subject_text(cert),
            issuer_text(cert)
        )))
    }
}

/// Whether `cert` verifies under one of `registered`, or under one of
/// `supplied` that is itself whole (without itself): the supplied issuers
/// the path went through, nearest first. `Err(Some)`: a supplied issuer
/// signed it but is not whole itself (why); `Err(None)`: no one known did.
fn issued_by_known(
    cert: &X509Ref,
    registered: &[X509],
    supplied: &[X509],
    depth: usize,
) -> Result<Vec<X509>, Option<Refusal>> {
    if registered.iter().any(|issuer| signed_by(issuer, cert)) {
        return Ok(Vec::new());
    }
    let mut last_refusal = None;
    if depth < MAX_SUPPLIED_DEPTH {
        for (i, issuer) in supplied.iter().enumerate() {
            if !signed_by(issuer, cert) {
                continue;
            }
            let rest: Vec<X509> = supplied
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| c.clone())
                .collect();
            match whole_at(issuer, registered, &rest, depth + 1) {
                Ok(mut above) => {
                    above.insert(0, issuer.clone());
                    return Ok(above);
                }
                Err(why) => last_refusal = Some(why),
            }
        }
    }
    Err(last_refusal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::{Asn1Integer, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::{PKey, Private};
    use openssl::x509::extension::{BasicConstraints, KeyUsage};
    use openssl::x509::{X509Builder, X509Name};

    fn key() -> PKey<Private> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
    }

    fn name(cn: &str) -> X509Name {
        let mut b = X509Name::builder().unwrap();
        b.append_entry_by_text("CN", cn).unwrap();
        b.build()
    }

    /// A CA certificate for `subject` with `key`, signed by `signer` under
    /// the name `issuer`.
    fn ca(
        subject: &str,
        key: &PKey<Private>,
        issuer: &str,
        signer: &PKey<Private>,
        serial: u32,
    ) -> X509 {
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        let serial = Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap();
        b.set_serial_number(&serial).unwrap();
        b.set_subject_name(&name(subject)).unwrap();
        b.set_issuer_name(&name(issuer)).unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(KeyUsage::new().key_cert_sign().crl_sign().build().unwrap())
            .unwrap();
        b.sign(signer, MessageDigest::sha256()).unwrap();
        b.build()
    }

    /// `cert` with one bit of its DER flipped at byte `at`.
    fn flipped(cert: &X509, at: usize) -> X509 {
        let mut der = cert.to_der().unwrap();
        der[at] ^= 0x01;
        X509::from_der(&der).unwrap()
    }

    /// Where `needle` first occurs in the DER of `cert`.
    fn offset_of(cert: &X509, needle: &[u8]) -> usize {
        let der = cert.to_der().unwrap();
        der.windows(needle.len()).position(|w| w == needle).unwrap()
    }

    #[test]
    fn a_root_verifies_by_its_own_signature_and_an_altered_copy_does_not() {
        let k = key();
        let root = ca("Root", &k, "Root", &k, 0x1234_5678);
        assert_eq!(whole(&root, &[], &[]), Ok(Vec::new()));
        let serial = flipped(&root, offset_of(&root, &[0x12, 0x34, 0x56, 0x78]) + 3);
        assert!(matches!(
            whole(&serial, std::slice::from_ref(&root), &[]),
            Err(Refusal::BadSignature(_))
        ));
        // The altered copy still "names" the real root as issuer, and has
        // its key: the key alone proves nothing.
        assert!(!self_signed(&serial));
    }

    #[test]
    fn an_intermediate_needs_its_issuer_registered_or_supplied() {
        let (rk, ik) = (key(), key());
        let root = ca("Root", &rk, "Root", &rk, 1);
        let inter = ca("Inter", &ik, "Root", &rk, 2);
        assert!(matches!(whole(&inter, &[], &[]), Err(Refusal::NoIssuer(_))));
        assert_eq!(
            whole(&inter, std::slice::from_ref(&root), &[]),
            Ok(Vec::new())
        );
        let used = whole(&inter, &[], std::slice::from_ref(&root)).unwrap();
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].to_der().unwrap(), root.to_der().unwrap());
        // An issuer of the same name with another key does not do.
        let other = key();
        let impostor = ca("Root", &other, "Root", &other, 1);
        assert!(matches!(
            whole(&inter, std::slice::from_ref(&impostor), &[]),
            Err(Refusal::BadSignature(_))
        ));
        // Several of the same name: the one whose signature verifies counts.
        assert_eq!(
            whole(&inter, &[impostor, root.clone()], &[]),
            Ok(Vec::new())
        );
        // A supplied issuer that is itself altered does not do.
        let bad_root = flipped(&root, offset_of(&root, &[0x02, 0x01, 0x01]) + 2);
        assert!(whole(&inter, &[], &[bad_root]).is_err());
    }

    #[test]
    fn a_key_rollover_certificate_verifies_under_the_old_key_of_its_name() {
        let (old, new) = (key(), key());
        let root = ca("Root", &old, "Root", &old, 1);
        // The new key certified by the old one: self-issued, not self-signed.
        let new_with_old = ca("Root", &new, "Root", &old, 2);
        assert!(self_issued(&new_with_old));
        assert!(!self_signed(&new_with_old));
        assert_eq!(
            whole(&new_with_old, std::slice::from_ref(&root), &[]),
            Ok(Vec::new())
        );
        let used = whole(&new_with_old, &[], std::slice::from_ref(&root)).unwrap();
        assert_eq!(used.len(), 1);
        // Without the old key's certificate, or under a stranger's: refused.
        assert!(matches!(
            whole(&new_with_old, &[], &[]),
            Err(Refusal::BadSignature(_))
        ));
        let other = key();
        let stranger = ca("Root", &other, "Root", &other, 3);
        assert!(matches!(
            whole(&new_with_old, &[stranger], &[]),
            Err(Refusal::BadSignature(_))
        ));
    }

    #[test]
    fn names_compare_by_rfc_5280_not_byte_for_byte() {
        let mut a = X509Name::builder().unwrap();
        a.append_entry_by_text("CN", "Some  Root").unwrap();
        let a = a.build();
        let mut b = X509Name::builder().unwrap();
        b.append_entry_by_nid_with_type(
            Nid::COMMONNAME,
            "some root",
            openssl::asn1::Asn1Type::PRINTABLESTRING,
        )
        .unwrap();
        let b = b.build();
        assert_ne!(a.to_der().unwrap(), b.to_der().unwrap());
        assert!(same_name(&a, &b));
        assert!(!same_name(&a, &name("Other Root")));
    }

    #[test]
    fn an_altered_issuer_name_is_refused() {
        let (rk, ik) = (key(), key());
        let root = ca("Root", &rk, "Root", &rk, 1);
        // Signed under the name "Rooo" but claiming issuer "Root" after
        // the flip: the signature covers the name, so it fails.
        let inter = ca("Inter", &ik, "Rooo", &rk, 2);
        assert!(whole(&inter, &[root], &[]).is_err());
    }

    #[test]
    fn fit_needs_a_ca_with_key_cert_sign_for_ca_types() {
        let k = key();
        let root = ca("Root", &k, "Root", &k, 1);
        let der = root.to_der().unwrap();
        let (_, parsed) = X509Certificate::from_der(&der).unwrap();
        assert!(check_fit(&parsed, ServiceType::EnterpriseCa).is_ok());
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name("Leaf")).unwrap();
        b.set_issuer_name(&name("Leaf")).unwrap();
        b.set_pubkey(&k).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&k, MessageDigest::sha256()).unwrap();
        let leaf = b.build();
        let der = leaf.to_der().unwrap();
        let (_, parsed) = X509Certificate::from_der(&der).unwrap();
        assert!(matches!(
            check_fit(&parsed, ServiceType::PersonalCa),
            Err(Refusal::Unfit(_))
        ));
    }
}
