//! Contracts in the database: drafts from awards, edits, the two parties'
//! signatures, publication, who reads what, and the overdue sweep.

use super::rules::{
    self, Document, Fixed, Party, PartyInfo, Status, TenderInfo, Terms, TermsInput,
};
use crate::audit::{self, AuditContext};
use crate::db::schema::{awards, contract_signatures, contracts, organisations, tenders};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError};
use crate::identity::{Principal, Role};
use crate::opendata::OcdsSettings;
use crate::supervision::said::Said;
use crate::supervision::signals::SignalKind;
use crate::tenders::award::AwardRecord;
use crate::tenders::model::{Category, NoticeKind, TenderStatus};
use crate::tenders::store::{self as tender_store, TenderRow};
use crate::types::TenderId;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A contract as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contracts)]
pub struct ContractRow {
    pub id: String,
    pub tender_id: String,
    pub award_id: String,
    pub lot: i32,
    pub purchaser_org_id: String,
    pub supplier_org_id: String,
    pub value_fen: i64,
    pub currency: String,
    pub terms_json: String,
    pub status: String,
    pub document: Option<Vec<u8>>,
    pub document_sha256: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub signed_at: Option<NaiveDateTime>,
    pub publish_by: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    pub notice_seq: Option<i32>,
    pub withheld_json: String,
}

impl ContractRow {
    pub fn status(&self) -> Result<Status, AppError> {
        Status::from_db(&self.status)
    }

    pub fn terms(&self) -> Result<Terms, AppError> {
        serde_json::from_str(&self.terms_json)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("contract terms")))
    }

    pub fn withheld(&self) -> Result<Vec<u32>, AppError> {
        serde_json::from_str(&self.withheld_json)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("withheld clauses")))
    }
}

/// One party's signature, as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignatureView {
    pub party: Party,
    pub signer_subject: String,
    /// SHA-256 of the signer's certificate (DER), hex.
    pub signer_cert_sha256: String,
    pub seal_name: String,
    pub seal_id: String,
    pub signed_at: DateTime<Utc>,
    /// The detached CMS SignedData (DER).
    pub download_url: String,
}

/// A contract as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContractView {
    pub id: String,
    pub tender_id: String,
    pub award_id: String,
    /// 0 for a tender without lots.
    pub lot: i32,
    pub purchaser: PartyInfo,
    pub supplier: PartyInfo,
    /// Fixed by the award.
    pub value_fen: i64,
    pub currency: String,
    /// The terms; for the public, without the clauses withheld.
    pub terms: Terms,
    pub status: Status,
    /// The clauses (numbers from 1) the public does not read.
    pub withheld_clauses: Vec<u32>,
    /// SHA-256 of the document both parties sign, hex (once frozen).
    pub document_sha256: Option<String>,
    pub document_url: Option<String>,
    pub signatures: Vec<SignatureView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    /// The end of the legal publication period (government procurement).
    pub publish_by: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    /// The public notice that published it.
    pub notice_seq: Option<i32>,
}

/// How the caller stands to a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The tender's tenderer or agent (drafts and edits).
    Drafter(Role),
    /// An operator of the tender's league (reads).
    Operator,
    /// An account of the purchaser's or the supplier's organisation.
    Party(Party),
    /// A supervisor whose scope holds the tender.
    Supervisor,
    /// Anyone else: published contracts only, without withheld clauses.
    Public,
}

impl Reader {
    /// Whether it reads the contract in full, published or not.
    pub fn reads_in_full(self) -> bool {
        self != Reader::Public
    }
}

/// How `principal` stands to contract `c` of `row`.
pub fn reader_of(
    conn: &mut DbConn,
    row: &TenderRow,
    c: &ContractRow,
    principal: &Principal,
) -> Result<Reader, AppError> {
    match row.managing_role(principal) {
        Some(Role::Operator) => return Ok(Reader::Operator),
        Some(role) => return Ok(Reader::Drafter(role)),
        None => {}
    }
    let org = principal.organisation.as_ref().map(|o| o.as_str());
    if let Some(party) = rules::party_of(org, &c.purchaser_org_id, &c.supplier_org_id) {
        return Ok(Reader::Party(party));
    }
    if principal.has(Role::Supervisor)
        && crate::supervision::scope_of(conn, principal)?.covers(&row.league_code, &row.category)
    {
        return Ok(Reader::Supervisor);
    }
    Ok(Reader::Public)
}

/// A tender's drafters: its tenderer and its agent (the contract is the
/// parties'; the trading centre's operators read it but do not write it).
pub fn drafter_role(row: &TenderRow, principal: &Principal) -> Result<Role, AppError> {
    if !principal.is_authenticated() {
        return Err(crate::identity::sign_in_first());
    }
    match row.managing_role(principal) {
        Some(role @ (Role::Tenderer | Role::Agent)) => Ok(role),
        _ => Err(AppError::Forbidden(
            "contracts are drafted, edited and published by the tender's tenderer or its agent"
                .into(),
        )
        .because("contract.drafters-only", json!({}))),
    }
}

fn party_info(conn: &mut DbConn, org: &str) -> Result<PartyInfo, AppError> {
    let (name, credit): (String, Option<String>) = organisations::table
        .find(org)
        .select((organisations::name, organisations::credit_code))
        .first(conn)?;
    Ok(PartyInfo {
        organisation_id: org.to_string(),
        name,
        unified_social_credit_code: credit,
    })
}

fn tender_info(row: &TenderRow) -> TenderInfo {
    TenderInfo {
        id: row.id.clone(),
        reference: row.reference.clone(),
        title: row.title.clone(),
    }
}

/// The bytes both parties sign: the frozen document once a party has
/// signed, else the draft rendered now.
pub fn document_bytes(
    conn: &mut DbConn,
    row: &TenderRow,
    c: &ContractRow,
) -> Result<Vec<u8>, AppError> {
    if let Some(doc) = &c.document {
        return Ok(doc.clone());
    }
    let purchaser = party_info(conn, &c.purchaser_org_id)?;
    let supplier = party_info(conn, &c.supplier_org_id)?;
    let tender = tender_info(row);
    let terms = c.terms()?;
    Ok(Document {
        format: rules::DOCUMENT_FORMAT,
        contract_id: &c.id,
        award_id: &c.award_id,
        tender: &tender,
        lot: c.lot,
        purchaser: &purchaser,
        supplier: &supplier,
        value_fen: c.value_fen,
        currency: &c.currency,
        terms: &terms,
        legal_basis: rules::LEGAL_BASIS,
    }
    .to_bytes())
}

fn signatures_of(conn: &mut DbConn, c: &ContractRow) -> Result<Vec<SignatureView>, AppError> {
    type Row = (String, String, String, String, String, NaiveDateTime);
    let rows: Vec<Row> = contract_signatures::table
        .filter(contract_signatures::contract_id.eq(&c.id))
        .order(contract_signatures::signed_at.asc())
        .select((
            contract_signatures::party,
            contract_signatures::signer_subject,
            contract_signatures::signer_cert_sha256,
            contract_signatures::seal_name,
            contract_signatures::seal_id,
            contract_signatures::signed_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(party, subject, sha, seal_name, seal_id, at)| {
            Ok(SignatureView {
                party: Party::from_db(&party)?,
                signer_subject: subject,
                signer_cert_sha256: sha,
                seal_name,
                seal_id,
                signed_at: from_db_time(at),
                download_url: format!(
                    "/api/v1/tenders/{}/contracts/{}/signatures/{party}",
                    c.tender_id, c.id
                ),
            })
        })
        .collect()
}

/// The contract as `reader` sees it.
pub fn view(conn: &mut DbConn, c: &ContractRow, reader: Reader) -> Result<ContractView, AppError> {
    let withheld = c.withheld()?;
    let mut terms = c.terms()?;
    let full = reader.reads_in_full();
    if !full {
        terms.clauses = rules::public_clauses(&terms.clauses, &withheld)
            .into_iter()
            .map(|(_, text)| text)
            .collect();
    }
    let document_url = (full || withheld.is_empty()).then(|| {
        format!(
            "/api/v1/tenders/{}/contracts/{}/document",
            c.tender_id, c.id
        )
    });
    Ok(ContractView {
        id: c.id.clone(),
        tender_id: c.tender_id.clone(),
        award_id: c.award_id.clone(),
        lot: c.lot,
        purchaser: party_info(conn, &c.purchaser_org_id)?,
        supplier: party_info(conn, &c.supplier_org_id)?,
        value_fen: c.value_fen,
        currency: c.currency.clone(),
        terms,
        status: c.status()?,
        withheld_clauses: withheld,
        document_sha256: c.document_sha256.clone(),
        document_url,
        signatures: signatures_of(conn, c)?,
        created_at: from_db_time(c.created_at),
        updated_at: from_db_time(c.updated_at),
        signed_at: c.signed_at.map(from_db_time),
        publish_by: c.publish_by.map(from_db_time),
        published_at: c.published_at.map(from_db_time),
        notice_seq: c.notice_seq,
    })
}

/// Loads contract `id` of `tender`; 404 when there is none.
pub fn load(conn: &mut DbConn, tender: &str, id: &str) -> Result<ContractRow, AppError> {
    contracts::table
        .filter(contracts::id.eq(id))
        .filter(contracts::tender_id.eq(tender))
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("contract"))
}

/// Loads contract `id` as `principal` may read it: 404 for an unpublished
/// contract it may not read (as if absent).
pub fn load_readable(
    conn: &mut DbConn,
    row: &TenderRow,
    id: &str,
    principal: &Principal,
) -> Result<(ContractRow, Reader), AppError> {
    let c = load(conn, &row.id, id)?;
    let reader = reader_of(conn, row, &c, principal)?;
    if !reader.reads_in_full() && c.published_at.is_none() {
        return Err(AppError::not_found("contract"));
    }
    Ok((c, reader))
}

/// The contracts of `row` that `principal` reads.
pub fn list(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
) -> Result<Vec<ContractView>, AppError> {
    let rows: Vec<ContractRow> = contracts::table
        .filter(contracts::tender_id.eq(&row.id))
        .order((contracts::lot.asc(), contracts::created_at.asc()))
        .select(ContractRow::as_select())
        .load(conn)?;
    let mut out = Vec::new();
    for c in rows {
        let reader = reader_of(conn, row, &c, principal)?;
        if reader.reads_in_full() || c.published_at.is_some() {
            out.push(view(conn, &c, reader)?);
        }
    }
    Ok(out)
}

/// Body of a new draft.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    /// The award the contract is drafted from.
    pub award_id: String,
    #[serde(default)]
    pub terms: Option<TermsInput>,
}

fn fixed_of(award: &AwardRecord) -> Fixed<'_> {
    Fixed {
        value_fen: award.value_fen,
        supplier_org_id: &award.supplier_org_id,
        lot: award.lot,
    }
}

fn terms_json(terms: &Terms) -> Result<String, AppError> {
    serde_json::to_string(terms).map_err(|e| AppError::Internal(e.into()))
}

/// Drafts the contract of an award of `row` (one per award). The tender
/// must be awarded (or closed after its award).
pub fn create(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    input: &NewContract,
) -> Result<ContractRow, AppError> {
    let status = row.status()?;
    if !matches!(status, TenderStatus::Awarded | TenderStatus::Closed) {
        return Err(AppError::Conflict(format!(
            "a contract is drafted from an award; this tender is {}",
            status.code()
        ))
        .because("contract.not-awarded", json!({ "status": status.code() })));
    }
    refuse_if_held(conn, row, ctx.now)?;
    let award = crate::tenders::award::awards_of(conn, &row.id)?
        .into_iter()
        .find(|a| a.id == input.award_id)
        .ok_or_else(|| {
            AppError::invalid_field(
                FieldError::new("award_id", "not an award of this tender")
                    .because("contract.no-such-award", json!({})),
            )
        })?;
    let taken: bool = diesel::select(diesel::dsl::exists(
        contracts::table.filter(contracts::award_id.eq(&award.id)),
    ))
    .get_result(conn)?;
    if taken {
        return Err(AppError::Conflict(
            "this award has its contract already: edit that draft".into(),
        )
        .because("contract.award-has-contract", json!({})));
    }
    let input_terms = input.terms.clone().unwrap_or_default();
    AppError::check(rules::validate(&input_terms, &fixed_of(&award)))?;
    let mut terms = input_terms.terms();
    if terms.title.trim().is_empty() {
        terms.title = default_title(conn, row, award.lot)?;
    }
    let now = to_db_time(ctx.now);
    let c = ContractRow {
        id: uuid::Uuid::new_v4().to_string(),
        tender_id: row.id.clone(),
        award_id: award.id.clone(),
        lot: award.lot,
        purchaser_org_id: row.tenderer_org_id.clone(),
        supplier_org_id: award.supplier_org_id.clone(),
        value_fen: award.value_fen,
        currency: row.currency.clone(),
        terms_json: terms_json(&terms)?,
        status: Status::Draft.code().to_string(),
        document: None,
        document_sha256: None,
        created_at: now,
        updated_at: now,
        signed_at: None,
        publish_by: None,
        published_at: None,
        notice_seq: None,
        withheld_json: "[]".into(),
    };
    diesel::insert_into(contracts::table)
        .values((
            contracts::id.eq(&c.id),
            contracts::tender_id.eq(&c.tender_id),
            contracts::award_id.eq(&c.award_id),
            contracts::lot.eq(c.lot),
            contracts::purchaser_org_id.eq(&c.purchaser_org_id),
            contracts::supplier_org_id.eq(&c.supplier_org_id),
            contracts::value_fen.eq(c.value_fen),
            contracts::currency.eq(&c.currency),
            contracts::terms_json.eq(&c.terms_json),
            contracts::status.eq(&c.status),
            contracts::created_at.eq(now),
            contracts::updated_at.eq(now),
            contracts::withheld_json.eq(&c.withheld_json),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "contract.drafted",
        "contract",
        &c.id,
        Some(&row.id),
        &serde_json::json!({
            "award_id": c.award_id, "lot": c.lot, "supplier_org_id": c.supplier_org_id,
            "value_fen": c.value_fen, "terms": terms,
        }),
    )?;
    Ok(c)
}

fn default_title(conn: &mut DbConn, row: &TenderRow, lot: i32) -> Result<String, AppError> {
    if lot == 0 {
        return Ok(format!("{}合同", row.title));
    }
    let lots = tender_store::lots_of(conn, &row.id)?;
    Ok(match lots.iter().find(|l| l.number == lot) {
        Some(l) => format!("{}（{}）合同", row.title, l.title),
        None => format!("{}（第{lot}包）合同", row.title),
    })
}

/// Replaces a draft's terms. Once a party has signed, the document is
/// frozen (409).
pub fn edit(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    c: &ContractRow,
    input: &TermsInput,
) -> Result<(), AppError> {
    if c.status()? != Status::Draft {
        return Err(AppError::Conflict(
            "a party has signed this contract: its document is frozen and no term can change"
                .into(),
        )
        .because("contract.frozen", json!({})));
    }
    let award = crate::tenders::award::awards_of(conn, &row.id)?
        .into_iter()
        .find(|a| a.id == c.award_id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the contract's award vanished")))?;
    AppError::check(rules::validate(input, &fixed_of(&award)))?;
    let mut terms = input.terms();
    if terms.title.trim().is_empty() {
        terms.title = default_title(conn, row, c.lot)?;
    }
    diesel::update(contracts::table.find(&c.id))
        .set((
            contracts::terms_json.eq(terms_json(&terms)?),
            contracts::updated_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "contract.edited",
        "contract",
        &c.id,
        Some(&row.id),
        &serde_json::json!({ "terms": terms }),
    )?;
    Ok(())
}

/// Who signs: the party the principal's organisation is, in the role that
/// speaks for it (the purchaser's tenderer accounts, the supplier's bidding
/// accounts). An agent, an operator or another enterprise is refused.
pub fn signing_party(principal: &Principal, c: &ContractRow) -> Result<Party, AppError> {
    if !principal.is_authenticated() {
        return Err(crate::identity::sign_in_first());
    }
    let org = principal.organisation.as_ref().map(|o| o.as_str());
    match rules::party_of(org, &c.purchaser_org_id, &c.supplier_org_id) {
        Some(Party::Purchaser) if principal.has(Role::Tenderer) => Ok(Party::Purchaser),
        Some(Party::Supplier) if principal.has(Role::Bidder) => Ok(Party::Supplier),
        _ => Err(AppError::Forbidden(
            "a contract is signed by its parties: the purchaser's tenderer accounts and the \
             winning supplier's bidding accounts"
                .into(),
        )
        .because("contract.parties-only", json!({}))),
    }
}

/// What signing needs to know before the signatures are verified.
pub struct ToSign {
    pub document: Vec<u8>,
    /// The party's unified social credit code (its certificate must name it).
    pub credit_code: String,
    pub league: String,
}

/// A contract is neither drafted nor signed while the procedure is
/// suspended by the supervisor handling a complaint (政府采购法 第57条;
/// 招标投标法实施条例 第62条), nor while an objection to the result awaits
/// its answer: the award it comes from may yet change (政府采购法实施条例
/// 第54条: "询问或者质疑事项可能影响中标、成交结果的，采购人应当暂停签订合同";
/// 招标投标法实施条例 第54条: "作出答复前，应当暂停招标投标活动").
fn refuse_if_held(conn: &mut DbConn, row: &TenderRow, now: DateTime<Utc>) -> Result<(), AppError> {
    crate::objections::store::refuse_if_suspended(conn, &row.id, now)?;
    if crate::objections::store::pending_blocking(
        conn,
        row,
        crate::tenders::lifecycle::Action::Award,
    )? {
        return Err(AppError::ObjectionPending(
            "an objection to the result awaits its answer, and the contract waits for it \
             (政府采购法实施条例 第54条; 招标投标法实施条例 第54条)"
                .into(),
        )
        .because("contract.objection-pending", json!({})));
    }
    Ok(())
}

/// Checks `party` may sign `c` at `now` and gives the bytes to verify.
pub fn prepare_signing(
    conn: &mut DbConn,
    row: &TenderRow,
    c: &ContractRow,
    party: Party,
    now: DateTime<Utc>,
) -> Result<ToSign, AppError> {
    refuse_if_held(conn, row, now)?;
    let status = c.status()?;
    if matches!(status, Status::Signed | Status::Published) {
        return Err(
            AppError::Conflict("both parties have signed this contract".into())
                .because("contract.signed-already", json!({})),
        );
    }
    let signed: bool = diesel::select(diesel::dsl::exists(
        contract_signatures::table
            .filter(contract_signatures::contract_id.eq(&c.id))
            .filter(contract_signatures::party.eq(party.code())),
    ))
    .get_result(conn)?;
    if signed {
        return Err(AppError::Conflict(format!(
            "the {} has signed this contract already",
            party.code()
        ))
        .because(
            "contract.party-signed-already",
            json!({ "party": party.code() }),
        ));
    }
    let org = match party {
        Party::Purchaser => &c.purchaser_org_id,
        Party::Supplier => &c.supplier_org_id,
    };
    let credit_code = party_info(conn, org)?
        .unified_social_credit_code
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "the platform knows no unified social credit code for the {}: its certificate \
                 cannot be matched to it",
                party.code()
            ))
            .because("contract.no-credit-code", json!({ "party": party.code() }))
        })?;
    Ok(ToSign {
        document: document_bytes(conn, row, c)?,
        credit_code,
        league: row.league_code.clone(),
    })
}

/// A party's verified signatures, to keep.
pub struct Verified {
    pub cms: Vec<u8>,
    pub seal_signature: Vec<u8>,
    pub signer_subject: String,
    pub signer_cert_sha256: String,
    pub seal_name: String,
    pub seal_id: String,
}

/// Keeps `party`'s verified signatures over `document` (which must still be
/// the contract's: a draft edited meanwhile is a conflict), freezing the
/// document at the first signature and marking the contract signed at the
/// second, with its publication deadline. Returns the new status.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    c: &ContractRow,
    party: Party,
    document: &[u8],
    v: &Verified,
) -> Result<Status, AppError> {
    let now_bytes = prepare_signing(conn, row, c, party, ctx.now)?.document;
    if now_bytes != document {
        return Err(AppError::Conflict(
            "the contract's document changed while the signatures were checked; fetch it again \
             and sign that"
                .into(),
        )
        .because("contract.changed-meanwhile", json!({})));
    }
    let user = ctx
        .principal
        .user_id
        .as_ref()
        .ok_or_else(crate::identity::sign_in_first)?;
    diesel::insert_into(contract_signatures::table)
        .values((
            contract_signatures::contract_id.eq(&c.id),
            contract_signatures::party.eq(party.code()),
            contract_signatures::cms.eq(&v.cms),
            contract_signatures::seal_signature.eq(&v.seal_signature),
            contract_signatures::signer_subject.eq(&v.signer_subject),
            contract_signatures::signer_cert_sha256.eq(&v.signer_cert_sha256),
            contract_signatures::seal_name.eq(&v.seal_name),
            contract_signatures::seal_id.eq(&v.seal_id),
            contract_signatures::signed_by.eq(user.as_str()),
            contract_signatures::signed_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    let before: Vec<Party> = contract_signatures::table
        .filter(contract_signatures::contract_id.eq(&c.id))
        .filter(contract_signatures::party.ne(party.code()))
        .select(contract_signatures::party)
        .load::<String>(conn)?
        .iter()
        .map(|p| Party::from_db(p))
        .collect::<Result<_, _>>()?;
    let status = rules::after_signature(&before, party);
    let sha256 = crate::identity::hex(&openssl::sha::sha256(document));
    let category = Category::from_db(&row.category)?;
    let (signed_at, publish_by) = if status == Status::Signed {
        let by = if rules::publication_required(category) {
            Some(
                crate::calendar::current(conn)?
                    .working_deadline(ctx.now, rules::PUBLISH_WITHIN_WORKING_DAYS)?,
            )
        } else {
            None
        };
        (Some(ctx.now), by)
    } else {
        (None, None)
    };
    diesel::update(contracts::table.find(&c.id))
        .set((
            contracts::status.eq(status.code()),
            contracts::document.eq(Some(document)),
            contracts::document_sha256.eq(Some(&sha256)),
            contracts::updated_at.eq(to_db_time(ctx.now)),
            contracts::signed_at.eq(signed_at.map(to_db_time)),
            contracts::publish_by.eq(publish_by.map(to_db_time)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "contract.signed",
        "contract",
        &c.id,
        Some(&row.id),
        &serde_json::json!({
            "party": party.code(), "document_sha256": sha256,
            "signer_subject": v.signer_subject, "signer_cert_sha256": v.signer_cert_sha256,
            "seal_id": v.seal_id, "seal_name": v.seal_name,
            "cms_sha256": crate::identity::hex(&openssl::sha::sha256(&v.cms)),
            "seal_signature_sha256": crate::identity::hex(&openssl::sha::sha256(&v.seal_signature)),
            "status": status.code(), "publish_by": publish_by,
        }),
    )?;
    Ok(status)
}

/// The status of each award's contract (`None`: none drafted).
fn contract_statuses(conn: &mut DbConn, row: &TenderRow) -> Result<Vec<Option<Status>>, AppError> {
    let awards = crate::tenders::award::awards_of(conn, &row.id)?;
    let mut statuses = Vec::with_capacity(awards.len());
    for a in &awards {
        let status: Option<String> = contracts::table
            .filter(contracts::award_id.eq(&a.id))
            .select(contracts::status)
            .first(conn)
            .optional()?;
        statuses.push(status.map(|s| Status::from_db(&s)).transpose()?);
    }
    Ok(statuses)
}

/// Refuses to close `row` while an award of it lacks its contract
/// ([`rules::closable`]): 409 with the reason.
pub fn refuse_close_without_contracts(conn: &mut DbConn, row: &TenderRow) -> Result<(), AppError> {
    let statuses = contract_statuses(conn, row)?;
    rules::closable(Category::from_db(&row.category)?, &statuses)
}

/// Refuses to fail an awarded `row` once a contract of it is signed by
/// both parties ([`rules::failable_after_award`]): 409 with the reason.
pub fn refuse_fail_after_signing(conn: &mut DbConn, row: &TenderRow) -> Result<(), AppError> {
    rules::failable_after_award(&contract_statuses(conn, row)?)
}

/// A party's detached CMS signature (DER).
pub fn signature_der(
    conn: &mut DbConn,
    c: &ContractRow,
    party: Party,
) -> Result<Vec<u8>, AppError> {
    contract_signatures::table
        .filter(contract_signatures::contract_id.eq(&c.id))
        .filter(contract_signatures::party.eq(party.code()))
        .select(contract_signatures::cms)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("signature"))
}

/// A party's seal signature (SES_Signature, DER).
pub fn seal_signature_der(
    conn: &mut DbConn,
    c: &ContractRow,
    party: Party,
) -> Result<Vec<u8>, AppError> {
    contract_signatures::table
        .filter(contract_signatures::contract_id.eq(&c.id))
        .filter(contract_signatures::party.eq(party.code()))
        .select(contract_signatures::seal_signature)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("seal signature"))
}

/// Body of a publication.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    /// Clauses (numbers from 1) left out of the public view as state or
    /// commercial secrets (政府采购法实施条例 第50条: "涉及国家秘密、商业秘密
    /// 的内容除外"). With any withheld, the signed document itself is not
    /// public.
    #[serde(default)]
    pub withheld_clauses: Vec<u32>,
}

/// Publishes a signed contract: a public notice of kind `contract` whose
/// OCDS release carries the award and the contract.
pub fn publish(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    c: &ContractRow,
    input: &Publication,
) -> Result<ContractRow, AppError> {
    match c.status()? {
        Status::Signed => {}
        Status::Published => {
            return Err(
                AppError::Conflict("this contract is published already".into())
                    .because("contract.published-already", json!({})),
            );
        }
        _ => {
            return Err(AppError::Conflict(
                "only a contract both parties have signed is published".into(),
            )
            .because("contract.publish-signed-only", json!({})));
        }
    }
    let terms = c.terms()?;
    let mut withheld = input.withheld_clauses.clone();
    withheld.sort_unstable();
    withheld.dedup();
    AppError::check(rules::validate_withheld(&withheld, terms.clauses.len()))?;
    let supplier = party_info(conn, &c.supplier_org_id)?;
    let award = crate::tenders::award::awards_of(conn, &row.id)?
        .into_iter()
        .find(|a| a.id == c.award_id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the contract's award vanished")))?;
    let signed_at = c
        .signed_at
        .map(from_db_time)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a signed contract without a time")))?;
    let facts = crate::opendata::ocds::ContractFacts {
        contract_id: c.id.clone(),
        award_id: award.id.clone(),
        awarded_at: from_db_time(award.decided_at),
        lot: c.lot,
        supplier_id: supplier.organisation_id.clone(),
        supplier_name: supplier.name.clone(),
        title: terms.title.clone(),
        description: terms.subject.clone(),
        value_fen: c.value_fen,
        currency: c.currency.clone(),
        date_signed: signed_at,
        period: terms.performance_period.as_ref().map(|p| (p.start, p.end)),
        document_url: withheld.is_empty().then(|| {
            format!(
                "/api/v1/tenders/{}/contracts/{}/document",
                c.tender_id, c.id
            )
        }),
    };
    let written = crate::tenders::notice_words::contract(
        crate::tenders::model::Category::from_db(&row.category)?,
        &crate::tenders::notice_words::ContractFacts {
            title: &terms.title,
            purchaser: &party_info(conn, &c.purchaser_org_id)?.name,
            supplier: &supplier.name,
            date: &crate::calendar::beijing_date(signed_at).to_string(),
            amount: &crate::types::Money {
                amount_fen: c.value_fen,
                currency: crate::types::Currency::from_db(c.currency.clone()),
            }
            .major_units()
            .to_string(),
            currency: &c.currency,
        },
    );
    let seq = tender_store::publish_notice_with(
        conn,
        ctx,
        settings,
        &row.id,
        NoticeKind::Contract,
        &written,
        &|release| crate::opendata::ocds::add_contract(settings, release, &facts),
    )?;
    let withheld_json =
        serde_json::to_string(&withheld).map_err(|e| AppError::Internal(e.into()))?;
    diesel::update(contracts::table.find(&c.id))
        .set((
            contracts::status.eq(Status::Published.code()),
            contracts::published_at.eq(Some(to_db_time(ctx.now))),
            contracts::notice_seq.eq(Some(seq)),
            contracts::withheld_json.eq(&withheld_json),
            contracts::updated_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    let late = c
        .publish_by
        .map(from_db_time)
        .is_some_and(|by| ctx.now > by);
    audit::record(
        conn,
        ctx,
        "contract.published",
        "contract",
        &c.id,
        Some(&row.id),
        &serde_json::json!({
            "notice_seq": seq, "withheld_clauses": withheld,
            "publish_by": c.publish_by.map(from_db_time), "late": late,
        }),
    )?;
    load(conn, &row.id, &c.id)
}

/// Loads the tender of a contract route: 404 when absent or unpublished
/// for the caller.
pub fn tender(
    conn: &mut DbConn,
    id: &TenderId,
    principal: &Principal,
) -> Result<TenderRow, AppError> {
    tender_store::load_visible(conn, id, principal)
}

/// Raises the supervision alerts of contracts whose clocks ran out at
/// `now` (see [`rules::overdue`]); each finding once. Returns how many
/// were raised.
pub fn sweep(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, AppError> {
    type Row = (
        String,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let due_from = to_db_time(now - chrono::Duration::days(rules::SIGN_WITHIN_DAYS));
    // Awards old enough to be late unsigned, and contracts past their time
    // of publication, not yet published.
    let rows: Vec<Row> = awards::table
        .inner_join(tenders::table.on(tenders::id.eq(awards::tender_id)))
        .left_join(contracts::table.on(contracts::award_id.eq(awards::id)))
        .filter(
            awards::decided_at
                .lt(due_from)
                .and(contracts::signed_at.is_null())
                .or(contracts::publish_by
                    .lt(to_db_time(now))
                    .and(contracts::published_at.is_null())),
        )
        .filter(tenders::status.ne(TenderStatus::Cancelled.code()))
        .select((
            awards::id,
            awards::tender_id,
            awards::decided_at,
            contracts::signed_at.nullable(),
            contracts::publish_by.nullable(),
            contracts::published_at.nullable(),
        ))
        .load(conn)?;
    let ctx = AuditContext::system(now);
    let mut raised = 0;
    for (award_id, tender_id, decided_at, signed_at, publish_by, published_at) in rows {
        let facts = rules::ClockFacts {
            award_id,
            awarded_at: from_db_time(decided_at),
            signed_at: signed_at.map(from_db_time),
            publish_by: publish_by.map(from_db_time),
            published_at: published_at.map(from_db_time),
        };
        for finding in rules::overdue(&facts, now) {
            let (kind, fingerprint, summary, said) = match finding {
                rules::Overdue::NotSigned { award_id, due } => (
                    SignalKind::ContractNotSigned,
                    format!("contract_not_signed:{award_id}"),
                    format!(
                        "award {award_id}: no contract signed by both parties within 30 days of \
                         the award (due {}; 招标投标法 第46条, 政府采购法 第46条)",
                        due.to_rfc3339()
                    ),
                    Said::new(
                        "alert.contract-not-signed",
                        json!({"award": award_id, "due": crate::reasons::time(due),
                               "basis": "招标投标法 第46条、政府采购法 第46条"}),
                    ),
                ),
                rules::Overdue::NotPublished { award_id, due } => (
                    SignalKind::ContractNotPublished,
                    format!("contract_not_published:{award_id}"),
                    format!(
                        "award {award_id}: the signed government procurement contract was not \
                         published within 2 working days of its signing (due {}; \
                         政府采购法实施条例 第50条)",
                        due.to_rfc3339()
                    ),
                    Said::new(
                        "alert.contract-not-published",
                        json!({"award": award_id, "due": crate::reasons::time(due),
                               "basis": "政府采购法实施条例 第50条"}),
                    ),
                ),
            };
            if crate::supervision::alerts::raise(
                conn,
                &ctx,
                &tender_id,
                kind,
                &fingerprint,
                &summary,
                said,
                &[],
            )? {
                raised += 1;
            }
        }
    }
    Ok(raised)
}
