//! Contracts (合同): drafted from an award by the tender's tenderer or
//! agent, with the supplier, lot and value fixed by the award and the
//! other terms editable while a draft; signed by both parties over the
//! same bytes (a detached CMS SignedData with the enterprise certificate
//! and a GB/T 38540 seal signature with the electronic seal, verified as a
//! bid's signatures are); published by the purchaser (government
//! procurement within 2 working days of signing, 政府采购法实施条例 第50条)
//! as a notice of kind `contract` with an OCDS `contract` release; and
//! watched: a supervision alert when no contract is signed 30 days after
//! the award (招标投标法 第46条, 政府采购法 第46条) or a government
//! procurement contract is not published in time.
//!
//! The pure rules (terms, bond ceiling, document, clocks) are in
//! [`rules`]; storage, who reads what and the overdue sweep in [`store`];
//! HTTP in [`routes`].

pub mod routes;
pub mod rules;
pub mod store;

/// How often the overdue sweep runs (under the cluster's duties).
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// One overdue sweep (see [`store::sweep`]).
pub async fn sweep_round(db: &crate::db::Db, clock: &std::sync::Arc<dyn crate::clock::Clock>) {
    let now = clock.now();
    match db.write(move |conn| store::sweep(conn, now)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(raised = n, "contract clocks ran out"),
        Err(e) => tracing::warn!(error = %e, "sweeping contract clocks"),
    }
}
