import { describe, expect, it } from "vitest";
import { AVA, familyView } from "./fixtures";
import { conflictField, writtenOn } from "./conflictWords";

describe("conflictField", () => {
  const members = familyView().family.members;

  it("names household details in words", () => {
    expect(conflictField("household/phone")).toBe("Household: phone number");
    expect(conflictField("household/address_line1")).toBe("Household: address line 1");
    expect(conflictField("household/main_language")).toBe("Household: main language");
  });

  it("names the member when known, otherwise 'A member'", () => {
    expect(conflictField(`members/${AVA}/nhs_number`, members)).toBe("Ava Okafor: NHS number");
    expect(conflictField(`members/${AVA}/nhs_number`)).toBe("A member: NHS number");
    expect(conflictField("members/2/given_name", members)).toBe("A member: given name");
  });

  it("names contacts and other parts of the record, never showing ids", () => {
    expect(conflictField("contacts/55555555-5555-4555-8555-555555555555/note")).toBe("Contact: note");
    expect(conflictField("something/odd_field_name")).toBe("Odd field name");
    expect(conflictField("household")).toBe("Household");
  });

  it("says where a value was written", () => {
    expect(writtenOn({ device_name: "this laptop", this_laptop: true })).toBe("on this laptop");
    expect(writtenOn({ device_name: "Asha's laptop", this_laptop: false })).toBe("on Asha's laptop");
    expect(writtenOn({ device_name: "another device", this_laptop: false })).toBe("on another device");
  });
});
