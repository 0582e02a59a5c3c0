import { KeyDestroyedError } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { metrics } from "@opentelemetry/api";
import type { Transaction } from "kysely";
import { sql } from "kysely";
import type { CachedMatch } from "../cache/lookup-cache.js";
import type { RecognitionDeps } from "../deps.js";
import { splitFields } from "../domain/field-config.js";
import { normalizeNumber } from "../domain/phone-number.js";
import { decodePayload } from "../domain/sync-record.js";
import { payloadAad, sourceScope } from "../store/record-crypto.js";
import { findMatches } from "../store/records.js";
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
    const answer = await Promise.race([recognize(deps, tenantId, raw, deadline), late]);
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
    const matches = await openCached(deps, tenantId, cached.matches);
    if (matches) return { recognized: matches.length > 0, normalizedNumber: e164!, matches };
    // A match's key was destroyed (its source was deleted meanwhile): the entry is stale.
    await deps.cache.remove(tenantId, [numberIndex]).catch(() => {});
  }
  if (cached.kind === "unavailable") {
    cacheFallbacks.add(1, { reason: "redis" });
    deps.log.warn({ event: "lookup.cache_unavailable", tenantId, reason: cached.reason }, "cache failed or was slow: answering from Postgres");
  }

  const stored = await withTenant(deps.db, tenantId, async (trx) => {
    // Postgres gets what is left of the deadline, and not a moment more.
    await sql`select set_config('statement_timeout', ${String(Math.max(1, deadline - Date.now()))}, true)`.execute(trx);
    const rows = await findMatches(trx, tenantId, numberIndex!);
    const cachedRows: CachedMatch[] = rows.map((row) => ({ sourceId: row.source_id, priority: row.priority, displayFields: row.display_fields, scriptFields: row.script_fields, recordKey: row.record_key, payload: row.payload }));
    return { cachedRows, matches: await openStored(deps, trx, tenantId, cachedRows) };
  });
  if (cached.kind !== "unavailable" && Date.now() < deadline) {
    const block = cached.kind === "miss" ? cached.block : undefined;
    await deps.cache.fill(tenantId, numberIndex, stored.cachedRows, Math.min(deps.cacheTimeoutMs, Math.max(1, deadline - Date.now())), block).catch((error: Error) => {
      deps.log.warn({ event: "lookup.cache_fill_failed", tenantId, reason: error.message });
    });
  }
  return { recognized: stored.matches.length > 0, normalizedNumber: e164!, matches: stored.matches };
}

function toMatch(match: CachedMatch, plaintext: string): FoundMatch {
  const payload = decodePayload(plaintext);
  const { displayFields, scriptParams } = splitFields(payload.fields, { displayFields: match.displayFields, scriptFields: match.scriptFields });
  return { dataSourceId: match.sourceId, externalId: payload.externalId, priority: match.priority, displayFields, scriptParams };
}

/** Decrypts a cache hit; undefined when an entry must be dropped (its source's key is gone). */
async function openCached(deps: RecognitionDeps, tenantId: string, matches: CachedMatch[]): Promise<FoundMatch[] | undefined> {
  const plaintexts = matches.map((m) => deps.keyring.decryptCached(tenantId, sourceScope(m.sourceId), m.payload, payloadAad(m.sourceId, m.recordKey)));
  if (plaintexts.every((p) => p !== undefined)) return matches.map((m, i) => toMatch(m, plaintexts[i]!));
  try {
    return await withTenant(deps.db, tenantId, (trx) => openStored(deps, trx, tenantId, matches, true));
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
