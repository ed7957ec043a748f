//! The DER structures of GB/T 38540-2020 (version 4), decoded and encoded
//! with the `der` crate. The parts that are signed (`SES_SealInfo` inside
//! `SES_Seal`, `TBS_Sign` inside `SES_Signature`, the seal inside
//! `TBS_Sign`) are held as raw [`Any`] values, so a signature is always
//! checked over the bytes received, never over a re-encoding.
//!
//! ```text
//! SES_Seal ::= SEQUENCE {
//!   eSealInfo    SES_SealInfo,
//!   cert         OCTET STRING,          -- seal authority certificate, DER
//!   signAlgID    OBJECT IDENTIFIER,
//!   signedValue  BIT STRING }           -- over the DER of eSealInfo
//! SES_SealInfo ::= SEQUENCE {
//!   header   SES_Header,
//!   esID     IA5String,
//!   property SES_ESPropertyInfo,
//!   picture  SES_ESPictureInfo,
//!   extDatas ExtensionDatas OPTIONAL }
//! SES_Header ::= SEQUENCE { id IA5String ("ES"), version INTEGER (4), vid IA5String }
//! SES_ESPropertyInfo ::= SEQUENCE {
//!   type INTEGER, name UTF8String,
//!   certListType INTEGER,               -- 1: certificates, 2: digests
//!   certList SES_CertList,
//!   createDate GeneralizedTime, validStart GeneralizedTime, validEnd GeneralizedTime }
//! SES_CertList ::= CHOICE { certs SEQUENCE OF OCTET STRING,
//!                           certDigestList SEQUENCE OF CertDigestObj }
//! CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }
//! SES_ESPictureInfo ::= SEQUENCE { type IA5String, data OCTET STRING,
//!                                  width INTEGER, height INTEGER }
//! ExtensionDatas ::= SEQUENCE OF ExtData
//! ExtData ::= SEQUENCE { extnID OBJECT IDENTIFIER,
//!                        critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
//! SES_Signature ::= SEQUENCE {
//!   toSign TBS_Sign, cert OCTET STRING, signatureAlgID OBJECT IDENTIFIER,
//!   signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
//! TBS_Sign ::= SEQUENCE {
//!   version INTEGER (4), eseal SES_Seal, timeInfo GeneralizedTime,
//!   dataHash BIT STRING, propertyInfo IA5String,
//!   extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
//! ```
//!
//! Both alternatives of `SES_CertList` are untagged `SEQUENCE OF`, so the
//! choice is made by `certListType`; the list is held as [`Any`] and read by
//! [`PropertyInfo::cert_list`].

use der::asn1::{
    Any, BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString, PrintableString,
};
use der::{Sequence, Tag, Tagged};

/// `SES_Header.id`.
pub const HEADER_ID: &str = "ES";
/// The structure version of GB/T 38540-2020.
pub const VERSION: u32 = 4;
/// `certListType` for a list of certificates.
pub const CERT_LIST_CERTIFICATES: u32 = 1;
/// `certListType` for a list of certificate digests.
pub const CERT_LIST_DIGESTS: u32 = 2;

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Header {
    pub id: Ia5String,
    pub version: u32,
    pub vid: Ia5String,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct CertDigestObj {
    pub digest_type: PrintableString,
    pub value: OctetString,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PropertyInfo {
    pub seal_type: u32,
    pub name: String,
    pub cert_list_type: u32,
    pub cert_list: Any,
    pub create_date: GeneralizedTime,
    pub valid_start: GeneralizedTime,
    pub valid_end: GeneralizedTime,
}

/// `SES_CertList`, resolved by `certListType`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum CertList {
    Certificates(Vec<OctetString>),
    Digests(Vec<CertDigestObj>),
}

impl PropertyInfo {
    /// Reads the certificate list as `certListType` says it is.
    pub fn cert_list(&self) -> Result<CertList, String> {
        match self.cert_list_type {
            CERT_LIST_CERTIFICATES => self
                .cert_list
                .decode_as::<Vec<OctetString>>()
                .map(CertList::Certificates)
                .map_err(|e| format!("certList (certificates): {e}")),
            CERT_LIST_DIGESTS => self
                .cert_list
                .decode_as::<Vec<CertDigestObj>>()
                .map(CertList::Digests)
                .map_err(|e| format!("certList (digests): {e}")),
            other => Err(format!("unknown certListType {other}")),
        }
    }
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PictureInfo {
    pub picture_type: Ia5String,
    pub data: OctetString,
    pub width: u32,
    pub height: u32,
}

/// One `ExtData`. `extnID` is held raw (tag checked by [`ExtData::oid_body`])
/// because OIDs under `2.25` (UUID arcs) exceed the 32-bit arcs of
/// `ObjectIdentifier`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ExtData {
    pub extn_id: Any,
    #[asn1(default = "Default::default")]
    pub critical: bool,
    pub extn_value: OctetString,
}

impl ExtData {
    /// The content octets of `extnID`, which must be an OBJECT IDENTIFIER.
    pub fn oid_body(&self) -> Result<&[u8], String> {
        if self.extn_id.tag() != Tag::ObjectIdentifier || self.extn_id.value().is_empty() {
            return Err("extnID is not an OBJECT IDENTIFIER".into());
        }
        Ok(self.extn_id.value())
    }
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SealInfo {
    pub header: Header,
    pub es_id: Ia5String,
    pub property: PropertyInfo,
    pub picture: PictureInfo,
    #[asn1(optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Seal {
    /// `SES_SealInfo`, raw: the authority signs these bytes.
    pub seal_info: Any,
    pub cert: OctetString,
    pub sign_alg: ObjectIdentifier,
    pub signed_value: BitString,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsSign {
    pub version: u32,
    /// `SES_Seal`, raw, as the signer received it.
    pub eseal: Any,
    pub time_info: GeneralizedTime,
    pub data_hash: BitString,
    pub property_info: Ia5String,
    #[asn1(context_specific = "0", optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Signature {
    /// `TBS_Sign`, raw: the signer signs these bytes.
    pub to_sign: Any,
    pub cert: OctetString,
    pub signature_alg: ObjectIdentifier,
    pub signature: BitString,
    #[asn1(context_specific = "0", optional = "true")]
    pub time_stamp: Option<BitString>,
}

/// The content octets of the OBJECT IDENTIFIER `2.25.<uuid>` (ITU-T X.667),
/// a way to name a thing without a registration authority.
pub fn uuid_oid_body(uuid: u128) -> Vec<u8> {
    // The first two arcs, 2 and 25, share one octet: 2 * 40 + 25.
    let mut body = vec![2 * 40 + 25];
    let mut groups = Vec::new();
    let mut rest = uuid;
    loop {
        groups.push((rest & 0x7f) as u8);
        rest >>= 7;
        if rest == 0 {
            break;
        }
    }
    for (i, group) in groups.iter().rev().enumerate() {
        let last = i + 1 == groups.len();
        body.push(if last { *group } else { group | 0x80 });
    }
    body
}

/// The UUID behind [`OWNER_EXTENSION`]: `dcdbe677-84b3-4993-af44-5e8cd394ee2e`.
pub const OWNER_EXTENSION_UUID: u128 = 0xdcdbe677_84b3_4993_af44_5e8cd394ee2e;

/// `2.25.293571946508129564846321932684640972334`, the ggzy seal-owner
/// extension in `SES_SealInfo.extDatas` (non-critical):
///
/// ```text
/// GgzySealOwner ::= SEQUENCE {
///   organizationName        UTF8String,
///   unifiedSocialCreditCode PrintableString (SIZE (18)) }  -- GB 32100-2015
/// ```
pub const OWNER_EXTENSION: &str = "2.25.293571946508129564846321932684640972334";

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SealOwner {
    pub organization_name: String,
    pub credit_code: PrintableString,
}

/// Signature algorithm identifiers.
pub mod oid {
    use der::asn1::ObjectIdentifier;

    /// sha256WithRSAEncryption (RFC 8017).
    pub const SHA256_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
    /// ecdsa-with-SHA256 (RFC 5758).
    pub const ECDSA_WITH_SHA256: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    /// SM2 signature with SM3 (GB/T 33560, GM/T 0006).
    pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
}
