import { describe, expect, it } from "vitest";
import { canonicalForm, chainHash, genesisHash, verifyEntries, type ChainEntry } from "./chain.js";

const base: ChainEntry = {
  tenantId: "t",
  sequence: 1,
  eventId: "e1",
  action: "identity.user.created",
  actorType: "user",
  actorId: "a",
  actorRoles: ["tenant-admin"],
  actorClientAddress: "127.0.0.1",
  actorTenantId: "t",
  resourceType: "user",
  resourceId: "u",
  personalDataCategories: ["contact"],
  outcome: "success",
  occurredAt: "2026-11-25T00:00:00.000Z",
  traceId: "",
  details: { b: "2", a: "1" },
};

function chain(length: number) {
  let previous = genesisHash;
  return Array.from({ length }, (_, i) => {
    const entry = { ...base, sequence: i + 1, eventId: `e${i + 1}` };
    previous = chainHash(previous, entry);
    return { ...entry, hash: previous };
  });
}

describe("the hash chain", () => {
  it("encodes details independent of key order", () => {
    expect(canonicalForm(base)).toBe(canonicalForm({ ...base, details: { a: "1", b: "2" } }));
  });

  it("verifies an untouched chain", () => {
    expect(verifyEntries(chain(5), genesisHash, 1)).toEqual({ ok: true, checked: 5, firstBrokenSequence: 0, problem: "" });
  });

  it("names the altered entry", () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, actorId: "someone-else" };
    expect(verifyEntries(entries, genesisHash, 1)).toMatchObject({ ok: false, firstBrokenSequence: 3, checked: 2 });
  });

  it("names the missing entry", () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verifyEntries(entries, genesisHash, 1)).toMatchObject({ ok: false, firstBrokenSequence: 2, problem: expect.stringContaining("missing entry") });
  });
});
