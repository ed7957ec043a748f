//! Making seals and seal signatures (used by the demo generator and the
//! tests; a seal authority or a signing client does this in real life).

use chrono::{DateTime, Utc};
use der::asn1::{Any, BitString, GeneralizedTime, Ia5String, OctetString, PrintableString};
use der::{Decode, Encode, Tag};
use openssl::hash::hash;
use openssl::pkey::{PKeyRef, Private};
use openssl::x509::X509Ref;

use super::asn1::{self, CertDigestObj, ExtData, Header, PictureInfo, PropertyInfo, SealInfo};
use super::crypto::{self, Algorithm};
use super::{DocumentInput, SealError, SealType};
use crate::types::CreditCode;

/// The vendor ID written in `SES_Header.vid`.
pub const VENDOR_ID: &str = "ggzy";

/// How a seal lists the certificates allowed to use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertListForm {
    /// `certListType` 1: the certificates themselves.
    Certificates,
    /// `certListType` 2: their SM3 digests (`CertDigestObj.type` "SM3").
    Sm3Digests,
    /// `certListType` 2: their SHA-256 digests (`CertDigestObj.type` "SHA256").
    Sha256Digests,
}

/// The seal image.
#[derive(Debug, Clone)]
pub struct Picture {
    /// `png`, `jpg`, `gif`, `svg` or `ofd`, as GB/T 38540 names them.
    pub picture_type: String,
    pub data: Vec<u8>,
    /// Display size in millimetres.
    pub width_mm: u32,
    pub height_mm: u32,
}

/// What a seal says.
#[derive(Debug, Clone)]
pub struct SealSpec {
    /// `esID`, the seal's unique code (ASCII).
    pub es_id: String,
    /// The seal's name, e.g. "某某有限公司投标专用章".
    pub name: String,
    pub seal_type: SealType,
    /// The organisation owning the seal, and its credit code.
    pub owner_name: String,
    pub credit_code: CreditCode,
    pub created: DateTime<Utc>,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    /// DER certificates allowed to use the seal (at least one).
    pub signer_certs: Vec<Vec<u8>>,
    pub cert_list_form: CertListForm,
    pub picture: Picture,
}

fn invalid(why: impl Into<String>) -> SealError {
    SealError::Invalid(why.into())
}

pub(super) fn generalized_time(at: DateTime<Utc>) -> Result<GeneralizedTime, SealError> {
    let seconds =
        u64::try_from(at.timestamp()).map_err(|_| invalid(format!("time {at} is before 1970")))?;
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(seconds))
        .map_err(|e| invalid(format!("time {at} cannot be a GeneralizedTime: {e}")))
}

fn ia5(field: &str, value: &str) -> Result<Ia5String, SealError> {
    Ia5String::new(value).map_err(|_| invalid(format!("{field} must be ASCII: {value:?}")))
}

fn cert_list(spec: &SealSpec) -> Result<(u32, Any), SealError> {
    if spec.signer_certs.is_empty() {
        return Err(invalid("a seal must list at least one signer certificate"));
    }
    for der in &spec.signer_certs {
        openssl::x509::X509::from_der(der)
            .map_err(|e| invalid(format!("a listed signer certificate is not DER: {e}")))?;
    }
    let digests = |name: &str, md: openssl::hash::MessageDigest| -> Result<Vec<u8>, SealError> {
        let list = spec
            .signer_certs
            .iter()
            .map(|der| {
                Ok(CertDigestObj {
                    digest_type: PrintableString::new(name)?,
                    value: OctetString::new(hash(md, der)?.to_vec())?,
                })
            })
            .collect::<Result<Vec<_>, SealError>>()?;
        Ok(list.to_der()?)
    };
    let (list_type, der) = match spec.cert_list_form {
        CertListForm::Certificates => (
            asn1::CERT_LIST_CERTIFICATES,
            spec.signer_certs
                .iter()
                .map(|der| OctetString::new(der.clone()))
                .collect::<Result<Vec<_>, _>>()?
                .to_der()?,
        ),
        CertListForm::Sm3Digests => (
            asn1::CERT_LIST_DIGESTS,
            digests("SM3", openssl::hash::MessageDigest::sm3())?,
        ),
        CertListForm::Sha256Digests => (
            asn1::CERT_LIST_DIGESTS,
            digests("SHA256", openssl::hash::MessageDigest::sha256())?,
        ),
    };
    Ok((list_type, Any::from_der(&der)?))
}

fn owner_extension(spec: &SealSpec) -> Result<ExtData, SealError> {
    if spec.owner_name.trim().is_empty() {
        return Err(invalid("the owner organisation needs a name"));
    }
    let owner = asn1::SealOwner {
        organization_name: spec.owner_name.clone(),
        credit_code: PrintableString::new(spec.credit_code.as_str())?,
    };
    Ok(ExtData {
        extn_id: Any::new(
            Tag::ObjectIdentifier,
            asn1::uuid_oid_body(asn1::OWNER_EXTENSION_UUID),
        )?,
        critical: false,
        extn_value: OctetString::new(owner.to_der()?)?,
    })
}

/// Checks that `key` is the private key of `cert` and says which algorithm
/// it signs with.
fn key_algorithm(cert: &X509Ref, key: &PKeyRef<Private>) -> Result<Algorithm, SealError> {
    let public = cert.public_key()?;
    if !crypto::same_public_key(&public, key) {
        return Err(invalid(
            "the private key does not belong to the certificate",
        ));
    }
    Algorithm::for_key(key).map_err(invalid)
}

/// Makes a seal (`SES_Seal`, DER) signed by the seal authority.
pub fn make_seal(
    spec: &SealSpec,
    authority_cert: &X509Ref,
    authority_key: &PKeyRef<Private>,
) -> Result<Vec<u8>, SealError> {
    let algorithm = key_algorithm(authority_cert, authority_key)?;
    if spec.name.trim().is_empty() {
        return Err(invalid("the seal needs a name"));
    }
    if spec.es_id.is_empty() {
        return Err(invalid("the seal needs an esID"));
    }
    if spec.seal_type == SealType::Other {
        return Err(invalid("a seal is made as an organisation's or a person's"));
    }
    if spec.valid_from > spec.valid_to {
        return Err(invalid("the validity period ends before it starts"));
    }
    let (cert_list_type, cert_list) = cert_list(spec)?;
    let info = SealInfo {
        header: Header {
            id: ia5("header id", asn1::HEADER_ID)?,
            version: asn1::VERSION,
            vid: ia5("vid", VENDOR_ID)?,
        },
        es_id: ia5("esID", &spec.es_id)?,
        property: PropertyInfo {
            seal_type: spec.seal_type.code(),
            name: spec.name.clone(),
            cert_list_type,
            cert_list,
            create_date: generalized_time(spec.created)?,
            valid_start: generalized_time(spec.valid_from)?,
            valid_end: generalized_time(spec.valid_to)?,
        },
        picture: PictureInfo {
            picture_type: ia5("picture type", &spec.picture.picture_type)?,
            data: OctetString::new(spec.picture.data.clone())?,
            width: spec.picture.width_mm,
            height: spec.picture.height_mm,
        },
        ext_datas: Some(vec![owner_extension(spec)?]),
    };
    let info_der = info.to_der()?;
    let signed_value = algorithm.sign(authority_key, &info_der)?;
    asn1::Seal {
        seal_info: Any::from_der(&info_der)?,
        cert: OctetString::new(authority_cert.to_der()?)?,
        sign_alg: algorithm.oid(),
        signed_value: BitString::from_bytes(&signed_value)?,
    }
    .to_der()
    .map_err(SealError::from)
}

/// Applies a seal: makes a seal signature (`SES_Signature`, DER) binding
/// the seal, the document digest (SHA-256 for RSA and ECDSA signers, SM3
/// for SM2 signers: a digest given must be that one), `property_info`
/// (`propertyInfo`, ASCII: what the signature covers) and `time`, signed
/// with the signer's key. The signer is not checked against the seal's
/// list here: verification does that.
pub fn sign(
    seal_der: &[u8],
    document: DocumentInput<'_>,
    property_info: &str,
    time: DateTime<Utc>,
    signer_cert: &X509Ref,
    signer_key: &PKeyRef<Private>,
) -> Result<Vec<u8>, SealError> {
    let algorithm = key_algorithm(signer_cert, signer_key)?;
    let seal = Any::from_der(seal_der)
        .and_then(|any| any.decode_as::<asn1::Seal>().map(|_| any))
        .map_err(|e| invalid(format!("not a seal: {e}")))?;
    let data_hash = match document {
        DocumentInput::Bytes(bytes) => algorithm.document_digest(bytes)?,
        DocumentInput::Digest(digest) => {
            let expected = algorithm.document_digest(b"")?.len();
            if digest.len() != expected {
                return Err(invalid(format!(
                    "a {} digest has {expected} bytes, not {}",
                    algorithm.digest_name(),
                    digest.len()
                )));
            }
            digest.to_vec()
        }
    };
    let tbs = asn1::TbsSign {
        version: asn1::VERSION,
        eseal: seal,
        time_info: generalized_time(time)?,
        data_hash: BitString::from_bytes(&data_hash)?,
        property_info: ia5("propertyInfo", property_info)?,
        ext_datas: None,
    };
    let tbs_der = tbs.to_der()?;
    let signature = algorithm.sign(signer_key, &tbs_der)?;
    asn1::Signature {
        to_sign: Any::from_der(&tbs_der)?,
        cert: OctetString::new(signer_cert.to_der()?)?,
        signature_alg: algorithm.oid(),
        signature: BitString::from_bytes(&signature)?,
        time_stamp: None,
    }
    .to_der()
    .map_err(SealError::from)
}
