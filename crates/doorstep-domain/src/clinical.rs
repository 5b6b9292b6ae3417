//! Clinical rules, pure functions over records and plain facts: growth
//! against the WHO 2006 standards ([`growth`]) and measurement plausibility
//! ([`plausibility`]), the mandated review schedule and worklist
//! ([`schedule`]), the quarterly KPIs ([`kpi`]), the 2026 delivery
//! measures' groups ([`delivery`]) and caseload weighting ([`caseload`]).
//! Nothing here is stored: it is derived every time.

pub mod caseload;
pub mod delivery;
pub mod growth;
pub mod kpi;
pub mod plausibility;
pub mod schedule;
