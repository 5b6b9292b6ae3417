import { describe, expect, it } from "vitest";
import { shipped, SHIPPED } from "./fakeForms";

// The fixtures are the core's own serialization of the shipped definitions
// (written by codegen), so the form screen's tests see what the shell sends.
describe("form definition fixtures", () => {
  it("include every shipped form version", () => {
    expect(SHIPPED.map((d) => `${d.id} v${d.version}`)).toEqual(expect.arrayContaining([
      "epds v1",
      "epds v2",
      "epds v3",
      "family-partnership v1",
      "fhat v1",
      "two-year-review v1",
      "two-year-review v2",
    ]));
  });

  it("carry the limits the core read from the FHIR extensions", () => {
    const item = shipped("epds", "2").items.find((i) => i.linkId === "epds-1")!;
    expect([item.minValue, item.maxValue]).toEqual([0, 3]);
    expect(shipped("epds", "2").hash).toBe("6696194da61e700ba54d8fcb69fb25e5");
  });
});
