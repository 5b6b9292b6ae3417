import { describe, expect, it } from "vitest";
import { describeAge, describeAssessment, describeCentile, formatDate, formatNhsNumber, isTwoOrOver } from "./format";

describe("format", () => {
  it("describes centiles in the UK-WHO chart words", () => {
    expect(describeCentile(0.02)).toBe("50th centile");
    expect(describeCentile(-0.95)).toBe("between the 9th and 25th centiles");
    expect(describeCentile(-1.3)).toBe("9th centile");
    expect(describeCentile(-3.2)).toBe("below the 0.4th centile");
    expect(describeCentile(3.2)).toBe("above the 99.6th centile");
    expect(
      describeAssessment({ age_days: 40, corrected_age_days: 12, table: { measure: "weight", weekly: true, name: "" }, sds: -0.95, centile: 17, note: null }),
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

  it("switches from length to height on the second birthday", () => {
    expect(isTwoOrOver("2024-03-15", "2026-03-14")).toBe(false);
    expect(isTwoOrOver("2024-03-15", "2026-03-15")).toBe(true);
    expect(isTwoOrOver("2024-02-29", "2026-02-28")).toBe(true);
  });
});
