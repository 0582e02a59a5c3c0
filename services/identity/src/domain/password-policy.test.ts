import { describe, expect, it } from "vitest";
import { checkPassword, isBreached } from "./password-policy.js";

describe("password policy", () => {
  it("accepts a password meeting every rule", () => {
    expect(checkPassword("Violet-Harbour-42", "anna")).toEqual([]);
  });

  it.each([
    ["Sh0rt!a", "must be at least 8 characters long"],
    ["lowercase-only-9", "must contain an upper-case letter (A-Z)"],
    ["UPPERCASE-ONLY-9", "must contain a lower-case letter (a-z)"],
    ["No-Digits-Here", "must contain a digit (0-9)"],
    ["NoSpecials12345", "must contain one of these characters: #?!@$%^&*-"],
    [`Aa1!${"x".repeat(125)}`, "must be at most 128 characters long"],
  ])("refuses %s: %s", (password, rule) => {
    expect(checkPassword(password, "someone")).toContain(rule);
  });

  it("counts characters, not UTF-16 units, for the length rules", () => {
    expect(checkPassword("Ää1!ßüöx", "someone")).not.toContain("must be at least 8 characters long");
  });

  it("refuses a password containing or equal to the username, in any case", () => {
    expect(checkPassword("Xanna2024!", "Anna")).toContain("must not contain the username");
    expect(checkPassword("Anna-4711!", "anna")).toContain("must not contain the username");
  });

  it("refuses passwords from the breached list, also when decorated to pass composition rules", () => {
    expect(isBreached("password")).toBe(true);
    expect(checkPassword("Password1!", "someone")).toEqual([
      "is too common: it appears in lists of breached passwords, choose another",
    ]);
    expect(isBreached("Qwerty123!")).toBe(true);
    expect(isBreached("Violet-Harbour-42")).toBe(false);
  });

  it("reports every broken rule at once", () => {
    expect(checkPassword("abc", "someone")).toHaveLength(4);
  });
});
