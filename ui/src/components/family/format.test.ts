import { describe, expect, it } from "vitest";
import { describeAge, describeAssessment, formatDate, formatNhsNumber } from "./format";

describe("format", () => {
  it("shows the core's centile words with the SDS", () => {
    expect(
      describeAssessment({
        age_days: 40,
        corrected_age_days: 12,
        table: { reference: "who2006", measure: "weight", weekly: true, name: "" },
        sds: -0.95,
        centile: 17,
        centile_words: "between the 9th and 25th centiles",
        note: null,
      }),
    ).toBe("between the 9th and 25th centiles (SDS −0.95, corrected for prematurity)");
  });

  it("formats dates, NHS numbers and ages", () => {
    expect(formatDate("2026-03-14")).toBe("14 March 2026");
    expect(formatNhsNumber("9990000018")).toBe("999 000 0018");
    expect(describeAge(10)).toBe("10 days");
    expect(describeAge(60)).toBe("8 weeks");
    expect(describeAge(400)).toBe("13 months");
    expect(describeAge(1000)).toBe("2 years 8 months");
  });
});
