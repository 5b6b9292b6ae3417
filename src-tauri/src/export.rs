//! Printing the page through the system's print dialog, and saving an
//! export where the practitioner chooses: the system's save
//! dialog opens with a suggested name, and the file is written only if a
//! place is chosen. The path never comes from the web view, so the UI can
//! never make the shell write anywhere on its own.

use std::path::PathBuf;

use doorstep_core::{CoreError, Session};
use serde::Deserialize;
use tauri_plugin_dialog::DialogExt;

use crate::ipc::IpcError;

/// What to export.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "codegen", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ExportRequest {
    /// The Early Help summary as PDF.
    EarlyHelpPdf,
    /// A visit summary (one contact) as PDF.
    VisitPdf {
        /// The contact.
        contact_id: String,
    },
    /// A form (its answers and scores) as PDF.
    FormPdf {
        /// The response.
        response_id: String,
    },
    /// A completed form as a FHIR R4 bundle (JSON).
    FormFhir {
        /// The response.
        response_id: String,
    },
    /// A contact's encounter and measurements as a FHIR R4 bundle (JSON).
    ContactFhir {
        /// The contact.
        contact_id: String,
    },
}

/// An export ready to save: the file name to suggest, its type and bytes.
pub struct Prepared {
    name: String,
    filter: (&'static str, &'static str),
    bytes: Vec<u8>,
}

fn json(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).expect("JSON values serialise")
}

/// Makes the export's bytes (the session's audit records it).
pub fn prepare(
    s: &mut Session,
    family_id: &str,
    what: &ExportRequest,
) -> Result<Prepared, CoreError> {
    let family = s.show_family(family_id)?.family.list_name();
    let stem = family
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>();
    let today = s.clock().today();
    const PDF: (&str, &str) = ("PDF document", "pdf");
    const FHIR: (&str, &str) = ("FHIR bundle (JSON)", "json");
    let (what_name, filter, bytes) = match what {
        ExportRequest::EarlyHelpPdf => {
            let summary = s.early_help_summary(family_id)?;
            (
                "early-help",
                PDF,
                doorstep_core::exports::early_help::to_pdf(&summary),
            )
        }
        ExportRequest::VisitPdf { contact_id } => {
            ("visit", PDF, s.visit_pdf(family_id, contact_id)?)
        }
        ExportRequest::FormPdf { response_id } => {
            ("form", PDF, s.form_pdf(family_id, response_id)?)
        }
        ExportRequest::FormFhir { response_id } => (
            "form-fhir",
            FHIR,
            json(&s.export_fhir(family_id, response_id)?),
        ),
        ExportRequest::ContactFhir { contact_id } => (
            "contact-fhir",
            FHIR,
            json(&s.export_fhir_contact(family_id, contact_id)?),
        ),
    };
    Ok(Prepared {
        name: format!("{stem}-{what_name}-{today}.{}", filter.1),
        filter,
        bytes,
    })
}

/// Asks where to save `export` and writes it there; `None` when the
/// practitioner cancels (nothing is written).
pub async fn save(app: &tauri::AppHandle, export: Prepared) -> Result<Option<String>, IpcError> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let chosen = app
            .dialog()
            .file()
            .set_title("Save a copy")
            .set_file_name(&export.name)
            .add_filter(export.filter.0, &[export.filter.1])
            .blocking_save_file();
        let Some(chosen) = chosen else {
            return Ok(None);
        };
        let path: PathBuf = chosen.into_path().map_err(|_| cannot_save())?;
        std::fs::write(&path, &export.bytes).map_err(|_| cannot_save())?;
        Ok(path.file_name().map(|n| n.to_string_lossy().into_owned()))
    })
    .await
    .map_err(|_| IpcError::internal())?
}

/// Opens the system's print dialog for the main window's page (WebKitGTK's
/// own: `window.print()` in the page does nothing there).
pub fn print(app: &tauri::AppHandle) -> Result<(), IpcError> {
    use tauri::Manager as _;
    let window = app
        .get_webview_window("main")
        .ok_or_else(IpcError::internal)?;
    window.print().map_err(|_| IpcError {
        code: doorstep_core::ErrorCode::Storage,
        message: "Doorstep could not open the print dialog. Try again; if it still does not open, save the summary as a PDF and print that.".into(),
        problems: Vec::new(),
        warning: None,
    })
}

fn cannot_save() -> IpcError {
    IpcError {
        code: doorstep_core::ErrorCode::Storage,
        message: "Doorstep could not save the file there. Choose another folder (one you can write to, with space free) and try again.".into(),
        problems: Vec::new(),
        warning: None,
    }
}
