/**
 * How recognition names what it encrypts and indexes. Every blind index is
 * an HMAC under the tenant's index key; the prefixes keep the three kinds
 * apart (an E.164 number always starts with "+").
 */

/** The data key scope of a source's records: shredding it erases the source. */
export const sourceScope = (sourceId: string) => `source:${sourceId}`;

/** Binds a payload to its row: a ciphertext moved to another record fails to decrypt. */
export const payloadAad = (sourceId: string, recordKey: Buffer) => `recognition_record.payload:${sourceId}:${recordKey.toString("hex")}`;

/** Binds a batch's sealed rejections to the batch: they cannot be replayed as another batch's answer. */
export const batchRejectionsAad = (syncId: string, batchId: string) => `sync_batch.rejected:${syncId}:${batchId}`;

/** Blind-index input of a record's identity within its source. */
export const recordKeyInput = (sourceId: string, externalId: string) => `record:${sourceId}:${externalId}`;

/** Blind-index input of a record's content (unchanged content, unchanged hash). */
export const contentInput = (sourceId: string, canonical: string) => `content:${sourceId}:${canonical}`;

/** Blind-index input of a record as the agent sent it, with the region its national numbers are read for. */
export const inputInput = (sourceId: string, region: string | undefined, raw: string) => `input:${sourceId}:${region ?? ""}:${raw}`;
