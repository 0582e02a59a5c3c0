import { recordAudit, type AuditActor } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import type { Transaction } from "kysely";
import type { RecognitionDeps } from "../deps.js";
import { allowedFields } from "../domain/field-config.js";
import { canonicalForm, decodePayload, encodePayload } from "../domain/sync-record.js";
import { lockDataSource } from "../store/data-sources.js";
import { contentInput, payloadAad, sourceScope } from "../store/record-crypto.js";
import { lockRecordsAfter, rewritePayloads } from "../store/records.js";
import type { RecognitionDatabase } from "../store/schema.js";

type Trx = Transaction<RecognitionDatabase>;

// One transaction per chunk: a large source is never locked as a whole, and
// a scrub that stops half-way keeps what it committed.
const DEFAULT_CHUNK = 500;

export interface ScrubResult {
  /** Records read and checked. */
  examined: number;
  /** Records that held a field the source no longer names, now stored without it. */
  rewritten: number;
}

interface ChunkResult extends ScrubResult {
  numberIndexes: Buffer[];
  /** The last record key of a full chunk: where the next chunk starts. */
  next?: Buffer;
}

/**
 * Rewrites a source's stored records without the fields its configuration
 * no longer names: a field taken off the display and script lists leaves
 * storage (and the cache) now, not at each record's next sync. Each changed
 * record is sealed again under the source's current data key, its content
 * hash recomputed (so an agent that sends the record without the field finds
 * it unchanged) and its input hash cleared. Idempotent: a second run finds
 * nothing to rewrite. Undefined when the source no longer exists.
 */
export async function scrubRemovedFields(deps: RecognitionDeps, tenantId: string, sourceId: string, actor: AuditActor, options: { chunkSize?: number } = {}): Promise<ScrubResult | undefined> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const total: ScrubResult = { examined: 0, rewritten: 0 };
  let after: Buffer | undefined;
  do {
    const chunk = await withTenant(deps.db, tenantId, (trx) => scrubChunk(deps, trx, { tenantId, sourceId, actor, chunkSize }, after));
    if (!chunk) return undefined;
    total.examined += chunk.examined;
    total.rewritten += chunk.rewritten;
    if (chunk.numberIndexes.length > 0) {
      await deps.cache.invalidate(tenantId, chunk.numberIndexes).catch((error: Error) => {
        // What stays cached is ciphertext that expires within CACHE_TTL; answers already hide the field.
        deps.log.error({ event: "fields.scrub_cache_invalidation_failed", tenantId, dataSourceId: sourceId, reason: error.message }, "could not invalidate scrubbed records' cache entries");
      });
    }
    deps.log.info({ event: "fields.scrub_progress", tenantId, dataSourceId: sourceId, ...total }, "scrubbing removed fields from stored records");
    after = chunk.next;
  } while (after);
  return total;
}

async function scrubChunk(deps: RecognitionDeps, trx: Trx, target: { tenantId: string; sourceId: string; actor: AuditActor; chunkSize: number }, after: Buffer | undefined): Promise<ChunkResult | undefined> {
  const { tenantId, sourceId } = target;
  // FOR SHARE: the configuration cannot change while this chunk is rewritten.
  const source = await lockDataSource(trx, sourceId);
  if (!source) return undefined;
  const allowed = allowedFields({ displayFields: source.display_fields, scriptFields: source.script_fields });
  const rows = await lockRecordsAfter(trx, sourceId, after, target.chunkSize);
  const result: ChunkResult = { examined: rows.length, rewritten: 0, numberIndexes: [], next: rows.length === target.chunkSize ? rows.at(-1)!.record_key : undefined };
  if (rows.length === 0) return result;

  const scope = sourceScope(sourceId);
  const sealer = await deps.keyring.sealer(trx, tenantId, scope);
  const indexer = await deps.keyring.indexer(trx, tenantId);
  const rewrites: { recordKey: Buffer; contentHash: Buffer; payload: Buffer }[] = [];
  try {
    for (const row of rows) {
      const aad = payloadAad(sourceId, row.record_key);
      const stored = decodePayload(await deps.keyring.decrypt(trx, tenantId, scope, row.payload, aad));
      const names = Object.keys(stored.fields).filter((name) => allowed.has(name)).sort();
      if (names.length === Object.keys(stored.fields).length) continue;
      const fields = Object.fromEntries(names.map((name) => [name, stored.fields[name]!]));
      const record = { externalId: stored.externalId, numbers: stored.numbers, fields, canonical: canonicalForm(stored.externalId, stored.numbers, names, fields) };
      rewrites.push({ recordKey: row.record_key, contentHash: indexer.index(contentInput(sourceId, record.canonical)), payload: sealer.seal(encodePayload(record), aad) });
      result.numberIndexes.push(...record.numbers.map((number) => indexer.index(number)));
    }
  } finally {
    sealer.close();
    indexer.close();
  }
  await rewritePayloads(trx, tenantId, sourceId, rewrites);
  result.rewritten = rewrites.length;
  if (result.rewritten > 0) {
    await recordAudit(trx, {
      tenantId,
      actor: target.actor,
      action: "recognition.records.fields_removed",
      resource: { type: "data_source", id: sourceId },
      personalData: ["contact"],
      details: { rewritten: result.rewritten, allowedFields: [...allowed].sort().join(",") },
    });
  }
  return result;
}
