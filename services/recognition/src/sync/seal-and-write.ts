import type { Indexer } from "@switchboard/crypto";
import type { Transaction } from "kysely";
import type { RecognitionDeps } from "../deps.js";
import { encodePayload, type CheckedRecord } from "../domain/sync-record.js";
import { payloadAad, sourceScope } from "../store/record-crypto.js";
import { writeRecords, type SealedRecord } from "../store/records.js";
import type { RecognitionDatabase } from "../store/schema.js";
import { background, sendNow } from "./overlap.js";

/** A checked upsert that changes what the source holds, with its blind indexes. */
export interface ChangedRecord {
  record: CheckedRecord;
  key: Buffer;
  hash: Buffer;
  inputHash: Buffer;
  /** The source holds an older version (whose numbers go first). */
  replacing: boolean;
}

// Small enough that Postgres writes one chunk while the next is sealed here,
// large enough that a statement's fixed cost stays small.
const CHUNK = 250;

/**
 * Seals the changed records (one AES-GCM payload each, under the source's
 * data key resolved once) and writes them chunk by chunk, each chunk's
 * statement running in Postgres while the next chunk is sealed. Returns the
 * new number indexes, for the cache to forget.
 */
export async function sealAndWrite(
  deps: RecognitionDeps,
  trx: Transaction<RecognitionDatabase>,
  target: { tenantId: string; sourceId: string; indexer: Indexer },
  changed: ChangedRecord[],
): Promise<Buffer[]> {
  const { tenantId, sourceId, indexer } = target;
  const sealer = await deps.keyring.sealer(trx, tenantId, sourceScope(sourceId));
  const writes: Promise<void>[] = [];
  const numberIndexes: Buffer[] = [];
  try {
    for (let at = 0; at < changed.length; at += CHUNK) {
      const chunk: SealedRecord[] = changed.slice(at, at + CHUNK).map(({ record, key, hash, inputHash }) => ({
        recordKey: key,
        contentHash: hash,
        inputHash,
        payload: sealer.seal(encodePayload(record), payloadAad(sourceId, key)),
        numberIndexes: record.numbers.map((number) => indexer.index(number)),
      }));
      for (const sealed of chunk) numberIndexes.push(...sealed.numberIndexes);
      writes.push(background(writeRecords(trx, tenantId, sourceId, chunk)));
      await sendNow();
    }
  } finally {
    sealer.close();
  }
  await Promise.all(writes);
  return numberIndexes;
}
