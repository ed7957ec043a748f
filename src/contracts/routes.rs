//! HTTP for contracts: drafts from awards, edits, signatures, publication,
//! and the bytes `openssl cms -verify` checks.

use super::rules::{self, Party, TermsInput};
use super::store::{self, ContractView, NewContract, Publication, Reader, Verified};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::bids::envelope;
use crate::error::AppError;
use crate::identity::Principal;
use crate::pki::identity::{CertIdentity, identity_of};
use crate::pki::policy::{CheckResult, Decision, Indication, Purpose};
use crate::seals::{CertRole, DocumentInput};
use crate::tenders::routes::parse_id;
use crate::trust::model::ServiceType;
use crate::trust::registry::Snapshot;
use crate::types::{LeagueCode, TenderId};
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractList {
    pub items: Vec<ContractView>,
}

/// Body of a signature: both signatures over the contract's document, as
/// served by `GET …/contracts/{id}/document`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureInput {
    /// A detached CMS SignedData (RFC 5652) over the document, DER, base64
    /// (`openssl cms -sign -binary -outform DER` without `-nodetach`), by
    /// the party's enterprise certificate, which it carries.
    #[schema(max_length = 1048576)]
    pub cms: String,
    /// A GB/T 38540 seal signature (SES_Signature) over the document, DER,
    /// base64, made with the party's electronic seal by the same
    /// certificate.
    #[schema(max_length = 4194304)]
    pub seal_signature: String,
}

fn base64(text: &str, field: &str) -> Result<Vec<u8>, AppError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    openssl::base64::decode_block(&compact).map_err(|_| {
        AppError::invalid_field(
            crate::error::FieldError::new(field, "expected base64 of DER")
                .because("encoding.base64", json!({})),
        )
    })
}

fn contract_id(raw: &str) -> Result<String, AppError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| AppError::not_found("contract"))
}

/// The contracts of a tender the caller reads: the tender's tenderer and
/// agent, its league's operators, the parties' accounts and supervisors in
/// scope read every one; anyone else (signed in or not) the published
/// ones, without the clauses withheld.
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ContractList),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/contracts")]
pub async fn list_contracts(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ContractList>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let row = store::tender(conn, &id, &principal)?;
            store::list(conn, &row, &principal)
        })
        .await?;
    Ok(web::Json(ContractList { items }))
}

/// Drafts the contract of an award: supplier, lot and value are the
/// award's (a body that repeats them differently is refused), the other
/// terms as given. The tender's tenderer or agent only; one contract per
/// award; the tender must be awarded. Refused while the procedure is
/// suspended (409 `procedure-suspended`) or an objection to the result
/// awaits its answer (409 `objection-pending`).
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path)),
    request_body = NewContract,
    responses(
        (status = 201, body = ContractView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/contracts")]
pub async fn create_contract(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<NewContract>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let view = draft(&state, principal, ctx, id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// What [`create_contract`] does, for callers that are not HTTP requests
/// (the demo procedure).
pub async fn draft(
    state: &AppState,
    principal: Principal,
    ctx: AuditContext,
    id: TenderId,
    input: NewContract,
) -> Result<ContractView, AppError> {
    state
        .db
        .write(move |conn| {
            crate::tenders::store::lock(conn, &id)?;
            let row = store::tender(conn, &id, &principal)?;
            let role = store::drafter_role(&row, &principal)?;
            let c = store::create(conn, &ctx.acting_as(role), &row, &input)?;
            store::view(conn, &c, Reader::Drafter(role))
        })
        .await
}

/// A contract, as the caller reads it (see [`list_contracts`]); an
/// unpublished one is absent (404) for those who do not read it in full.
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path), ("contract" = String, Path)),
    responses(
        (status = 200, body = ContractView),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/contracts/{contract}")]
pub async fn get_contract(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<web::Json<ContractView>, AppError> {
    let (id, contract) = path.into_inner();
    let id = parse_id(&id)?;
    let contract = contract_id(&contract)?;
    let view = state
        .db
        .read(move |conn| {
            let row = store::tender(conn, &id, &principal)?;
            let (c, reader) = store::load_readable(conn, &row, &contract, &principal)?;
            store::view(conn, &c, reader)
        })
        .await?;
    Ok(web::Json(view))
}

/// Replaces a draft's terms (the tender's tenderer or agent, while no
/// party has signed: 409 after). The value, supplier and lot stay the
/// award's: a body that changes them is refused (422), as is a
/// performance bond above 10 % of the value.
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path), ("contract" = String, Path)),
    request_body = TermsInput,
    responses(
        (status = 200, body = ContractView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[put("/tenders/{id}/contracts/{contract}")]
pub async fn edit_contract(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<TermsInput>,
) -> Result<web::Json<ContractView>, AppError> {
    let (id, contract) = path.into_inner();
    let id = parse_id(&id)?;
    let contract = contract_id(&contract)?;
    let input = body.into_inner();
    let view = state
        .db
        .write(move |conn| {
            crate::tenders::store::lock(conn, &id)?;
            let row = store::tender(conn, &id, &principal)?;
            let (c, _) = store::load_readable(conn, &row, &contract, &principal)?;
            let role = store::drafter_role(&row, &principal)?;
            store::edit(conn, &ctx.acting_as(role), &row, &c, &input)?;
            let c = store::load(conn, &row.id, &c.id)?;
            store::view(conn, &c, Reader::Drafter(role))
        })
        .await?;
    Ok(web::Json(view))
}

/// The contract's document: the exact bytes both parties sign (canonical
/// JSON, format `ggzy-contract-v1`; frozen at the first signature). Read
/// by whoever reads the contract in full, and by the public once it is
/// published with no clause withheld.
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path), ("contract" = String, Path)),
    responses(
        (status = 200, description = "the document: canonical JSON, `format` `ggzy-contract-v1` (contract and award ids, tender, lot, purchaser and supplier with their credit codes, value, currency, terms, legal basis), byte for byte what both parties sign", content_type = "application/json", body = Object,
         headers(("X-Content-SHA256" = String, description = "SHA-256 of the document, hex"))),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/contracts/{contract}/document")]
pub async fn contract_document(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, contract) = path.into_inner();
    let id = parse_id(&id)?;
    let contract = contract_id(&contract)?;
    let bytes = document(&state, principal, id, contract).await?;
    Ok(HttpResponse::Ok()
        .content_type(rules::DOCUMENT_MEDIA_TYPE)
        .insert_header((
            "X-Content-SHA256",
            crate::identity::hex(&openssl::sha::sha256(&bytes)),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// A party's signature over the document, DER: the detached CMS
/// SignedData (`…/signatures/{party}`, which `openssl cms -verify -binary
/// -inform DER -content <document>` checks) or, with `?form=seal`, the
/// GB/T 38540 seal signature. Read as the document is.
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path), ("contract" = String, Path), ("party" = Party, Path),
           ("form" = Option<String>, Query, description = "`cms` (default) or `seal`")),
    responses(
        (status = 200, description = "DER", content_type = "application/pkcs7-signature", body = Vec<u8>),
        (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/contracts/{contract}/signatures/{party}")]
pub async fn contract_signature(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
    query: web::Query<SignatureForm>,
) -> Result<HttpResponse, AppError> {
    let (id, contract, party) = path.into_inner();
    let id = parse_id(&id)?;
    let contract = contract_id(&contract)?;
    let party = Party::from_code(&party).ok_or_else(|| AppError::not_found("signature"))?;
    let seal = match query.form.as_deref() {
        None | Some("cms") => false,
        Some("seal") => true,
        Some(_) => {
            return Err(AppError::invalid_field(
                crate::error::FieldError::new("form", "cms or seal")
                    .because("value.one-of", json!({ "allowed": ["cms", "seal"] })),
            ));
        }
    };
    let der = state
        .db
        .read(move |conn| {
            let row = store::tender(conn, &id, &principal)?;
            let (c, reader) = store::load_readable(conn, &row, &contract, &principal)?;
            if !reader.reads_in_full() && !c.withheld()?.is_empty() {
                return Err(AppError::not_found("signature"));
            }
            if seal {
                store::seal_signature_der(conn, &c, party)
            } else {
                store::signature_der(conn, &c, party)
            }
        })
        .await?;
    let media = if seal {
        "application/octet-stream"
    } else {
        rules::SIGNATURE_MEDIA_TYPE
    };
    Ok(HttpResponse::Ok()
        .content_type(media)
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(der))
}

/// The document of [`contract_document`] as `principal` reads it: the
/// bytes both parties sign.
pub async fn document(
    state: &AppState,
    principal: Principal,
    id: TenderId,
    contract: String,
) -> Result<Vec<u8>, AppError> {
    state
        .db
        .read(move |conn| {
            let row = store::tender(conn, &id, &principal)?;
            let (c, reader) = store::load_readable(conn, &row, &contract, &principal)?;
            if !reader.reads_in_full() && !c.withheld()?.is_empty() {
                return Err(AppError::not_found("contract document"));
            }
            store::document_bytes(conn, &row, &c)
        })
        .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SignatureForm {
    #[serde(default)]
    pub form: Option<String>,
}

fn rejected(why: impl std::fmt::Display, reason: &'static str, params: Value) -> AppError {
    AppError::SignatureRejected(why.to_string()).because(reason, params)
}

/// Verifies `input`'s signatures over `document` for the party whose
/// credit code is `credit_code`, as a bid's are: the CMS signature by
/// the bid envelope's verifier, its certificate by the trust registry
/// (an enterprise CA recognised by the tender's league, now), the seal
/// signature by `seals::verify_signature` with the registry judging the
/// signer and the seal authority. The seal signature must be made by the
/// same certificate, and a seal naming its owner must name the party.
fn verify(
    snapshot: &Snapshot,
    league: Option<&LeagueCode>,
    now: DateTime<Utc>,
    document: &[u8],
    credit_code: &str,
    cms: Vec<u8>,
    seal_signature: Vec<u8>,
) -> Result<Verified, AppError> {
    let signers = envelope::verify_detached(&cms, document).map_err(|e| {
        rejected(
            format!("the CMS signature: {e}"),
            "contract.cms-invalid",
            json!({}),
        )
    })?;
    let [signer] = signers.as_slice() else {
        return Err(rejected(
            format!(
                "the CMS signature has {} signers; the party alone signs",
                signers.len()
            ),
            "contract.cms-one-signer",
            json!({ "signers": signers.len() }),
        ));
    };
    let der = signer.certificate.to_der().map_err(|e| {
        rejected(
            format!("the signer certificate: {e}"),
            "contract.signer-certificate-unreadable",
            json!({}),
        )
    })?;
    // The signing time in the signature is the signer's claim: without a
    // verified timestamp, certificates are judged now (as seals::routes).
    let report = snapshot.check(
        &der,
        Purpose::Signing,
        &[ServiceType::EnterpriseCa],
        league,
        now,
    );
    if !report.passed() {
        return Err(rejected(
            format!(
                "the signer's certificate is not accepted{}: {}",
                league
                    .map(|l| format!(" by league {l}"))
                    .unwrap_or_default(),
                report.report.decision.verdict()
            ),
            "contract.signer-certificate-rejected",
            json!({ "cause": crate::identity::login::cause(&report.report.decision) }),
        ));
    }
    match identity_of(&der) {
        Ok(CertIdentity::Enterprise { credit_code: c, .. }) if c.as_str() == credit_code => {}
        Ok(CertIdentity::Enterprise { credit_code: c, .. }) => {
            return Err(rejected(
                format!(
                    "the CMS signature is by the enterprise {}, not the party ({credit_code})",
                    c.as_str()
                ),
                "contract.other-enterprise",
                json!({ "signer": c.as_str(), "party_code": credit_code }),
            ));
        }
        Ok(_) => {
            return Err(rejected(
                "a contract is signed with the enterprise's certificate, not a personal one",
                "contract.personal-certificate",
                json!({}),
            ));
        }
        Err(e) => {
            return Err(rejected(
                format!("the signer certificate: {e}"),
                "contract.signer-certificate-unreadable",
                json!({}),
            ));
        }
    }
    let trust = |cert: &[u8], role: CertRole, _claimed: DateTime<Utc>| -> Decision {
        let types: &[ServiceType] = match role {
            CertRole::Signer => &[ServiceType::EnterpriseCa],
            CertRole::SealAuthority => &[ServiceType::SealAuthority],
        };
        snapshot
            .check(cert, Purpose::Signing, types, league, now)
            .report
            .decision
    };
    let seal =
        crate::seals::verify_signature(&seal_signature, DocumentInput::Bytes(document), trust);
    if seal.decision.indication != Indication::Passed {
        let failures: Vec<String> = seal
            .decision
            .checks
            .iter()
            .filter(|c| c.result != CheckResult::Passed)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        return Err(rejected(
            format!(
                "the seal signature does not verify over the document: {} ({})",
                seal.decision.verdict(),
                failures.join("; ")
            ),
            "contract.seal-invalid",
            json!({ "cause": crate::identity::login::cause(&seal.decision) }),
        ));
    }
    let cert_sha256 = crate::identity::hex(&openssl::sha::sha256(&der));
    if seal.signer_cert_sha256.as_deref() != Some(cert_sha256.as_str()) {
        return Err(rejected(
            "the seal signature is made with another certificate than the CMS signature",
            "contract.seal-other-certificate",
            json!({}),
        ));
    }
    let details = seal.seal.as_ref().ok_or_else(|| {
        rejected(
            "the seal signature carries no readable seal",
            "contract.seal-unreadable",
            json!({}),
        )
    })?;
    if let Some(owner) = &details.credit_code
        && owner != credit_code
    {
        return Err(rejected(
            format!("the seal belongs to the enterprise {owner}, not the party ({credit_code})"),
            "contract.seal-other-owner",
            json!({ "owner": owner, "party_code": credit_code }),
        ));
    }
    let subject = x509_parser::parse_x509_certificate(&der)
        .map(|(_, c)| c.subject().to_string())
        .unwrap_or_default();
    Ok(Verified {
        cms,
        seal_signature,
        signer_subject: subject,
        signer_cert_sha256: cert_sha256,
        seal_name: details.seal_name.clone(),
        seal_id: details.seal_id.clone(),
    })
}

/// Signs the contract as the caller's party: the purchaser's tenderer
/// accounts or the winning supplier's bidding accounts (anyone else 403).
/// Both signatures are verified over the document as it is now (see
/// [`verify`]); a signature that does not verify, by another enterprise
/// or with another's seal is refused (422 `signature-rejected`), nothing
/// kept. The first signature freezes the document; the second makes the
/// contract signed (its publication is then the purchaser's act, within 2
/// working days for government procurement). Refused, as the draft is,
/// while the procedure is suspended or an objection to the result awaits
/// its answer (409).
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path), ("contract" = String, Path)),
    request_body = SignatureInput,
    responses(
        (status = 201, body = ContractView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/contracts/{contract}/signatures")]
pub async fn sign_contract(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<SignatureInput>,
) -> Result<HttpResponse, AppError> {
    let (id, contract) = path.into_inner();
    let id = parse_id(&id)?;
    let contract = contract_id(&contract)?;
    let cms = base64(&body.cms, "cms")?;
    let seal_signature = base64(&body.seal_signature, "seal_signature")?;
    let view = sign(&state, principal, ctx, id, contract, cms, seal_signature).await?;
    Ok(HttpResponse::Created().json(view))
}

/// What [`sign_contract`] does once the body is decoded, for callers that
/// are not HTTP requests (the demo procedure): the signatures verified
/// over the document as it is now, then kept.
pub async fn sign(
    state: &AppState,
    principal: Principal,
    ctx: AuditContext,
    id: TenderId,
    contract: String,
    cms: Vec<u8>,
    seal_signature: Vec<u8>,
) -> Result<ContractView, AppError> {
    let (tender, who, now) = (id.clone(), principal.clone(), ctx.now);
    let (party, to_sign) = state
        .db
        .read(move |conn| {
            let row = store::tender(conn, &tender, &who)?;
            let (c, _) = store::load_readable(conn, &row, &contract, &who)?;
            let party = store::signing_party(&who, &c)?;
            Ok((
                party,
                (
                    c.id.clone(),
                    store::prepare_signing(conn, &row, &c, party, now)?,
                ),
            ))
        })
        .await?;
    let (contract, to_sign) = to_sign;
    let now = state.clock.now();
    let snapshot = state.trust.get(&state.db, now).await?;
    let document = to_sign.document.clone();
    let verified = crate::db::off_executor(move || {
        let league = LeagueCode::parse(&to_sign.league).ok();
        verify(
            &snapshot,
            league.as_ref(),
            now,
            &to_sign.document,
            &to_sign.credit_code,
            cms,
            seal_signature,
        )
    })
    .await?;
    state
        .db
        .write(move |conn| {
            crate::tenders::store::lock(conn, &id)?;
            let row = store::tender(conn, &id, &principal)?;
            let c = store::load(conn, &row.id, &contract)?;
            let role = match party {
                Party::Purchaser => crate::identity::Role::Tenderer,
                Party::Supplier => crate::identity::Role::Bidder,
            };
            store::sign(
                conn,
                &ctx.acting_as(role),
                &row,
                &c,
                party,
                &document,
                &verified,
            )?;
            let c = store::load(conn, &row.id, &contract)?;
            store::view(conn, &c, Reader::Party(party))
        })
        .await
}

/// Publishes a signed contract (the tender's tenderer or agent): a public
/// notice of kind `contract` and an OCDS `contract` release. Clauses that
/// are state or commercial secrets may be withheld from the public view
/// (政府采购法实施条例 第50条), which is why publication is the
/// purchaser's act and not automatic; a government procurement contract
/// not published within 2 working days of its signing raises a
/// supervision alert.
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path), ("contract" = String, Path)),
    request_body = Publication,
    responses(
        (status = 200, body = ContractView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/contracts/{contract}/publication")]
pub async fn publish_contract(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<Publication>,
) -> Result<web::Json<ContractView>, AppError> {
    let (id, contract) = path.into_inner();
    let id = parse_id(&id)?;
    let contract = contract_id(&contract)?;
    let view = publish(&state, principal, ctx, id, contract, body.into_inner()).await?;
    Ok(web::Json(view))
}

/// What [`publish_contract`] does, for callers that are not HTTP requests
/// (the demo procedure).
pub async fn publish(
    state: &AppState,
    principal: Principal,
    ctx: AuditContext,
    id: TenderId,
    contract: String,
    input: Publication,
) -> Result<ContractView, AppError> {
    let settings = state.ocds.clone();
    state
        .db
        .write(move |conn| {
            crate::tenders::store::lock(conn, &id)?;
            let row = store::tender(conn, &id, &principal)?;
            let (c, _) = store::load_readable(conn, &row, &contract, &principal)?;
            let role = store::drafter_role(&row, &principal)?;
            let c = store::publish(conn, &ctx.acting_as(role), &settings, &row, &c, &input)?;
            store::view(conn, &c, Reader::Drafter(role))
        })
        .await
}
