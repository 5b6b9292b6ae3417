import { describe, expect, it } from "vitest";
import { answerText, findItem, instancesOf, itemAt } from "./formDefinition";
import { shipped } from "./fakeForms";

describe("form definitions", () => {
  it("finds the item an item path names and the entries of a repeating group", () => {
    const fp = shipped("family-partnership");
    expect(itemAt(fp, "goals[3].goal")).toBe(findItem(fp, "goal"));
    expect(itemAt(fp, "family-strengths")?.type).toBe("text");
    expect(itemAt(fp, "nope")).toBeUndefined();
    expect(instancesOf({ "goals[0].goal": { valueString: "a" }, "goals[4].rating": { valueInteger: 2 }, goalsx: { valueString: "" } }, "goals")).toEqual([0, 4]);
  });

  it("writes an answer as the text its field holds", () => {
    expect(answerText({ valueBoolean: true })).toBe("yes");
    expect(answerText({ valueDecimal: 12.5 })).toBe("12.5");
    expect(answerText({ valueCoding: "other" })).toBe("other");
    expect(answerText(undefined)).toBe("");
  });
});
