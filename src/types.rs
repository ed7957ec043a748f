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
