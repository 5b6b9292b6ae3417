import { describe, expect, it } from "vitest";
import { datesInWords, describeAge, describeAssessment, formatDate, formatNhsNumber } from "./format";
import { ukDatesIn } from "../shell/format";

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

  it("writes the dates inside the core's sentences as UK dates", () => {
    expect(ukDatesIn("12-month review for Isla Mensah due by 2025-12-12 (6 days left)")).toBe("12-month review for Isla Mensah due by 12 Dec 2025 (6 days left)");
    expect(datesInWords("Family Health Assessment completed 2026-11-20")).toBe("Family Health Assessment completed 20 November 2026");
    expect(ukDatesIn("from 2026-11-01 (due by 2027-01-30)")).toBe("from 1 Nov 2026 (due by 30 Jan 2027)");
    expect(ukDatesIn("at 2026-11-20T10:30:00Z, ref 12345-67-89")).toBe("at 2026-11-20T10:30:00Z, ref 12345-67-89");
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
