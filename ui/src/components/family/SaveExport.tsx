// Saving a copy of part of the record outside Doorstep: a PDF, or a FHIR
// bundle for another system. The shell opens the system's save dialog and
// writes the file where the practitioner chooses; the screen only names
// what to save, then says "Saved as <file name>". A cancelled dialog
// writes nothing, and nothing is shown.
import { useState } from "react";
import { saveExport, type ExportRequest, type IpcError } from "../../ipc";
import { failure } from "./failure";

/**
 * A refused command's problems in words: they name the record, not a
 * field on this screen, so the error summary shows them as text rather
 * than as links to fields.
 */
export function inWords(error: IpcError, lead: string): IpcError {
  if (error.problems.length === 0) return error;
  const problems = error.problems.map((p) => p.problem).join("; ");
  return { ...error, message: `${lead}: ${problems}.`, problems: [] };
}

export type Saved = { key: string; name: string } | null;

/**
 * Saving exports from one screen: which one is being saved (its key, while
 * the save dialog is open), the last one saved, and `save`. Failures go to
 * `onError` (the screen's error summary); a new save clears the last one.
 */
export function useSaveExport(familyId: string, onError: (e: IpcError | null) => void) {
  const [saving, setSaving] = useState<string | null>(null);
  const [saved, setSaved] = useState<Saved>(null);

  async function save(key: string, request: ExportRequest, what: string): Promise<void> {
    setSaving(key);
    setSaved(null);
    onError(null);
    try {
      const name = await saveExport(familyId, request);
      // null: the practitioner cancelled the dialog, and nothing was written.
      if (name) setSaved({ key, name });
    } catch (e) {
      onError(inWords(failure(e), `Doorstep could not save ${what}`));
    } finally {
      setSaving(null);
    }
  }

  return { saving, saved, save, clear: () => setSaved(null) };
}

/**
 * Where "Saved as <file name>" appears: a status region, present (empty)
 * before the save so that screen readers announce the name when it comes.
 */
export function SavedNote({ name, testId }: { name: string | null | undefined; testId?: string }) {
  return (
    <div role="status" data-testid={testId} className={name ? "nhsuk-inset-text ds-success ds-saved" : "ds-saved"}>
      {name && (
        <p>
          Saved as <strong>{name}</strong>
        </p>
      )}
    </div>
  );
}
