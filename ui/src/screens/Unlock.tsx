// Unlock: whose laptop this is, and the passphrase. A wrong passphrase
// shows how many attempts are left; after too many the data is erased and
// the laptop has to be set up again.
import { useState, type FormEvent } from "react";
import { appState, asIpcError, unlock, type AppState, type IpcError } from "../ipc";
import { ErrorSummary } from "../components/ErrorSummary";
import { TextInput } from "../components/fields";
import { roleLabel } from "../components/shell/format";
import { fieldError } from "../components/shell/problems";
import { WarningCallout } from "../components/shell/WarningCallout";

export function Unlock({ state, onUnlocked, onSetUpAgain }: {
  state: AppState;
  onUnlocked: (state: AppState) => void;
  /** The data was erased: go to first run with the new state. */
  onSetUpAgain: (state: AppState) => void;
}) {
  const [passphrase, setPassphrase] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const { practitioner, role, team } = state.profile;
  const erased = error?.code === "erased" || error?.code === "revoked";

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const next = await unlock(passphrase);
      setPassphrase("");
      onUnlocked(next);
    } catch (err) {
      setError(asIpcError(err));
      setPassphrase("");
    } finally {
      setBusy(false);
    }
  }

  async function setUpAgain() {
    try {
      onSetUpAgain(await appState());
    } catch {
      onSetUpAgain({ ...state, unlocked: false, profile: { ...state.profile, exists: false } });
    }
  }

  if (erased && error) {
    return (
      <>
        <h1 tabIndex={-1}>The data on this laptop was erased</h1>
        <WarningCallout heading="Erased">
          <p className="nhsuk-card__description" data-testid="erased-message">{error.message}</p>
        </WarningCallout>
        <p>Nothing can be unlocked now. Set the laptop up again with a new passphrase, then sync to get the caseload back from your trust's server.</p>
        <button type="button" className="nhsuk-button" onClick={setUpAgain}>
          Set up this laptop again
        </button>
      </>
    );
  }

  const passphraseError = error?.code === "wrong-passphrase"
    ? "Passphrase not accepted: check it and try again"
    : fieldError(error, "passphrase", "Passphrase");

  return (
    <>
      <h1 tabIndex={-1}>Unlock Doorstep</h1>
      <ErrorSummary error={error} />
      {error?.warning && (
        <WarningCallout heading="Attempts left">
          <p className="nhsuk-card__description" data-testid="unlock-warning">{error.warning}</p>
        </WarningCallout>
      )}
      <dl className="nhsuk-summary-list">
        <div className="nhsuk-summary-list__row">
          <dt className="nhsuk-summary-list__key">This laptop belongs to</dt>
          <dd className="nhsuk-summary-list__value" data-testid="owner">{practitioner ?? "Not known"}</dd>
        </div>
        {role && (
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Role</dt>
            <dd className="nhsuk-summary-list__value">{roleLabel(role)}</dd>
          </div>
        )}
        {team && (
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Team</dt>
            <dd className="nhsuk-summary-list__value">{team}</dd>
          </div>
        )}
      </dl>
      <form onSubmit={submit} noValidate>
        <TextInput name="passphrase" label="Passphrase" type="password" autoComplete="current-password" width={30}
          value={passphrase} onChange={setPassphrase} error={passphraseError} />
        <button type="submit" className="nhsuk-button" disabled={busy}>
          {busy ? "Unlocking…" : "Unlock"}
        </button>
      </form>
      {busy && <p className="nhsuk-body ds-loading" role="status">Checking your passphrase…</p>}
      <p className="nhsuk-body-s">Doorstep locks itself after {state.idle_lock_minutes} minutes without use. Nothing you saved is lost when it locks.</p>
    </>
  );
}
