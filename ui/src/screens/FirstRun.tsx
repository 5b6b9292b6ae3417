// First run: set the laptop up, either with the offline demo caseload or
// for real work (a profile, then enrolment with the trust's server, then a
// first sync to bring the caseload down).
import { useEffect, useRef, useState, type FormEvent } from "react";
import {
  asIpcError, createProfile, enrol, passphraseStrength, syncNow,
  type AppState, type IpcError, type PassphraseCheck, type PractitionerRole,
} from "../ipc";
import { ErrorSummary } from "../components/ErrorSummary";
import { Select, TextInput } from "../components/fields";
import { EnrolFields, emptyEnrol, type EnrolValues } from "../components/shell/EnrolFields";
import { formatDateTime, ROLE_LABELS } from "../components/shell/format";
import { fieldError, invalid } from "../components/shell/problems";
import { WarningCallout } from "../components/shell/WarningCallout";

type Mode = "demo" | "enrol";

export const DEMO_FAMILIES = 60;

const ROLE_OPTIONS = (Object.keys(ROLE_LABELS) as PractitionerRole[]).map((value) => ({ value, label: ROLE_LABELS[value] }));

const STRENGTH: Record<PassphraseCheck["strength"], { label: string; tag: string }> = {
  weak: { label: "Weak", tag: "nhsuk-tag nhsuk-tag--red" },
  fair: { label: "Fair", tag: "nhsuk-tag nhsuk-tag--yellow" },
  strong: { label: "Strong", tag: "nhsuk-tag nhsuk-tag--green" },
};

/** Live feedback on a new passphrase, asked of the shell ~300 ms after typing stops. */
function usePassphraseCheck(passphrase: string): PassphraseCheck | null {
  const [check, setCheck] = useState<PassphraseCheck | null>(null);
  useEffect(() => {
    if (!passphrase) {
      setCheck(null);
      return;
    }
    let current = true;
    const t = setTimeout(() => {
      passphraseStrength(passphrase)
        .then((c) => current && setCheck(c))
        .catch(() => current && setCheck(null));
    }, 300);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [passphrase]);
  return check;
}

export function FirstRun({ state, onDone }: { state: AppState; onDone: (state: AppState) => void }) {
  const [mode, setMode] = useState<Mode | null>(null);
  const [practitioner, setPractitioner] = useState("");
  const [role, setRole] = useState("");
  const [team, setTeam] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const [confirm, setConfirm] = useState("");
  const [enrolment, setEnrolment] = useState<EnrolValues>(emptyEnrol);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  /** The profile, once made (a retry then only enrols and syncs). */
  const [created, setCreated] = useState<AppState | null>(null);
  const [enrolled, setEnrolled] = useState(false);
  const [syncError, setSyncError] = useState<IpcError | null>(null);
  const check = usePassphraseCheck(created ? "" : passphrase);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (mode) headingRef.current?.focus();
  }, [mode]);

  const erased = state.profile.erased;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setError(null);
    let profile = created;
    if (!profile) {
      const problems: { field: string; problem: string }[] = [];
      if (!practitioner.trim()) problems.push({ field: "practitioner", problem: "is required: enter your name" });
      if (!role) problems.push({ field: "role", problem: "is required: choose your role" });
      if (!passphrase) problems.push({ field: "passphrase", problem: "is required: enter a new passphrase" });
      else if (confirm !== passphrase) problems.push({ field: "passphrase_confirm", problem: "does not match: type the same passphrase twice" });
      if (mode === "enrol") {
        if (!enrolment.server.trim()) problems.push({ field: "server", problem: "is required: enter the address your administrator gave you" });
        if (!enrolment.code.trim()) problems.push({ field: "code", problem: "is required: enter the one-time code your administrator gave you" });
      }
      if (problems.length) {
        setError(invalid(problems));
        return;
      }
      setBusy("Setting up this laptop. This can take a minute…");
      try {
        profile = await createProfile({
          passphrase,
          practitioner: practitioner.trim(),
          role,
          team: team.trim() || null,
          demo_families: mode === "demo" ? DEMO_FAMILIES : null,
        });
      } catch (err) {
        setError(asIpcError(err));
        setBusy(null);
        return;
      }
      setCreated(profile);
      setPassphrase("");
      setConfirm("");
      if (mode === "demo") {
        setBusy(null);
        onDone(profile);
        return;
      }
    }
    if (!enrolled) {
      setBusy("Enrolling this laptop with your trust's server…");
      try {
        await enrol({
          server: enrolment.server.trim(),
          code: enrolment.code.trim(),
          ca_pem: null,
          device_name: enrolment.device_name.trim() || null,
        });
      } catch (err) {
        setError(asIpcError(err));
        setBusy(null);
        return;
      }
      setEnrolled(true);
    }
    setBusy("Getting your caseload from the server…");
    try {
      await syncNow();
    } catch (err) {
      setSyncError(asIpcError(err));
      setBusy(null);
      return;
    }
    setBusy(null);
    onDone(profile);
  }

  if (syncError && created) {
    return (
      <>
        <h1 ref={headingRef} tabIndex={-1}>This laptop is set up</h1>
        <ErrorSummary error={syncError} title="The first sync did not finish" />
        <p>This laptop is set up and enrolled. Your caseload will arrive when the sync works: Doorstep tries again in the background, or you can use Sync now on the Sync page.</p>
        <button type="button" className="nhsuk-button" onClick={() => onDone(created)}>
          Continue to Today
        </button>
      </>
    );
  }

  if (!mode) {
    return (
      <>
        <h1 ref={headingRef} tabIndex={-1}>Set up Doorstep on this laptop</h1>
        {erased && (
          <WarningCallout heading="The data on this laptop was erased">
            <p className="nhsuk-card__description">
              It was erased on {formatDateTime(erased.at)}: {erased.reason}. Set the laptop up again, then sync to get your caseload back.
            </p>
          </WarningCallout>
        )}
        <p className="nhsuk-body-l">Doorstep keeps your caseload on this laptop, encrypted with a passphrase only you know, so you can work without a connection.</p>
        <h2>How do you want to use Doorstep?</h2>
        <div className="ds-choices">
          <div className="ds-choice">
            <p>Try Doorstep with made-up families. Nothing is sent anywhere.</p>
            <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => setMode("demo")}>
              Open the offline demo caseload
            </button>
          </div>
          <div className="ds-choice">
            <p>Use Doorstep for your caseload. You need the server address and a one-time code from your trust's administrator.</p>
            <button type="button" className="nhsuk-button" onClick={() => setMode("enrol")}>
              Set up this laptop for my trust (enrol)
            </button>
          </div>
        </div>
      </>
    );
  }

  const strength = check ? STRENGTH[check.strength] : null;

  return (
    <>
      <h1 ref={headingRef} tabIndex={-1}>
        {mode === "demo" ? "Open the offline demo caseload" : "Set up this laptop for your trust"}
      </h1>
      {!created && (
        <p>
          <button type="button" className="ds-link-button" onClick={() => { setMode(null); setError(null); }}>
            Change how you want to use Doorstep
          </button>
        </p>
      )}
      <ErrorSummary error={error} />
      {busy && <p className="nhsuk-body ds-loading" role="status">{busy}</p>}
      <form onSubmit={submit} noValidate>
        {created ? (
          <div className="nhsuk-inset-text">
            <span className="nhsuk-u-visually-hidden">Information: </span>
            <p>Your profile and passphrase are saved. Now enrol this laptop with your trust's server.</p>
          </div>
        ) : (
          <>
            {mode === "demo" && (
              <div className="nhsuk-inset-text">
                <span className="nhsuk-u-visually-hidden">Information: </span>
                <p>The demo caseload has {DEMO_FAMILIES} made-up families. Do not enter real patient details in it.</p>
              </div>
            )}
            <h2 className="nhsuk-heading-m">About you</h2>
            <TextInput name="practitioner" label="Your name" autoComplete="name" width={30}
              value={practitioner} onChange={setPractitioner} error={fieldError(error, "practitioner", "Your name")} />
            <Select name="role" label="Your role" value={role} onChange={setRole} options={ROLE_OPTIONS}
              placeholder="Choose your role" error={fieldError(error, "role", "Role")} />
            <TextInput name="team" label="Your team (optional)" width={30} hint="For example, Foleshill 0–19 team"
              value={team} onChange={setTeam} error={fieldError(error, "team", "Team")} />
            <h2 className="nhsuk-heading-m">Your passphrase</h2>
            <p>You type this passphrase to open Doorstep. If it is lost, the data on this laptop cannot be read: sync gets it back.</p>
            <TextInput name="passphrase" label="New passphrase" type="password" autoComplete="new-password" width={30}
              hint="At least 12 characters. A few unrelated words work well, for example: kettle orbit crayon 42"
              value={passphrase} onChange={setPassphrase} error={fieldError(error, "passphrase", "Passphrase")} />
            <div className="ds-strength" aria-live="polite" data-testid="passphrase-strength">
              {strength && check && (
                <p className="nhsuk-body-s">
                  Strength: <strong className={strength.tag}>{strength.label}</strong>
                  {check.problem && <> The passphrase {check.problem}.</>}
                </p>
              )}
            </div>
            <TextInput name="passphrase_confirm" label="Type the passphrase again" type="password" autoComplete="new-password" width={30}
              value={confirm} onChange={setConfirm} error={fieldError(error, "passphrase_confirm", "Passphrase")} />
          </>
        )}
        {mode === "enrol" && (
          <>
            <h2 className="nhsuk-heading-m">Your trust's server</h2>
            <EnrolFields values={enrolment} onChange={setEnrolment} error={error} />
          </>
        )}
        <button type="submit" className="nhsuk-button" disabled={Boolean(busy)}>
          {mode === "demo" ? "Open the offline demo caseload" : created ? "Enrol this laptop" : "Set up and enrol this laptop"}
        </button>
        {created && mode === "enrol" && (
          <p>
            <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => onDone(created)} disabled={Boolean(busy)}>
              Continue without enrolling for now
            </button>
          </p>
        )}
      </form>
    </>
  );
}
