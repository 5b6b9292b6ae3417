//! Exports of completed assessments: a FHIR R4 bundle (QuestionnaireResponse,
//! Patient, score Observations) and the Early Help Assessment summary built
//! from the Family Health Assessment and family-partnership goals, as HTML
//! or PDF; a visit summary and a form as PDF. Exports are returned to the
//! caller, never written to disk by the core: where they go is the
//! practitioner's choice. The formats are the doorstep-exports crate's,
//! re-exported here as [`early_help`], [`fhir`] and [`summary`] for the CLI
//! and the shell.

use doorstep_domain::record::response::{FormResponse, ResponseStatus};
use uuid::Uuid;

pub use doorstep_exports::{early_help, fhir, summary};
use early_help::EarlyHelpSummary;

use crate::{CoreError, Session};

fn latest_completed<'a>(
    family: &'a doorstep_domain::record::family::Family,
    form: &str,
) -> Option<&'a FormResponse> {
    family
        .responses
        .values()
        .filter(|r| {
            r.form.id == form
                && r.status == ResponseStatus::Completed
                && r.entered_in_error.is_none()
        })
        .max_by_key(|r| r.completed.as_ref().map(|c| c.at))
}

impl Session {
    /// A completed response as a FHIR R4 Bundle.
    pub fn export_fhir(
        &mut self,
        family_id: &str,
        response_id: &str,
    ) -> Result<serde_json::Value, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        let rid = Uuid::parse_str(response_id.trim())
            .map_err(|_| CoreError::invalid("response", "is not a record id"))?;
        let bundle = fhir::response_bundle(&family, rid)
            .map_err(|e| CoreError::invalid("response", e.to_string()))?;
        self.audit_view("form.export-fhir", id)?;
        Ok(bundle)
    }

    /// Contact `contact_id` as a FHIR R4 Bundle: for each child, the
    /// Patient, the Encounter and the growth Observations.
    pub fn export_fhir_contact(
        &mut self,
        family_id: &str,
        contact_id: &str,
    ) -> Result<serde_json::Value, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        let cid = Uuid::parse_str(contact_id.trim())
            .map_err(|_| CoreError::invalid("contact", "is not a record id"))?;
        let bundle = fhir::contact_bundle(&family, cid)
            .map_err(|e| CoreError::invalid("contact", e.to_string()))?;
        self.audit_view("contact.export-fhir", id)?;
        Ok(bundle)
    }

    /// The Early Help summary from the latest completed Family Health
    /// Assessment and family-partnership assessment.
    pub fn early_help_summary(&mut self, family_id: &str) -> Result<EarlyHelpSummary, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        let fhat = latest_completed(&family, "fhat");
        if fhat.is_none() {
            return Err(CoreError::invalid(
                "form",
                "no completed Family Health Assessment for this family yet",
            ));
        }
        let summary = early_help::summary(
            &family,
            fhat,
            latest_completed(&family, "family-partnership"),
            self.clock().today(),
        );
        self.audit_view("form.export-early-help", id)?;
        Ok(summary)
    }

    /// Contact `contact_id` as a visit summary PDF.
    pub fn visit_pdf(&mut self, family_id: &str, contact_id: &str) -> Result<Vec<u8>, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        let cid = Uuid::parse_str(contact_id.trim())
            .map_err(|_| CoreError::invalid("contact", "is not a record id"))?;
        let bytes = summary::visit_pdf(&family, cid)
            .map_err(|e| CoreError::invalid("contact", e.to_string()))?;
        self.audit_view("contact.export-pdf", id)?;
        Ok(bytes)
    }

    /// Response `response_id` (its answers and scores) as a PDF.
    pub fn form_pdf(&mut self, family_id: &str, response_id: &str) -> Result<Vec<u8>, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        let rid = Uuid::parse_str(response_id.trim())
            .map_err(|_| CoreError::invalid("response", "is not a record id"))?;
        let bytes = summary::form_pdf(&family, rid)
            .map_err(|e| CoreError::invalid("response", e.to_string()))?;
        self.audit_view("form.export-pdf", id)?;
        Ok(bytes)
    }
}
