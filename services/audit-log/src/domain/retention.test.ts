import { describe, expect, it } from "vitest";
import { expiredPrefixLength, parseCategoryRetention, retentionDays } from "./retention.js";

const policy = { defaultDays: 100, byCategory: new Map([["contact", 10], ["health", 1_000]]) };
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

describe("retention periods", () => {
  it("keeps an entry for the longest period among its categories, the default for unknown or none", () => {
    expect(retentionDays(["contact"], policy)).toBe(10);
    expect(retentionDays(["contact", "health"], policy)).toBe(1_000);
    expect(retentionDays(["contact", "unlisted"], policy)).toBe(100);
    expect(retentionDays([], policy)).toBe(100);
  });

  it("removes only the leading run of expired entries", () => {
    const now = new Date();
    const entries = [
      { recordedAt: daysAgo(50), categories: ["contact"] },
      { recordedAt: daysAgo(40), categories: ["contact"] },
      { recordedAt: daysAgo(30), categories: [] },
      { recordedAt: daysAgo(20), categories: ["contact"] },
    ];
    expect(expiredPrefixLength(entries, policy, now)).toBe(2);
    expect(expiredPrefixLength(entries.slice(3), policy, now)).toBe(1);
    expect(expiredPrefixLength([], policy, now)).toBe(0);
  });

  it("parses category=days pairs and names the part it cannot read", () => {
    expect(parseCategoryRetention("contact=730, debug_logs=30")).toEqual(new Map([["contact", 730], ["debug_logs", 30]]));
    expect(parseCategoryRetention("")).toEqual(new Map());
    expect(parseCategoryRetention("contact=two years")).toBe('"contact=two years" is not category=days (e.g. contact=730)');
  });
});
