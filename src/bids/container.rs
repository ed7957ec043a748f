//! The bid container: a documented ZIP that any tool can make, holding the
//! bid documents, the machine-readable price schedule and, optionally, the
//! enterprise's seal signature over the documents.
//!
//! # The container
//! A ZIP archive (stored or deflated entries, ZIP64 allowed, no encryption)
//! with, at its root:
//!
//! | name | what |
//! |---|---|
//! | `price-schedule.json` | the price schedule (required; UTF-8 JSON, a leading BOM is tolerated) |
//! | `documents/…` | the bid documents, in any folders below `documents/` (at least one file) |
//! | `seal-signature.der` | optional: a GB/T 38540 `SES_Signature` (DER) over the documents (below) |
//!
//! Nothing else may be in the archive (folder entries for `documents/` and
//! below are allowed and ignored). Entry names are UTF-8 (a tool that
//! writes names in a local code page, e.g. GBK, makes a refused
//! container), relative, with `/` between folders; refused: absolute names
//! (`/x`, `C:…`), `.` and `..` components, empty components (`a//b`),
//! backslashes, control characters and text direction marks, components
//! over 255 bytes, names over 1024 bytes, the same name twice (also when
//! only letter case differs), a name that is both a file and a folder,
//! symbolic links. Limits against zip bombs: at most 10,000 entries, 8 GiB
//! uncompressed in all, and no entry of more than 1 MiB that is more than
//! 250 times its compressed size.
//!
//! # The price schedule
//! ```json
//! {"total_price_fen": 123456789, "duration_days": 180,
//!  "key_terms": {"质保期": "3 年", "付款方式": "按进度"},
//!  "lots": [{"lot": 1, "price_fen": 100000000, "duration_days": 120},
//!           {"lot": 2, "price_fen": 23456789}]}
//! ```
//! `total_price_fen` (integer fen, > 0), `duration_days` (integer, 1 to
//! 36,500), `key_terms` (an object of text to text, in the bidder's order;
//! at most 100; names of 1 to 100 characters, values of at most 2,000; a
//! name may appear once) are required; `lots` is optional: the tender's lot
//! numbers (each once), each with its price (> 0) and optionally its
//! duration, and then the total must be the sum of the lots' prices;
//! `sme` (boolean, default false) declares a small or micro enterprise,
//! whose price government procurement reduces for the evaluation;
//! `sme_share_percent` (integer, 0 to 100, optional) declares the share of
//! the contract a consortium agreement or subcontracting intention gives
//! small and micro enterprises, from 30 reduced by a smaller percentage
//! (财库〔2020〕46号 第9条第二款). No other field is allowed.
//!
//! # The documents digest
//! The **manifest** lists every file under `documents/`, sorted by the
//! bytes of its name, one line each: the lowercase hex SHA-256 of the file,
//! two spaces, the entry name (with the `documents/` prefix), a line feed —
//! exactly what `sha256sum` prints. The **documents digest** is the SHA-256
//! of the manifest. From a folder holding the unpacked container:
//!
//! ```sh
//! find documents -type f | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum
//! ```
//!
//! The seal signature's signed document is the manifest: its `dataHash` is
//! therefore the documents digest for RSA and ECDSA signers (SHA-256 of the
//! manifest), and SM3 of the manifest for SM2 signers.

use crate::error::{FieldError, check_text};
use openssl::sha::Sha256;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::json;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The price schedule's name at the container's root.
pub const SCHEDULE_NAME: &str = "price-schedule.json";
/// The folder the documents are in.
pub const DOCUMENTS_DIR: &str = "documents/";
/// The seal signature's name at the container's root.
pub const SEAL_SIGNATURE_NAME: &str = "seal-signature.der";

const MAX_NAME_BYTES: usize = 1024;
const MAX_COMPONENT_BYTES: usize = 255;
const MAX_FOLDER_DEPTH: usize = 64;
const COPY_BUFFER: usize = 64 * 1024;

/// What reading a container accepts.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_entries: usize,
    /// The most all entries may take uncompressed, in bytes.
    pub max_total_size: u64,
    /// Entries larger than `ratio_floor` bytes may be at most `max_ratio`
    /// times their compressed size.
    pub max_ratio: u64,
    pub ratio_floor: u64,
    pub max_schedule_size: u64,
    pub max_seal_signature_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 10_000,
            max_total_size: 8 << 30,
            max_ratio: 250,
            ratio_floor: 1 << 20,
            max_schedule_size: 1 << 20,
            max_seal_signature_size: 4 << 20,
        }
    }
}

/// Why a price schedule is refused.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScheduleError {
    /// Not JSON, or JSON of the wrong shape (serde's message says where).
    #[error("the price schedule is not valid JSON of the documented form: {0}")]
    Json(String),
    /// Well-formed, but some fields hold values that are not allowed.
    #[error("the price schedule is invalid: {}", describe_fields(.0))]
    Invalid(Vec<FieldError>),
}

fn describe_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why a container is refused.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error("the bid container is not a ZIP archive: {0}")]
    NotZip(String),
    #[error("the bid container is damaged: {0}")]
    Corrupt(String),
    #[error("the bid container has {count} entries; at most {max} are allowed")]
    TooManyEntries { count: usize, max: usize },
    #[error("the bid container has an entry name that is not UTF-8: {0:?}")]
    NonUtf8Name(String),
    #[error("the entry name {name:?} is not allowed: {reason}")]
    UnsafePath { name: String, reason: String },
    #[error("the bid container holds {0} more than once")]
    DuplicateName(String),
    #[error(
        "the bid container holds {name:?}, which is neither {SCHEDULE_NAME}, {SEAL_SIGNATURE_NAME} nor under {DOCUMENTS_DIR}{hint}"
    )]
    UnexpectedEntry { name: String, hint: String },
    #[error("the entry {name:?} cannot be read: {reason}")]
    UnsupportedEntry { name: String, reason: String },
    #[error("the bid container holds more than {max} bytes uncompressed")]
    TooLarge { max: u64 },
    #[error("the entry {name:?} exceeds {max} bytes")]
    EntryTooLarge { name: String, max: u64 },
    #[error(
        "the entry {name:?} expands from {compressed} to {size} bytes (more than {max_ratio} times): refused as a zip bomb"
    )]
    Bomb {
        name: String,
        size: u64,
        compressed: u64,
        max_ratio: u64,
    },
    #[error("the bid container has no {SCHEDULE_NAME} at its root{hint}")]
    MissingSchedule { hint: String },
    #[error(transparent)]
    BadSchedule(#[from] ScheduleError),
    #[error("the bid container has no documents under {DOCUMENTS_DIR}")]
    NoDocuments,
    #[error("reading the documents folder {path}: {reason}")]
    Folder { path: String, reason: String },
    #[error("writing the bid container: {0}")]
    Write(String),
}

impl ContainerError {
    /// A stable machine code for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            ContainerError::NotZip(_) => "container_not_zip",
            ContainerError::Corrupt(_) => "container_corrupt",
            ContainerError::TooManyEntries { .. } => "container_too_many_entries",
            ContainerError::NonUtf8Name(_) => "container_name_not_utf8",
            ContainerError::UnsafePath { .. } => "container_unsafe_path",
            ContainerError::DuplicateName(_) => "container_duplicate_name",
            ContainerError::UnexpectedEntry { .. } => "container_unexpected_entry",
            ContainerError::UnsupportedEntry { .. } => "container_unsupported_entry",
            ContainerError::TooLarge { .. } => "container_too_large",
            ContainerError::EntryTooLarge { .. } => "container_entry_too_large",
            ContainerError::Bomb { .. } => "container_zip_bomb",
            ContainerError::MissingSchedule { .. } => "schedule_missing",
            ContainerError::BadSchedule(_) => "schedule_invalid",
            ContainerError::NoDocuments => "container_no_documents",
            ContainerError::Folder { .. } => "container_folder",
            ContainerError::Write(_) => "container_write",
        }
    }
}

/// `key_terms`: text to text, in the bidder's order, each name once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyTerms(pub Vec<(String, String)>);

impl KeyTerms {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Serialize for KeyTerms {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for KeyTerms {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TermsVisitor;
        impl<'de> Visitor<'de> for TermsVisitor {
            type Value = KeyTerms;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of key terms, each a text")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyTerms, A::Error> {
                let mut terms: Vec<(String, String)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    if terms.iter().any(|(seen, _)| *seen == k) {
                        return Err(de::Error::custom(format!(
                            "the key term {k:?} appears twice"
                        )));
                    }
                    terms.push((k, v));
                }
                Ok(KeyTerms(terms))
            }
        }
        deserializer.deserialize_map(TermsVisitor)
    }
}

/// One lot's price in the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotPrice {
    /// The tender's lot number (1, 2, …).
    pub lot: u32,
    pub price_fen: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<u32>,
}

/// The container with its documents only: no price schedule and no seal,
/// what a blind technical evaluation may read. Entries are copied as they
/// are (not recompressed).
pub fn documents_only(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut archive = ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut out = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i)?;
        if entry.name()?.starts_with(DOCUMENTS_DIR) {
            out.raw_copy_file(entry)?;
        }
    }
    Ok(out.finish()?.into_inner())
}

/// The machine-readable price schedule (`price-schedule.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSchedule {
    pub total_price_fen: i64,
    pub duration_days: u32,
    pub key_terms: KeyTerms,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lots: Vec<LotPrice>,
    /// The bidder declares itself a small or micro enterprise
    /// (中小企业声明函, 财库〔2020〕46号): government procurement then
    /// deducts the tender's percentage from its price for the evaluation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sme: bool,
    /// The share of the contract, in percent, the bid's consortium
    /// agreement or subcontracting intention gives small and micro
    /// enterprises not under the bidder's control (联合协议或者分包意向协议约定
    /// 小微企业的合同份额, 财库〔2020〕46号 第9条第二款): from 30, government
    /// procurement deducts the tender's partnership percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme_share_percent: Option<u32>,
}

pub const MAX_DURATION_DAYS: u32 = 36_500;
pub const MAX_KEY_TERMS: usize = 100;
pub const MAX_KEY_TERM_NAME_CHARS: usize = 100;
pub const MAX_KEY_TERM_VALUE_CHARS: usize = 2_000;
pub const MAX_LOTS: usize = crate::tenders::model::MAX_LOTS;

fn check_duration(errors: &mut Vec<FieldError>, field: &str, days: u32) {
    let range = json!({ "min": 1, "max": MAX_DURATION_DAYS });
    if days == 0 {
        errors
            .push(FieldError::new(field, "must be at least 1 day").because("number.range", range));
    } else if days > MAX_DURATION_DAYS {
        errors.push(
            FieldError::new(field, format!("at most {MAX_DURATION_DAYS} days"))
                .because("number.range", range),
        );
    }
}

impl PriceSchedule {
    /// Reads and validates a schedule from JSON bytes.
    pub fn parse(json: &[u8]) -> Result<PriceSchedule, ScheduleError> {
        let json = json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json);
        let schedule: PriceSchedule =
            serde_json::from_slice(json).map_err(|e| ScheduleError::Json(e.to_string()))?;
        let errors = schedule.validate();
        if errors.is_empty() {
            Ok(schedule)
        } else {
            Err(ScheduleError::Invalid(errors))
        }
    }

    /// The field-level problems of this schedule (none: valid).
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.total_price_fen <= 0 {
            errors.push(
                FieldError::new("total_price_fen", "must be a positive amount in fen")
                    .because("number.positive", json!({})),
            );
        }
        check_duration(&mut errors, "duration_days", self.duration_days);
        if self.key_terms.0.len() > MAX_KEY_TERMS {
            errors.push(
                FieldError::new("key_terms", format!("at most {MAX_KEY_TERMS} key terms"))
                    .because("list.too-many", json!({ "max": MAX_KEY_TERMS })),
            );
        }
        for (name, value) in &self.key_terms.0 {
            let field = format!("key_terms.{name}");
            check_text(&mut errors, &field, name, true, MAX_KEY_TERM_NAME_CHARS);
            check_text(&mut errors, &field, value, false, MAX_KEY_TERM_VALUE_CHARS);
        }
        if self.sme_share_percent.is_some_and(|p| p > 100) {
            errors.push(
                FieldError::new("sme_share_percent", "a share of the contract from 0 to 100")
                    .because("number.range", json!({ "min": 0, "max": 100 })),
            );
        }
        if self.lots.len() > MAX_LOTS {
            errors.push(
                FieldError::new("lots", format!("at most {MAX_LOTS} lots"))
                    .because("list.too-many", json!({ "max": MAX_LOTS })),
            );
        }
        let mut seen = HashSet::new();
        let mut sum: Option<i64> = Some(0);
        for (i, lot) in self.lots.iter().enumerate() {
            if lot.lot == 0 {
                errors.push(
                    FieldError::new(format!("lots[{i}].lot"), "lot numbers start at 1")
                        .because("number.at-least", json!({ "min": 1 })),
                );
            } else if !seen.insert(lot.lot) {
                errors.push(
                    FieldError::new(
                        format!("lots[{i}].lot"),
                        format!("lot {} is priced twice", lot.lot),
                    )
                    .because("list.duplicate", json!({ "value": lot.lot })),
                );
            }
            if lot.price_fen <= 0 {
                errors.push(
                    FieldError::new(
                        format!("lots[{i}].price_fen"),
                        "must be a positive amount in fen",
                    )
                    .because("number.positive", json!({})),
                );
            }
            if let Some(days) = lot.duration_days {
                check_duration(&mut errors, &format!("lots[{i}].duration_days"), days);
            }
            sum = sum.and_then(|s| s.checked_add(lot.price_fen));
        }
        if !self.lots.is_empty() {
            match sum {
                Some(sum) if sum == self.total_price_fen => {}
                Some(sum) => errors.push(
                    FieldError::new(
                        "total_price_fen",
                        format!(
                            "must be the sum of the lots' prices ({sum} fen), not {} fen",
                            self.total_price_fen
                        ),
                    )
                    .because(
                        "bid.total-is-lots-sum",
                        json!({ "sum": crate::reasons::yuan(sum) }),
                    ),
                ),
                None => errors.push(
                    FieldError::new(
                        "lots",
                        "the lots' prices add up to more than can be counted",
                    )
                    .because("bid.lots-sum-overflow", json!({})),
                ),
            }
        }
        errors
    }

    /// The schedule as JSON (what `build` writes).
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain strings and integers cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// One document of the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The entry name, `documents/…`.
    pub path: String,
    pub size: u64,
    pub sha256: [u8; 32],
}

/// The documents of a container, sorted by the bytes of their names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    documents: Vec<Document>,
}

impl Manifest {
    /// A manifest of these documents (sorted here).
    pub fn new(mut documents: Vec<Document>) -> Manifest {
        documents.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        Manifest { documents }
    }

    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    /// The manifest text: `<sha256 hex>  <name>\n` per document.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for d in &self.documents {
            text.push_str(&crate::identity::hex(&d.sha256));
            text.push_str("  ");
            text.push_str(&d.path);
            text.push('\n');
        }
        text
    }

    /// The documents digest: SHA-256 of the manifest text.
    pub fn digest(&self) -> [u8; 32] {
        openssl::sha::sha256(self.text().as_bytes())
    }

    pub fn digest_hex(&self) -> String {
        crate::identity::hex(&self.digest())
    }
}

/// A container read and checked.
#[derive(Debug, Clone)]
pub struct Container {
    pub schedule: PriceSchedule,
    pub manifest: Manifest,
    /// `seal-signature.der`, if present (not verified here).
    pub seal_signature: Option<Vec<u8>>,
}

fn unsafe_path(name: &str, reason: impl Into<String>) -> ContainerError {
    ContainerError::UnsafePath {
        name: name.to_string(),
        reason: reason.into(),
    }
}

/// Checks an entry name (a folder entry ends with `/`) against the rules of
/// the module documentation.
pub fn check_name(name: &str) -> Result<(), ContainerError> {
    if name.is_empty() || name == "/" {
        return Err(unsafe_path(name, "an empty name"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(unsafe_path(
            name,
            format!("longer than {MAX_NAME_BYTES} bytes"),
        ));
    }
    if name.starts_with('/') {
        return Err(unsafe_path(name, "an absolute path"));
    }
    if name.contains('\\') {
        return Err(unsafe_path(name, "a backslash: folders are separated by /"));
    }
    if name.chars().any(char::is_control) {
        return Err(unsafe_path(name, "a control character"));
    }
    // Direction marks and overrides make a name display as another
    // ("invoice\u{202e}fdp.exe" shows as "invoiceexe.pdf").
    if name.chars().any(|c| {
        matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }) {
        return Err(unsafe_path(name, "a text direction control character"));
    }
    if let [letter, b':', ..] = name.as_bytes()
        && letter.is_ascii_alphabetic()
    {
        return Err(unsafe_path(name, "an absolute path (a drive letter)"));
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    for component in trimmed.split('/') {
        match component {
            "" => return Err(unsafe_path(name, "an empty folder name (//)")),
            "." | ".." => {
                return Err(unsafe_path(
                    name,
                    format!("a {component:?} component: names must stay inside the container"),
                ));
            }
            c if c.len() > MAX_COMPONENT_BYTES => {
                return Err(unsafe_path(
                    name,
                    format!("a component longer than {MAX_COMPONENT_BYTES} bytes"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn hint_for(name: &str) -> String {
    if name.ends_with(&format!("/{SCHEDULE_NAME}")) {
        " (the container must hold the folder's contents, not the folder)".into()
    } else {
        String::new()
    }
}

/// Reads and checks a container with the default limits.
pub fn read(bytes: &[u8]) -> Result<Container, ContainerError> {
    read_with_limits(bytes, &Limits::default())
}

/// Reads and checks a container held in memory (see [`read_from`]).
pub fn read_with_limits(bytes: &[u8], limits: &Limits) -> Result<Container, ContainerError> {
    read_from(Cursor::new(bytes), limits)
}

/// Reads and checks a container: its names, its limits, the schedule and
/// the documents (hashed as they are decompressed; not kept), from a file
/// or anything else that can seek.
pub fn read_from<R: Read + Seek>(
    mut input: R,
    limits: &Limits,
) -> Result<Container, ContainerError> {
    // A ZIP made by a tool starts with a local file header (or, empty, with
    // the end record): bytes before it would make another kind of file.
    let mut magic = Vec::with_capacity(4);
    (&mut input)
        .take(4)
        .read_to_end(&mut magic)
        .and_then(|_| input.seek(SeekFrom::Start(0)))
        .map_err(|e| ContainerError::NotZip(format!("it cannot be read: {e}")))?;
    if !(magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06")) {
        return Err(ContainerError::NotZip(
            "it does not start with a ZIP local file header".into(),
        ));
    }
    let mut zip = ZipArchive::new(input).map_err(|e| ContainerError::NotZip(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(ContainerError::TooManyEntries {
            count: zip.len(),
            max: limits.max_entries,
        });
    }
    if zip.has_duplicate_names() {
        return Err(ContainerError::DuplicateName(
            "an entry name (the central directory lists it twice)".into(),
        ));
    }
    let mut schedule: Option<Vec<u8>> = None;
    let mut seal: Option<Vec<u8>> = None;
    let mut documents = Vec::new();
    let mut files: BTreeSet<String> = BTreeSet::new();
    let mut folded: HashMap<String, String> = HashMap::new();
    let mut nested_schedule: Option<String> = None;
    let mut total: u64 = 0;
    let mut buf = vec![0u8; COPY_BUFFER];
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| ContainerError::Corrupt(e.to_string()))?;
        let name = std::str::from_utf8(entry.name_raw())
            .map_err(|_| {
                ContainerError::NonUtf8Name(String::from_utf8_lossy(entry.name_raw()).into_owned())
            })?
            .to_string();
        check_name(&name)?;
        let bare = name.strip_suffix('/').unwrap_or(&name).to_string();
        if let Some(other) = folded.insert(bare.to_lowercase(), bare.clone()) {
            return Err(ContainerError::DuplicateName(if other == bare {
                format!("{bare:?}")
            } else {
                format!("{other:?} and {bare:?}, names that differ only in letter case,")
            }));
        }
        if entry.is_symlink() {
            return Err(ContainerError::UnsupportedEntry {
                name,
                reason: "a symbolic link".into(),
            });
        }
        if entry.encrypted() {
            return Err(ContainerError::UnsupportedEntry {
                name,
                reason: "encrypted ZIP entries are not allowed (the envelope encrypts)".into(),
            });
        }
        if !matches!(
            entry.compression(),
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(ContainerError::UnsupportedEntry {
                reason: format!(
                    "compression {:?}: only stored and deflated entries are read",
                    entry.compression()
                ),
                name,
            });
        }
        if entry.is_dir() {
            if !(format!("{bare}/") == DOCUMENTS_DIR || name.starts_with(DOCUMENTS_DIR)) {
                return Err(ContainerError::UnexpectedEntry {
                    hint: hint_for(&name),
                    name,
                });
            }
            continue;
        }
        enum Kind {
            Schedule,
            Seal,
            Document,
        }
        let kind = if name == SCHEDULE_NAME {
            Kind::Schedule
        } else if name == SEAL_SIGNATURE_NAME {
            Kind::Seal
        } else if name.starts_with(DOCUMENTS_DIR) {
            Kind::Document
        } else {
            if name.ends_with(&format!("/{SCHEDULE_NAME}")) {
                nested_schedule.get_or_insert(name.clone());
            }
            return Err(ContainerError::UnexpectedEntry {
                hint: hint_for(&name),
                name,
            });
        };
        let declared = entry.size();
        let compressed = entry.compressed_size();
        let bomb =
            |size: u64| size > limits.ratio_floor && size / compressed.max(1) >= limits.max_ratio;
        if bomb(declared) {
            return Err(ContainerError::Bomb {
                name,
                size: declared,
                compressed,
                max_ratio: limits.max_ratio,
            });
        }
        let cap = match kind {
            Kind::Schedule => Some(limits.max_schedule_size),
            Kind::Seal => Some(limits.max_seal_signature_size),
            Kind::Document => None,
        };
        if cap.is_some_and(|cap| declared > cap) {
            return Err(ContainerError::EntryTooLarge {
                name,
                max: cap.unwrap_or_default(),
            });
        }
        if total.saturating_add(declared) > limits.max_total_size {
            return Err(ContainerError::TooLarge {
                max: limits.max_total_size,
            });
        }
        // Read what is there, not what the headers say: count every byte.
        let mut hasher = Sha256::new();
        let mut kept = Vec::new();
        let mut size: u64 = 0;
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| ContainerError::Corrupt(format!("{name}: {e}")))?;
            let Some(chunk) = buf.get(..n) else { break };
            if chunk.is_empty() {
                break;
            }
            size += n as u64;
            total += n as u64;
            if total > limits.max_total_size {
                return Err(ContainerError::TooLarge {
                    max: limits.max_total_size,
                });
            }
            if size > declared {
                return Err(ContainerError::Corrupt(format!(
                    "{name} holds more than the {declared} bytes its header declares"
                )));
            }
            if bomb(size) {
                return Err(ContainerError::Bomb {
                    name,
                    size,
                    compressed,
                    max_ratio: limits.max_ratio,
                });
            }
            match kind {
                Kind::Document => hasher.update(chunk),
                _ => kept.extend_from_slice(chunk),
            }
        }
        match kind {
            Kind::Schedule => schedule = Some(kept),
            Kind::Seal => seal = Some(kept),
            Kind::Document => {
                files.insert(name.clone());
                documents.push(Document {
                    path: name,
                    size,
                    sha256: hasher.finish(),
                });
            }
        }
    }
    // A name that is a file cannot also be a folder of other files.
    for file in &files {
        for (i, _) in file.match_indices('/') {
            if let Some(prefix) = file.get(..i)
                && files.contains(prefix)
            {
                return Err(ContainerError::DuplicateName(format!(
                    "{prefix:?} as a file and as a folder"
                )));
            }
        }
    }
    let Some(schedule) = schedule else {
        return Err(ContainerError::MissingSchedule {
            hint: nested_schedule
                .map(|n| format!(" (found {n}: the container must hold the folder's contents)"))
                .unwrap_or_default(),
        });
    };
    let schedule = PriceSchedule::parse(&schedule)?;
    if documents.is_empty() {
        return Err(ContainerError::NoDocuments);
    }
    Ok(Container {
        schedule,
        manifest: Manifest::new(documents),
        seal_signature: seal,
    })
}

fn folder_error(path: &Path, e: impl std::fmt::Display) -> ContainerError {
    ContainerError::Folder {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// The files under `dir`, as (entry name, path), sorted by entry name.
fn document_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, ContainerError> {
    fn walk(
        dir: &Path,
        prefix: &str,
        depth: usize,
        out: &mut Vec<(String, PathBuf)>,
    ) -> Result<(), ContainerError> {
        if depth > MAX_FOLDER_DEPTH {
            return Err(folder_error(
                dir,
                format!("folders nested more than {MAX_FOLDER_DEPTH} deep"),
            ));
        }
        for entry in std::fs::read_dir(dir).map_err(|e| folder_error(dir, e))? {
            let entry = entry.map_err(|e| folder_error(dir, e))?;
            let path = entry.path();
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                return Err(folder_error(&path, "the name is not UTF-8"));
            };
            let kind = entry.file_type().map_err(|e| folder_error(&path, e))?;
            let name = format!("{prefix}{file_name}");
            if kind.is_dir() {
                walk(&path, &format!("{name}/"), depth + 1, out)?;
            } else if kind.is_file() {
                check_name(&name)?;
                out.push((name, path));
            } else {
                return Err(folder_error(
                    &path,
                    "neither a file nor a folder (symbolic links are not followed)",
                ));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, DOCUMENTS_DIR, 0, &mut files)?;
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(files)
}

/// Hashes `input` to its end, passing every byte to `also`.
fn hash_copy(
    mut input: impl Read,
    mut also: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<(u64, [u8; 32])> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; COPY_BUFFER];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf)?;
        let Some(chunk) = buf.get(..n) else { break };
        if chunk.is_empty() {
            break;
        }
        hasher.update(chunk);
        also(chunk)?;
        size += n as u64;
    }
    Ok((size, hasher.finish()))
}

/// The manifest of a folder of documents (its files become
/// `documents/<relative path>`): what the seal signature signs.
pub fn manifest_of_dir(dir: &Path) -> Result<Manifest, ContainerError> {
    let mut documents = Vec::new();
    for (name, path) in document_files(dir)? {
        let file = std::fs::File::open(&path).map_err(|e| folder_error(&path, e))?;
        let (size, sha256) = hash_copy(file, |_| Ok(())).map_err(|e| folder_error(&path, e))?;
        documents.push(Document {
            path: name,
            size,
            sha256,
        });
    }
    if documents.is_empty() {
        return Err(ContainerError::NoDocuments);
    }
    Ok(Manifest::new(documents))
}

/// Builds a container into `out` from a folder of documents, the schedule
/// and an optional seal signature (made over [`manifest_of_dir`]'s text).
/// Returns `out` and the manifest of what was written: if a file changed
/// since the seal signature was made, its digest differs.
pub fn build<W: Write + Seek>(
    documents_dir: &Path,
    schedule: &PriceSchedule,
    seal_signature: Option<&[u8]>,
    out: W,
) -> Result<(W, Manifest), ContainerError> {
    let errors = schedule.validate();
    if !errors.is_empty() {
        return Err(ScheduleError::Invalid(errors).into());
    }
    let files = document_files(documents_dir)?;
    if files.is_empty() {
        return Err(ContainerError::NoDocuments);
    }
    let write_err = |e: &dyn std::fmt::Display| ContainerError::Write(e.to_string());
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(out);
    zip.start_file(SCHEDULE_NAME, deflated)
        .map_err(|e| write_err(&e))?;
    zip.write_all(&schedule.to_json())
        .map_err(|e| write_err(&e))?;
    if let Some(seal) = seal_signature {
        zip.start_file(
            SEAL_SIGNATURE_NAME,
            SimpleFileOptions::default().compression_method(CompressionMethod::Stored),
        )
        .map_err(|e| write_err(&e))?;
        zip.write_all(seal).map_err(|e| write_err(&e))?;
    }
    let mut documents = Vec::new();
    for (name, path) in files {
        let file = std::fs::File::open(&path).map_err(|e| folder_error(&path, e))?;
        let len = file.metadata().map_err(|e| folder_error(&path, e))?.len();
        zip.start_file(name.as_str(), deflated.large_file(len >= 0xFFFF_FFFF))
            .map_err(|e| write_err(&e))?;
        let (size, sha256) =
            hash_copy(file, |chunk| zip.write_all(chunk)).map_err(|e| write_err(&e))?;
        documents.push(Document {
            path: name,
            size,
            sha256,
        });
    }
    let out = zip.finish().map_err(|e| write_err(&e))?;
    Ok((out, Manifest::new(documents)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn schedule() -> PriceSchedule {
        PriceSchedule {
            sme: false,
            sme_share_percent: None,
            total_price_fen: 123_456_789,
            duration_days: 180,
            key_terms: KeyTerms(vec![
                ("质保期".into(), "3 年".into()),
                ("付款方式".into(), "按进度支付".into()),
            ]),
            lots: vec![
                LotPrice {
                    lot: 1,
                    price_fen: 100_000_000,
                    duration_days: Some(120),
                },
                LotPrice {
                    lot: 2,
                    price_fen: 23_456_789,
                    duration_days: None,
                },
            ],
        }
    }

    /// A folder of documents with nested folders and Chinese names.
    fn documents() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("技术标/图纸")).unwrap();
        std::fs::write(dir.path().join("商务标.pdf"), b"%PDF-1.7 commercial").unwrap();
        std::fs::write(dir.path().join("技术标/方案.docx"), b"technical plan").unwrap();
        std::fs::write(dir.path().join("技术标/图纸/总图.dwg"), vec![7u8; 100_000]).unwrap();
        std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
        dir
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            if name.ends_with('/') {
                zip.add_directory(*name, SimpleFileOptions::default())
                    .unwrap();
            } else {
                zip.start_file(
                    *name,
                    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated),
                )
                .unwrap();
                zip.write_all(data).unwrap();
            }
        }
        zip.finish().unwrap().into_inner()
    }

    const GOOD_SCHEDULE: &[u8] =
        br#"{"total_price_fen": 1000, "duration_days": 30, "key_terms": {"warranty": "1 year"}}"#;

    #[test]
    fn a_built_container_reads_back_with_its_manifest() {
        let dir = documents();
        let manifest = manifest_of_dir(dir.path()).unwrap();
        let (out, written) = build(
            dir.path(),
            &schedule(),
            Some(b"SEAL"),
            Cursor::new(Vec::new()),
        )
        .unwrap();
        assert_eq!(manifest, written);
        let container = read(&out.into_inner()).unwrap();
        assert_eq!(container.schedule, schedule());
        assert_eq!(container.manifest, manifest);
        assert_eq!(container.seal_signature.as_deref(), Some(&b"SEAL"[..]));
        let paths: Vec<&str> = manifest
            .documents()
            .iter()
            .map(|d| d.path.as_str())
            .collect();
        // Sorted by bytes: ASCII before the UTF-8 of Chinese names.
        assert_eq!(
            paths,
            [
                "documents/empty.txt",
                "documents/商务标.pdf",
                "documents/技术标/图纸/总图.dwg",
                "documents/技术标/方案.docx",
            ]
        );
        let text = manifest.text();
        assert!(text.starts_with(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  documents/empty.txt\n"
        ));
        assert_eq!(manifest.digest(), openssl::sha::sha256(text.as_bytes()));
    }

    #[test]
    fn the_documents_digest_is_what_the_documented_shell_line_prints() {
        let dir = tempfile::tempdir().unwrap();
        let docs = documents();
        let (out, manifest) =
            build(docs.path(), &schedule(), None, Cursor::new(Vec::new())).unwrap();
        std::fs::write(dir.path().join("bid.zip"), out.into_inner()).unwrap();
        let unzip = Command::new("unzip")
            .args(["-q", "bid.zip", "-d", "x"])
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(unzip.success());
        let out = Command::new("sh")
            .arg("-c")
            .arg("find documents -type f | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum")
            .current_dir(dir.path().join("x"))
            .output()
            .unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            printed.split_whitespace().next(),
            Some(&*manifest.digest_hex())
        );
    }

    #[test]
    fn a_container_made_by_python_and_by_info_zip_reads() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("documents/sub")).unwrap();
        std::fs::write(d.join("documents/a.txt"), "甲").unwrap();
        std::fs::write(d.join("documents/sub/b.bin"), [0u8, 1, 2]).unwrap();
        std::fs::write(d.join(SCHEDULE_NAME), GOOD_SCHEDULE).unwrap();
        let py = Command::new("python3")
            .args([
                "-c",
                "import zipfile\nwith zipfile.ZipFile('py.zip','w',zipfile.ZIP_DEFLATED) as z:\n  \
                 z.write('price-schedule.json')\n  z.write('documents/a.txt')\n  z.write('documents/sub/b.bin')",
            ])
            .current_dir(d)
            .status()
            .unwrap();
        assert!(py.success());
        let zip = Command::new("zip")
            .args(["-q", "-r", "info.zip", SCHEDULE_NAME, "documents"])
            .current_dir(d)
            .status()
            .unwrap();
        assert!(zip.success());
        let expected = manifest_of_dir(&d.join("documents")).unwrap();
        for made in ["py.zip", "info.zip"] {
            let c = read(&std::fs::read(d.join(made)).unwrap()).unwrap();
            assert_eq!(c.manifest, expected, "{made}");
            assert_eq!(c.schedule.total_price_fen, 1000);
            assert!(c.seal_signature.is_none());
        }
    }

    #[test]
    fn unsafe_names_are_refused() {
        for name in [
            "../evil",
            "documents/../../evil",
            "documents/./a",
            "/etc/passwd",
            "C:/x",
            "documents\\a.pdf",
            "documents//a",
            "documents/a\u{7}",
            "documents/invoice\u{202e}fdp.exe",
        ] {
            let zip = zip_of(&[(SCHEDULE_NAME, GOOD_SCHEDULE), (name, b"x")]);
            match read(&zip) {
                Err(ContainerError::UnsafePath { .. }) => {}
                other => panic!("{name:?}: {other:?}"),
            }
        }
        let long = format!("documents/{}", "a".repeat(300));
        assert!(matches!(
            check_name(&long),
            Err(ContainerError::UnsafePath { .. })
        ));
        assert!(check_name("documents/技术标/方案.pdf").is_ok());
        assert!(check_name("documents/").is_ok());
    }

    #[test]
    fn structural_refusals() {
        let doc: (&str, &[u8]) = ("documents/a.pdf", b"pdf");
        let schedule: (&str, &[u8]) = (SCHEDULE_NAME, GOOD_SCHEDULE);
        // Missing schedule, with a hint when the folder itself was zipped.
        assert!(matches!(
            read(&zip_of(&[doc])),
            Err(ContainerError::MissingSchedule { .. })
        ));
        let err = read(&zip_of(&[("bid/price-schedule.json", GOOD_SCHEDULE)])).unwrap_err();
        assert!(err.to_string().contains("not the folder"), "{err}");
        // Anything else at the root.
        assert!(matches!(
            read(&zip_of(&[schedule, doc, ("notes.txt", b"x")])),
            Err(ContainerError::UnexpectedEntry { .. })
        ));
        assert!(matches!(
            read(&zip_of(&[schedule, doc, ("other/", b"")])),
            Err(ContainerError::UnexpectedEntry { .. })
        ));
        // Folder entries under documents/ are fine.
        assert!(read(&zip_of(&[schedule, ("documents/", b""), doc])).is_ok());
        // No documents.
        assert!(matches!(
            read(&zip_of(&[schedule])),
            Err(ContainerError::NoDocuments)
        ));
        // Names differing in case only; a name that is a file and a folder.
        assert!(matches!(
            read(&zip_of(&[schedule, doc, ("documents/A.PDF", b"x")])),
            Err(ContainerError::DuplicateName(_))
        ));
        assert!(matches!(
            read(&zip_of(&[schedule, doc, ("documents/a.pdf/b", b"x")])),
            Err(ContainerError::DuplicateName(_))
        ));
        // Not a ZIP at all, or bytes before it.
        assert!(matches!(read(b""), Err(ContainerError::NotZip(_))));
        assert!(matches!(
            read(b"PK\x03\x04garbage"),
            Err(ContainerError::NotZip(_))
        ));
        let mut prefixed = b"%PDF".to_vec();
        prefixed.extend(zip_of(&[schedule, doc]));
        assert!(matches!(read(&prefixed), Err(ContainerError::NotZip(_))));
    }

    #[test]
    fn the_same_name_twice_is_refused() {
        // The zip crate will not write a name twice: patch a second name
        // into the archive so that the central directory lists it twice.
        let zip = zip_of(&[
            (SCHEDULE_NAME, GOOD_SCHEDULE),
            ("documents/a.pdf", b"one"),
            ("documents/b.pdf", b"two"),
        ]);
        let patched: Vec<u8> = {
            let mut z = zip.clone();
            let needle = b"documents/b.pdf";
            let mut i = 0;
            while i + needle.len() <= z.len() {
                if &z[i..i + needle.len()] == needle {
                    z[i + 10] = b'a';
                }
                i += 1;
            }
            z
        };
        match read(&patched) {
            Err(ContainerError::DuplicateName(_)) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_schedules_are_refused_with_field_errors() {
        let cases: &[(&[u8], &str)] = &[
            (b"{", "not valid JSON"),
            (b"[]", "not valid JSON"),
            (
                br#"{"total_price_fen": 1, "duration_days": 1, "key_terms": {}, "extra": 1}"#,
                "unknown field `extra`",
            ),
            (
                br#"{"total_price_fen": 1.5, "duration_days": 1, "key_terms": {}}"#,
                "not valid JSON",
            ),
            (br#"{"duration_days": 1, "key_terms": {}}"#, "missing field `total_price_fen`"),
            (
                br#"{"total_price_fen": 1, "duration_days": -3, "key_terms": {}}"#,
                "not valid JSON",
            ),
            (
                br#"{"total_price_fen": 0, "duration_days": 0, "key_terms": {}}"#,
                "total_price_fen: must be a positive amount in fen; duration_days: must be at least 1 day",
            ),
            (
                br#"{"total_price_fen": 5, "duration_days": 1, "key_terms": {"a": "1", "a": "2"}}"#,
                "the key term \"a\" appears twice",
            ),
            (
                br#"{"total_price_fen": 5, "duration_days": 1, "key_terms": {" ": "1"}}"#,
                "key_terms. : must not be empty",
            ),
            (
                br#"{"total_price_fen": 5, "duration_days": 1, "key_terms": {},
                    "lots": [{"lot": 1, "price_fen": 2}, {"lot": 1, "price_fen": 2}]}"#,
                "lots[1].lot: lot 1 is priced twice",
            ),
            (
                br#"{"total_price_fen": 5, "duration_days": 1, "key_terms": {},
                    "lots": [{"lot": 1, "price_fen": 2}, {"lot": 2, "price_fen": 2}]}"#,
                "must be the sum of the lots' prices (4 fen), not 5 fen",
            ),
            (
                br#"{"total_price_fen": 5, "duration_days": 1, "key_terms": {},
                    "lots": [{"lot": 1, "price_fen": 9223372036854775807}, {"lot": 2, "price_fen": 9}]}"#,
                "add up to more than can be counted",
            ),
        ];
        for (json, expected) in cases {
            let err = PriceSchedule::parse(json).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "{}: {err}",
                String::from_utf8_lossy(json)
            );
            let zip = zip_of(&[(SCHEDULE_NAME, json), ("documents/a", b"a")]);
            assert!(matches!(read(&zip), Err(ContainerError::BadSchedule(_))));
        }
        // A BOM is tolerated; the order of key terms is kept.
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), GOOD_SCHEDULE].concat();
        let parsed = PriceSchedule::parse(&with_bom).unwrap();
        assert_eq!(parsed.key_terms.get("warranty"), Some("1 year"));
        let round = PriceSchedule::parse(&schedule().to_json()).unwrap();
        assert_eq!(round, schedule());
        assert_eq!(round.key_terms.0[0].0, "质保期");
    }

    #[test]
    fn zip_bombs_and_oversized_containers_are_refused() {
        // 8 MiB of zeros deflate to a few KiB: far past the ratio.
        let zeros = vec![0u8; 8 << 20];
        let zip = zip_of(&[(SCHEDULE_NAME, GOOD_SCHEDULE), ("documents/zeros", &zeros)]);
        assert!(zip.len() < 100_000);
        match read(&zip) {
            Err(ContainerError::Bomb { size, .. }) => assert_eq!(size, 8 << 20),
            other => panic!("{other:?}"),
        }
        // The total cap, on entries that compress normally.
        let mut noise = vec![0u8; 300_000];
        openssl::rand::rand_bytes(&mut noise).unwrap();
        let zip = zip_of(&[
            (SCHEDULE_NAME, GOOD_SCHEDULE),
            ("documents/1", &noise),
            ("documents/2", &noise),
            ("documents/3", &noise),
        ]);
        let limits = Limits {
            max_total_size: 800_000,
            ..Limits::default()
        };
        assert!(matches!(
            read_with_limits(&zip, &limits),
            Err(ContainerError::TooLarge { max: 800_000 })
        ));
        assert!(read(&zip).is_ok());
        let limits = Limits {
            max_entries: 3,
            ..Limits::default()
        };
        assert!(matches!(
            read_with_limits(&zip, &limits),
            Err(ContainerError::TooManyEntries { count: 4, max: 3 })
        ));
    }

    #[test]
    fn a_damaged_entry_is_refused() {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(SCHEDULE_NAME, SimpleFileOptions::default())
            .unwrap();
        zip.write_all(GOOD_SCHEDULE).unwrap();
        let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        zip.start_file("documents/a.txt", stored).unwrap();
        zip.write_all(b"the stored document body").unwrap();
        let zip = zip.finish().unwrap().into_inner();
        assert!(read(&zip).is_ok());
        // Flip a byte of the stored data: the CRC no longer matches.
        let pos = zip
            .windows(b"stored document".len())
            .position(|w| w == b"stored document")
            .unwrap();
        let mut damaged = zip.clone();
        damaged[pos] ^= 0x20;
        match read(&damaged) {
            Err(ContainerError::Corrupt(why)) => assert!(why.contains("documents/a.txt"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn build_refuses_an_invalid_schedule_and_an_empty_folder() {
        let dir = documents();
        let mut bad = schedule();
        bad.total_price_fen = -1;
        assert!(matches!(
            build(dir.path(), &bad, None, Cursor::new(Vec::new())),
            Err(ContainerError::BadSchedule(_))
        ));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            build(empty.path(), &schedule(), None, Cursor::new(Vec::new())),
            Err(ContainerError::NoDocuments)
        ));
        assert!(matches!(
            manifest_of_dir(empty.path()),
            Err(ContainerError::NoDocuments)
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).unwrap();
            assert!(matches!(
                manifest_of_dir(dir.path()),
                Err(ContainerError::Folder { .. })
            ));
        }
    }
}

#[cfg(test)]
mod schedule_shape {
    use super::*;

    /// The opening revokes a bid whose schedule does not parse, so the
    /// bidder's tool must refuse what the opening would: key_terms as an
    /// array (accepted by a blind upload, which cannot read the sealed
    /// container) is refused at packing time, with its field named.
    #[test]
    fn key_terms_must_be_an_object() {
        let array = br#"{"total_price_fen": 100, "duration_days": 10, "key_terms": [["a", "b"]]}"#;
        match PriceSchedule::parse(array) {
            Err(ScheduleError::Json(message)) => {
                assert!(message.contains("an object of key terms"), "{message}")
            }
            other => panic!("an array of key terms must be refused: {other:?}"),
        }
        let object = br#"{"total_price_fen": 100, "duration_days": 10, "key_terms": {"a": "b"}}"#;
        assert!(PriceSchedule::parse(object).is_ok());
    }
}
