//! The rules of a contract, in pure code: which terms may be edited and
//! how they are checked, the performance bond's ceiling, the document both
//! parties sign, who signs as which party, and the clocks (signature within
//! 30 days of the award, publication of a government procurement contract
//! within 2 working days of its signing). No database, no clock: time is a
//! parameter.

use crate::error::{AppError, FieldError, check_text};
use crate::tenders::model::Category;
use crate::types::text_enum;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The version of the signed document's JSON ([`Document`]).
pub const DOCUMENT_FORMAT: &str = "ggzy-contract-v1";

/// The media type the document is served with.
pub const DOCUMENT_MEDIA_TYPE: &str = "application/json";

/// The media type a party's CMS signature is served with (detached
/// SignedData, DER).
pub const SIGNATURE_MEDIA_TYPE: &str = "application/pkcs7-signature";

/// The performance bond may not exceed this share of the contract value,
/// in per cent: 政府采购法实施条例 第48条 ("履约保证金的数额不得超过政府采购
/// 合同金额的10%"), 招标投标法实施条例 第58条 ("履约保证金不得超过中标合同
/// 金额的10%").
pub const BOND_CEILING_PERCENT: i64 = 10;

/// Days after the notice of award within which the contract is signed:
/// 招标投标法 第46条 ("自中标通知书发出之日起三十日内"), 政府采购法 第46条
/// ("自中标、成交通知书发出之日起三十日内"). Calendar days.
pub const SIGN_WITHIN_DAYS: i64 = 30;

/// Working days after signing within which a government procurement
/// contract is published: 政府采购法实施条例 第50条 ("自政府采购合同签订之日
/// 起2个工作日内").
pub const PUBLISH_WITHIN_WORKING_DAYS: u32 = 2;

/// The most free clauses a contract holds, and their length.
pub const MAX_CLAUSES: usize = 100;
pub const MAX_CLAUSE_CHARS: usize = 5000;

text_enum! {
    /// Where a contract stands.
    pub enum Status {
        /// Terms editable by the tender's managers.
        Draft = "draft",
        /// One party has signed: the document is frozen.
        Signing = "signing",
        /// Both parties have signed.
        Signed = "signed",
        /// Signed and published.
        Published = "published",
    }
}

text_enum! {
    /// A party to the contract.
    pub enum Party {
        /// The purchaser or tenderer (采购人 / 招标人).
        Purchaser = "purchaser",
        /// The winning supplier or bidder (中标人 / 成交供应商).
        Supplier = "supplier",
    }
}

/// The performance period (履行期限).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformancePeriod {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The terms the tender's managers edit while the contract is a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// The contract's title; by default the tender's title (and lot).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: String,
    /// What is supplied or built (合同标的).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub subject: String,
    #[serde(default)]
    pub performance_period: Option<PerformancePeriod>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub payment_terms: String,
    /// Where the contract is performed.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub place: String,
    /// The performance bond (履约保证金), in fen: at most 10 % of the value.
    #[serde(default)]
    pub performance_bond_fen: Option<i64>,
    /// Further clauses, numbered from 1 in this order.
    #[serde(default)]
    pub clauses: Vec<String>,
}

/// A draft or an edit: the terms, and what is fixed by the award, which a
/// body may repeat but not change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub subject: String,
    #[serde(default)]
    pub performance_period: Option<PerformancePeriod>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub payment_terms: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub place: String,
    /// In fen: at most 10 % of the value (政府采购法实施条例 第48条,
    /// 招标投标法实施条例 第58条).
    #[serde(default)]
    pub performance_bond_fen: Option<i64>,
    #[serde(default)]
    pub clauses: Vec<String>,
    /// Fixed by the award: refused if it differs (招标投标法实施条例 第57条).
    #[serde(default)]
    pub value_fen: Option<i64>,
    /// Fixed by the award.
    #[serde(default)]
    pub supplier_org_id: Option<String>,
    /// Fixed by the award.
    #[serde(default)]
    pub lot: Option<i32>,
}

impl TermsInput {
    /// The editable terms it gives.
    pub fn terms(&self) -> Terms {
        Terms {
            title: self.title.clone(),
            subject: self.subject.clone(),
            performance_period: self.performance_period.clone(),
            payment_terms: self.payment_terms.clone(),
            place: self.place.clone(),
            performance_bond_fen: self.performance_bond_fen,
            clauses: self.clauses.clone(),
        }
    }
}

/// What the award fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed<'a> {
    pub value_fen: i64,
    pub supplier_org_id: &'a str,
    pub lot: i32,
}

/// Whether `bond` is within the ceiling for `value` (both in fen).
pub fn bond_within_ceiling(bond: i64, value: i64) -> bool {
    // bond <= value × 10 %, in integers: bond × 100 <= value × 10.
    i128::from(bond) * 100 <= i128::from(value) * i128::from(BOND_CEILING_PERCENT)
}

/// Checks a draft's or an edit's terms against what the award fixed.
pub fn validate(input: &TermsInput, fixed: &Fixed<'_>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(value) = input.value_fen
        && value != fixed.value_fen
    {
        errors.push(
            FieldError::new(
                "value_fen",
                format!(
                    "the contract value is the award's, {} fen, and cannot be changed: the price \
                     of the contract must agree with the winning bid (招标投标法实施条例 第57条; \
                     政府采购法 第46条: 按照采购文件确定的事项签订)",
                    fixed.value_fen
                ),
            )
            .because(
                "contract.value-fixed",
                json!({ "value": crate::reasons::yuan(fixed.value_fen) }),
            ),
        );
    }
    if let Some(supplier) = &input.supplier_org_id
        && supplier != fixed.supplier_org_id
    {
        errors.push(
            FieldError::new(
                "supplier_org_id",
                "the supplier is the award's winner and cannot be changed",
            )
            .because("contract.supplier-fixed", json!({})),
        );
    }
    if let Some(lot) = input.lot
        && lot != fixed.lot
    {
        errors.push(
            FieldError::new(
                "lot",
                format!("the contract is for lot {} of its award", fixed.lot),
            )
            .because("contract.lot-fixed", json!({ "lot": fixed.lot })),
        );
    }
    let t = &input.terms();
    check_text(&mut errors, "title", &t.title, false, 200);
    check_text(&mut errors, "subject", &t.subject, false, 5000);
    check_text(&mut errors, "payment_terms", &t.payment_terms, false, 5000);
    check_text(&mut errors, "place", &t.place, false, 500);
    if let Some(p) = &t.performance_period
        && p.end < p.start
    {
        errors.push(
            FieldError::new(
                "performance_period.end",
                "the performance period ends before it starts",
            )
            .because("time.end-before-start", json!({})),
        );
    }
    if let Some(bond) = t.performance_bond_fen {
        if bond < 0 {
            errors.push(
                FieldError::new(
                    "performance_bond_fen",
                    "the performance bond cannot be negative",
                )
                .because("number.not-negative", json!({})),
            );
        } else if !bond_within_ceiling(bond, fixed.value_fen) {
            errors.push(
                FieldError::new(
                    "performance_bond_fen",
                    format!(
                        "the performance bond may not exceed 10 % of the contract value ({} fen \
                         at most for {} fen): 政府采购法实施条例 第48条, 招标投标法实施条例 第58条",
                        fixed.value_fen / 10,
                        fixed.value_fen
                    ),
                )
                .because(
                    "contract.bond-ceiling",
                    json!({
                        "max": crate::reasons::yuan(fixed.value_fen / 10),
                        "value": crate::reasons::yuan(fixed.value_fen),
                    }),
                ),
            );
        }
    }
    if t.clauses.len() > MAX_CLAUSES {
        errors.push(
            FieldError::new("clauses", format!("at most {MAX_CLAUSES} clauses"))
                .because("list.too-many", json!({ "max": MAX_CLAUSES })),
        );
    }
    for (i, clause) in t.clauses.iter().enumerate() {
        check_text(
            &mut errors,
            &format!("clauses[{i}]"),
            clause,
            true,
            MAX_CLAUSE_CHARS,
        );
    }
    errors
}

/// A party as the document names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PartyInfo {
    pub organisation_id: String,
    pub name: String,
    /// 统一社会信用代码, where the platform knows it.
    pub unified_social_credit_code: Option<String>,
}

/// The tender as the document names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenderInfo {
    pub id: String,
    pub reference: String,
    pub title: String,
}

/// What both parties sign: the contract as canonical JSON (pretty-printed
/// UTF-8, fields in this order). Once the first party signs, these bytes
/// are kept and never rendered again.
#[derive(Debug, Clone, Serialize)]
pub struct Document<'a> {
    /// [`DOCUMENT_FORMAT`].
    pub format: &'static str,
    pub contract_id: &'a str,
    pub award_id: &'a str,
    pub tender: &'a TenderInfo,
    /// 0 for a tender without lots.
    pub lot: i32,
    pub purchaser: &'a PartyInfo,
    pub supplier: &'a PartyInfo,
    pub value_fen: i64,
    pub currency: &'a str,
    pub terms: &'a Terms,
    pub legal_basis: [&'static str; 2],
}

/// Where the law on contracts is, as the document cites it.
pub const LEGAL_BASIS: [&str; 2] = [
    "《中华人民共和国招标投标法》第四十六条",
    "《中华人民共和国政府采购法》第四十六条",
];

impl Document<'_> {
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain structs and strings cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// The party `org` signs for: the purchaser's organisation, or the
/// supplier's. `None` for anyone else (an agent, another enterprise).
pub fn party_of(org: Option<&str>, purchaser_org: &str, supplier_org: &str) -> Option<Party> {
    match org {
        Some(o) if o == purchaser_org => Some(Party::Purchaser),
        Some(o) if o == supplier_org => Some(Party::Supplier),
        _ => None,
    }
}

/// The status after `party` signs a contract signed so far by `signed`.
pub fn after_signature(signed: &[Party], party: Party) -> Status {
    let both = [Party::Purchaser, Party::Supplier]
        .iter()
        .all(|p| *p == party || signed.contains(p));
    if both {
        Status::Signed
    } else {
        Status::Signing
    }
}

/// Whether the category's contracts must be published by a legal time
/// (government procurement: 政府采购法实施条例 第50条). Other categories
/// publish when the purchaser chooses.
pub fn publication_required(category: Category) -> bool {
    category == Category::GovernmentProcurement
}

/// What the overdue checks look at for one contract (or one award without
/// a contract).
#[derive(Debug, Clone)]
pub struct ClockFacts {
    pub award_id: String,
    pub awarded_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    pub publish_by: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A clock that has run out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overdue {
    /// No contract signed 30 days after the award.
    NotSigned {
        award_id: String,
        due: DateTime<Utc>,
    },
    /// A government procurement contract not published by its time.
    NotPublished {
        award_id: String,
        due: DateTime<Utc>,
    },
}

/// The clocks of `f` that have run out at `now`.
pub fn overdue(f: &ClockFacts, now: DateTime<Utc>) -> Vec<Overdue> {
    let mut out = Vec::new();
    let sign_due = f.awarded_at + Duration::days(SIGN_WITHIN_DAYS);
    let signed_in_time = f.signed_at.is_some_and(|s| s <= sign_due);
    if now > sign_due && !signed_in_time {
        out.push(Overdue::NotSigned {
            award_id: f.award_id.clone(),
            due: sign_due,
        });
    }
    if let Some(due) = f.publish_by {
        let published_in_time = f.published_at.is_some_and(|p| p <= due);
        if now > due && !published_in_time {
            out.push(Overdue::NotPublished {
                award_id: f.award_id.clone(),
                due,
            });
        }
    }
    out
}

/// The clauses the public reads: all but those `withheld` (numbers from 1).
pub fn public_clauses(clauses: &[String], withheld: &[u32]) -> Vec<(u32, String)> {
    clauses
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let n = u32::try_from(i + 1).ok()?;
            (!withheld.contains(&n)).then(|| (n, c.clone()))
        })
        .collect()
}

/// Checks the clause numbers the purchaser withholds from publication.
pub fn validate_withheld(withheld: &[u32], clauses: usize) -> Vec<FieldError> {
    withheld
        .iter()
        .enumerate()
        .filter(|(_, n)| **n == 0 || **n as usize > clauses)
        .map(|(i, n)| {
            FieldError::new(
                format!("withheld_clauses[{i}]"),
                format!("the contract has no clause {n} (it has {clauses})"),
            )
            .because(
                "contract.no-such-clause",
                json!({ "clause": n, "clauses": clauses }),
            )
        })
        .collect()
}

/// Whether an awarded procedure may still fail (be run again): while no
/// contract of it is signed by both parties. The winner refusing to sign
/// (政府采购法实施条例 第49条; 招标投标法实施条例 第55条) or a complaint
/// upheld (财政部令第94号 第32条) sends it back; a signed contract is
/// performed or ended under the contract's own law instead.
pub fn failable_after_award(statuses: &[Option<Status>]) -> Result<(), AppError> {
    let signed = statuses
        .iter()
        .filter(|s| matches!(s, Some(Status::Signed | Status::Published)))
        .count();
    if signed == 0 {
        return Ok(());
    }
    Err(AppError::Conflict(format!(
        "{signed} contract(s) of this award are signed by both parties: the procedure no longer \
         fails; a signed contract is performed or ended under its own terms (民法典 合同编)"
    ))
    .because("contract.signed-no-fail", json!({ "signed": signed })))
}

/// Whether a tender whose awards have contracts in `statuses` (one entry
/// per award: its contract's status, `None` for none yet) may close: the
/// procedure's record ends with its contracts, so each award's must be
/// signed by both parties (招标投标法 第46条, 政府采购法 第46条: the
/// contract follows the award within 30 days) and, where the category
/// publishes contracts, published (政府采购法实施条例 第50条). Closing is
/// the platform's act of filing the procedure away, not a legal step of its
/// own: this is the platform's rule, taken from those articles. Returns
/// why not.
pub fn closable(category: Category, statuses: &[Option<Status>]) -> Result<(), AppError> {
    let needed = if publication_required(category) {
        Status::Published
    } else {
        Status::Signed
    };
    let open = statuses
        .iter()
        .filter(|s| match s {
            None => true,
            Some(Status::Published) => false,
            Some(Status::Signed) => needed == Status::Published,
            Some(_) => true,
        })
        .count();
    if open == 0 {
        return Ok(());
    }
    Err(AppError::Conflict(format!(
        "{open} of the {} award(s) has no contract {} yet: the procedure closes with its \
         contracts (招标投标法 第46条; 政府采购法 第46条{})",
        statuses.len(),
        if needed == Status::Published {
            "signed and published"
        } else {
            "signed by both parties"
        },
        if needed == Status::Published {
            "; 政府采购法实施条例 第50条"
        } else {
            ""
        }
    ))
    .because(
        if needed == Status::Published {
            "contract.close-needs-published"
        } else {
            "contract.close-needs-signed"
        },
        json!({ "open": open, "awards": statuses.len() }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_awarded_procedure_fails_only_before_a_contract_is_signed() {
        use Status::*;
        assert!(failable_after_award(&[]).is_ok());
        assert!(failable_after_award(&[None, Some(Draft), Some(Signing)]).is_ok());
        assert!(failable_after_award(&[None, Some(Signed)]).is_err());
        assert!(failable_after_award(&[Some(Published)]).is_err());
    }

    #[test]
    fn a_procedure_closes_with_its_contracts() {
        use Status::*;
        let gp = Category::GovernmentProcurement;
        let works = Category::EngineeringConstruction;
        assert!(closable(gp, &[]).is_ok());
        assert!(closable(gp, &[Some(Published), Some(Published)]).is_ok());
        let refused = closable(gp, &[Some(Published), Some(Signed)]).unwrap_err();
        let why = refused.to_string();
        assert!(why.starts_with("1 of the 2"), "{why}");
        assert!(why.contains("第50条"), "{why}");
        assert_eq!(
            refused.reason().map(|(r, p)| (r, p.clone())),
            Some((
                "contract.close-needs-published",
                json!({ "open": 1, "awards": 2 })
            ))
        );
        assert!(closable(gp, &[None]).is_err());
        assert!(closable(works, &[Some(Signed)]).is_ok());
        assert!(closable(works, &[Some(Published)]).is_ok());
        for open in [None, Some(Draft), Some(Signing)] {
            assert!(closable(works, &[open]).is_err(), "{open:?}");
        }
    }

    fn fixed() -> Fixed<'static> {
        Fixed {
            value_fen: 90_000_000,
            supplier_org_id: "o1",
            lot: 0,
        }
    }

    fn input(t: Terms) -> TermsInput {
        TermsInput {
            title: t.title,
            subject: t.subject,
            performance_period: t.performance_period,
            payment_terms: t.payment_terms,
            place: t.place,
            performance_bond_fen: t.performance_bond_fen,
            clauses: t.clauses,
            ..TermsInput::default()
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn the_bond_may_reach_ten_per_cent_and_no_more() {
        assert!(bond_within_ceiling(0, 0));
        assert!(bond_within_ceiling(9_000_000, 90_000_000));
        assert!(!bond_within_ceiling(9_000_001, 90_000_000));
        // Odd values: 10 % of 15 fen is 1.5 fen; 1 fen passes, 2 do not.
        assert!(bond_within_ceiling(1, 15));
        assert!(!bond_within_ceiling(2, 15));
        assert!(bond_within_ceiling(i64::MAX / 10, i64::MAX));
        let mut t = Terms {
            performance_bond_fen: Some(9_000_001),
            ..Terms::default()
        };
        let errors = validate(&input(t.clone()), &fixed());
        assert_eq!(fields(&errors), ["performance_bond_fen"]);
        assert!(
            errors[0].message.contains("第48条"),
            "{}",
            errors[0].message
        );
        assert!(errors[0].message.contains("第58条"));
        t.performance_bond_fen = Some(9_000_000);
        assert!(validate(&input(t.clone()), &fixed()).is_empty());
        t.performance_bond_fen = Some(-1);
        assert_eq!(
            fields(&validate(&input(t), &fixed())),
            ["performance_bond_fen"]
        );
    }

    #[test]
    fn what_the_award_fixed_may_be_repeated_but_not_changed() {
        let mut i = input(Terms::default());
        i.value_fen = Some(90_000_000);
        i.supplier_org_id = Some("o1".into());
        i.lot = Some(0);
        assert!(validate(&i, &fixed()).is_empty());
        i.value_fen = Some(89_999_999);
        i.supplier_org_id = Some("o2".into());
        i.lot = Some(1);
        let errors = validate(&i, &fixed());
        assert_eq!(fields(&errors), ["value_fen", "supplier_org_id", "lot"]);
        assert!(errors[0].message.contains("第57条"));
    }

    #[test]
    fn terms_are_checked() {
        let t = Terms {
            title: "x".repeat(201),
            performance_period: Some(PerformancePeriod {
                start: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
                end: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            }),
            clauses: vec!["好".into(), " ".into()],
            ..Terms::default()
        };
        assert_eq!(
            fields(&validate(&input(t), &fixed())),
            ["title", "performance_period.end", "clauses[1]"]
        );
        let many = Terms {
            clauses: vec!["c".into(); MAX_CLAUSES + 1],
            ..Terms::default()
        };
        assert_eq!(fields(&validate(&input(many), &fixed())), ["clauses"]);
    }

    #[test]
    fn the_document_is_canonical_json_of_a_named_format() {
        let tender = TenderInfo {
            id: "t1".into(),
            reference: "NNG-1".into(),
            title: "采购".into(),
        };
        let p = PartyInfo {
            organisation_id: "p".into(),
            name: "南宁市教育局".into(),
            unified_social_credit_code: None,
        };
        let s = PartyInfo {
            organisation_id: "s".into(),
            name: "广西第二建设有限公司".into(),
            unified_social_credit_code: Some("91450100MA5T0003C".into()),
        };
        let terms = Terms {
            title: "合同".into(),
            ..Terms::default()
        };
        let doc = Document {
            format: DOCUMENT_FORMAT,
            contract_id: "c1",
            award_id: "a1",
            tender: &tender,
            lot: 0,
            purchaser: &p,
            supplier: &s,
            value_fen: 90_000_000,
            currency: "CNY",
            terms: &terms,
            legal_basis: LEGAL_BASIS,
        };
        let bytes = doc.to_bytes();
        assert_eq!(bytes, doc.to_bytes(), "rendered the same every time");
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(json["format"], DOCUMENT_FORMAT);
        assert_eq!(json["value_fen"], 90_000_000);
        assert_eq!(json["supplier"]["name"], "广西第二建设有限公司");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("{\n  \"format\""), "{text}");
    }

    #[test]
    fn parties_and_signatures() {
        assert_eq!(party_of(Some("p"), "p", "s"), Some(Party::Purchaser));
        assert_eq!(party_of(Some("s"), "p", "s"), Some(Party::Supplier));
        assert_eq!(party_of(Some("x"), "p", "s"), None);
        assert_eq!(party_of(None, "p", "s"), None);
        assert_eq!(after_signature(&[], Party::Supplier), Status::Signing);
        assert_eq!(
            after_signature(&[Party::Supplier], Party::Purchaser),
            Status::Signed
        );
        assert_eq!(
            after_signature(&[Party::Purchaser], Party::Purchaser),
            Status::Signing
        );
        assert!(publication_required(Category::GovernmentProcurement));
        assert!(!publication_required(Category::EngineeringConstruction));
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_clocks() {
        let mut f = ClockFacts {
            award_id: "a1".into(),
            awarded_at: at("2027-01-04T02:00:00Z"),
            signed_at: None,
            publish_by: None,
            published_at: None,
        };
        let due = at("2027-02-03T02:00:00Z");
        assert!(overdue(&f, due).is_empty(), "the 30th day is in time");
        assert_eq!(
            overdue(&f, due + Duration::seconds(1)),
            [Overdue::NotSigned {
                award_id: "a1".into(),
                due
            }]
        );
        f.signed_at = Some(due);
        assert!(overdue(&f, due + Duration::days(5)).is_empty());
        // Signed late: still a finding.
        f.signed_at = Some(due + Duration::seconds(1));
        assert_eq!(overdue(&f, due + Duration::days(5)).len(), 1);
        f.signed_at = Some(at("2027-01-20T02:00:00Z"));
        let publish_by = at("2027-01-22T16:00:00Z");
        f.publish_by = Some(publish_by);
        assert!(overdue(&f, publish_by).is_empty());
        assert_eq!(
            overdue(&f, publish_by + Duration::seconds(1)),
            [Overdue::NotPublished {
                award_id: "a1".into(),
                due: publish_by
            }]
        );
        f.published_at = Some(publish_by);
        assert!(overdue(&f, publish_by + Duration::days(9)).is_empty());
    }

    #[test]
    fn withheld_clauses() {
        let clauses = vec!["a".to_string(), "b".into(), "c".into()];
        assert_eq!(
            public_clauses(&clauses, &[2]),
            [(1, "a".to_string()), (3, "c".to_string())]
        );
        assert!(validate_withheld(&[1, 3], 3).is_empty());
        let e = validate_withheld(&[0, 4], 3);
        assert_eq!(fields(&e), ["withheld_clauses[0]", "withheld_clauses[1]"]);
    }
}
