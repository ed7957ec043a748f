//! Value types shared across domains, validated when parsed at the edge so
//! that a value of the type cannot hold nonsense.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether text holds a control character other than tab and line breaks
/// (PostgreSQL refuses NUL in text; none of them belongs in a notice).
pub fn has_control_chars(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Declares a newtype id over a UUID string.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }
            /// Parses an id given by a client; anything but a UUID is refused.
            pub fn parse(raw: &str) -> Option<Self> {
                uuid::Uuid::parse_str(raw).ok().map(|u| Self(u.to_string()))
            }
            /// Wraps an id read back from our own database.
            pub fn from_db(raw: String) -> Self {
                Self(raw)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A tender (procurement procedure).
    TenderId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// An organisation: tenderer, agent or bidding enterprise.
    OrganisationId
);
id_type!(
    /// A document uploaded to a tender.
    DocumentId
);
id_type!(
    /// A clarification question.
    ClarificationId
);
id_type!(
    /// An evaluation expert's profile in the shared pool.
    ExpertId
);

/// A league code: 2 to 16 upper-case ASCII letters, digits or '-'.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct LeagueCode(String);

impl LeagueCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok_len = (2..=16).contains(&raw.len());
        let ok_chars = raw
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if ok_len && ok_chars {
            Ok(Self(raw.to_string()))
        } else {
            Err(format!(
                "league code {raw:?} must be 2 to 16 characters of A-Z, 0-9 or '-'"
            ))
        }
    }
    pub fn from_db(raw: String) -> Self {
        Self(raw)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for LeagueCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        LeagueCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for LeagueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// ISO 4217 currency code (three upper-case letters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    pub fn cny() -> Self {
        Self("CNY".into())
    }
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.len() == 3 && raw.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(raw.to_string()))
        } else {
            Err(format!(
                "currency {raw:?} must be an ISO 4217 code such as CNY"
            ))
        }
    }
    pub fn from_db(raw: String) -> Self {
        Self(raw)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Currency::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// An amount of money in fen (1/100 yuan, or the currency's minor unit).
/// Never negative; never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Integer amount in the minor unit (fen for CNY).
    #[schema(minimum = 0)]
    pub amount_fen: i64,
    #[schema(value_type = String, pattern = "^[A-Z]{3}$", example = "CNY")]
    pub currency: Currency,
}

impl Money {
    pub fn validate(&self) -> Result<(), String> {
        if self.amount_fen < 0 {
            return Err("amount_fen must not be negative".into());
        }
        Ok(())
    }
    /// Major units as a decimal number, for formats that want one (OCDS).
    pub fn major_units(&self) -> serde_json::Number {
        let text = format!("{}.{:02}", self.amount_fen / 100, self.amount_fen % 100);
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .unwrap_or_else(|| serde_json::Number::from(self.amount_fen / 100))
    }
}

/// A unified social credit code (统一社会信用代码, GB 32100-2015): 18
/// characters with a check digit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct CreditCode(String);

const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The GB 32100 check character for the first 17 characters of a code;
/// `None` if one of them is outside the alphabet.
fn credit_check_char(first17: &[char]) -> Option<char> {
    let sum = first17
        .iter()
        .zip(CREDIT_WEIGHTS)
        .map(|(c, w)| CREDIT_ALPHABET.find(*c).map(|v| v as u32 * w))
        .sum::<Option<u32>>()?;
    CREDIT_ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize)
}

impl CreditCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let chars: Vec<char> = raw.chars().collect();
        if chars.len() != 18 {
            return Err(format!(
                "unified social credit code {raw:?} must have 18 characters"
            ));
        }
        if let Some(c) = chars.iter().find(|c| !CREDIT_ALPHABET.contains(**c)) {
            return Err(format!(
                "unified social credit code {raw:?} has a character outside GB 32100: {c:?}"
            ));
        }
        if credit_check_char(&chars[..17]) != Some(chars[17]) {
            return Err(format!(
                "unified social credit code {raw:?} has a wrong check digit"
            ));
        }
        Ok(Self(raw.to_string()))
    }
    /// Completes the first 17 characters with their check character (used
    /// by the demo data and tests to make valid codes).
    pub fn with_check_digit(first17: &str) -> Result<Self, String> {
        let chars: Vec<char> = first17.chars().collect();
        if chars.len() != 17 {
            return Err("need 17 characters".into());
        }
        let check = credit_check_char(&chars).ok_or("invalid character")?;
        Self::parse(&format!("{first17}{check}"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        CreditCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A resident identity number (公民身份号码, GB 11643-1999): a six-digit
/// address code, the birth date as YYYYMMDD, a three-digit sequence number
/// and a check character by ISO 7064 MOD 11-2 ('X' stands for 10).
///
/// A lower-case 'x' is accepted and stored upper-case. The birth date must be
/// a calendar date from 1900 on; whether it lies in the past depends on the
/// clock, so callers that care compare [`ResidentId::birth_date`] with it.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, pattern = "^[0-9]{17}[0-9X]$")]
pub struct ResidentId(String);

const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Province-level address codes (GB/T 2260), plus 81 to 83 used by the
/// residence permits of Hong Kong, Macao and Taiwan residents.
const RESIDENT_PROVINCES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

/// The ISO 7064 MOD 11-2 check character of 17 digits; `None` if one of
/// them is not an ASCII digit.
fn resident_check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let sum = first17
        .iter()
        .zip(RESIDENT_WEIGHTS)
        .map(|(b, w)| b.is_ascii_digit().then(|| u32::from(b - b'0') * w))
        .sum::<Option<u32>>()?;
    match (12 - sum % 11) % 11 {
        10 => Some('X'),
        n => char::from_digit(n, 10),
    }
}

impl ResidentId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let normal = raw.replace('x', "X");
        let bytes = normal.as_bytes();
        if bytes.len() != 18 || normal.chars().count() != 18 {
            return Err(format!(
                "resident identity number {raw:?} must have 18 characters"
            ));
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(format!(
                "resident identity number {raw:?} must be 17 digits and a digit or 'X'"
            ));
        }
        if !RESIDENT_PROVINCES.contains(&&normal[..2]) {
            return Err(format!(
                "resident identity number {raw:?} has no valid province code ({})",
                &normal[..2]
            ));
        }
        let birth = chrono::NaiveDate::parse_from_str(&normal[6..14], "%Y%m%d")
            .ok()
            .filter(|d| chrono::Datelike::year(d) >= 1900);
        if birth.is_none() {
            return Err(format!(
                "resident identity number {raw:?} has an impossible birth date ({})",
                &normal[6..14]
            ));
        }
        if resident_check_char(&bytes[..17]) != Some(char::from(bytes[17])) {
            return Err(format!(
                "resident identity number {raw:?} has a wrong check character"
            ));
        }
        Ok(Self(normal))
    }

    /// Completes 17 digits with their check character (used by the demo
    /// data and tests to make valid numbers).
    pub fn with_check_char(first17: &str) -> Result<Self, String> {
        let check = resident_check_char(first17.as_bytes()).ok_or("need 17 ASCII digits")?;
        Self::parse(&format!("{first17}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date the number encodes.
    pub fn birth_date(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d")
            .unwrap_or(chrono::NaiveDate::MIN)
    }

    /// The number with the birth date and sequence hidden, for logs and
    /// screens: `450103********101X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// Debug shows the masked form: the number is personal data.
impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ResidentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        ResidentId::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Declares an enum stored and sent as stable snake_case text codes. The
/// code given for each variant must be its name in snake_case (serde and the
/// OpenAPI document derive it that way; a test checks they agree).
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),*
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// Reads a code stored by us; an unknown one means a broken row.
            pub fn from_db(code: &str) -> Result<Self, crate::error::AppError> {
                Self::from_code(code).ok_or_else(|| {
                    crate::error::AppError::Internal(anyhow::anyhow!(
                        "unknown {} code in the database: {code:?}",
                        stringify!($name)
                    ))
                })
            }
        }
    };
}
pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_code_check_digit() {
        // A published example code (check digit 'X' computed per GB 32100).
        let code = CreditCode::with_check_digit("91350100M000100Y4").unwrap();
        assert_eq!(code.as_str().len(), 18);
        assert!(CreditCode::parse(code.as_str()).is_ok());
        let mut wrong = code.as_str().to_string();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '0' { '1' } else { '0' });
        assert!(CreditCode::parse(&wrong).is_err());
        assert!(CreditCode::parse("short").is_err());
        assert!(
            CreditCode::parse("91350100M000100Y4I").is_err(),
            "I is not in the alphabet"
        );
    }

    #[test]
    fn known_credit_code_verifies() {
        // Check digit of a real-world format code, computed by hand:
        // 91110000600037341L is a widely published valid code.
        assert!(CreditCode::parse("91110000600037341L").is_ok());
    }

    #[test]
    fn resident_id_check_character() {
        // The sample number printed in GB 11643-1999 itself.
        let sample = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(
            sample.birth_date(),
            chrono::NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(sample.masked(), "110105********002X");
        assert!(!format!("{sample:?}").contains("19491231"));
        assert_eq!(
            ResidentId::with_check_char("11010519491231002").unwrap(),
            sample
        );
        // A lower-case x is the same number.
        assert_eq!(ResidentId::parse("11010519491231002x").unwrap(), sample);
        // Every other last character is refused.
        for c in "0123456789".chars() {
            assert!(ResidentId::parse(&format!("11010519491231002{c}")).is_err());
        }
        // A check digit 0 (sum = 1 mod 11) and a plain digit both verify.
        let n = ResidentId::with_check_char("45010319750312101").unwrap();
        assert!(ResidentId::parse(n.as_str()).is_ok());
    }

    #[test]
    fn resident_id_refusals() {
        let refused = |raw: &str, why: &str| {
            let err = ResidentId::parse(raw).unwrap_err();
            assert!(err.contains(why), "{raw}: {err}");
        };
        refused("1101051949123100", "18 characters");
        refused("11010519491231002XX", "18 characters");
        refused("11010519491231002Y", "17 digits");
        refused("1101051949123100X2", "17 digits");
        refused("１1010519491231002X", "18 characters");
        refused("00010519491231002X", "province");
        refused("110105194902300021", "birth date");
        refused("110105189912310021", "birth date");
        refused("110105194912310021", "check character");
        assert!(ResidentId::with_check_char("1101051949123100").is_err());
        assert!(ResidentId::with_check_char("1101051949123100A").is_err());
        assert!(serde_json::from_str::<ResidentId>("\"110105194912310021\"").is_err());
        let ok: ResidentId = serde_json::from_str("\"11010519491231002X\"").unwrap();
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            "\"11010519491231002X\""
        );
    }

    #[test]
    fn league_codes() {
        assert!(LeagueCode::parse("NN01").is_ok());
        assert!(LeagueCode::parse("nn01").is_err());
        assert!(LeagueCode::parse("N").is_err());
        assert!(LeagueCode::parse("NN01'; DROP").is_err());
    }

    #[test]
    fn money_major_units() {
        let m = Money {
            amount_fen: 123456,
            currency: Currency::cny(),
        };
        assert_eq!(m.major_units().to_string(), "1234.56");
        let m = Money {
            amount_fen: 5,
            currency: Currency::cny(),
        };
        assert_eq!(m.major_units().to_string(), "0.05");
    }

    #[test]
    fn ids_parse_only_uuids() {
        assert!(TenderId::parse("not-a-uuid").is_none());
        let id = TenderId::new();
        assert_eq!(TenderId::parse(id.as_str()), Some(id));
    }
}
