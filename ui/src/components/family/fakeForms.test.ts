import { describe, expect, it } from "vitest";
import { definitionFrom, fnv1a128, shipped, SHIPPED } from "./fakeForms";

// The test fixtures stand in for what form_show sends: check they have the
// shape serde gives the Rust FormDefinition, so the form screen's tests see
// what the shell sends.
describe("form definition fixtures", () => {
  it("include every shipped form version", () => {
    expect(SHIPPED.map((d) => `${d.id} v${d.version}`)).toEqual(expect.arrayContaining([
      "epds v1",
      "epds v2",
      "family-partnership v1",
      "fhat v1",
      "two-year-review v1",
    ]));
  });

  it("are shaped as the core serializes a FormDefinition", () => {
    const fhat = shipped("fhat");
    expect(Object.keys(fhat).sort()).toEqual(["description", "hash", "id", "items", "name", "status", "title", "url", "version"]);
    const sleep = fhat.items.flatMap((i) => i.item ?? []).find((i) => i.linkId === "sleep-place-other")!;
    expect(sleep).toEqual({
      linkId: "sleep-place-other",
      text: "Where else the baby sleeps",
      type: "string",
      required: true,
      repeats: false,
      enableWhen: [
        { question: "sleep-place-day", operator: "=", answerCoding: { code: "other" } },
        { question: "sleep-place-night", operator: "=", answerCoding: { code: "other" } },
      ],
      enableBehavior: "any",
    });
    // Defaults are filled in and empty lists left out.
    const raw = definitionFrom({
      resourceType: "Questionnaire",
      id: "t",
      version: "1",
      status: "draft",
      item: [{ linkId: "g", type: "group", item: [{ linkId: "q", type: "choice", answerOption: [{ valueCoding: { code: "a", system: "s" } }] }] }],
    });
    expect(raw).toMatchObject({ name: "", title: "", url: null, description: null });
    expect(raw.items).toEqual([
      {
        linkId: "g",
        text: "",
        type: "group",
        required: false,
        repeats: false,
        enableBehavior: "all",
        item: [{ linkId: "q", text: "", type: "choice", required: false, repeats: false, enableBehavior: "all", answerOption: [{ valueCoding: { code: "a", display: "" } }] }],
      },
    ]);
  });

  it("carry the content hash the core computes (FNV-1a 128 over canonical JSON)", () => {
    expect(fnv1a128("")).toBe("6c62272e07bb014262b821756295c58d");
    expect(fnv1a128("a")).toBe("d228cb696f1a8caf78912b704e4a8964");
    expect(shipped("epds", "2").hash).toBe("6696194da61e700ba54d8fcb69fb25e5");
    expect(shipped("fhat").hash).toBe("e7aa23b980228e4157373d1baadd0d12");
  });
});
