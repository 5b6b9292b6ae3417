import { describe, expect, it } from "vitest";
import { isNarrowed, withoutProblem, type IpcError } from "../ipc";
import { changedField } from "./fieldProblems";

const refused = (warning: string | null = null): IpcError => ({
  code: "invalid",
  message: "Check these details: each problem is shown below, next to its field.",
  problems: [
    { field: "weight_kg", problem: "is impossible" },
    { field: "kind", problem: "is required" },
  ],
  warning,
});

describe("withoutProblem", () => {
  it("takes away the changed field's problem and keeps the others", () => {
    const error = refused();
    const left = withoutProblem(error, "weight_kg");
    expect(left).toEqual({ ...error, problems: [{ field: "kind", problem: "is required" }] });
    expect(isNarrowed(left!)).toBe(true);
    expect(isNarrowed(error)).toBe(false);
  });

  it("gives back the same error when the field had no problem, and null for no error", () => {
    const error = refused();
    expect(withoutProblem(error, "note")).toBe(error);
    expect(withoutProblem(null, "note")).toBeNull();
  });

  it("is null once the last problem is gone, unless a warning with no field is left", () => {
    expect(withoutProblem(withoutProblem(refused(), "weight_kg"), "kind")).toBeNull();
    expect(withoutProblem(refused(), "weight_kg", "kind")).toBeNull();
    const warned = withoutProblem(refused("Warning: 2 of 5 attempts used."), "weight_kg", "kind");
    expect(warned).toMatchObject({ problems: [], warning: "Warning: 2 of 5 attempts used." });
    // A message with no field at all is left alone.
    const nothing: IpcError = { code: "invalid", message: "Nothing has been changed.", problems: [], warning: null };
    expect(withoutProblem(nothing, "kind")).toBe(nothing);
  });
});

describe("changedField", () => {
  it("is the data-field of the group around the changed element", () => {
    document.body.innerHTML = `
      <div data-field="at"><fieldset><input id="field-at-month" /></fieldset></div>
      <input id="loose" />`;
    expect(changedField(document.getElementById("field-at-month"))).toBe("at");
    expect(changedField(document.getElementById("loose"))).toBeNull();
    expect(changedField(null)).toBeNull();
  });
});
