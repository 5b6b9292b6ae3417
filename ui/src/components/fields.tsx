// Form fields in the NHS.UK pattern: a label, an optional hint, the
// problem next to the field, and ids that the error summary links to
// (`field-<name>`, where <name> is the field name the core reports).
import type { ReactNode } from "react";

type Common = { name: string; label: ReactNode; hint?: ReactNode; error?: string };

function Group({ name, error, children }: { name: string; error?: string; children: ReactNode }) {
  return <div className={"nhsuk-form-group" + (error ? " nhsuk-form-group--error" : "")} data-field={name}>{children}</div>;
}

function Hint({ name, hint }: { name: string; hint?: ReactNode }) {
  return hint ? <div className="nhsuk-hint" id={`field-${name}-hint`}>{hint}</div> : null;
}

function ErrorText({ name, error }: { name: string; error?: string }) {
  return error ? (
    <span className="nhsuk-error-message" id={`field-${name}-error`}>
      <span className="nhsuk-u-visually-hidden">Error:</span> {error}
    </span>
  ) : null;
}

function describedBy(name: string, hint?: ReactNode, error?: string) {
  const ids = [hint ? `field-${name}-hint` : "", error ? `field-${name}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

export function TextInput({
  name, label, hint, error, value, onChange, onBlur, type = "text", width, inputMode, autoComplete, suffix,
}: Common & {
  value: string; onChange: (v: string) => void; onBlur?: () => void; type?: string;
  width?: 2 | 3 | 4 | 5 | 10 | 20 | 30; inputMode?: "text" | "decimal" | "numeric"; autoComplete?: string; suffix?: string;
}) {
  const input = (
    <input
      className={"nhsuk-input" + (width ? ` nhsuk-input--width-${width}` : "") + (error ? " nhsuk-input--error" : "")}
      id={`field-${name}`} name={name} type={type} value={value} inputMode={inputMode}
      autoComplete={autoComplete ?? "off"} aria-describedby={describedBy(name, hint, error)}
      aria-invalid={error ? true : undefined}
      onChange={(e) => onChange(e.target.value)} onBlur={onBlur}
    />
  );
  return (
    <Group name={name} error={error}>
      <label className="nhsuk-label" htmlFor={`field-${name}`}>{label}</label>
      <Hint name={name} hint={hint} />
      <ErrorText name={name} error={error} />
      {suffix ? <div className="nhsuk-input-wrapper">{input}<div className="nhsuk-input__suffix" aria-hidden="true">{suffix}</div></div> : input}
    </Group>
  );
}

export function TextArea({ name, label, hint, error, value, onChange, onBlur, rows = 5 }: Common & {
  value: string; onChange: (v: string) => void; onBlur?: () => void; rows?: number;
}) {
  return (
    <Group name={name} error={error}>
      <label className="nhsuk-label" htmlFor={`field-${name}`}>{label}</label>
      <Hint name={name} hint={hint} />
      <ErrorText name={name} error={error} />
      <textarea className={"nhsuk-textarea" + (error ? " nhsuk-textarea--error" : "")} id={`field-${name}`} name={name}
        rows={rows} value={value} aria-describedby={describedBy(name, hint, error)} aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value)} onBlur={onBlur} />
    </Group>
  );
}

export type Option = { value: string; label: string };

export function Select({ name, label, hint, error, value, onChange, options, placeholder }: Common & {
  value: string; onChange: (v: string) => void; options: Option[]; placeholder?: string;
}) {
  return (
    <Group name={name} error={error}>
      <label className="nhsuk-label" htmlFor={`field-${name}`}>{label}</label>
      <Hint name={name} hint={hint} />
      <ErrorText name={name} error={error} />
      <select className={"nhsuk-select" + (error ? " nhsuk-select--error" : "")} id={`field-${name}`} name={name} value={value}
        aria-describedby={describedBy(name, hint, error)} aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value)}>
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </Group>
  );
}

export function Radios({ name, legend, hint, error, value, onChange, options, inline }: Omit<Common, "label"> & {
  legend: ReactNode; value: string; onChange: (v: string) => void; options: Option[]; inline?: boolean;
}) {
  return (
    <Group name={name} error={error}>
      <fieldset className="nhsuk-fieldset" aria-describedby={describedBy(name, hint, error)}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        <Hint name={name} hint={hint} />
        <ErrorText name={name} error={error} />
        <div className={"nhsuk-radios" + (inline ? " nhsuk-radios--inline" : "")}>
          {options.map((o, i) => (
            <div className="nhsuk-radios__item" key={o.value}>
              <input className="nhsuk-radios__input" id={i === 0 ? `field-${name}` : `field-${name}-${i}`} name={name} type="radio"
                value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} />
              <label className="nhsuk-label nhsuk-radios__label" htmlFor={i === 0 ? `field-${name}` : `field-${name}-${i}`}>{o.label}</label>
            </div>
          ))}
        </div>
      </fieldset>
    </Group>
  );
}

export function Checkboxes({ name, legend, hint, error, values, onChange, options }: Omit<Common, "label"> & {
  legend: ReactNode; values: string[]; onChange: (v: string[]) => void; options: { value: string; label: ReactNode }[];
}) {
  return (
    <Group name={name} error={error}>
      <fieldset className="nhsuk-fieldset" aria-describedby={describedBy(name, hint, error)}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        <Hint name={name} hint={hint} />
        <ErrorText name={name} error={error} />
        <div className="nhsuk-checkboxes">
          {options.map((o, i) => (
            <div className="nhsuk-checkboxes__item" key={o.value}>
              <input className="nhsuk-checkboxes__input" id={i === 0 ? `field-${name}` : `field-${name}-${i}`} name={name} type="checkbox"
                value={o.value} checked={values.includes(o.value)}
                onChange={(e) => onChange(e.target.checked ? [...values, o.value] : values.filter((v) => v !== o.value))} />
              <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={i === 0 ? `field-${name}` : `field-${name}-${i}`}>{o.label}</label>
            </div>
          ))}
        </div>
      </fieldset>
    </Group>
  );
}

/** Day, month and year as the date input shows them, from "YYYY-MM-DD". */
function dateParts(value: string): { day: string; month: string; year: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1] } : { day: "", month: "", year: "" };
}

/**
 * The NHS.UK date input: day, month and year typed in three boxes, the
 * same on every laptop whatever its locale. The value is "YYYY-MM-DD"
 * ("" when all three are empty); a part-typed or impossible date is passed
 * on as typed (e.g. "2026-13-01") for the core to name the problem.
 */
export function DateInput({ name, legend, hint, error, value, onChange }: Omit<Common, "label"> & {
  legend: ReactNode; value: string; onChange: (v: string) => void;
}) {
  const parts = dateParts(value);
  const typed = /^(\d*)-(\d*)-(\d*)$/.exec(value);
  const shown = typed && !parts.year ? { year: typed[1], month: typed[2].replace(/^0/, ""), day: typed[3].replace(/^0/, "") } : parts;
  const change = (part: "day" | "month" | "year", v: string) => {
    const next = { ...shown, [part]: v.replace(/\D/g, "") };
    if (!next.day && !next.month && !next.year) return onChange("");
    const pad = (s: string) => (s.length === 1 ? `0${s}` : s);
    onChange(`${next.year}-${pad(next.month)}-${pad(next.day)}`);
  };
  const box = (part: "day" | "month" | "year", label: string, width: 2 | 4) => (
    <div className="nhsuk-date-input__item">
      <div className="nhsuk-form-group">
        <label className="nhsuk-label nhsuk-date-input__label" htmlFor={part === "day" ? `field-${name}` : `field-${name}-${part}`}>
          {label}
        </label>
        <input
          className={`nhsuk-input nhsuk-date-input__input nhsuk-input--width-${width}` + (error ? " nhsuk-input--error" : "")}
          id={part === "day" ? `field-${name}` : `field-${name}-${part}`} name={`${name}-${part}`} type="text"
          inputMode="numeric" autoComplete="off" value={shown[part]} maxLength={part === "year" ? 4 : 2}
          onChange={(e) => change(part, e.target.value)}
        />
      </div>
    </div>
  );
  return (
    <Group name={name} error={error}>
      <fieldset className="nhsuk-fieldset" role="group" aria-describedby={describedBy(name, hint, error)}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        <Hint name={name} hint={hint} />
        <ErrorText name={name} error={error} />
        <div className="nhsuk-date-input">
          {box("day", "Day", 2)}
          {box("month", "Month", 2)}
          {box("year", "Year", 4)}
        </div>
      </fieldset>
    </Group>
  );
}
