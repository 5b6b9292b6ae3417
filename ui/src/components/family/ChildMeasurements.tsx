// Weight, length or height, and head circumference for one child at a
// contact. As the user types (debounced), the core checks each value
// (impossible, implausible) and gives its SDS and centile, shown next to
// the field in a polite live region; an implausible value needs a reason
// to keep it.
import { useEffect, useRef, useState } from "react";
import { previewMeasurements, type MeasurementPreview } from "../../ipc";
import { failure } from "./failure";
import { TextInput } from "../fields";
import { describeAssessment } from "./format";

export type TypedMeasurements = {
  weight_kg: string;
  length_cm: string;
  height_cm: string;
  head_cm: string;
  confirm_implausible: string;
};

export const NO_MEASUREMENTS: TypedMeasurements = {
  weight_kg: "",
  length_cm: "",
  height_cm: "",
  head_cm: "",
  confirm_implausible: "",
};

export type MeasureField = "weight_kg" | "length_cm" | "height_cm" | "head_cm";

/** The fields shown for a child: length under 2 years, height from 2. */
export function measureFields(standing: boolean): MeasureField[] {
  return ["weight_kg", standing ? "height_cm" : "length_cm", "head_cm"];
}

const LABELS: Record<MeasureField, [string, string]> = {
  weight_kg: ["Weight", "kg"],
  length_cm: ["Length (lying down)", "cm"],
  height_cm: ["Height (standing)", "cm"],
  head_cm: ["Head circumference", "cm"],
};

export const PREVIEW_DELAY_MS = 300;

/** The field path the core gives a problem with this child's measurement (`children/<id>/weight_kg`); fields are named by it, so the error summary links to the right child. */
export function measurementField(personId: string, field: MeasureField | "confirm_implausible"): string {
  return `children/${personId}/${field}`;
}

export function ChildMeasurements({
  familyId,
  personId,
  childName,
  measuredOn,
  standing,
  values,
  onChange,
  problems,
}: {
  familyId: string;
  personId: string;
  childName: string;
  /** The contact date (YYYY-MM-DD), or "" when it is not a valid date. */
  measuredOn: string;
  /** Whether the child is 2 or over on that date (height, not length). */
  standing: boolean;
  values: TypedMeasurements;
  onChange: (v: TypedMeasurements) => void;
  /** Problems the core reported on saving about this child, by field name. */
  problems: Partial<Record<MeasureField | "confirm_implausible", string>>;
}) {
  const [previews, setPreviews] = useState<MeasurementPreview[]>([]);
  const [previewProblem, setPreviewProblem] = useState<string | null>(null);
  const seq = useRef(0);
  const fields = measureFields(standing);
  const shown = {
    weight_kg: values.weight_kg,
    length_cm: standing ? "" : values.length_cm,
    height_cm: standing ? values.height_cm : "",
    head_cm: values.head_cm,
  };

  useEffect(() => {
    const any = Object.values(shown).some((v) => v.trim() !== "");
    if (!any || !measuredOn) {
      seq.current++;
      setPreviews([]);
      setPreviewProblem(null);
      return;
    }
    const timer = setTimeout(() => {
      const mine = ++seq.current;
      const text = (v: string) => (v.trim() === "" ? null : v.trim());
      previewMeasurements(familyId, measuredOn, {
        person_id: personId,
        weight_kg: text(shown.weight_kg),
        length_cm: text(shown.length_cm),
        height_cm: text(shown.height_cm),
        head_cm: text(shown.head_cm),
        confirm_implausible: null,
      })
        .then((list) => {
          if (mine !== seq.current) return;
          setPreviews(list);
          setPreviewProblem(null);
        })
        .catch((e) => {
          if (mine !== seq.current) return;
          setPreviews([]);
          setPreviewProblem(failure(e).message);
        });
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [familyId, personId, measuredOn, shown.weight_kg, shown.length_cm, shown.height_cm, shown.head_cm]);

  // A check is shown only beside the value it was made for: while a
  // corrected value is typed, the old value's problem does not linger.
  const previewOf = (f: MeasureField) =>
    shown[f].trim() === ""
      ? undefined
      : previews.find((p) => p.field === f && (p.value == null || p.value === Number(shown[f].trim())));
  const needsConfirm = fields.some((f) => previewOf(f)?.warning) || !!problems.confirm_implausible ||
    fields.some((f) => /implausible/.test(problems[f] ?? "")) || values.confirm_implausible !== "";

  return (
    <fieldset className="nhsuk-fieldset nhsuk-u-margin-bottom-4" data-testid={`measurements-${personId}`}>
      <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Measurements: {childName}</legend>
      {previewProblem && <p className="nhsuk-body-s">Centiles cannot be shown: {previewProblem}</p>}
      <div className="nhsuk-grid-row">
        {fields.map((f) => {
          const [label, unit] = LABELS[f];
          const name = measurementField(personId, f);
          const p = previewOf(f);
          return (
            <div className="nhsuk-grid-column-one-third" key={f}>
              <TextInput
                name={name}
                label={`${label} (${unit})`}
                inputMode="decimal"
                width={5}
                suffix={unit}
                value={shown[f]}
                onChange={(v) => onChange({ ...values, [f]: v })}
                error={problems[f] ?? p?.problem ?? undefined}
              />
              <div aria-live="polite" className="nhsuk-body-s" style={{ marginTop: -16, minHeight: "1.5em" }}>
                {p?.assessment && (
                  <p className="nhsuk-body-s nhsuk-u-margin-bottom-2" data-testid={`centile-${f}`}>
                    <span className="nhsuk-u-visually-hidden">{label}: </span>
                    {capitalise(describeAssessment(p.assessment))}
                  </p>
                )}
                {p?.warning && (
                  <p className="nhsuk-body-s nhsuk-u-margin-bottom-2" data-testid={`warning-${f}`}>
                    <strong>Check this value:</strong> {p.warning}. Measure again, or give a reason to keep it.
                  </p>
                )}
                {p?.no_assessment && !p.problem && (
                  <p className="nhsuk-body-s nhsuk-u-margin-bottom-2">No centile: {p.no_assessment}</p>
                )}
                {p?.problem && !problems[f] && (
                  <span className="nhsuk-u-visually-hidden">
                    {label}: {p.problem}
                  </span>
                )}
              </div>
            </div>
          );
        })}
      </div>
      {needsConfirm && (
        <TextInput
          name={measurementField(personId, "confirm_implausible")}
          label="Reason for keeping a value flagged as implausible"
          hint="For example, measured twice with the same result. Leave empty and measure again if the value was mistyped."
          value={values.confirm_implausible}
          onChange={(v) => onChange({ ...values, confirm_implausible: v })}
          error={problems.confirm_implausible}
        />
      )}
    </fieldset>
  );
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
