//! `ggzy pki demo`: a fresh demo trust fabric, made with the openssl crate.
//!
//! DEMO MATERIAL — NOT FOR PRODUCTION. Every private key is written
//! unencrypted next to its certificate and is meant to be published.
//!
//! For each league: a self-signed root CA; under it an enterprise CA and a
//! personal CA (`pathlen:0`), a seal authority and a timestamp authority;
//! enterprise certificates for the league's organisations of the demo data
//! (`crate::demo::ORGANISATIONS`, with their credit codes) and one extra
//! enterprise; two experts and a supervisor; one more enterprise whose
//! certificate is revoked; a CRL from each CA; a PKCS#12 per enterprise
//! (password `demo`); an organisation seal (GB/T 38540 `SES_Seal`, made by
//! the league's seal authority with [`crate::seals::make_seal`]) per
//! enterprise whose certificate is not revoked; and `manifest.json` listing
//! every file. Besides the leagues, the platform's own staff CA (of no
//! league, registered as a `staff_ca` trust service) with its CRL and one
//! platform operator's certificate under it, in `platform/` (their manifest
//! entries name the league `""`): a platform operator signs in with it like
//! anyone with a certificate (`identity::policy::signin_vouching`). The profiles are those of [`crate::pki::identity`].
//!
//! Keys: ECDSA P-256, but LZH's end entities hold RSA 2048 keys and two of
//! NNG's (its extra enterprise and its first expert) hold SM2 keys. Every certificate
//! and CRL is signed by a P-256 CA with ECDSA-SHA256: SM2 signatures are
//! left out (see the certs README).
//!
//! [`build`] is pure but for key generation and randomness (the time is a
//! parameter); [`write`] puts the files on disk.

use super::crl::{CrlContents, Revocation, RevocationReason, build_crl};
use crate::seals::{CertListForm, Picture, SealSpec, SealType, make_seal};
use crate::types::{CreditCode, LeagueCode, ResidentId};
use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use openssl::asn1::{Asn1Integer, Asn1Time, Asn1Type};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Name, X509NameBuilder};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Said by the manifest, the key files and the CA subjects.
pub const DEMO_NOTICE: &str = "DEMO MATERIAL — NOT FOR PRODUCTION: made by `ggzy pki demo`; every private key is published unencrypted.";
/// The password of every demo PKCS#12 file.
pub const PKCS12_PASSWORD: &str = "demo";
/// The leagues made when none are asked for.
pub const DEFAULT_LEAGUES: &[&str] = &["GX", "NNG", "LZH"];
/// How long the CRLs are current: they must be regenerated before.
pub const CRL_DAYS: i64 = 30;
/// Where the platform's staff CA and its operator's files go.
pub const PLATFORM_DIR: &str = "platform";
/// The platform's demo operator: name, identity number without its check
/// character, and the platform as employer.
const OPERATOR: Person = Person {
    name: "农志诚",
    id17: "45010319860512208",
    employer: "广西公共资源交易平台（演示）",
};

/// The folder of a league's files, or the platform's (league `""`).
fn folder(league: &str) -> &str {
    if league.is_empty() {
        PLATFORM_DIR
    } else {
        league
    }
}

/// What a demo certificate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoKind {
    RootCa,
    EnterpriseCa,
    PersonalCa,
    SealAuthority,
    TimestampAuthority,
    Enterprise,
    Expert,
    Supervisor,
    /// The platform's staff CA (no league).
    StaffCa,
    /// A platform operator, certified by the staff CA (no league).
    Operator,
}

/// The key pair's algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyAlgorithm {
    EcdsaP256,
    Rsa2048,
    Sm2,
}

/// One certificate of the manifest. Paths are relative to the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestCertificate {
    /// The league; empty for the platform's staff CA and its operator
    /// (files under [`PLATFORM_DIR`]).
    pub league: String,
    pub kind: DemoKind,
    /// The subject, as RFC 4514-like text.
    pub subject: String,
    /// CN: the enterprise's, person's or authority's name.
    pub name: String,
    pub credit_code: Option<String>,
    pub id_number: Option<String>,
    /// O of a person: the employer.
    pub organisation: Option<String>,
    pub key_algorithm: KeyAlgorithm,
    /// Serial number, hex.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub cert: String,
    pub key: String,
    pub pkcs12: Option<String>,
    /// The issuer's certificate (`None` for a root).
    pub issuer_cert: Option<String>,
    /// The CA certificates between this one and its root, nearest first.
    pub chain: Vec<String>,
    /// The CRL that lists this certificate if it is revoked (its issuer's).
    pub crl: Option<String>,
    /// The CRL this CA issues.
    pub issues_crl: Option<String>,
    pub revoked: bool,
    pub revocation_reason: Option<RevocationReason>,
}

/// One CRL of the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestCrl {
    pub league: String,
    pub path: String,
    pub issuer_cert: String,
    pub number: u64,
    pub this_update: DateTime<Utc>,
    pub next_update: DateTime<Utc>,
    /// Serials of the revoked certificates, hex.
    pub revoked_serials: Vec<String>,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub notice: String,
    pub generator: String,
    pub generated_at: DateTime<Utc>,
    pub pkcs12_password: String,
    pub leagues: Vec<String>,
    pub certificates: Vec<ManifestCertificate>,
    pub crls: Vec<ManifestCrl>,
    /// The enterprises' organisation seals.
    #[serde(default)]
    pub seals: Vec<ManifestSeal>,
}

/// One electronic seal of the manifest (`<L>/enterprises/<code>.seal.der`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestSeal {
    pub league: String,
    /// The owner organisation, as the seal's owner extension names it.
    pub owner: String,
    pub credit_code: String,
    /// `esID`.
    pub es_id: String,
    /// The seal's name.
    pub name: String,
    /// The seal, DER (`SES_Seal`).
    pub path: String,
    /// The one certificate the seal lists: the owner's enterprise certificate.
    pub signer_cert: String,
    pub signer_key: String,
    /// The seal authority that signed the seal.
    pub authority_cert: String,
    /// The picture's type (`svg`).
    pub picture_type: String,
    /// The signer certificate's validity.
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
}

/// A fabric in memory: the files (relative path, bytes) and the manifest.
pub struct DemoFabric {
    pub files: Vec<(PathBuf, Vec<u8>)>,
    pub manifest: Manifest,
}

struct Person {
    name: &'static str,
    id17: &'static str,
    employer: &'static str,
}

struct Company {
    name: &'static str,
    credit17: &'static str,
}

/// What differs between the leagues.
struct LeagueProfile {
    code: &'static str,
    city: Option<&'static str>,
    extra: Company,
    revoked: Company,
    expert: Person,
    /// A second expert: a committee of five (the least for tendering)
    /// needs more than one expert per league in a three-league fabric.
    expert2: Person,
    supervisor: Person,
}

const PROVINCE: &str = "广西壮族自治区";

const PROFILES: &[LeagueProfile] = &[
    LeagueProfile {
        code: "GX",
        city: None,
        extra: Company {
            name: "广西桂通工程咨询有限公司",
            credit17: "91450000MA5T00011",
        },
        revoked: Company {
            name: "广西八桂建材贸易有限公司",
            credit17: "91450000MA5T00029",
        },
        expert: Person {
            name: "黄丽萍",
            id17: "45010219780615202",
            employer: "广西壮族自治区建设工程造价管理总站",
        },
        expert2: Person {
            name: "莫建华",
            id17: "45010319720304151",
            employer: "广西财经学院",
        },
        supervisor: Person {
            name: "陆志强",
            id17: "45010319700921013",
            employer: "广西壮族自治区财政厅",
        },
    },
    LeagueProfile {
        code: "NNG",
        city: Some("南宁市"),
        extra: Company {
            name: "南宁邕江环境科技有限公司",
            credit17: "91450100MA5T00037",
        },
        revoked: Company {
            name: "南宁绿城物业服务有限公司",
            credit17: "91450100MA5T00045",
        },
        expert: Person {
            name: "李明",
            id17: "45010319750312101",
            employer: "广西大学",
        },
        expert2: Person {
            name: "黄志远",
            id17: "45010219790826173",
            employer: "南宁师范大学",
        },
        supervisor: Person {
            name: "韦海燕",
            id17: "45010719820108024",
            employer: "南宁市发展和改革委员会",
        },
    },
    LeagueProfile {
        code: "LZH",
        city: Some("柳州市"),
        extra: Company {
            name: "柳州龙城机械制造有限公司",
            credit17: "91450200MA5T00053",
        },
        revoked: Company {
            name: "柳州柳江路桥建设有限公司",
            credit17: "91450200MA5T00061",
        },
        expert: Person {
            name: "覃志刚",
            id17: "45020319690403115",
            employer: "广西科技大学",
        },
        expert2: Person {
            name: "潘秀兰",
            id17: "45020219770115162",
            employer: "柳州职业技术学院",
        },
        supervisor: Person {
            name: "蒙晓红",
            id17: "45020219850727046",
            employer: "柳州市住房和城乡建设局",
        },
    },
    LeagueProfile {
        code: "GLN",
        city: Some("桂林市"),
        extra: Company {
            name: "桂林漓江文旅发展有限公司",
            credit17: "91450300MA5T00078",
        },
        revoked: Company {
            name: "桂林山水信息技术有限公司",
            credit17: "91450300MA5T00086",
        },
        expert: Person {
            name: "周文",
            id17: "45030219730519131",
            employer: "桂林理工大学",
        },
        expert2: Person {
            name: "秦海涛",
            id17: "45030219810709135",
            employer: "桂林电子科技大学",
        },
        supervisor: Person {
            name: "唐伟",
            id17: "45030419801111057",
            employer: "桂林市财政局",
        },
    },
    LeagueProfile {
        code: "BHY",
        city: Some("北海市"),
        extra: Company {
            name: "北海银滩海洋工程有限公司",
            credit17: "91450500MA5T00094",
        },
        revoked: Company {
            name: "北海合浦珍珠贸易有限公司",
            credit17: "91450500MA5T00102",
        },
        expert: Person {
            name: "陈海",
            id17: "45050219660830093",
            employer: "北海市建筑设计院",
        },
        expert2: Person {
            name: "梁晓燕",
            id17: "45050219840221186",
            employer: "北海职业学院",
        },
        supervisor: Person {
            name: "庞丽",
            id17: "45050319881202068",
            employer: "北海市审计局",
        },
    },
];

/// Parses a `--leagues` list: known demo leagues, each once.
pub fn parse_leagues(raw: &[String]) -> anyhow::Result<Vec<LeagueCode>> {
    let mut out: Vec<LeagueCode> = Vec::new();
    for item in raw.iter().flat_map(|r| r.split(',')) {
        let code = LeagueCode::parse(item.trim()).map_err(anyhow::Error::msg)?;
        ensure!(
            PROFILES.iter().any(|p| p.code == code.as_str()),
            "no demo league {code}; the demo leagues are {}",
            PROFILES
                .iter()
                .map(|p| p.code)
                .collect::<Vec<_>>()
                .join(",")
        );
        ensure!(!out.contains(&code), "league {code} is listed twice");
        out.push(code);
    }
    ensure!(!out.is_empty(), "name at least one league");
    Ok(out)
}

fn generate_key(alg: KeyAlgorithm) -> anyhow::Result<PKey<Private>> {
    Ok(match alg {
        KeyAlgorithm::EcdsaP256 => {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
            PKey::from_ec_key(EcKey::generate(&group)?)?
        }
        KeyAlgorithm::Sm2 => {
            let group = EcGroup::from_curve_name(Nid::SM2)?;
            PKey::from_ec_key(EcKey::generate(&group)?)?
        }
        KeyAlgorithm::Rsa2048 => PKey::from_rsa(Rsa::generate(2048)?)?,
    })
}

/// The subject attributes of a certificate, in order.
enum Attr<'a> {
    Printable(&'a str, &'a str),
    Utf8(&'a str, &'a str),
}

fn name(attrs: &[Attr<'_>]) -> anyhow::Result<X509Name> {
    let mut b = X509NameBuilder::new()?;
    for attr in attrs {
        let (field, value, ty) = match attr {
            Attr::Printable(f, v) => (f, v, Asn1Type::PRINTABLESTRING),
            Attr::Utf8(f, v) => (f, v, Asn1Type::UTF8STRING),
        };
        b.append_entry_by_text_with_type(field, value, ty)
            .with_context(|| format!("subject attribute {field}={value}"))?;
    }
    Ok(b.build())
}

/// How a certificate is used, which decides its extensions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Root,
    IssuingCa,
    SealAuthority,
    TimestampAuthority,
    Subscriber,
}

struct Issued {
    cert: X509,
    key: PKey<Private>,
}

fn random_serial() -> anyhow::Result<Asn1Integer> {
    let mut bn = BigNum::new()?;
    bn.rand(127, MsbOption::ONE, false)?;
    Ok(Asn1Integer::from_bn(&bn)?)
}

fn issue(
    subject: &X509Name,
    key: PKey<Private>,
    issuer: Option<&Issued>,
    profile: Profile,
    not_before: DateTime<Utc>,
    days: i64,
) -> anyhow::Result<Issued> {
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let serial: Asn1Integer = random_serial()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(subject)?;
    b.set_issuer_name(issuer.map_or(subject, |i| i.cert.subject_name()))?;
    b.set_pubkey(&key)?;
    let from: Asn1Time = Asn1Time::from_unix(not_before.timestamp())?;
    let until: Asn1Time = Asn1Time::from_unix((not_before + Duration::days(days)).timestamp())?;
    b.set_not_before(&from)?;
    b.set_not_after(&until)?;
    match profile {
        Profile::Root => {
            b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        }
        Profile::IssuingCa => {
            b.append_extension(BasicConstraints::new().critical().ca().pathlen(0).build()?)?;
        }
        _ => b.append_extension(BasicConstraints::new().build()?)?,
    }
    let mut ku = KeyUsage::new();
    ku.critical();
    if matches!(profile, Profile::Root | Profile::IssuingCa) {
        ku.key_cert_sign().crl_sign();
    } else {
        ku.digital_signature().non_repudiation();
    }
    b.append_extension(ku.build()?)?;
    match profile {
        Profile::TimestampAuthority => {
            b.append_extension(ExtendedKeyUsage::new().critical().time_stamping().build()?)?;
        }
        Profile::Subscriber => {
            b.append_extension(
                ExtendedKeyUsage::new()
                    .client_auth()
                    .email_protection()
                    .build()?,
            )?;
        }
        _ => {}
    }
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    if let Some(i) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(&i.cert), None))?;
        b.append_extension(aki)?;
    }
    b.sign(issuer.map_or(&key, |i| &i.key), MessageDigest::sha256())?;
    Ok(Issued {
        cert: b.build(),
        key,
    })
}

/// An enterprise's certificate as an enterprise CA of the fabric issues it:
/// its name (company, credit code as organizationIdentifier) and the
/// subscriber profile.
#[allow(clippy::too_many_arguments)]
fn enterprise_cert(
    ca: &Issued,
    company: &str,
    credit: &CreditCode,
    city: Option<&str>,
    key: PKey<Private>,
    not_before: DateTime<Utc>,
    days: i64,
) -> anyhow::Result<Issued> {
    let mut attrs = vec![Attr::Printable("C", "CN"), Attr::Utf8("ST", PROVINCE)];
    if let Some(city) = city {
        attrs.push(Attr::Utf8("L", city));
    }
    attrs.extend([
        Attr::Utf8("O", company),
        Attr::Utf8("organizationIdentifier", credit.as_str()),
        Attr::Utf8("CN", company),
    ]);
    issue(
        &name(&attrs)?,
        key,
        Some(ca),
        Profile::Subscriber,
        not_before,
        days,
    )
}

/// A certificate for one more enterprise from a demo enterprise CA (its
/// `enterprise-ca.cert.pem` and `enterprise-ca.key.pem`), made exactly as
/// the fabric's own: for benchmarks and tools that need more enterprises
/// than the fabric holds.
pub fn issue_enterprise(
    ca_cert: &X509,
    ca_key: &PKey<Private>,
    company: &str,
    credit: &CreditCode,
    key: PKey<Private>,
    not_before: DateTime<Utc>,
    days: i64,
) -> anyhow::Result<X509> {
    let ca = Issued {
        cert: ca_cert.clone(),
        key: ca_key.clone(),
    };
    Ok(enterprise_cert(&ca, company, credit, None, key, not_before, days)?.cert)
}

/// A certificate for one more person (an expert) from a demo personal CA
/// (its `personal-ca.cert.pem` and `personal-ca.key.pem`), named as the
/// fabric's own people are: for benchmarks that need more experts.
#[allow(clippy::too_many_arguments)]
pub fn issue_person(
    ca_cert: &X509,
    ca_key: &PKey<Private>,
    person: &str,
    employer: &str,
    id: &ResidentId,
    key: PKey<Private>,
    not_before: DateTime<Utc>,
    days: i64,
) -> anyhow::Result<X509> {
    let ca = Issued {
        cert: ca_cert.clone(),
        key: ca_key.clone(),
    };
    let subject = name(&[
        Attr::Printable("C", "CN"),
        Attr::Utf8("O", employer),
        Attr::Utf8("CN", person),
        Attr::Printable("serialNumber", id.as_str()),
    ])?;
    Ok(issue(
        &subject,
        key,
        Some(&ca),
        Profile::Subscriber,
        not_before,
        days,
    )?
    .cert)
}

fn hex_serial(cert: &X509) -> anyhow::Result<String> {
    Ok(cert.serial_number().to_bn()?.to_hex_str()?.to_string())
}

fn subject_text(cert: &X509) -> anyhow::Result<String> {
    let der = cert.to_der()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| anyhow::anyhow!("re-reading a demo certificate: {e}"))?;
    Ok(parsed
        .subject()
        .to_string()
        .replace("OID(2.5.4.97)", "organizationIdentifier"))
}

fn key_pem(key: &PKey<Private>, subject: &str) -> anyhow::Result<Vec<u8>> {
    let mut out = format!(
        "DEMO MATERIAL - NOT FOR PRODUCTION.\n\
         Unencrypted private key of {subject},\n\
         made by `ggzy pki demo` and published on purpose: anyone can sign with it.\n"
    )
    .into_bytes();
    out.extend(key.private_key_to_pem_pkcs8()?);
    Ok(out)
}

/// Collects the files and manifest entries of one league.
struct Writer {
    files: Vec<(PathBuf, Vec<u8>)>,
    certificates: Vec<ManifestCertificate>,
    crls: Vec<ManifestCrl>,
    seals: Vec<ManifestSeal>,
}

/// What the manifest says of a certificate beyond what the writer reads
/// from it.
struct Entry<'a> {
    league: &'a str,
    kind: DemoKind,
    stem: String,
    alg: KeyAlgorithm,
    credit_code: Option<&'a CreditCode>,
    id_number: Option<&'a ResidentId>,
    organisation: Option<&'a str>,
    issuer_stem: Option<&'a str>,
    chain: Vec<String>,
    crl: Option<String>,
    issues_crl: Option<String>,
    revoked: Option<RevocationReason>,
    pkcs12_chain: Option<Vec<&'a X509>>,
}

fn cert_path(stem: &str) -> String {
    format!("{stem}.cert.pem")
}

impl Writer {
    fn add(&mut self, issued: &Issued, name: &str, e: Entry<'_>) -> anyhow::Result<()> {
        let cert = &issued.cert;
        let subject = subject_text(cert)?;
        let cert_file = cert_path(&e.stem);
        let key_file = format!("{}.key.pem", e.stem);
        self.files.push((cert_file.clone().into(), cert.to_pem()?));
        self.files
            .push((key_file.clone().into(), key_pem(&issued.key, &subject)?));
        let pkcs12 = match e.pkcs12_chain {
            Some(chain) => {
                let mut ca = Stack::new()?;
                for c in chain {
                    ca.push(c.clone())?;
                }
                let p12 = Pkcs12::builder()
                    .name(name)
                    .pkey(&issued.key)
                    .cert(cert)
                    .ca(ca)
                    .build2(PKCS12_PASSWORD)?;
                let file = format!("{}.p12", e.stem);
                self.files.push((file.clone().into(), p12.to_der()?));
                Some(file)
            }
            None => None,
        };
        let window = |t: &openssl::asn1::Asn1TimeRef| -> anyhow::Result<DateTime<Utc>> {
            super::validation::utc(t).context("a validity date out of range")
        };
        self.certificates.push(ManifestCertificate {
            league: e.league.into(),
            kind: e.kind,
            subject,
            name: name.into(),
            credit_code: e.credit_code.map(|c| c.as_str().into()),
            id_number: e.id_number.map(|i| i.as_str().into()),
            organisation: e.organisation.map(Into::into),
            key_algorithm: e.alg,
            serial: hex_serial(cert)?,
            not_before: window(cert.not_before())?,
            not_after: window(cert.not_after())?,
            cert: cert_file,
            key: key_file,
            pkcs12,
            issuer_cert: e
                .issuer_stem
                .map(|stem| cert_path(&format!("{}/{stem}", folder(e.league)))),
            chain: e.chain,
            crl: e.crl,
            issues_crl: e.issues_crl,
            revoked: e.revoked.is_some(),
            revocation_reason: e.revoked,
        });
        Ok(())
    }

    /// Makes the organisation seal of the enterprise whose entry was just
    /// added (`stem`), signed by `authority`, listing the enterprise's
    /// certificate and valid while it is.
    fn seal(
        &mut self,
        league: &str,
        stem: &str,
        holder: &Issued,
        authority: &Issued,
        authority_stem: &str,
    ) -> anyhow::Result<()> {
        let entry = self
            .certificates
            .iter()
            .find(|c| c.cert == cert_path(stem))
            .with_context(|| format!("no certificate {stem} to make a seal for"))?;
        let credit_code = entry
            .credit_code
            .as_deref()
            .with_context(|| format!("{stem} names no credit code"))?;
        let credit = CreditCode::parse(credit_code).map_err(anyhow::Error::msg)?;
        let es_id = format!("GGZY-DEMO-{league}-{credit_code}");
        let name = format!("{}投标专用章", entry.name);
        let spec = SealSpec {
            es_id: es_id.clone(),
            name: name.clone(),
            seal_type: SealType::Organisation,
            owner_name: entry.name.clone(),
            credit_code: credit,
            created: entry.not_before,
            valid_from: entry.not_before,
            valid_to: entry.not_after,
            signer_certs: vec![holder.cert.to_der()?],
            cert_list_form: CertListForm::Certificates,
            picture: seal_picture(&entry.name),
        };
        let der = make_seal(&spec, &authority.cert, &authority.key)
            .with_context(|| format!("making the seal of {}", entry.name))?;
        let path = format!("{stem}.seal.der");
        self.files.push((path.clone().into(), der));
        self.seals.push(ManifestSeal {
            league: league.into(),
            owner: entry.name.clone(),
            credit_code: credit_code.into(),
            es_id,
            name,
            path,
            signer_cert: entry.cert.clone(),
            signer_key: entry.key.clone(),
            authority_cert: cert_path(authority_stem),
            picture_type: spec.picture.picture_type,
            valid_from: entry.not_before,
            valid_to: entry.not_after,
        });
        Ok(())
    }

    fn crl(
        &mut self,
        league: &str,
        ca: &Issued,
        ca_stem: &str,
        now: DateTime<Utc>,
        revoked: &[Revocation],
    ) -> anyhow::Result<String> {
        let next_update = now + Duration::days(CRL_DAYS);
        let crl = build_crl(
            &CrlContents {
                issuer: &ca.cert,
                number: 1,
                this_update: now,
                next_update,
                revoked,
            },
            &ca.key,
        )?;
        let path = format!("{ca_stem}.crl.pem");
        self.files.push((path.clone().into(), crl.to_pem()?));
        self.crls.push(ManifestCrl {
            league: league.into(),
            path: path.clone(),
            issuer_cert: cert_path(ca_stem),
            number: 1,
            this_update: now,
            next_update,
            revoked_serials: revoked
                .iter()
                .map(|r| {
                    BigNum::from_slice(&r.serial)
                        .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
                })
                .collect::<Result<_, _>>()?,
        });
        Ok(path)
    }
}

/// Escapes text for XML character data.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A seal picture: an SVG (a picture type GB/T 38540 names) of a red ring
/// with a star and the owner's name along the upper arc, 40 mm across.
fn seal_picture(owner: &str) -> Picture {
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40mm" height="40mm" viewBox="0 0 100 100">
<title>{owner} (DEMO - NOT FOR PRODUCTION)</title>
<circle cx="50" cy="50" r="46" fill="none" stroke="#d40000" stroke-width="4"/>
<path id="arc" d="M 17 58 A 34 34 0 1 1 83 58" fill="none"/>
<text font-size="9" fill="#d40000" text-anchor="middle"><textPath href="#arc" xlink:href="#arc" startOffset="50%">{owner}</textPath></text>
<polygon fill="#d40000" points="50,36 53.3,45.4 63.3,45.7 55.4,51.8 58.2,61.3 50,55.7 41.8,61.3 44.6,51.8 36.7,45.7 46.7,45.4"/>
<text x="50" y="78" font-size="7" fill="#d40000" text-anchor="middle">DEMO</text>
</svg>
"##,
        owner = xml_text(owner)
    );
    Picture {
        picture_type: "svg".into(),
        data: svg.into_bytes(),
        width_mm: 40,
        height_mm: 40,
    }
}

fn league_name(code: &str) -> anyhow::Result<&'static str> {
    crate::demo::LEAGUES
        .iter()
        .find(|l| l.0 == code)
        .map(|l| l.1)
        .with_context(|| format!("no demo league {code}"))
}

fn build_league(w: &mut Writer, profile: &LeagueProfile, now: DateTime<Utc>) -> anyhow::Result<()> {
    let code = profile.code;
    let centre = league_name(code)?;
    let start = now - Duration::hours(1);
    let dir = |stem: &str| format!("{code}/{stem}");
    let ca_name = |role: &str| {
        name(&[
            Attr::Printable("C", "CN"),
            Attr::Utf8("O", centre),
            Attr::Utf8("OU", "DEMO - NOT FOR PRODUCTION"),
            Attr::Utf8("CN", &format!("{code} Demo {role}")),
        ])
    };
    let ca_alg = KeyAlgorithm::EcdsaP256;
    let leaf_alg = if code == "LZH" {
        KeyAlgorithm::Rsa2048
    } else {
        KeyAlgorithm::EcdsaP256
    };
    let plain = |kind, stem: &str, issuer_stem: Option<&'static str>| Entry {
        league: code,
        kind,
        stem: dir(stem),
        alg: ca_alg,
        credit_code: None,
        id_number: None,
        organisation: None,
        issuer_stem,
        chain: issuer_stem
            .map(|s| vec![cert_path(&dir(s))])
            .unwrap_or_default(),
        crl: issuer_stem.map(|s| format!("{}.crl.pem", dir(s))),
        issues_crl: None,
        revoked: None,
        pkcs12_chain: None,
    };

    // The authorities.
    let root = issue(
        &ca_name("Root CA")?,
        generate_key(ca_alg)?,
        None,
        Profile::Root,
        start,
        3650,
    )?;
    let enterprise_ca = issue(
        &ca_name("Enterprise CA")?,
        generate_key(ca_alg)?,
        Some(&root),
        Profile::IssuingCa,
        start,
        1825,
    )?;
    let personal_ca = issue(
        &ca_name("Personal CA")?,
        generate_key(ca_alg)?,
        Some(&root),
        Profile::IssuingCa,
        start,
        1825,
    )?;
    let seal_authority = issue(
        &ca_name("Seal Authority")?,
        generate_key(ca_alg)?,
        Some(&root),
        Profile::SealAuthority,
        start,
        1825,
    )?;
    let tsa = issue(
        &ca_name("Timestamp Authority")?,
        generate_key(ca_alg)?,
        Some(&root),
        Profile::TimestampAuthority,
        start,
        1825,
    )?;

    // The authorities' entries.
    for (issued, kind, stem, issues_crl) in [
        (&root, DemoKind::RootCa, "root-ca", true),
        (
            &enterprise_ca,
            DemoKind::EnterpriseCa,
            "enterprise-ca",
            true,
        ),
        (&personal_ca, DemoKind::PersonalCa, "personal-ca", true),
        (
            &seal_authority,
            DemoKind::SealAuthority,
            "seal-authority",
            false,
        ),
        (
            &tsa,
            DemoKind::TimestampAuthority,
            "timestamp-authority",
            false,
        ),
    ] {
        let cn = format!(
            "{code} Demo {}",
            match kind {
                DemoKind::RootCa => "Root CA",
                DemoKind::EnterpriseCa => "Enterprise CA",
                DemoKind::PersonalCa => "Personal CA",
                DemoKind::SealAuthority => "Seal Authority",
                _ => "Timestamp Authority",
            }
        );
        let under_root = (kind != DemoKind::RootCa).then_some("root-ca");
        w.add(
            issued,
            &cn,
            Entry {
                organisation: Some(centre),
                issues_crl: issues_crl.then(|| format!("{}.crl.pem", dir(stem))),
                ..plain(kind, stem, under_root)
            },
        )?;
    }
    // Enterprises: the demo data's organisations of the league, an extra
    // one, and one whose certificate is revoked.
    let mut companies: Vec<(String, CreditCode, bool)> = crate::demo::ORGANISATIONS
        .iter()
        .filter(|o| o.league == code)
        .map(|o| (o.name.to_string(), o.credit_code(), false))
        .collect();
    for (c, revoked) in [(&profile.extra, false), (&profile.revoked, true)] {
        let credit = CreditCode::with_check_digit(c.credit17).map_err(anyhow::Error::msg)?;
        companies.push((c.name.to_string(), credit, revoked));
    }
    let mut revocations = Vec::new();
    let enterprise_chain = [cert_path(&dir("enterprise-ca")), cert_path(&dir("root-ca"))];
    for (company, credit, revoked) in &companies {
        // SM2 keys for NNG's extra enterprise.
        let alg = if code == "NNG" && company == profile.extra.name {
            KeyAlgorithm::Sm2
        } else {
            leaf_alg
        };
        let cert = enterprise_cert(
            &enterprise_ca,
            company,
            credit,
            profile.city,
            generate_key(alg)?,
            start,
            1095,
        )?;
        let reason = revoked.then_some(RevocationReason::KeyCompromise);
        if let Some(reason) = reason {
            revocations.push(Revocation::of(
                &cert.cert,
                start + Duration::minutes(30),
                Some(reason),
            )?);
        }
        w.add(
            &cert,
            company,
            Entry {
                kind: DemoKind::Enterprise,
                stem: dir(&format!("enterprises/{}", credit.as_str())),
                alg,
                credit_code: Some(credit),
                chain: enterprise_chain.to_vec(),
                revoked: reason,
                pkcs12_chain: Some(vec![&enterprise_ca.cert, &root.cert]),
                ..plain(DemoKind::Enterprise, "", Some("enterprise-ca"))
            },
        )?;
        if !revoked {
            let stem = dir(&format!("enterprises/{}", credit.as_str()));
            w.seal(code, &stem, &cert, &seal_authority, &dir("seal-authority"))?;
        }
    }

    // People.
    for (kind, person, stem) in [
        (DemoKind::Expert, &profile.expert, "expert"),
        (DemoKind::Expert, &profile.expert2, "expert-2"),
        (DemoKind::Supervisor, &profile.supervisor, "supervisor"),
    ] {
        let alg = if code == "NNG" && stem == "expert" {
            KeyAlgorithm::Sm2
        } else {
            leaf_alg
        };
        let id = ResidentId::with_check_char(person.id17).map_err(anyhow::Error::msg)?;
        let subject = name(&[
            Attr::Printable("C", "CN"),
            Attr::Utf8("O", person.employer),
            Attr::Utf8("CN", person.name),
            Attr::Printable("serialNumber", id.as_str()),
        ])?;
        let cert = issue(
            &subject,
            generate_key(alg)?,
            Some(&personal_ca),
            Profile::Subscriber,
            start,
            1095,
        )?;
        w.add(
            &cert,
            person.name,
            Entry {
                stem: dir(&format!("people/{stem}")),
                alg,
                id_number: Some(&id),
                organisation: Some(person.employer),
                chain: vec![cert_path(&dir("personal-ca")), cert_path(&dir("root-ca"))],
                ..plain(kind, "", Some("personal-ca"))
            },
        )?;
    }

    // The CRLs: the revoked enterprise on its CA's, the others empty.
    w.crl(code, &root, &dir("root-ca"), now, &[])?;
    w.crl(
        code,
        &enterprise_ca,
        &dir("enterprise-ca"),
        now,
        &revocations,
    )?;
    w.crl(code, &personal_ca, &dir("personal-ca"), now, &[])?;
    Ok(())
}

/// The platform's staff CA (a self-signed CA of the platform, no league)
/// with its CRL, and the demo platform operator's certificate under it.
fn build_platform(w: &mut Writer, now: DateTime<Utc>) -> anyhow::Result<()> {
    let start = now - Duration::hours(1);
    let dir = |stem: &str| format!("{PLATFORM_DIR}/{stem}");
    let alg = KeyAlgorithm::EcdsaP256;
    let cn = "Platform Demo Staff CA";
    let staff_ca = issue(
        &name(&[
            Attr::Printable("C", "CN"),
            Attr::Utf8("O", OPERATOR.employer),
            Attr::Utf8("OU", "DEMO - NOT FOR PRODUCTION"),
            Attr::Utf8("CN", cn),
        ])?,
        generate_key(alg)?,
        None,
        Profile::Root,
        start,
        3650,
    )?;
    let plain = |kind, stem: &str| Entry {
        league: "",
        kind,
        stem: dir(stem),
        alg,
        credit_code: None,
        id_number: None,
        organisation: Some(OPERATOR.employer),
        issuer_stem: None,
        chain: Vec::new(),
        crl: None,
        issues_crl: None,
        revoked: None,
        pkcs12_chain: None,
    };
    w.add(
        &staff_ca,
        cn,
        Entry {
            issues_crl: Some(format!("{}.crl.pem", dir("staff-ca"))),
            ..plain(DemoKind::StaffCa, "staff-ca")
        },
    )?;
    let id = ResidentId::with_check_char(OPERATOR.id17).map_err(anyhow::Error::msg)?;
    let operator = issue(
        &name(&[
            Attr::Printable("C", "CN"),
            Attr::Utf8("O", OPERATOR.employer),
            Attr::Utf8("CN", OPERATOR.name),
            Attr::Printable("serialNumber", id.as_str()),
        ])?,
        generate_key(alg)?,
        Some(&staff_ca),
        Profile::Subscriber,
        start,
        1095,
    )?;
    w.add(
        &operator,
        OPERATOR.name,
        Entry {
            id_number: Some(&id),
            issuer_stem: Some("staff-ca"),
            chain: vec![cert_path(&dir("staff-ca"))],
            crl: Some(format!("{}.crl.pem", dir("staff-ca"))),
            ..plain(DemoKind::Operator, "operator")
        },
    )?;
    w.crl("", &staff_ca, &dir("staff-ca"), now, &[])?;
    Ok(())
}

/// Makes a demo fabric for `leagues` at time `now` (in memory).
pub fn build(leagues: &[LeagueCode], now: DateTime<Utc>) -> anyhow::Result<DemoFabric> {
    let now = now.trunc_subsecs(0);
    let mut w = Writer {
        files: Vec::new(),
        certificates: Vec::new(),
        crls: Vec::new(),
        seals: Vec::new(),
    };
    for league in leagues {
        let profile = PROFILES
            .iter()
            .find(|p| p.code == league.as_str())
            .with_context(|| format!("no demo league {league}"))?;
        build_league(&mut w, profile, now).with_context(|| format!("league {league}"))?;
    }
    build_platform(&mut w, now).context("the platform's staff CA")?;
    Ok(DemoFabric {
        files: w.files,
        manifest: Manifest {
            notice: DEMO_NOTICE.into(),
            generator: format!("ggzy {} pki demo", env!("CARGO_PKG_VERSION")),
            generated_at: now,
            pkcs12_password: PKCS12_PASSWORD.into(),
            leagues: leagues.iter().map(|l| l.to_string()).collect(),
            certificates: w.certificates,
            crls: w.crls,
            seals: w.seals,
        },
    })
}

/// Writes a fabric into `out`. A directory that exists and is not empty is
/// refused unless `force`; with `force`, the manifest and the directories
/// of the leagues written (and the platform's) are replaced, and nothing
/// else is touched.
pub fn write(out: &Path, fabric: &DemoFabric, force: bool) -> anyhow::Result<()> {
    if out.exists() {
        ensure!(out.is_dir(), "{} is not a directory", out.display());
        let non_empty = std::fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .next()
            .is_some();
        if non_empty && !force {
            bail!(
                "{} is not empty; pass --force to replace the demo fabric in it",
                out.display()
            );
        }
        // The leagues' folders and the platform's.
        for league in fabric
            .manifest
            .leagues
            .iter()
            .map(String::as_str)
            .chain([""])
        {
            let dir = out.join(folder(league));
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("removing {}", dir.display()))?;
            }
        }
    }
    for (path, bytes) in &fabric.files {
        let path = out.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut manifest = serde_json::to_vec_pretty(&fabric.manifest)?;
    manifest.push(b'\n');
    let path = out.join("manifest.json");
    std::fs::write(&path, manifest).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::identity::{CertIdentity, identity_of};
    use crate::pki::policy::{Indication, Purpose, SubIndication};
    use crate::pki::validation::{TrustMaterial, validate};
    use openssl::x509::X509Crl;

    fn file<'a>(fabric: &'a DemoFabric, path: &str) -> &'a [u8] {
        &fabric
            .files
            .iter()
            .find(|(p, _)| p == Path::new(path))
            .unwrap_or_else(|| panic!("no file {path}"))
            .1
    }

    fn leagues(codes: &[&str]) -> Vec<LeagueCode> {
        parse_leagues(&codes.iter().map(|c| c.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn league_lists() {
        assert_eq!(leagues(&["GX,NNG", "LZH"]).len(), 3);
        assert!(parse_leagues(&["XX".into()]).is_err());
        assert!(parse_leagues(&["GX,GX".into()]).is_err());
        assert!(parse_leagues(&["gx".into()]).is_err());
        assert!(parse_leagues(&[]).is_err());
    }

    #[test]
    fn every_file_is_listed_and_every_identity_reads_back() {
        let now = Utc::now();
        let fabric = build(&leagues(&["NNG", "LZH"]), now).unwrap();
        let m = &fabric.manifest;
        let listed: Vec<&str> = m
            .certificates
            .iter()
            .flat_map(|c| {
                [
                    Some(c.cert.as_str()),
                    Some(c.key.as_str()),
                    c.pkcs12.as_deref(),
                ]
            })
            .flatten()
            .chain(m.crls.iter().map(|c| c.path.as_str()))
            .chain(m.seals.iter().map(|s| s.path.as_str()))
            .collect();
        assert_eq!(listed.len(), fabric.files.len());
        for (path, _) in &fabric.files {
            assert!(listed.contains(&path.to_str().unwrap()), "{path:?}");
        }
        // Every path the manifest names is a file of the fabric.
        for c in &m.certificates {
            let named = [&c.issuer_cert, &c.crl, &c.issues_crl]
                .into_iter()
                .flatten()
                .chain(&c.chain);
            for path in named {
                assert!(listed.contains(&path.as_str()), "{}: {path}", c.cert);
            }
        }
        assert!(
            m.crls
                .iter()
                .all(|c| listed.contains(&c.issuer_cert.as_str()))
        );
        for seal in &m.seals {
            for path in [&seal.signer_cert, &seal.signer_key, &seal.authority_cert] {
                assert!(listed.contains(&path.as_str()), "{}: {path}", seal.path);
            }
        }
        // NNG: 10 demo organisations (the land trades' bureau and three
        // developers among them) + extra + revoked; LZH: 2 + 2.
        let count = |league: &str, kind| {
            m.certificates
                .iter()
                .filter(|c| c.league == league && c.kind == kind)
                .count()
        };
        assert_eq!(count("NNG", DemoKind::Enterprise), 12);
        assert_eq!(count("LZH", DemoKind::Enterprise), 4);
        for kind in [
            DemoKind::RootCa,
            DemoKind::EnterpriseCa,
            DemoKind::PersonalCa,
            DemoKind::SealAuthority,
            DemoKind::TimestampAuthority,
            DemoKind::Supervisor,
        ] {
            assert_eq!(count("LZH", kind), 1);
        }
        assert_eq!(count("LZH", DemoKind::Expert), 2);
        // The platform's (no league): its staff CA and one operator.
        assert_eq!(count("", DemoKind::StaffCa), 1);
        assert_eq!(count("", DemoKind::Operator), 1);
        assert_eq!(m.crls.len(), 3 * 2 + 1);
        for c in &m.certificates {
            let der = X509::from_pem(file(&fabric, &c.cert))
                .unwrap()
                .to_der()
                .unwrap();
            match (c.kind, identity_of(&der)) {
                (
                    DemoKind::Enterprise,
                    Ok(CertIdentity::Enterprise {
                        name, credit_code, ..
                    }),
                ) => {
                    assert_eq!(Some(credit_code.as_str()), c.credit_code.as_deref());
                    assert_eq!(name, c.name);
                }
                (
                    DemoKind::Expert | DemoKind::Supervisor | DemoKind::Operator,
                    Ok(CertIdentity::Person {
                        name,
                        id_number,
                        organisation,
                    }),
                ) => {
                    assert_eq!(Some(id_number.as_str()), c.id_number.as_deref());
                    assert_eq!(
                        (name, organisation),
                        (c.name.clone(), c.organisation.clone())
                    );
                }
                (
                    DemoKind::Enterprise
                    | DemoKind::Expert
                    | DemoKind::Supervisor
                    | DemoKind::Operator,
                    other,
                ) => panic!("{}: {other:?}", c.cert),
                (_, other) => assert!(other.is_err(), "an authority names no one: {other:?}"),
            }
            // The key files say what they are and hold the certificate's key.
            let key = file(&fabric, &c.key);
            assert!(key.starts_with(b"DEMO MATERIAL - NOT FOR PRODUCTION"));
            let key = PKey::private_key_from_pem(key).unwrap();
            let cert = X509::from_pem(file(&fabric, &c.cert)).unwrap();
            assert!(cert.public_key().unwrap().public_eq(&key), "{}", c.key);
        }
        let algs: Vec<KeyAlgorithm> = m.certificates.iter().map(|c| c.key_algorithm).collect();
        assert!(algs.contains(&KeyAlgorithm::Rsa2048) && algs.contains(&KeyAlgorithm::Sm2));
        // The PKCS#12 files open with the demo password.
        for c in m
            .certificates
            .iter()
            .filter(|c| c.kind == DemoKind::Enterprise)
        {
            let p12 = Pkcs12::from_der(file(&fabric, c.pkcs12.as_deref().unwrap())).unwrap();
            let parsed = p12.parse2(PKCS12_PASSWORD).unwrap();
            assert!(parsed.pkey.is_some() && parsed.cert.is_some());
            assert_eq!(parsed.ca.map(|s| s.len()), Some(2));
        }
    }

    #[test]
    fn the_fabric_validates_and_the_revoked_enterprise_is_revoked() {
        let now = Utc::now();
        let fabric = build(&leagues(&["GX"]), now).unwrap();
        let m = &fabric.manifest;
        let cert = |kind| {
            let c = m.certificates.iter().find(|c| c.kind == kind).unwrap();
            X509::from_pem(file(&fabric, &c.cert)).unwrap()
        };
        let trust = TrustMaterial {
            // The league's root, and the platform's staff CA for its operator.
            anchors: vec![cert(DemoKind::RootCa), cert(DemoKind::StaffCa)],
            intermediates: vec![cert(DemoKind::EnterpriseCa), cert(DemoKind::PersonalCa)],
            crls: m
                .crls
                .iter()
                .map(|c| X509Crl::from_pem(file(&fabric, &c.path)).unwrap())
                .collect(),
            ..TrustMaterial::default()
        };
        for c in &m.certificates {
            let purpose = match c.kind {
                DemoKind::TimestampAuthority => Purpose::TimeStamping,
                _ => Purpose::Signing,
            };
            let report = validate(file(&fabric, &c.cert), &trust, now, purpose);
            let expected = match (c.kind, c.revoked) {
                (
                    DemoKind::RootCa
                    | DemoKind::EnterpriseCa
                    | DemoKind::PersonalCa
                    | DemoKind::StaffCa,
                    _,
                ) => continue,
                (_, true) => (Indication::Failed, Some(SubIndication::Revoked)),
                (_, false) => (Indication::Passed, None),
            };
            assert_eq!(
                (report.decision.indication, report.decision.sub_indication),
                expected,
                "{}: {report:?}",
                c.cert
            );
        }
        assert_eq!(m.certificates.iter().filter(|c| c.revoked).count(), 1);
        // The CRLs are current for 30 days and then lapse.
        let later = now + Duration::days(CRL_DAYS + 1);
        let good = m
            .certificates
            .iter()
            .find(|c| c.kind == DemoKind::Enterprise && !c.revoked)
            .unwrap();
        let report = validate(file(&fabric, &good.cert), &trust, later, Purpose::Signing);
        assert_eq!(
            report.decision.sub_indication,
            Some(SubIndication::TryLater)
        );
    }

    #[test]
    fn every_enterprise_but_the_revoked_one_has_a_seal_that_verifies_and_signs() {
        use crate::seals::{CertRole, DocumentInput, sign, verify_seal, verify_signature};
        let now = Utc::now();
        // NNG has an SM2 enterprise, LZH RSA ones, the rest are P-256.
        let fabric = build(&leagues(&["NNG", "LZH"]), now).unwrap();
        let m = &fabric.manifest;
        let sealed: Vec<&ManifestCertificate> = m
            .certificates
            .iter()
            .filter(|c| c.kind == DemoKind::Enterprise && !c.revoked)
            .collect();
        assert_eq!(m.seals.len(), sealed.len());
        let pem_der = |path: &str| {
            X509::from_pem(file(&fabric, path))
                .unwrap()
                .to_der()
                .unwrap()
        };
        let document = b"bid.pdf: price schedule 1,234,567.89 CNY";
        for c in sealed {
            let seal = m
                .seals
                .iter()
                .find(|s| s.signer_cert == c.cert)
                .unwrap_or_else(|| panic!("no seal for {}", c.cert));
            assert_eq!(Some(seal.credit_code.as_str()), c.credit_code.as_deref());
            assert_eq!(
                seal.path,
                format!("{}/enterprises/{}.seal.der", c.league, seal.credit_code)
            );
            assert_eq!(
                seal.authority_cert,
                format!("{}/seal-authority.cert.pem", c.league)
            );
            assert_eq!(
                (seal.valid_from, seal.valid_to),
                (c.not_before, c.not_after)
            );
            // The callback accepts exactly the seal authority and the holder.
            let (authority, holder) = (pem_der(&seal.authority_cert), pem_der(&c.cert));
            let accept = |der: &[u8], role: CertRole, _: DateTime<Utc>| {
                let expected = match role {
                    CertRole::SealAuthority => &authority,
                    CertRole::Signer => &holder,
                };
                assert_eq!(der, expected.as_slice(), "{role:?} of {}", seal.path);
                crate::pki::policy::Decision {
                    indication: Indication::Passed,
                    sub_indication: None,
                    checks: Vec::new(),
                }
            };
            let der = file(&fabric, &seal.path);
            let report = verify_seal(der, now, accept);
            assert_eq!(
                report.decision.indication,
                Indication::Passed,
                "{}: {report:#?}",
                seal.path
            );
            let details = report.seal.unwrap();
            assert_eq!(details.owner_name.as_deref(), Some(c.name.as_str()));
            assert_eq!(details.credit_code.as_deref(), c.credit_code.as_deref());
            assert_eq!(details.seal_id, seal.es_id);
            assert_eq!(details.seal_type, crate::seals::SealType::Organisation);
            assert_eq!(details.picture_type, "svg");
            assert_eq!(details.listed_certificates, 1);
            // The holder's key signs with the seal; another document fails.
            let key = PKey::private_key_from_pem(file(&fabric, &seal.signer_key)).unwrap();
            let cert = X509::from_pem(file(&fabric, &c.cert)).unwrap();
            let signature = sign(
                der,
                DocumentInput::Bytes(document),
                "bid.pdf",
                now,
                &cert,
                &key,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", seal.path));
            let report = verify_signature(&signature, DocumentInput::Bytes(document), accept);
            assert_eq!(
                report.decision.indication,
                Indication::Passed,
                "{}: {report:#?}",
                seal.path
            );
            let report = verify_signature(
                &signature,
                DocumentInput::Bytes(b"another document"),
                accept,
            );
            assert_ne!(report.decision.indication, Indication::Passed);
        }
        // The picture is an SVG naming the owner, escaped.
        assert!(seal_picture("甲&乙").data.starts_with(b"<svg "));
        assert!(
            String::from_utf8(seal_picture("甲&乙").data)
                .unwrap()
                .contains("甲&amp;乙")
        );
    }

    #[test]
    fn writing_refuses_a_non_empty_directory_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("demo");
        let fabric = build(&leagues(&["GX"]), Utc::now()).unwrap();
        write(&out, &fabric, false).unwrap();
        assert!(out.join("manifest.json").exists());
        assert!(out.join("GX/root-ca.cert.pem").exists());
        let err = write(&out, &fabric, false).unwrap_err().to_string();
        assert!(err.contains("--force"), "{err}");
        std::fs::write(out.join("GX/stale.pem"), "old").unwrap();
        std::fs::write(out.join("keep.txt"), "mine").unwrap();
        write(&out, &fabric, true).unwrap();
        assert!(!out.join("GX/stale.pem").exists());
        assert!(out.join("keep.txt").exists());
        let a_file = out.join("manifest.json");
        assert!(write(&a_file, &fabric, true).is_err());
    }
}
