//! Who a certificate names: an enterprise (by its unified social credit code)
//! or a person (by the resident identity number), read from the subject of
//! a certificate made to the league certificate profiles.
//!
//! # Certificate profiles
//!
//! | certificate | issued by | subject | key usage (critical) | extended key usage | basic constraints |
//! |---|---|---|---|---|---|
//! | league root | itself | C=CN, O=<league centre>, CN=<name> | keyCertSign, cRLSign | — | critical CA:TRUE |
//! | enterprise CA, personal CA | league root | C=CN, O, CN | keyCertSign, cRLSign | — | critical CA:TRUE, pathlen:0 |
//! | seal authority | league root | C=CN, O, CN | digitalSignature, nonRepudiation | — | CA:FALSE |
//! | timestamp authority | league root | C=CN, O, CN | digitalSignature, nonRepudiation | critical timeStamping | CA:FALSE |
//! | enterprise | enterprise CA | C=CN, ST, L, O=<enterprise>, organizationIdentifier (2.5.4.97)=<credit code>, CN=<enterprise> | digitalSignature, nonRepudiation | clientAuth, emailProtection | CA:FALSE |
//! | person (expert, supervisor, operator) | personal CA | C=CN, O=<employer>, CN=<person>, serialNumber (2.5.4.5)=<resident identity number> | digitalSignature, nonRepudiation | clientAuth, emailProtection | CA:FALSE |
//!
//! [`identity_of`] reads the last two. An identifier may also be written as
//! an ETSI EN 319 412-1 semantics identifier: `NTRCN-<credit code>` and
//! `IDCCN-<resident identity number>`. Strings may be PrintableString,
//! UTF8String, IA5String, NumericString or BMPString.
//!
//! Reading an identity says nothing about trust: validate the certificate
//! first (`pki::validation`), then ask whom it names.

use crate::types::{CreditCode, ResidentId};
use serde::Serialize;
use x509_parser::asn1_rs::Tag;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::AttributeTypeAndValue;

/// Whom a certificate names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CertIdentity {
    /// An enterprise or another organisation with a credit code.
    Enterprise {
        name: String,
        #[schema(value_type = String)]
        credit_code: CreditCode,
        /// ST, when the subject has it.
        province: Option<String>,
        /// L, when the subject has it.
        city: Option<String>,
    },
    /// A natural person: an expert, a supervisor, an operator.
    Person {
        name: String,
        #[schema(value_type = String)]
        id_number: ResidentId,
        /// O: the employer, when the subject has it.
        organisation: Option<String>,
    },
}

/// The subject attributes the profiles use, each at most once.
#[derive(Default)]
struct Subject {
    country: Option<String>,
    province: Option<String>,
    city: Option<String>,
    organisation: Option<String>,
    organisation_identifier: Option<String>,
    serial_number: Option<String>,
    common_name: Option<String>,
}

/// Reads the text of an attribute; BMPString (UTF-16BE, common in older
/// Chinese certificates) is decoded, other string types are refused.
fn attribute_text(attr: &AttributeTypeAndValue<'_>, label: &str) -> Result<String, String> {
    let text = match attr.as_str() {
        Ok(s) => s.to_string(),
        Err(_) if attr.attr_value().tag() == Tag::BmpString => {
            let data = attr.attr_value().data;
            if data.len() % 2 != 0 {
                return Err(format!("subject {label} is a malformed BMPString"));
            }
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16(&units)
                .map_err(|_| format!("subject {label} is a malformed BMPString"))?
        }
        Err(_) => {
            return Err(format!(
                "subject {label} is not a readable string (tag {})",
                attr.attr_value().tag()
            ));
        }
    };
    if crate::types::has_control_chars(&text) {
        return Err(format!("subject {label} holds control characters"));
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("subject {label} is empty"));
    }
    Ok(trimmed.to_string())
}

fn read_subject(cert: &X509Certificate<'_>) -> Result<Subject, String> {
    use x509_parser::oid_registry as oids;
    let mut subject = Subject::default();
    for rdn in cert.subject().iter_rdn() {
        for attr in rdn.iter() {
            let oid = attr.attr_type();
            let (slot, label) = if *oid == oids::OID_X509_COUNTRY_NAME {
                (&mut subject.country, "C")
            } else if *oid == oids::OID_X509_STATE_OR_PROVINCE_NAME {
                (&mut subject.province, "ST")
            } else if *oid == oids::OID_X509_LOCALITY_NAME {
                (&mut subject.city, "L")
            } else if *oid == oids::OID_X509_ORGANIZATION_NAME {
                (&mut subject.organisation, "O")
            } else if *oid == oids::OID_X509_COMMON_NAME {
                (&mut subject.common_name, "CN")
            } else if *oid == oids::OID_X509_SERIALNUMBER {
                (&mut subject.serial_number, "serialNumber")
            } else if oid.to_id_string() == "2.5.4.97" {
                (
                    &mut subject.organisation_identifier,
                    "organizationIdentifier",
                )
            } else {
                continue;
            };
            if slot.is_some() {
                return Err(format!(
                    "the subject has more than one {label}: the identity is ambiguous"
                ));
            }
            *slot = Some(attribute_text(attr, label)?);
        }
    }
    Ok(subject)
}

/// Strips an ETSI semantics-identifier prefix (`NTRCN-`, `IDCCN-`) if
/// present; any other prefix is refused.
fn strip_semantics<'a>(value: &'a str, prefix: &str, label: &str) -> Result<&'a str, String> {
    match value.split_once('-') {
        None => Ok(value),
        Some((p, rest)) if p.eq_ignore_ascii_case(prefix) => Ok(rest),
        Some((p, _)) => Err(format!(
            "{label} {value:?} has the semantics identifier {p:?}; expected {prefix:?} or none"
        )),
    }
}

/// Reads the identity a DER certificate's subject names.
///
/// Refused, with the reason: a certificate that is not DER, a subject with
/// both or neither of organizationIdentifier and serialNumber, a credit
/// code or identity number that is malformed or has a wrong check
/// character, a missing name, an enterprise whose O and CN differ, a
/// country other than CN, and any of these attributes given twice.
pub fn identity_of(der: &[u8]) -> Result<CertIdentity, String> {
    let cert = match X509Certificate::from_der(der) {
        Ok(([], cert)) => cert,
        Ok(_) => return Err("trailing bytes after the certificate".into()),
        Err(e) => return Err(format!("malformed certificate: {e}")),
    };
    let subject = read_subject(&cert)?;
    if let Some(c) = &subject.country
        && c != "CN"
    {
        return Err(format!(
            "the subject's country is {c:?}: credit codes and resident identity numbers are Chinese (C=CN)"
        ));
    }
    match (&subject.organisation_identifier, &subject.serial_number) {
        (Some(_), Some(_)) => Err(
            "the subject has both organizationIdentifier and serialNumber: a certificate names an enterprise or a person, not both"
                .into(),
        ),
        (None, None) => Err(
            "the subject has neither organizationIdentifier (2.5.4.97, the unified social credit code) nor serialNumber (2.5.4.5, the resident identity number)"
                .into(),
        ),
        (Some(org_id), None) => {
            let code = strip_semantics(org_id, "NTRCN", "organizationIdentifier")?;
            let credit_code =
                CreditCode::parse(code).map_err(|e| format!("organizationIdentifier: {e}"))?;
            let name = match (&subject.organisation, &subject.common_name) {
                (Some(o), Some(cn)) if o != cn => {
                    return Err(format!(
                        "the subject's O {o:?} and CN {cn:?} name different enterprises"
                    ));
                }
                (Some(name), _) | (None, Some(name)) => name.clone(),
                (None, None) => {
                    return Err("the subject names no enterprise (neither O nor CN)".into());
                }
            };
            Ok(CertIdentity::Enterprise {
                name,
                credit_code,
                province: subject.province,
                city: subject.city,
            })
        }
        (None, Some(serial)) => {
            let number = strip_semantics(serial, "IDCCN", "serialNumber")?;
            let id_number =
                ResidentId::parse(number).map_err(|e| format!("serialNumber: {e}"))?;
            let name = subject
                .common_name
                .ok_or("the subject names no person (no CN)")?;
            Ok(CertIdentity::Person {
                name,
                id_number,
                organisation: subject.organisation,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Type;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::x509::{X509, X509NameBuilder};
    use std::process::Command;

    const CODE: &str = "91450000MA5L13579X";

    fn valid_code() -> String {
        CreditCode::with_check_digit(&CODE[..17])
            .unwrap()
            .as_str()
            .to_string()
    }

    fn valid_id() -> String {
        ResidentId::with_check_char("45010319750312101")
            .unwrap()
            .as_str()
            .to_string()
    }

    /// A self-signed certificate whose subject has these attributes (by
    /// OpenSSL short or long name), each UTF8String unless given a type.
    fn cert_with(entries: &[(&str, &str, Asn1Type)]) -> Vec<u8> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        for (field, value, ty) in entries {
            name.append_entry_by_text_with_type(field, value, *ty)
                .unwrap();
        }
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        b.build().to_der().unwrap()
    }

    const U: Asn1Type = Asn1Type::UTF8STRING;
    const P: Asn1Type = Asn1Type::PRINTABLESTRING;

    /// A certificate made by the openssl command line with `-utf8 -subj`.
    fn openssl_cli_cert(subject: &str) -> Vec<u8> {
        openssl_cli_cert_masked(subject, "utf8only")
    }

    /// The same, choosing the string types with req's `string_mask`
    /// (`default` writes non-ASCII text as BMPString).
    fn openssl_cli_cert_masked(subject: &str, string_mask: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("req.cnf"),
            format!("[req]\ndistinguished_name=dn\nstring_mask={string_mask}\n[dn]\n"),
        )
        .unwrap();
        let out = Command::new("openssl")
            .args([
                "req",
                "-config",
                "req.cnf",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "k.pem",
                "-outform",
                "DER",
                "-out",
                "c.der",
                "-days",
                "1",
                "-utf8",
                "-subj",
                subject,
            ])
            .current_dir(dir.path())
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(dir.path().join("c.der")).unwrap()
    }

    #[test]
    fn an_enterprise_certificate_from_the_openssl_cli() {
        let code = valid_code();
        let der = openssl_cli_cert(&format!(
            "/C=CN/ST=广西壮族自治区/L=南宁市/O=广西建工集团有限公司/organizationIdentifier={code}/CN=广西建工集团有限公司"
        ));
        assert_eq!(
            identity_of(&der).unwrap(),
            CertIdentity::Enterprise {
                name: "广西建工集团有限公司".into(),
                credit_code: CreditCode::parse(&code).unwrap(),
                province: Some("广西壮族自治区".into()),
                city: Some("南宁市".into()),
            }
        );
    }

    #[test]
    fn a_personal_certificate_from_the_openssl_cli() {
        let id = valid_id();
        let der = openssl_cli_cert(&format!("/C=CN/O=广西大学/CN=李明/serialNumber={id}"));
        assert_eq!(
            identity_of(&der).unwrap(),
            CertIdentity::Person {
                name: "李明".into(),
                id_number: ResidentId::parse(&id).unwrap(),
                organisation: Some("广西大学".into()),
            }
        );
        // Without an employer.
        let der = openssl_cli_cert(&format!("/C=CN/CN=李明/serialNumber={id}"));
        assert!(matches!(
            identity_of(&der).unwrap(),
            CertIdentity::Person {
                organisation: None,
                ..
            }
        ));
    }

    #[test]
    fn the_openssl_cli_refusals_say_what_is_wrong() {
        let mut bad_code = valid_code();
        let last = bad_code.pop().unwrap();
        bad_code.push(if last == '0' { '1' } else { '0' });
        let der = openssl_cli_cert(&format!(
            "/C=CN/O=某公司/organizationIdentifier={bad_code}/CN=某公司"
        ));
        let err = identity_of(&der).unwrap_err();
        assert!(
            err.contains("organizationIdentifier") && err.contains("check digit"),
            "{err}"
        );

        let der = openssl_cli_cert("/C=CN/O=广西大学/CN=李明/serialNumber=110105194912310021");
        let err = identity_of(&der).unwrap_err();
        assert!(
            err.contains("serialNumber") && err.contains("check character"),
            "{err}"
        );

        let der = openssl_cli_cert("/C=CN/O=某公司/CN=某公司");
        let err = identity_of(&der).unwrap_err();
        assert!(err.contains("neither"), "{err}");
    }

    #[test]
    fn both_identifiers_or_neither_is_refused() {
        let (code, id) = (valid_code(), valid_id());
        let der = cert_with(&[
            ("C", "CN", P),
            ("O", "某公司", U),
            ("organizationIdentifier", &code, U),
            ("serialNumber", &id, P),
            ("CN", "某公司", U),
        ]);
        let err = identity_of(&der).unwrap_err();
        assert!(err.contains("both"), "{err}");
        let der = cert_with(&[("C", "CN", P), ("CN", "某公司", U)]);
        assert!(identity_of(&der).unwrap_err().contains("neither"));
    }

    #[test]
    fn names_must_be_present_unique_and_agree() {
        let (code, id) = (valid_code(), valid_id());
        // An enterprise without a name.
        let der = cert_with(&[("organizationIdentifier", &code, U)]);
        assert!(identity_of(&der).unwrap_err().contains("no enterprise"));
        // O alone, or CN alone, names it.
        let der = cert_with(&[("O", "甲公司", U), ("organizationIdentifier", &code, U)]);
        assert!(
            matches!(identity_of(&der).unwrap(), CertIdentity::Enterprise { name, province: None, city: None, .. } if name == "甲公司")
        );
        let der = cert_with(&[("organizationIdentifier", &code, U), ("CN", "甲公司", U)]);
        assert!(identity_of(&der).is_ok());
        // O and CN naming different enterprises.
        let der = cert_with(&[
            ("O", "甲公司", U),
            ("organizationIdentifier", &code, U),
            ("CN", "乙公司", U),
        ]);
        assert!(identity_of(&der).unwrap_err().contains("different"));
        // A person without a name.
        let der = cert_with(&[("O", "广西大学", U), ("serialNumber", &id, P)]);
        assert!(identity_of(&der).unwrap_err().contains("no person"));
        // Two identifiers of the same kind, two CNs.
        let der = cert_with(&[
            ("serialNumber", &id, P),
            ("serialNumber", &id, P),
            ("CN", "李明", U),
        ]);
        assert!(identity_of(&der).unwrap_err().contains("more than one"));
        let der = cert_with(&[
            ("serialNumber", &id, P),
            ("CN", "李明", U),
            ("CN", "王五", U),
        ]);
        assert!(identity_of(&der).unwrap_err().contains("more than one CN"));
        // An empty or blank name.
        let der = cert_with(&[("serialNumber", &id, P), ("CN", " ", U)]);
        assert!(identity_of(&der).unwrap_err().contains("empty"));
        // A control character.
        let der = cert_with(&[("serialNumber", &id, P), ("CN", "李\u{7}明", U)]);
        assert!(identity_of(&der).unwrap_err().contains("control"));
        // A foreign country.
        let der = cert_with(&[("C", "DE", P), ("serialNumber", &id, P), ("CN", "X", U)]);
        assert!(identity_of(&der).unwrap_err().contains("country"));
    }

    #[test]
    fn semantics_identifiers_and_string_types() {
        let (code, id) = (valid_code(), valid_id());
        let der = cert_with(&[
            ("organizationIdentifier", &format!("NTRCN-{code}"), P),
            ("CN", "甲公司", U),
        ]);
        assert!(
            matches!(identity_of(&der).unwrap(), CertIdentity::Enterprise { credit_code, .. } if credit_code.as_str() == code)
        );
        let der = cert_with(&[
            ("organizationIdentifier", &format!("VATDE-{code}"), P),
            ("CN", "甲公司", U),
        ]);
        assert!(identity_of(&der).unwrap_err().contains("VATDE"));
        let der = cert_with(&[
            ("serialNumber", &format!("IDCCN-{id}"), P),
            ("CN", "李明", U),
        ]);
        assert!(identity_of(&der).is_ok());
        // BMPString names (UTF-16BE), as older Chinese CAs write them.
        let der = openssl_cli_cert_masked(
            &format!("/C=CN/O=广西大学/CN=李明/serialNumber={id}"),
            "default",
        );
        let parsed = X509Certificate::from_der(&der).unwrap().1;
        let cn = parsed.subject().iter_common_name().next().unwrap();
        assert_eq!(cn.attr_value().tag(), Tag::BmpString);
        assert_eq!(
            identity_of(&der).unwrap(),
            CertIdentity::Person {
                name: "李明".into(),
                id_number: ResidentId::parse(&id).unwrap(),
                organisation: Some("广西大学".into()),
            }
        );
        // A string type we do not read (a TeletexString).
        let der = cert_with(&[("serialNumber", &id, P), ("CN", "Li", Asn1Type::T61STRING)]);
        assert!(
            identity_of(&der)
                .unwrap_err()
                .contains("not a readable string")
        );
        // Something that is not a certificate, and trailing bytes.
        assert!(
            identity_of(b"not a certificate")
                .unwrap_err()
                .contains("malformed")
        );
        let mut der = cert_with(&[("serialNumber", &id, P), ("CN", "李明", U)]);
        der.push(0);
        assert!(identity_of(&der).unwrap_err().contains("trailing"));
    }
}
