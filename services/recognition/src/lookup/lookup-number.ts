import { KeyDestroyedError } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { metrics } from "@opentelemetry/api";
import type { Transaction } from "kysely";
import type { CachedMatch } from "../cache/lookup-cache.js";
import type { RecognitionDeps } from "../deps.js";
import { splitFields } from "../domain/field-config.js";
import { normalizeNumber } from "../domain/phone-number.js";
import { decodePayload } from "../domain/sync-record.js";
import { payloadAad, sourceScope } from "../store/record-crypto.js";
import { isStatementTimeout } from "../store/match-reader.js";
import type { RecognitionDatabase } from "../store/schema.js";
import { findDefaultRegion } from "../store/tenant-settings.js";

export interface FoundMatch {
  dataSourceId: string;
  externalId: string;
  priority: number;
  displayFields: Record<string, string>;
  scriptParams: Record<string, string>;
}

export interface LookupAnswer {
  recognized: boolean;
  normalizedNumber: string;
  matches: FoundMatch[];
}

const meter = metrics.getMeter("recognition");
const cacheFallbacks = meter.createCounter("recognition.lookup.cache_fallbacks", { description: "Lookups answered from Postgres because Redis failed or was too slow" });
const lateLookups = meter.createCounter("recognition.lookup.deadline_passed", { description: "Lookups answered 'not recognised' because they could not finish within their deadline" });

const notRecognized = (normalizedNumber = ""): LookupAnswer => ({ recognized: false, normalizedNumber, matches: [] });

type Trx = Transaction<RecognitionDatabase>;

/**
 * "Who is calling?" within `deadline` (epoch ms): the hot cache first (one
 * GET), Postgres when the cache misses, fails or is slow. Past the deadline
 * the answer is "not recognised" — a late name is worth less than none.
 */
export async function lookupNumber(deps: RecognitionDeps, tenantId: string, raw: string, deadline: number): Promise<LookupAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), Math.max(0, deadline - Date.now()));
  });
  try {
    // The read's statement timeout is the deadline too, and may fire first.
    const answered = recognize(deps, tenantId, raw, deadline).catch((error: unknown) => {
      if (isStatementTimeout(error)) return "late" as const;
      throw error;
    });
    const answer = await Promise.race([answered, late]);
    if (answer !== "late") return answer;
    lateLookups.add(1);
    deps.log.warn({ event: "lookup.deadline_passed", tenantId }, "lookup could not finish within its deadline: answered not recognised");
    return notRecognized();
  } finally {
    clearTimeout(timer);
  }
}

async function recognize(deps: RecognitionDeps, tenantId: string, raw: string, deadline: number): Promise<LookupAnswer> {
  const international = /^\s*(\+|00)/.test(raw);
  let region = international ? undefined : deps.regions.get(tenantId);
  let numberIndex: Buffer | undefined;
  let e164: string | undefined;

  if (international || region) {
    const read = normalizeNumber(raw, region?.region);
    if (!read.ok) return notRecognized();
    e164 = read.e164;
    numberIndex = deps.keyring.blindIndexCached(tenantId, e164);
  }
  if (!numberIndex) {
    // Cold: the region or the index key is not in memory yet; one short transaction fetches both.
    const cold = await withTenant(deps.db, tenantId, async (trx) => {
      if (!international && !region) {
        region = { region: await findDefaultRegion(trx) };
        deps.regions.set(tenantId, region.region);
      }
      const read = normalizeNumber(raw, region?.region);
      if (!read.ok) return undefined;
      return { e164: read.e164, index: await deps.keyring.blindIndex(trx, tenantId, read.e164) };
    });
    if (!cold) return notRecognized();
    ({ e164, index: numberIndex } = cold);
  }

  const cached = await deps.cache.read(tenantId, numberIndex, Math.min(deps.cacheTimeoutMs, Math.max(1, deadline - Date.now())));
  if (cached.kind === "unknown") return notRecognized(e164);
  if (cached.kind === "hit") {
    const matches = await openMatches(deps, tenantId, cached.matches, "all-or-nothing");
    if (matches) return { recognized: matches.length > 0, normalizedNumber: e164!, matches };
    // A match's key was destroyed (its source was deleted meanwhile): the entry is stale.
    await deps.cache.remove(tenantId, [numberIndex]).catch(() => {});
  }
  if (cached.kind === "unavailable") {
    cacheFallbacks.add(1, { reason: "redis" });
    deps.log.warn({ event: "lookup.cache_unavailable", tenantId, reason: cached.reason }, "cache failed or was slow: answering from Postgres");
  }

  // Postgres gets what is left of the deadline, and not a moment more.
  const rows = await deps.matchReader.find(tenantId, numberIndex, deadline - Date.now());
  const cachedRows: CachedMatch[] = rows.map((row) => ({ sourceId: row.source_id, priority: row.priority, displayFields: row.display_fields, scriptFields: row.script_fields, recordKey: row.record_key, payload: row.payload }));
  // A record of a source deleted since the read: erased, so not a match (and not cached).
  const matches = (await openMatches(deps, tenantId, cachedRows, "skip-erased")) ?? [];
  if (cached.kind !== "unavailable" && Date.now() < deadline) {
    const block = cached.kind === "miss" ? cached.block : undefined;
    // Not awaited: the caller has its answer, and the next command on the
    // cache's one connection (say, the repeat's GET) is served after this SET.
    void deps.cache.fill(tenantId, numberIndex, cachedRows, Math.min(deps.cacheTimeoutMs, Math.max(1, deadline - Date.now())), block).catch((error: Error) => {
      deps.log.warn({ event: "lookup.cache_fill_failed", tenantId, reason: error.message });
    });
  }
  return { recognized: matches.length > 0, normalizedNumber: e164!, matches };
}

function toMatch(match: CachedMatch, plaintext: string): FoundMatch {
  const payload = decodePayload(plaintext);
  const { displayFields, scriptParams } = splitFields(payload.fields, { displayFields: match.displayFields, scriptFields: match.scriptFields });
  return { dataSourceId: match.sourceId, externalId: payload.externalId, priority: match.priority, displayFields, scriptParams };
}

/**
 * Decrypts matches with the data keys in memory, or in one transaction that
 * fetches the missing keys. A match whose source's key was destroyed is left
 * out ("skip-erased", a fresh read) or makes the answer undefined
 * ("all-or-nothing", a cache entry that must be dropped).
 */
async function openMatches(deps: RecognitionDeps, tenantId: string, matches: CachedMatch[], erased: "skip-erased" | "all-or-nothing"): Promise<FoundMatch[] | undefined> {
  const plaintexts = matches.map((m) => deps.keyring.decryptCached(tenantId, sourceScope(m.sourceId), m.payload, payloadAad(m.sourceId, m.recordKey)));
  if (plaintexts.every((p) => p !== undefined)) return matches.map((m, i) => toMatch(m, plaintexts[i]!));
  try {
    return await withTenant(deps.db, tenantId, (trx) => openStored(deps, trx, tenantId, matches, erased === "all-or-nothing"));
  } catch (error) {
    if (error instanceof KeyDestroyedError) return undefined;
    throw error;
  }
}

async function openStored(deps: RecognitionDeps, trx: Trx, tenantId: string, matches: CachedMatch[], strict = false): Promise<FoundMatch[]> {
  const found: FoundMatch[] = [];
  for (const match of matches) {
    try {
      found.push(toMatch(match, await deps.keyring.decrypt(trx, tenantId, sourceScope(match.sourceId), match.payload, payloadAad(match.sourceId, match.recordKey))));
    } catch (error) {
      // A record of a source deleted while this lookup ran: erased, so not a match.
      if (error instanceof KeyDestroyedError && !strict) continue;
      throw error;
    }
  }
  return found;
}
