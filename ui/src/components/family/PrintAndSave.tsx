// Print and save on the family record: "Print" opens the system's print
// dialog through the shell (WebKitGTK ignores window.print()) for the record
// as shown (the print stylesheet in app.css leaves out the navigation, status bar,
// buttons and forms), and "Save the Early Help summary (PDF)" saves the
// summary made from the latest completed Family Health Assessment where the
// practitioner chooses. A refusal (no completed assessment yet) goes to the
// page's error summary.
import { printPage, type IpcError } from "../../ipc";
import { failure } from "./failure";
import { SavedNote, useSaveExport } from "./SaveExport";

export function PrintAndSave({ familyId, onError }: { familyId: string; onError: (e: IpcError | null) => void }) {
  const { saving, saved, save } = useSaveExport(familyId, onError);
  return (
    <div className="nhsuk-u-margin-bottom-6" data-testid="print-and-save">
      <div className="nhsuk-button-group ds-no-print">
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => void printPage().catch((e) => onError(failure(e)))}>
          Print
        </button>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          disabled={saving !== null}
          onClick={() => void save("early-help", { kind: "early-help-pdf" }, "the Early Help summary")}
        >
          Save the Early Help summary (PDF)
        </button>
      </div>
      <SavedNote name={saved?.name} testId="early-help-saved" />
    </div>
  );
}
