//! Objections and complaints (异议 / 质疑 / 投诉), issue 22.
//!
//! One model for the tendering law's 异议 (construction, land and property)
//! and government procurement's 质疑, each with a typed subject (the
//! documents, the opening, the result, the process), a filing window and an
//! answer clock from the rules ([`rules`], a table, pure). A pending
//! objection holds the lifecycle step it concerns ([`store::guard`], called
//! by `tenders::store::transition`). An answered objection, or one whose
//! answer clock ran out, may be escalated by the enterprise that raised it
//! as a complaint (投诉) to the administrative supervisor whose scope holds
//! the tender, who accepts or refuses it, may suspend the procedure and
//! resume it, and decides it; refusals, suspensions and decisions are
//! published as notices. These are the only writes supervisors make
//! (`supervision::SUPERVISOR_WRITES`), and only administrative supervisors
//! in scope: discipline and audit supervisors read. Clocks that run out
//! raise supervision alerts ([`overdue`]).
//!
//! The objections of the opening, from before subjects existed, are the
//! subject `opening`; their routes, audit events and hall events are as
//! they were.

pub mod overdue;
pub mod routes;
pub mod rules;
pub mod store;
