import { describe, expect, it } from "vitest";
import { inRange, maxLength, oneOf, required, uuid, violations } from "./validation.js";

describe("request checks", () => {
  it("collects only the checks that failed", () => {
    expect(
      violations(required("x", "name"), required(" ", "ticket"), maxLength("abcdef", 3, "reason"), inRange(5, 1, 10, "repeat")),
    ).toEqual([
      { field: "ticket", description: "must not be empty" },
      { field: "reason", description: "must be at most 3 characters (got 6)" },
    ]);
  });

  it("checks UUIDs and allowed values", () => {
    expect(uuid("3f8a1c1e-8b4d-4c1e-9f57-0a2b3c4d5e6f", "id")).toBeUndefined();
    expect(uuid("42", "id")).toEqual({ field: "id", description: "must be a UUID" });
    expect(oneOf("csv", ["csv", "jsonl"], "format")).toBeUndefined();
    expect(oneOf("xml", ["csv", "jsonl"], "format")?.description).toBe("must be one of csv, jsonl");
  });
});
