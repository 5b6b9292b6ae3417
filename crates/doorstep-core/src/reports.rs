//! Caseload-wide use-cases that read the projections: the worklist, the
//! caseload summary and the quarterly KPIs.

use chrono::{Days, NaiveDate};
use doorstep_domain::clinical::caseload::{self, CaseloadSummary};
use doorstep_domain::clinical::kpi::{self, KpiReport, Quarter};
use doorstep_domain::clinical::schedule::{self, WorkItem};
use doorstep_domain::values::codes::ContactKind;
use doorstep_store::facts;

use crate::{CoreError, Session};

/// The worklist request.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct WorklistQuery {
    /// As of this day (default today).
    pub from: Option<NaiveDate>,
    /// Show reviews whose window opens by this day (default from + 28 days).
    pub to: Option<NaiveDate>,
    /// Only this practitioner's families.
    pub practitioner: Option<String>,
}

impl Session {
    /// Overdue, follow-ups, due now and upcoming reviews, most urgent
    /// first; the view is audited (`worklist.view`, it names children).
    pub fn worklist(&mut self, q: &WorklistQuery) -> Result<Vec<WorkItem>, CoreError> {
        let cx = self.context();
        self.store
            .record_view("worklist.view", None, &crate::session::actor(&cx))?;
        let from = q.from.unwrap_or_else(|| self.clock().today());
        let to = q.to.unwrap_or(from + Days::new(28));
        if to < from {
            return Err(CoreError::invalid("to", "is before from"));
        }
        let p = q
            .practitioner
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let children = facts::children(self.store.connection(), p)?;
        let contacts = facts::review_contacts(self.store.connection(), p, None)?;
        Ok(schedule::worklist(
            &children,
            &contacts,
            from,
            to,
            &self.config.schedule,
        ))
    }

    /// Families and children by level and flag, and the weighted caseload
    /// against the limit.
    pub fn caseload_summary(
        &mut self,
        practitioner: Option<&str>,
    ) -> Result<CaseloadSummary, CoreError> {
        self.refresh()?;
        let families = facts::caseload(
            self.store.connection(),
            practitioner.map(str::trim).filter(|s| !s.is_empty()),
        )?;
        Ok(caseload::summarise(&families, &self.config.caseload))
    }

    /// The quarterly health-visiting metrics.
    pub fn kpi_report(&mut self, quarter: &str) -> Result<KpiReport, CoreError> {
        let q = Quarter::parse(quarter).map_err(|e| CoreError::invalid("quarter", e))?;
        let conn = self.store.connection();
        let window = kpi::contact_window(&q, &self.config.kpi);
        let children = facts::children(conn, None)?;
        let contacts = facts::review_contacts(conn, None, Some(window))?;
        let measurements =
            facts::measurements_at(conn, ContactKind::TwoYear, (q.start(), q.end()))?;
        Ok(kpi::kpis(
            &q,
            &children,
            &contacts,
            &measurements,
            &self.config.kpi,
            &self.config.forms.asq3,
        ))
    }
}
