import { createHash } from "node:crypto";

/** What an entry's hash covers: every stored field, in a fixed order. */
export interface ChainEntry {
  tenantId: string;
  sequence: number;
  eventId: string;
  action: string;
  actorType: string;
  actorId: string;
  actorRoles: readonly string[];
  actorClientAddress: string;
  actorTenantId: string;
  resourceType: string;
  resourceId: string;
  personalDataCategories: readonly string[];
  outcome: string;
  occurredAt: string;
  traceId: string;
  details: Readonly<Record<string, string>>;
}

/** The hash "before" the first entry of a tenant's chain. */
export const genesisHash = "0".repeat(64);

/**
 * A canonical, unambiguous encoding: a JSON array with the fields in a fixed
 * order and the details sorted by key, so anyone can recompute the hash from
 * an export without this code (see README.md).
 */
export function canonicalForm(entry: ChainEntry): string {
  const details = Object.keys(entry.details)
    .sort()
    .map((key) => [key, entry.details[key]!]);
  return JSON.stringify([
    1,
    entry.tenantId,
    entry.sequence,
    entry.eventId,
    entry.action,
    entry.actorType,
    entry.actorId,
    [...entry.actorRoles],
    entry.actorClientAddress,
    entry.actorTenantId,
    entry.resourceType,
    entry.resourceId,
    [...entry.personalDataCategories],
    entry.outcome,
    entry.occurredAt,
    entry.traceId,
    details,
  ]);
}

/** SHA-256 (hex) over the previous entry's hash, a newline, and this entry's canonical form. */
export function chainHash(previousHash: string, entry: ChainEntry): string {
  return createHash("sha256").update(`${previousHash}\n${canonicalForm(entry)}`).digest("hex");
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  firstBrokenSequence: number;
  problem: string;
}

/**
 * Walks entries in sequence order from `expectedFirst`, recomputing each hash
 * from its predecessor. Reports the first entry that was altered, is missing
 * (a gap) or is out of place.
 */
export function verifyEntries(entries: Iterable<ChainEntry & { hash: string }>, previousHash: string, expectedFirst: number): ChainCheck {
  let expected = expectedFirst;
  let previous = previousHash;
  let checked = 0;
  for (const entry of entries) {
    if (entry.sequence !== expected) return { ok: false, checked, firstBrokenSequence: expected, problem: `missing entry: expected sequence ${expected}, found ${entry.sequence}` };
    if (chainHash(previous, entry) !== entry.hash) return { ok: false, checked, firstBrokenSequence: entry.sequence, problem: "hash mismatch: the entry or its predecessor was altered" };
    previous = entry.hash;
    expected += 1;
    checked += 1;
  }
  return { ok: true, checked, firstBrokenSequence: 0, problem: "" };
}
