import { describe, expect, it } from "vitest";
import type { FormDefinition, Item } from "../../ipc";
import { answeredButNotAsked, answerText, compareAnswers, enabled, findItem, instancesOf, pathInContext, resolvePath } from "./formDefinition";
import { shipped } from "./fakeForms";

/** A question in the generated Item shape, as the core sends it. */
const q = (linkId: string, type: Item["type"], extra: Partial<Item> = {}): Item => ({
  linkId,
  text: linkId,
  type,
  required: false,
  repeats: false,
  enableBehavior: "all",
  ...extra,
});

describe("form definitions", () => {
  it("names items inside repeating groups by instance", () => {
    const fp = shipped("family-partnership");
    expect(pathInContext(fp, "rating", [["goals", 2]])).toBe("goals[2].rating");
    expect(pathInContext(fp, "rating", [])).toBeUndefined();
    expect(pathInContext(fp, "family-strengths", [])).toBe("family-strengths");
    expect(resolvePath(fp, "goals[3].goal")).toEqual({ item: findItem(fp, "goal"), indices: [["goals", 3]] });
    expect(resolvePath(fp, "nope")).toBeUndefined();
    expect(instancesOf({ "goals[0].goal": { valueString: "a" }, "goals[4].rating": { valueInteger: 2 }, goalsx: { valueString: "" } }, "goals")).toEqual([0, 4]);
  });

  it("evaluates enableWhen as the core does (any / all, !=, exists of unasked questions)", () => {
    const fhat = shipped("fhat");
    const other = findItem(fhat, "sleep-place-other")!;
    expect(enabled(fhat, {}, other, [])).toBe(false);
    expect(enabled(fhat, { "sleep-place-night": { valueCoding: "other" } }, other, [])).toBe(true);
    const help = findItem(fhat, "whooley-help")!;
    expect(enabled(fhat, { "whooley-q1": { valueBoolean: false }, "whooley-q2": { valueBoolean: false } }, help, [])).toBe(false);
    expect(enabled(fhat, { "whooley-q1": { valueBoolean: true } }, help, [])).toBe(true);

    const two = shipped("two-year-review");
    const setting = findItem(two, "ir2-setting")!;
    // != holds only for an answer that differs.
    expect(enabled(two, {}, setting, [])).toBe(false);
    expect(enabled(two, { "ir2-mode": { valueCoding: "joint" } }, setting, [])).toBe(true);
    expect(enabled(two, { "ir2-mode": { valueCoding: "not-integrated" } }, setting, [])).toBe(false);

    expect(answeredButNotAsked(fhat, { "routine-changes": { valueBoolean: false }, "routine-changes-details": { valueString: "x" } })).toEqual([
      "routine-changes-details",
    ]);
    expect(compareAnswers({ valueInteger: 3 }, { valueDecimal: 2.5 })).toBe(1);
    expect(compareAnswers({ valueBoolean: true }, { valueBoolean: false })).toBeUndefined();
    expect(answerText({ valueBoolean: true })).toBe("yes");
    expect(answerText({ valueDecimal: 12.5 })).toBe("12.5");
  });

  it("reads every answer[x] of a condition in the generated shape, inside groups and repeating groups", () => {
    const def: FormDefinition = {
      id: "t",
      version: "1",
      name: "T",
      title: "T",
      status: "draft",
      url: null,
      description: null,
      hash: "0".repeat(32),
      items: [
        q("score", "integer"),
        q("weight", "decimal"),
        q("seen", "date"),
        q("note", "string"),
        q("high", "boolean", { enableWhen: [{ question: "score", operator: ">=", answerInteger: 10, answerBoolean: null }] }),
        q("heavy", "boolean", { enableWhen: [{ question: "weight", operator: ">", answerDecimal: 12.5 }] }),
        q("late", "boolean", { enableWhen: [{ question: "seen", operator: "<", answerDate: "2026-01-01" }] }),
        q("noted", "boolean", { enableWhen: [{ question: "note", operator: "exists", answerBoolean: true }] }),
        q("unnoted", "boolean", { enableWhen: [{ question: "note", operator: "exists", answerBoolean: false }] }),
        q("said", "boolean", { enableWhen: [{ question: "note", operator: "=", answerString: "x" }] }),
        q("goals", "group", {
          repeats: true,
          item: [q("goal", "string"), q("why", "text", { enableWhen: [{ question: "goal", operator: "exists", answerBoolean: true }] })],
        }),
      ],
    };
    const at = (id: string) => findItem(def, id)!;
    expect(enabled(def, { score: { valueInteger: 10 } }, at("high"), [])).toBe(true);
    expect(enabled(def, { score: { valueInteger: 9 } }, at("high"), [])).toBe(false);
    expect(enabled(def, { weight: { valueDecimal: 12.6 } }, at("heavy"), [])).toBe(true);
    expect(enabled(def, { weight: { valueInteger: 12 } }, at("heavy"), [])).toBe(false);
    expect(enabled(def, { seen: { valueDate: "2025-12-31" } }, at("late"), [])).toBe(true);
    expect(enabled(def, { seen: { valueDate: "2026-01-01" } }, at("late"), [])).toBe(false);
    expect(enabled(def, {}, at("noted"), [])).toBe(false);
    expect(enabled(def, {}, at("unnoted"), [])).toBe(true);
    expect(enabled(def, { note: { valueString: "x" } }, at("said"), [])).toBe(true);
    // Inside a repeating group a condition looks at the same instance.
    const answers = { "goals[1].goal": { valueString: "Sleep" } };
    expect(enabled(def, answers, at("why"), [["goals", 1]])).toBe(true);
    expect(enabled(def, answers, at("why"), [["goals", 0]])).toBe(false);
    expect(answeredButNotAsked(def, { ...answers, "goals[0].why": { valueString: "x" } })).toEqual(["goals[0].why"]);
  });
});
